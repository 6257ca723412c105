"""Recruitment days over REST, the staff side (P19): propose a day for a need of 10 positions
or more, record both sides' available dates, schedule it on a common date (it becomes a
calendar event), publish it, invite the prioritised students (closed door), record the results
per participant, mark it held and close it. Every route calls a service."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from tenants.sourcing.recruitment_days import services as days
from tenants.sourcing.recruitment_days.services import ScheduleInput

router = APIRouter(tags=["recruitment days"], responses=ERROR_RESPONSES)
D = "/tenants/{tenant}/recruitment-days"
Scope = Depends(actor_in_tenant)
DayId = Path(ge=1, le=MAX_ID)
Mode = Literal["open_door", "closed_door"]


class DayOut(BaseModel):
    id: int
    need_id: int
    need_title: str
    company_id: int
    company_name: str
    positions: int
    mode: str = Field(description="open_door or closed_door")
    status: str = Field(description="proposed, scheduled, held, closed or cancelled")
    host_dates: list[str] = Field(description="ISO dates the host institution offered")
    company_dates: list[str] = Field(description="ISO dates the company offered")
    common_dates: list[str] = Field(description="the dates both offered: the day is chosen among them")
    event_id: int | None = Field(description="the calendar event, once scheduled")
    event_status: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    capacity: int | None
    registered: int
    created_at: datetime


class ProposeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    need_id: int = Field(ge=1, le=MAX_ID)
    mode: Mode = "closed_door"


class DatesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    side: Literal["host", "company"]
    dates: list[date] = Field(max_length=60)


class PersonOut(BaseModel):
    student_membership_id: int
    full_name: str


class SkippedOut(PersonOut):
    code: str = Field(description="why: already_registered, event_full…")


class InviteOut(BaseModel):
    invited: list[PersonOut]
    skipped: list[SkippedOut]


class ParticipantOut(BaseModel):
    student_membership_id: int
    full_name: str
    email: str
    registration_id: int | None
    registration_status: str | None
    shortlisted: bool
    outcome: str
    outcome_note: str


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    student_membership_id: int = Field(ge=1, le=MAX_ID)
    outcome: Literal["hired", "not_retained", "interview"]
    note: str = Field(default="", max_length=2000)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    notes: str = Field(default="", max_length=5000)


class CloseOut(BaseModel):
    day: DayOut
    attended: int
    hires: int


def _out(v: days.DayView) -> DayOut:
    return DayOut.model_validate(asdict(v))


@router.get(D, response_model=list[DayOut])
def list_days(status: str = Query(default="", max_length=12), scope: tuple[Actor, int] = Scope) -> list[DayOut]:
    """The centre's recruitment days, those still to hold first."""
    actor, tenant_id = scope
    return [_out(v) for v in days.list_days(actor, tenant_id, status=status)]


@router.post(D, response_model=DayOut, status_code=201)
def propose_day(body: ProposeIn, scope: tuple[Actor, int] = Scope) -> DayOut:
    """P19.8: for a need of 10 positions or more (below_day_threshold otherwise)."""
    actor, tenant_id = scope
    return _out(days.do_propose_day(actor, tenant_id, body.need_id, mode=body.mode))


@router.get(D + "/{day_id}", response_model=DayOut)
def get_day(day_id: int = DayId, scope: tuple[Actor, int] = Scope) -> DayOut:
    actor, tenant_id = scope
    return _out(days.get_day(actor, tenant_id, day_id))


@router.put(D + "/{day_id}/dates", response_model=DayOut)
def set_dates(body: DatesIn, day_id: int = DayId, scope: tuple[Actor, int] = Scope) -> DayOut:
    """P19.9-10: one side's available dates, replacing what it gave before."""
    actor, tenant_id = scope
    return _out(days.do_set_dates_as_staff(actor, tenant_id, day_id, side=body.side,
                                           dates=[d.isoformat() for d in body.dates]))


@router.post(D + "/{day_id}/schedule", response_model=DayOut)
def schedule_day(body: ScheduleInput, day_id: int = DayId, scope: tuple[Actor, int] = Scope) -> DayOut:
    """P19.11-12: on a date both sides offered (date_not_common otherwise); creates the event."""
    actor, tenant_id = scope
    return _out(days.do_schedule_day(actor, tenant_id, day_id, body))


@router.post(D + "/{day_id}/publish", response_model=DayOut)
def publish_day(day_id: int = DayId, scope: tuple[Actor, int] = Scope) -> DayOut:
    """Validate and publish the day's event (the manager); an open-door day opens registration."""
    actor, tenant_id = scope
    return _out(days.do_publish_day(actor, tenant_id, day_id))


@router.post(D + "/{day_id}/invite-prioritised", response_model=InviteOut)
def invite_prioritised(day_id: int = DayId, scope: tuple[Actor, int] = Scope) -> InviteOut:
    """P19.13-14, closed door: the need's selected profiles are registered and e-mailed."""
    actor, tenant_id = scope
    r = days.do_invite_prioritised(actor, tenant_id, day_id)
    return InviteOut(invited=[PersonOut(student_membership_id=i, full_name=n) for i, n in r.invited],
                     skipped=[SkippedOut(student_membership_id=i, full_name=n, code=c) for i, n, c in r.skipped])


@router.get(D + "/{day_id}/participants", response_model=list[ParticipantOut])
def participants(day_id: int = DayId, scope: tuple[Actor, int] = Scope) -> list[ParticipantOut]:
    actor, tenant_id = scope
    return [ParticipantOut.model_validate(asdict(p)) for p in days.day_participants(actor, tenant_id, day_id)]


@router.post(D + "/{day_id}/held", response_model=DayOut)
def mark_held(day_id: int = DayId, scope: tuple[Actor, int] = Scope) -> DayOut:
    actor, tenant_id = scope
    return _out(days.do_mark_day_held(actor, tenant_id, day_id))


@router.post(D + "/{day_id}/results", response_model=ParticipantOut)
def record_result(body: ResultIn, day_id: int = DayId, scope: tuple[Actor, int] = Scope) -> ParticipantOut:
    """P19.19: the outcome for one participant, written on the need's shortlist."""
    actor, tenant_id = scope
    row = days.do_record_day_result(actor, tenant_id, day_id, body.student_membership_id, outcome=body.outcome,
                                    note=body.note)
    return ParticipantOut.model_validate(asdict(row))


@router.post(D + "/{day_id}/close", response_model=CloseOut)
def close_day(body: CloseIn, day_id: int = DayId, scope: tuple[Actor, int] = Scope) -> CloseOut:
    """Closes the day's event (its evaluation form goes to those who came) with the hires count."""
    actor, tenant_id = scope
    r = days.do_close_day(actor, tenant_id, day_id, notes=body.notes)
    return CloseOut(day=_out(r.day), attended=r.attended, hires=r.hires)
