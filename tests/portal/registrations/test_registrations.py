"""Registrations to workshops and other activities (issue 4 §4): catalogue, capacity and
waitlist, holds and promotion, confirmation, check-in, image-rights waivers (M36)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.mail import DevMail
from tenants.calendar import services as cal
from tenants.core.models import Account, AuditEvent
from tenants.portal.profiles.services import do_save_study_field, do_update_my_profile
from tenants.portal.registrations import services as reg
from tenants.portal.registrations.models import ImageWaiver, Registration
from tenants.portal.settings.services import do_update_portal_settings
from tests.portal.registrations.util import at, bulk_students, get_event, publish, set_event


def _count(model, **where) -> int:
    with system_session("test: count") as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.execute(q).scalar_one()


def _start_now(event_id: int, minutes_ago: int = 5) -> None:
    start = utcnow() - timedelta(minutes=minutes_ago)
    set_event(event_id, starts_at=start, ends_at=start + timedelta(hours=2), registration_closes_at=None)


# ---------------------------------------------------------------- catalogue

def test_catalogue_lists_published_activities_open_to_registration(world_a):
    a = world_a
    shown = publish(a, title="Rédiger son CV", capacity=2)
    upcoming = publish(a, title="Simulation d'entretien", starts_at=at(20), ends_at=at(20, 12),
                       registration_opens_at=at(5), audience={"fields": ["Informatique"], "levels": ["Master"]})
    publish(a, title="Atelier passé", starts_at=at(12), ends_at=at(12, 12))
    closed = publish(a, title="Fenêtre close", starts_at=at(14), ends_at=at(14, 12))
    set_event(closed, registration_closes_at=utcnow() - timedelta(hours=1))
    cal.do_create_event(a.counselor.actor, a.tenant_id, {   # a draft never shows
        "type": "workshop", "title": "Brouillon", "starts_at": at(15), "ends_at": at(15, 12)})
    publish(a, type="faculty_activity", title="Activité de faculté", starts_at=at(16), ends_at=at(16, 12))
    past = publish(a, title="Déjà commencé", starts_at=at(17), ends_at=at(17, 12))
    _start_now(past)

    student = a.student.actor
    reg.do_register(student, a.tenant_id, shown)
    page = reg.catalogue(student, a.tenant_id)
    titles = [i.title for i in page.items]
    assert titles == ["Rédiger son CV", "Atelier passé", "Simulation d'entretien"]
    first = page.items[0]
    assert (first.capacity, first.seats_left, first.open_now, first.my_status) == (2, 1, True, "confirmed")
    later = next(i for i in page.items if i.id == upcoming)
    assert later.open_now is False and later.my_status is None

    assert [i.id for i in reg.catalogue(student, a.tenant_id, {"text": "entretien"}).items] == [upcoming]
    assert [i.title for i in reg.catalogue(student, a.tenant_id, {"field": "Droit"}).items] == [
        "Rédiger son CV", "Atelier passé"]  # an event for Informatique only is left out
    assert [i.id for i in reg.catalogue(student, a.tenant_id, {"level": "Master"}).items][-1] == upcoming
    assert [i.id for i in reg.catalogue(student, a.tenant_id, {"date_from": at(19)}).items] == [upcoming]
    p2 = reg.catalogue(student, a.tenant_id, {"per_page": 2, "page": 2})
    assert (p2.total, [i.id for i in p2.items]) == (3, [upcoming])
    with pytest.raises(Invalid) as exc:
        reg.catalogue(student, a.tenant_id, {"types": ["weekly_coordination_meeting"]})
    assert exc.value.code == "invalid_filter"


def test_catalogue_is_for_students_of_the_centre(worlds):
    a, b = worlds
    with pytest.raises(Forbidden):
        reg.catalogue(a.counselor.actor, a.tenant_id)
    with pytest.raises(Forbidden):
        reg.catalogue(b.student.actor, a.tenant_id)


# ---------------------------------------------------------------- register, capacity, waitlist

def test_register_takes_seats_then_waitlists_in_arrival_order(world_a):
    a = world_a
    eid = publish(a, capacity=2)
    s1, s2, s3, s4 = bulk_students(a.tenant_id, 4)
    v1 = reg.do_register(s1, a.tenant_id, eid)
    v2 = reg.do_register(s2, a.tenant_id, eid)
    v3 = reg.do_register(s3, a.tenant_id, eid)
    v4 = reg.do_register(s4, a.tenant_id, eid)
    assert [v.status for v in (v1, v2, v3, v4)] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [(v.waitlist_seq, v.position) for v in (v3, v4)] == [(1, 1), (2, 2)]
    assert get_event(eid).registered_count == 2
    mine = reg.my_registrations(s4, a.tenant_id)
    assert [(r.event_id, r.status, r.position) for r in mine] == [(eid, "waitlisted", 2)]


def test_each_waitlist_gives_its_own_place(world_a):
    """A student waiting on two events has a place on each, counted on that event's list only;
    a place freed ahead of her moves her up."""
    a = world_a
    first = publish(a, capacity=1, starts_at=at(10), ends_at=at(10, 12))
    second = publish(a, capacity=1, title="Préparer un entretien", starts_at=at(11), ends_at=at(11, 12))
    s1, s2, s3, me = bulk_students(a.tenant_id, 4)
    for who, eid in ((s1, first), (s2, first), (s3, first), (s1, second)):
        reg.do_register(who, a.tenant_id, eid)
    ahead = reg.do_register(s2, a.tenant_id, second)
    reg.do_register(me, a.tenant_id, first)
    reg.do_register(me, a.tenant_id, second)
    mine = reg.my_registrations(me, a.tenant_id)
    assert [(r.event_id, r.status, r.position) for r in mine] == [(first, "waitlisted", 3), (second, "waitlisted", 2)]
    reg.do_cancel_registration(s2, a.tenant_id, ahead.id)
    assert [r.position for r in reg.my_registrations(me, a.tenant_id)] == [3, 1]


def test_registering_twice_is_refused_and_changes_nothing(world_a):
    a = world_a
    eid = publish(a, capacity=5)
    reg.do_register(a.student.actor, a.tenant_id, eid)
    with pytest.raises(Conflict) as exc:
        reg.do_register(a.student.actor, a.tenant_id, eid)
    assert exc.value.code == "already_registered"
    assert _count(Registration) == 1 and get_event(eid).registered_count == 1
    assert _count(AuditEvent, action="registration.created") == 1


def test_a_registration_is_audited_with_its_own_id(world_a):
    """The registration and its audit row are written together (one statement on PostgreSQL)."""
    a = world_a
    eid = publish(a, capacity=1)
    first = reg.do_register(a.student.actor, a.tenant_id, eid)
    other = bulk_students(a.tenant_id, 1)[0]
    second = reg.do_register(other, a.tenant_id, eid)
    with system_session("test: audit") as s:
        rows = s.execute(select(AuditEvent).where(AuditEvent.action == "registration.created")
                         .order_by(AuditEvent.id)).scalars().all()
    assert [(r.tenant_id, r.target_type, r.target_id, r.actor_account_id) for r in rows] == [
        (a.tenant_id, "registration", str(first.id), a.student.account_id),
        (a.tenant_id, "registration", str(second.id), other.account_id)]
    assert rows[0].details == {"event_id": eid, "status": "confirmed", "waitlist_seq": None}
    assert rows[1].details == {"event_id": eid, "status": "waitlisted", "waitlist_seq": 1}


def test_the_database_refuses_a_second_live_registration(world_a):
    """Backs the service's check: even a raw insert cannot register a student twice."""
    a = world_a
    eid = publish(a, capacity=5)
    v = reg.do_register(a.student.actor, a.tenant_id, eid)
    row = {"tenant_id": a.tenant_id, "event_id": eid, "student_membership_id": a.student.membership_id,
           "status": "waitlisted", "registered_at": utcnow(), "updated_at": utcnow(), "cancel_reason": ""}
    with tenant_session(a.tenant_id) as s, pytest.raises(IntegrityError):
        s.execute(insert(Registration), [row])
        s.commit()
    reg.do_cancel_registration(a.student.actor, a.tenant_id, v.id)
    again = reg.do_register(a.student.actor, a.tenant_id, eid)  # a cancelled one does not block
    assert again.status == "confirmed" and again.id != v.id


