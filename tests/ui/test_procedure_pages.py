"""The procedure pages (issue 6): the catalogue, a flowchart with swimlanes, the instances and
an instance's sheet, and the inboxes of staff and of the host institution, their handlers run
in-process as signed-in people of a centre."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from integrations.db import system_session, utcnow
from tenants.calendar.services import do_create_event
from tests.ui.matrix_parts.procedures import open_task
from tests.ui.test_handler_isolation import app_handlers, call, session_cookie
from workflows.procedures import services as proc
from workflows.procedures.models import ProcedureInstance, ProcedureTask

CATALOGUE = "/staff/procedures"
INSTANCES = "/staff/procedures/instances"


def _cookie(person) -> str:
    return session_cookie(person.account_id, person.tenant_id)


def _run(state, key: str, *args):
    result = app_handlers()[key][1].fn(state, *args)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def _instances(tenant_id: int) -> list[ProcedureInstance]:
    with system_session("test") as s:
        return list(s.exec(select(ProcedureInstance).where(ProcedureInstance.tenant_id == tenant_id)
                           .order_by(ProcedureInstance.id)).all())


def _task(task_id: int) -> ProcedureTask:
    with system_session("test") as s:
        return s.get(ProcedureTask, task_id)


# ---------------------------------------------------------------- the catalogue

def test_the_catalogue_lists_the_31_procedures_by_family_and_the_manager_starts_one(world_a):
    state, _ = call("CatalogueState.on_load", _cookie(world_a.manager), CATALOGUE, ())
    assert state.error == "" and state.allowed and state.can_manage
    assert len(state.rows) == 31 and {r.code for r in state.rows} == {f"P{i:02d}" for i in range(1, 32)}
    families = [r.family for r in state.rows]
    assert families == sorted(families)  # grouped, each family headed once
    assert sum(r.first_of_family for r in state.rows) == len(set(families))
    p01 = next(r for r in state.rows if r.code == "P01")
    assert (p01.title_fr, p01.version, p01.running) == ("Élaborer le plan d'action annuel", 1, 0)
    assert p01.title_en and p01.trigger

    _run(state, "CatalogueState.open_start", "P99")  # not a listed procedure: nothing opens
    assert state.start_code == "" and state.error == ""
    _run(state, "CatalogueState.open_start", "P01")
    assert state.start_code == "P01" and state.error == ""
    # bad input: a label too long, an unknown procedure: a clear message, nothing started
    _run(state, "CatalogueState.start", {"code": "P01", "label": "x" * 101})
    assert state.error == "error.invalid" and _instances(world_a.tenant_id) == []
    _run(state, "CatalogueState.start", {"code": "P99", "label": ""})
    assert state.error == "error.not_found" and _instances(world_a.tenant_id) == []
    _run(state, "CatalogueState.start", "not a form")
    assert state.error == "error.invalid" and _instances(world_a.tenant_id) == []

    redirect = _run(state, "CatalogueState.start", {"code": "P01", "label": "2027-2028"})
    [inst] = _instances(world_a.tenant_id)
    assert inst.code == "P01" and inst.title.endswith("2027-2028") and inst.status == "running"
    assert state.error == "" and state.notice == "ui.proc.started" and state.start_code == ""
    assert next(r for r in state.rows if r.code == "P01").running == 1
    assert redirect is not None and f"/staff/procedures/instances/{inst.id}" in str(redirect)


def test_a_counselor_sees_the_catalogue_but_cannot_start_and_a_student_is_sent_away(world_a):
    state, _ = call("CatalogueState.on_load", _cookie(world_a.counselor), CATALOGUE, ())
    assert state.allowed and not state.can_manage and len(state.rows) == 31
    _run(state, "CatalogueState.start", {"code": "P01", "label": "2027-2028"})
    assert state.error == "error.forbidden" and _instances(world_a.tenant_id) == []

    state, redirect = call("CatalogueState.on_load", _cookie(world_a.student), CATALOGUE, ())
    assert not state.allowed and state.rows == [] and redirect


# ---------------------------------------------------------------- the flowchart

def test_the_flowchart_of_p01_has_a_lane_per_role_and_a_column_per_step(world_a):
    state, _ = call("FlowchartState.on_load", _cookie(world_a.counselor), "/staff/procedures/P01", ())
    assert state.error == "" and state.found and state.shown_code == "P01" and state.version == 1
    assert state.columns == [1, 2, 3, 4, 5, 6]
    lanes = {lane.key: lane for lane in state.lanes}
    assert {"manager", "career_counselor", "host_approver"} <= set(lanes)
    assert lanes["manager"].role_key == "ui.role.manager"
    # every step is drawn once, in its lane's row and its own column
    for col, n in enumerate(state.columns):
        cards = [lane.cells[col] for lane in state.lanes if lane.cells[col].has]
        assert [c.n for c in cards] == [n]
        assert all(len(lane.cells) == len(state.columns) for lane in state.lanes)
    approval = lanes["host_approver"].cells[4]
    assert approval.has and approval.n == 5 and approval.kind == "approval"
    # the outcomes and where they lead: "Refuse" goes back to step 4
    assert [(b.goto, b.ends) for b in approval.branches] == [("", False), ("4", False)]
    assert approval.branches[0].label == "Valider" and approval.after == "4"
    assert [(d.ref, d.use) for d in approval.documents][0] == ("M30", "output")
    meeting = lanes["manager"].cells[2]
    assert meeting.n == 3 and meeting.meeting_key == "ui.calendar.type.weekly_coordination_meeting"

    # only a listed version is chosen
    _run(state, "FlowchartState.choose_version", "7")
    assert state.version == 1 and state.found
    state, _ = call("FlowchartState.on_load", _cookie(world_a.counselor), "/staff/procedures/P99", ())
    assert not state.found and state.error == "error.not_found" and state.lanes == []


# ---------------------------------------------------------------- instances

def test_the_manager_follows_cancels_and_reassigns_an_instance(world_a):
    m = world_a.manager
    first = proc.do_start_instance(m.actor, world_a.tenant_id, "P01", label="2027-2028")
    second = proc.do_start_instance(m.actor, world_a.tenant_id, "P01", label="2028-2029")
    state, _ = call("InstancesState.on_load", _cookie(m), INSTANCES, ())
    assert state.error == "" and state.allowed and state.total == 2
    assert {r.id for r in state.rows} == {first.id, second.id}
    assert all((r.steps_done, r.steps_total, r.status) == (0, 6, "running") for r in state.rows)
    _run(state, "InstancesState.apply_filters", {"status": "completed", "code": ""})
    assert state.rows == [] and state.total == 0 and state.error == ""
    _run(state, "InstancesState.apply_filters", {"status": "bogus", "code": ""})
    assert state.error == "error.invalid" and state.f_status == "completed"
    _run(state, "InstancesState.clear_filters")
    assert state.total == 2

    path = f"{INSTANCES}/{first.id}"
    state, _ = call("InstanceState.on_load", _cookie(m), path, ())
    assert state.found and state.can_manage and state.status == "running" and state.steps_total == 6
    step1 = next(t for t in state.tasks if t.step_n == 1)
    assert step1.status == "open" and step1.role == "manager" and step1.assignee == ""

    # reassign: to someone without the role, refused; to the manager, named on the task
    _run(state, "InstanceState.open_reassign", step1.id)
    assert state.dialog == "reassign" and state.editing_id == step1.id
    assert [o.value for o in state.members] == [str(m.membership_id)]
    _run(state, "InstanceState.reassign", {"task_id": str(step1.id), "membership_id": str(world_a.student.membership_id)})
    assert state.error == "error.not_role_holder" and _task(step1.id).assignee_membership_id is None
    _run(state, "InstanceState.reassign", {"task_id": str(step1.id), "membership_id": str(m.membership_id)})
    assert state.error == "" and state.notice == "ui.proc.reassigned"
    assert _task(step1.id).assignee_membership_id == m.membership_id
    assert next(t for t in state.tasks if t.id == step1.id).assignee != ""

    # cancel: the reason is required
    _run(state, "InstanceState.open_cancel")
    _run(state, "InstanceState.cancel", {"reason": "  "})
    assert state.error == "error.reason_required" and _instances(world_a.tenant_id)[0].status == "running"
    _run(state, "InstanceState.cancel", {"reason": "Plan repris dans une autre instance"})
    assert state.error == "" and state.notice == "ui.proc.cancelled" and state.status == "cancelled"
    assert _instances(world_a.tenant_id)[0].status == "cancelled"
    assert _task(step1.id).status == "cancelled"

    # a counselor sees the sheet, cannot cancel the other one
    state, _ = call("InstanceState.on_load", _cookie(world_a.counselor), f"{INSTANCES}/{second.id}", ())
    assert state.found and not state.can_manage
    _run(state, "InstanceState.cancel", {"reason": "Pas à moi"})
    assert state.error == "error.forbidden" and _instances(world_a.tenant_id)[1].status == "running"
    state, _ = call("InstanceState.on_load", _cookie(world_a.counselor), f"{INSTANCES}/999999", ())
    assert not state.found and state.error == "error.not_found"


# ---------------------------------------------------------------- inboxes

def test_p01_runs_from_the_inboxes_up_to_the_host_approval(world_a):
    """The manager starts the plan; counselors and the business developer get their review
    tasks; the host institution's approver approves it from the host inbox."""
    w, tid = world_a, world_a.tenant_id
    inst = proc.do_start_instance(w.manager.actor, tid, "P01", label="2027-2028")

    state, _ = call("InboxState.on_load", _cookie(w.manager), "/staff/inbox", ())
    assert state.error == "" and state.allowed and state.area == "staff" and state.can_team
    [mine] = state.items
    assert (mine.step_n, mine.instance_id, mine.can_act, mine.branches) == (1, inst.id, True, [])
    assert mine.instance_title.endswith("2027-2028")
    # someone who does not hold it cannot do it
    counselor, _ = call("InboxState.on_load", _cookie(w.counselor), "/staff/inbox", ())
    assert counselor.items == []
    _run(counselor, "InboxState.complete", {"task_id": str(mine.id), "note": ""})
    assert counselor.error == "error.not_task_holder" and _task(mine.id).status == "open"
    _run(counselor, "InboxState.open_complete", mine.id)  # not on the counselor's page
    assert counselor.dialog == "" and counselor.editing_id == 0

    _run(state, "InboxState.open_complete", mine.id)
    assert state.dialog == "complete" and state.editing_id == mine.id
    _run(state, "InboxState.complete", {"task_id": str(mine.id), "note": "Brouillon issu du PV de clôture"})
    assert state.error == "" and state.notice == "ui.proc.task_done" and state.dialog == ""
    done = _task(mine.id)
    assert (done.status, done.note, done.completed_by_membership_id) == (
        "done", "Brouillon issu du PV de clôture", w.manager.membership_id)
    # completing twice: a clear message, nothing changes
    _run(state, "InboxState.complete", {"task_id": str(mine.id), "note": "encore"})
    assert state.error == "error.task_already_done" and _task(mine.id).note == "Brouillon issu du PV de clôture"

    # step 2 lands with the counselor and the business developer; the manager's team tab sees both
    _run(state, "InboxState.choose_tab", "team")
    assert state.tab == "team" and {t.step_n for t in state.items} == {2}
    counselor, _ = call("InboxState.on_load", _cookie(w.counselor), "/staff/inbox", ())
    [review] = counselor.items
    assert review.step_n == 2 and review.can_act and not counselor.can_team
    _run(counselor, "InboxState.choose_tab", "team")  # not a manager: stays on their own tasks
    assert counselor.tab == "mine" and [t.id for t in counselor.items] == [review.id]
    _run(counselor, "InboxState.open_skip", review.id)
    assert counselor.dialog == "skip"
    _run(counselor, "InboxState.skip", {"task_id": str(review.id), "reason": ""})
    assert counselor.error == "error.reason_required" and _task(review.id).status == "open"
    _run(counselor, "InboxState.skip", {"task_id": str(review.id), "reason": "Rien à ajouter"})
    assert counselor.error == "" and counselor.notice == "ui.proc.skipped" and _task(review.id).status == "skipped"
    assert counselor.items == []
    bizdev = w.people["business_developer"]
    proc.do_complete_task(bizdev.actor, tid, open_task(w, inst.id, 2, "business_developer"))
    for role, person in (("manager", w.manager), ("career_counselor", w.counselor),
                         ("business_developer", bizdev)):
        proc.do_complete_task(person.actor, tid, open_task(w, inst.id, 3, role))
    proc.do_complete_task(w.manager.actor, tid, open_task(w, inst.id, 4, "manager"))

    # the approval is in the host institution's inbox, with its outcomes
    host, _ = call("InboxState.on_load", _cookie(w.people["host_approver"]), "/host/inbox", ())
    assert host.error == "" and host.area == "host" and not host.can_team
    [approval] = host.items
    assert approval.step_n == 5 and approval.can_act and {b.key for b in approval.branches} >= {"approve", "refuse"}
    _run(host, "InboxState.open_decide", approval.id, "maybe")
    assert host.dialog == "" and host.error == "error.unknown_branch"
    _run(host, "InboxState.decide", {"task_id": str(approval.id), "branch": "maybe", "note": ""})
    assert host.error == "error.unknown_branch" and _task(approval.id).status == "open"
    _run(host, "InboxState.complete", {"task_id": str(approval.id), "note": ""})
    assert host.error == "error.branch_required" and _task(approval.id).status == "open"
    _run(host, "InboxState.open_decide", approval.id, "approve")
    assert host.dialog == "decide" and host.editing_branch == "approve" and host.editing_branch_label
    _run(host, "InboxState.decide", {"task_id": str(approval.id), "branch": "approve", "note": "Validé"})
    assert host.error == "" and host.notice == "ui.proc.decided" and host.items == []
    t = _task(approval.id)
    assert (t.status, t.branch, t.note) == ("done", "approve", "Validé")
    # approving twice
    _run(host, "InboxState.decide", {"task_id": str(approval.id), "branch": "refuse", "note": ""})
    assert host.error == "error.task_already_done" and _task(approval.id).branch == "approve"
    # the manager's last step (distribute) is now open
    state, _ = call("InboxState.on_load", _cookie(w.manager), "/staff/inbox", ())
    assert [x.step_n for x in state.items] == [6]


