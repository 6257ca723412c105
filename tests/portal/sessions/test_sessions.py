"""Individual sessions (P07): slots, booking, confirmation with .ics, reminders,
cancellation, no-show policy, notes kept from the student."""

from __future__ import annotations

import base64
import threading
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from integrations.mail import DevMail
from integrations.outbox import OutboxMessage
from tenants.calendar import services as cal
from tenants.calendar.models import Event
from tenants.portal.sessions import services as sess
from tenants.portal.sessions.models import SessionBooking, StudentSuspension
from tenants.portal.settings.services import do_update_portal_settings
from tests.conftest import IS_PG, create_person

CASA = ZoneInfo("Africa/Casablanca")


def local(days: int, hh: int = 9, mm: int = 0) -> datetime:
    """A wall-clock time of the centre, `days` from today."""
    d = (utcnow() + timedelta(days=days)).astimezone(CASA).date()
    return datetime.combine(d, time(hh, mm), tzinfo=CASA)


def hours(world, *windows: tuple[str, str]) -> None:
    """The counselor works these hours every day of the week."""
    slots = [{"weekday": wd, "start_time": a, "end_time": b} for wd in range(7) for a, b in windows]
    cal.do_set_availability(world.manager.actor, world.tenant_id, world.counselor.membership_id, slots)


def book(world, starts_at: datetime, *, student=None, need: str = "Préparer un entretien", **kw):
    student = student or world.student
    return sess.do_book_session(student.actor, world.tenant_id, {
        "counselor_membership_id": kw.pop("counselor", world.counselor.membership_id),
        "starts_at": starts_at, "need": need}, **kw)


def settings(world, **over) -> None:
    base = {"auto_confirm_sessions": False, "session_minutes": 45, "cancellation_cutoff_hours": 24,
            "no_show_limit": 3, "no_show_suspension_days": 30}
    do_update_portal_settings(world.manager.actor, world.tenant_id, base | over)


def bookings() -> list[SessionBooking]:
    with system_session("test") as s:
        return list(s.exec(select(SessionBooking).order_by(SessionBooking.id)).all())


def mails(to: str) -> list[DevMail]:
    with system_session("test") as s:
        return list(s.exec(select(DevMail).where(DevMail.to_email == to).order_by(DevMail.id)).all())


def ics_of(mail: DevMail) -> Calendar:
    (att,) = mail.attachments
    assert att["content_type"] == "text/calendar" and att["filename"].endswith(".ics")
    return Calendar.from_ical(base64.b64decode(att["content_b64"]))


@pytest.fixture
def a(world_a):
    hours(world_a, ("09:00", "12:00"))
    return world_a


# ---------------------------------------------------------------- free slots

def test_free_slots_follow_hours_leave_events_and_bookings(a):
    day = local(7).date()
    slots = sess.free_slots(a.student.actor, a.tenant_id, a.counselor.membership_id, day_from=day, day_to=day)
    assert [s.starts_at.astimezone(CASA).time() for s in slots] == [time(9), time(9, 45), time(10, 30),
                                                                    time(11, 15)]
    assert all(s.ends_at - s.starts_at == timedelta(minutes=45) for s in slots)

    book(a, local(7, 9, 45))
    cal.do_add_absence(a.counselor.actor, a.tenant_id, a.counselor.membership_id,
                       starts_at=local(7, 11, 15), ends_at=local(7, 12))
    cal.do_create_event(a.counselor.actor, a.tenant_id, {
        "type": "workshop", "title": "Atelier CV", "starts_at": local(7, 8, 30), "ends_at": local(7, 9, 15)})
    slots = sess.free_slots(a.student.actor, a.tenant_id, a.counselor.membership_id, day_from=day, day_to=day)
    assert [s.starts_at.astimezone(CASA).time() for s in slots] == [time(10, 30)]


