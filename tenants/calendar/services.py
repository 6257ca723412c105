"""Rules of the activity calendar: academic calendar, events and their lifecycle,
conflicts, recurrence, availability, ICS feeds (issue 3)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import update
from sqlmodel import Session, delete, select

from integrations.crypto import new_token, token_hash
from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.ics import IcsEvent, assemble, build_calendar, render_vevent
from integrations.settings import get_settings
from integrations.validation import parse
from tenants.calendar.models import (
    Absence,
    AcademicYear,
    Availability,
    CalendarFeed,
    Event,
    EventSeries,
    EventStaff,
    Holiday,
    Room,
    Semester,
)
from tenants.calendar.types import ACTIVITY_TYPES, activity_type
from tenants.core.actor import Actor, require
from tenants.core.models import Membership, Tenant
from tenants.core.roles import STAFF_ROLES, Perm, Role
from tenants.core.services import audit
from tenants.portal import activity

DRAFT, PROPOSED, VALIDATED, HOST_VALIDATED = "draft", "proposed", "validated", "host_validated"
PUBLISHED, HELD, CLOSED, CANCELLED = "published", "held", "closed", "cancelled"
STATUSES = (DRAFT, PROPOSED, VALIDATED, HOST_VALIDATED, PUBLISHED, HELD, CLOSED, CANCELLED)
ACTIVE_STATUSES = (DRAFT, PROPOSED, VALIDATED, HOST_VALIDATED, PUBLISHED, HELD)
MAX_RANGE_DAYS = 400
# Event.details key of events another module owns (a booked individual session follows its
# booking): the generic calendar services do not move, edit or transition them.
MANAGED_BY = "managed_by"
MAX_PAGE = 500
# Called as hook(session, tenant_id, event) inside do_create_event's transaction, after the
# event is flushed. Upper floors register here (the procedure engine starts the procedures an
# event type triggers); the calendar imports none of them.
EVENT_CREATED_HOOKS: list[Callable[[Session, int, Event], object]] = []


# ---------------------------------------------------------------- academic calendar

class PeriodInput(BaseModel):
    starts_on: date
    ends_on: date
    name: str = ""

    @model_validator(mode="after")
    def _order(self) -> PeriodInput:
        if self.ends_on < self.starts_on:
            raise ValueError("end_before_start:end date is before start date")
        return self


class AcademicYearInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    label: str = Field(min_length=4, max_length=20)
    starts_on: date
    ends_on: date
    semesters: list[PeriodInput] = Field(default_factory=list, max_length=4)
    holidays: list[PeriodInput] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _inside(self) -> AcademicYearInput:
        if self.ends_on <= self.starts_on:
            raise ValueError("end_before_start:the year ends before it starts")
        if (self.ends_on - self.starts_on).days > 400:
            raise ValueError("invalid_period:an academic year lasts at most 400 days")
        for p in [*self.semesters, *self.holidays]:
            if p.starts_on < self.starts_on or p.ends_on > self.ends_on:
                raise ValueError("invalid_period:semesters and holidays lie inside the year")
        return self


def do_set_academic_year(actor: Actor, tenant_id: int, data: dict | AcademicYearInput) -> AcademicYear:
    """Create or replace (same label) the year with its semesters and holidays."""
    require(actor, Perm.CALENDAR_SETTINGS, tenant_id=tenant_id)
    inp = parse(AcademicYearInput, data)
    with tenant_session(tenant_id) as s, transaction(s):
        year = s.exec(select(AcademicYear).where(AcademicYear.label == inp.label)).first()
        if year is None:
            year = AcademicYear(tenant_id=tenant_id, label=inp.label, starts_on=inp.starts_on, ends_on=inp.ends_on)
            s.add(year)
            s.flush()
        else:
            year.starts_on, year.ends_on = inp.starts_on, inp.ends_on
            s.exec(delete(Semester).where(Semester.academic_year_id == year.id))
            s.exec(delete(Holiday).where(Holiday.academic_year_id == year.id))
        for n, p in enumerate(inp.semesters, start=1):
            s.add(Semester(tenant_id=tenant_id, academic_year_id=year.id, number=n, starts_on=p.starts_on,
                           ends_on=p.ends_on))
        for p in inp.holidays:
            s.add(Holiday(tenant_id=tenant_id, academic_year_id=year.id, name=p.name or "—",
                          starts_on=p.starts_on, ends_on=p.ends_on))
        audit(s, actor, "calendar.academic_year_set", tenant_id=tenant_id, target_type="academic_year",
              target_id=year.id, label=inp.label)
        return year


@dataclass(frozen=True)
class AcademicYearView:
    id: int
    label: str
    starts_on: date
    ends_on: date
    semesters: list[Semester]
    holidays: list[Holiday]


def list_academic_years(actor: Actor, tenant_id: int) -> list[AcademicYearView]:
    """The centre's academic years, newest first, with their semesters and holidays."""
    require(actor, Perm.CALENDAR_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        years = s.exec(select(AcademicYear).order_by(AcademicYear.starts_on.desc())).all()
        semesters = s.exec(select(Semester).order_by(Semester.number)).all()
        holidays = s.exec(select(Holiday).order_by(Holiday.starts_on)).all()
        return [AcademicYearView(y.id, y.label, y.starts_on, y.ends_on,
                                 [x for x in semesters if x.academic_year_id == y.id],
                                 [h for h in holidays if h.academic_year_id == y.id]) for y in years]


def holidays_of(s: Session, academic_year_id: int) -> list[Holiday]:
    return list(s.exec(select(Holiday).where(Holiday.academic_year_id == academic_year_id)).all())


def _is_holiday(day: date, holidays: list[Holiday]) -> bool:
    return any(h.starts_on <= day <= h.ends_on for h in holidays)


def tenant_zone(s: Session, tenant_id: int) -> ZoneInfo:
    tenant = s.get(Tenant, tenant_id)
    return ZoneInfo(tenant.timezone if tenant else get_settings().default_timezone)


# ---------------------------------------------------------------- rooms

def do_create_room(actor: Actor, tenant_id: int, *, name: str, location: str = "",
                   capacity: int | None = None) -> Room:
    require(actor, Perm.CALENDAR_SETTINGS, tenant_id=tenant_id)
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise Invalid("room name: 1 to 120 characters", code="name_required")
    if capacity is not None and (not isinstance(capacity, int) or capacity < 1):
        raise Invalid("capacity must be a positive number", code="invalid_capacity")
    with tenant_session(tenant_id) as s, transaction(s):
        if s.exec(select(Room).where(Room.name == name)).first():
            raise Conflict("a room with this name exists", code="room_exists")
        room = Room(tenant_id=tenant_id, name=name, location=location.strip()[:200], capacity=capacity)
        s.add(room)
        s.flush()
        audit(s, actor, "calendar.room_created", tenant_id=tenant_id, target_type="room", target_id=room.id)
        return room


def list_rooms(actor: Actor, tenant_id: int) -> list[Room]:
    require(actor, Perm.CALENDAR_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return list(s.exec(select(Room).where(Room.active).order_by(Room.name)).all())


# ---------------------------------------------------------------- event input

class AudienceInput(BaseModel):
    fields: list[str] = Field(default_factory=list, max_length=50)
    levels: list[str] = Field(default_factory=list, max_length=20)
    establishments: list[str] = Field(default_factory=list, max_length=50)


class PartnerInput(BaseModel):
    kind: str = Field(pattern="^(company|speaker|sponsor|association)$")
    name: str = Field(min_length=1, max_length=200)
    contribution: str = Field(default="", max_length=500)


class BudgetLineInput(BaseModel):
    label: str = Field(min_length=1, max_length=200)
    amount: float = Field(ge=0, le=1e9)
    currency: str = Field(default="MAD", pattern="^[A-Z]{3}$")


class LogisticsInput(BaseModel):
    task: str = Field(min_length=1, max_length=200)
    owner_membership_id: int | None = None
    due_on: date | None = None
    done: bool = False


class AttachmentInput(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(pattern=r"^https?://", max_length=500)


class EventInput(BaseModel):
    """The event entry form (T02); everything a user can type is checked here."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    type: str
    title: str = Field(min_length=2, max_length=200)
    theme: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=10000)
    starts_at: datetime
    ends_at: datetime
    timezone: str | None = None
    room_id: int | None = None
    address: str = Field(default="", max_length=300)
    online_url: str = Field(default="", max_length=500)
    organiser_membership_id: int | None = None
    coordination_membership_id: int | None = None
    communication_membership_id: int | None = None
    staff_membership_ids: list[int] = Field(default_factory=list, max_length=50)
    audience: AudienceInput = Field(default_factory=AudienceInput)
    capacity: int | None = Field(default=None, ge=1, le=100000)
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    partners: list[PartnerInput] = Field(default_factory=list, max_length=100)
    budget_lines: list[BudgetLineInput] = Field(default_factory=list, max_length=100)
    logistics: list[LogisticsInput] = Field(default_factory=list, max_length=200)
    attachments: list[AttachmentInput] = Field(default_factory=list, max_length=50)
    publishes_photos: bool = False
    details: dict[str, str] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _known_type(cls, v: str) -> str:
        if v not in ACTIVITY_TYPES:
            raise ValueError(f"unknown_type:unknown activity type {v!r}")
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        if v:
            try:
                ZoneInfo(v)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"invalid_timezone:unknown time zone {v!r}") from None
        return v

    @field_validator("online_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if v and not (v.startswith("https://") or v.startswith("http://")):
            raise ValueError("invalid_url:the online link must start with https://")
        return v

    @model_validator(mode="after")
    def _coherent(self) -> EventInput:
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            v = getattr(self, name)
            if v is not None and v.tzinfo is None:
                raise ValueError(f"naive_datetime:{name} needs a time zone offset")
        if self.ends_at <= self.starts_at:
            raise ValueError("end_before_start:the end is before the start")
        if self.ends_at - self.starts_at > timedelta(days=14):
            raise ValueError("too_long:an event lasts at most 14 days")
        o, c = self.registration_opens_at, self.registration_closes_at
        if o and c and c <= o:
            raise ValueError("registration_window:registration closes before it opens")
        if c and c > self.ends_at:
            raise ValueError("registration_window:registration closes after the event ends")
        allowed = set(ACTIVITY_TYPES[self.type].fields)
        unknown = set(self.details) - allowed
        if unknown:
            raise ValueError(f"invalid_details:fields not used by this type: {', '.join(sorted(unknown))}")
        return self


def _staff_ids(inp: EventInput) -> set[int]:
    ids = {inp.organiser_membership_id, inp.coordination_membership_id, inp.communication_membership_id,
           *inp.staff_membership_ids}
    ids.discard(None)
    return ids  # type: ignore[return-value]


def _check_people(s: Session, inp: EventInput) -> None:
    """Named organisers and participants are active team members of this centre."""
    ids = _staff_ids(inp) | {x.owner_membership_id for x in inp.logistics if x.owner_membership_id}
    if not ids:
        return
    rows = s.exec(select(Membership).where(Membership.id.in_(ids), Membership.active)).all()
    found = {m.id for m in rows if set(m.roles) & {r.value for r in STAFF_ROLES | {Role.AMBASSADOR, Role.INTERN}}}
    missing = ids - found
    if missing:
        raise Invalid("unknown team member", code="unknown_member", ids=sorted(missing))


def _check_room(s: Session, room_id: int | None) -> None:
    if room_id is None:
        return
    room = s.get(Room, room_id)
    if room is None or not room.active:
        raise NotFound("room not found", code="room_not_found")


# ---------------------------------------------------------------- conflicts

@dataclass(frozen=True)
class ConflictView:
    event_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    reason: str  # "room" or "person"


def find_conflicts(s: Session, *, starts_at: datetime, ends_at: datetime, people: set[int],
                   room_id: int | None, exclude_event_id: int | None = None) -> list[ConflictView]:
    """Events overlapping [starts_at, ends_at) that share a person or the room."""
    if not people and room_id is None:
        return []
    q = select(Event).where(Event.starts_at < ends_at, Event.ends_at > starts_at,
                            Event.status.in_(ACTIVE_STATUSES))
    if exclude_event_id:
        q = q.where(Event.id != exclude_event_id)
    candidates = list(s.exec(q).all())
    if not candidates:
        return []
    staff: dict[int, set[int]] = {}
    for row in s.exec(select(EventStaff).where(EventStaff.event_id.in_([e.id for e in candidates]))).all():
        staff.setdefault(row.event_id, set()).add(row.membership_id)
    out = []
    for e in candidates:
        if room_id is not None and e.room_id == room_id:
            out.append(ConflictView(e.id, e.title, e.starts_at, e.ends_at, "room"))
            continue
        theirs = staff.get(e.id, set()) | {e.organiser_membership_id, e.coordination_membership_id,
                                            e.communication_membership_id}
        if people & theirs:
            out.append(ConflictView(e.id, e.title, e.starts_at, e.ends_at, "person"))
    return out


def _guard_conflicts(s: Session, actor: Actor, tenant_id: int, conflicts: list[ConflictView], *,
                     override: bool, reason: str, event_id: int | None) -> None:
    if not conflicts:
        return
    if not override:
        raise Conflict("schedule conflict: " + ", ".join(f"{c.title} ({c.reason})" for c in conflicts),
                       code="schedule_conflict", conflicts=[c.event_id for c in conflicts])
    if len((reason or "").strip()) < 3:
        raise Invalid("give a reason to override the conflict", code="override_reason_required")
    audit(s, actor, "event.conflict_overridden", tenant_id=tenant_id, target_type="event",
          target_id=event_id or "", conflicts=[c.event_id for c in conflicts], reason=reason.strip())


# ---------------------------------------------------------------- create / update

def _utc(v: datetime | None) -> datetime | None:
    return v.astimezone(UTC) if v is not None else None


def _apply(e: Event, inp: EventInput, zone: str) -> None:
    e.type, e.title, e.theme, e.description = inp.type, inp.title, inp.theme, inp.description
    e.starts_at, e.ends_at, e.timezone = _utc(inp.starts_at), _utc(inp.ends_at), inp.timezone or zone
    e.room_id, e.address, e.online_url = inp.room_id, inp.address, inp.online_url
    e.organiser_membership_id = inp.organiser_membership_id
    e.coordination_membership_id = inp.coordination_membership_id
    e.communication_membership_id = inp.communication_membership_id
    e.audience = inp.audience.model_dump()
    e.capacity = inp.capacity
    e.registration_opens_at = _utc(inp.registration_opens_at)
    e.registration_closes_at = _utc(inp.registration_closes_at)
    e.partners = [p.model_dump() for p in inp.partners]
    e.budget_lines = [b.model_dump() for b in inp.budget_lines]
    e.logistics = [dict(x.model_dump(), due_on=x.due_on.isoformat() if x.due_on else None) for x in inp.logistics]
    e.attachments = [a.model_dump() for a in inp.attachments]
    e.publishes_photos = inp.publishes_photos
    e.details = dict(inp.details)
    e.updated_at = utcnow()


def _set_staff(s: Session, tenant_id: int, event_id: int, ids: set[int]) -> None:
    s.exec(delete(EventStaff).where(EventStaff.event_id == event_id))
    for mid in sorted(ids):
        s.add(EventStaff(tenant_id=tenant_id, event_id=event_id, membership_id=mid))


def do_create_event(actor: Actor, tenant_id: int, data: dict | EventInput, *, override_conflicts: bool = False,
                    override_reason: str = "") -> Event:
    require(actor, Perm.CALENDAR_EDIT, tenant_id=tenant_id)
    inp = parse(EventInput, data)
    if inp.organiser_membership_id is None and actor.membership_id is not None:
        inp = inp.model_copy(update={"organiser_membership_id": actor.membership_id})
    with tenant_session(tenant_id) as s, transaction(s):
        _check_people(s, inp)
        _check_room(s, inp.room_id)
        conflicts = find_conflicts(s, starts_at=inp.starts_at, ends_at=inp.ends_at, people=_staff_ids(inp),
                                   room_id=inp.room_id)
        zone = str(tenant_zone(s, tenant_id).key)
        e = Event(tenant_id=tenant_id, uid=f"{uuid.uuid4()}@cc-network", type=inp.type, title=inp.title,
                  starts_at=inp.starts_at, ends_at=inp.ends_at, timezone=zone,
                  created_by_account_id=actor.account_id)
        _apply(e, inp, zone)
        s.add(e)
        s.flush()
        _guard_conflicts(s, actor, tenant_id, conflicts, override=override_conflicts, reason=override_reason,
                         event_id=e.id)
        _set_staff(s, tenant_id, e.id, _staff_ids(inp))
        audit(s, actor, "event.created", tenant_id=tenant_id, target_type="event", target_id=e.id,
              type=inp.type, title=inp.title)
        for hook in EVENT_CREATED_HOOKS:
            hook(s, tenant_id, e)
        return e


def get_event(actor: Actor, tenant_id: int, event_id: int) -> Event:
    require(actor, Perm.CALENDAR_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        e = s.get(Event, event_id)
        if e is None:
            raise NotFound("event not found")
        return e


def event_staff_ids(tenant_id: int, event_id: int) -> list[int]:
    with tenant_session(tenant_id) as s:
        return sorted(s.exec(select(EventStaff.membership_id).where(EventStaff.event_id == event_id)).all())


def _not_managed(e: Event) -> None:
    if (e.details or {}).get(MANAGED_BY):
        raise Conflict("this event is handled from its booking", code="managed_by_booking")


def _can_edit(actor: Actor, e: Event) -> None:
    _not_managed(e)
    if e.status in (CLOSED, CANCELLED):
        raise Conflict(f"a {e.status} event cannot be changed", code="event_locked")
    if e.status in (DRAFT, PROPOSED):
        return
    if not actor.can(Perm.CALENDAR_VALIDATE):
        raise Forbidden("after validation only the manager changes an event", code="edit_after_validation")


def do_update_event(actor: Actor, tenant_id: int, event_id: int, data: dict | EventInput, *,
                    override_conflicts: bool = False, override_reason: str = "") -> Event:
    require(actor, Perm.CALENDAR_EDIT, tenant_id=tenant_id)
    inp = parse(EventInput, data)
    with tenant_session(tenant_id) as s, transaction(s):
        e = s.get(Event, event_id)
        if e is None:
            raise NotFound("event not found")
        _can_edit(actor, e)
        if inp.type != e.type and e.status != DRAFT:
            raise Conflict("the type of an event changes only while it is a draft", code="type_locked")
        if inp.capacity is not None and inp.capacity < e.registered_count:
            raise Conflict(f"capacity below the {e.registered_count} registrations already taken",
                           code="capacity_below_registrations", registered=e.registered_count)
        _check_people(s, inp)
        _check_room(s, inp.room_id)
        conflicts = find_conflicts(s, starts_at=inp.starts_at, ends_at=inp.ends_at, people=_staff_ids(inp),
                                   room_id=inp.room_id, exclude_event_id=e.id)
        _guard_conflicts(s, actor, tenant_id, conflicts, override=override_conflicts, reason=override_reason,
                         event_id=e.id)
        _apply(e, inp, str(tenant_zone(s, tenant_id).key))
        e.sequence += 1
        s.add(e)
        _set_staff(s, tenant_id, e.id, _staff_ids(inp))
        audit(s, actor, "event.updated", tenant_id=tenant_id, target_type="event", target_id=e.id)
        return e


def event_input_of(e: Event, staff_ids: list[int] | None = None) -> dict[str, Any]:
    """The form's values for an existing event (edit form, REST PATCH base)."""
    return {
        "type": e.type, "title": e.title, "theme": e.theme, "description": e.description,
        "starts_at": e.starts_at, "ends_at": e.ends_at, "timezone": e.timezone, "room_id": e.room_id,
        "address": e.address, "online_url": e.online_url,
        "organiser_membership_id": e.organiser_membership_id,
        "coordination_membership_id": e.coordination_membership_id,
        "communication_membership_id": e.communication_membership_id,
        "staff_membership_ids": [
            i for i in (staff_ids or [])
            if i not in {e.organiser_membership_id, e.coordination_membership_id, e.communication_membership_id}
        ],
        "audience": e.audience, "capacity": e.capacity,
        "registration_opens_at": e.registration_opens_at, "registration_closes_at": e.registration_closes_at,
        "partners": e.partners, "budget_lines": e.budget_lines, "logistics": e.logistics,
        "attachments": e.attachments, "publishes_photos": e.publishes_photos, "details": e.details,
    }


def do_patch_event(actor: Actor, tenant_id: int, event_id: int, changes: dict[str, Any], *,
                   override_conflicts: bool = False, override_reason: str = "") -> Event:
    """Change some fields of the event sheet (REST PATCH); the others keep their values."""
    require(actor, Perm.CALENDAR_EDIT, tenant_id=tenant_id)  # refused before any lookup
    current = get_event(actor, tenant_id, event_id)
    data = event_input_of(current, event_staff_ids(tenant_id, event_id)) | dict(changes)
    return do_update_event(actor, tenant_id, event_id, data, override_conflicts=override_conflicts,
                           override_reason=override_reason)


# ---------------------------------------------------------------- lifecycle

class ClosingInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    attendance_count: int = Field(ge=0, le=100000)
    outcome_notes: str = Field(default="", max_length=10000)
    figures: dict[str, float] = Field(default_factory=dict)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    perm: Perm


TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    Transition("propose", (DRAFT,), PROPOSED, Perm.CALENDAR_EDIT),
    Transition("validate", (PROPOSED,), VALIDATED, Perm.CALENDAR_VALIDATE),
    Transition("host_validate", (VALIDATED,), HOST_VALIDATED, Perm.CALENDAR_HOST_VALIDATE),
    Transition("return_to_draft", (PROPOSED, VALIDATED), DRAFT, Perm.CALENDAR_VALIDATE),
    Transition("host_refuse", (VALIDATED,), DRAFT, Perm.CALENDAR_HOST_VALIDATE),
    Transition("publish", (VALIDATED, HOST_VALIDATED, DRAFT), PUBLISHED, Perm.CALENDAR_PUBLISH),
    Transition("mark_held", (PUBLISHED,), HELD, Perm.CALENDAR_EDIT),
    Transition("close", (HELD,), CLOSED, Perm.CALENDAR_EDIT),
    Transition("cancel", (DRAFT, PROPOSED, VALIDATED, HOST_VALIDATED, PUBLISHED), CANCELLED,
               Perm.CALENDAR_VALIDATE),
]}


def allowed_actions(actor: Actor, e: Event, *, now: datetime | None = None) -> list[str]:
    """The buttons to show: the transitions this person may take now."""
    out = []
    for action in TRANSITIONS:
        try:
            _check_transition(actor, e, action, now=now or utcnow())
        except (Forbidden, Conflict, Invalid):
            continue
        out.append(action)
    return out


def _check_transition(actor: Actor, e: Event, action: str, *, now: datetime) -> Transition:
    t = TRANSITIONS.get(action)
    if t is None:
        raise Invalid(f"unknown action {action!r}", code="unknown_action")
    _not_managed(e)
    if not actor.can(t.perm):
        raise Forbidden(f"your role cannot {action.replace('_', ' ')} an event", code="transition_forbidden")
    if e.status not in t.sources:
        raise Conflict(f"a {e.status} event cannot be {action.replace('_', ' ')}", code="transition_not_allowed",
                       status=e.status)
    kind = activity_type(e.type)
    if action in ("host_validate", "host_refuse") and not (kind and kind.host_validation):
        raise Conflict("this type of event needs no host validation", code="no_host_validation")
    if action == "publish":
        if e.status == DRAFT and not (kind and kind.meeting):
            raise Conflict("an activity is validated by the manager before it is published",
                           code="validation_required")
        if e.status == DRAFT and not actor.can(Perm.CALENDAR_VALIDATE):
            raise Forbidden("only the manager schedules a meeting", code="transition_forbidden")
        if e.status == VALIDATED and kind and kind.host_validation:
            raise Conflict("the host institution validates this event sheet before it is published",
                           code="host_validation_required")
    if action == "mark_held" and e.starts_at > now:
        raise Conflict("an event is marked held once it has started", code="not_started")
    return t


def do_transition(actor: Actor, tenant_id: int, event_id: int, action: str, *, reason: str = "",
                  closing: dict | ClosingInput | None = None) -> Event:
    require(actor, Perm.CALENDAR_VIEW, tenant_id=tenant_id)
    reason = (reason or "").strip()[:500]
    with tenant_session(tenant_id) as s, transaction(s):
        e = s.get(Event, event_id)
        if e is None:
            raise NotFound("event not found")
        now = utcnow()
        t = _check_transition(actor, e, action, now=now)
        if action in ("return_to_draft", "host_refuse", "cancel") and len(reason) < 3:
            raise Invalid("say why (at least 3 characters)", code="reason_required")
        if action == "close":
            c = parse(ClosingInput, closing or {})
            e.attendance_count, e.outcome_notes, e.figures = c.attendance_count, c.outcome_notes, c.figures
        before = e.status
        e.status = t.target
        e.status_reason = reason
        if action == "validate":
            e.manager_validated_at = now
        elif action == "host_validate":
            e.host_validated_at = now
        elif action in ("return_to_draft", "host_refuse"):
            e.manager_validated_at = e.host_validated_at = None
        if action in ("publish", "cancel"):
            e.sequence += 1
        e.updated_at = now
        s.add(e)
        if t.target in (HELD, CLOSED):
            s.flush()
            activity.emit(s, tenant_id, activity.EVENT_HELD, e)
        if action == "close":
            # P08.9: closing a workshop sends its satisfaction questionnaire (T04) to those who
            # attended, in the same transaction. Imported here: the portal builds on the calendar.
            from tenants.portal.surveys.services import open_questionnaire_in

            s.flush()
            open_questionnaire_in(s, tenant_id, e, actor)
        audit(s, actor, f"event.{action}", tenant_id=tenant_id, target_type="event", target_id=e.id,
              before=before, after=e.status, reason=reason)
        return e


# ---------------------------------------------------------------- planning views

class EventFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: datetime
    end: datetime
    types: list[str] = Field(default_factory=list)
    statuses: list[str] = Field(default_factory=list)
    membership_id: int | None = None  # events where this person takes part
    audience_field: str = ""
    audience_level: str = ""

    @model_validator(mode="after")
    def _range(self) -> EventFilter:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("naive_datetime:the range needs time zone offsets")
        if self.end <= self.start:
            raise ValueError("end_before_start:the range ends before it starts")
        if self.end - self.start > timedelta(days=MAX_RANGE_DAYS):
            raise ValueError(f"range_too_long:at most {MAX_RANGE_DAYS} days at once")
        bad = [t for t in self.types if t not in ACTIVITY_TYPES] + [x for x in self.statuses if x not in STATUSES]
        if bad:
            raise ValueError(f"invalid_filter:unknown values {', '.join(bad)}")
        return self


def query_events(s: Session, f: EventFilter, *, public_only: bool = False, limit: int = MAX_PAGE,
                 offset: int = 0) -> list[Event]:
    q = select(Event).where(Event.starts_at < f.end, Event.ends_at > f.start)
    if f.types:
        q = q.where(Event.type.in_(f.types))
    if f.statuses:
        q = q.where(Event.status.in_(f.statuses))
    if public_only:
        public_types = [code for code, t in ACTIVITY_TYPES.items() if t.public]
        q = q.where(Event.status.in_((PUBLISHED, HELD, CLOSED)), Event.type.in_(public_types))
    if f.membership_id is not None:
        mid = f.membership_id
        sub = select(EventStaff.event_id).where(EventStaff.membership_id == mid)
        q = q.where(Event.id.in_(sub) | (Event.organiser_membership_id == mid))
    q = q.order_by(Event.starts_at, Event.id)
    if not (f.audience_field or f.audience_level):
        return list(s.exec(q.offset(offset).limit(limit)).all())
    # the audience is a JSON column: filter before paging, or pages come out short and
    # offsets skip events
    rows = list(s.exec(q).all())
    if f.audience_field:
        rows = [e for e in rows if not e.audience.get("fields") or f.audience_field in e.audience["fields"]]
    if f.audience_level:
        rows = [e for e in rows if not e.audience.get("levels") or f.audience_level in e.audience["levels"]]
    return rows[offset:offset + limit]


def list_events(actor: Actor, tenant_id: int, filters: dict | EventFilter, *, limit: int = MAX_PAGE,
                offset: int = 0) -> list[Event]:
    require(actor, Perm.CALENDAR_VIEW, tenant_id=tenant_id)
    f = parse(EventFilter, filters)
    with tenant_session(tenant_id) as s:
        return query_events(s, f, limit=min(max(limit, 1), MAX_PAGE), offset=max(offset, 0))


@dataclass(frozen=True)
class EventSummary:
    """What a month/week/day/agenda cell shows; light enough for 20,000 events a year."""

    id: int
    type: str
    title: str
    status: str
    starts_at: datetime
    ends_at: datetime
    room_id: int | None
    organiser_membership_id: int | None
    capacity: int | None
    registered_count: int


_SUMMARY_COLS = (Event.id, Event.type, Event.title, Event.status, Event.starts_at, Event.ends_at, Event.room_id,
                 Event.organiser_membership_id, Event.capacity, Event.registered_count)


def calendar_view(actor: Actor, tenant_id: int, filters: dict | EventFilter) -> list[EventSummary]:
    """The planning views (T01): every event of the range, columns only, in start order."""
    require(actor, Perm.CALENDAR_VIEW, tenant_id=tenant_id)
    f = parse(EventFilter, filters)
    q = select(*_SUMMARY_COLS).where(Event.tenant_id == tenant_id, Event.starts_at < f.end, Event.ends_at > f.start)
    if f.types:
        q = q.where(Event.type.in_(f.types))
    if f.statuses:
        q = q.where(Event.status.in_(f.statuses))
    if f.membership_id is not None:
        sub = select(EventStaff.event_id).where(EventStaff.membership_id == f.membership_id)
        q = q.where(Event.id.in_(sub) | (Event.organiser_membership_id == f.membership_id))
    with tenant_session(tenant_id) as s:
        rows = s.exec(q.order_by(Event.starts_at, Event.id)).all()
    return [EventSummary(*r) for r in rows]


def list_public_events(tenant_slug: str, filters: dict | EventFilter) -> list[Event]:
    """The portal's read-only calendar: published activities open to students."""
    from tenants.core.queries import get_tenant_by_slug

    f = parse(EventFilter, filters)
    with system_session("portal calendar: resolve tenant") as s:
        tenant_id = get_tenant_by_slug(s, tenant_slug).id
    with tenant_session(tenant_id) as s:
        return query_events(s, f, public_only=True)


# ---------------------------------------------------------------- recurrence

class SeriesInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    type: str = "weekly_coordination_meeting"
    title: str = Field(min_length=2, max_length=200)
    academic_year_id: int
    weekday: int = Field(ge=0, le=6)  # 0 = Monday
    local_start: time
    duration_minutes: int = Field(ge=15, le=600)
    room_id: int | None = None
    skip_holidays: bool = True

    @field_validator("type")
    @classmethod
    def _meeting(cls, v: str) -> str:
        t = ACTIVITY_TYPES.get(v)
        if t is None or not t.meeting:
            raise ValueError("unknown_type:a series is an internal meeting type")
        return v


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def occurrences(rule: str, *, first_day: date, last_day: date, local_start: time, zone: ZoneInfo,
                holidays: list[Holiday]) -> list[datetime]:
    """Local wall-clock occurrences of an RRULE, skipping holidays, as aware datetimes.

    The rule runs on naive local times and each result is then placed in the zone, so a
    10:00 meeting stays at 10:00 across daylight-saving changes (Morocco suspends its
    DST during Ramadan; zoneinfo knows each year's dates).
    """
    dtstart = datetime.combine(first_day, local_start)
    until = datetime.combine(last_day, time(23, 59))
    out = []
    for naive in rrulestr(rule, dtstart=dtstart).between(dtstart, until, inc=True):
        if holidays and _is_holiday(naive.date(), holidays):
            continue
        out.append(naive.replace(tzinfo=zone))
    return out


def do_create_meeting_series(actor: Actor, tenant_id: int, data: dict | SeriesInput) -> EventSeries:
    """P03.1: the manager fixes the weekly meeting's day and hour for the year; the
    occurrences are generated for the whole academic year, holidays skipped."""
    require(actor, Perm.CALENDAR_SETTINGS, tenant_id=tenant_id)
    inp = parse(SeriesInput, data)
    with tenant_session(tenant_id) as s, transaction(s):
        year = s.get(AcademicYear, inp.academic_year_id)
        if year is None:
            raise NotFound("academic year not found", code="academic_year_not_found")
        _check_room(s, inp.room_id)
        zone = tenant_zone(s, tenant_id)
        rule = f"FREQ=WEEKLY;BYDAY={WEEKDAYS[inp.weekday]}"
        series = EventSeries(tenant_id=tenant_id, academic_year_id=year.id, type=inp.type, title=inp.title,
                             rrule=rule, local_start=inp.local_start, duration_minutes=inp.duration_minutes,
                             timezone=zone.key, skip_holidays=inp.skip_holidays)
        s.add(series)
        s.flush()
        holidays = holidays_of(s, year.id) if inp.skip_holidays else []
        team = [m.id for m in s.exec(select(Membership).where(Membership.active)).all()
                if set(m.roles) & {Role.MANAGER.value, Role.CAREER_COUNSELOR.value,
                                   Role.BUSINESS_DEVELOPER.value}]
        starts = occurrences(rule, first_day=max(year.starts_on, utcnow().astimezone(zone).date()),
                             last_day=year.ends_on, local_start=inp.local_start, zone=zone, holidays=holidays)
        length = timedelta(minutes=inp.duration_minutes)
        for start in starts:
            e = Event(tenant_id=tenant_id, uid=f"{uuid.uuid4()}@cc-network", type=inp.type, title=inp.title,
                      starts_at=_utc(start), ends_at=_utc(start + length), timezone=zone.key, room_id=inp.room_id,
                      organiser_membership_id=actor.membership_id, status=PUBLISHED, series_id=series.id,
                      created_by_account_id=actor.account_id)
            s.add(e)
            s.flush()
            for mid in team:
                s.add(EventStaff(tenant_id=tenant_id, event_id=e.id, membership_id=mid))
        audit(s, actor, "calendar.series_created", tenant_id=tenant_id, target_type="event_series",
              target_id=series.id, occurrences=len(starts), rule=rule)
        return series


# ---------------------------------------------------------------- availability

class SlotInput(BaseModel):
    weekday: int = Field(ge=0, le=6)
    start_time: time
    end_time: time

    @model_validator(mode="after")
    def _order(self) -> SlotInput:
        if self.end_time <= self.start_time:
            raise ValueError("end_before_start:a slot ends after it starts")
        return self


def do_set_availability(actor: Actor, tenant_id: int, membership_id: int, slots: list[dict]) -> list[Availability]:
    """A counselor's working hours: their own, or anyone's for the manager."""
    require(actor, Perm.CALENDAR_EDIT, tenant_id=tenant_id)
    if membership_id != actor.membership_id and not actor.can(Perm.CALENDAR_SETTINGS):
        raise Forbidden("only the manager sets someone else's hours", code="forbidden")
    parsed = [parse(SlotInput, x) for x in (slots or [])][:50]
    with tenant_session(tenant_id) as s, transaction(s):
        m = s.get(Membership, membership_id)
        if m is None:
            raise NotFound("member not found")
        s.exec(delete(Availability).where(Availability.membership_id == membership_id))
        rows = [Availability(tenant_id=tenant_id, membership_id=membership_id, weekday=p.weekday,
                             start_time=p.start_time, end_time=p.end_time) for p in parsed]
        for r in rows:
            s.add(r)
        audit(s, actor, "calendar.availability_set", tenant_id=tenant_id, target_type="membership",
              target_id=membership_id, slots=len(rows))
        return rows


def do_add_absence(actor: Actor, tenant_id: int, membership_id: int, *, starts_at: datetime,
                   ends_at: datetime, reason: str = "") -> Absence:
    require(actor, Perm.CALENDAR_EDIT, tenant_id=tenant_id)
    if membership_id != actor.membership_id and not actor.can(Perm.CALENDAR_SETTINGS):
        raise Forbidden("only the manager records someone else's leave", code="forbidden")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise Invalid("times need a time zone", code="naive_datetime")
    if ends_at <= starts_at:
        raise Invalid("the end is before the start", code="end_before_start")
    with tenant_session(tenant_id) as s, transaction(s):
        if s.get(Membership, membership_id) is None:
            raise NotFound("member not found")
        a = Absence(tenant_id=tenant_id, membership_id=membership_id, starts_at=starts_at, ends_at=ends_at,
                    reason=(reason or "").strip()[:200])
        s.add(a)
        s.flush()
        audit(s, actor, "calendar.absence_added", tenant_id=tenant_id, target_type="membership",
              target_id=membership_id)
        return a


def is_available(tenant_id: int, membership_id: int, starts_at: datetime, ends_at: datetime) -> bool:
    """Inside the person's working hours, not on leave, not busy (bookings use this)."""
    with tenant_session(tenant_id) as s:
        zone = tenant_zone(s, tenant_id)
        ls, le = starts_at.astimezone(zone), ends_at.astimezone(zone)
        if ls.date() != le.date():
            return False
        slots = s.exec(select(Availability).where(Availability.membership_id == membership_id,
                                                  Availability.weekday == ls.weekday())).all()
        if not any(sl.start_time <= ls.time() and le.time() <= sl.end_time for sl in slots):
            return False
        if s.exec(select(Absence).where(Absence.membership_id == membership_id, Absence.starts_at < ends_at,
                                        Absence.ends_at > starts_at)).first():
            return False
        return not find_conflicts(s, starts_at=starts_at, ends_at=ends_at, people={membership_id}, room_id=None)


# ---------------------------------------------------------------- ICS

def _ics_event(e: Event, base_url: str, slug: str) -> IcsEvent:
    return IcsEvent(uid=e.uid, summary=e.title, starts_at=e.starts_at, ends_at=e.ends_at, timezone=e.timezone,
                    sequence=e.sequence, description=e.description, location=e.address or e.online_url,
                    url=f"{base_url}/portal/{slug}/events/{e.id}", cancelled=e.status == CANCELLED,
                    last_modified=e.updated_at, categories=(e.type,))


@dataclass(frozen=True)
class IssuedFeed:
    id: int
    scope: str
    url: str


def do_create_feed(actor: Actor, tenant_id: int, *, scope: str = "personal") -> IssuedFeed:
    """A secret subscription URL; the token is shown once and stored hashed."""
    require(actor, Perm.CALENDAR_VIEW, tenant_id=tenant_id)
    if scope not in ("personal", "tenant"):
        raise Invalid("scope is personal or tenant", code="invalid_scope")
    if actor.membership_id is None:
        raise Forbidden("a feed belongs to a member of the centre", code="no_membership")
    token = new_token()
    with tenant_session(tenant_id) as s, transaction(s):
        feed = CalendarFeed(tenant_id=tenant_id, membership_id=actor.membership_id, scope=scope,
                            token_hash=token_hash(token))
        s.add(feed)
        s.flush()
        audit(s, actor, "calendar.feed_created", tenant_id=tenant_id, target_type="calendar_feed",
              target_id=feed.id, scope=scope)
        return IssuedFeed(feed.id, scope, f"{get_settings().api_url}/api/v1/calendar/feed/{token}.ics")


def list_feeds(actor: Actor, tenant_id: int) -> list[CalendarFeed]:
    """The caller's active subscription URLs (their tokens are never shown again)."""
    require(actor, Perm.CALENDAR_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return list(s.exec(select(CalendarFeed).where(CalendarFeed.membership_id == actor.membership_id,
                                                      CalendarFeed.revoked_at.is_(None))
                           .order_by(CalendarFeed.id.desc())).all())


def do_revoke_feed(actor: Actor, tenant_id: int, feed_id: int) -> None:
    require(actor, Perm.CALENDAR_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        feed = s.get(CalendarFeed, feed_id)
        if feed is None or feed.membership_id != actor.membership_id or feed.revoked_at:
            raise NotFound("feed not found")
        feed.revoked_at = utcnow()
        s.add(feed)
        audit(s, actor, "calendar.feed_revoked", tenant_id=tenant_id, target_type="calendar_feed",
              target_id=feed.id)


FEED_PAST_DAYS, FEED_FUTURE_DAYS = 60, 330


_FEED_COLS = (Event.id, Event.uid, Event.title, Event.starts_at, Event.ends_at, Event.timezone, Event.sequence,
              Event.description, Event.address, Event.online_url, Event.status, Event.updated_at, Event.type,
              Event.ics_key, Event.ics_vevent)


def _feed_blocks(s: Session, f: EventFilter, base: str, slug: str) -> tuple[list[str], set[str]]:
    """Each event's stored VEVENT, re-rendered (and stored) when what it shows has changed.
    Columns only: a feed of thousands of events must not build full objects."""
    q = select(*_FEED_COLS).where(Event.starts_at < f.end, Event.ends_at > f.start, Event.status != DRAFT)
    if f.membership_id is not None:
        sub = select(EventStaff.event_id).where(EventStaff.membership_id == f.membership_id)
        q = q.where(Event.id.in_(sub) | (Event.organiser_membership_id == f.membership_id))
    blocks, zones, stale = [], set(), []
    for (eid, uid, title, starts, ends, tz, seq, desc, address, online, status, updated, typ, key,
         block) in s.exec(q.order_by(Event.starts_at, Event.id)).all():
        ie = IcsEvent(uid=uid, summary=title, starts_at=starts, ends_at=ends, timezone=tz, sequence=seq,
                      description=desc, location=address or online, url=f"{base}/portal/{slug}/events/{eid}",
                      cancelled=status == CANCELLED, last_modified=updated, categories=(typ,))
        fresh = ie.cache_key()
        if key != fresh:
            block = render_vevent(ie)
            stale.append({"id": eid, "ics_key": fresh, "ics_vevent": block})
        blocks.append(block)
        zones.add(tz)
    if stale:
        s.execute(update(Event), stale)
        s.commit()
    return blocks, zones


def feed_ics(token: str) -> bytes:
    """The ICS of a subscription URL. An unknown or revoked token is 'not found'."""
    with system_session("calendar feed: resolve token") as s:
        feed = s.exec(select(CalendarFeed).where(CalendarFeed.token_hash == token_hash(token or ""))).first()
        if feed is None or feed.revoked_at is not None:
            raise NotFound("feed not found")
        tenant = s.get(Tenant, feed.tenant_id)
        m = s.get(Membership, feed.membership_id)
        if tenant is None or m is None or not m.active:
            raise NotFound("feed not found")
        tenant_id, scope, mid, slug, name = tenant.id, feed.scope, m.id, tenant.slug, tenant.name
    now = utcnow()
    f = EventFilter(start=now - timedelta(days=FEED_PAST_DAYS), end=now + timedelta(days=FEED_FUTURE_DAYS),
                    membership_id=mid if scope == "personal" else None)
    with tenant_session(tenant_id) as s:
        blocks, zones = _feed_blocks(s, f, get_settings().base_url, slug)
    return assemble(name, blocks, zones)


def event_ics(actor: Actor, tenant_id: int, event_id: int) -> bytes:
    e = get_event(actor, tenant_id, event_id)
    with system_session("event ics: tenant name") as s:
        tenant = s.get(Tenant, tenant_id)
    return build_calendar(tenant.name, [_ics_event(e, get_settings().base_url, tenant.slug)], method="PUBLISH")