@pytest.mark.parametrize("case,code", [
    ("not_open", "registration_not_open"),
    ("closed", "registration_closed"),
    ("started", "registration_closed"),
    ("not_published", "event_not_open_for_registration"),
    ("no_registration_type", "event_not_open_for_registration"),
])
def test_bad_registrations_are_refused_and_change_nothing(world_a, case, code):
    a = world_a
    if case == "not_published":
        eid = cal.do_create_event(a.counselor.actor, a.tenant_id, {
            "type": "workshop", "title": "Brouillon", "starts_at": at(15), "ends_at": at(15, 12)}).id
    elif case == "no_registration_type":
        eid = publish(a, type="faculty_activity")
    else:
        eid = publish(a, capacity=5)
        if case == "not_open":
            set_event(eid, registration_opens_at=utcnow() + timedelta(days=1))
        elif case == "closed":
            set_event(eid, registration_closes_at=utcnow() - timedelta(minutes=1))
        else:
            _start_now(eid)
    before = get_event(eid).registered_count
    with pytest.raises(Conflict) as exc:
        reg.do_register(a.student.actor, a.tenant_id, eid)
    assert exc.value.code == code
    assert _count(Registration) == 0 and get_event(eid).registered_count == before
    assert _count(AuditEvent, action="registration.created") == 0


