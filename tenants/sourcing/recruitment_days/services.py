"""Recruitment days (P19): a need of RECRUITMENT_DAY_THRESHOLD positions or more is met at a
day organised with the company instead of profiles sent directly.

The life of a day: proposed (each side gives its available dates, P19.8-10) → scheduled on a
date both sides offered (P19.11; the day becomes a calendar event of type recruitment_day,
T01/T02) → held (check-in on the event's attendance sheet, P19.18) → closed (results per
candidate written on the need's shortlist, P19.19; closing the event opens its evaluation
form, the portal's satisfaction questionnaire).

A closed-door day (P19.13-14) takes no registrations from the catalogue: its registration
window is closed from the start and the prioritised students are invited by staff. An
open-door day (P19.15) opens registration when published, and the communication counselor
is handed the campaign (an e-mail, until the communications module takes it).

The calendar, registration and questionnaire services each run their own transaction; a day
checks everything it can before calling them, then records its own step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import tenant_session, transaction, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.i18n import t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from integrations.validation import parse
from tenants.calendar import services as cal
from tenants.calendar.models import Event
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm, Role
from tenants.core.services import audit
from tenants.portal.profiles.models import StudyField
from tenants.portal.registrations import services as reg
from tenants.portal.registrations.models import CANCELLED, Registration
from tenants.sourcing.access import ENDED, advance, company_person
from tenants.sourcing.needs.models import RECRUITMENT_DAY_THRESHOLD, JobNeed, NeedStatus
from tenants.sourcing.partners.models import Company
from tenants.sourcing.pipeline.models import EntryStatus, Outcome, ShortlistEntry
from tenants.sourcing.recruitment_days.models import DayMode, DayStatus, RecruitmentDay

ROUTE_DAY, ROUTE_DIRECT = "recruitment_day", "direct"
SIDES = ("host", "company")
MAX_DATES = 30
# what a day records per candidate (P19.19)
DAY_OUTCOMES = (Outcome.HIRED.value, Outcome.NOT_RETAINED.value, Outcome.INTERVIEW.value)
# the shortlist entries invited to a closed-door day: ranked and kept, in preparation or ready
INVITED_STATUSES = (EntryStatus.SELECTED.value, EntryStatus.PREPARING.value, EntryStatus.PREPARED.value)


def route_for(need: JobNeed | int) -> str:
    """P19.6: at the threshold or above, a recruitment day; below, profiles sent directly.
    Exactly 10 is a day (the book leaves it uncovered; see needs/models.py)."""
    positions = need if isinstance(need, int) else need.positions
    return ROUTE_DAY if positions >= RECRUITMENT_DAY_THRESHOLD else ROUTE_DIRECT


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class DayView:
    id: int
    need_id: int
    need_title: str
    company_id: int
    company_name: str
    positions: int
    mode: str
    status: str
    host_dates: list[str]
    company_dates: list[str]
    common_dates: list[str]
    event_id: int | None
    event_status: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    capacity: int | None
    registered: int
    created_at: datetime


@dataclass(frozen=True)
class InviteReport:
    invited: list[tuple[int, str]]  # (student membership id, name)
    skipped: list[tuple[int, str, str]]  # (student membership id, name, error code)


@dataclass(frozen=True)
class ParticipantRow:
    student_membership_id: int
    full_name: str
    email: str
    registration_id: int | None
    registration_status: str | None
    shortlisted: bool
    outcome: str
    outcome_note: str


@dataclass(frozen=True)
class CloseReport:
    day: DayView
    attended: int
    hires: int


def common_dates(day: RecruitmentDay) -> list[str]:
    """The dates both sides offered, in order (P19.11)."""
    return sorted(set(day.host_dates or []) & set(day.company_dates or []))


def _view(s: Session, d: RecruitmentDay) -> DayView:
    need = s.get(JobNeed, d.need_id)
    company = s.get(Company, need.company_id) if need else None
    e = s.get(Event, d.event_id) if d.event_id else None
    return DayView(d.id, d.need_id, need.title if need else "", need.company_id if need else 0,
                   company.name if company else "", need.positions if need else 0, d.mode, d.status,
                   list(d.host_dates or []), list(d.company_dates or []), common_dates(d),
                   d.event_id, e.status if e else None, e.starts_at if e else None, e.ends_at if e else None,
                   e.capacity if e else None, e.registered_count if e else 0, d.created_at)


def _day(s: Session, day_id: int, *, lock: bool = False) -> RecruitmentDay:
    q = select(RecruitmentDay).where(RecruitmentDay.id == day_id)
    d = s.exec(q.with_for_update() if lock else q).first()
    if d is None:
        raise NotFound("recruitment day not found", code="not_found")
    return d


def _need(s: Session, need_id: int) -> JobNeed:
    n = s.get(JobNeed, need_id)
    if n is None:
        raise NotFound("need not found", code="not_found")
    return n


# ---------------------------------------------------------------- reading

def get_day(actor: Actor, tenant_id: int, day_id: int) -> DayView:
    require(actor, Perm.NEED_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return _view(s, _day(s, day_id))


def day_for_need(actor: Actor, tenant_id: int, need_id: int) -> DayView | None:
    require(actor, Perm.NEED_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        _need(s, need_id)
        d = s.exec(select(RecruitmentDay).where(RecruitmentDay.need_id == need_id)).first()
        return _view(s, d) if d else None


def list_days(actor: Actor, tenant_id: int, *, status: str = "") -> list[DayView]:
    """Every day of the centre; the ones still to hold first, soonest first."""
    require(actor, Perm.NEED_VIEW, tenant_id=tenant_id)
    if status and status not in {x.value for x in DayStatus}:
        raise Invalid(f"unknown status {status!r}", code="invalid_filter")
    with tenant_session(tenant_id) as s:
        q = select(RecruitmentDay)
        if status:
            q = q.where(RecruitmentDay.status == status)
        views = [_view(s, d) for d in s.exec(q.order_by(RecruitmentDay.id)).all()]
    done = (DayStatus.CLOSED.value, DayStatus.CANCELLED.value)
    far = datetime.max.replace(tzinfo=utcnow().tzinfo)
    return sorted(views, key=lambda v: (v.status in done, v.starts_at or far, v.id))


@dataclass(frozen=True)
class NeedChoice:
    need_id: int
    title: str
    company_name: str
    positions: int


def needs_awaiting_day(actor: Actor, tenant_id: int) -> list[NeedChoice]:
    """Open needs routed to a recruitment day that have none yet (what can be proposed)."""
    require(actor, Perm.NEED_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        taken = select(RecruitmentDay.need_id)
        rows = s.exec(select(JobNeed, Company).join(Company, (Company.tenant_id == JobNeed.tenant_id)
                                                    & (Company.id == JobNeed.company_id))
                      .where(JobNeed.positions >= RECRUITMENT_DAY_THRESHOLD, JobNeed.status.not_in(ENDED),
                             JobNeed.id.not_in(taken)).order_by(JobNeed.received_at, JobNeed.id)).all()
        return [NeedChoice(n.id, n.title, c.name, n.positions) for n, c in rows]


# ---------------------------------------------------------------- proposing

def do_propose_day(actor: Actor, tenant_id: int, need_id: int, *, mode: str) -> DayView:
    """P19.8: the team proposes a recruitment day for a need routed to one."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    if mode not in {m.value for m in DayMode}:
        raise Invalid(f"unknown mode {mode!r}", code="invalid_day_mode")
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            need = _need(s, need_id)
            if need.status in ENDED:
                raise Conflict("this need is closed", code="need_ended", status=need.status)
            if route_for(need) != ROUTE_DAY:
                raise Conflict(f"a recruitment day is for {RECRUITMENT_DAY_THRESHOLD} positions or more",
                               code="below_day_threshold", threshold=RECRUITMENT_DAY_THRESHOLD)
            if s.exec(select(RecruitmentDay.id).where(RecruitmentDay.need_id == need_id)).first() is not None:
                raise Conflict("this need already has a recruitment day", code="day_exists")
            d = RecruitmentDay(tenant_id=tenant_id, need_id=need_id, mode=mode,
                               created_by_membership_id=actor.membership_id)
            s.add(d)
            s.flush()
            audit(s, actor, "recruitment_day.proposed", tenant_id=tenant_id, target_type="recruitment_day",
                  target_id=d.id, need_id=need_id, mode=mode)
            return _view(s, d)
    except IntegrityError as exc:  # two proposals at once: the unique key keeps one
        raise Conflict("this need already has a recruitment day", code="day_exists") from exc


