"""Visit sheets (P06) and kiosk tokens. Statistics (P24) count visits by (tenant_id, at)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


class Channel(StrEnum):
    WALK_IN = "walk_in"
    EVENT = "event"
    PHONE = "phone"
    ONLINE = "online"
    KIOSK = "kiosk"  # only set by a kiosk check-in


class Need(StrEnum):
    CV = "cv"
    COVER_LETTER = "cover_letter"
    INTERNSHIP = "internship"
    JOB = "job"
    ORIENTATION = "orientation"
    INTERVIEW_PREP = "interview_prep"
    ENTREPRENEURSHIP = "entrepreneurship"
    OTHER = "other"


class Visit(TenantOwned, table=True):
    """A visit sheet. `student_membership_id` is NULL once the student's data was deleted:
    the row stays (channel, needs, date) for the statistics."""

    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "student_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "logged_by_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "event_id"], ["event.tenant_id", "event.id"], ondelete="SET NULL"),
        ForeignKeyConstraint(["tenant_id", "kiosk_id"], ["kiosk_token.tenant_id", "kiosk_token.id"]),
        Index("ix_visit_tenant_at", "tenant_id", "at"),
        Index("ix_visit_student", "tenant_id", "student_membership_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    student_membership_id: int | None = None
    at: datetime = Field(sa_column=ts_column(nullable=False))
    channel: str = Field(max_length=20)
    needs: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    orientation: str = ""
    event_id: int | None = None
    # who filled the sheet; NULL for a kiosk check-in (then kiosk_id says which kiosk)
    logged_by_membership_id: int | None = None
    kiosk_id: int | None = None
    # the student was registered on the spot by this visit (P06.2)
    registered_here: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class KioskToken(TenantOwned, table=True):
    """The secret of a reception kiosk; shown once, stored hashed, revocable by the manager."""

    __tablename__ = "kiosk_token"
    __table_args__ = tenant_table_args()

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=ts_column())
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column())