def test_free_slots_are_never_past_nor_beyond_sixty_days(a):
    today = utcnow().astimezone(CASA).date()
    slots = sess.free_slots(a.student.actor, a.tenant_id, a.counselor.membership_id,
                            day_from=today - timedelta(days=3), day_to=today + timedelta(days=62))
    now = utcnow()
    assert slots and all(now < s.starts_at <= now + timedelta(days=60) for s in slots)
    assert max(s.starts_at for s in slots) > now + timedelta(days=58)
    with pytest.raises(Invalid) as exc:
        sess.free_slots(a.student.actor, a.tenant_id, a.counselor.membership_id,
                        day_from=today, day_to=today + timedelta(days=100))
    assert exc.value.code == "range_too_long"
    with pytest.raises(Forbidden):  # a company contact is no student and no counselor
        sess.free_slots(a.people["company_contact"].actor, a.tenant_id, a.counselor.membership_id,
                        day_from=today, day_to=today)


def test_free_slots_of_another_tenants_counselor_are_not_found(worlds):
    a, b = worlds
    hours(b, ("09:00", "12:00"))
    day = local(7).date()
    with pytest.raises(NotFound) as exc:
        sess.free_slots(a.student.actor, a.tenant_id, b.counselor.membership_id, day_from=day, day_to=day)
    assert exc.value.code == "unknown_counselor"


# ---------------------------------------------------------------- booking and confirmation

def test_request_then_confirmation_mails_an_ics(a, run_outbox):
    v = book(a, local(7, 10, 30))
    assert v.status == "requested" and v.counselor_membership_id == a.counselor.membership_id
    with tenant_session(a.tenant_id) as s:
        e = s.get(Event, v.event_id)
    # the counselor's calendar shows the request and it blocks their time
    assert (e.type, e.status, e.organiser_membership_id) == ("individual_session", "proposed",
                                                             a.counselor.membership_id)
    assert e.starts_at == local(7, 10, 30) and e.ends_at == local(7, 11, 15)
    assert "Préparer" not in e.title + e.description  # the need stays in the booking
    run_outbox()
    assert [m.subject for m in mails(a.counselor.email)][0].startswith("Nouvelle demande de séance")
    assert mails(a.student.email) == []
    assert [p.id for p in sess.list_pending_confirmations(a.counselor.actor, a.tenant_id)] == [v.id]

    c = sess.do_confirm_session(a.counselor.actor, a.tenant_id, v.id)
    assert c.status == "confirmed" and c.confirmed_at is not None
    assert sess.list_pending_confirmations(a.counselor.actor, a.tenant_id) == []
    run_outbox()
    (mail,) = mails(a.student.email)
    assert mail.subject.startswith("Séance confirmée")
    (vevent,) = ics_of(mail).walk("VEVENT")
    assert str(vevent["UID"]) == e.uid
    assert vevent.decoded("DTSTART") == local(7, 10, 30)
    assert vevent["SEQUENCE"] == 1 and str(vevent["STATUS"]) == "CONFIRMED"
    with tenant_session(a.tenant_id) as s:
        assert s.get(Event, v.event_id).status == "published"
    # a second confirmation is refused and sends nothing more
    with pytest.raises(Conflict) as exc:
        sess.do_confirm_session(a.counselor.actor, a.tenant_id, v.id)
    assert exc.value.code == "session_status"


def test_auto_confirmation_is_a_tenant_setting(a, run_outbox):
    settings(a, auto_confirm_sessions=True, session_minutes=60)
    v = book(a, local(5, 10))
    assert v.status == "confirmed" and v.ends_at - v.starts_at == timedelta(hours=1)
    run_outbox()
    (mail,) = mails(a.student.email)
    assert ics_of(mail).walk("VEVENT")[0].decoded("DTEND") == local(5, 11)
    assert mails(a.counselor.email) == []


@pytest.mark.parametrize("when,over,code", [
    (lambda: local(-1, 9), {}, "in_the_past"),
    (lambda: local(7, 10), {}, "outside_availability"),  # not on the 45-minute grid
    (lambda: local(7, 14), {}, "outside_availability"),
    (lambda: local(70, 9), {}, "too_far_ahead"),
    (lambda: local(7, 9), {"need": "  "}, "need_required"),
    (lambda: local(7, 9).replace(tzinfo=None), {}, "naive_datetime"),
    (lambda: local(7, 9), {"counselor": "business_developer"}, "unknown_counselor"),
])
def test_bad_bookings_are_refused_and_change_nothing(a, when, over, code):
    if over.get("counselor"):
        over = {"counselor": a.people[over["counselor"]].membership_id}
    with pytest.raises(ServiceError) as exc:
        book(a, when(), **over)
    assert exc.value.code == code
    assert bookings() == []
    with system_session("test") as s:
        assert s.exec(select(Event)).all() == []
        assert s.exec(select(OutboxMessage)).all() == []


