"""Lookups of the procedure engine: one instance or task in the caller's tenant, the members
holding a role, and the inbox filters (issue 6 §3). Every function takes a tenant session,
whose loader criteria already confine it to one centre."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, false, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select

from tenants.core.models import Account, Membership
from workflows.procedures.models import OPEN, ProcedureInstance, ProcedureTask

SCOPES = ("mine", "team")
WHENS = ("all", "overdue", "week")
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Member:
    """A member of the centre as the engine sees them: roles and lines of work."""

    id: int
    roles: frozenset[str]
    responsibilities: frozenset[str]

    def holds(self, role: str, responsibility: str | None = None) -> bool:
        return role in self.roles and (responsibility is None or responsibility in self.responsibilities)


def get_instance_in_tenant(s: Session, instance_id: int, *, lock: bool = False) -> ProcedureInstance | None:
    """The instance, or None (another centre's answers None too). `lock`: taken FOR UPDATE so
    two changes of one instance run one after the other (SQLite's BEGIN IMMEDIATE already
    serialises writers)."""
    q = select(ProcedureInstance).where(ProcedureInstance.id == instance_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    return s.exec(q).first()


def get_task_in_tenant(s: Session, task_id: int) -> ProcedureTask | None:
    return s.exec(select(ProcedureTask).where(ProcedureTask.id == task_id)).first()


def tasks_of(s: Session, instance_id: int) -> list[ProcedureTask]:
    return list(s.exec(select(ProcedureTask).where(ProcedureTask.instance_id == instance_id)
                       .order_by(ProcedureTask.step_n, ProcedureTask.id)
                       .execution_options(populate_existing=True)).all())


def member(s: Session, membership_id: int | None) -> Member | None:
    if membership_id is None:
        return None
    m = s.exec(select(Membership).where(Membership.id == membership_id, Membership.active.is_(True))).first()
    if m is None:
        return None
    return Member(m.id, frozenset(m.roles or ()), frozenset(m.responsibilities or ()))


def members_holding(s: Session, roles: set[str], *, tenant_id: int | None = None) -> list[Member]:
    """Active members of the centre holding any of `roles`. The JSON role list is narrowed in
    SQL by a text match (portable across SQLite and PostgreSQL) so students are not loaded,
    then checked exactly here. `tenant_id`: for a system session, which has no tenant filter."""
    roles = {r for r in roles if r and r != "system"}
    if not roles:
        return []
    text = cast(Membership.roles, String)
    qy = select(Membership.id, Membership.roles, Membership.responsibilities).where(
        Membership.active.is_(True), or_(*[text.like(f'%"{r}"%') for r in sorted(roles)]))
    if tenant_id is not None:
        qy = qy.where(Membership.tenant_id == tenant_id)
    rows = s.exec(qy).all()
    out = []
    for mid, mroles, resps in rows:
        m = Member(mid, frozenset(mroles or ()), frozenset(resps or ()))
        if m.roles & roles:
            out.append(m)
    return out


def names(s: Session, membership_ids: set[int]) -> dict[int, str]:
    ids = {i for i in membership_ids if i is not None}
    if not ids:
        return {}
    rows = s.exec(select(Membership.id, Account.full_name).join(Account, Account.id == Membership.account_id)
                  .where(Membership.id.in_(ids))).all()
    return {mid: name for mid, name in rows}


def inbox_scope(me: Member | None, *, scope: str, sees_all: bool, host_roles: frozenset[str]) -> list[ColumnElement]:
    """The WHERE clauses of an inbox: open tasks, narrowed to the caller.

    mine: assigned to me, or to a role (and line of work) I hold with nobody named;
    team: every open task of the centre for the manager; others see every task of their roles,
    whoever holds it (host roles: the host institution's tasks)."""
    T = ProcedureTask
    where: list[ColumnElement] = [T.status == OPEN]
    if scope == "team":
        if not sees_all:
            roles = sorted((me.roles if me else frozenset()) | host_roles)
            where.append(T.role.in_(roles) if roles else false())
        return where
    if me is None:
        where.append(false())
        return where
    resp = or_(T.responsibility.is_(None), T.responsibility.in_(sorted(me.responsibilities))) \
        if me.responsibilities else T.responsibility.is_(None)
    where.append(or_(T.assignee_membership_id == me.id,
                     and_(T.assignee_membership_id.is_(None), T.role.in_(sorted(me.roles)), resp)))
    return where


def when_clause(when: str, now: datetime) -> list[ColumnElement]:
    T = ProcedureTask
    if when == "overdue":
        return [T.due_at.is_not(None), T.due_at < now]
    if when == "week":
        return [T.due_at.is_not(None), T.due_at >= now, T.due_at < now + WEEK]
    return []
