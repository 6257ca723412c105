"""The activity calendar over REST (issue 3 §9): events, lifecycle, ICS, feeds, rooms,
academic years, meeting series. Every route calls a service of tenants.calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from cc_network.api.deps import actor_in_tenant, current_actor
from cc_network.api.errors import detailed_errors
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.calendar import planning
from tenants.calendar import services as cal
from tenants.calendar.services import AcademicYearInput, ClosingInput, EventInput, SeriesInput
from tenants.calendar.types import ACTIVITY_TYPES
from tenants.core.actor import Actor
from workflows.communications import posters

# what a refusal may carry besides its code, so a client can fix the request
DETAIL_KEYS = ("conflicts", "ids", "registered", "fields")
MAX_LIMIT = 200


router = APIRouter(tags=["calendar"], responses=ERROR_RESPONSES, route_class=detailed_errors(*DETAIL_KEYS))
T = "/tenants/{tenant}"
EventId = Path(ge=1, le=MAX_ID)
ICS = "text/calendar; charset=utf-8"


# ---------------------------------------------------------------- schemas

class EventOut(BaseModel):
    """The event sheet (M33). Times are UTC; `timezone` is the zone it is shown in."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    uid: str = Field(description="iCalendar UID, stable across updates")
    type: str
    title: str
    theme: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    room_id: int | None
    address: str
    online_url: str
    organiser_membership_id: int | None
    coordination_membership_id: int | None
    communication_membership_id: int | None
    audience: dict[str, Any]
    capacity: int | None
    registered_count: int
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    partners: list[dict[str, Any]]
    budget_lines: list[dict[str, Any]]
    logistics: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    publishes_photos: bool
    details: dict[str, Any]
    status: str
    status_reason: str
    sequence: int = Field(description="iCalendar SEQUENCE, bumped on every change attendees see")
    series_id: int | None
    attendance_count: int | None
    outcome_notes: str
    figures: dict[str, Any]
    manager_validated_at: datetime | None
    host_validated_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EventSheet(EventOut):
    staff_membership_ids: list[int] = Field(description="everyone taking part, organisers included")
    allowed_actions: list[str] = Field(description="the transitions the caller may take now")


class EventPage(BaseModel):
    items: list[EventOut]
    limit: int
    offset: int
    next_offset: int | None


class EventRow(BaseModel):
    """A month/week/day/agenda cell."""

    model_config = ConfigDict(from_attributes=True)

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


class _Override(BaseModel):
    model_config = ConfigDict(extra="forbid")

    override_conflicts: bool = Field(False, description="keep a schedule conflict; logged with the reason")
    override_reason: str = Field("", max_length=500)


class EventCreate(EventInput, _Override):
    pass


# PATCH: every field of the entry form, optional; the service merges them over the event
# and checks the whole form again.
EventPatch = create_model(
    "EventPatch",
    __base__=_Override,
    **{name: (f.annotation | None, None) for name, f in EventInput.model_fields.items()},
)


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: str = Field(max_length=40, description=", ".join(cal.TRANSITIONS))
    reason: str = Field("", max_length=500, description="required to return to draft, refuse or cancel")
    closing: ClosingInput | None = Field(None, description="attendance and outcome, to close")


class FeedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: str = Field("personal", pattern="^(personal|tenant)$",
                       description="personal: the caller's events; tenant: the centre's calendar")


class FeedOut(BaseModel):
    id: int
    scope: str
    created_at: datetime


class FeedCreated(BaseModel):
    id: int
    scope: str
    url: str = Field(description="the subscription URL, shown once: its token is the credential")


class RoomIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=120)
    location: str = Field("", max_length=200)
    capacity: int | None = Field(None, ge=1, le=100000)


class RoomOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    location: str
    capacity: int | None
    active: bool


class PeriodOut(BaseModel):
    starts_on: date
    ends_on: date
    name: str = ""


class AcademicYearOut(BaseModel):
    id: int
    label: str
    starts_on: date
    ends_on: date
    semesters: list[PeriodOut]
    holidays: list[PeriodOut]


class SeriesOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    academic_year_id: int | None
    type: str
    title: str
    rrule: str
    timezone: str
    duration_minutes: int
    skip_holidays: bool


class ActivityTypeOut(BaseModel):
    code: str
    procedure: str
    meeting: bool
    public: bool
    registration: bool
    host_validation: bool
    fields: list[str]


# ---------------------------------------------------------------- helpers

def _sheet(actor: Actor, tenant_id: int, e: Any) -> EventSheet:
    return EventSheet.model_validate(
        EventOut.model_validate(e).model_dump()
        | {"staff_membership_ids": cal.event_staff_ids(tenant_id, e.id),
           "allowed_actions": cal.allowed_actions(actor, e)})


