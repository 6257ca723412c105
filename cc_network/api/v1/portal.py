"""The student portal over REST (issue 4 §8): individual sessions (P07), registrations to
activities (P08), the student's profile, CV, consent and data (BD02), staff's student list and
visit sheets (P06). Every route calls a service of tenants.portal; the rules live there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Path, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from cc_network.api.deps import actor_in_tenant
from cc_network.api.errors import detailed_errors
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID, Page
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.portal.profiles import services as prof
from tenants.portal.profiles.services import ProfileInput
from tenants.portal.registrations import services as reg
from tenants.portal.registrations.models import STATUSES as REGISTRATION_STATUSES
from tenants.portal.registrations.services import WaiverInput
from tenants.portal.sessions import services as sess
from tenants.portal.sessions.models import STATUSES as SESSION_STATUSES
from tenants.portal.sessions.services import BookingInput
from tenants.portal.settings.services import get_portal_settings
from tenants.portal.visits import services as visits
from tenants.portal.visits.services import VisitInput

# what a refusal may carry besides its code, so a client can act on it (until when booking is
# suspended, when registration opens, the cancellation cut-off, the CV size limit)
DETAIL_KEYS = ("until", "opens_at", "hours", "max_bytes", "status")


router = APIRouter(tags=["portal"], responses=ERROR_RESPONSES, route_class=detailed_errors(*DETAIL_KEYS))
T = "/tenants/{tenant}"
P = T + "/portal"
Scope = Depends(actor_in_tenant)
PDF = "application/pdf"
MAX_STUDENTS = 100


# ---------------------------------------------------------------- schemas

class CounselorOut(BaseModel):
    membership_id: int
    full_name: str


class SlotOut(BaseModel):
    starts_at: datetime
    ends_at: datetime


class BookingOut(BaseModel):
    """An individual session. The staff-only fields are null in a student's answer: the
    counselor's notes and next action are never shown to the student."""

    id: int
    event_id: int
    counselor_membership_id: int
    counselor_name: str
    starts_at: datetime
    ends_at: datetime
    need: str
    status: str
    cancelled_by: str
    cancel_reason: str
    student_membership_id: int | None = Field(None, description="staff only")
    student_name: str | None = Field(None, description="staff only")
    notes: str | None = Field(None, description="staff only")
    next_action: str | None = Field(None, description="staff only")
    created_at: datetime | None = Field(None, description="staff only")
    confirmed_at: datetime | None = Field(None, description="staff only")


class NoShowOut(BaseModel):
    booking: BookingOut
    no_show_count: int = Field(description="no-shows counted toward the centre's limit")
    suspended_until: datetime | None = Field(description="set when this no-show suspended booking")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=500, description="required (3+ characters) when staff cancel")


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    notes: str = Field(max_length=sess.NOTES_MAX)
    next_action: str = Field("", max_length=sess.NEXT_ACTION_MAX)


class CatalogueItemOut(BaseModel):
    id: int
    type: str
    title: str
    theme: str
    starts_at: datetime
    ends_at: datetime
    address: str
    online_url: str
    capacity: int | None
    seats_left: int | None = Field(description="null: no limit")
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    open_now: bool = Field(description="false: the registration window opens later")
    publishes_photos: bool = Field(description="registering asks for the image-rights waiver (M36)")
    requires_confirmation: bool
    my_status: str | None = Field(description="the caller's live registration, if any")


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: int = Field(ge=1, le=MAX_ID)
    waiver: WaiverInput | None = Field(None, description="required when the event publishes photos")


class RegistrationOut(BaseModel):
    id: int
    event_id: int
    event_title: str
    event_starts_at: datetime
    student_membership_id: int
    status: str
    waitlist_seq: int | None = Field(description="arrival number on the waitlist, never reused")
    position: int | None = Field(description="place in the waitlist now (1 = next offered)")
    hold_expires_at: datetime | None
    registered_at: datetime
    checked_in_at: datetime | None
    waiver_signed: bool


class AttendanceRowOut(BaseModel):
    registration_id: int
    student_membership_id: int
    full_name: str
    email: str
    status: str
    waitlist_seq: int | None
    registered_at: datetime
    checked_in_at: datetime | None
    waiver_signed: bool