def test_absence_and_other_tenant_counselor(worlds):
    a, b = worlds
    hours(a, ("09:00", "12:00"))
    hours(b, ("09:00", "12:00"))
    cal.do_add_absence(a.counselor.actor, a.tenant_id, a.counselor.membership_id,
                       starts_at=local(7, 0), ends_at=local(8, 0))
    with pytest.raises(Invalid) as exc:
        book(a, local(7, 9))
    assert exc.value.code == "outside_availability"
    with pytest.raises(NotFound) as exc:
        book(a, local(9, 9), counselor=b.counselor.membership_id)
    assert exc.value.code == "unknown_counselor"
    # staff do not book for themselves through the student portal
    with pytest.raises(Forbidden):
        book(a, local(9, 9), student=a.counselor)


def test_a_taken_slot_and_a_calendar_event_block_bookings(a):
    other = create_person("other@alpha.test", tenant_id=a.tenant_id, roles=["student"])
    book(a, local(7, 9))
    with pytest.raises(Conflict) as exc:
        book(a, local(7, 9), student=other)
    assert exc.value.code == "slot_taken"
    # the same student cannot be in two sessions at once, even with another counselor
    second = create_person("c2@alpha.test", tenant_id=a.tenant_id, roles=["career_counselor"])
    cal.do_set_availability(a.manager.actor, a.tenant_id, second.membership_id,
                            [{"weekday": wd, "start_time": "09:00", "end_time": "12:00"} for wd in range(7)])
    with pytest.raises(Conflict) as exc:
        book(a, local(7, 9), counselor=second.membership_id)
    assert exc.value.code == "student_busy"
    # a workshop the counselor runs blocks the overlapping slots
    cal.do_create_event(a.counselor.actor, a.tenant_id, {
        "type": "workshop", "title": "Atelier", "starts_at": local(8, 10), "ends_at": local(8, 11)})
    for hhmm in ((9, 45), (10, 30)):
        with pytest.raises(Conflict) as exc:
            book(a, local(8, *hhmm), student=other)
        assert exc.value.code == "slot_taken"
    assert book(a, local(8, 11, 15), student=other).status == "requested"


# ---------------------------------------------------------------- cancellation

def test_student_cancels_before_the_cutoff_and_the_slot_frees(a, run_outbox):
    settings(a, auto_confirm_sessions=True)
    v = book(a, local(5, 9))
    run_outbox()
    done = sess.do_cancel_my_booking(a.student.actor, a.tenant_id, v.id)
    assert done.status == "cancelled" and done.cancelled_by == "student"
    with tenant_session(a.tenant_id) as s:
        e = s.get(Event, v.event_id)
    assert e.status == "cancelled" and e.sequence == 2
    run_outbox()
    assert mails(a.counselor.email)[-1].subject.startswith(f"{a.student.email.split('@')[0].title()} a annulé")
    (vevent,) = ics_of(mails(a.student.email)[-1]).walk("VEVENT")
    assert str(vevent["STATUS"]) == "CANCELLED" and vevent["SEQUENCE"] == 2
    # the slot is free again and someone else can take it (the unique index ignores cancelled rows)
    day = local(5).date()
    free = sess.free_slots(a.student.actor, a.tenant_id, a.counselor.membership_id, day_from=day, day_to=day)
    assert local(5, 9) in [s.starts_at for s in free]
    other = create_person("other@alpha.test", tenant_id=a.tenant_id, roles=["student"])
    assert book(a, local(5, 9), student=other).status == "confirmed"