def _year_out(y: cal.AcademicYearView) -> AcademicYearOut:
    return AcademicYearOut(id=y.id, label=y.label, starts_on=y.starts_on, ends_on=y.ends_on,
                           semesters=[PeriodOut(starts_on=x.starts_on, ends_on=x.ends_on) for x in y.semesters],
                           holidays=[PeriodOut(starts_on=h.starts_on, ends_on=h.ends_on, name=h.name)
                                     for h in y.holidays])


def _filters(start: datetime, end: datetime, types: list[str], statuses: list[str],
             membership_id: int | None) -> dict[str, Any]:
    return {"start": start, "end": end, "types": types, "statuses": statuses, "membership_id": membership_id}


def _ics(body: bytes, filename: str) -> Response:
    return Response(body, media_type=ICS, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                                   "Cache-Control": "no-cache"})


Start = Query(description="range start, ISO 8601 with offset")
End = Query(description="range end (exclusive), ISO 8601 with offset")
Types = Query(default_factory=list, alias="type", description="repeatable")
Statuses = Query(default_factory=list, alias="status", description="repeatable")
Member = Query(None, ge=1, le=MAX_ID, description="events this team member takes part in")


# ---------------------------------------------------------------- events

@router.get(T + "/events", response_model=EventPage)
def list_events(
    start: datetime = Start,
    end: datetime = End,
    types: list[str] = Types,
    statuses: list[str] = Statuses,
    membership_id: int | None = Member,
    audience_field: str = Query("", max_length=200),
    audience_level: str = Query("", max_length=200),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=MAX_ID),
    scope: tuple[Actor, int] = Depends(actor_in_tenant),
) -> EventPage:
    actor, tenant_id = scope
    f = _filters(start, end, types, statuses, membership_id) | {"audience_field": audience_field,
                                                                 "audience_level": audience_level}
    # one more than asked says whether a next page exists
    rows = cal.list_events(actor, tenant_id, f, limit=limit + 1, offset=offset)
    more = len(rows) > limit
    return EventPage(items=[EventOut.model_validate(e) for e in rows[:limit]], limit=limit, offset=offset,
                     next_offset=offset + limit if more else None)


@router.get(T + "/events/view", response_model=list[EventRow])
def calendar_view(
    start: datetime = Start,
    end: datetime = End,
    types: list[str] = Types,
    statuses: list[str] = Statuses,
    membership_id: int | None = Member,
    scope: tuple[Actor, int] = Depends(actor_in_tenant),
) -> list[EventRow]:
    actor, tenant_id = scope
    rows = cal.calendar_view(actor, tenant_id, _filters(start, end, types, statuses, membership_id))
    return [EventRow.model_validate(r) for r in rows]