class EstablishmentOut(BaseModel):
    id: int
    name: str
    city: str
    is_host: bool
    active: bool


class StudyFieldOut(BaseModel):
    id: int
    name: str
    sector: str
    tracks: list[str]
    active: bool


class ConsentOut(BaseModel):
    granted: bool = Field(description="the student agrees to share their profile with companies")
    at: datetime | None
    text_version: str


class ProfileOut(BaseModel):
    membership_id: int
    email: str
    full_name: str
    phone: str
    establishment: EstablishmentOut | None
    field: StudyFieldOut | None
    track: str
    level: str | None
    graduation_year: int | None
    graduation_month: int | None
    languages: list[dict[str, Any]]
    skills: list[str]
    experiences: list[dict[str, Any]]
    has_cv: bool
    cv_filename: str
    cv_size: int | None
    cv_uploaded_at: datetime | None
    consent: ConsentOut
    updated_at: datetime | None
    deletion_pending: bool


class StudentPage(BaseModel):
    items: list[ProfileOut]
    limit: int
    offset: int
    next_offset: int | None


class DeletionRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=2000)


class DeletionRequestOut(BaseModel):
    id: int
    status: str
    reason: str
    requested_at: datetime
    handled_at: datetime | None
    rejection_reason: str


class VisitOut(BaseModel):
    id: int
    at: datetime
    channel: str
    needs: list[str]
    orientation: str
    event_id: int | None
    student_membership_id: int | None
    student_name: str
    student_email: str
    logged_by_membership_id: int | None
    registered_here: bool = Field(description="the student was registered on the spot")


# ---------------------------------------------------------------- helpers

def _booking(v: sess.StudentBookingView | sess.StaffBookingView) -> BookingOut:
    return BookingOut.model_validate(asdict(v))


def _profile(v: prof.ProfileView) -> ProfileOut:
    return ProfileOut.model_validate(asdict(v) | {"has_cv": v.has_cv})


def _pdf(filename: str, body: bytes) -> Response:
    # RFC 6266: an ASCII fallback and the UTF-8 name (a CV called "Mon CV – Hiba.pdf")
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "") or "cv.pdf"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=PDF, headers={"Content-Disposition": disposition,
                                                   "X-Content-Type-Options": "nosniff",
                                                   "Cache-Control": "private, no-store"})


# ---------------------------------------------------------------- individual sessions (P07)

@router.get(P + "/counselors", response_model=list[CounselorOut])
def list_counselors(scope: tuple[Actor, int] = Scope) -> list[CounselorOut]:
    actor, tenant_id = scope
    return [CounselorOut(membership_id=c.membership_id, full_name=c.full_name)
            for c in sess.list_counselors(actor, tenant_id)]


@router.get(P + "/counselors/{membership_id}/slots", response_model=list[SlotOut])
def free_slots(
    membership_id: int = Path(ge=1, le=MAX_ID),
    day_from: date = Query(alias="from", description="first day, the centre's local date"),
    day_to: date = Query(alias="to", description="last day (included)"),
    scope: tuple[Actor, int] = Scope,
) -> list[SlotOut]:
    """The counselor's bookable slots: weekly hours minus leave, events and bookings."""
    actor, tenant_id = scope
    return [SlotOut(starts_at=x.starts_at, ends_at=x.ends_at)
            for x in sess.free_slots(actor, tenant_id, membership_id, day_from=day_from, day_to=day_to)]


@router.post(P + "/bookings", response_model=BookingOut, status_code=201)
def book_session(body: BookingInput, scope: tuple[Actor, int] = Scope) -> BookingOut:
    """A student books a free slot; `requested` until the counselor confirms, unless the
    centre confirms at once."""
    actor, tenant_id = scope
    return _booking(sess.do_book_session(actor, tenant_id, body))


