"""Small procedure definitions for the engine's tests, published as a centre's own version
(P31) so each test runs exactly the graph it describes."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from integrations.db import system_session, tenant_session
from tenants.core.models import AuditEvent, Membership
from workflows.procedures.models import (
    PUBLISHED,
    ProcedureInstance,
    ProcedureTask,
    ProcedureVersion,
)
from workflows.procedures.schema import Procedure


def step(n: int, *roles: str, kind: str = "task", **kw: Any) -> dict:
    actors = []
    for r in roles or ("manager",):
        role, _, resp = r.partition(":")
        a: dict[str, Any] = {"role": role}
        if resp:
            a["responsibility"] = resp
        actors.append(a)
    for a in kw.pop("fallbacks", []):
        actors[a[0]]["fallback"] = a[1]
    return {"n": n, "title_en": f"Step number {n}", "title_fr": f"Étape {n}", "kind": kind, "actors": actors, **kw}


def procedure(code: str, *steps: dict, version: int = 2, trigger: dict | None = None) -> Procedure:
    return Procedure.model_validate({
        "code": code, "version": version, "title_en": f"Test procedure {code}", "title_fr": f"Procédure {code}",
        "family": "planning", "trigger": trigger or {"type": "manual"}, "steps": list(steps)})


def publish(tenant_id: int, proc: Procedure) -> Procedure:
    with tenant_session(tenant_id) as s:
        s.add(ProcedureVersion(tenant_id=tenant_id, code=proc.code, version=proc.version, status=PUBLISHED,
                               definition=proc.model_dump(mode="json")))
        s.commit()
    return proc


def tasks(tenant_id: int, instance_id: int) -> list[ProcedureTask]:
    with tenant_session(tenant_id) as s:
        return list(s.exec(select(ProcedureTask).where(ProcedureTask.instance_id == instance_id)
                           .order_by(ProcedureTask.step_n, ProcedureTask.id)).all())


def by_step(tenant_id: int, instance_id: int) -> dict[int, list[tuple[str, str]]]:
    """{step: [(role, status), ...]}"""
    out: dict[int, list[tuple[str, str]]] = {}
    for x in tasks(tenant_id, instance_id):
        out.setdefault(x.step_n, []).append((x.role, x.status))
    return out


def task_of(tenant_id: int, instance_id: int, n: int, role: str | None = None) -> ProcedureTask:
    rows = [x for x in tasks(tenant_id, instance_id) if x.step_n == n and (role is None or x.role == role)]
    assert len(rows) == 1, rows
    return rows[0]


def instance(tenant_id: int, instance_id: int) -> ProcedureInstance:
    with tenant_session(tenant_id) as s:
        return s.exec(select(ProcedureInstance).where(ProcedureInstance.id == instance_id)).one()


def snapshot(tenant_id: int) -> tuple:
    """Everything the engine writes in a centre, to prove a refused request changed nothing."""
    with tenant_session(tenant_id) as s:
        t = [(x.id, x.status, x.branch, x.note, x.completed_at, x.assignee_membership_id, x.due_at)
             for x in s.exec(select(ProcedureTask).order_by(ProcedureTask.id)).all()]
        i = [(x.id, x.status, x.completed_at) for x in s.exec(select(ProcedureInstance)).all()]
        a = len(s.exec(select(AuditEvent.id)).all())
    return t, i, a


def set_active(membership_id: int, active: bool) -> None:
    with system_session("test") as s:
        m = s.get(Membership, membership_id)
        m.active = active
        s.commit()
