"""Statistics (T03) as one fact row per activity, fed by the three triggers of P24 (a visit, a
workshop's attendance, an event's visit sheets) and the individual sessions; and the reports
(weekly individual, weekly summary, M44 monthly, M45 semester, M46 annual) with versions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index, UniqueConstraint
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


class ActivityKind(StrEnum):
    VISIT = "visit"  # a visit sheet at the centre (P06)
    EVENT_VISIT = "event_visit"  # a student met at an event (one visit sheet each, P24.1)
    WORKSHOP_ATTENDANCE = "workshop_attendance"  # a student checked in at a workshop (P08)
    EVENT_ATTENDANCE = "event_attendance"  # checked in at another activity
    INDIVIDUAL_SESSION = "individual_session"  # a session held (P07)
    EVENT_HELD = "event_held"  # an activity closed with its attendance sheet (one row per event)


class ActivityRecord(TenantOwned, table=True):
    """One counted activity. Written by the statistics service when its source happens; the
    (kind, source_id) key makes feeding idempotent. Dimensions are copied at that moment so a
    later profile change or deletion does not rewrite past statistics."""

    __tablename__ = "activity_record"
    __table_args__ = tenant_table_args(
        UniqueConstraint("tenant_id", "kind", "source_id"),
        # covering on PostgreSQL: a month's figures are read from the index alone
        Index("ix_activity_record_at", "tenant_id", "at", "kind",
              postgresql_include=["event_type", "late", "student_membership_id", "counselor_membership_id",
                                  "establishment_id", "field_id", "level", "gender"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)
    source_id: int  # the visit, registration, booking or event it counts
    at: datetime = Field(sa_column=ts_column(nullable=False))
    event_id: int | None = None
    event_type: str = Field(default="", max_length=40)
    counselor_membership_id: int | None = None
    student_membership_id: int | None = None
    establishment_id: int | None = None
    field_id: int | None = None
    level: str = Field(default="", max_length=20)
    gender: str = Field(default="", max_length=10)
    # when it reached the statistics, and whether that was after its week's cut-off (P24.2)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    late: bool = False


class ActivityDaily(TenantOwned, table=True):
    """The statistics rolled up per local day, kind and activity type, kept in step with
    ActivityRecord in the same transaction: what the dashboards read over a year (a few
    hundred rows per month instead of every activity)."""

    __tablename__ = "activity_daily"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "day", "kind", "event_type"))

    id: int | None = Field(default=None, primary_key=True)
    day: date  # in the centre's time zone
    kind: str = Field(max_length=24)
    event_type: str = Field(default="", max_length=40)
    n: int = 0
    late_n: int = 0


class ActivityStudentMonth(TenantOwned, table=True):
    """Each student met in a month (local), once: the distinct students served over any run of
    months is a count over this small table rather than a DISTINCT over every activity."""

    __tablename__ = "activity_student_month"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "month", "student_membership_id"))

    id: int | None = Field(default=None, primary_key=True)
    month: date  # the first day of the month, local
    student_membership_id: int
    # activities of that student in that month: the row goes when the last one is withdrawn
    n: int = 0


class ReportingSettings(TenantOwned, table=True):
    """The weekly cut-off (INC-11): statistics are due before `cutoff_weekday` (0 = Monday;
    default Thursday) for the coordination meeting on `meeting_weekday` (default Friday)."""

    __tablename__ = "reporting_settings"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id"))

    id: int | None = Field(default=None, primary_key=True)
    cutoff_weekday: int = 3
    meeting_weekday: int = 4
    # the host institution's addresses reports are sent to, besides its approvers' accounts
    host_recipients: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ReportKind(StrEnum):
    WEEKLY_INDIVIDUAL = "weekly_individual"  # compte-rendu individualisé (P03.3)
    WEEKLY_SUMMARY = "weekly_summary"  # bilan d'activités hebdomadaire (P25.3, P26.3)
    MONTHLY = "monthly"  # M44
    SEMESTER = "semester"  # M45
    ANNUAL = "annual"  # M46


class ReportStatus(StrEnum):
    DRAFT = "draft"
    VALIDATED = "validated"  # in the right meeting; never edited again: a change is a new version
    SENT = "sent"  # to the host institution


class Report(TenantOwned, table=True):
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "author_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "member_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "validated_by_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "meeting_id"], ["meeting_record.tenant_id", "meeting_record.id"],
                             ondelete="SET NULL"),
        UniqueConstraint("tenant_id", "kind", "period_start", "member_key", "version_no"),
        Index("ix_report_kind_period", "tenant_id", "kind", "period_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    period_start: date
    period_end: date  # inclusive
    # the member a weekly individual report is about; 0 in member_key for the centre's reports
    member_membership_id: int | None = None
    member_key: int = 0
    version_no: int = 1
    status: str = Field(default=ReportStatus.DRAFT.value, max_length=10)
    title: str = Field(max_length=200)
    # the statistics as computed when the version was made (a snapshot: the archive stays true)
    figures: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # [{"key", "title", "body"}]: narrative sections, merged from ReportSection when compiled
    sections: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # [{"label", "planned", "spent", "currency"}]
    budget: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    author_membership_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    validated_at: datetime | None = Field(default=None, sa_column=ts_column())
    validated_by_membership_id: int | None = None
    meeting_id: int | None = None  # the meeting it was validated in
    sent_at: datetime | None = Field(default=None, sa_column=ts_column())
    sent_to: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ReportSection(TenantOwned, table=True):
    """A section of a semester or annual report assigned to a member (P25.8-9, P25.14-15)."""

    __tablename__ = "report_section"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "report_id"], ["report.tenant_id", "report.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "assignee_membership_id"], ["membership.tenant_id", "membership.id"]),
        UniqueConstraint("tenant_id", "report_id", "key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int
    key: str = Field(max_length=40)
    title: str = Field(max_length=200)
    assignee_membership_id: int | None = None
    body: str = Field(default="", max_length=20000)
    status: str = Field(default="assigned", max_length=10)  # assigned | written
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