def do_set_mode(actor: Actor, tenant_id: int, day_id: int, *, mode: str) -> DayView:
    """Open or closed door (P19.13-15), while the day is not scheduled yet."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    if mode not in {m.value for m in DayMode}:
        raise Invalid(f"unknown mode {mode!r}", code="invalid_day_mode")
    with tenant_session(tenant_id) as s, transaction(s):
        d = _day(s, day_id, lock=True)
        if d.status != DayStatus.PROPOSED.value:
            raise Conflict("the day is already scheduled", code="day_not_proposed", status=d.status)
        d.mode, d.updated_at = mode, utcnow()
        s.add(d)
        audit(s, actor, "recruitment_day.mode_set", tenant_id=tenant_id, target_type="recruitment_day",
              target_id=d.id, mode=mode)
        return _view(s, d)


# ---------------------------------------------------------------- availabilities

def _today(s: Session, tenant_id: int) -> date:
    return utcnow().astimezone(cal.tenant_zone(s, tenant_id)).date()


def _clean_dates(dates: object, today: date) -> list[str]:
    if not isinstance(dates, list | tuple):
        raise Invalid("give a list of dates", code="invalid_date")
    out: set[str] = set()
    for raw in dates:
        try:
            d = date.fromisoformat(str(raw).strip())
        except ValueError:
            raise Invalid(f"not a date: {str(raw)[:40]!r}", code="invalid_date") from None
        if d <= today:
            raise Invalid(f"{d.isoformat()} is not in the future", code="date_in_past", date=d.isoformat())
        out.add(d.isoformat())
    if len(out) > MAX_DATES:
        raise Invalid(f"at most {MAX_DATES} dates", code="too_many_dates", limit=MAX_DATES)
    return sorted(out)


def _may_set_dates(s: Session, actor: Actor, side: str, need: JobNeed) -> None:
    """Staff on behalf of either side; the host institution's approver or focal point for the
    host side; the need's own company contact for the company side."""
    if actor.can(Perm.NEED_MANAGE):
        return
    if side == "host" and (actor.has_role(Role.HOST_APPROVER) or actor.has_role(Role.HOST_FOCAL_POINT)):
        return
    if side == "company" and actor.can(Perm.COMPANY_SELF):
        if company_person(s, actor).company_id != need.company_id:
            raise NotFound("recruitment day not found", code="not_found")  # another company's day
        return
    raise Forbidden(f"you cannot give the {side} side's dates", code="forbidden")


