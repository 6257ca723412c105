"""A centre's team: list members, invite by e-mail, change roles, deactivate (issue 2 §7, §10)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast
from sqlmodel import Session, func, select

from integrations import outbox
from integrations.crypto import token_hash
from integrations.db import system_session, tenant_session, transaction
from integrations.errors import Conflict, Invalid, NotFound
from integrations.i18n import t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from tenants.auth.services import clean_email, clean_name, create_reset_token
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.queries import find_account_by_email, get_membership_in_tenant
from tenants.core.roles import Perm, Responsibility, Role, parse_roles
from tenants.core.services import audit

INVITE_HOURS = 24 * 7
MAX_PAGE = 200


# Called (session, tenant_id, membership_id) in the same transaction whenever a member is
# deactivated or reactivated: the sourcing search index follows it.
MEMBER_ACTIVE_HOOKS: list[Callable[[Session, int, int], None]] = []


def _member_active_changed(s: Session, tenant_id: int, membership_id: int) -> None:
    for fn in MEMBER_ACTIVE_HOOKS:
        fn(s, tenant_id, membership_id)


@dataclass(frozen=True)
class MemberView:
    membership_id: int
    account_id: int
    email: str
    full_name: str
    roles: tuple[str, ...]
    responsibilities: tuple[str, ...]
    active: bool
    joined_at: datetime
    has_password: bool


@dataclass(frozen=True)
class MemberPage:
    items: list[MemberView]
    total: int
    page: int
    per_page: int


def _clean_roles(roles: list[str] | tuple[str, ...]) -> list[str]:
    try:
        out = parse_roles(list(roles or []))
    except ValueError as exc:
        raise Invalid(str(exc), code="invalid_role") from exc
    if not out:
        raise Invalid("choose at least one role", code="roles_required")
    return out


def _clean_responsibilities(values: list[str] | tuple[str, ...], roles: list[str]) -> list[str]:
    out: list[str] = []
    for v in values or []:
        try:
            r = Responsibility(str(v).strip()).value
        except ValueError as exc:
            raise Invalid(f"unknown responsibility: {v}", code="invalid_role") from exc
        if r not in out:
            out.append(r)
    return out if Role.CAREER_COUNSELOR.value in roles else []


def list_members(actor: Actor, tenant_id: int, *, page: int = 1, per_page: int = 50,
                 query: str = "", role: str = "", include_inactive: bool = True) -> MemberPage:
    require(actor, Perm.TEAM_VIEW, tenant_id=tenant_id)
    page = max(int(page or 1), 1)
    per_page = min(max(int(per_page or 50), 1), MAX_PAGE)
    with tenant_session(tenant_id) as s:
        q = select(Membership, Account).join(Account, Account.id == Membership.account_id)
        if not include_inactive:
            q = q.where(Membership.active)
        query = "".join(ch for ch in (query or "") if ch.isprintable()).strip()
        if query:
            like = f"%{query.lower()}%"
            q = q.where(func.lower(Account.email).like(like) | func.lower(Account.full_name).like(like))
        if role:
            if role not in {r.value for r in Role}:
                raise Invalid(f"unknown role: {role}", code="invalid_role")
            # roles are a JSON list of plain names: the quoted name matches exactly one role
            q = q.where(cast(Membership.roles, String).like(f'%"{role}"%'))
        total = s.exec(select(func.count()).select_from(q.subquery())).one()
        chunk = s.exec(q.order_by(Account.full_name, Membership.id).offset((page - 1) * per_page)
                       .limit(per_page)).all()
        items = [MemberView(m.id, a.id, a.email, a.full_name, tuple(m.roles), tuple(m.responsibilities),
                            m.active, m.created_at, a.password_hash is not None) for m, a in chunk]
        return MemberPage(items, total, page, per_page)


def get_member(actor: Actor, tenant_id: int, membership_id: int) -> MemberView:
    require(actor, Perm.TEAM_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        m = get_membership_in_tenant(s, membership_id, tenant_id)
        a = _account(s, m.account_id)
        return MemberView(m.id, a.id, a.email, a.full_name, tuple(m.roles), tuple(m.responsibilities),
                          m.active, m.created_at, a.password_hash is not None)


def _account(s: Session, account_id: int) -> Account:
    a = s.get(Account, account_id)
    if a is None:
        raise NotFound("member not found")
    return a


def do_invite_member(actor: Actor, tenant_id: int, *, email: str, full_name: str, roles: list[str],
                     responsibilities: list[str] | None = None) -> MemberView:
    """Invite by e-mail. A new person gets an account and a link to choose a password;
    someone who already has an account (from another centre) is added and told."""
    require(actor, Perm.TEAM_MANAGE, tenant_id=tenant_id)
    email = clean_email(email)
    full_name = clean_name(full_name)
    roles = _clean_roles(roles)
    resp = _clean_responsibilities(responsibilities or [], roles)
    base = get_settings().base_url
    with system_session("team invitation: account lookup") as s:
        tenant = s.get(Tenant, tenant_id)
        if tenant is None:
            raise NotFound("unknown centre", code="unknown_tenant")
        with transaction(s):
            account = find_account_by_email(s, email)
            is_new = account is None
            if account is None:
                account = Account(email=email, full_name=full_name)
                s.add(account)
                s.flush()
            existing = s.exec(select(Membership).where(Membership.tenant_id == tenant_id,
                                                       Membership.account_id == account.id)).first()
            if existing is not None and existing.active:
                raise Conflict("already a member", code="already_member")
            if existing is not None:  # re-invite a deactivated member
                existing.roles, existing.responsibilities, existing.active = roles, resp, True
                membership = existing
            else:
                membership = Membership(tenant_id=tenant_id, account_id=account.id, roles=roles,
                                        responsibilities=resp, invited_by_account_id=actor.account_id)
            s.add(membership)
            s.flush()
            _member_active_changed(s, tenant_id, membership.id)
            lang = account.locale or "fr"
            params = dict(name=account.full_name, inviter=actor.full_name or actor.email,
                          tenant=tenant.name, roles=", ".join(roles))
            if is_new or account.password_hash is None:
                token = create_reset_token(s, account, purpose="invite", hours=INVITE_HOURS)
                subject = t("mail.invite.subject", lang, **params)
                body = t("mail.invite.body", lang, link=f"{base}/reset?token={token}", **params)
                key = f"invite:{token_hash(token)}"
            else:
                subject = t("mail.added.subject", lang, **params)
                body = t("mail.added.body", lang, link=f"{base}/login", **params)
                key = f"added:{tenant_id}:{membership.id}:{int(membership.created_at.timestamp())}:{account.id}"
            outbox.enqueue(s, EMAIL_KIND, {"to": account.email, "subject": subject, "text": body},
                           key=key, tenant_id=tenant_id)
            audit(s, actor, "member.invited", tenant_id=tenant_id, target_type="membership",
                  target_id=membership.id, email=email, roles=roles)
        return MemberView(membership.id, account.id, account.email, account.full_name, tuple(roles),
                          tuple(resp), True, membership.created_at, account.password_hash is not None)


def _active_managers(s: Session, tenant_id: int) -> list[Membership]:
    rows = s.exec(select(Membership).where(Membership.tenant_id == tenant_id, Membership.active)).all()
    return [m for m in rows if Role.MANAGER.value in m.roles]


def do_change_roles(actor: Actor, tenant_id: int, membership_id: int, *, roles: list[str],
                    responsibilities: list[str] | None = None) -> MemberView:
    require(actor, Perm.TEAM_MANAGE, tenant_id=tenant_id)
    roles = _clean_roles(roles)
    resp = _clean_responsibilities(responsibilities or [], roles)
    with tenant_session(tenant_id) as s, transaction(s):
        m = get_membership_in_tenant(s, membership_id, tenant_id)
        if Role.MANAGER.value in m.roles and Role.MANAGER.value not in roles and m.active:
            if len(_active_managers(s, tenant_id)) <= 1:
                raise Conflict("the centre must keep a manager", code="last_manager")
        before = list(m.roles)
        m.roles, m.responsibilities = roles, resp
        s.add(m)
        audit(s, actor, "member.roles_changed", tenant_id=tenant_id, target_type="membership",
              target_id=m.id, before=before, after=roles, responsibilities=resp)
        a = _account(s, m.account_id)
        return MemberView(m.id, a.id, a.email, a.full_name, tuple(roles), tuple(resp), m.active,
                          m.created_at, a.password_hash is not None)


def do_set_member_active(actor: Actor, tenant_id: int, membership_id: int, *, active: bool) -> MemberView:
    """Deactivate (or reactivate) a member. Deactivation keeps every record they made."""
    require(actor, Perm.TEAM_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        m = get_membership_in_tenant(s, membership_id, tenant_id)
        if not active:
            if m.account_id == actor.account_id:
                raise Conflict("you cannot deactivate yourself", code="self_deactivate")
            if Role.MANAGER.value in m.roles and m.active and len(_active_managers(s, tenant_id)) <= 1:
                raise Conflict("the centre must keep a manager", code="last_manager")
        m.active = bool(active)
        s.add(m)
        _member_active_changed(s, tenant_id, m.id)
        audit(s, actor, "member.activated" if active else "member.deactivated", tenant_id=tenant_id,
              target_type="membership", target_id=m.id)
        a = _account(s, m.account_id)
        return MemberView(m.id, a.id, a.email, a.full_name, tuple(m.roles), tuple(m.responsibilities),
                          m.active, m.created_at, a.password_hash is not None)


def do_update_member(actor: Actor, tenant_id: int, membership_id: int, *, roles: list[str] | None = None,
                     responsibilities: list[str] | None = None, active: bool | None = None) -> MemberView:
    """Change roles/responsibilities and/or (de)activate in one transaction, so a refused
    part leaves the whole member unchanged (the REST PATCH)."""
    require(actor, Perm.TEAM_MANAGE, tenant_id=tenant_id)
    if roles is None and responsibilities is None and active is None:
        raise Invalid("nothing to change", code="nothing_to_change")
    new_roles = _clean_roles(roles) if roles is not None else None
    with tenant_session(tenant_id) as s, transaction(s):
        m = get_membership_in_tenant(s, membership_id, tenant_id)
        roles_after = new_roles if new_roles is not None else list(m.roles)
        resp_source = responsibilities if responsibilities is not None else list(m.responsibilities)
        resp_after = _clean_responsibilities(resp_source, roles_after)
        active_after = m.active if active is None else bool(active)
        if not active_after and m.active and m.account_id == actor.account_id:
            raise Conflict("you cannot deactivate yourself", code="self_deactivate")
        was_manager = m.active and Role.MANAGER.value in m.roles
        stays_manager = active_after and Role.MANAGER.value in roles_after
        if was_manager and not stays_manager and len(_active_managers(s, tenant_id)) <= 1:
            raise Conflict("the centre must keep a manager", code="last_manager")
        if roles_after != list(m.roles) or resp_after != list(m.responsibilities):
            audit(s, actor, "member.roles_changed", tenant_id=tenant_id, target_type="membership",
                  target_id=m.id, before=list(m.roles), after=roles_after, responsibilities=resp_after)
            m.roles, m.responsibilities = roles_after, resp_after
        if active_after != m.active:
            audit(s, actor, "member.activated" if active_after else "member.deactivated",
                  tenant_id=tenant_id, target_type="membership", target_id=m.id)
            m.active = active_after
        s.add(m)
        _member_active_changed(s, tenant_id, m.id)
        a = _account(s, m.account_id)
        return MemberView(m.id, a.id, a.email, a.full_name, tuple(m.roles), tuple(m.responsibilities),
                          m.active, m.created_at, a.password_hash is not None)
