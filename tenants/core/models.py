"""Tenancy core tables: tenants, accounts, memberships, audit trail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


class TenantKind(StrEnum):
    UNIVERSITY = "university"
    BUSINESS_SCHOOL = "business_school"
    VOCATIONAL_INSTITUTE = "vocational_institute"
    OTHER = "other"


class Tenant(SQLModel, table=True):
    """A host institution and its Career Center."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=63, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(default=TenantKind.UNIVERSITY.value, max_length=40)
    timezone: str = Field(default="Africa/Casablanca", max_length=64)
    locale: str = Field(default="fr", max_length=8)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class Account(SQLModel, table=True):
    """One person, network-wide (DESIGN §5). E-mail is stored lower-cased."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    full_name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=255)
    # network_admin or external_evaluator; None for everyone else
    network_role: str | None = Field(default=None, max_length=40)
    locale: str = Field(default="fr", max_length=8)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    last_login_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class Membership(TenantOwned, table=True):
    """A person's place in one centre, with roles."""

    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "account_id"))

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # counselors: communication / coordination / ambassador_programme
    responsibilities: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    invited_by_account_id: int | None = Field(default=None, foreign_key="account.id")


class AuditEvent(TenantOwned, table=True):
    """Who did what in a centre, kept for the manager (audit trail)."""

    __tablename__ = "audit_event"
    __table_args__ = tenant_table_args()

    id: int | None = Field(default=None, primary_key=True)
    actor_account_id: int | None = Field(default=None, foreign_key="account.id")
    action: str = Field(max_length=80, index=True)
    target_type: str = Field(default="", max_length=60)
    target_id: str = Field(default="", max_length=60)
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False, index=True))