def do_set_dates(actor: Actor, tenant_id: int, day_id: int, *, side: str, dates: list[str]) -> DayView:
    """P19.9-10: one side's available dates (replacing what it gave before)."""
    require(actor, Perm.TENANT_VIEW, tenant_id=tenant_id)
    if side not in SIDES:
        raise Invalid(f"unknown side {side!r}", code="invalid_side")
    host = actor.has_role(Role.HOST_APPROVER) or actor.has_role(Role.HOST_FOCAL_POINT)
    if not (actor.can(Perm.NEED_MANAGE) or (side == "host" and host)
            or (side == "company" and actor.can(Perm.COMPANY_SELF))):
        raise Forbidden(f"you cannot give the {side} side's dates", code="forbidden")  # before any lookup
    with tenant_session(tenant_id) as s, transaction(s):
        d = _day(s, day_id, lock=True)
        need = _need(s, d.need_id)
        _may_set_dates(s, actor, side, need)
        clean = _clean_dates(dates, _today(s, tenant_id))
        if d.status != DayStatus.PROPOSED.value:
            raise Conflict("the day is already scheduled", code="day_not_proposed", status=d.status)
        if side == "host":
            d.host_dates = clean
        else:
            d.company_dates = clean
        d.updated_at = utcnow()
        s.add(d)
        audit(s, actor, "recruitment_day.dates_set", tenant_id=tenant_id, target_type="recruitment_day",
              target_id=d.id, side=side, dates=clean)
        return _view(s, d)


