"""Recruitment days (P19): proposed for a need of 10 or more positions; the day itself is a
calendar event of type recruitment_day, so check-in, registrations and the evaluation form
(questionnaire) are the portal's own."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


class DayMode(StrEnum):
    OPEN_DOOR = "open_door"  # a communication campaign, anyone registers
    CLOSED_DOOR = "closed_door"  # direct invitations to the prioritised students


class DayStatus(StrEnum):
    PROPOSED = "proposed"  # waiting for availabilities
    SCHEDULED = "scheduled"  # the date is set and the event exists
    HELD = "held"
    CLOSED = "closed"  # results recorded
    CANCELLED = "cancelled"


class RecruitmentDay(TenantOwned, table=True):
    __tablename__ = "recruitment_day"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "need_id"], ["job_need.tenant_id", "job_need.id"]),
        ForeignKeyConstraint(["tenant_id", "event_id"], ["event.tenant_id", "event.id"], ondelete="SET NULL"),
        ForeignKeyConstraint(["tenant_id", "created_by_membership_id"], ["membership.tenant_id", "membership.id"]),
        UniqueConstraint("tenant_id", "need_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    need_id: int
    mode: str = Field(default=DayMode.CLOSED_DOOR.value, max_length=12)
    status: str = Field(default=DayStatus.PROPOSED.value, max_length=10)
    # dates offered by each side, ISO "YYYY-MM-DD"; the day is chosen from their intersection
    host_dates: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    company_dates: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    event_id: int | None = None
    created_by_membership_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
