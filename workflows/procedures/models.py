"""A centre's procedures at work: the versions it runs (the book's, then its own revisions,
P31), the instances started, and the tasks each step gives people (issue 6 §2)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index, UniqueConstraint
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow

# version statuses
DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"
REVIEW = "in_review"  # a draft submitted for the weekly meeting's review (P31)
# instance statuses
RUNNING, COMPLETED, CANCELLED = "running", "completed", "cancelled"
# task statuses: waiting for earlier steps, open in someone's inbox, done, skipped (a branch
# not taken, a condition that did not hold, an optional step), cancelled with its instance
WAITING, OPEN, DONE, SKIPPED = "waiting", "open", "done", "skipped"
TASK_STATUSES = (WAITING, OPEN, DONE, SKIPPED, CANCELLED)


class ProcedureVersion(TenantOwned, table=True):
    """A centre's own version of a procedure (P31). Version 1 of every procedure is the
    book's (workflows/procedures/definitions) and is not stored here."""

    __tablename__ = "procedure_version"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "code", "version"))

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=3, index=True)  # P01 … P31
    version: int
    status: str = Field(default=DRAFT, max_length=12)
    definition: dict = Field(sa_column=Column(JSON, nullable=False))  # a schema.Procedure, dumped
    change_note: str = Field(default="", max_length=2000)
    created_by_membership_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    approved_by_membership_id: int | None = None
    published_at: datetime | None = Field(default=None, sa_column=ts_column())


class ProcedureInstance(TenantOwned, table=True):
    """One run of a procedure in a centre. It keeps the definition it started with: a new
    version never changes a running instance."""

    __tablename__ = "procedure_instance"
    __table_args__ = tenant_table_args(
        Index("ix_procedure_instance_status", "tenant_id", "status"),
        Index("ix_procedure_instance_subject", "tenant_id", "subject_type", "subject_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=3, index=True)
    version: int
    title: str = Field(max_length=300)  # "P01 Annual action plan 2027-2028"
    definition: dict = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=RUNNING, max_length=12)
    trigger: str = Field(default="manual", max_length=40)
    # the record the instance is about: an event, an academic year, a job need, a report…
    subject_type: str = Field(default="", max_length=40)
    subject_id: int | None = None
    started_by_membership_id: int | None = None
    started_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=ts_column())


class ProcedureTask(TenantOwned, table=True):
    """What one step asks of one role (or one named person) in one instance."""

    __tablename__ = "procedure_task"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "instance_id"], ["procedure_instance.tenant_id", "procedure_instance.id"],
                             ondelete="CASCADE"),
        # the inboxes: open tasks by person, by role, by due date
        Index("ix_procedure_task_assignee", "tenant_id", "status", "assignee_membership_id", "due_at"),
        Index("ix_procedure_task_role", "tenant_id", "status", "role", "due_at"),
        Index("ix_procedure_task_instance", "tenant_id", "instance_id", "step_n"),
        Index("ix_procedure_task_meeting", "tenant_id", "status", "meeting"),
    )

    id: int | None = Field(default=None, primary_key=True)
    instance_id: int
    step_n: int
    title: str = Field(max_length=500)
    kind: str = Field(max_length=40)
    status: str = Field(default=WAITING, max_length=12)
    role: str = Field(max_length=40)
    responsibility: str | None = Field(default=None, max_length=40)
    # a named person; None: any holder of the role (and responsibility) in the centre
    assignee_membership_id: int | None = None
    meeting: str | None = Field(default=None, max_length=60)  # reviewed in this meeting
    due_at: datetime | None = Field(default=None, sa_column=ts_column())
    opened_at: datetime | None = Field(default=None, sa_column=ts_column())
    completed_at: datetime | None = Field(default=None, sa_column=ts_column())
    completed_by_membership_id: int | None = None
    branch: str | None = Field(default=None, max_length=40)  # the outcome chosen (decisions, approvals)
    note: str = Field(default="", max_length=4000)
    reminded_at: datetime | None = Field(default=None, sa_column=ts_column())


# incident statuses (P31): raised, then decided in the semester meeting
INCIDENT_OPEN, INCIDENT_ACCEPTED, INCIDENT_DISMISSED, INCIDENT_ADDRESSED = "open", "accepted", "dismissed", "addressed"


class ProcedureIncident(TenantOwned, table=True):
    """Something that went wrong or was missing in a procedure, logged in a monthly meeting
    (P31); the semester meeting decides whether a procedure is created or revised."""

    __tablename__ = "procedure_incident"
    __table_args__ = tenant_table_args(Index("ix_procedure_incident_status", "tenant_id", "status"))

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, max_length=3)  # the procedure concerned; None: a missing one
    description: str = Field(max_length=4000)
    raised_by_membership_id: int | None = None
    raised_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    meeting_id: int | None = None  # the monthly meeting it was raised in
    status: str = Field(default=INCIDENT_OPEN, max_length=12)
    decision_note: str = Field(default="", max_length=4000)
    decided_at: datetime | None = Field(default=None, sa_column=ts_column())
    version_id: int | None = None  # the revision that addressed it