def test_another_centres_event_is_not_found_and_nothing_changes(worlds):
    a, b = worlds
    eid_b = publish(b, capacity=5)
    with pytest.raises(NotFound):
        reg.do_register(a.student.actor, a.tenant_id, eid_b)
    with pytest.raises(NotFound):
        reg.list_registrations(a.counselor.actor, a.tenant_id, eid_b)
    with pytest.raises(NotFound):
        reg.list_waivers(a.counselor.actor, a.tenant_id, eid_b)
    with pytest.raises(Forbidden):  # acting in a centre one is not a member of
        reg.do_register(a.student.actor, b.tenant_id, eid_b)
    assert _count(Registration) == 0 and get_event(eid_b).registered_count == 0
    v = reg.do_register(b.student.actor, b.tenant_id, eid_b)
    with pytest.raises(NotFound):
        reg.do_check_in(a.counselor.actor, a.tenant_id, v.id)
    with pytest.raises(NotFound):
        reg.do_cancel_registration(a.student.actor, a.tenant_id, v.id)


@pytest.mark.parametrize("forged", [str, float, lambda eid: True, lambda eid: None])
def test_an_event_id_that_is_no_integer_is_not_found_and_nothing_changes(world_a, forged):
    """A Reflex handler may be called with any payload: '7', 7.0 or true is no event id."""
    eid = publish(world_a, capacity=5)
    with pytest.raises(NotFound):
        reg.do_register(world_a.student.actor, world_a.tenant_id, forged(eid))
    assert _count(Registration) == 0 and get_event(eid).registered_count == 0


def test_only_students_register(world_a):
    eid = publish(world_a, capacity=5)
    with pytest.raises(Forbidden):
        reg.do_register(world_a.counselor.actor, world_a.tenant_id, eid)


# ---------------------------------------------------------------- cancellation, promotion, holds

