"""Preparation of candidates before their profile goes out (P22): a real individual session
booked for the student, or a workshop registration; and the staff booking it relies on."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.outbox import OutboxMessage
from tenants.calendar import services as cal
from tenants.portal.registrations.models import Registration
from tenants.portal.sessions import services as sess
from tenants.portal.sessions.models import SessionBooking, StudentSuspension
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.pipeline import services as pipe
from tenants.sourcing.pipeline.models import ShortlistEntry
from tests.portal.registrations.util import publish
from tests.sourcing.pipeline.helpers import setup_need

CASA = ZoneInfo("Africa/Casablanca")


def local(days: int, hh: int = 9) -> datetime:
    d = (utcnow() + timedelta(days=days)).astimezone(CASA).date()
    return datetime.combine(d, time(hh, 0), tzinfo=CASA)


@pytest.fixture
def w(world_a):
    slots = [{"weekday": wd, "start_time": "09:00", "end_time": "12:00"} for wd in range(7)]
    cal.do_set_availability(world_a.manager.actor, world_a.tenant_id, world_a.counselor.membership_id, slots)
    return world_a


def bizdev(w):
    return w.people["business_developer"].actor


def bookings(w) -> list[SessionBooking]:
    with tenant_session(w.tenant_id) as s:
        return list(s.exec(select(SessionBooking)).all())


def test_preparation_by_session_creates_a_real_confirmed_booking(w):
    st = setup_need(w)
    eid = st.entries["amina"]
    (v,) = pipe.do_send_for_preparation(bizdev(w), w.tenant_id, [eid], counselor_membership_id=w.counselor.membership_id,
                                        kind="session", starts_at=local(3))
    (b,) = bookings(w)
    assert (b.student_membership_id, b.counselor_membership_id, b.status) == (
        st.students["amina"].membership_id, w.counselor.membership_id, "confirmed")
    assert b.starts_at == local(3).astimezone(UTC) and "Développeur Python" in b.need
    assert (v.status, v.booking_id, v.preparer_membership_id) == ("preparing", b.id, w.counselor.membership_id)
    with tenant_session(w.tenant_id) as s:
        assert s.get(JobNeed, st.need_id).status == "preparing"
    with system_session("test") as s:
        assert s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"session-confirmed:{b.id}")).one()
    # the slot is now taken for everyone
    with pytest.raises(Conflict) as e:
        pipe.do_send_for_preparation(bizdev(w), w.tenant_id, [st.entries["sara"]],
                                     counselor_membership_id=w.counselor.membership_id, kind="session",
                                     starts_at=local(3))
    assert e.value.code == "slot_taken"
    assert pipe.do_mark_prepared(w.counselor.actor, w.tenant_id, eid).status == "prepared"
    with pytest.raises(Conflict):
        pipe.do_mark_prepared(w.counselor.actor, w.tenant_id, eid)


def test_preparation_by_workshop_registers_the_students(w):
    st = setup_need(w)
    event_id = publish(w, capacity=10)
    ids = [st.entries["amina"], st.entries["sara"]]
    views = pipe.do_send_for_preparation(bizdev(w), w.tenant_id, ids, counselor_membership_id=w.counselor.membership_id,
                                         kind="workshop", event_id=event_id)
    with tenant_session(w.tenant_id) as s:
        regs = {r.student_membership_id: r for r in s.exec(select(Registration)).all()}
    assert set(regs) == {st.students["amina"].membership_id, st.students["sara"].membership_id}
    assert {v.registration_id for v in views} == {r.id for r in regs.values()}
    assert all(v.status == "preparing" for v in views)


@pytest.mark.parametrize("kw, code", [
    ({"kind": "visio"}, "invalid_preparation_kind"),
    ({"kind": "session"}, "one_candidate_per_session"),
    ({"kind": "workshop"}, "workshop_required"),
])
def test_bad_preparation_requests_change_nothing(w, kw, code):
    st = setup_need(w)
    with pytest.raises(Invalid) as e:
        pipe.do_send_for_preparation(bizdev(w), w.tenant_id, list(st.entries.values()),
                                     counselor_membership_id=w.counselor.membership_id, **kw)
    assert e.value.code == code
    assert bookings(w) == []
    with tenant_session(w.tenant_id) as s:
        assert {e.status for e in s.exec(select(ShortlistEntry)).all()} == {"proposed"}


def test_preparation_needs_a_counselor_and_the_business_developer(w):
    st = setup_need(w)
    with pytest.raises(NotFound) as e:
        pipe.do_send_for_preparation(bizdev(w), w.tenant_id, [st.entries["amina"]],
                                     counselor_membership_id=w.people["intern"].membership_id, kind="session",
                                     starts_at=local(3))
    assert e.value.code == "unknown_counselor"
    with pytest.raises(Forbidden):
        pipe.do_send_for_preparation(w.counselor.actor, w.tenant_id, [st.entries["amina"]],
                                     counselor_membership_id=w.counselor.membership_id, kind="session",
                                     starts_at=local(3))
    assert bookings(w) == []


def test_booking_for_a_student_follows_the_booking_rules(w, world_b):
    st = setup_need(w, consents={"amina": True})
    amina = st.students["amina"].membership_id
    staff = w.counselor.actor
    with pytest.raises(Invalid) as e:
        sess.do_book_for_student(staff, w.tenant_id, amina, w.counselor.membership_id, local(3, 14), "Préparation")
    assert e.value.code == "outside_availability"
    with pytest.raises(Invalid) as e:
        sess.do_book_for_student(staff, w.tenant_id, amina, w.counselor.membership_id, local(-1), "Préparation")
    assert e.value.code == "in_the_past"
    with pytest.raises(NotFound):
        sess.do_book_for_student(staff, w.tenant_id, world_b.student.membership_id, w.counselor.membership_id,
                                 local(3), "Préparation")
    with pytest.raises(Forbidden):
        sess.do_book_for_student(w.people["company_contact"].actor, w.tenant_id, amina, w.counselor.membership_id,
                                 local(3), "Préparation")
    with tenant_session(w.tenant_id) as s:
        s.add(StudentSuspension(tenant_id=w.tenant_id, student_membership_id=amina, starts_at=utcnow(),
                                ends_at=utcnow() + timedelta(days=5), no_show_count=3))
        s.commit()
    with pytest.raises(Conflict) as e:
        sess.do_book_for_student(staff, w.tenant_id, amina, w.counselor.membership_id, local(3), "Préparation")
    assert e.value.code == "booking_suspended"
    assert bookings(w) == []
    v = sess.do_book_for_student(staff, w.tenant_id, w.student.membership_id, w.counselor.membership_id, local(3),
                                 "Préparation")
    assert v.status == "confirmed" and v.student_membership_id == w.student.membership_id
