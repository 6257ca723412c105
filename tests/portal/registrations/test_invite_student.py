"""Staff register a student directly (a closed-door recruitment day, a preparation workshop):
the invitation takes a seat, is confirmed and e-mailed; full and duplicate are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from integrations.db import system_session
from integrations.errors import Conflict, Forbidden, NotFound
from integrations.mail import DevMail
from tenants.calendar import services as cal
from tenants.portal.registrations import services as reg
from tenants.portal.registrations.models import Registration
from tests.portal.registrations.util import at, bulk_students, get_event, publish


def _registrations(event_id: int) -> int:
    with system_session("test: count") as s:
        return s.execute(select(func.count()).select_from(Registration)
                         .where(Registration.event_id == event_id)).scalar_one()


def test_staff_invite_a_student_who_gets_a_confirmed_seat_and_an_email(world_a, run_outbox):
    a = world_a
    eid = publish(a, type="recruitment_day", title="Journée de recrutement Acme", capacity=2)
    v = reg.do_invite_student(a.people["business_developer"].actor, a.tenant_id, eid, a.student.membership_id)
    # a recruitment day normally waits for the counselor's confirmation; an invitation does not
    assert v.status == "confirmed" and v.student_membership_id == a.student.membership_id
    assert get_event(eid).registered_count == 1
    assert [m.status for m in reg.my_registrations(a.student.actor, a.tenant_id)] == ["confirmed"]
    assert run_outbox() == ["sent"]
    with system_session("test: mail") as s:
        mail = s.exec(select(DevMail)).scalars().one()
    assert mail.to_email == a.student.email and "Journée de recrutement Acme" in mail.subject


def test_a_closed_door_day_still_in_draft_takes_invitations(world_a):
    a = world_a
    e = cal.do_create_event(a.manager.actor, a.tenant_id, {
        "type": "recruitment_day", "title": "Journée à huis clos", "starts_at": at(8), "ends_at": at(8, 16),
        "capacity": 5})
    v = reg.do_invite_student(a.manager.actor, a.tenant_id, e.id, a.student.membership_id)
    assert v.status == "confirmed"
    # and the student cannot register themself: it is not on the catalogue
    assert e.id not in [i.id for i in reg.catalogue(a.student.actor, a.tenant_id).items]


def test_inviting_twice_or_into_a_full_event_is_refused_and_changes_nothing(world_a):
    a = world_a
    eid = publish(a, capacity=1)
    counselor = a.counselor.actor
    reg.do_invite_student(counselor, a.tenant_id, eid, a.student.membership_id)
    with pytest.raises(Conflict) as exc:
        reg.do_invite_student(counselor, a.tenant_id, eid, a.student.membership_id)
    assert exc.value.code == "already_registered"
    other = bulk_students(a.tenant_id, 1)[0]
    with pytest.raises(Conflict) as exc:
        reg.do_invite_student(counselor, a.tenant_id, eid, other.membership_id)
    assert exc.value.code == "event_full"
    assert get_event(eid).registered_count == 1 and _registrations(eid) == 1


def test_only_staff_invite_and_only_students_of_the_centre(worlds):
    a, b = worlds
    eid = publish(a, capacity=5)
    with pytest.raises(Forbidden):
        reg.do_invite_student(a.student.actor, a.tenant_id, eid, a.student.membership_id)
    with pytest.raises(Forbidden):
        reg.do_invite_student(b.counselor.actor, a.tenant_id, eid, a.student.membership_id)
    with pytest.raises(NotFound) as exc:  # another centre's student
        reg.do_invite_student(a.counselor.actor, a.tenant_id, eid, b.student.membership_id)
    assert exc.value.code == "student_not_found"
    with pytest.raises(NotFound) as exc:  # a member who is not a student
        reg.do_invite_student(a.counselor.actor, a.tenant_id, eid, a.people["intern"].membership_id)
    assert exc.value.code == "student_not_found"
    other_event = publish(b, capacity=5)
    with pytest.raises(NotFound):
        reg.do_invite_student(a.counselor.actor, a.tenant_id, other_event, a.student.membership_id)
    assert _registrations(eid) == 0 and get_event(eid).registered_count == 0