@router.get(P + "/bookings", response_model=list[BookingOut])
def list_bookings(
    counselor: str = Query("me", pattern=r"^(me|[1-9][0-9]{0,8})$",
                           description="staff: `me` or a counselor's membership id (the manager's)"),
    statuses: list[str] = Query(default_factory=list, alias="status", max_length=10,
                                description=f"staff, repeatable: {', '.join(SESSION_STATUSES)}"),
    start: AwareDatetime | None = Query(None, description="staff: sessions ending after"),
    end: AwareDatetime | None = Query(None, description="staff: sessions starting before"),
    scope: tuple[Actor, int] = Scope,
) -> list[BookingOut]:
    """A student's own sessions (latest first); staff who run sessions get an agenda instead."""
    actor, tenant_id = scope
    if not actor.can(Perm.SESSION_MANAGE):
        return [_booking(v) for v in sess.list_my_bookings(actor, tenant_id)]
    cid = None if counselor == "me" else int(counselor)
    rows = sess.list_counselor_bookings(actor, tenant_id, cid, start=start, end=end, statuses=statuses)
    return [_booking(v) for v in rows]


@router.post(P + "/bookings/{booking_id}/confirm", response_model=BookingOut)
def confirm_booking(booking_id: int = Path(ge=1, le=MAX_ID), scope: tuple[Actor, int] = Scope) -> BookingOut:
    actor, tenant_id = scope
    return _booking(sess.do_confirm_session(actor, tenant_id, booking_id))


@router.post(P + "/bookings/{booking_id}/cancel", response_model=BookingOut)
def cancel_booking(body: CancelIn | None = None, booking_id: int = Path(ge=1, le=MAX_ID),
                   scope: tuple[Actor, int] = Scope) -> BookingOut:
    """The student cancels their own session up to the cut-off; staff cancel any time, saying why."""
    actor, tenant_id = scope
    reason = body.reason if body else ""
    if actor.can(Perm.SESSION_MANAGE):
        return _booking(sess.do_cancel_session(actor, tenant_id, booking_id, reason=reason))
    return _booking(sess.do_cancel_my_booking(actor, tenant_id, booking_id, reason=reason))


@router.post(P + "/bookings/{booking_id}/no-show", response_model=NoShowOut)
def booking_no_show(booking_id: int = Path(ge=1, le=MAX_ID), scope: tuple[Actor, int] = Scope) -> NoShowOut:
    actor, tenant_id = scope
    res = sess.do_mark_no_show(actor, tenant_id, booking_id)
    return NoShowOut(booking=_booking(res.booking), no_show_count=res.no_show_count,
                     suspended_until=res.suspended_until)


@router.post(P + "/bookings/{booking_id}/outcome", response_model=BookingOut)
def booking_outcome(body: OutcomeIn, booking_id: int = Path(ge=1, le=MAX_ID), scope: tuple[Actor, int] = Scope) -> BookingOut:
    """P07.6-7: what was said and the next action; staff see it, the student never does."""
    actor, tenant_id = scope
    return _booking(sess.do_record_session_outcome(actor, tenant_id, booking_id, notes=body.notes,
                                                   next_action=body.next_action))


# ---------------------------------------------------------------- registrations (P08)

@router.get(P + "/catalogue", response_model=Page[CatalogueItemOut])
def catalogue(
    types: list[str] = Query(default_factory=list, alias="type", max_length=20, description="repeatable"),
    field: str = Query("", max_length=200, description="the student's field of study"),
    level: str = Query("", max_length=100),
    date_from: AwareDatetime | None = Query(None, alias="from"),
    date_to: AwareDatetime | None = Query(None, alias="to"),
    q: str = Query("", max_length=100, description="words of the title, theme or description"),
    page: int = Query(1, ge=1, le=100000),
    per_page: int = Query(20, ge=1, le=reg.MAX_PER_PAGE),
    scope: tuple[Actor, int] = Scope,
) -> Page[CatalogueItemOut]:
    """Published activities open to registration whose window is open or still to come."""
    actor, tenant_id = scope
    res = reg.catalogue(actor, tenant_id, {"types": types, "field": field, "level": level,
                                           "date_from": date_from, "date_to": date_to, "text": q,
                                           "page": page, "per_page": per_page})
    more = res.page * res.per_page < res.total
    return Page[CatalogueItemOut](items=[CatalogueItemOut.model_validate(asdict(i)) for i in res.items],
                                  page=res.page, per_page=res.per_page, total=res.total,
                                  next_page=res.page + 1 if more else None)