@router.post(T + "/events", response_model=EventSheet, status_code=201)
def create_event(body: EventCreate, scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> EventSheet:
    actor, tenant_id = scope
    e = cal.do_create_event(actor, tenant_id, body.model_dump(exclude=set(_Override.model_fields)),
                            override_conflicts=body.override_conflicts, override_reason=body.override_reason)
    return _sheet(actor, tenant_id, e)


# declared before /events/{event_id}, which would otherwise take "12.ics" as an id
@router.get(T + "/events/{event_id}.ics", response_class=Response,
            responses={200: {"content": {"text/calendar": {}}}})
def event_ics(event_id: int = EventId, scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> Response:
    actor, tenant_id = scope
    return _ics(cal.event_ics(actor, tenant_id, event_id), f"event-{event_id}.ics")


@router.get(T + "/events/{event_id}/poster", response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "image/png": {}}}})
def event_poster(event_id: int = EventId, scope: tuple[Actor, int] = Depends(actor_in_tenant),
                 format: str = Query("pdf", pattern="^(pdf|png|square)$",
                                     description="pdf: A4; png: A4 at 150 dpi; square: 1080x1080 PNG"),
                 template: str = Query("default", max_length=20, description="default, bold or minimal"),
                 lang: str | None = Query(None, pattern="^(fr|en|ar)$",
                                          description="default: the centre's language")) -> Response:
    """The activity's poster (A01): centre, type, title, date and place, description, and a QR
    code to its portal page when it is published."""
    actor, tenant_id = scope
    body, name, mime = posters.render_poster(actor, event_id, format, template, lang, tenant_id=tenant_id)
    return Response(body, media_type=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(T + "/events/{event_id}", response_model=EventSheet)
def get_event(event_id: int = EventId, scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> EventSheet:
    actor, tenant_id = scope
    return _sheet(actor, tenant_id, cal.get_event(actor, tenant_id, event_id))


@router.patch(T + "/events/{event_id}", response_model=EventSheet)
def update_event(body: EventPatch, event_id: int = EventId,  # type: ignore[valid-type]
                 scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> EventSheet:
    actor, tenant_id = scope
    changes = body.model_dump(exclude_unset=True, exclude=set(_Override.model_fields))
    e = cal.do_patch_event(actor, tenant_id, event_id, changes, override_conflicts=body.override_conflicts,
                           override_reason=body.override_reason)
    return _sheet(actor, tenant_id, e)


@router.post(T + "/events/{event_id}/transitions", response_model=EventSheet)
def transition(body: TransitionIn, event_id: int = EventId,
               scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> EventSheet:
    actor, tenant_id = scope
    e = cal.do_transition(actor, tenant_id, event_id, body.action, reason=body.reason,
                          closing=body.closing.model_dump() if body.closing else None)
    return _sheet(actor, tenant_id, e)


# ---------------------------------------------------------------- feeds

@router.get(T + "/calendar/feeds", response_model=list[FeedOut])
def list_feeds(scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> list[FeedOut]:
    actor, tenant_id = scope
    return [FeedOut(id=f.id, scope=f.scope, created_at=f.created_at) for f in cal.list_feeds(actor, tenant_id)]


@router.post(T + "/calendar/feeds", response_model=FeedCreated, status_code=201)
def create_feed(body: FeedCreate, scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> FeedCreated:
    actor, tenant_id = scope
    issued = cal.do_create_feed(actor, tenant_id, scope=body.scope)
    return FeedCreated(id=issued.id, scope=issued.scope, url=issued.url)


@router.delete(T + "/calendar/feeds/{feed_id}", status_code=204, response_class=Response)
def revoke_feed(feed_id: int = Path(ge=1, le=MAX_ID), scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> Response:
    actor, tenant_id = scope
    cal.do_revoke_feed(actor, tenant_id, feed_id)
    return Response(status_code=204)


@router.get("/calendar/feed/{token}.ics", response_class=Response, responses={200: {"content": {"text/calendar": {}}}})
def feed(token: str) -> Response:
    """A subscription URL for Google Calendar or Outlook. No sign-in: the secret token is the
    credential (calendar apps cannot send one); unknown or revoked answers 404."""
    return _ics(cal.feed_ics(token), "calendar.ics")


# ---------------------------------------------------------------- settings

@router.get("/calendar/activity-types", response_model=list[ActivityTypeOut])
def activity_types(actor: Actor = Depends(current_actor)) -> list[ActivityTypeOut]:
    """The activity types of the procedure book, with the extra fields each one's form asks for."""
    return [ActivityTypeOut(code=t.code, procedure=t.procedure, meeting=t.meeting, public=t.public,
                            registration=t.registration, host_validation=t.host_validation, fields=list(t.fields))
            for t in ACTIVITY_TYPES.values()]


@router.get(T + "/academic-years", response_model=list[AcademicYearOut])
def list_academic_years(scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> list[AcademicYearOut]:
    actor, tenant_id = scope
    return [_year_out(y) for y in cal.list_academic_years(actor, tenant_id)]


@router.put(T + "/academic-years", response_model=AcademicYearOut)
def set_academic_year(body: AcademicYearInput, scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> AcademicYearOut:
    """Create the year named by `label`, or replace it with its semesters and holidays."""
    actor, tenant_id = scope
    year = cal.do_set_academic_year(actor, tenant_id, body)
    return next(_year_out(y) for y in cal.list_academic_years(actor, tenant_id) if y.id == year.id)


@router.post(T + "/meeting-series", response_model=SeriesOut, status_code=201)
def create_meeting_series(body: SeriesInput, scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> SeriesOut:
    """P03.1: the weekly meeting's day and hour for the year; occurrences skip holidays."""
    actor, tenant_id = scope
    return SeriesOut.model_validate(cal.do_create_meeting_series(actor, tenant_id, body))


@router.get(T + "/rooms", response_model=list[RoomOut])
def list_rooms(scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> list[RoomOut]:
    actor, tenant_id = scope
    return [RoomOut.model_validate(r) for r in cal.list_rooms(actor, tenant_id)]


@router.post(T + "/rooms", response_model=RoomOut, status_code=201)
def create_room(body: RoomIn, scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> RoomOut:
    actor, tenant_id = scope
    return RoomOut.model_validate(cal.do_create_room(actor, tenant_id, name=body.name, location=body.location,
                                                     capacity=body.capacity))


# ---------------------------------------------------------------- planning (M32)

PLANNING_TYPES = {"pdf": "application/pdf",
                  "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get(T + "/planning", response_class=Response,
            responses={200: {"content": {t: {} for t in PLANNING_TYPES.values()}}})
def planning_export(
    scope: tuple[Actor, int] = Depends(actor_in_tenant),
    start: date = Query(description="a day of the month or week"),
    period: str = Query("month", pattern="^(month|week)$"),
    format: str = Query("pdf", pattern="^(pdf|xlsx)$"),
    lang: str = Query("fr", pattern="^(fr|en|ar)$"),
) -> Response:
    """The monthly or weekly planning (M32), printable (PDF) or as a workbook (XLSX)."""
    actor, tenant_id = scope
    export = planning.export_planning_pdf if format == "pdf" else planning.export_planning_xlsx
    body = export(actor, tenant_id, period, start, lang)
    name = f"planning-{period}-{start.isoformat()}.{format}"
    return Response(body, media_type=PLANNING_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