def do_set_dates_as_staff(actor: Actor, tenant_id: int, day_id: int, *, side: str, dates: list[str]) -> DayView:
    """The staff record either side's dates on its behalf (a phone call, an e-mail)."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    return do_set_dates(actor, tenant_id, day_id, side=side, dates=dates)


def company_days(actor: Actor, tenant_id: int) -> list[DayView]:
    """The company contact's own recruitment days (to give the company's dates)."""
    require(actor, Perm.COMPANY_SELF, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        company_id = company_person(s, actor).company_id
        rows = s.exec(select(RecruitmentDay).join(JobNeed, (JobNeed.tenant_id == RecruitmentDay.tenant_id)
                                                  & (JobNeed.id == RecruitmentDay.need_id))
                      .where(JobNeed.company_id == company_id).order_by(RecruitmentDay.id)).all()
        return [_view(s, d) for d in rows]


# ---------------------------------------------------------------- scheduling

class ScheduleInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    date: date
    start: time
    end: time
    room_id: int | None = Field(default=None, ge=1)
    address: str = Field(default="", max_length=300)
    capacity: int | None = Field(default=None, ge=1, le=100000)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _hhmm(cls, v: object) -> object:
        if isinstance(v, str) and len(v.strip()) == 5:
            return v.strip() + ":00"
        return v

    @model_validator(mode="after")
    def _order(self) -> ScheduleInput:
        if self.end <= self.start:
            raise ValueError("end_before_start:the day ends before it starts")
        return self


def _audience(s: Session, need: JobNeed) -> dict:
    names: list[str] = []
    if need.field_ids:
        ids = [int(x) for x in need.field_ids if str(x).isdigit()]
        names = list(s.exec(select(StudyField.name).where(StudyField.id.in_(ids))).all()) if ids else []
    return {"fields": sorted(names), "levels": [need.level] if need.level else []}


def do_schedule_day(actor: Actor, tenant_id: int, day_id: int, data: dict | ScheduleInput) -> DayView:
    """P19.11-12: the day is set on a date both sides offered and written in the calendar."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    inp = parse(ScheduleInput, data)
    with tenant_session(tenant_id) as s:
        d = _day(s, day_id)
        if d.status != DayStatus.PROPOSED.value:
            raise Conflict("the day is already scheduled", code="day_not_proposed", status=d.status)
        if inp.date.isoformat() not in common_dates(d):
            raise Invalid("choose a date both the host institution and the company offered",
                          code="date_not_common", date=inp.date.isoformat())
        if inp.date <= _today(s, tenant_id):
            raise Invalid(f"{inp.date.isoformat()} is not in the future", code="date_in_past")
        need = _need(s, d.need_id)
        if need.status in ENDED:
            raise Conflict("this need is closed", code="need_ended", status=need.status)
        company = s.get(Company, need.company_id)
        zone = cal.tenant_zone(s, tenant_id)
        audience = _audience(s, need)
        lang = s.get(Tenant, tenant_id).locale or "fr"
    starts = datetime.combine(inp.date, inp.start, tzinfo=zone)
    ends = datetime.combine(inp.date, inp.end, tzinfo=zone)
    event_data = {
        "type": "recruitment_day",
        "title": t("sourcing.day.event_title", lang, company=company.name if company else "")[:200],
        "theme": need.title[:200],
        "description": (need.description or need.sheet or "")[:10000],
        "starts_at": starts, "ends_at": ends, "room_id": inp.room_id, "address": inp.address,
        "capacity": inp.capacity, "audience": audience,
        "details": {"company": company.name if company else "", "positions": str(need.positions)},
    }
    if d.mode == DayMode.CLOSED_DOOR.value:
        # invitations only: the catalogue never offers it and students cannot register themselves
        event_data["registration_closes_at"] = min(utcnow(), starts)
    e = cal.do_create_event(actor, tenant_id, event_data)
    cal.do_transition(actor, tenant_id, e.id, "propose")
    with tenant_session(tenant_id) as s, transaction(s):
        d = _day(s, day_id, lock=True)
        if d.status != DayStatus.PROPOSED.value:  # scheduled by someone else meanwhile
            raise Conflict("the day is already scheduled", code="day_not_proposed", status=d.status)
        d.status, d.event_id, d.updated_at = DayStatus.SCHEDULED.value, e.id, utcnow()
        s.add(d)
        audit(s, actor, "recruitment_day.scheduled", tenant_id=tenant_id, target_type="recruitment_day",
              target_id=d.id, event_id=e.id, date=inp.date.isoformat())
        return _view(s, d)