def test_student_cannot_cancel_after_the_cutoff_but_the_counselor_can(a, run_outbox):
    settings(a, cancellation_cutoff_hours=48)
    v = book(a, local(1, 9))
    with pytest.raises(Conflict) as exc:
        sess.do_cancel_my_booking(a.student.actor, a.tenant_id, v.id)
    assert exc.value.code == "cancellation_too_late"
    assert bookings()[0].status == "requested"
    with pytest.raises(Invalid) as exc:
        sess.do_cancel_session(a.counselor.actor, a.tenant_id, v.id, reason="")
    assert exc.value.code == "reason_required"
    c = sess.do_cancel_session(a.counselor.actor, a.tenant_id, v.id, reason="Conseiller malade")
    assert c.status == "cancelled" and c.cancelled_by == "counselor"
    run_outbox()
    (mail,) = mails(a.student.email)
    assert "Conseiller malade" in mail.body_text and mail.attachments == []  # never confirmed: no .ics


def test_other_tenants_cannot_touch_a_booking(worlds):
    a, b = worlds
    hours(a, ("09:00", "12:00"))
    v = book(a, local(7, 9))
    with pytest.raises(NotFound):
        sess.do_cancel_my_booking(b.student.actor, b.tenant_id, v.id)
    with pytest.raises(NotFound):
        sess.do_confirm_session(b.counselor.actor, b.tenant_id, v.id)
    with pytest.raises(Forbidden):  # acting in a centre one does not belong to
        sess.do_confirm_session(b.counselor.actor, a.tenant_id, v.id)
    other = create_person("other@alpha.test", tenant_id=a.tenant_id, roles=["student"])
    with pytest.raises(NotFound):  # another student's booking
        sess.do_cancel_my_booking(other.actor, a.tenant_id, v.id)
    second = create_person("c2@alpha.test", tenant_id=a.tenant_id, roles=["career_counselor"])
    with pytest.raises(Forbidden) as exc:
        sess.do_confirm_session(second.actor, a.tenant_id, v.id)
    assert exc.value.code == "not_your_session"
    assert sess.do_confirm_session(a.manager.actor, a.tenant_id, v.id).status == "confirmed"


# ---------------------------------------------------------------- no-shows and notes

def _held(world, days: int, *, student=None, hh: int = 9):
    v = book(world, local(days, hh), student=student)
    sess.do_confirm_session(world.counselor.actor, world.tenant_id, v.id)
    return v


def test_no_show_policy_suspends_booking(a, run_outbox):
    settings(a, no_show_limit=2, no_show_suspension_days=10)
    v1, v2 = _held(a, 2), _held(a, 3)
    with pytest.raises(Conflict) as exc:
        sess.do_mark_no_show(a.counselor.actor, a.tenant_id, v1.id)
    assert exc.value.code == "session_not_started"
    r1 = sess.do_mark_no_show(a.counselor.actor, a.tenant_id, v1.id, now=v1.starts_at + timedelta(minutes=20))
    assert (r1.booking.status, r1.no_show_count, r1.suspended_until) == ("no_show", 1, None)
    later = v2.starts_at + timedelta(minutes=20)
    r2 = sess.do_mark_no_show(a.counselor.actor, a.tenant_id, v2.id, now=later)
    assert r2.no_show_count == 2 and r2.suspended_until == later + timedelta(days=10)
    with pytest.raises(Conflict) as exc:
        book(a, local(6, 9), now=later + timedelta(hours=1))
    assert exc.value.code == "booking_suspended"
    assert sess.booking_suspended_until(a.student.actor, a.tenant_id, now=later) == r2.suspended_until
    run_outbox()
    assert mails(a.student.email)[-1].subject.startswith("Réservations de séances suspendues")
    # once the suspension is over the student books again, and old no-shows are settled
    after = later + timedelta(days=10, hours=1)
    hours(a, ("09:00", "12:00"))
    v3 = book(a, after.astimezone(CASA).replace(hour=9, minute=0) + timedelta(days=1), now=after)
    assert v3.status == "requested"
    with system_session("t") as s:
        assert len(s.exec(select(StudentSuspension)).all()) == 1