def test_the_inbox_tabs_overdue_and_this_week_and_the_record_a_task_concerns(world_a):
    w, tid = world_a, world_a.tenant_id
    event = do_create_event(w.counselor.actor, tid, {"type": "workshop", "title": "Atelier CV",
                                                      "starts_at": "2031-03-03T10:00:00+01:00",
                                                      "ends_at": "2031-03-03T12:00:00+01:00"})
    late = proc.do_start_instance(w.manager.actor, tid, "P01", label="en retard")
    soon = proc.do_start_instance(w.manager.actor, tid, "P01", subject_type="event", subject_id=event.id)
    late_task, soon_task = open_task(w, late.id, 1), open_task(w, soon.id, 1)
    now = utcnow()
    with system_session("test") as s:
        s.exec(update(ProcedureTask).where(ProcedureTask.id == late_task).values(due_at=now - timedelta(days=2)))
        s.exec(update(ProcedureTask).where(ProcedureTask.id == soon_task).values(due_at=now + timedelta(days=3)))
        s.commit()
    state, _ = call("InboxState.on_load", _cookie(w.manager), "/staff/inbox", ())
    # soonest due first (creating the workshop started its own procedure, due later)
    assert [t.id for t in state.items][:2] == [late_task, soon_task]
    assert (state.overdue_count, state.week_count) == (1, 1)
    late_row, soon_row = state.items[:2]
    assert late_row.overdue and late_row.due and not soon_row.overdue
    assert (soon_row.subject_type, soon_row.subject_id, soon_row.subject_key) == ("event", event.id,
                                                                                  "ui.proc.subject.event")
    _run(state, "InboxState.choose_tab", "overdue")
    assert [t.id for t in state.items] == [late_task] and state.total == 1
    _run(state, "InboxState.choose_tab", "week")
    assert [t.id for t in state.items] == [soon_task]
    _run(state, "InboxState.choose_tab", "everything")  # not a tab: nothing changes
    assert state.tab == "week"
    # the page follows its area: a host person is sent from /staff/inbox to their own area
    host, redirect = call("InboxState.on_load", _cookie(w.people["host_approver"]), "/staff/inbox", ())
    assert redirect and not host.allowed and host.items == []


