"""Committees are groups the manager forms (P31.4, P21.1-4): the counselors named to them in
the team get the committee's tasks; while nobody is named, every counselor does."""

from __future__ import annotations

from tenants.team.services import do_update_member
from tests.conftest import create_person
from workflows.procedures import services as svc


def _committee_task_titles(actor, tenant_id) -> list[str]:  # noqa: ANN001
    return [t.title for t in svc.inbox(actor, tenant_id, per_page=100).items if t.code == "P31" and t.step_n == 7]


def _reach_step_7(a, inst_id: int) -> None:  # noqa: ANN001
    """Completes P31's steps up to the committee's session (step 7) as their holders."""
    for _ in range(20):
        tasks = [t for t in svc.inbox(a.manager.actor, a.tenant_id, scope="team", per_page=100).items
                 if t.instance_id == inst_id]
        if any(t.step_n == 7 for t in tasks):
            return
        t = tasks[0]
        holder = {"career_counselor": a.counselor}.get(t.role) or a.people[t.role]
        if t.branches:
            svc.do_decide_task(holder.actor, a.tenant_id, t.id, branch=t.branches[0][0])
        else:
            svc.do_complete_task(holder.actor, a.tenant_id, t.id)
    raise AssertionError("step 7 not reached")


def test_the_named_committee_gets_its_tasks(world_a):
    a = world_a
    other = create_person("other.counselor@a.test", tenant_id=a.tenant_id, roles=["career_counselor"])
    do_update_member(a.manager.actor, a.tenant_id, a.counselor.membership_id,
                     responsibilities=["coordination", "procedure_committee"])
    inst = svc.do_start_instance(a.manager.actor, a.tenant_id, "P31", label="S1")
    _reach_step_7(a, inst.id)
    assert _committee_task_titles(a.counselor.actor, a.tenant_id)
    assert not _committee_task_titles(other.actor, a.tenant_id)  # not on the committee
    assert _committee_task_titles(a.manager.actor, a.tenant_id)  # the manager leads it


def test_while_nobody_is_named_every_counselor_is_on_it(world_a):
    a = world_a
    other = create_person("other.counselor@a.test", tenant_id=a.tenant_id, roles=["career_counselor"])
    inst = svc.do_start_instance(a.manager.actor, a.tenant_id, "P31", label="S1")
    _reach_step_7(a, inst.id)
    assert _committee_task_titles(a.counselor.actor, a.tenant_id)
    assert _committee_task_titles(other.actor, a.tenant_id)
