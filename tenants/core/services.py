"""Rules of the tenancy core: tenants, the audit trail, which centres a person sees."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from sqlalchemy import String, Table, bindparam, cast, insert
from sqlalchemy import select as core_select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, select

from integrations.db import system_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from tenants.core.actor import Actor, require
from tenants.core.models import Account, AuditEvent, Membership, Tenant, TenantKind
from tenants.core.roles import Perm

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?$")


def audit(session: Session, actor: Actor | None, action: str, *, tenant_id: int,
          target_type: str = "", target_id: object = "", **details: object) -> None:
    session.add(AuditEvent(
        tenant_id=tenant_id, actor_account_id=actor.account_id if actor else None, action=action,
        target_type=target_type, target_id=str(target_id), details=dict(details),
    ))


_INSERT_AUDIT = insert(AuditEvent.__table__)


def audit_now(session: Session | Connection, actor: Actor | None, action: str, *, tenant_id: int,
              target_type: str = "", target_id: object = "", **details: object) -> None:
    """The same row as `audit`, written at once by one INSERT: for hot paths that do not
    otherwise go through the ORM's unit of work."""
    conn = session.connection() if isinstance(session, Session) else session
    conn.execute(_INSERT_AUDIT, audit_row(actor, action, tenant_id, target_type, target_id, details))


def audit_row(actor: Actor | None, action: str, tenant_id: int, target_type: str, target_id: object,
              details: dict) -> dict:
    """An audit row's values, keyed by column (statements written by hand build on these keys)."""
    return {"tenant_id": tenant_id, "actor_account_id": actor.account_id if actor else None, "action": action,
            "target_type": target_type, "target_id": str(target_id), "details": dict(details), "at": utcnow()}


AUDIT_COLUMNS = tuple(audit_row(None, "", 0, "", "", {}))


@functools.lru_cache(maxsize=32)
def _insert_with_audit(table: Table, columns: tuple[str, ...]) -> Insert:
    """INSERT of one row and of its audit row in one statement (a data-modifying CTE),
    built once per table and column set so SQLAlchemy compiles it once."""
    row = insert(table).values({c: bindparam(f"row_{c}") for c in columns}).returning(table.c.id).cte("new_row")
    a = AuditEvent.__table__
    names = tuple(k for k in AUDIT_COLUMNS if k != "target_id")
    return insert(a).from_select(
        [*names, "target_id"],
        core_select(*(bindparam(f"audit_{n}", type_=a.c[n].type) for n in names), cast(row.c.id, String)),
    ).returning(a.c.target_id)


def insert_audited(conn: Connection, table: Table, values: dict, actor: Actor | None, action: str, *,
                   tenant_id: int, target_type: str, **details: object) -> int:
    """Insert one row and its audit row (target: the new row's id); returns the new id. On
    PostgreSQL both go in one statement, a round trip less on hot paths (registering)."""
    if conn.dialect.name != "postgresql":
        new_id = conn.execute(insert(table).returning(table.c.id), values).scalar_one()
        audit_now(conn, actor, action, tenant_id=tenant_id, target_type=target_type, target_id=new_id, **details)
        return new_id
    audit = audit_row(actor, action, tenant_id, target_type, "", details)
    del audit["target_id"]
    params = {f"row_{k}": v for k, v in values.items()} | {f"audit_{k}": v for k, v in audit.items()}
    return int(conn.execute(_insert_with_audit(table, tuple(values)), params).scalar_one())


def do_create_tenant(session: Session, actor: Actor | None, *, slug: str, name: str,
                     kind: str = TenantKind.UNIVERSITY.value, timezone: str = "Africa/Casablanca") -> Tenant:
    """Network admins create centres; `actor=None` is the CLI/system path."""
    if actor is not None and not actor.is_network_admin:
        raise Forbidden("only network administrators create centres")
    slug = (slug or "").strip().lower()
    name = (name or "").strip()
    if not SLUG_RE.match(slug):
        raise Invalid("slug: 3–63 lower-case letters, digits or dashes", code="invalid_slug")
    if not name:
        raise Invalid("name is required", code="name_required")
    try:
        kind = TenantKind(kind).value
    except ValueError as exc:
        raise Invalid(f"unknown kind {kind}", code="invalid_kind") from exc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid(f"unknown time zone {timezone}", code="invalid_timezone") from exc
    if session.exec(select(Tenant).where(Tenant.slug == slug)).first():
        raise Conflict("a centre with this slug exists", code="slug_taken")
    tenant = Tenant(slug=slug, name=name, kind=kind, timezone=timezone)
    session.add(tenant)
    session.flush()
    return tenant


@dataclass(frozen=True)
class TenantView:
    id: int
    slug: str
    name: str
    kind: str
    roles: tuple[str, ...]


def tenants_visible_to(account_id: int) -> list[TenantView]:
    """The centres a person may switch to: their active memberships; every centre for network admins."""
    with system_session("tenant switcher: memberships of one account") as s:
        account = s.get(Account, account_id)
        if account is None or not account.active:
            return []
        rows = s.exec(
            select(Tenant, Membership)
            .join(Membership, Membership.tenant_id == Tenant.id)
            .where(Membership.account_id == account_id, Membership.active, Tenant.active)
            .order_by(Tenant.name)
        ).all()
        out = {t.id: TenantView(t.id, t.slug, t.name, t.kind, tuple(m.roles)) for t, m in rows}
        if account.network_role == "network_admin":
            for t in s.exec(select(Tenant).where(Tenant.active).order_by(Tenant.name)).all():
                out.setdefault(t.id, TenantView(t.id, t.slug, t.name, t.kind, ()))
        return sorted(out.values(), key=lambda v: v.name)


def list_audit(session: Session, actor: Actor, *, limit: int = 50, before_id: int | None = None) -> list[AuditEvent]:
    require(actor, Perm.AUDIT_VIEW, tenant_id=session.info.get("tenant_id"))
    q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(min(max(limit, 1), 200))
    if before_id:
        q = q.where(AuditEvent.id < before_id)
    return list(session.exec(q).all())


def get_tenant_view(actor: Actor, tenant_id: int) -> TenantView:
    """One centre as its member sees it (another centre answers NotFound upstream)."""
    require(actor, Perm.TENANT_VIEW, tenant_id=tenant_id)
    with system_session("centre details") as s:
        t = s.get(Tenant, tenant_id)
        if t is None or not t.active:
            raise NotFound("unknown centre", code="unknown_tenant")
        return TenantView(t.id, t.slug, t.name, t.kind, tuple(sorted(actor.roles)))
