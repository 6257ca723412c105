"""The procedures (issue 6): the catalogue of P01–P31, each drawn as a flowchart with
swimlanes, the running instances with their progress, and the inboxes of tasks (staff and
host institution). Every page calls workflows.procedures.services. `register(app)` adds them."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

import reflex as rx

from integrations.i18n import catalog

CODE_RE = r"P\d{2}"
# the statuses an instance list may be filtered on
INSTANCE_STATUSES = ("running", "completed", "cancelled")


def known_key(key: str) -> str:
    """The key when the catalog has it, else "" (the page then shows the raw value)."""
    return key if key in catalog("fr") else ""


def lane_label_keys(lane: str) -> tuple[str, str]:
    """A swimlane (role, optionally ":responsibility") as two translation keys."""
    role, _, resp = (lane or "").partition(":")
    role_key = known_key(f"ui.role.{role}") or ("ui.proc.lane.system" if role == "system" else "")
    return role_key, (known_key(f"ui.resp.{resp}") if resp else "")


def when_text(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%d/%m/%Y") if value is not None else ""


@dataclasses.dataclass
class BranchOpt:
    key: str = ""
    label: str = ""


@dataclasses.dataclass
class TaskRow:
    """A task as the inbox and an instance's sheet show it."""

    id: int = 0
    instance_id: int = 0
    instance_title: str = ""
    code: str = ""
    step_n: int = 0
    title: str = ""
    kind: str = ""
    status: str = ""
    role_key: str = ""
    resp_key: str = ""
    role: str = ""
    assignee: str = ""
    meeting: str = ""
    due: str = ""
    overdue: bool = False
    branches: list[BranchOpt] = dataclasses.field(default_factory=list)
    subject_type: str = ""
    subject_key: str = ""
    subject_id: int = 0
    completed: str = ""
    completed_by: str = ""
    branch: str = ""
    note: str = ""
    can_act: bool = False
    subject_href: str = ""


# where staff open the record a task concerns
_SUBJECT_PAGES = {"event": "/staff/calendar/events/", "job_need": "/staff/needs/"}


def task_row(t, zone: ZoneInfo) -> TaskRow:  # noqa: ANN001  (a views.TaskView)
    role_key, resp_key = lane_label_keys(t.role + (f":{t.responsibility}" if t.responsibility else ""))
    branch_label = dict(t.branches).get(t.branch or "", t.branch or "")
    return TaskRow(t.id, t.instance_id, t.instance_title, t.code, t.step_n, t.title, t.kind, t.status, role_key,
                   resp_key, t.role, t.assignee_name, t.meeting or "", when_text(t.due_at, zone), t.overdue,
                   [BranchOpt(k, label) for k, label in t.branches], t.subject_type,
                   known_key(f"ui.proc.subject.{t.subject_type}") if t.subject_type else "", t.subject_id or 0,
                   when_text(t.completed_at, zone), t.completed_by_name, branch_label, t.note, t.can_act,
                   f"{_SUBJECT_PAGES[t.subject_type]}{t.subject_id}"
                   if t.subject_type in _SUBJECT_PAGES and t.subject_id else "")


def register(app: rx.App) -> None:
    from cc_network.pages.procedures import (
        catalogue,
        flowchart,
        inbox,
        incidents,
        instances,
        revisions,
    )

    for module in (catalogue, instances, incidents, flowchart, revisions, inbox):
        module.register(app)