def test_cancelling_frees_the_seat_and_offers_it_to_the_first_waitlisted(world_a, run_outbox):
    a = world_a
    do_update_portal_settings(a.manager.actor, a.tenant_id, {"waitlist_hold_hours": 6})
    eid = publish(a, capacity=1)
    s1, s2, s3 = bulk_students(a.tenant_id, 3)
    v1 = reg.do_register(s1, a.tenant_id, eid)
    v2 = reg.do_register(s2, a.tenant_id, eid)
    v3 = reg.do_register(s3, a.tenant_id, eid)
    before = utcnow()
    out = reg.do_cancel_registration(s1, a.tenant_id, v1.id)
    assert out.status == "cancelled"
    offered = reg.get_my_registration(s2, a.tenant_id, v2.id)
    assert offered.status == "offered"
    assert timedelta(hours=6) - timedelta(minutes=1) < offered.hold_expires_at - before <= timedelta(hours=6, minutes=1)
    assert get_event(eid).registered_count == 1  # the held seat counts as taken
    assert reg.get_my_registration(s3, a.tenant_id, v3.id).position == 1
    # the offer goes out by e-mail through the outbox
    assert run_outbox() == ["sent"]
    with system_session("test") as s:
        mail = s.exec(select(DevMail)).scalars().one()
    assert mail.to_email == s2.email and "Rédiger son CV" in mail.body_text
    # nobody else can take the held seat
    late = bulk_students(a.tenant_id, 1, prefix="late")[0]
    assert reg.do_register(late, a.tenant_id, eid).status == "waitlisted"
    # the promoted student confirms within the hold
    accepted = reg.do_accept_offer(s2, a.tenant_id, v2.id)
    assert accepted.status == "confirmed" and accepted.hold_expires_at is None
    with pytest.raises(Conflict) as exc:
        reg.do_accept_offer(s2, a.tenant_id, v2.id)
    assert exc.value.code == "no_offer"


def test_an_expired_hold_goes_to_the_next_student(world_a):
    a = world_a
    eid = publish(a, capacity=1)
    s1, s2, s3 = bulk_students(a.tenant_id, 3)
    v1 = reg.do_register(s1, a.tenant_id, eid)
    v2 = reg.do_register(s2, a.tenant_id, eid)
    v3 = reg.do_register(s3, a.tenant_id, eid)
    reg.do_cancel_registration(s1, a.tenant_id, v1.id)
    hold = reg.get_my_registration(s2, a.tenant_id, v2.id).hold_expires_at
    assert reg.expire_offers(now=hold - timedelta(seconds=1)) == 0  # not yet
    assert reg.get_my_registration(s2, a.tenant_id, v2.id).status == "offered"
    assert reg.expire_offers(now=hold) == 1
    gone = reg.get_my_registration(s2, a.tenant_id, v2.id)
    assert gone.status == "cancelled"
    nxt = reg.get_my_registration(s3, a.tenant_id, v3.id)
    assert nxt.status == "offered" and nxt.hold_expires_at > hold
    assert get_event(eid).registered_count == 1
    # once the last hold runs out with nobody waiting, the seat is free again
    assert reg.expire_offers(now=nxt.hold_expires_at + timedelta(minutes=1)) == 1
    assert get_event(eid).registered_count == 0
    with system_session("t") as s:
        reasons = s.exec(select(Registration.cancel_reason).order_by(Registration.id)).scalars().all()
    assert reasons == ["by_student", "offer_expired", "offer_expired"]


def test_an_offer_taken_after_its_hold_is_refused(world_a):
    a = world_a
    eid = publish(a, capacity=1)
    s1, s2 = bulk_students(a.tenant_id, 2)
    v1 = reg.do_register(s1, a.tenant_id, eid)
    v2 = reg.do_register(s2, a.tenant_id, eid)
    reg.do_cancel_registration(s1, a.tenant_id, v1.id)
    with system_session("t") as s:
        r = s.get(Registration, v2.id)
        r.hold_expires_at = utcnow() - timedelta(seconds=1)
        s.add(r)
        s.commit()
    with pytest.raises(Conflict) as exc:
        reg.do_accept_offer(s2, a.tenant_id, v2.id)
    assert exc.value.code == "offer_expired"
    assert reg.get_my_registration(s2, a.tenant_id, v2.id).status == "offered"


def test_cancelling_a_waitlisted_place_frees_no_seat(world_a):
    a = world_a
    eid = publish(a, capacity=1)
    s1, s2, s3 = bulk_students(a.tenant_id, 3)
    reg.do_register(s1, a.tenant_id, eid)
    v2 = reg.do_register(s2, a.tenant_id, eid)
    v3 = reg.do_register(s3, a.tenant_id, eid)
    reg.do_cancel_registration(s2, a.tenant_id, v2.id)
    assert get_event(eid).registered_count == 1
    assert reg.get_my_registration(s3, a.tenant_id, v3.id).position == 1
    with pytest.raises(Conflict) as exc:
        reg.do_cancel_registration(s2, a.tenant_id, v2.id)
    assert exc.value.code == "registration_not_cancellable"


