"""Annual action plan (M30): one plan per academic year, every state of it kept as a version
(initial draft, commented, finalised, validated by the host institution, mid-year update)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index, UniqueConstraint
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


class PlanStatus(StrEnum):
    """M30's statuses (catalogue: draft / proposed / validated / updated S2 / validated update)."""

    DRAFT = "draft"  # the manager drafts (P01.1-2)
    IN_REVIEW = "in_review"  # counselors and the business developer comment (P01.3)
    FINALISED = "finalised"  # the internal meeting finalised it (P01.4)
    SUBMITTED = "submitted"  # sent to the host institution (P01.5)
    VALIDATED = "validated"  # validated by the host institution, shared with the team (P01.5-6)
    UPDATING = "updating"  # the mid-year update is being prepared (P02)


class Metric(StrEnum):
    """What a target counts; each one is computed from the product's own records."""

    WORKSHOPS = "workshops"  # workshops held
    STUDENTS_SERVED = "students_served"  # distinct students met (visits, sessions, attendance)
    INDIVIDUAL_SESSIONS = "individual_sessions"  # sessions held
    COMPANIES_ENGAGED = "companies_engaged"  # companies with an interaction or a need
    JOB_NEEDS_ANSWERED = "job_needs_answered"  # needs whose profiles were sent
    EVENTS = "events"  # other activities held (fairs, conferences, visits...)
    VISITS = "visits"


class ActionPlan(TenantOwned, table=True):
    __tablename__ = "action_plan"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "academic_year_id"], ["academic_year.tenant_id", "academic_year.id"]),
        ForeignKeyConstraint(["tenant_id", "created_by_membership_id"], ["membership.tenant_id", "membership.id"]),
        UniqueConstraint("tenant_id", "academic_year_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    academic_year_id: int
    title: str = Field(max_length=200)
    status: str = Field(default=PlanStatus.DRAFT.value, max_length=12)
    # the version being edited or, once validated, the one in force
    current_version_no: int = 1
    created_by_membership_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class ActionPlanVersion(TenantOwned, table=True):
    """The plan's content at one version. A validated version is never edited: a change makes
    the next version (the mid-year update, P02.7)."""

    __tablename__ = "action_plan_version"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "plan_id"], ["action_plan.tenant_id", "action_plan.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "created_by_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "host_validated_by_membership_id"],
                             ["membership.tenant_id", "membership.id"]),
        UniqueConstraint("tenant_id", "plan_id", "version_no"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int
    version_no: int
    label: str = Field(default="", max_length=100)  # "Version initiale", "Mise à jour S2"
    # {"objectives": [{"key", "title", "description"}],
    #  "activities": [{"key", "objective_key", "type", "title", "description", "audience",
    #                  "owner_membership_id", "period", "metric", "targets": {"S1": n, "S2": n},
    #                  "budget_line"}],
    #  "budget_lines": [{"key", "label", "amount", "currency"}],
    #  "host_activities": [...] (co-organised with the host institution, P13.8)}
    content: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=PlanStatus.DRAFT.value, max_length=12)
    change_note: str = Field(default="", max_length=2000)
    created_by_membership_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    finalised_at: datetime | None = Field(default=None, sa_column=ts_column())
    submitted_at: datetime | None = Field(default=None, sa_column=ts_column())
    host_validated_at: datetime | None = Field(default=None, sa_column=ts_column())
    host_validated_by_membership_id: int | None = None
    host_comment: str = Field(default="", max_length=4000)


class PlanComment(TenantOwned, table=True):
    """A remark of a counselor or the business developer on a draft (P01.3)."""

    __tablename__ = "plan_comment"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "plan_id"], ["action_plan.tenant_id", "action_plan.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "author_membership_id"], ["membership.tenant_id", "membership.id"]),
        Index("ix_plan_comment_plan", "tenant_id", "plan_id", "version_no"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int
    version_no: int
    author_membership_id: int | None = None
    # the activity or objective the remark is about ("" for the whole plan)
    item_key: str = Field(default="", max_length=40)
    body: str = Field(max_length=4000)
    resolved: bool = False
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class MidYearReview(TenantOwned, table=True):
    """P02: gaps between the first semester's targets and what was done, explained by the
    members they are assigned to, with new actions; ends in the plan's next version."""

    __tablename__ = "mid_year_review"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "plan_id"], ["action_plan.tenant_id", "action_plan.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "plan_id", "semester_no"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int
    semester_no: int = 1
    based_on_version_no: int
    status: str = Field(default="open", max_length=12)  # open | closed
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=ts_column())


class GapItem(TenantOwned, table=True):
    __tablename__ = "gap_item"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "review_id"], ["mid_year_review.tenant_id", "mid_year_review.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "assignee_membership_id"], ["membership.tenant_id", "membership.id"]),
        UniqueConstraint("tenant_id", "review_id", "activity_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    review_id: int
    activity_key: str = Field(max_length=40)
    metric: str = Field(max_length=24)
    target: float
    actual: float
    assignee_membership_id: int | None = None
    explanation: str = Field(default="", max_length=4000)
    new_action: str = Field(default="", max_length=4000)
    written_at: datetime | None = Field(default=None, sa_column=ts_column())
