"""Job and internship offers (P12): where they come from, who collected them, their
publication (ambassadors first, then every student) and the students' interest."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKeyConstraint, Index, UniqueConstraint
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


class SourceKind(StrEnum):
    JOB_BOARD = "job_board"
    COMPANY = "company"
    NETWORK = "network"
    HOST_INSTITUTION = "host_institution"
    SOCIAL_NETWORK = "social_network"
    OTHER = "other"


class OfferStatus(StrEnum):
    COLLECTED = "collected"
    AMBASSADORS = "ambassadors"  # published to ambassadors first
    PUBLISHED = "published"  # on the portal for every student
    CLOSED = "closed"


class OfferSource(TenantOwned, table=True):
    __tablename__ = "offer_source"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "name"))

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=150)
    kind: str = Field(max_length=20)
    url: str = Field(default="", max_length=500)
    active: bool = True


class Offer(TenantOwned, table=True):
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "source_id"], ["offer_source.tenant_id", "offer_source.id"]),
        ForeignKeyConstraint(["tenant_id", "company_id"], ["company.tenant_id", "company.id"]),
        ForeignKeyConstraint(["tenant_id", "need_id"], ["job_need.tenant_id", "job_need.id"], ondelete="SET NULL"),
        ForeignKeyConstraint(["tenant_id", "collected_by_membership_id"], ["membership.tenant_id", "membership.id"]),
        Index("ix_offer_status", "tenant_id", "status", "deadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int | None = None
    company_id: int | None = None
    company_name: str = Field(default="", max_length=200)  # when the company is not in BD01
    # the job need this offer advertises, when it came through P22; interest feeds its shortlist
    need_id: int | None = None
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=8000)
    kind: str = Field(max_length=12)  # job | internship
    place: str = Field(default="", max_length=200)
    url: str = Field(default="", max_length=500)
    deadline: date | None = None
    # the best offers go to ambassadors first (P12.3)
    featured: bool = False
    status: str = Field(default=OfferStatus.COLLECTED.value, max_length=12)
    collected_by_membership_id: int | None = None
    collected_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    ambassadors_at: datetime | None = Field(default=None, sa_column=ts_column())
    published_at: datetime | None = Field(default=None, sa_column=ts_column())
    closed_at: datetime | None = Field(default=None, sa_column=ts_column())


class OfferInterest(TenantOwned, table=True):
    __tablename__ = "offer_interest"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "offer_id"], ["offer.tenant_id", "offer.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "student_membership_id"], ["membership.tenant_id", "membership.id"]),
        UniqueConstraint("tenant_id", "offer_id", "student_membership_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    offer_id: int
    student_membership_id: int
    note: str = Field(default="", max_length=1000)
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
