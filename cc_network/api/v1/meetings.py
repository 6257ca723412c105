"""The team's meetings over REST (issue 6 §4, P03): the weekly, monthly and semester meetings,
their record (statistics, progress per member, the agenda gathered from the running
procedures), the minutes, the decisions taken there, and closing (minutes and the next week's
plan sent). Every route calls workflows.meetings.services, which checks permission and centre."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from workflows.meetings import services as meetings
from workflows.meetings.models import MEETING_KINDS

router = APIRouter(tags=["meetings"], responses=ERROR_RESPONSES)
T = "/tenants/{tenant}"
Scope = Depends(actor_in_tenant)
MeetingId = Path(ge=1, le=MAX_ID)
TaskId = Path(ge=1, le=MAX_ID)
MAX_PER_PAGE = 100
KIND_PATTERN = "^(" + "|".join(MEETING_KINDS) + ")$"


class MeetingSummaryOut(BaseModel):
    event_id: int
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    event_status: str
    meeting_id: int | None = Field(description="its record, once opened")
    status: str = Field(description='"" before the record is opened, then open or closed')


class MeetingPageOut(BaseModel):
    items: list[MeetingSummaryOut]
    page: int
    per_page: int
    total: int
    next_page: int | None


class AgendaItemOut(BaseModel):
    task_id: int = Field(description="decide it to complete every open task of its step")
    step_n: int
    title: str
    kind: str
    roles: list[str]
    due_at: datetime | None
    overdue: bool
    branches: list[dict[str, str]] = Field(description="{key, label}; none: a plain task, marked done")


class AgendaGroupOut(BaseModel):
    instance_id: int
    instance_title: str
    code: str
    items: list[AgendaItemOut]


class DecidedOut(BaseModel):
    task_id: int
    instance_title: str
    step_n: int
    title: str
    outcome: str = Field(description='the branch chosen, or "done"')
    note: str
    decided_at: datetime
    decided_by_name: str


class MeetingOut(BaseModel):
    id: int
    event_id: int
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    status: str
    minutes: str
    snapshot: dict[str, Any] = Field(description="statistics of the period and progress per member, as opened")
    opened_at: datetime
    closed_at: datetime | None
    plan_sent_at: datetime | None
    agenda: list[AgendaGroupOut]
    decided: list[DecidedOut]
    communications: dict[str, Any] = Field(default_factory=dict, description=(
        "weekly: items to_validate and validated here (P30.3), plan_entries of the coming week (P29.4)"))


class OpenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: int = Field(ge=1, le=MAX_ID, description="the calendar event of the meeting")


class MinutesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: str = Field(max_length=50_000)


class DecideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    branch: str | None = Field(None, max_length=40, description="required when the step has outcomes")
    note: str = Field("", max_length=4000)


def _out(d: meetings.MeetingDetail) -> MeetingOut:
    return MeetingOut(
        id=d.id, event_id=d.event_id, title=d.title, kind=d.kind, starts_at=d.starts_at, ends_at=d.ends_at,
        status=d.status, minutes=d.minutes, snapshot=d.snapshot, opened_at=d.opened_at, closed_at=d.closed_at,
        plan_sent_at=d.plan_sent_at,
        agenda=[AgendaGroupOut(instance_id=g.instance_id, instance_title=g.instance_title, code=g.code,
                               items=[AgendaItemOut(task_id=i.task_id, step_n=i.step_n, title=i.title, kind=i.kind,
                                                    roles=list(i.roles), due_at=i.due_at, overdue=i.overdue,
                                                    branches=[{"key": k, "label": label} for k, label in i.branches])
                                      for i in g.items]) for g in d.agenda],
        decided=[DecidedOut(task_id=x.task_id, instance_title=x.instance_title, step_n=x.step_n, title=x.title,
                            outcome=x.outcome, note=x.note, decided_at=x.decided_at, decided_by_name=x.decided_by_name)
                 for x in d.decided],
        communications=d.communications)


@router.get(T + "/meetings", response_model=MeetingPageOut)
def list_meetings(kind: str | None = Query(None, pattern=KIND_PATTERN),
                  when: str = Query("upcoming", pattern="^(upcoming|past)$"),
                  page: int = Query(1, ge=1, le=100000), per_page: int = Query(25, ge=1, le=MAX_PER_PAGE),
                  scope: tuple[Actor, int] = Scope) -> MeetingPageOut:
    actor, tenant_id = scope
    got = meetings.list_meetings(actor, tenant_id, kind=kind, when=when, page=page, per_page=per_page)
    return MeetingPageOut(items=[MeetingSummaryOut(**vars(i)) for i in got.items], page=got.page,
                          per_page=got.per_page, total=got.total,
                          next_page=got.page + 1 if got.page * got.per_page < got.total else None)


@router.post(T + "/meetings", response_model=MeetingOut, status_code=201)
def open_meeting(body: OpenIn, scope: tuple[Actor, int] = Scope) -> MeetingOut:
    actor, tenant_id = scope
    return _out(meetings.do_open_meeting(actor, tenant_id, body.event_id))


@router.get(T + "/meetings/{meeting_id}", response_model=MeetingOut)
def get_meeting(meeting_id: int = MeetingId, scope: tuple[Actor, int] = Scope) -> MeetingOut:
    actor, tenant_id = scope
    return _out(meetings.get_meeting(actor, tenant_id, meeting_id))


@router.put(T + "/meetings/{meeting_id}/minutes", response_model=MeetingOut)
def save_minutes(body: MinutesIn, meeting_id: int = MeetingId, scope: tuple[Actor, int] = Scope) -> MeetingOut:
    actor, tenant_id = scope
    return _out(meetings.do_save_minutes(actor, tenant_id, meeting_id, body.minutes))


@router.post(T + "/meetings/{meeting_id}/items/{task_id}/decide", response_model=MeetingOut)
def decide_item(body: DecideIn, meeting_id: int = MeetingId, task_id: int = TaskId,
                scope: tuple[Actor, int] = Scope) -> MeetingOut:
    actor, tenant_id = scope
    return _out(meetings.do_decide_item(actor, tenant_id, meeting_id, task_id, branch=body.branch, note=body.note))


@router.post(T + "/meetings/{meeting_id}/close", response_model=MeetingOut)
def close_meeting(meeting_id: int = MeetingId, scope: tuple[Actor, int] = Scope) -> MeetingOut:
    actor, tenant_id = scope
    return _out(meetings.do_close_meeting(actor, tenant_id, meeting_id))