def test_notes_are_for_staff_never_for_the_student(a):
    v = _held(a, 2)
    with pytest.raises(Conflict):
        sess.do_record_session_outcome(a.counselor.actor, a.tenant_id, v.id, notes="Bilan")
    after = v.starts_at + timedelta(hours=1)
    with pytest.raises(Invalid) as exc:
        sess.do_record_session_outcome(a.counselor.actor, a.tenant_id, v.id, notes=" ", now=after)
    assert exc.value.code == "notes_required"
    r = sess.do_record_session_outcome(a.counselor.actor, a.tenant_id, v.id, notes="Projet : data analyst",
                                       next_action="Atelier LinkedIn le mois prochain", now=after)
    assert (r.status, r.notes) == ("done", "Projet : data analyst")
    with tenant_session(a.tenant_id) as s:
        assert s.get(Event, v.event_id).status == "held"

    (mine,) = sess.list_my_bookings(a.student.actor, a.tenant_id)
    assert mine.status == "done" and mine.need == "Préparer un entretien"
    assert not hasattr(mine, "notes") and not hasattr(mine, "next_action")
    assert "data analyst" not in repr(mine) and "LinkedIn" not in repr(mine)
    with pytest.raises(Forbidden):
        sess.list_student_sessions(a.student.actor, a.tenant_id, a.student.membership_id)
    with pytest.raises(Forbidden):
        sess.list_counselor_bookings(a.student.actor, a.tenant_id, a.counselor.membership_id)
    # staff with STUDENT_VIEW (a business developer too) read them
    (staff,) = sess.list_student_sessions(a.people["business_developer"].actor, a.tenant_id,
                                          a.student.membership_id)
    assert staff.next_action == "Atelier LinkedIn le mois prochain"
    (agenda,) = sess.list_counselor_bookings(a.counselor.actor, a.tenant_id)
    assert agenda.notes == "Projet : data analyst" and agenda.student_membership_id == a.student.membership_id
    with pytest.raises(Forbidden):
        sess.list_counselor_bookings(a.people["ambassador"].actor, a.tenant_id)


# ---------------------------------------------------------------- reminders

def test_reminders_are_enqueued_once_at_24h_and_2h(a, run_outbox):
    settings(a, auto_confirm_sessions=True)
    v = book(a, local(3, 9))
    start = v.starts_at
    assert sess.enqueue_due_reminders(now=start - timedelta(hours=25)) == 0
    assert sess.enqueue_due_reminders(now=start - timedelta(hours=23)) == 1
    assert sess.enqueue_due_reminders(now=start - timedelta(hours=22)) == 0
    assert sess.enqueue_due_reminders(now=start - timedelta(minutes=100)) == 1
    assert sess.enqueue_due_reminders(now=start - timedelta(minutes=30)) == 0
    assert sess.enqueue_due_reminders(now=start + timedelta(minutes=1)) == 0
    with system_session("t") as s:
        keys = {m.idempotency_key for m in s.exec(select(OutboxMessage)).all()}
    assert {f"session-reminder:{v.id}:24h", f"session-reminder:{v.id}:2h"} <= keys
    run_outbox()
    assert [m.subject.startswith("Rappel") for m in mails(a.student.email)] == [False, True, True]


def test_no_reminder_for_requested_cancelled_or_late_confirmed_sessions(a):
    requested = book(a, local(3, 9))
    confirmed_late = book(a, local(3, 9, 45), student=create_person("s2@alpha.test", tenant_id=a.tenant_id,
                                                                    roles=["student"]))
    cancelled = book(a, local(3, 10, 30), student=create_person("s3@alpha.test", tenant_id=a.tenant_id,
                                                                roles=["student"]))
    sess.do_confirm_session(a.counselor.actor, a.tenant_id, cancelled.id)
    sess.do_cancel_session(a.counselor.actor, a.tenant_id, cancelled.id, reason="Réunion imprévue")
    # confirmed 3 h before: the 24 h reminder's time is gone, only the 2 h one goes out
    sess.do_confirm_session(a.counselor.actor, a.tenant_id, confirmed_late.id,
                            now=confirmed_late.starts_at - timedelta(hours=3))
    assert sess.enqueue_due_reminders(now=requested.starts_at - timedelta(hours=23)) == 0
    assert sess.enqueue_due_reminders(now=confirmed_late.starts_at - timedelta(hours=2, minutes=-5)) == 1
    with system_session("t") as s:
        keys = [m.idempotency_key for m in s.exec(select(OutboxMessage)).all() if "reminder" in m.idempotency_key]
    assert keys == [f"session-reminder:{confirmed_late.id}:2h"]