def _scheduled(s: Session, day_id: int) -> tuple[RecruitmentDay, Event]:
    d = _day(s, day_id)
    e = s.get(Event, d.event_id) if d.event_id else None
    if d.status == DayStatus.PROPOSED.value or e is None:
        raise Conflict("the day is not scheduled yet", code="day_not_scheduled", status=d.status)
    return d, e


def _communication_counselors(s: Session) -> list[Account]:
    rows = s.exec(select(Membership, Account).join(Account, Account.id == Membership.account_id)
                  .where(Membership.active)).all()
    return [a for m, a in rows if "communication" in (m.responsibilities or []) and a.active]


def do_publish_day(actor: Actor, tenant_id: int, day_id: int) -> DayView:
    """The day's event goes through the calendar's validation and publication (the manager's
    steps). Open door: registration opens and the communication counselor is handed the
    campaign (P19.15, G05/P30) by e-mail."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        d, e = _scheduled(s, day_id)
        if d.status != DayStatus.SCHEDULED.value:
            raise Conflict("the day is past its scheduling", code="day_not_scheduled", status=d.status)
        status = e.status
    steps = {cal.DRAFT: ["propose", "validate", "publish"], cal.PROPOSED: ["validate", "publish"],
             cal.VALIDATED: ["publish"], cal.HOST_VALIDATED: ["publish"], cal.PUBLISHED: []}
    if status not in steps:
        raise Conflict(f"a {status} event cannot be published", code="transition_not_allowed", status=status)
    # refused before the first step, so a refusal leaves the event as it was
    needed = {"propose": Perm.CALENDAR_EDIT, "validate": Perm.CALENDAR_VALIDATE, "publish": Perm.CALENDAR_PUBLISH}
    if any(not actor.can(needed[a]) for a in steps[status]):
        raise Forbidden("the manager validates and publishes a day in the calendar", code="transition_forbidden")
    for action in steps[status]:
        cal.do_transition(actor, tenant_id, e.id, action)
    with tenant_session(tenant_id) as s, transaction(s):
        d = _day(s, day_id, lock=True)
        e = s.get(Event, d.event_id)
        sent = 0
        if d.mode == DayMode.OPEN_DOOR.value:
            tenant = s.get(Tenant, tenant_id)
            need = _need(s, d.need_id)
            link = f"{get_settings().base_url.rstrip('/')}/staff/recruitment-days/{d.id}"
            for a in _communication_counselors(s):
                lang = a.locale or "fr"
                values = {"name": a.full_name, "event": e.title, "tenant": tenant.name,
                          "starts": e.starts_at.astimezone(cal.tenant_zone(s, tenant_id)).strftime("%d/%m/%Y %H:%M"),
                          "positions": need.positions, "link": link}
                outbox.enqueue(s, EMAIL_KIND, {
                    "to": a.email,
                    "subject": t("mail.day_communication.subject", lang, **values),
                    "text": t("mail.day_communication.body", lang, **values),
                }, key=f"day-communication:{tenant_id}:{d.id}:{a.id}", tenant_id=tenant_id)
                sent += 1
        d.updated_at = utcnow()
        s.add(d)
        audit(s, actor, "recruitment_day.published", tenant_id=tenant_id, target_type="recruitment_day",
              target_id=d.id, event_id=e.id, handoffs=sent)
        return _view(s, d)


# ---------------------------------------------------------------- invitations (closed door)

def do_invite_prioritised(actor: Actor, tenant_id: int, day_id: int) -> InviteReport:
    """P19.13-14: every selected (ranked) profile of the need is registered to the day and
    e-mailed. Those already registered, or left out when the day is full, are reported."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        d, e = _scheduled(s, day_id)
        if d.mode != DayMode.CLOSED_DOOR.value:
            raise Conflict("an open-door day is announced, not invited to", code="not_closed_door")
        if d.status != DayStatus.SCHEDULED.value:
            raise Conflict("the day is past its invitations", code="day_not_scheduled", status=d.status)
        rows = s.exec(select(ShortlistEntry, Account)
                      .join(Membership, (Membership.tenant_id == ShortlistEntry.tenant_id)
                            & (Membership.id == ShortlistEntry.student_membership_id))
                      .join(Account, Account.id == Membership.account_id)
                      .where(ShortlistEntry.need_id == d.need_id, ShortlistEntry.status.in_(INVITED_STATUSES))
                      ).all()
        event_id = e.id
    rows = sorted(rows, key=lambda ra: (ra[0].rank is None, ra[0].rank or 0, ra[0].id))
    invited, skipped = [], []
    for entry, account in rows:
        try:
            reg.do_invite_student(actor, tenant_id, event_id, entry.student_membership_id)
        except (Conflict, NotFound) as exc:
            skipped.append((entry.student_membership_id, account.full_name, exc.code))
            continue
        invited.append((entry.student_membership_id, account.full_name))
    with tenant_session(tenant_id) as s, transaction(s):
        audit(s, actor, "recruitment_day.invited", tenant_id=tenant_id, target_type="recruitment_day",
              target_id=day_id, invited=[i for i, _ in invited], skipped=[i for i, _, _ in skipped])
    return InviteReport(invited, skipped)


