"""The activity calendar of a centre (T01/T02, M33): academic calendar, rooms, events."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index, UniqueConstraint
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


def _json(**kw) -> Column:
    return Column(JSON, nullable=False, **kw)


class AcademicYear(TenantOwned, table=True):
    __tablename__ = "academic_year"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "label"))

    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(max_length=20)  # "2026-2027"
    starts_on: date
    ends_on: date


class Semester(TenantOwned, table=True):
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "academic_year_id"], ["academic_year.tenant_id", "academic_year.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "academic_year_id", "number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    academic_year_id: int = Field(index=True)
    number: int
    starts_on: date
    ends_on: date


class Holiday(TenantOwned, table=True):
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "academic_year_id"], ["academic_year.tenant_id", "academic_year.id"],
                             ondelete="CASCADE"),
    )

    id: int | None = Field(default=None, primary_key=True)
    academic_year_id: int = Field(index=True)
    name: str = Field(max_length=120)
    starts_on: date
    ends_on: date


class Room(TenantOwned, table=True):
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "name"))

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    location: str = Field(default="", max_length=200)
    capacity: int | None = None
    active: bool = True


class EventSeries(TenantOwned, table=True):
    """A recurring activity (RFC 5545 RRULE in the centre's local time), e.g. the weekly meeting."""

    __tablename__ = "event_series"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "academic_year_id"], ["academic_year.tenant_id", "academic_year.id"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    academic_year_id: int | None = Field(default=None, index=True)
    type: str = Field(max_length=40)
    title: str = Field(max_length=200)
    rrule: str = Field(max_length=300)
    local_start: time
    duration_minutes: int
    timezone: str = Field(max_length=64)
    skip_holidays: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class Event(TenantOwned, table=True):
    """One activity or meeting: the event entry form (T02) and event sheet (M33)."""

    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "room_id"], ["room.tenant_id", "room.id"]),
        ForeignKeyConstraint(["tenant_id", "series_id"], ["event_series.tenant_id", "event_series.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "organiser_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "coordination_membership_id"],
                             ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "communication_membership_id"],
                             ["membership.tenant_id", "membership.id"]),
        UniqueConstraint("tenant_id", "uid"),
        Index("ix_event_tenant_starts", "tenant_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=100)  # iCalendar UID, stable across updates
    type: str = Field(max_length=40, index=True)
    title: str = Field(max_length=200)
    theme: str = Field(default="", max_length=200)
    description: str = ""
    starts_at: datetime = Field(sa_column=ts_column(nullable=False))
    ends_at: datetime = Field(sa_column=ts_column(nullable=False))
    timezone: str = Field(max_length=64)
    room_id: int | None = Field(default=None)
    address: str = Field(default="", max_length=300)
    online_url: str = Field(default="", max_length=500)
    organiser_membership_id: int | None = Field(default=None)
    coordination_membership_id: int | None = Field(default=None)
    communication_membership_id: int | None = Field(default=None)
    # {"fields": [...], "levels": [...], "establishments": [...]}
    audience: dict = Field(default_factory=dict, sa_column=_json())
    capacity: int | None = None
    registered_count: int = 0
    waitlist_last_seq: int = 0  # the last waitlist number given (numbers are never reused)
    registration_opens_at: datetime | None = Field(default=None, sa_column=ts_column())
    registration_closes_at: datetime | None = Field(default=None, sa_column=ts_column())
    # [{"kind": "company|speaker|sponsor|association", "name": ..., "contribution": ...}]
    partners: list = Field(default_factory=list, sa_column=_json())
    # [{"label": ..., "amount": ..., "currency": "MAD"}]
    budget_lines: list = Field(default_factory=list, sa_column=_json())
    # [{"task": ..., "owner_membership_id": ..., "due_on": "YYYY-MM-DD", "done": false}]
    logistics: list = Field(default_factory=list, sa_column=_json())
    # [{"name": ..., "url": ...}]
    attachments: list = Field(default_factory=list, sa_column=_json())
    publishes_photos: bool = False  # then image-rights waivers (M36) are required
    details: dict = Field(default_factory=dict, sa_column=_json())  # type-specific fields
    status: str = Field(default="draft", max_length=20, index=True)
    sequence: int = 0  # iCalendar SEQUENCE, bumped on every change attendees see
    series_id: int | None = Field(default=None, index=True)
    # closing (P08.8, T02): attendance, outcome, figures for reporting
    attendance_count: int | None = None
    outcome_notes: str = ""
    figures: dict = Field(default_factory=dict, sa_column=_json())
    manager_validated_at: datetime | None = Field(default=None, sa_column=ts_column())
    host_validated_at: datetime | None = Field(default=None, sa_column=ts_column())
    status_reason: str = Field(default="", max_length=500)
    created_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    # the event's VEVENT as last rendered by the icalendar library, and what it was rendered from
    ics_vevent: str = ""
    ics_key: str = Field(default="", max_length=40)


class EventStaff(TenantOwned, table=True):
    """People taking part in an event (besides the organiser): used for conflicts and feeds."""

    __tablename__ = "event_staff"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "event_id"], ["event.tenant_id", "event.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "membership_id"], ["membership.tenant_id", "membership.id"]),
        UniqueConstraint("tenant_id", "event_id", "membership_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(index=True)
    membership_id: int = Field(index=True)


class Availability(TenantOwned, table=True):
    """A counselor's weekly working hours, in the centre's local time (bookings use them)."""

    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "membership_id"], ["membership.tenant_id", "membership.id"],
                             ondelete="CASCADE"),
    )

    id: int | None = Field(default=None, primary_key=True)
    membership_id: int = Field(index=True)
    weekday: int  # 0 = Monday
    start_time: time
    end_time: time


class Absence(TenantOwned, table=True):
    """Leave or absence of a team member."""

    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "membership_id"], ["membership.tenant_id", "membership.id"],
                             ondelete="CASCADE"),
    )

    id: int | None = Field(default=None, primary_key=True)
    membership_id: int = Field(index=True)
    starts_at: datetime = Field(sa_column=ts_column(nullable=False))
    ends_at: datetime = Field(sa_column=ts_column(nullable=False))
    reason: str = Field(default="", max_length=200)


class CalendarFeed(TenantOwned, table=True):
    """A secret ICS subscription URL: personal (membership) or the centre's whole calendar."""

    __tablename__ = "calendar_feed"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "membership_id"], ["membership.tenant_id", "membership.id"],
                             ondelete="CASCADE"),
    )

    id: int | None = Field(default=None, primary_key=True)
    membership_id: int = Field(index=True)  # who made it
    scope: str = Field(default="personal", max_length=20)  # personal | tenant
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column())
