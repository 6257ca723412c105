"""What the procedure services answer (issue 6): plain frozen dataclasses, the contract
between the engine (services.py) and its faces (pages, REST)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ProcedureSummary:
    code: str
    title_en: str
    title_fr: str
    family: str
    version: int  # the version new instances use in this centre
    steps: int
    trigger: str  # schema.Trigger.type
    running: int  # instances running in this centre


@dataclass(frozen=True)
class LaneStep:
    """A step as drawn in a swimlane: its lane (role), column (order) and arrows."""

    n: int
    title: str
    kind: str
    lane: str  # role key (with ":responsibility" when narrowed)
    column: int  # 0-based position in reading order
    after: list[int]
    branches: list[tuple[str, str, int | None, bool]]  # (key, label, goto, ends)
    meeting: str | None
    due_text: str
    documents: list[tuple[str, str, str]]  # (ref, use, name)


@dataclass(frozen=True)
class ProcedureDetail:
    code: str
    version: int
    title_en: str
    title_fr: str
    family: str
    purpose_en: str
    trigger: str
    trigger_text: str
    lanes: list[str]  # role keys, in the order the swimlanes are drawn
    steps: list[LaneStep]
    versions: list[int]  # every version this centre can see (1 = the book's)


@dataclass(frozen=True)
class TaskView:
    id: int
    instance_id: int
    instance_title: str
    code: str
    step_n: int
    title: str
    kind: str
    status: str
    role: str
    responsibility: str | None
    assignee_membership_id: int | None
    assignee_name: str  # "" when any holder of the role may do it
    meeting: str | None
    due_at: datetime | None
    overdue: bool
    branches: list[tuple[str, str]]  # (key, label) the holder may choose; [] for a plain task
    subject_type: str
    subject_id: int | None
    completed_at: datetime | None
    completed_by_name: str
    branch: str | None
    note: str
    can_act: bool  # the caller may complete / decide it now


@dataclass(frozen=True)
class InboxPage:
    items: list[TaskView]
    total: int
    page: int
    per_page: int
    overdue: int  # counts of the same scope, for the tabs
    due_this_week: int


@dataclass(frozen=True)
class InstanceView:
    id: int
    code: str
    version: int
    title: str
    status: str
    trigger: str
    subject_type: str
    subject_id: int | None
    started_at: datetime
    completed_at: datetime | None
    steps_total: int
    steps_done: int
    open_tasks: int


@dataclass(frozen=True)
class InstanceDetail:
    instance: InstanceView
    tasks: list[TaskView] = field(default_factory=list)  # by step, then role