@router.post(P + "/registrations", response_model=RegistrationOut, status_code=201)
async def register(request: Request, tenant: str, body: RegistrationIn) -> RegistrationOut:
    """A seat, or a place on the waitlist when the event is full (status `waitlisted`, with
    its `position`): not an error."""
    # The busiest route: the caller and the registration in one trip to a worker thread,
    # where a sync dependency and a sync route would take one each
    return await run_in_threadpool(_register, request, tenant, body)


def _register(request: Request, tenant: str, body: RegistrationIn) -> RegistrationOut:
    actor, tenant_id = actor_in_tenant(request, tenant)
    v = reg.do_register(actor, tenant_id, body.event_id, waiver=body.waiver)
    return RegistrationOut.model_validate(asdict(v))


@router.get(P + "/registrations", response_model=list[RegistrationOut])
def my_registrations(include_past: bool = Query(False), scope: tuple[Actor, int] = Scope) -> list[RegistrationOut]:
    actor, tenant_id = scope
    return [RegistrationOut.model_validate(asdict(v))
            for v in reg.my_registrations(actor, tenant_id, include_past=include_past)]


def _registration_action(name: str, fn: Callable[[Actor, int, int], reg.RegistrationView], doc: str) -> None:
    def action(registration_id: int = Path(ge=1, le=MAX_ID), scope: tuple[Actor, int] = Scope) -> RegistrationOut:
        actor, tenant_id = scope
        return RegistrationOut.model_validate(asdict(fn(actor, tenant_id, registration_id)))

    action.__doc__ = doc
    router.add_api_route(P + f"/registrations/{{registration_id}}/{name}", action, methods=["POST"],
                         response_model=RegistrationOut, name=f"registration_{name.replace('-', '_')}")


_registration_action("cancel", reg.do_cancel_registration,
                     "The student withdraws or declines an offer; the seat goes to the waitlist.")
_registration_action("accept-offer", reg.do_accept_offer,
                     "The promoted student takes the seat held for them, before the hold runs out.")
_registration_action("confirm", reg.do_confirm_registration, "Staff confirm a pending registration (P08.5).")
_registration_action("check-in", reg.do_check_in, "Staff: the student is there (attendance sheet, P08.7).")
_registration_action("no-show", reg.do_mark_no_show, "Staff, after the start: the student did not come.")


@router.get(T + "/events/{event_id}/registrations", response_model=list[AttendanceRowOut])
def attendance_sheet(
    event_id: int = Path(ge=1, le=MAX_ID),
    statuses: list[str] = Query(default_factory=list, alias="status", max_length=10,
                                description=f"repeatable: {', '.join(REGISTRATION_STATUSES)}"),
    scope: tuple[Actor, int] = Scope,
) -> list[AttendanceRowOut]:
    """Seat holders by name, then the waitlist in order."""
    actor, tenant_id = scope
    return [AttendanceRowOut.model_validate(asdict(r))
            for r in reg.list_registrations(actor, tenant_id, event_id, statuses=statuses)]


# ---------------------------------------------------------------- the student's profile (BD02)

@router.get(P + "/profile", response_model=ProfileOut)
def get_profile(scope: tuple[Actor, int] = Scope) -> ProfileOut:
    actor, tenant_id = scope
    return _profile(prof.get_my_profile(actor, tenant_id))


@router.patch(P + "/profile", response_model=ProfileOut)
def update_profile(body: ProfileInput, scope: tuple[Actor, int] = Scope) -> ProfileOut:
    """Only the fields sent are changed."""
    actor, tenant_id = scope
    return _profile(prof.do_update_my_profile(actor, tenant_id, body.model_dump(exclude_unset=True)))


@router.post(P + "/profile/cv", response_model=ProfileOut)
def upload_cv(file: UploadFile = File(description="the CV, PDF only"), scope: tuple[Actor, int] = Scope) -> ProfileOut:
    """Store (or replace) the CV. The service checks the size limit and that it is a real PDF."""
    actor, tenant_id = scope
    # Read one byte past the centre's limit and no more: enough for the service to refuse an
    # oversized file without holding all of it in memory.
    data = file.file.read(get_portal_settings(tenant_id).cv_max_bytes + 1)
    return _profile(prof.do_upload_cv(actor, tenant_id, filename=file.filename or "cv.pdf", data=data))