def test_the_beat_task_is_registered():
    from cc_network.worker import TASK_MODULES, celery_app
    from tenants.portal.sessions.tasks import send_session_reminders

    assert "tenants.portal.sessions.tasks" in TASK_MODULES
    entry = celery_app.conf.beat_schedule["session-reminders"]
    assert entry["task"] == send_session_reminders.name and entry["schedule"] <= 300


# ---------------------------------------------------------------- the database's own guarantees

def _raw_booking(world, event_id: int, student_id: int, starts_at: datetime, minutes: int = 45) -> None:
    with tenant_session(world.tenant_id) as s:
        s.add(SessionBooking(tenant_id=world.tenant_id, event_id=event_id, student_membership_id=student_id,
                             counselor_membership_id=world.counselor.membership_id,
                             starts_at=starts_at.astimezone(UTC), ends_at=(starts_at + timedelta(minutes=minutes))
                             .astimezone(UTC), need="x", status="requested"))
        s.commit()


def _raw_event(world, starts_at: datetime) -> int:
    with tenant_session(world.tenant_id) as s:
        e = Event(tenant_id=world.tenant_id, uid=f"raw-{uuid.uuid4()}",
                  type="individual_session", title="raw", starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                  timezone="Africa/Casablanca", status="proposed")
        s.add(e)
        s.commit()
        return e.id


def test_the_database_refuses_a_second_booking_of_a_slot_whatever_the_code(a):
    v = book(a, local(7, 9))
    other = create_person("other@alpha.test", tenant_id=a.tenant_id, roles=["student"])
    with pytest.raises(IntegrityError):
        _raw_booking(a, _raw_event(a, local(7, 9)), other.membership_id, local(7, 9))
    # a cancelled booking frees the slot at the database level too
    sess.do_cancel_my_booking(a.student.actor, a.tenant_id, v.id)
    _raw_booking(a, _raw_event(a, local(7, 9)), other.membership_id, local(7, 9))


@pytest.mark.skipif(not IS_PG, reason="the exclusion constraint is PostgreSQL's (btree_gist)")
def test_postgresql_refuses_overlapping_bookings_of_a_counselor(a):
    book(a, local(7, 9))
    other = create_person("other@alpha.test", tenant_id=a.tenant_id, roles=["student"])
    with pytest.raises(IntegrityError):
        _raw_booking(a, _raw_event(a, local(7, 9, 20)), other.membership_id, local(7, 9, 20))
    # back to back is fine: the ranges are half-open
    _raw_booking(a, _raw_event(a, local(7, 9, 45)), other.membership_id, local(7, 9, 45))
    # the DDL runs after every migration: a second run changes nothing
    from integrations.db import owner_engine
    from tenants.portal.sessions.ddl import apply_session_constraints

    eng = owner_engine()
    with eng.begin() as conn:
        apply_session_constraints(conn)
        apply_session_constraints(conn)
    eng.dispose()
    with pytest.raises(IntegrityError):
        _raw_booking(a, _raw_event(a, local(7, 10)), other.membership_id, local(7, 10))


# ---------------------------------------------------------------- races

def _race(calls) -> tuple[list, list]:
    barrier = threading.Barrier(len(calls))
    ok, refused, lock = [], [], threading.Lock()

    def run(fn):
        barrier.wait()
        try:
            r = fn()
        except ServiceError as exc:
            with lock:
                refused.append(exc.code)
        else:
            with lock:
                ok.append(r)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in calls]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not any(th.is_alive() for th in threads)
    return ok, refused


def _students(world, n: int):
    return [create_person(f"racer{i}@{world.slug}.test", tenant_id=world.tenant_id, roles=["student"]).actor
            for i in range(n)]


