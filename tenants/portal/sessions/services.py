"""Individual sessions (P07): free slots, booking, confirmation, reminders, cancellation,
no-show policy, notes after the session.

Exclusivity is the database's job, never "check then insert" alone:
- every booking transaction first locks the counselor's membership row (SELECT ... FOR
  UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), then checks
  their calendar, so two bookings of one counselor run one after the other;
- a partial unique index (tenant, counselor, start) over bookings that hold their slot,
  and on PostgreSQL an exclusion constraint over (tenant, counselor, time range)
  (tenants.portal.sessions.ddl), refuse a second booking even if a path skipped the lock.
A booking is also a calendar Event of type individual_session organised by the counselor,
so the calendar's conflict rule (find_conflicts) sees it and it blocks other activities.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.i18n import t
from integrations.ics import IcsEvent, build_calendar
from integrations.mail import EMAIL_KIND, attachment
from integrations.settings import get_settings
from integrations.validation import parse
from tenants.calendar.models import Absence, Availability, Event
from tenants.calendar.services import CANCELLED as EVENT_CANCELLED
from tenants.calendar.services import HELD as EVENT_HELD
from tenants.calendar.services import MANAGED_BY, find_conflicts, tenant_zone
from tenants.calendar.services import PROPOSED as EVENT_PROPOSED
from tenants.calendar.services import PUBLISHED as EVENT_PUBLISHED
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm, Role
from tenants.core.services import audit
from tenants.portal import activity
from tenants.portal.sessions.models import (
    CANCELLED,
    CONFIRMED,
    DONE,
    NO_SHOW,
    OPEN_STATUSES,
    REQUESTED,
    SessionBooking,
    StudentSuspension,
)
from tenants.portal.settings.services import settings_in

SESSION_TYPE = "individual_session"
MAX_DAYS_AHEAD = 60
MAX_SLOT_RANGE_DAYS = 70
NO_SHOW_WINDOW = timedelta(days=365)
REMINDERS = (("24h", timedelta(hours=24)), ("2h", timedelta(hours=2)))
NOTES_MAX, NEXT_ACTION_MAX = 10000, 1000


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime


@dataclass(frozen=True)
class CounselorView:
    membership_id: int
    full_name: str


@dataclass(frozen=True)
class StudentBookingView:
    """What the student sees of a booking: never the counselor's notes or next action."""

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


@dataclass(frozen=True)
class StaffBookingView:
    """What staff see (STUDENT_VIEW): the whole record, notes and next action included."""

    id: int
    event_id: int
    student_membership_id: int
    student_name: str
    counselor_membership_id: int
    counselor_name: str
    starts_at: datetime
    ends_at: datetime
    need: str
    status: str
    notes: str
    next_action: str
    cancelled_by: str
    cancel_reason: str
    created_at: datetime
    confirmed_at: datetime | None


@dataclass(frozen=True)
class NoShowResult:
    booking: StaffBookingView
    no_show_count: int  # counted toward the policy (since the last suspension, last 12 months)
    suspended_until: datetime | None  # set when this no-show triggered a suspension


def _names(s: Session, membership_ids: set[int]) -> dict[int, str]:
    if not membership_ids:
        return {}
    rows = s.exec(select(Membership.id, Account.full_name).join(Account, Account.id == Membership.account_id)
                  .where(Membership.id.in_(membership_ids))).all()
    return {mid: name for mid, name in rows}


def _student_views(s: Session, rows: list[SessionBooking]) -> list[StudentBookingView]:
    names = _names(s, {b.counselor_membership_id for b in rows})
    return [StudentBookingView(b.id, b.event_id, b.counselor_membership_id, names.get(b.counselor_membership_id, ""),
                               b.starts_at, b.ends_at, b.need, b.status, b.cancelled_by, b.cancel_reason)
            for b in rows]


def _staff_views(s: Session, rows: list[SessionBooking]) -> list[StaffBookingView]:
    names = _names(s, {b.counselor_membership_id for b in rows} | {b.student_membership_id for b in rows})
    return [StaffBookingView(b.id, b.event_id, b.student_membership_id, names.get(b.student_membership_id, ""),
                             b.counselor_membership_id, names.get(b.counselor_membership_id, ""), b.starts_at,
                             b.ends_at, b.need, b.status, b.notes, b.next_action, b.cancelled_by, b.cancel_reason,
                             b.created_at, b.confirmed_at)
            for b in rows]