def test_an_empty_inbox_and_a_student_without_one(world_a):
    state, _ = call("InboxState.on_load", _cookie(world_a.people["intern"]), "/staff/inbox", ())
    assert state.allowed and state.items == [] and state.total == 0 and state.pages == 1
    state, redirect = call("InboxState.on_load", _cookie(world_a.student), "/staff/inbox", ())
    assert redirect and not state.allowed


def test_handlers_refuse_any_payload_they_do_not_expect(world_a):
    """Clients may call a handler with anything: a clear message, nothing changed."""
    w = world_a
    inst = proc.do_start_instance(w.manager.actor, w.tenant_id, "P01", label="2027-2028")
    task_id = open_task(w, inst.id, 1, "manager")
    before = (_task(task_id).status, _task(task_id).assignee_membership_id, _instances(w.tenant_id))
    inbox, _ = call("InboxState.on_load", _cookie(w.manager), "/staff/inbox", ())
    for key, payload in (("InboxState.complete", "nope"), ("InboxState.complete", {"task_id": "abc"}),
                         ("InboxState.complete", {"task_id": str(task_id), "note": ["x"]}),
                         ("InboxState.decide", {"task_id": "-1", "branch": "approve"}),
                         ("InboxState.skip", {"task_id": str(task_id), "reason": "x" * 2000}),
                         ("InboxState.complete", {"task_id": str(task_id), "note": "x" * 5000})):
        inbox.error = ""
        _run(inbox, key, payload)
        assert inbox.error == "error.invalid", (key, payload, inbox.error)
    for bad in (None, "1; drop", True, -3, 10**30):
        _run(inbox, "InboxState.open_complete", bad)
        assert inbox.dialog == "" and inbox.editing_id == 0
    sheet, _ = call("InstanceState.on_load", _cookie(w.manager), f"{INSTANCES}/{inst.id}", ())
    for payload in ("nope", {"task_id": str(task_id), "membership_id": "x"}, {"task_id": "0", "membership_id": "1"}):
        sheet.error = ""
        _run(sheet, "InstanceState.reassign", payload)
        assert sheet.error == "error.invalid", payload
    _run(sheet, "InstanceState.cancel", {"reason": {"x": 1}})
    assert sheet.error == "error.invalid"
    flow, _ = call("FlowchartState.on_load", _cookie(w.manager), "/staff/procedures/P01", ())
    _run(flow, "FlowchartState.choose_version", {"v": 1})
    assert flow.version == 1 and flow.error == ""
    assert (_task(task_id).status, _task(task_id).assignee_membership_id, _instances(w.tenant_id)) == before