@router.get(P + "/profile/cv", response_class=Response, responses={200: {"content": {PDF: {}}}})
def download_my_cv(scope: tuple[Actor, int] = Scope) -> Response:
    actor, tenant_id = scope
    return _pdf(*prof.open_cv(actor, tenant_id, actor.membership_id or 0))


@router.post(P + "/profile/consent", response_model=ConsentOut)
def grant_consent(scope: tuple[Actor, int] = Scope) -> ConsentOut:
    """Agree to share the profile with companies (a dated record, revocable)."""
    actor, tenant_id = scope
    return ConsentOut.model_validate(asdict(prof.do_set_consent(actor, tenant_id, granted=True)))


@router.delete(P + "/profile/consent", response_model=ConsentOut)
def revoke_consent(scope: tuple[Actor, int] = Scope) -> ConsentOut:
    actor, tenant_id = scope
    return ConsentOut.model_validate(asdict(prof.do_set_consent(actor, tenant_id, granted=False)))


@router.get(P + "/profile/export", response_model=dict[str, Any])
def export_my_data(scope: tuple[Actor, int] = Scope) -> JSONResponse:
    """Everything this centre holds about the student, as JSON."""
    actor, tenant_id = scope
    return JSONResponse(prof.export_my_data(actor, tenant_id),
                        headers={"Content-Disposition": 'attachment; filename="my-data.json"',
                                 "Cache-Control": "private, no-store"})


@router.post(P + "/profile/deletion-request", response_model=DeletionRequestOut, status_code=201)
def request_deletion(body: DeletionRequestIn | None = None, scope: tuple[Actor, int] = Scope) -> DeletionRequestOut:
    """Ask the centre to erase the profile; staff handle the request."""
    actor, tenant_id = scope
    v = prof.do_request_deletion(actor, tenant_id, reason=body.reason if body else "")
    return DeletionRequestOut(id=v.id, status=v.status, reason=v.reason, requested_at=v.requested_at,
                              handled_at=v.handled_at, rejection_reason=v.rejection_reason)


@router.get(P + "/students", response_model=StudentPage)
def list_students(
    consented: bool = Query(False, description="only those who agree to share with companies"),
    q: str = Query("", max_length=200, description="part of a name or e-mail"),
    limit: int = Query(50, ge=1, le=MAX_STUDENTS),
    offset: int = Query(0, ge=0, le=MAX_ID),
    scope: tuple[Actor, int] = Scope,
) -> StudentPage:
    actor, tenant_id = scope
    # one more than asked says whether a next page exists
    rows = prof.list_student_profiles(actor, tenant_id, consenting_only=consented, query=q, limit=limit + 1,
                                      offset=offset)
    more = len(rows) > limit
    return StudentPage(items=[_profile(v) for v in rows[:limit]], limit=limit, offset=offset,
                       next_offset=offset + limit if more else None)


@router.get(P + "/students/{membership_id}/cv", response_class=Response, responses={200: {"content": {PDF: {}}}})
def download_student_cv(membership_id: int = Path(ge=1, le=MAX_ID), scope: tuple[Actor, int] = Scope) -> Response:
    actor, tenant_id = scope
    return _pdf(*prof.open_cv(actor, tenant_id, membership_id))


# ---------------------------------------------------------------- visits (P06)

@router.post(P + "/visits", response_model=VisitOut, status_code=201)
def log_visit(body: VisitInput, scope: tuple[Actor, int] = Scope) -> VisitOut:
    """A visit sheet; `new_student` registers someone met at an event on the spot."""
    actor, tenant_id = scope
    return VisitOut.model_validate(asdict(visits.do_log_visit(actor, tenant_id, body)))


@router.get(P + "/visits", response_model=list[VisitOut])
def list_visits(
    student: int | None = Query(None, ge=1, le=MAX_ID, description="one student's visits"),
    since: AwareDatetime | None = Query(None),
    until: AwareDatetime | None = Query(None),
    limit: int = Query(100, ge=1, le=500),
    scope: tuple[Actor, int] = Scope,
) -> list[VisitOut]:
    actor, tenant_id = scope
    rows = visits.list_visits(actor, tenant_id, student_membership_id=student, since=since, until=until,
                              limit=limit)
    return [VisitOut.model_validate(asdict(v)) for v in rows]
