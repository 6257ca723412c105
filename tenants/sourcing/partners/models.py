"""Partner map and contacts (BD01): companies, the people linked to them, the history of
interactions. Duplicates are found through normalised keys and merged, never deleted."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKeyConstraint, Index
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


class CompanySize(StrEnum):
    MICRO = "micro"  # fewer than 10 people
    SMALL = "small"  # 10-49
    MEDIUM = "medium"  # 50-249
    LARGE = "large"  # 250 and more


class Relationship(StrEnum):
    PROSPECT = "prospect"
    CONTACTED = "contacted"
    ACTIVE = "active"
    PARTNER = "partner"  # a signed partnership (convention)
    DORMANT = "dormant"


class PersonKind(StrEnum):
    HR = "hr"
    MANAGER = "manager"
    GUEST_SPEAKER = "guest_speaker"
    ALUMNI = "alumni"
    OTHER = "other"


class InteractionKind(StrEnum):
    MEETING = "meeting"
    CALL = "call"
    EMAIL = "email"
    EVENT = "event"
    VISIT = "visit"
    JOB_NEED = "job_need"
    OTHER = "other"


class Company(TenantOwned, table=True):
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "merged_into_id"], ["company.tenant_id", "company.id"]),
        Index("ix_company_name_key", "tenant_id", "name_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # lower-case, accents and legal suffixes stripped: what duplicate detection compares
    name_key: str = Field(max_length=200)
    sector: str = Field(default="", max_length=150)
    size: str = Field(default="", max_length=10)
    city: str = Field(default="", max_length=100)
    website: str = Field(default="", max_length=300)
    relationship: str = Field(default=Relationship.PROSPECT.value, max_length=20)
    key_partner: bool = False
    notes: str = Field(default="", max_length=4000)
    # set when this row was merged into another one; merged rows are hidden from lists
    merged_into_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class Person(TenantOwned, table=True):
    """A contact: HR, guest speaker, alumnus... A company contact who signs in to the company
    portal is a person with a membership (role company_contact)."""

    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "company_id"], ["company.tenant_id", "company.id"]),
        ForeignKeyConstraint(["tenant_id", "membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "merged_into_id"], ["person.tenant_id", "person.id"]),
        Index("ix_person_email", "tenant_id", "email"),
        Index("ix_person_company", "tenant_id", "company_id"),
        Index("ix_person_membership", "tenant_id", "membership_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    full_name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)
    kind: str = Field(default=PersonKind.HR.value, max_length=20)
    email: str = Field(default="", max_length=254)  # stored lower-case
    phone: str = Field(default="", max_length=30)
    job_title: str = Field(default="", max_length=150)
    company_id: int | None = None
    membership_id: int | None = None
    notes: str = Field(default="", max_length=4000)
    merged_into_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class Interaction(TenantOwned, table=True):
    """One entry of a company's history: a meeting, a call, a need received..."""

    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "company_id"], ["company.tenant_id", "company.id"]),
        ForeignKeyConstraint(["tenant_id", "person_id"], ["person.tenant_id", "person.id"]),
        ForeignKeyConstraint(["tenant_id", "by_membership_id"], ["membership.tenant_id", "membership.id"]),
        Index("ix_interaction_company_at", "tenant_id", "company_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int
    person_id: int | None = None
    kind: str = Field(max_length=20)
    at: datetime = Field(sa_column=ts_column(nullable=False))
    summary: str = Field(max_length=4000)
    by_membership_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
