"""The record of one meeting of the team (P03): what it gathered to review, its minutes, the
decisions taken there, and the next week's plan (M32) sent afterwards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index, UniqueConstraint
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow

# The team's meetings that keep a record: their calendar event types (tenants/calendar/types.py),
# which are also the `meeting` keys of the procedure steps reviewed there.
MEETING_KINDS = ("weekly_coordination_meeting", "monthly_management_meeting", "semester_meeting",
                 "annual_closing_meeting")
OPEN, CLOSED = "open", "closed"


class MeetingRecord(TenantOwned, table=True):
    """One meeting, tied to its calendar event. Opened before or at the meeting; closed when
    the minutes are final, which sends them (and, weekly, the next week's plan M32)."""

    __tablename__ = "meeting_record"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "event_id"], ["event.tenant_id", "event.id"], ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "event_id"),
        Index("ix_meeting_record_kind", "tenant_id", "kind", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int
    kind: str = Field(max_length=40)  # one of MEETING_KINDS: the event's type
    status: str = Field(default=OPEN, max_length=12)
    minutes: str = Field(default="", max_length=50_000)
    # what the meeting had before it when opened: statistics of the past week, reports due
    # (kept as they were, so the record reads the same later)
    snapshot: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    opened_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    opened_by_membership_id: int | None = None
    closed_at: datetime | None = Field(default=None, sa_column=ts_column())
    closed_by_membership_id: int | None = None
    plan_sent_at: datetime | None = Field(default=None, sa_column=ts_column())


class MeetingItem(TenantOwned, table=True):
    """A procedure task handled in a meeting: what was decided there, and by whom."""

    __tablename__ = "meeting_item"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "meeting_id"], ["meeting_record.tenant_id", "meeting_record.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "task_id"], ["procedure_task.tenant_id", "procedure_task.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "meeting_id", "task_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(index=True)
    task_id: int
    outcome: str = Field(default="", max_length=40)  # the branch chosen, or "done"
    note: str = Field(default="", max_length=4000)
    decided_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    decided_by_membership_id: int | None = None
