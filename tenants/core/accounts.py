"""Creating people with their memberships: the CLI's `user create` and the demo network.

Self sign-up and invitations have their own rules (tenants.auth, tenants.team); this is
the administrative path: a network admin (or the system, `actor=None`, for the CLI)
creates an account with a password, an optional network role and memberships.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from integrations.errors import Conflict, Forbidden, Invalid
from tenants.auth.passwords import check_policy, hash_password
from tenants.auth.services import clean_email, clean_name
from tenants.core.actor import Actor
from tenants.core.models import Account, Membership
from tenants.core.queries import find_account_by_email, get_tenant_by_slug
from tenants.core.roles import NETWORK_ROLES, Responsibility, Role, parse_roles
from tenants.core.services import audit


@dataclass(frozen=True)
class MembershipSpec:
    tenant_slug: str
    roles: tuple[str, ...]
    responsibilities: tuple[str, ...] = field(default_factory=tuple)


def do_create_account(session: Session, actor: Actor | None, *, email: str, password: str,
                      full_name: str = "", network_role: str | None = None,
                      memberships: list[MembershipSpec] | tuple[MembershipSpec, ...] = (),
                      password_hash: str | None = None) -> Account:
    """One account, network-wide, with its memberships; all or nothing (the caller commits).

    `password_hash` lets a bulk loader hash one shared password once; the policy is
    still checked against the clear password.
    """
    if actor is not None and not actor.is_network_admin:
        raise Forbidden("only network administrators create accounts")
    email = clean_email(email)
    full_name = clean_name(full_name or email.split("@")[0].replace(".", " ").title())
    if network_role:
        try:
            network_role = Role(network_role).value
        except ValueError as exc:
            raise Invalid(f"unknown network role: {network_role}", code="invalid_role") from exc
        if Role(network_role) not in NETWORK_ROLES:
            raise Invalid(f"not a network role: {network_role}", code="invalid_role")
    check_policy(password, email=email)
    # Validate every membership before writing anything, so a refusal changes nothing.
    planned: list[tuple[int, list[str], list[str]]] = []
    for spec in memberships:
        tenant = get_tenant_by_slug(session, spec.tenant_slug)
        try:
            roles = parse_roles(list(spec.roles))
        except ValueError as exc:
            raise Invalid(str(exc), code="invalid_role") from exc
        if not roles:
            raise Invalid("choose at least one role", code="roles_required")
        resp: list[str] = []
        for r in spec.responsibilities:
            try:
                value = Responsibility(r).value
            except ValueError as exc:
                raise Invalid(f"unknown responsibility: {r}", code="invalid_role") from exc
            if value not in resp:
                resp.append(value)
        if resp and Role.CAREER_COUNSELOR.value not in roles:
            raise Invalid("responsibilities are for career counselors", code="invalid_role")
        if any(t == tenant.id for t, _, _ in planned):
            raise Invalid(f"centre given twice: {tenant.slug}", code="invalid_role")
        planned.append((tenant.id, roles, resp))
    if find_account_by_email(session, email):
        raise Conflict("an account with this e-mail exists", code="email_taken")
    account = Account(email=email, full_name=full_name, network_role=network_role,
                      password_hash=password_hash or hash_password(password))
    session.add(account)
    session.flush()
    for tenant_id, roles, resp in planned:
        m = Membership(tenant_id=tenant_id, account_id=account.id, roles=roles, responsibilities=resp)
        session.add(m)
        session.flush()
        audit(session, actor, "member.created", tenant_id=tenant_id, target_type="membership",
              target_id=m.id, email=email, roles=roles)
    return account