# ---------------------------------------------------------------- counselors and slots

def _is_counselor(m: Membership | None) -> bool:
    return m is not None and m.active and Role.CAREER_COUNSELOR.value in (m.roles or [])


def list_counselors(actor: Actor, tenant_id: int) -> list[CounselorView]:
    """The counselors a student can choose from (P07.2)."""
    require(actor, Perm.TENANT_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        rows = s.exec(select(Membership, Account.full_name).join(Account, Account.id == Membership.account_id)
                      .where(Membership.active).order_by(Account.full_name)).all()
        return [CounselorView(m.id, name) for m, name in rows if _is_counselor(m)]


def _grid(avail: list[Availability], day: date, zone: ZoneInfo, length: timedelta) -> list[Slot]:
    """The day's slots of the counselor's weekly hours (local time), each window cut from its start."""
    out: set[tuple[datetime, datetime]] = set()
    for a in avail:
        if a.weekday != day.weekday():
            continue
        start = datetime.combine(day, a.start_time, tzinfo=zone)
        end = datetime.combine(day, a.end_time, tzinfo=zone)
        at = start
        while at + length <= end:
            out.add((at.astimezone(UTC), (at + length).astimezone(UTC)))
            at += length
    return [Slot(a, b) for a, b in sorted(out)]


def _busy(s: Session, counselor_id: int, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Everything that takes the counselor's time in [start, end): leave, calendar events
    they take part in (the calendar's own conflict rule), bookings holding a slot."""
    out = [(a.starts_at, a.ends_at) for a in s.exec(select(Absence).where(
        Absence.membership_id == counselor_id, Absence.starts_at < end, Absence.ends_at > start)).all()]
    out += [(c.starts_at, c.ends_at) for c in find_conflicts(s, starts_at=start, ends_at=end,
                                                              people={counselor_id}, room_id=None)]
    out += [(b.starts_at, b.ends_at) for b in s.exec(select(SessionBooking).where(
        SessionBooking.counselor_membership_id == counselor_id, SessionBooking.status != CANCELLED,
        SessionBooking.starts_at < end, SessionBooking.ends_at > start)).all()]
    return out


def _overlaps(slot: Slot, busy: list[tuple[datetime, datetime]]) -> bool:
    return any(b0 < slot.ends_at and b1 > slot.starts_at for b0, b1 in busy)


def free_slots(actor: Actor, tenant_id: int, counselor_membership_id: int, *, day_from: date, day_to: date,
               now: datetime | None = None) -> list[Slot]:
    """A counselor's bookable slots between two local days: weekly hours minus leave, events
    and bookings; never in the past, at most MAX_DAYS_AHEAD days ahead."""
    require(actor, Perm.TENANT_VIEW, tenant_id=tenant_id)
    if not (actor.can(Perm.PORTAL_SELF) or actor.can(Perm.SESSION_MANAGE)):
        raise Forbidden("students and counselors see free slots", code="forbidden")
    if day_to < day_from:
        raise Invalid("the range ends before it starts", code="end_before_start")
    if (day_to - day_from).days > MAX_SLOT_RANGE_DAYS:
        raise Invalid(f"at most {MAX_SLOT_RANGE_DAYS} days at once", code="range_too_long")
    now = now or utcnow()
    horizon = now + timedelta(days=MAX_DAYS_AHEAD)
    with tenant_session(tenant_id) as s:
        if not _is_counselor(s.get(Membership, counselor_membership_id)):
            raise NotFound("unknown counselor", code="unknown_counselor")
        zone = tenant_zone(s, tenant_id)
        first = max(day_from, now.astimezone(zone).date())
        last = min(day_to, horizon.astimezone(zone).date())
        if last < first:
            return []
        length = timedelta(minutes=settings_in(s, tenant_id).session_minutes)
        avail = list(s.exec(select(Availability).where(Availability.membership_id == counselor_membership_id)).all())
        if not avail:
            return []
        range_start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
        range_end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        busy = _busy(s, counselor_membership_id, range_start, range_end)
        out = []
        day = first
        while day <= last:
            out += [sl for sl in _grid(avail, day, zone, length)
                    if now < sl.starts_at <= horizon and not _overlaps(sl, busy)]
            day += timedelta(days=1)
        return out


# ---------------------------------------------------------------- e-mails

def _local(dt: datetime, zone: ZoneInfo) -> str:
    return dt.astimezone(zone).strftime("%d/%m/%Y %H:%M")


@dataclass(frozen=True)
class _Context:
    tenant: Tenant
    zone: ZoneInfo
    student: Account
    counselor: Account


def _context(s: Session, b: SessionBooking) -> _Context:
    tenant = s.get(Tenant, b.tenant_id)
    accounts = dict(s.exec(select(Membership.id, Account).join(Account, Account.id == Membership.account_id)
                           .where(Membership.id.in_([b.student_membership_id, b.counselor_membership_id]))).all())
    return _Context(tenant, ZoneInfo(tenant.timezone), accounts[b.student_membership_id],
                    accounts[b.counselor_membership_id])


def _ics(ctx: _Context, b: SessionBooking, e: Event, lang: str, *, cancelled: bool = False) -> dict:
    base = get_settings().base_url
    ie = IcsEvent(uid=e.uid, summary=t("session.ics_summary", lang, counselor=ctx.counselor.full_name),
                  starts_at=b.starts_at, ends_at=b.ends_at, timezone=e.timezone, sequence=e.sequence,
                  description=b.need, location=e.address or e.online_url,
                  url=f"{base}/portal/{ctx.tenant.slug}/sessions/{b.id}", cancelled=cancelled,
                  last_modified=e.updated_at, categories=(SESSION_TYPE,))
    method = "CANCEL" if cancelled else "PUBLISH"
    return attachment("seance.ics", "text/calendar", build_calendar(ctx.tenant.name, [ie], method=method),
                      method=method)


def _mail(s: Session, b: SessionBooking, *, to: Account, kind: str, key: str, attachments: list[dict] | None = None,
          ctx: _Context, **params: object) -> None:
    lang = to.locale or ctx.tenant.locale or "fr"
    values = {"name": to.full_name, "student": ctx.student.full_name, "counselor": ctx.counselor.full_name,
              "tenant": ctx.tenant.name, "when": _local(b.starts_at, ctx.zone), "need": b.need,
              "link": f"{get_settings().base_url}/portal/{ctx.tenant.slug}/sessions", **params}
    payload = {"to": to.email, "subject": t(f"mail.session_{kind}.subject", lang, **values),
               "text": t(f"mail.session_{kind}.body", lang, **values)}
    if attachments:
        payload["attachments"] = attachments
    outbox.enqueue(s, EMAIL_KIND, payload, key=key, tenant_id=b.tenant_id)


def _send_confirmation(s: Session, b: SessionBooking, e: Event) -> None:
    ctx = _context(s, b)
    lang = ctx.student.locale or ctx.tenant.locale or "fr"
    _mail(s, b, to=ctx.student, kind="confirmed", key=f"session-confirmed:{b.id}", ctx=ctx,
          attachments=[_ics(ctx, b, e, lang)])


# ---------------------------------------------------------------- booking

class BookingInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    counselor_membership_id: int
    starts_at: datetime
    need: str = ""

    @field_validator("starts_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("naive_datetime:the start needs a time zone offset")
        return v.astimezone(UTC)

    @field_validator("need")
    @classmethod
    def _need(cls, v: str) -> str:
        if len(v) < 3:
            raise ValueError("need_required:say what you would like to work on (at least 3 characters)")
        if len(v) > 2000:
            raise ValueError("text_too_long:at most 2000 characters")
        return v


def _lock_counselor(s: Session, counselor_id: int) -> Membership:
    """The lock every booking of this counselor takes first (one row, so one fixed order).
    SQLite has no row locks and ignores FOR UPDATE: there BEGIN IMMEDIATE serialises."""
    m = s.exec(select(Membership).where(Membership.id == counselor_id).with_for_update()).first()
    if not _is_counselor(m):
        raise NotFound("unknown counselor", code="unknown_counselor")
    return m


def _active_suspension(s: Session, student_id: int, now: datetime) -> StudentSuspension | None:
    return s.exec(select(StudentSuspension).where(StudentSuspension.student_membership_id == student_id,
                                                  StudentSuspension.starts_at <= now,
                                                  StudentSuspension.ends_at > now)
                  .order_by(StudentSuspension.ends_at.desc())).first()


def _create_booking(s: Session, actor: Actor, tenant_id: int, *, counselor_id: int, student_id: int,
                    student_name: str, starts_at: datetime, need: str, now: datetime,
                    confirmed: bool | None) -> tuple[SessionBooking, Event, Membership, Slot]:
    """The booking itself, in the caller's transaction: the counselor's lock, the student's
    suspension, the slot among the counselor's hours and free, the student free at that time;
    then the calendar event and the booking row (the database refuses a taken slot).
    `confirmed` None: as the centre's auto-confirmation setting says."""
    counselor = _lock_counselor(s, counselor_id)
    suspension = _active_suspension(s, student_id, now)
    if suspension is not None:
        raise Conflict("booking is suspended after repeated no-shows", code="booking_suspended",
                       until=suspension.ends_at.isoformat())
    settings = settings_in(s, tenant_id)
    if confirmed is None:
        confirmed = settings.auto_confirm_sessions
    zone = tenant_zone(s, tenant_id)
    length = timedelta(minutes=settings.session_minutes)
    avail = list(s.exec(select(Availability).where(Availability.membership_id == counselor.id)).all())
    slot = Slot(starts_at, starts_at + length)
    if slot not in _grid(avail, starts_at.astimezone(zone).date(), zone, length):
        raise Invalid("not one of the counselor's slots", code="outside_availability")
    if s.exec(select(Absence).where(Absence.membership_id == counselor.id, Absence.starts_at < slot.ends_at,
                                    Absence.ends_at > slot.starts_at)).first():
        raise Invalid("the counselor is away at that time", code="outside_availability")
    if _overlaps(slot, _busy(s, counselor.id, slot.starts_at, slot.ends_at)):
        raise Conflict("this slot is no longer free", code="slot_taken")
    if s.exec(select(SessionBooking.id).where(
            SessionBooking.student_membership_id == student_id, SessionBooking.status.in_(OPEN_STATUSES),
            SessionBooking.starts_at < slot.ends_at, SessionBooking.ends_at > slot.starts_at)).first():
        raise Conflict("you already have a session at that time", code="student_busy")
    tenant = s.get(Tenant, tenant_id)
    e = Event(tenant_id=tenant_id, uid=f"{uuid.uuid4()}@cc-network", type=SESSION_TYPE,
              title=t("session.event_title", tenant.locale or "fr", student=student_name)[:200],
              starts_at=slot.starts_at, ends_at=slot.ends_at, timezone=zone.key,
              organiser_membership_id=counselor.id, status=EVENT_PUBLISHED if confirmed else EVENT_PROPOSED,
              sequence=1 if confirmed else 0, created_by_account_id=actor.account_id,
              details={MANAGED_BY: "session_booking"})
    s.add(e)
    try:
        s.flush()
        b = SessionBooking(tenant_id=tenant_id, event_id=e.id, student_membership_id=student_id,
                           counselor_membership_id=counselor.id, starts_at=slot.starts_at,
                           ends_at=slot.ends_at, need=need, status=CONFIRMED if confirmed else REQUESTED,
                           confirmed_at=now if confirmed else None)
        s.add(b)
        s.flush()
    except IntegrityError:
        # the unique index or the exclusion constraint: someone holds this time already
        raise Conflict("this slot is no longer free", code="slot_taken") from None
    return b, e, counselor, slot


def do_book_session(actor: Actor, tenant_id: int, data: dict | BookingInput, *,
                    now: datetime | None = None) -> StudentBookingView:
    """P07.2: a student asks a counselor for a free slot and says why. Confirmed at once
    when the centre auto-confirms, else it waits for the counselor (P07.3-4)."""
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    if actor.membership_id is None:
        raise Forbidden("a booking belongs to a member of the centre", code="no_membership")
    inp = parse(BookingInput, data)
    now = now or utcnow()
    if inp.starts_at <= now:
        raise Invalid("this slot is in the past", code="in_the_past")
    if inp.starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        raise Invalid(f"sessions are booked at most {MAX_DAYS_AHEAD} days ahead", code="too_far_ahead")
    with tenant_session(tenant_id) as s, transaction(s):
        b, e, counselor, slot = _create_booking(s, actor, tenant_id, counselor_id=inp.counselor_membership_id,
                                                student_id=actor.membership_id,
                                                student_name=actor.full_name or actor.email, starts_at=inp.starts_at,
                                                need=inp.need, now=now, confirmed=None)
        auto = b.status == CONFIRMED
        if auto:
            _send_confirmation(s, b, e)
        else:
            ctx = _context(s, b)
            _mail(s, b, to=ctx.counselor, kind="requested", key=f"session-requested:{b.id}", ctx=ctx)
        audit(s, actor, "session.booked", tenant_id=tenant_id, target_type="session_booking", target_id=b.id,
              counselor=counselor.id, starts_at=slot.starts_at.isoformat(), status=b.status)
        return _student_views(s, [b])[0]


def do_book_for_student(actor: Actor, tenant_id: int, student_membership_id: int, counselor_membership_id: int,
                        starts_at: datetime, need: str, *, now: datetime | None = None) -> StaffBookingView:
    """Staff book a session for a student (a preparation before profiles go to a company,
    P22): the same rules as the student's own booking (a free slot of the counselor, no
    overlap, a suspension respected), confirmed at once; the student is e-mailed."""
    require(actor, Perm.TENANT_VIEW, tenant_id=tenant_id)
    if not (actor.can(Perm.SESSION_MANAGE) or actor.can(Perm.SOURCING)):
        raise Forbidden("counselors and sourcing staff book for a student", code="forbidden")
    inp = parse(BookingInput, {"counselor_membership_id": counselor_membership_id, "starts_at": starts_at,
                               "need": need})
    now = now or utcnow()
    if inp.starts_at <= now:
        raise Invalid("this slot is in the past", code="in_the_past")
    if inp.starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        raise Invalid(f"sessions are booked at most {MAX_DAYS_AHEAD} days ahead", code="too_far_ahead")
    with tenant_session(tenant_id) as s, transaction(s):
        student = s.get(Membership, student_membership_id)
        if student is None or not student.active or Role.STUDENT.value not in (student.roles or []):
            raise NotFound("student not found", code="student_not_found")
        name = s.get(Account, student.account_id).full_name
        b, e, counselor, slot = _create_booking(s, actor, tenant_id, counselor_id=inp.counselor_membership_id,
                                                student_id=student.id, student_name=name,
                                                starts_at=inp.starts_at, need=inp.need, now=now, confirmed=True)
        _send_confirmation(s, b, e)
        audit(s, actor, "session.booked_for_student", tenant_id=tenant_id, target_type="session_booking",
              target_id=b.id, student=student.id, counselor=counselor.id, starts_at=slot.starts_at.isoformat())
        return _staff_views(s, [b])[0]


# ---------------------------------------------------------------- counselor's side

def _may_handle(actor: Actor, b: SessionBooking) -> None:
    """A session is handled by its counselor, or by the manager."""
    if actor.membership_id == b.counselor_membership_id or actor.has_role(Role.MANAGER) or actor.is_network_admin:
        return
    raise Forbidden("this is another counselor's session", code="not_your_session")


def _booking_for_update(s: Session, booking_id: int) -> SessionBooking:
    b = s.exec(select(SessionBooking).where(SessionBooking.id == booking_id).with_for_update()).first()
    if b is None:
        raise NotFound("session not found")
    return b


def _event(s: Session, b: SessionBooking) -> Event:
    return s.get(Event, b.event_id)


def _status(b: SessionBooking, allowed: tuple[str, ...]) -> None:
    if b.status not in allowed:
        raise Conflict(f"a {b.status} session cannot be changed this way", code="session_status", status=b.status)


def do_confirm_session(actor: Actor, tenant_id: int, booking_id: int, *,
                       now: datetime | None = None) -> StaffBookingView:
    """P07.4: the counselor confirms; the student gets the e-mail with the .ics."""
    require(actor, Perm.SESSION_MANAGE, tenant_id=tenant_id)
    now = now or utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        b = _booking_for_update(s, booking_id)
        _may_handle(actor, b)
        _status(b, (REQUESTED,))
        if b.starts_at <= now:
            raise Invalid("this session has already started", code="in_the_past")
        b.status, b.confirmed_at, b.updated_at = CONFIRMED, now, now
        e = _event(s, b)
        e.status, e.sequence, e.updated_at = EVENT_PUBLISHED, e.sequence + 1, now
        s.add_all([b, e])
        _send_confirmation(s, b, e)
        audit(s, actor, "session.confirmed", tenant_id=tenant_id, target_type="session_booking", target_id=b.id)
        return _staff_views(s, [b])[0]


def _cancel(s: Session, b: SessionBooking, *, by: str, reason: str, now: datetime) -> None:
    was_confirmed = b.status == CONFIRMED
    b.status, b.cancelled_by, b.cancel_reason, b.cancelled_at, b.updated_at = CANCELLED, by, reason, now, now
    e = _event(s, b)
    # as the calendar cancels an event: status, reason, SEQUENCE bump so calendars update
    e.status, e.status_reason, e.sequence, e.updated_at = EVENT_CANCELLED, reason, e.sequence + 1, now
    s.add_all([b, e])
    ctx = _context(s, b)
    if by == "student":
        _mail(s, b, to=ctx.counselor, kind="cancelled_by_student", key=f"session-cancelled:{b.id}:counselor",
              ctx=ctx)
    if by == "counselor" or was_confirmed:
        lang = ctx.student.locale or ctx.tenant.locale or "fr"
        atts = [_ics(ctx, b, e, lang, cancelled=True)] if was_confirmed else None
        _mail(s, b, to=ctx.student, kind="cancelled", key=f"session-cancelled:{b.id}:student", ctx=ctx,
              attachments=atts, reason=reason or "—")


def do_cancel_my_booking(actor: Actor, tenant_id: int, booking_id: int, *, reason: str = "",
                         now: datetime | None = None) -> StudentBookingView:
    """The student cancels, up to the centre's cut-off before the start."""
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    now = now or utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        b = _booking_for_update(s, booking_id)
        if b.student_membership_id != actor.membership_id:
            raise NotFound("session not found")
        _status(b, OPEN_STATUSES)
        cutoff = settings_in(s, tenant_id).cancellation_cutoff_hours
        if now > b.starts_at - timedelta(hours=cutoff):
            raise Conflict(f"cancellation closes {cutoff} h before the session", code="cancellation_too_late",
                           hours=cutoff)
        _cancel(s, b, by="student", reason=(reason or "").strip()[:500], now=now)
        audit(s, actor, "session.cancelled", tenant_id=tenant_id, target_type="session_booking", target_id=b.id,
              by="student")
        return _student_views(s, [b])[0]


def do_cancel_session(actor: Actor, tenant_id: int, booking_id: int, *, reason: str,
                      now: datetime | None = None) -> StaffBookingView:
    """The counselor (or manager) cancels at any time, saying why; the student is told."""
    require(actor, Perm.SESSION_MANAGE, tenant_id=tenant_id)
    reason = (reason or "").strip()[:500]
    now = now or utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        b = _booking_for_update(s, booking_id)
        _may_handle(actor, b)
        _status(b, OPEN_STATUSES)
        if len(reason) < 3:
            raise Invalid("say why (at least 3 characters)", code="reason_required")
        _cancel(s, b, by="counselor", reason=reason, now=now)
        audit(s, actor, "session.cancelled", tenant_id=tenant_id, target_type="session_booking", target_id=b.id,
              by="counselor", reason=reason)
        return _staff_views(s, [b])[0]


def _started(b: SessionBooking, now: datetime) -> None:
    if now < b.starts_at:
        raise Conflict("the session has not started yet", code="session_not_started")


def do_mark_no_show(actor: Actor, tenant_id: int, booking_id: int, *, now: datetime | None = None) -> NoShowResult:
    """The student did not come. After the centre's limit of no-shows within 12 months
    (counted since their last suspension), booking is suspended for the set number of days."""
    require(actor, Perm.SESSION_MANAGE, tenant_id=tenant_id)
    now = now or utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        b = _booking_for_update(s, booking_id)
        _may_handle(actor, b)
        _status(b, (CONFIRMED,))
        _started(b, now)
        b.status, b.marked_at, b.updated_at = NO_SHOW, now, now
        e = _event(s, b)
        e.status, e.updated_at = EVENT_HELD, now
        s.add_all([b, e])
        s.flush()
        settings = settings_in(s, tenant_id)
        last = s.exec(select(StudentSuspension).where(
            StudentSuspension.student_membership_id == b.student_membership_id)
            .order_by(StudentSuspension.starts_at.desc())).first()
        since = now - NO_SHOW_WINDOW
        if last is not None and last.starts_at > since:
            since = last.starts_at  # the no-shows that led to it are settled
        count = s.exec(select(func.count()).select_from(SessionBooking).where(
            SessionBooking.student_membership_id == b.student_membership_id, SessionBooking.status == NO_SHOW,
            SessionBooking.starts_at >= since)).one()
        until = None
        if count >= settings.no_show_limit and (last is None or last.ends_at <= now):
            until = now + timedelta(days=settings.no_show_suspension_days)
            susp = StudentSuspension(tenant_id=tenant_id, student_membership_id=b.student_membership_id,
                                     starts_at=now, ends_at=until, no_show_count=count, booking_id=b.id)
            s.add(susp)
            s.flush()
            ctx = _context(s, b)
            _mail(s, b, to=ctx.student, kind="suspended", key=f"session-suspension:{susp.id}", ctx=ctx,
                  count=count, until=_local(until, ctx.zone))
            audit(s, actor, "session.booking_suspended", tenant_id=tenant_id, target_type="membership",
                  target_id=b.student_membership_id, until=until.isoformat(), no_shows=count)
        audit(s, actor, "session.no_show", tenant_id=tenant_id, target_type="session_booking", target_id=b.id)
        return NoShowResult(_staff_views(s, [b])[0], count, until)


def do_record_session_outcome(actor: Actor, tenant_id: int, booking_id: int, *, notes: str,
                              next_action: str = "", now: datetime | None = None) -> StaffBookingView:
    """P07.6-7: after the session the counselor records what was said and the next action
    planned with the student. Staff see it; the student never does."""
    require(actor, Perm.SESSION_MANAGE, tenant_id=tenant_id)
    notes, next_action = (notes or "").strip(), (next_action or "").strip()
    if not notes:
        raise Invalid("write a few words about the session", code="notes_required")
    if len(notes) > NOTES_MAX or len(next_action) > NEXT_ACTION_MAX:
        raise Invalid(f"notes: at most {NOTES_MAX} characters, next action {NEXT_ACTION_MAX}",
                      code="text_too_long")
    now = now or utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        b = _booking_for_update(s, booking_id)
        _may_handle(actor, b)
        _status(b, (CONFIRMED, DONE))
        _started(b, now)
        first = b.status == CONFIRMED
        b.status, b.notes, b.next_action, b.updated_at = DONE, notes, next_action, now
        if first:
            b.marked_at = now
            e = _event(s, b)
            e.status, e.updated_at = EVENT_HELD, now
            s.add(e)
        s.add(b)
        if first:
            s.flush()
            activity.emit(s, tenant_id, activity.SESSION_HELD, b)
        audit(s, actor, "session.outcome_recorded", tenant_id=tenant_id, target_type="session_booking",
              target_id=b.id)
        return _staff_views(s, [b])[0]


# ---------------------------------------------------------------- lists

def list_my_bookings(actor: Actor, tenant_id: int) -> list[StudentBookingView]:
    """The student's own sessions, latest first, without the counselor's notes."""
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        rows = list(s.exec(select(SessionBooking).where(SessionBooking.student_membership_id == actor.membership_id)
                           .order_by(SessionBooking.starts_at.desc(), SessionBooking.id.desc())).all())
        return _student_views(s, rows)


def list_counselor_bookings(actor: Actor, tenant_id: int, counselor_membership_id: int | None = None, *,
                            start: datetime | None = None, end: datetime | None = None,
                            statuses: tuple[str, ...] | list[str] = ()) -> list[StaffBookingView]:
    """A counselor's sessions (their own; the manager sees anyone's), in start order."""
    require(actor, Perm.SESSION_MANAGE, tenant_id=tenant_id)
    cid = counselor_membership_id or actor.membership_id
    if cid != actor.membership_id and not (actor.has_role(Role.MANAGER) or actor.is_network_admin):
        raise Forbidden("this is another counselor's agenda", code="not_your_session")
    q = select(SessionBooking).where(SessionBooking.counselor_membership_id == cid)
    if start is not None:
        q = q.where(SessionBooking.ends_at > start)
    if end is not None:
        q = q.where(SessionBooking.starts_at < end)
    if statuses:
        q = q.where(SessionBooking.status.in_(list(statuses)))
    with tenant_session(tenant_id) as s:
        return _staff_views(s, list(s.exec(q.order_by(SessionBooking.starts_at, SessionBooking.id)).all()))


def list_pending_confirmations(actor: Actor, tenant_id: int, *, now: datetime | None = None) -> list[StaffBookingView]:
    """Requests still waiting for a counselor: the actor's own, or every one for the manager."""
    require(actor, Perm.SESSION_MANAGE, tenant_id=tenant_id)
    now = now or utcnow()
    q = select(SessionBooking).where(SessionBooking.status == REQUESTED, SessionBooking.starts_at > now)
    if not (actor.has_role(Role.MANAGER) or actor.is_network_admin):
        q = q.where(SessionBooking.counselor_membership_id == actor.membership_id)
    with tenant_session(tenant_id) as s:
        return _staff_views(s, list(s.exec(q.order_by(SessionBooking.starts_at, SessionBooking.id)).all()))


def list_student_sessions(actor: Actor, tenant_id: int, student_membership_id: int) -> list[StaffBookingView]:
    """A student's session history as staff see it (notes and next actions included)."""
    require(actor, Perm.STUDENT_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        if s.get(Membership, student_membership_id) is None:
            raise NotFound("student not found")
        rows = list(s.exec(select(SessionBooking).where(
            SessionBooking.student_membership_id == student_membership_id)
            .order_by(SessionBooking.starts_at.desc(), SessionBooking.id.desc())).all())
        return _staff_views(s, rows)


def booking_suspended_until(actor: Actor, tenant_id: int, *, now: datetime | None = None) -> datetime | None:
    """For the portal: until when the student cannot book (None when they can)."""
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        susp = _active_suspension(s, actor.membership_id, now or utcnow())
        return susp.ends_at if susp else None


# ---------------------------------------------------------------- reminders (beat)

def enqueue_due_reminders(*, now: datetime | None = None) -> int:
    """Every confirmed session gets a reminder 24 h and 2 h before, each enqueued once
    (outbox key session-reminder:<booking>:<24h|2h>). A reminder whose time came before
    the confirmation is skipped (the confirmation said it all), and so is the 24 h one
    once the 2 h one is due. Runs network-wide from beat every few minutes."""
    now = now or utcnow()
    sent = 0
    with system_session("individual session reminders") as s, transaction(s):
        rows = s.exec(select(SessionBooking).where(SessionBooking.status == CONFIRMED,
                                                   SessionBooking.starts_at > now,
                                                   SessionBooking.starts_at <= now + REMINDERS[0][1])
                      .order_by(SessionBooking.starts_at)).all()
        for b in rows:
            for label, before in REMINDERS:
                due_at = b.starts_at - before
                if now < due_at or (b.confirmed_at is not None and b.confirmed_at >= due_at):
                    continue
                if label == "24h" and now >= b.starts_at - REMINDERS[1][1]:
                    continue
                key = f"session-reminder:{b.id}:{label}"
                if s.exec(select(outbox.OutboxMessage.id).where(outbox.OutboxMessage.idempotency_key == key)).first():
                    continue
                ctx = _context(s, b)
                _mail(s, b, to=ctx.student, kind="reminder", key=key, ctx=ctx)
                sent += 1
    return sent
