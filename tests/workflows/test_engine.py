"""The procedure engine (issue 6 §2–§3): starting instances, tasks per role, fallbacks, joins,
decisions (goto / ends / rework), approvals in the host institution's inbox, inboxes,
reminders, triggers (academic year, event created), and bad input that changes nothing."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from integrations.outbox import OutboxMessage
from tenants.calendar import services as cal
from tenants.core.models import AuditEvent
from tests.conftest import create_person
from tests.workflows.engine_helpers import (
    by_step,
    instance,
    procedure,
    publish,
    set_active,
    snapshot,
    step,
    task_of,
    tasks,
)
from workflows.procedures import services as svc
from workflows.procedures.models import CANCELLED, COMPLETED, DONE, OPEN, RUNNING, SKIPPED, WAITING

CASA = ZoneInfo("Africa/Casablanca")
NOW = datetime(2026, 9, 1, 8, 0, tzinfo=ZoneInfo("UTC"))


def _linear(code: str = "P90"):
    """1 manager → 2 counselor AND business developer → 3 manager."""
    return procedure(code,
                     step(1, "manager", due={"anchor": "instance_start", "offset_days": 3}),
                     step(2, "career_counselor", "business_developer", mode="all",
                          due={"anchor": "previous_step", "offset_days": 7}),
                     step(3, "manager"))


def _start(world, code: str = "P90", **kw):
    return svc.do_start_instance(world.manager.actor, world.tenant_id, code, now=kw.pop("now", NOW), **kw)


def _year(world, label: str = "2026-2027"):
    return cal.do_set_academic_year(world.manager.actor, world.tenant_id, {
        "label": label, "starts_on": date(2026, 9, 14), "ends_on": date(2027, 7, 10),
        "semesters": [{"starts_on": date(2026, 9, 14), "ends_on": date(2027, 1, 31)},
                      {"starts_on": date(2027, 2, 8), "ends_on": date(2027, 7, 10)}]})


# ---------------------------------------------------------------- starting

def test_start_creates_a_task_per_step_and_actor_and_opens_the_first_step(world_a):
    a = world_a
    publish(a.tenant_id, _linear())
    view = _start(a, label="rentrée")
    assert view.status == RUNNING and view.code == "P90" and view.version == 2
    assert view.title == "P90 — Procédure P90 rentrée"
    assert (view.steps_total, view.steps_done, view.open_tasks) == (3, 0, 1)
    assert by_step(a.tenant_id, view.id) == {
        1: [("manager", OPEN)],
        2: [("career_counselor", WAITING), ("business_developer", WAITING)],
        3: [("manager", WAITING)]}
    first = task_of(a.tenant_id, view.id, 1)
    assert first.opened_at == NOW and first.due_at == NOW + timedelta(days=3)
    assert first.title == "Étape 1" and first.assignee_membership_id is None
    with tenant_session(a.tenant_id) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "procedure.started")).one().target_id == str(view.id)


def test_only_the_manager_starts_and_unknown_codes_are_not_found(world_a):
    a = world_a
    publish(a.tenant_id, _linear())
    with pytest.raises(Forbidden):
        svc.do_start_instance(a.counselor.actor, a.tenant_id, "P90")
    with pytest.raises(Forbidden):
        svc.do_start_instance(a.student.actor, a.tenant_id, "P90")
    for bad in ("P99", "X01", "", None, 7):
        with pytest.raises(NotFound):
            svc.do_start_instance(a.manager.actor, a.tenant_id, bad)
    with pytest.raises(Invalid) as exc:
        svc.do_start_instance(a.manager.actor, a.tenant_id, "P90", subject_type="invoice", subject_id=3)
    assert exc.value.code == "unknown_subject"
    with pytest.raises(Invalid) as exc:
        svc.do_start_instance(a.manager.actor, a.tenant_id, "P90", label="x" * 500)
    assert exc.value.code == "too_long"
    assert snapshot(a.tenant_id)[:2] == ([], [])


def test_mode_all_step_is_done_when_every_actor_is_done_then_the_next_opens(world_a):
    a = world_a
    publish(a.tenant_id, _linear())
    iid = _start(a).id
    later = NOW + timedelta(days=1)
    svc.do_complete_task(a.manager.actor, a.tenant_id, task_of(a.tenant_id, iid, 1).id, note="draft sent", now=later)
    steps = by_step(a.tenant_id, iid)
    assert steps[1] == [("manager", DONE)]
    assert steps[2] == [("career_counselor", OPEN), ("business_developer", OPEN)]
    assert task_of(a.tenant_id, iid, 2, "career_counselor").due_at == later + timedelta(days=7)
    svc.do_complete_task(a.counselor.actor, a.tenant_id, task_of(a.tenant_id, iid, 2, "career_counselor").id)
    assert by_step(a.tenant_id, iid)[3] == [("manager", WAITING)]
    bd = a.people["business_developer"]
    svc.do_complete_task(bd.actor, a.tenant_id, task_of(a.tenant_id, iid, 2, "business_developer").id)
    assert by_step(a.tenant_id, iid)[3] == [("manager", OPEN)]
    done = svc.do_complete_task(a.manager.actor, a.tenant_id, task_of(a.tenant_id, iid, 3).id)
    assert done.status == DONE and done.completed_by_name
    inst = instance(a.tenant_id, iid)
    assert inst.status == COMPLETED and inst.completed_at is not None
    detail = svc.get_instance(a.manager.actor, a.tenant_id, iid)
    assert detail.instance.steps_done == 3 and detail.instance.open_tasks == 0
    assert [x.step_n for x in detail.tasks] == [1, 2, 2, 3]
    assert detail.tasks[0].note == "draft sent"


def test_a_role_nobody_holds_goes_to_the_fallback(world_a):
    a = world_a
    set_active(a.people["business_developer"].membership_id, False)
    publish(a.tenant_id, procedure("P90", step(1, "career_counselor", "business_developer", mode="all",
                                               fallbacks=[(1, "manager")])))
    iid = _start(a).id
    assert by_step(a.tenant_id, iid)[1] == [("career_counselor", OPEN), ("manager", OPEN)]
    inbox = svc.inbox(a.manager.actor, a.tenant_id, now=NOW)
    assert [x.step_n for x in inbox.items] == [1] and inbox.items[0].can_act


def test_a_line_of_work_narrows_the_task_and_falls_back_to_any_counselor(world_a):
    a = world_a  # the counselor holds "coordination"; nobody holds "communication"
    other = create_person("second@alpha.test", tenant_id=a.tenant_id, roles=["career_counselor"])
    publish(a.tenant_id, procedure("P90", step(1, "career_counselor:coordination", "career_counselor:communication",
                                               mode="all")))
    iid = _start(a).id
    rows = {(x.role, x.responsibility) for x in tasks(a.tenant_id, iid)}
    assert rows == {("career_counselor", "coordination"), ("career_counselor", None)}
    coord = next(x for x in tasks(a.tenant_id, iid) if x.responsibility == "coordination")
    with pytest.raises(Forbidden) as exc:
        svc.do_complete_task(other.actor, a.tenant_id, coord.id)
    assert exc.value.code == "not_task_holder"
    mine = svc.inbox(other.actor, a.tenant_id, now=NOW)
    assert [x.responsibility for x in mine.items] == [None]
    svc.do_complete_task(a.counselor.actor, a.tenant_id, coord.id)


def test_join_any_opens_after_one_of_its_steps(world_a):
    a = world_a
    publish(a.tenant_id, procedure("P90", step(1, "manager"), step(2, "career_counselor", after=[]),
                                   step(3, "manager", after=[1, 2], join="any"),
                                   step(4, "manager", after=[1, 2], join="all")))
    iid = _start(a).id
    assert by_step(a.tenant_id, iid) == {1: [("manager", OPEN)], 2: [("career_counselor", OPEN)],
                                         3: [("manager", WAITING)], 4: [("manager", WAITING)]}
    svc.do_complete_task(a.counselor.actor, a.tenant_id, task_of(a.tenant_id, iid, 2).id)
    s = by_step(a.tenant_id, iid)
    assert s[3] == [("manager", OPEN)] and s[4] == [("manager", WAITING)]
    svc.do_complete_task(a.manager.actor, a.tenant_id, task_of(a.tenant_id, iid, 1).id)
    assert by_step(a.tenant_id, iid)[4] == [("manager", OPEN)]


# ---------------------------------------------------------------- decisions

def _decision_proc():
    return procedure("P90",
                     step(1, "manager", kind="decision", branches=[
                         {"key": "small", "label_en": "Fewer than 10", "label_fr": "Moins de 10", "goto": 2},
                         {"key": "large", "label_en": "More than 10", "goto": 4},
                         {"key": "drop", "label_en": "Drop it", "ends": True}]),
                     step(2, "career_counselor"), step(3, "career_counselor"), step(4, "manager"))


def test_a_branch_jumps_and_the_steps_between_are_skipped(world_a):
    a = world_a
    publish(a.tenant_id, _decision_proc())
    iid = _start(a).id
    t1 = task_of(a.tenant_id, iid, 1)
    view = svc.inbox(a.manager.actor, a.tenant_id, now=NOW).items[0]
    assert view.branches == [("small", "Moins de 10"), ("large", "More than 10"), ("drop", "Drop it")]
    done = svc.do_decide(a.manager.actor, a.tenant_id, t1.id, "large", note="12 posts")
    assert done.branch == "large"
    assert by_step(a.tenant_id, iid) == {1: [("manager", DONE)], 2: [("career_counselor", SKIPPED)],
                                         3: [("career_counselor", SKIPPED)], 4: [("manager", OPEN)]}
    svc.do_complete_task(a.manager.actor, a.tenant_id, task_of(a.tenant_id, iid, 4).id)
    assert instance(a.tenant_id, iid).status == COMPLETED


def test_a_branch_that_ends_completes_the_instance(world_a):
    a = world_a
    publish(a.tenant_id, _decision_proc())
    iid = _start(a).id
    svc.do_decide(a.manager.actor, a.tenant_id, task_of(a.tenant_id, iid, 1).id, "drop")
    assert instance(a.tenant_id, iid).status == COMPLETED
    assert {st for rows in by_step(a.tenant_id, iid).values() for _r, st in rows} == {DONE, SKIPPED}


def test_a_refusal_sends_the_work_back_until_it_is_approved(world_a):
    a = world_a
    approver = a.people["host_approver"]
    publish(a.tenant_id, procedure("P90", step(1, "manager", kind="document"),
                                   step(2, "host_approver", kind="approval", branches=[
                                       {"key": "approve", "label_en": "Approve"},
                                       {"key": "refuse", "label_en": "Refuse", "goto": 1}]),
                                   step(3, "manager", kind="notification")))
    iid = _start(a).id
    svc.do_complete_task(a.manager.actor, a.tenant_id, task_of(a.tenant_id, iid, 1).id)
    svc.do_decide(approver.actor, a.tenant_id, task_of(a.tenant_id, iid, 2).id, "refuse", note="budget")
    assert by_step(a.tenant_id, iid) == {1: [("manager", OPEN)], 2: [("host_approver", WAITING)],
                                         3: [("manager", WAITING)]}
    svc.do_complete_task(a.manager.actor, a.tenant_id, task_of(a.tenant_id, iid, 1).id)
    svc.do_decide(approver.actor, a.tenant_id, task_of(a.tenant_id, iid, 2).id, "approve")
    assert by_step(a.tenant_id, iid)[3] == [("manager", OPEN)]
    with tenant_session(a.tenant_id) as s:
        decided = s.exec(select(AuditEvent).where(AuditEvent.action == "procedure.task_decided")).all()
    assert [d.details["branch"] for d in decided] == ["refuse", "approve"]


def test_an_approval_lands_in_the_host_approvers_inbox(world_a):
    a = world_a
    approver = a.people["host_approver"]
    publish(a.tenant_id, procedure("P90", step(1, "host_approver", kind="approval", branches=[
        {"key": "approve", "label_en": "Approve"}, {"key": "refuse", "label_en": "Refuse", "ends": True}])))
    iid = _start(a).id
    theirs = svc.inbox(approver.actor, a.tenant_id, now=NOW)
    assert [(x.instance_id, x.kind, x.can_act) for x in theirs.items] == [(iid, "approval", True)]
    assert svc.inbox(a.manager.actor, a.tenant_id, now=NOW).items == []  # not the manager's own task
    team = svc.inbox(a.manager.actor, a.tenant_id, scope="team", now=NOW)
    assert [x.can_act for x in team.items] == [False]  # the manager sees it, the approver acts
    assert svc.inbox(a.people["host_focal_point"].actor, a.tenant_id, scope="team", now=NOW).items == []
    assert svc.inbox(approver.actor, a.tenant_id, scope="team", now=NOW).total == 1
    with pytest.raises(Forbidden) as exc:
        svc.do_decide(a.manager.actor, a.tenant_id, theirs.items[0].id, "approve")
    assert exc.value.code == "not_task_holder"
    svc.do_decide(approver.actor, a.tenant_id, theirs.items[0].id, "approve")
    assert instance(a.tenant_id, iid).status == COMPLETED


def test_with_several_deciders_a_refusal_prevails(world_a):
    a = world_a
    publish(a.tenant_id, procedure("P90", step(1, "career_counselor", "manager", kind="approval", mode="all",
                                               branches=[{"key": "approve", "label_en": "Approve"},
                                                         {"key": "refuse", "label_en": "Refuse", "ends": True}]),
                                   step(2, "manager")))
    iid = _start(a).id
    svc.do_decide(a.counselor.actor, a.tenant_id, task_of(a.tenant_id, iid, 1, "career_counselor").id, "approve")
    assert by_step(a.tenant_id, iid)[2] == [("manager", WAITING)]
    svc.do_decide(a.manager.actor, a.tenant_id, task_of(a.tenant_id, iid, 1, "manager").id, "refuse")
    assert instance(a.tenant_id, iid).status == COMPLETED
    assert by_step(a.tenant_id, iid)[2] == [("manager", SKIPPED)]


# ---------------------------------------------------------------- bad input changes nothing

def test_bad_input_is_refused_with_a_clear_code_and_changes_nothing(world_a):
    a = world_a
    publish(a.tenant_id, _decision_proc())
    iid = _start(a).id
    t1 = task_of(a.tenant_id, iid, 1)
    t2 = task_of(a.tenant_id, iid, 2)
    before = snapshot(a.tenant_id)
    cases = [
        (lambda: svc.do_decide(a.counselor.actor, a.tenant_id, t1.id, "small"), "not_task_holder"),
        (lambda: svc.do_decide(a.manager.actor, a.tenant_id, t1.id, "medium"), "unknown_branch"),
        (lambda: svc.do_decide(a.manager.actor, a.tenant_id, t1.id, None), "unknown_branch"),
        (lambda: svc.do_complete_task(a.manager.actor, a.tenant_id, t1.id), "branch_required"),
        (lambda: svc.do_complete_task(a.counselor.actor, a.tenant_id, t2.id), "task_not_open"),
        (lambda: svc.do_complete_task(a.manager.actor, a.tenant_id, 10**9), "not_found"),
        (lambda: svc.do_complete_task(a.manager.actor, a.tenant_id, "1"), "not_found"),
        (lambda: svc.do_decide(a.manager.actor, a.tenant_id, t1.id, "small", note="x" * 5000), "too_long"),
        (lambda: svc.do_complete_task(a.student.actor, a.tenant_id, t2.id), "forbidden"),
        (lambda: svc.do_skip_task(a.manager.actor, a.tenant_id, t1.id, reason=" "), "reason_required"),
        (lambda: svc.do_skip_task(a.counselor.actor, a.tenant_id, t1.id, reason="away"), "not_task_holder"),
        (lambda: svc.do_cancel_instance(a.manager.actor, a.tenant_id, iid, reason=""), "reason_required"),
        (lambda: svc.do_cancel_instance(a.counselor.actor, a.tenant_id, iid, reason="x"), "forbidden"),
        (lambda: svc.do_reassign_task(a.manager.actor, a.tenant_id, t1.id, a.counselor.membership_id),
         "not_role_holder"),
        (lambda: svc.do_reassign_task(a.counselor.actor, a.tenant_id, t1.id, a.counselor.membership_id),
         "forbidden"),
        (lambda: svc.inbox(a.manager.actor, a.tenant_id, scope="everyone"), "invalid_filter"),
        (lambda: svc.list_instances(a.manager.actor, a.tenant_id, status="lost"), "invalid_filter"),
    ]
    for call, code in cases:
        with pytest.raises(ServiceError) as exc:
            call()
        assert exc.value.code == code, (code, exc.value.code)
        assert snapshot(a.tenant_id) == before, code


def test_deciding_twice_is_refused_the_second_time(world_a):
    a = world_a
    approver = a.people["host_approver"]
    publish(a.tenant_id, procedure("P90", step(1, "host_approver", kind="approval", branches=[
        {"key": "approve", "label_en": "Approve"}]), step(2, "manager")))
    iid = _start(a).id
    tid = task_of(a.tenant_id, iid, 1).id
    svc.do_decide(approver.actor, a.tenant_id, tid, "approve")
    before = snapshot(a.tenant_id)
    with pytest.raises(Conflict) as exc:
        svc.do_decide(approver.actor, a.tenant_id, tid, "approve")
    assert exc.value.code == "task_already_done"
    assert snapshot(a.tenant_id) == before


def test_two_people_completing_one_task_at_once_one_wins(world_a):
    a = world_a
    second = create_person("m2@alpha.test", tenant_id=a.tenant_id, roles=["manager"])
    publish(a.tenant_id, procedure("P90", step(1, "manager"), step(2, "manager")))
    iid = _start(a).id
    tid = task_of(a.tenant_id, iid, 1).id
    results: list[str] = []
    barrier = threading.Barrier(2)

    def go(actor):
        barrier.wait()
        try:
            svc.do_complete_task(actor, a.tenant_id, tid)
            results.append("ok")
        except ServiceError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=go, args=(p.actor,)) for p in (a.manager, second)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == ["ok", "task_already_done"]
    assert by_step(a.tenant_id, iid) == {1: [("manager", DONE)], 2: [("manager", OPEN)]}
    with tenant_session(a.tenant_id) as s:
        assert len(s.exec(select(AuditEvent).where(AuditEvent.action == "procedure.task_completed")).all()) == 1


def test_another_centres_task_and_instance_are_not_found(worlds):
    a, b = worlds
    publish(a.tenant_id, _linear())
    iid = _start(a).id
    tid = task_of(a.tenant_id, iid, 1).id
    before = snapshot(a.tenant_id)
    for call in (lambda: svc.do_complete_task(b.manager.actor, b.tenant_id, tid),
                 lambda: svc.do_skip_task(b.manager.actor, b.tenant_id, tid, reason="x"),
                 lambda: svc.do_reassign_task(b.manager.actor, b.tenant_id, tid, b.manager.membership_id),
                 lambda: svc.do_cancel_instance(b.manager.actor, b.tenant_id, iid, reason="x"),
                 lambda: svc.get_instance(b.manager.actor, b.tenant_id, iid),
                 lambda: svc.get_procedure(b.manager.actor, b.tenant_id, "P90")):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(Forbidden):  # acting in A's centre with B's membership
        svc.do_complete_task(b.manager.actor, a.tenant_id, tid)
    assert snapshot(a.tenant_id) == before
    assert svc.inbox(b.manager.actor, b.tenant_id, scope="team", now=NOW).total == 0
    assert svc.list_instances(b.manager.actor, b.tenant_id) == ([], 0)
    with pytest.raises(NotFound):  # A's own version is not B's
        svc.do_start_instance(b.manager.actor, b.tenant_id, "P90")


# ---------------------------------------------------------------- skip, reassign, cancel

def test_skip_an_optional_step_or_one_whose_condition_did_not_hold(world_a):
    a = world_a
    publish(a.tenant_id, procedure("P90", step(1, "career_counselor", optional=True),
                                   step(2, "career_counselor", condition="only if photos are published"),
                                   step(3, "career_counselor"), step(4, "manager")))
    iid = _start(a).id
    svc.do_skip_task(a.counselor.actor, a.tenant_id, task_of(a.tenant_id, iid, 1).id, reason="not needed")
    svc.do_skip_task(a.counselor.actor, a.tenant_id, task_of(a.tenant_id, iid, 2).id, reason="no photos")
    with pytest.raises(Invalid) as exc:
        svc.do_skip_task(a.counselor.actor, a.tenant_id, task_of(a.tenant_id, iid, 3).id, reason="busy")
    assert exc.value.code == "not_skippable"
    view = svc.do_skip_task(a.manager.actor, a.tenant_id, task_of(a.tenant_id, iid, 3).id, reason="handled offline")
    assert view.status == SKIPPED and view.note == "handled offline"
    assert by_step(a.tenant_id, iid)[4] == [("manager", OPEN)]


def test_the_manager_reassigns_a_task_to_a_holder_of_its_role(world_a):
    a = world_a
    other = create_person("second@alpha.test", tenant_id=a.tenant_id, roles=["career_counselor"])
    publish(a.tenant_id, procedure("P90", step(1, "career_counselor")))
    iid = _start(a).id
    tid = task_of(a.tenant_id, iid, 1).id
    view = svc.do_reassign_task(a.manager.actor, a.tenant_id, tid, other.membership_id)
    assert view.assignee_membership_id == other.membership_id and view.assignee_name == "Second"
    assert [x.id for x in svc.inbox(other.actor, a.tenant_id, now=NOW).items] == [tid]
    assert svc.inbox(a.counselor.actor, a.tenant_id, now=NOW).items == []
    with pytest.raises(Forbidden):
        svc.do_complete_task(a.counselor.actor, a.tenant_id, tid)
    with pytest.raises(NotFound):
        svc.do_reassign_task(a.manager.actor, a.tenant_id, tid, 10**9)
    svc.do_complete_task(other.actor, a.tenant_id, tid)


def test_cancel_an_instance(world_a):
    a = world_a
    publish(a.tenant_id, _linear())
    iid = _start(a).id
    view = svc.do_cancel_instance(a.manager.actor, a.tenant_id, iid, reason="started by mistake")
    assert view.status == CANCELLED and view.open_tasks == 0
    assert {st for rows in by_step(a.tenant_id, iid).values() for _r, st in rows} == {CANCELLED}
    with pytest.raises(Conflict) as exc:
        svc.do_cancel_instance(a.manager.actor, a.tenant_id, iid, reason="again")
    assert exc.value.code == "instance_not_running"
    assert svc.inbox(a.manager.actor, a.tenant_id, scope="team", now=NOW).total == 0


# ---------------------------------------------------------------- inboxes

def test_inbox_scopes_filters_counts_and_pages(world_a):
    a = world_a
    publish(a.tenant_id, procedure("P90", step(1, "manager", due={"anchor": "instance_start", "offset_days": -2}),
                                   step(2, "manager", after=[], due={"anchor": "instance_start", "offset_days": 3}),
                                   step(3, "career_counselor", after=[],
                                        due={"anchor": "instance_start", "offset_days": 20}),
                                   step(4, "career_counselor", after=[])))
    iid = _start(a).id
    mine = svc.inbox(a.manager.actor, a.tenant_id, now=NOW)
    assert [x.step_n for x in mine.items] == [1, 2]
    assert (mine.total, mine.overdue, mine.due_this_week) == (2, 1, 1)
    assert [x.overdue for x in mine.items] == [True, False]
    assert [x.step_n for x in svc.inbox(a.manager.actor, a.tenant_id, when="overdue", now=NOW).items] == [1]
    assert [x.step_n for x in svc.inbox(a.manager.actor, a.tenant_id, when="week", now=NOW).items] == [2]
    team = svc.inbox(a.manager.actor, a.tenant_id, scope="team", now=NOW)
    assert [x.step_n for x in team.items] == [1, 2, 3, 4] and team.total == 4  # undated last
    counselor = svc.inbox(a.counselor.actor, a.tenant_id, now=NOW)
    assert [x.step_n for x in counselor.items] == [3, 4] and all(x.can_act for x in counselor.items)
    assert svc.inbox(a.counselor.actor, a.tenant_id, scope="team", now=NOW).total == 2  # their role's
    p2 = svc.inbox(a.manager.actor, a.tenant_id, scope="team", page=2, per_page=3, now=NOW)
    assert [x.step_n for x in p2.items] == [4] and (p2.total, p2.page, p2.per_page) == (4, 2, 3)
    item = mine.items[0]
    assert item.instance_id == iid and item.code == "P90" and item.instance_title.startswith("P90 — ")
    with pytest.raises(Forbidden):
        svc.inbox(a.student.actor, a.tenant_id)
    assert svc.list_instances(a.counselor.actor, a.tenant_id, status="running", code="P90")[1] == 1


# ---------------------------------------------------------------- reminders

def test_reminders_mail_the_holders_once_a_day(world_a, run_outbox):
    a = world_a
    publish(a.tenant_id, procedure("P90", step(1, "career_counselor", due={"anchor": "instance_start",
                                                                           "offset_days": 1}),
                                   step(2, "manager", after=[], due={"anchor": "instance_start", "offset_days": 5}),
                                   step(3, "business_developer", after=[],
                                        due={"anchor": "instance_start", "offset_days": -1}),
                                   step(4, "student", after=[], due={"anchor": "instance_start", "offset_days": 0})))
    _start(a)
    now = NOW + timedelta(hours=2)
    assert svc.enqueue_task_reminders(now=now) == 2  # due in 22 h, overdue; the one in 5 days waits
    with system_session("t") as s:
        mails = {m.payload["to"]: m.payload for m in s.exec(select(OutboxMessage)).all()}
    assert set(mails) == {a.counselor.email, a.people["business_developer"].email}
    assert "Étape 1" in mails[a.counselor.email]["subject"]
    assert "/staff/inbox" in mails[a.counselor.email]["text"]  # the inbox page (cc_network/pages/procedures)
    assert mails[a.people["business_developer"].email]["subject"] != mails[a.counselor.email]["subject"]
    assert svc.enqueue_task_reminders(now=now + timedelta(hours=5)) == 0  # once a day
    assert svc.enqueue_task_reminders(now=now + timedelta(hours=25)) == 2
    assert set(run_outbox()) == {"sent"}


def test_reminders_run_from_beat():
    from cc_network.worker import TASK_MODULES, celery_app

    assert "workflows.procedures.tasks" in TASK_MODULES
    entry = celery_app.conf.beat_schedule["procedure-task-reminders"]
    assert entry["task"] == "workflows.procedures.send_task_reminders"
    assert entry["task"] in celery_app.tasks


# ---------------------------------------------------------------- triggers

def test_start_academic_year_starts_the_yearly_procedures_once(world_a):
    a = world_a
    year = _year(a)
    from workflows.procedures import catalog

    yearly = sorted(p.code for p in catalog.all_procedures() if p.trigger.type == "academic_year_start")
    assert yearly
    with pytest.raises(Forbidden):
        svc.start_academic_year(a.counselor.actor, a.tenant_id, year.id)
    started = svc.start_academic_year(a.manager.actor, a.tenant_id, year.id, now=NOW)
    assert sorted(v.code for v in started) == yearly
    assert all(v.subject_type == "academic_year" and v.subject_id == year.id for v in started)
    assert all(v.title.endswith("2026-2027") for v in started)
    assert svc.start_academic_year(None, a.tenant_id, year.id, now=NOW) == []  # once
    assert svc.list_instances(a.manager.actor, a.tenant_id, per_page=100)[1] == len(yearly)
    with pytest.raises(NotFound) as exc:
        svc.start_academic_year(a.manager.actor, a.tenant_id, 10**9)
    assert exc.value.code == "academic_year_not_found"


def test_due_dates_follow_the_academic_year_and_semester(world_a):
    a = world_a
    year = _year(a)
    publish(a.tenant_id, procedure("P90", step(1, "manager", due={"anchor": "academic_year_end", "offset_days": -30}),
                                   step(2, "manager", after=[], due={"anchor": "semester_2_start",
                                                                      "offset_days": 0})))
    iid = _start(a, subject_type="academic_year", subject_id=year.id).id
    assert instance(a.tenant_id, iid).title == "P90 — Procédure P90 2026-2027"
    t1, t2 = task_of(a.tenant_id, iid, 1), task_of(a.tenant_id, iid, 2)
    assert t1.due_at == datetime.combine(date(2027, 6, 10), time(9, 0), tzinfo=CASA)
    assert t2.due_at == datetime.combine(date(2027, 2, 8), time(9, 0), tzinfo=CASA)
    again = _start(a, subject_type="academic_year", subject_id=year.id)
    assert again.id == iid  # one running instance per record


def test_creating_an_event_of_a_type_starts_its_procedure(world_a):
    a = world_a
    publish(a.tenant_id, procedure("P90", step(1, "career_counselor", due={"anchor": "event_start",
                                                                           "offset_days": -90}),
                                   trigger={"type": "event_created", "event_types": ["guest_speaker"]}))
    starts = datetime.combine((utcnow() + timedelta(days=120)).date(), time(10, 0), tzinfo=CASA)
    e = cal.do_create_event(a.counselor.actor, a.tenant_id, {
        "type": "guest_speaker", "title": "Parcours d'un DRH", "starts_at": starts,
        "ends_at": starts + timedelta(hours=2)})
    rows, total = svc.list_instances(a.manager.actor, a.tenant_id, code="P90")
    assert total == 1 and rows[0].trigger == "event_created"
    assert (rows[0].subject_type, rows[0].subject_id) == ("event", e.id)
    assert rows[0].title == "P90 — Procédure P90 Parcours d'un DRH"
    assert task_of(a.tenant_id, rows[0].id, 1).due_at == starts - timedelta(days=90)
    later = starts + timedelta(days=1)
    w = cal.do_create_event(a.counselor.actor, a.tenant_id, {
        "type": "workshop", "title": "CV", "starts_at": later, "ends_at": later + timedelta(hours=1)})
    assert svc.list_instances(a.manager.actor, a.tenant_id, code="P90")[1] == 1  # other types: not this one
    p08, n = svc.list_instances(a.manager.actor, a.tenant_id, code="P08")  # the book's workshop procedure
    assert n == 1 and p08[0].subject_id == w.id


# ---------------------------------------------------------------- the book's procedures

def test_procedures_list_and_swimlanes(world_a):
    a = world_a
    procs = svc.list_procedures(a.counselor.actor, a.tenant_id)
    assert [p.code for p in procs] == [f"P{i:02d}" for i in range(1, 32)]
    detail = svc.get_procedure(a.counselor.actor, a.tenant_id, "P01")
    assert detail.versions == [1] and detail.lanes[0] == "manager"
    assert [s.column for s in detail.steps] == list(range(len(detail.steps)))
    assert len(set(detail.lanes)) == len(detail.lanes) and {s.lane for s in detail.steps} == set(detail.lanes)
    approval = next(s for s in detail.steps if s.kind == "approval")
    assert approval.lane == "host_approver" and approval.branches
    revised = svc.get_procedure(a.counselor.actor, a.tenant_id, "P01").steps
    publish(a.tenant_id, procedure("P01", step(1, "manager"), version=2))
    assert svc.get_procedure(a.counselor.actor, a.tenant_id, "P01").versions == [1, 2]
    assert len(svc.get_procedure(a.counselor.actor, a.tenant_id, "P01", 1).steps) == len(revised)
    assert len(svc.get_procedure(a.counselor.actor, a.tenant_id, "P01").steps) == 1
    with pytest.raises(NotFound):
        svc.get_procedure(a.counselor.actor, a.tenant_id, "P01", 7)
    with pytest.raises(Forbidden):
        svc.list_procedures(a.student.actor, a.tenant_id)


def test_p01_the_annual_action_plan_from_draft_to_host_approval(world_a):
    """The manager starts P01 for the new year; counselors and the business developer get their
    review tasks; the plan goes through the meeting; the host approver approves from their inbox."""
    a = world_a
    year = _year(a)
    bd, approver = a.people["business_developer"], a.people["host_approver"]
    iid = _start(a, "P01", subject_type="academic_year", subject_id=year.id).id
    assert by_step(a.tenant_id, iid)[1] == [("manager", OPEN)]
    svc.do_complete_task(a.manager.actor, a.tenant_id, task_of(a.tenant_id, iid, 1).id, now=NOW)
    reviews = {x.role for x in svc.inbox(a.counselor.actor, a.tenant_id, now=NOW).items} | \
        {x.role for x in svc.inbox(bd.actor, a.tenant_id, now=NOW).items}
    assert reviews == {"career_counselor", "business_developer"}
    for person in (a.counselor, bd):
        for item in svc.inbox(person.actor, a.tenant_id, now=NOW).items:
            svc.do_complete_task(person.actor, a.tenant_id, item.id, now=NOW)
    for person in (a.manager, a.counselor, bd):  # step 3: the plan built together in the meeting
        item = svc.inbox(person.actor, a.tenant_id, now=NOW).items[0]
        assert item.step_n == 3 and item.meeting
        svc.do_complete_task(person.actor, a.tenant_id, item.id, now=NOW)
    svc.do_complete_task(a.manager.actor, a.tenant_id, task_of(a.tenant_id, iid, 4).id, now=NOW)
    item = svc.inbox(approver.actor, a.tenant_id, now=NOW).items[0]
    assert item.kind == "approval" and item.can_act and ("approve" in dict(item.branches))
    svc.do_decide(approver.actor, a.tenant_id, item.id, "approve", now=NOW)
    with pytest.raises(Conflict):
        svc.do_decide(approver.actor, a.tenant_id, item.id, "approve", now=NOW)
    last = svc.inbox(a.manager.actor, a.tenant_id, now=NOW).items
    assert [x.step_n for x in last] == [6]
    svc.do_complete_task(a.manager.actor, a.tenant_id, last[0].id, now=NOW)
    assert instance(a.tenant_id, iid).status == COMPLETED


def test_a_centre_publishes_its_own_version_and_running_instances_keep_theirs(world_a):
    a = world_a
    old = _start(a, "P01")
    revised = {"title_en": "Annual plan (short)", "title_fr": "Plan annuel (court)", "family": "planning",
               "steps": [step(1, "manager", kind="document"), step(2, "host_approver", kind="approval")]}
    with pytest.raises(Forbidden):
        svc.do_publish_version(a.counselor.actor, a.tenant_id, "P01", revised)
    bad = {**revised, "steps": [step(1, "manager", after=[5])]}
    for payload in (bad, "steps", None):
        with pytest.raises(Invalid) as exc:
            svc.do_publish_version(a.manager.actor, a.tenant_id, "P01", payload)
        assert exc.value.code == "invalid_definition"
    detail = svc.do_publish_version(a.manager.actor, a.tenant_id, "P01", revised, change_note="shorter")
    assert (detail.version, detail.versions, len(detail.steps)) == (2, [1, 2], 2)
    assert svc.do_publish_version(a.manager.actor, a.tenant_id, "P01", revised).versions == [1, 2, 3]
    assert svc.get_procedure(a.counselor.actor, a.tenant_id, "P01").version == 3
    new = _start(a, "P01")
    assert (new.version, new.steps_total) == (3, 2)
    assert svc.get_instance(a.manager.actor, a.tenant_id, old.id).instance.version == 1
    assert svc.get_instance(a.manager.actor, a.tenant_id, old.id).instance.steps_total == old.steps_total > 2
