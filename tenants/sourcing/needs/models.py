"""Job needs (the company's job description) and company access to the portal (P22.1)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index, text
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


class NeedKind(StrEnum):
    JOB = "job"
    INTERNSHIP = "internship"


class NeedSource(StrEnum):
    PORTAL = "portal"  # the company contact submitted it
    EMAIL = "email"  # received by e-mail, entered by staff
    STAFF = "staff"  # met in person, entered by staff
    API = "api"


class NeedStatus(StrEnum):
    """The columns of the pipeline board, in order, then the two ends."""

    RECEIVED = "received"
    SHEET_READY = "sheet_ready"
    SOURCING = "sourcing"
    SHORTLISTED = "shortlisted"
    PREPARING = "preparing"
    SENT = "sent"
    OUTCOMES = "outcomes"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# P19: at this many positions the centre proposes a recruitment day instead of sending
# profiles directly. The book says "more than 10" in P19.1 and "fewer than 10" in P19.2,
# leaving exactly 10 uncovered; we read 10 as a recruitment day (catalogue, contradiction C-P19).
RECRUITMENT_DAY_THRESHOLD = 10


class JobNeed(TenantOwned, table=True):
    __tablename__ = "job_need"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "company_id"], ["company.tenant_id", "company.id"]),
        ForeignKeyConstraint(["tenant_id", "submitted_by_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "owner_membership_id"], ["membership.tenant_id", "membership.id"]),
        Index("ix_job_need_company", "tenant_id", "company_id", "status"),
        Index("ix_job_need_status", "tenant_id", "status", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int
    submitted_by_membership_id: int | None = None
    source: str = Field(max_length=10)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=8000)
    kind: str = Field(max_length=12)
    place: str = Field(default="", max_length=200)
    positions: int
    # StudyField ids; empty means any field
    field_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    level: str = Field(default="", max_length=20)
    skills: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    languages: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    start_date: date | None = None
    deadline: date
    status: str = Field(default=NeedStatus.RECEIVED.value, max_length=12)
    # the business developer in charge (P22); NULL until someone takes it
    owner_membership_id: int | None = None
    # the job sheet (fiche de poste) made from the need
    sheet: str = Field(default="", max_length=8000)
    sheet_sent_at: datetime | None = Field(default=None, sa_column=ts_column())
    # hand-off to the communication counselor (P22.3), until the communications module takes it
    publication_requested_at: datetime | None = Field(default=None, sa_column=ts_column())
    received_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    sheet_ready_at: datetime | None = Field(default=None, sa_column=ts_column())
    first_shortlisted_at: datetime | None = Field(default=None, sa_column=ts_column())
    sent_at: datetime | None = Field(default=None, sa_column=ts_column())
    closed_at: datetime | None = Field(default=None, sa_column=ts_column())
    cancel_reason: str = Field(default="", max_length=1000)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


_PENDING = text("status = 'pending'")


class CompanyAccessRequest(TenantOwned, table=True):
    """A company asking for access to the company portal; approved or rejected by the centre.
    Approval creates (or links) the company, the person and a company_contact membership."""

    __tablename__ = "company_access_request"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "company_id"], ["company.tenant_id", "company.id"]),
        ForeignKeyConstraint(["tenant_id", "handled_by_membership_id"], ["membership.tenant_id", "membership.id"]),
        # one open request per e-mail: a second submission answers "already requested"
        Index("uq_company_access_request_open", "tenant_id", "email", unique=True,
              sqlite_where=_PENDING, postgresql_where=_PENDING),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_name: str = Field(max_length=200)
    full_name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    phone: str = Field(default="", max_length=30)
    job_title: str = Field(default="", max_length=150)
    message: str = Field(default="", max_length=2000)
    status: str = Field(default="pending", max_length=10)  # pending | approved | rejected
    company_id: int | None = None  # the company it was linked to on approval
    requested_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    handled_by_membership_id: int | None = None
    handled_at: datetime | None = Field(default=None, sa_column=ts_column())
    rejection_reason: str = Field(default="", max_length=2000)