def do_invite_one(actor: Actor, tenant_id: int, day_id: int, student_membership_id: int) -> InviteReport:
    """Invite one more student to the day (either mode)."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        d, e = _scheduled(s, day_id)
        if d.status not in (DayStatus.SCHEDULED.value, DayStatus.HELD.value):
            raise Conflict("the day is closed", code="day_closed", status=d.status)
    v = reg.do_invite_student(actor, tenant_id, e.id, student_membership_id)
    with tenant_session(tenant_id) as s:
        m = s.get(Membership, v.student_membership_id)
        name = s.get(Account, m.account_id).full_name if m else ""
    return InviteReport([(v.student_membership_id, name)], [])


# ---------------------------------------------------------------- the day and its results

def do_mark_day_held(actor: Actor, tenant_id: int, day_id: int) -> DayView:
    """The day has taken place (its event is marked held in the calendar)."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        d, e = _scheduled(s, day_id)
        if d.status != DayStatus.SCHEDULED.value:
            raise Conflict(f"a {d.status} day cannot be marked held", code="day_not_scheduled", status=d.status)
        if e.starts_at > utcnow():
            raise Conflict("the day has not started", code="day_not_started")
        status = e.status
    if status == cal.PUBLISHED:
        cal.do_transition(actor, tenant_id, e.id, "mark_held")
    elif status not in (cal.HELD, cal.CLOSED):
        raise Conflict("publish the day in the calendar first", code="day_not_published", status=status)
    with tenant_session(tenant_id) as s, transaction(s):
        d = _day(s, day_id, lock=True)
        d.status, d.updated_at = DayStatus.HELD.value, utcnow()
        s.add(d)
        audit(s, actor, "recruitment_day.held", tenant_id=tenant_id, target_type="recruitment_day", target_id=d.id)
        return _view(s, d)


