"""Registering in one go (issue 4, performance): on PostgreSQL the seat (or, on a full event,
the waitlist place), the registration and its audit row in one statement sent with BEGIN,
the tenant scope and COMMIT in one round trip; on SQLite the same writes on the driver's own
connection. It must write exactly what the slow path writes, take nothing it would refuse,
leave every other case (refusals, waivers, confirmations) to the slow path without a trace,
number the waitlist with the slow path without a gap or a repeat, and on PostgreSQL stay
behind row-level security."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from integrations.db import system_session, utcnow
from integrations.driver import one_round_trip
from integrations.errors import Conflict
from tenants.calendar import services as cal
from tenants.core.models import AuditEvent
from tenants.portal.registrations import services as reg
from tenants.portal.registrations.models import Registration
from tests.conftest import IS_PG
from tests.portal.registrations.util import at, bulk_students, get_event, publish, set_event


def _state(event_id: int) -> tuple[int, int, int]:
    with system_session("test: count") as s:
        regs = s.execute(select(func.count()).select_from(Registration)).scalar_one()
        audits = s.execute(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.action == "registration.created")).scalar_one()
    return get_event(event_id).registered_count, regs, audits


def _rows(registration_id: int) -> tuple[Registration, AuditEvent]:
    with system_session("test: read") as s:
        r = s.execute(select(Registration).where(Registration.id == registration_id)).scalars().one()
        a = s.execute(select(AuditEvent).where(AuditEvent.action == "registration.created",
                                               AuditEvent.target_id == str(registration_id))).scalars().one()
        return r, a


def test_the_one_round_trip_writes_what_the_slow_path_writes(world_a, monkeypatch):
    a = world_a
    eid = publish(a, capacity=5)
    fast_student, slow_student = bulk_students(a.tenant_id, 2)
    fast = reg._register_in_one_go(fast_student, a.tenant_id, eid, fast_student.membership_id)
    assert fast is not None and fast.status == "confirmed" and fast.event_id == eid
    monkeypatch.setattr(reg, "_register_in_one_go", lambda *_args: None)
    slow = reg.do_register(slow_student, a.tenant_id, eid)
    assert get_event(eid).registered_count == 2
    (fr, fa), (sr, sa) = _rows(fast.id), _rows(slow.id)
    columns = ("tenant_id", "event_id", "status", "waitlist_seq", "hold_expires_at", "offered_at",
               "cancelled_at", "cancel_reason", "checked_in_at")
    assert [getattr(fr, c) for c in columns] == [getattr(sr, c) for c in columns]
    assert fr.confirmed_at == fr.registered_at == fr.updated_at == fast.registered_at
    assert (fa.tenant_id, fa.actor_account_id, fa.target_type, fa.details) == (
        sa.tenant_id, fast_student.account_id, sa.target_type, sa.details)
    same = {"id": 0, "student_membership_id": 0, "registered_at": slow.registered_at}
    assert dataclasses.replace(fast, **same) == dataclasses.replace(slow, **same)
    assert fast.event_starts_at.utcoffset() == timedelta(0)


def _declined(world, case) -> int:  # noqa: ANN001
    a = world
    if case == "draft":
        return cal.do_create_event(a.counselor.actor, a.tenant_id, {
            "type": "workshop", "title": "Brouillon", "starts_at": at(15), "ends_at": at(15, 12)}).id
    if case == "no_registration_type":
        return publish(a, type="faculty_activity")
    if case == "confirmation_type":
        return publish(a, type="recruitment_day", title="Journée de recrutement", capacity=3)
    if case == "photos":
        return publish(a, capacity=3, publishes_photos=True)
    eid = publish(a, capacity=3)
    if case == "confirmation_flag":
        set_event(eid, details={"requires_confirmation": "no"})  # the slow path reads the flag
    elif case == "not_open":
        set_event(eid, registration_opens_at=utcnow() + timedelta(days=1))
    elif case == "closed":
        set_event(eid, registration_closes_at=utcnow() - timedelta(minutes=1))
    elif case == "started":
        start = utcnow() - timedelta(minutes=5)
        set_event(eid, starts_at=start, ends_at=start + timedelta(hours=2), registration_closes_at=None)
    return eid


@pytest.mark.parametrize("full", [False, True], ids=["seats_left", "full"])
@pytest.mark.parametrize("case", ["draft", "no_registration_type", "confirmation_type",
                                  "confirmation_flag", "photos", "not_open", "closed", "started"])
def test_every_other_case_is_left_to_the_slow_path_untouched(world_a, case, full):
    """Neither the seat nor, on a full event, the waitlist place is taken in one go."""
    a = world_a
    eid = _declined(a, case)
    if full:
        set_event(eid, capacity=0)  # no seat at all: the waitlist statement is the one tried
    before = (_state(eid), get_event(eid).waitlist_last_seq)
    student = a.student.actor
    assert reg._register_in_one_go(student, a.tenant_id, eid, student.membership_id) is None
    assert (_state(eid), get_event(eid).waitlist_last_seq) == before


def test_the_waitlist_place_in_one_go_is_what_the_slow_path_gives(world_a, monkeypatch):
    a = world_a
    eid = publish(a, capacity=1)
    first, fast_student, slow_student = bulk_students(a.tenant_id, 3)
    assert reg.do_register(first, a.tenant_id, eid).status == "confirmed"
    fast = reg._register_in_one_go(fast_student, a.tenant_id, eid, fast_student.membership_id)
    assert fast is not None and (fast.status, fast.waitlist_seq, fast.position) == ("waitlisted", 1, 1)
    monkeypatch.setattr(reg, "_register_in_one_go", lambda *_args: None)
    slow = reg.do_register(slow_student, a.tenant_id, eid)
    assert (slow.status, slow.waitlist_seq, slow.position) == ("waitlisted", 2, 2)
    assert get_event(eid).registered_count == 1 and get_event(eid).waitlist_last_seq == 2
    (fr, fa), (sr, sa) = _rows(fast.id), _rows(slow.id)
    columns = ("tenant_id", "event_id", "status", "confirmed_at", "hold_expires_at", "offered_at",
               "cancelled_at", "cancel_reason", "checked_in_at")
    assert [getattr(fr, c) for c in columns] == [getattr(sr, c) for c in columns]
    assert fr.registered_at == fr.updated_at == fast.registered_at and fr.waitlist_seq == 1
    assert fa.details == {"event_id": eid, "status": "waitlisted", "waitlist_seq": 1}
    assert (fa.tenant_id, fa.actor_account_id, fa.target_type) == (sa.tenant_id, fast_student.account_id,
                                                                   sa.target_type)
    same = {"id": 0, "student_membership_id": 0, "registered_at": slow.registered_at, "waitlist_seq": 0,
            "position": 0}
    assert dataclasses.replace(fast, **same) == dataclasses.replace(slow, **same)


def test_both_paths_number_one_waitlist_and_a_freed_seat_is_taken_not_queued(world_a, monkeypatch):
    a = world_a
    eid = publish(a, capacity=1)
    s0, s1, s2, s3, s4 = bulk_students(a.tenant_id, 5)
    real = reg._register_in_one_go
    reg.do_register(s0, a.tenant_id, eid)
    assert reg.do_register(s1, a.tenant_id, eid).waitlist_seq == 1  # in one go
    monkeypatch.setattr(reg, "_register_in_one_go", lambda *_args: None)
    assert reg.do_register(s2, a.tenant_id, eid).waitlist_seq == 2  # the slow way
    monkeypatch.setattr(reg, "_register_in_one_go", real)
    third = reg.do_register(s3, a.tenant_id, eid)
    assert (third.waitlist_seq, third.position) == (3, 3)
    set_event(eid, capacity=2)  # a seat more, behind the services' back: taken, not queued
    assert reg.do_register(s4, a.tenant_id, eid).status == "confirmed"
    assert get_event(eid).waitlist_last_seq == 3


@pytest.mark.skipif(not IS_PG, reason="row-level security is PostgreSQL's")
def test_another_centres_event_is_untouched_even_when_the_statement_names_it(worlds):
    """Row-level security stands behind the statement: scoped to centre A, naming centre B's
    event and tenant in the statement's own parameters still finds no row."""
    a, b = worlds
    eid_b = publish(b, capacity=5)
    params = {"event": eid_b, "tenant": b.tenant_id, "student": b.student.membership_id,
              "published": "published", "status": "confirmed", "now": utcnow(), **reg._TYPE_PARAMS,
              **reg._audit_params(b.student.actor, b.tenant_id, eid_b, "", "confirmed", None)}
    assert one_round_trip(reg._SEAT_AND_REGISTER, params, tenant_id=a.tenant_id) is None
    assert _state(eid_b) == (0, 0, 0)
    assert reg._register_in_one_go(a.student.actor, a.tenant_id, eid_b, a.student.membership_id) is None
    assert one_round_trip(reg._SEAT_AND_REGISTER, params, tenant_id=b.tenant_id) is not None  # its own centre: taken
    assert _state(eid_b) == (1, 1, 1)