def test_cancellation_rules(world_a):
    a = world_a
    eid = publish(a, capacity=3)
    s1, s2 = bulk_students(a.tenant_id, 2)
    v1 = reg.do_register(s1, a.tenant_id, eid)
    with pytest.raises(NotFound):  # someone else's registration
        reg.do_cancel_registration(s2, a.tenant_id, v1.id)
    _start_now(eid)
    with pytest.raises(Conflict) as exc:
        reg.do_cancel_registration(s1, a.tenant_id, v1.id)
    assert exc.value.code == "cancellation_closed"
    assert get_event(eid).registered_count == 1


# ---------------------------------------------------------------- confirmation by the counselor

def test_a_recruitment_day_needs_the_counselors_confirmation(world_a, run_outbox):
    a = world_a
    eid = publish(a, type="recruitment_day", title="Journée de recrutement", capacity=1)
    v = reg.do_register(a.student.actor, a.tenant_id, eid)
    assert v.status == "pending_confirmation" and get_event(eid).registered_count == 1
    other = bulk_students(a.tenant_id, 1)[0]
    assert reg.do_register(other, a.tenant_id, eid).status == "waitlisted"  # pending holds the seat
    with pytest.raises(Forbidden):
        reg.do_confirm_registration(a.student.actor, a.tenant_id, v.id)
    done = reg.do_confirm_registration(a.counselor.actor, a.tenant_id, v.id)
    assert done.status == "confirmed"
    with pytest.raises(Conflict) as exc:
        reg.do_confirm_registration(a.counselor.actor, a.tenant_id, v.id)
    assert exc.value.code == "not_pending"
    assert run_outbox() == ["sent"]


def test_an_event_can_override_its_types_confirmation(world_a):
    a = world_a
    eid = publish(a, capacity=3)
    set_event(eid, details={"requires_confirmation": "yes"})
    assert reg.do_register(a.student.actor, a.tenant_id, eid).status == "pending_confirmation"


# ---------------------------------------------------------------- attendance sheet

def test_check_in_no_show_and_attendance_count_for_closing(world_a):
    a = world_a
    eid = publish(a, capacity=5)
    s1, s2, s3 = bulk_students(a.tenant_id, 3)
    v1 = reg.do_register(s1, a.tenant_id, eid)
    v2 = reg.do_register(s2, a.tenant_id, eid)
    v3 = reg.do_register(s3, a.tenant_id, eid)
    reg.do_cancel_registration(s3, a.tenant_id, v3.id)
    staff = a.counselor.actor
    with pytest.raises(Conflict) as exc:
        reg.do_check_in(staff, a.tenant_id, v1.id)
    assert exc.value.code == "check_in_not_open"
    with pytest.raises(Conflict) as exc:
        reg.do_mark_no_show(staff, a.tenant_id, v2.id)
    assert exc.value.code == "event_not_started"
    _start_now(eid)
    with pytest.raises(Forbidden):
        reg.do_check_in(s1, a.tenant_id, v1.id)
    assert reg.do_check_in(staff, a.tenant_id, v1.id).status == "attended"
    assert reg.do_mark_no_show(staff, a.tenant_id, v2.id).status == "no_show"
    with pytest.raises(Conflict) as exc:
        reg.do_check_in(staff, a.tenant_id, v3.id)
    assert exc.value.code == "not_checkable"
    sheet = reg.list_registrations(staff, a.tenant_id, eid)
    assert [(r.registration_id, r.status) for r in sheet] == [(v1.id, "attended"), (v2.id, "no_show"),
                                                            (v3.id, "cancelled")]
    assert sheet[0].email == s1.email and sheet[0].checked_in_at is not None
    assert [r.registration_id for r in reg.list_registrations(staff, a.tenant_id, eid, statuses=["attended"])] \
        == [v1.id]
    assert reg.attendance_count(a.tenant_id, eid) == 1
    # the calendar's closing takes its attendance from the sheet
    cal.do_transition(staff, a.tenant_id, eid, "mark_held")
    closed = cal.do_transition(staff, a.tenant_id, eid, "close",
                               closing={"attendance_count": reg.attendance_count(a.tenant_id, eid)})
    assert closed.attendance_count == 1
    with pytest.raises(Conflict) as exc:
        reg.do_check_in(staff, a.tenant_id, v2.id)
    assert exc.value.code == "event_locked"


