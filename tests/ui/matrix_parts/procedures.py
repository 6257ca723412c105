"""The isolation matrix of the procedure pages (issue 6): /staff/procedures, a flowchart, the
instances and an instance's sheet, and the inboxes (/staff/inbox, /host/inbox).

setup starts two instances of P01 in centre A, titled with a label only A may see: one
fresh (the manager's first task open), one advanced to the host institution's approval
(step 5, in A's host approver's inbox)."""

from __future__ import annotations

from collections.abc import Callable

from integrations.db import system_session
from tests.ui.matrix_cases import Probe, Public, View
from workflows.procedures import services as proc
from workflows.procedures.models import ProcedureInstance, ProcedureTask

CATALOGUE = "/staff/procedures"
INSTANCES = "/staff/procedures/instances"
INBOX = "/staff/inbox"
HOST_INBOX = "/host/inbox"


def open_task(world, instance_id: int, step_n: int, role: str | None = None) -> int:
    """The id of an open task of a step of an instance of `world`."""
    with system_session("test lookup") as s:
        from sqlmodel import select

        q = select(ProcedureTask).where(ProcedureTask.tenant_id == world.tenant_id,
                                        ProcedureTask.instance_id == instance_id, ProcedureTask.step_n == step_n,
                                        ProcedureTask.status == "open")
        if role:
            q = q.where(ProcedureTask.role == role)
        return s.exec(q.order_by(ProcedureTask.id)).first().id


def advance_p01_to_approval(world, label: str) -> tuple[int, int]:
    """Starts P01 and does steps 1 to 4: returns (instance id, the host approver's task id)."""
    inst = proc.do_start_instance(world.manager.actor, world.tenant_id, "P01", label=label)
    people = world.people
    for step, who in ((1, ["manager"]), (2, ["counselor", "business_developer"]),
                      (3, ["manager", "counselor", "business_developer"]), (4, ["manager"])):
        for key in who:
            person = people[key]
            role = {"counselor": "career_counselor"}.get(key, key)
            proc.do_complete_task(person.actor, world.tenant_id, open_task(world, inst.id, step, role))
    return inst.id, open_task(world, inst.id, 5, "host_approver")


def setup(a, ids: dict, secrets: list) -> None:
    fresh = proc.do_start_instance(a.manager.actor, a.tenant_id, "P01", label="Alpha secret plan")
    ids["proc_instance_id"] = fresh.id
    ids["proc_task_id"] = open_task(a, fresh.id, 1, "manager")
    ids["proc_manager_mid"] = a.manager.membership_id
    # step 2 asks for complements "only if needed": its counselor may skip it
    proposals = proc.do_start_instance(a.manager.actor, a.tenant_id, "P01", label="Alpha secret proposals")
    proc.do_complete_task(a.manager.actor, a.tenant_id, open_task(a, proposals.id, 1, "manager"))
    ids["proc_skip_task_id"] = open_task(a, proposals.id, 2, "career_counselor")
    approval_instance, approval_task = advance_p01_to_approval(a, "Alpha secret approval")
    ids["proc_approval_instance_id"], ids["proc_approval_task_id"] = approval_instance, approval_task
    secrets += ["Alpha secret plan", "Alpha secret proposals", "Alpha secret approval"]


def _instance(key: str) -> Callable[[dict], tuple]:
    def snap(a: dict) -> tuple:
        with system_session("matrix snapshot") as s:
            i = s.get(ProcedureInstance, a[key])
            return i.status, i.completed_at
    return snap


def _task(key: str) -> Callable[[dict], tuple]:
    def snap(a: dict) -> tuple:
        with system_session("matrix snapshot") as s:
            t = s.get(ProcedureTask, a[key])
            return t.status, t.branch, t.note, t.assignee_membership_id, t.completed_at
    return snap


def _sheet(key: str) -> Callable[[dict], str]:
    return lambda a: f"{INSTANCES}/{a[key]}"


ENTRIES: dict[str, Probe | View | Public] = {
    "CatalogueState.on_load": View(CATALOGUE),
    "CatalogueState.open_start": Public("opens the start dialog of a procedure of the book the page listed"),
    "CatalogueState.close_start": Public("closes a dialog"),
    # starts an instance in the caller's own centre only
    "CatalogueState.start": View(CATALOGUE, lambda a: ({"code": "P01", "label": "B's own plan"},)),
    "FlowchartState.on_load": View("/staff/procedures/P01"),
    "FlowchartState.choose_version": View("/staff/procedures/P01", lambda a: ("1",)),
    "InstancesState.on_load": View(INSTANCES),
    "InstancesState.apply_filters": View(INSTANCES, lambda a: ({"status": "running", "code": "P01"},)),
    "InstancesState.clear_filters": View(INSTANCES),
    "InstancesState.next_page": View(INSTANCES),
    "InstancesState.prev_page": View(INSTANCES),
    "InstanceState.on_load": View(_sheet("proc_instance_id")),
    "InstanceState.open_cancel": Public("opens a dialog"),
    "InstanceState.close_dialog": Public("closes a dialog"),
    "InstanceState.cancel": Probe(_sheet("proc_instance_id"), lambda a: ({"reason": "Stolen reason"},),
                                  _instance("proc_instance_id")),
    "InstanceState.open_reassign": Probe(_sheet("proc_instance_id"), lambda a: (a["proc_task_id"],),
                                         _task("proc_task_id"), expect="nothing"),
    "InstanceState.reassign": Probe(_sheet("proc_instance_id"), lambda a: (
        {"task_id": str(a["proc_task_id"]), "membership_id": str(a["proc_manager_mid"])},), _task("proc_task_id")),
    "InboxState.on_load": View(INBOX),
    "InboxState.choose_tab": View(INBOX, lambda a: ("team",)),
    "InboxState.next_page": View(INBOX),
    "InboxState.prev_page": View(INBOX),
    "InboxState.close_dialog": Public("closes a dialog"),
    "InboxState.open_complete": Probe(INBOX, lambda a: (a["proc_task_id"],), _task("proc_task_id"),
                                      expect="nothing"),
    "InboxState.open_skip": Probe(INBOX, lambda a: (a["proc_skip_task_id"],), _task("proc_skip_task_id"),
                                  expect="nothing", owner="counselor"),
    "InboxState.open_decide": Probe(HOST_INBOX, lambda a: (a["proc_approval_task_id"], "approve"),
                                    _task("proc_approval_task_id"), expect="nothing", owner="host_approver"),
    "InboxState.complete": Probe(INBOX, lambda a: ({"task_id": str(a["proc_task_id"]), "note": "Stolen"},),
                                 _task("proc_task_id")),
    "InboxState.skip": Probe(INBOX, lambda a: ({"task_id": str(a["proc_skip_task_id"]), "reason": "Stolen"},),
                             _task("proc_skip_task_id"), owner="counselor"),
    "InboxState.decide": Probe(HOST_INBOX, lambda a: ({"task_id": str(a["proc_approval_task_id"]),
                                                       "branch": "approve", "note": "Stolen"},),
                               _task("proc_approval_task_id"), owner="host_approver"),
}