def test_twenty_students_racing_for_one_slot_get_exactly_one_booking(a):
    starts = local(7, 9)
    data = {"counselor_membership_id": a.counselor.membership_id, "starts_at": starts, "need": "Mon CV"}
    calls = [lambda actor=actor: sess.do_book_session(actor, a.tenant_id, data) for actor in _students(a, 20)]
    ok, refused = _race(calls)
    assert len(ok) == 1 and refused == ["slot_taken"] * 19
    assert [b.starts_at for b in bookings()] == [starts]
    with tenant_session(a.tenant_id) as s:
        assert len(s.exec(select(Event).where(Event.type == "individual_session")).all()) == 1


def test_racing_overlapping_slots_never_double_book_the_counselor(world_a):
    a = world_a
    # two overlapping windows give two offset grids: 9:00, 9:45, ... and 9:20, 10:05, ...
    hours(a, ("09:00", "12:00"), ("09:20", "12:00"))
    starts = [local(7, 9), local(7, 9, 20), local(7, 9, 45), local(7, 10, 5), local(7, 10, 30)]
    actors = _students(a, 20)
    calls = [lambda actor=actor, st=starts[i % len(starts)]: sess.do_book_session(
        actor, a.tenant_id, {"counselor_membership_id": a.counselor.membership_id, "starts_at": st, "need": "Mon CV"})
        for i, actor in enumerate(actors)]
    ok, refused = _race(calls)
    assert ok and set(refused) <= {"slot_taken"} and len(ok) + len(refused) == 20, refused
    held = sorted((b.starts_at, b.ends_at) for b in bookings() if b.status != "cancelled")
    assert len(held) == len(ok)
    for (_, end), (nxt, _) in zip(held, held[1:], strict=False):
        assert end <= nxt, "two active bookings of the counselor overlap"


# ---------------------------------------------------------------- over SMTP

@pytest.fixture
def smtp_inbox(monkeypatch):
    from aiosmtpd.controller import Controller

    from integrations.settings import reset_settings
    from tests.jobs.conftest import Inbox, free_port

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("CC_SMTP_URL", f"smtp://127.0.0.1:{port}")
    reset_settings()
    try:
        yield inbox
    finally:
        controller.stop()
        monkeypatch.delenv("CC_SMTP_URL", raising=False)
        reset_settings()


def test_the_confirmation_goes_out_over_smtp_with_a_calendar_part(a, run_outbox, smtp_inbox):
    settings(a, auto_confirm_sessions=True)
    v = book(a, local(4, 9, 45))
    assert run_outbox() == ["sent"]
    (msg,) = smtp_inbox.messages
    assert msg["To"] == a.student.email and msg.get_content_type() == "multipart/mixed"
    assert "Séance confirmée" in msg["Subject"]
    (part,) = list(msg.iter_attachments())
    assert part.get_content_type() == "text/calendar" and part.get_param("method") == "PUBLISH"
    assert part.get_filename() == "seance.ics"
    (vevent,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert vevent.decoded("DTSTART") == v.starts_at
    # a plain e-mail (no attachments in its payload) is still a single text part
    from integrations.mail import build_message

    assert build_message("x@y.ma", "s", "t").get_content_type() == "text/plain"


def test_a_booked_session_cannot_be_moved_from_the_calendar(world_a):
    """The calendar's generic edit and lifecycle refuse an event a booking owns."""
    from tenants.calendar.services import MANAGED_BY

    with system_session("t") as s:
        e = Event(tenant_id=world_a.tenant_id, uid="u@x", type="individual_session", title="Séance",
                  starts_at=utcnow() + timedelta(days=2), ends_at=utcnow() + timedelta(days=2, hours=1),
                  timezone="Africa/Casablanca", organiser_membership_id=world_a.counselor.membership_id,
                  status="published", details={MANAGED_BY: "session_booking"})
        s.add(e)
        s.commit()
        eid = e.id
    with pytest.raises(Conflict) as exc:
        cal.do_transition(world_a.manager.actor, world_a.tenant_id, eid, "cancel", reason="test")
    assert exc.value.code == "managed_by_booking"
    assert cal.allowed_actions(world_a.manager.actor, cal.get_event(world_a.manager.actor, world_a.tenant_id, eid)) == []