# ---------------------------------------------------------------- image-rights waiver (M36)

def _waiver(name: str, **over) -> dict:
    return {"accepted": True, "signature": name, "text_version": reg.WAIVER_VERSION, **over}


@pytest.mark.parametrize("waiver,code", [
    (None, "waiver_required"),
    ({"accepted": False}, "waiver_required"),
    ({"text_version": "M36-1999"}, "waiver_outdated"),
    ({"signature": "Quelqu'un d'autre"}, "waiver_signature_mismatch"),
    ({"scope": ["billboards"]}, "invalid_waiver_scope"),
])
def test_an_event_with_photos_requires_the_waiver(world_a, waiver, code):
    a = world_a
    eid = publish(a, capacity=5, publishes_photos=True)
    student = a.student.actor
    data = None if waiver is None else _waiver(student.full_name, **waiver)
    with pytest.raises(Invalid) as exc:
        reg.do_register(student, a.tenant_id, eid, waiver=data)
    assert exc.value.code == code
    assert _count(Registration) == 0 and _count(ImageWaiver) == 0 and get_event(eid).registered_count == 0


def test_the_signed_waiver_is_stored_and_listed_for_staff(world_a):
    a = world_a
    eid = publish(a, capacity=5, publishes_photos=True)
    with system_session("t") as s:
        acc = s.get(Account, a.student.account_id)
        acc.full_name = "Fatima-Zahra Bennâni"
        s.add(acc)
        s.commit()
    student = a.student.actor
    version, text = reg.waiver_text("fr")
    assert version == reg.WAIVER_VERSION and "photo" in text.lower()
    v = reg.do_register(student, a.tenant_id, eid,
                        waiver=_waiver("  fatima-zahra   bennani ", scope=["website", "print"]))
    assert v.waiver_signed
    waivers = reg.list_waivers(a.counselor.actor, a.tenant_id, eid)
    assert len(waivers) == 1
    w = waivers[0]
    assert (w.registration_id, w.full_name, w.signature, w.text_version, w.scope) == (
        v.id, "Fatima-Zahra Bennâni", "fatima-zahra   bennani", reg.WAIVER_VERSION, ("website", "print"))
    assert w.accepted_at is not None
    with pytest.raises(Forbidden):
        reg.list_waivers(student, a.tenant_id, eid)
    # an event without photos asks for nothing
    plain = publish(a, capacity=5, title="Sans photos", starts_at=at(11), ends_at=at(11, 12))
    assert not reg.do_register(student, a.tenant_id, plain).waiver_signed


def test_recommendations_follow_the_profile_and_leave_out_what_she_registered_for(world_a):
    student = world_a.student.actor
    assert reg.recommended_activities(student, world_a.tenant_id) == []  # an empty profile: nothing to match
    field = do_save_study_field(world_a.manager.actor, world_a.tenant_id, {"name": "Informatique"})
    do_update_my_profile(student, world_a.tenant_id, {"field_id": field.id})
    later = publish(world_a, title="Atelier info 2", audience={"fields": ["Informatique"]}, starts_at=at(14),
                    ends_at=at(14, 12))
    sooner = publish(world_a, title="Atelier info 1", audience={"fields": ["Informatique"]}, starts_at=at(12),
                     ends_at=at(12, 12))
    publish(world_a, title="Atelier droit", audience={"fields": ["Droit"]}, starts_at=at(13), ends_at=at(13, 12))
    assert [i.id for i in reg.recommended_activities(student, world_a.tenant_id)] == [sooner, later]
    assert [i.id for i in reg.recommended_activities(student, world_a.tenant_id, limit=1)] == [sooner]
    reg.do_register(student, world_a.tenant_id, sooner)
    assert [i.id for i in reg.recommended_activities(student, world_a.tenant_id)] == [later]
    with pytest.raises(Forbidden):  # a counselor has no dashboard of her own to fill
        reg.recommended_activities(world_a.counselor.actor, world_a.tenant_id)
