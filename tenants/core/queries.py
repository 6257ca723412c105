"""Lookups of the tenancy core. Another tenant's object answers NotFound."""

from __future__ import annotations

from sqlmodel import Session, select

from integrations.errors import NotFound
from tenants.core.models import Account, Membership, Tenant


def get_tenant_by_slug(session: Session, slug: str) -> Tenant:
    tenant = session.exec(select(Tenant).where(Tenant.slug == (slug or "").strip().lower())).first()
    if tenant is None or not tenant.active:
        raise NotFound("unknown centre", code="unknown_tenant", slug=slug)
    return tenant


def get_tenant(session: Session, tenant_id: int) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("unknown centre", code="unknown_tenant")
    return tenant


def find_account_by_email(session: Session, email: str) -> Account | None:
    return session.exec(select(Account).where(Account.email == normalize_email(email))).first()


def get_membership_in_tenant(session: Session, membership_id: int, tenant_id: int) -> Membership:
    m = session.exec(
        select(Membership).where(Membership.id == membership_id, Membership.tenant_id == tenant_id)
    ).first()
    if m is None:
        raise NotFound("member not found")
    return m


def membership_of(session: Session, account_id: int, tenant_id: int) -> Membership | None:
    return session.exec(
        select(Membership).where(Membership.account_id == account_id, Membership.tenant_id == tenant_id)
    ).first()


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()