def do_record_day_result(actor: Actor, tenant_id: int, day_id: int, student_membership_id: int, *,
                         outcome: str, note: str = "") -> ParticipantRow:
    """P19.19: what came of the day for one participant, written on the need's shortlist
    (a participant who was not shortlisted is added, origin "staff")."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    if outcome not in DAY_OUTCOMES:
        raise Invalid(f"unknown outcome {outcome!r}", code="invalid_outcome")
    note = (note or "").strip()
    if len(note) > 2000:
        raise Invalid("the note is too long", code="note_too_long")
    with tenant_session(tenant_id) as s:
        d, e = _scheduled(s, day_id)
        if d.status in (DayStatus.CLOSED.value, DayStatus.CANCELLED.value):
            raise Conflict("the day is closed", code="day_closed", status=d.status)
        if e.starts_at > utcnow():
            raise Conflict("the day has not started", code="day_not_started")
        r = s.exec(select(Registration).where(Registration.event_id == e.id,
                                              Registration.student_membership_id == student_membership_id,
                                              Registration.status != CANCELLED)).first()
        if r is None:
            raise NotFound("this student did not take part in the day", code="not_a_participant")
        has_entry = s.exec(select(ShortlistEntry.id).where(
            ShortlistEntry.need_id == d.need_id,
            ShortlistEntry.student_membership_id == student_membership_id)).first() is not None
        need_id = d.need_id
    if not has_entry:
        from tenants.sourcing.pipeline.services import add_candidate

        with tenant_session(tenant_id) as s, transaction(s):
            add_candidate(s, tenant_id, need_id, student_membership_id, origin="staff",
                          added_by=actor.membership_id)
    with tenant_session(tenant_id) as s, transaction(s):
        entry = s.exec(select(ShortlistEntry).where(
            ShortlistEntry.need_id == need_id, ShortlistEntry.student_membership_id == student_membership_id)
            .with_for_update()).one()
        now = utcnow()
        entry.outcome, entry.outcome_note, entry.outcome_at, entry.updated_at = outcome, note, now, now
        s.add(entry)
        need = s.exec(select(JobNeed).where(JobNeed.id == need_id).with_for_update()).one()
        if advance(need, NeedStatus.OUTCOMES, now=now):
            s.add(need)
        audit(s, actor, "recruitment_day.result", tenant_id=tenant_id, target_type="recruitment_day",
              target_id=day_id, student_membership_id=student_membership_id, outcome=outcome)
        rows = _participants(s, d.need_id, e.id, only=student_membership_id)
    return rows[0]


def _participants(s: Session, need_id: int, event_id: int, *, only: int | None = None) -> list[ParticipantRow]:
    q = (select(Registration, Account)
         .join(Membership, (Membership.tenant_id == Registration.tenant_id)
               & (Membership.id == Registration.student_membership_id))
         .join(Account, Account.id == Membership.account_id)
         .where(Registration.event_id == event_id, Registration.status != CANCELLED))
    if only is not None:
        q = q.where(Registration.student_membership_id == only)
    regs = s.exec(q).all()
    entries = {x.student_membership_id: x for x in s.exec(select(ShortlistEntry).where(
        ShortlistEntry.need_id == need_id,
        ShortlistEntry.student_membership_id.in_([r.student_membership_id for r, _ in regs]))).all()} if regs else {}
    out = []
    for r, a in regs:
        x = entries.get(r.student_membership_id)
        out.append(ParticipantRow(r.student_membership_id, a.full_name, a.email, r.id, r.status, x is not None,
                                  x.outcome if x else "", x.outcome_note if x else ""))
    return sorted(out, key=lambda p: (p.full_name.casefold(), p.student_membership_id))


def day_participants(actor: Actor, tenant_id: int, day_id: int) -> list[ParticipantRow]:
    """Who is registered or came, with the result recorded for each."""
    require(actor, Perm.NEED_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        d = _day(s, day_id)
        if d.event_id is None:
            return []
        return _participants(s, d.need_id, d.event_id)


def do_close_day(actor: Actor, tenant_id: int, day_id: int, *, notes: str = "") -> CloseReport:
    """The day is over and its results recorded: its event is closed in the calendar, which
    opens the evaluation form (the questionnaire of recruitment days) for those who came."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    notes = (notes or "").strip()[:5000]
    with tenant_session(tenant_id) as s:
        d, e = _scheduled(s, day_id)
        if d.status != DayStatus.HELD.value:
            raise Conflict(f"a {d.status} day cannot be closed", code="day_not_held", status=d.status)
        attended = reg.attendance_count_in(s, e.id)
        hires = _hires(s, d.need_id, e.id)
        need = _need(s, d.need_id)
        status = e.status
    if status == cal.HELD:
        cal.do_transition(actor, tenant_id, e.id, "close", closing={
            "attendance_count": attended, "outcome_notes": notes,
            "figures": {"hires": float(hires), "positions": float(need.positions)}})
    elif status != cal.CLOSED:
        raise Conflict("the day's event is not held", code="day_not_held", status=status)
    with tenant_session(tenant_id) as s, transaction(s):
        d = _day(s, day_id, lock=True)
        d.status, d.updated_at = DayStatus.CLOSED.value, utcnow()
        s.add(d)
        audit(s, actor, "recruitment_day.closed", tenant_id=tenant_id, target_type="recruitment_day",
              target_id=d.id, attended=attended, hires=hires)
        return CloseReport(_view(s, d), attended, hires)