def test_a_second_registration_rolls_back_whole_and_the_connection_stays_usable(world_a):
    a = world_a
    eid = publish(a, capacity=5)
    student = a.student.actor
    assert reg._register_in_one_go(student, a.tenant_id, eid, student.membership_id) is not None
    with pytest.raises(IntegrityError):  # the partial unique index: the seat goes back too
        reg._register_in_one_go(student, a.tenant_id, eid, student.membership_id)
    with pytest.raises(Conflict) as exc:
        reg.do_register(student, a.tenant_id, eid)
    assert exc.value.code == "already_registered"
    assert _state(eid) == (1, 1, 1)  # the seat taken by the failed statement was given back
    for other in bulk_students(a.tenant_id, 4):  # the pool's connections are clean
        assert reg.do_register(other, a.tenant_id, eid).status == "confirmed"
    assert _state(eid) == (5, 5, 5)
    # full now: the same student's second place on the waitlist rolls back whole too
    late = bulk_students(a.tenant_id, 1, prefix="late")[0]
    assert reg._register_in_one_go(late, a.tenant_id, eid, late.membership_id).waitlist_seq == 1
    with pytest.raises(IntegrityError):
        reg._register_in_one_go(late, a.tenant_id, eid, late.membership_id)
    assert _state(eid) == (5, 6, 6) and get_event(eid).waitlist_last_seq == 1


@pytest.mark.skipif(not IS_PG, reason="the pipelined round trip is PostgreSQL's")
def test_one_round_trip_needs_a_tenant():
    from integrations.errors import TenantScopeError

    for bad in (0, -1, None, True, "1"):
        with pytest.raises(TenantScopeError):
            one_round_trip("SELECT 1", {}, tenant_id=bad)
    for bad in ({"tenant_id": 1, "system": "both"}, {"system": " "}):
        with pytest.raises(TenantScopeError):
            one_round_trip("SELECT 1", {}, **bad)