def _hires(s: Session, need_id: int, event_id: int) -> int:
    came = select(Registration.student_membership_id).where(Registration.event_id == event_id,
                                                            Registration.status != CANCELLED)
    return len(s.exec(select(ShortlistEntry.id).where(
        ShortlistEntry.need_id == need_id, ShortlistEntry.outcome == Outcome.HIRED.value,
        ShortlistEntry.student_membership_id.in_(came))).all())


def do_cancel_day(actor: Actor, tenant_id: int, day_id: int, *, reason: str) -> DayView:
    """The day will not take place; its event (if any) is cancelled in the calendar."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise Invalid("say why (at least 3 characters)", code="reason_required")
    with tenant_session(tenant_id) as s:
        d = _day(s, day_id)
        if d.status not in (DayStatus.PROPOSED.value, DayStatus.SCHEDULED.value):
            raise Conflict(f"a {d.status} day cannot be cancelled", code="day_not_cancellable", status=d.status)
        e = s.get(Event, d.event_id) if d.event_id else None
    if e is not None and e.status in cal.ACTIVE_STATUSES and e.status != cal.HELD:
        cal.do_transition(actor, tenant_id, e.id, "cancel", reason=reason)
    with tenant_session(tenant_id) as s, transaction(s):
        d = _day(s, day_id, lock=True)
        d.status, d.updated_at = DayStatus.CANCELLED.value, utcnow()
        s.add(d)
        audit(s, actor, "recruitment_day.cancelled", tenant_id=tenant_id, target_type="recruitment_day",
              target_id=d.id, reason=reason)
        return _view(s, d)

