"""The team's annual evaluation (P27, form M14; BR-33).

P27.1 from one month before the end of the academic year, the manager proposes 1 to 5
interview dates to each member of the team (career counselors, the business developer; not
the manager, not ambassadors, interns or students); P27.2 the member says, per date, whether
they are available; P27.3 the final date is fixed (in the weekly coordination meeting, whose
record may be named) and the interview goes into both people's calendar; P27.5 a few days
before (FORM_DAYS_BEFORE) the form M14 is sent to the member, by the beat job or by the
manager; P27.6 the manager fills it in during the interview; P27.7 the manager finalises it
(locked) and it goes to the member, who gives their opinion once; then it is read-only.

Who sees a review: its member and the centre's manager, nobody else. Other staff, the host
institution, a network admin acting in the centre without being its manager, an evaluator:
the review answers "not found" (listing: their own reviews only, or refused).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from celery import shared_task
from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.i18n import t
from integrations.mail import EMAIL_KIND, attachment
from integrations.settings import get_settings
from integrations.validation import clean_field, parse
from tenants.calendar.models import AcademicYear, Event, EventStaff
from tenants.calendar.services import MANAGED_BY, tenant_zone
from tenants.calendar.services import PUBLISHED as EVENT_PUBLISHED
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm, Role
from tenants.core.services import audit
from workflows.assessment.models import PerformanceReview, ReviewStatus
from workflows.meetings.models import MeetingRecord

PROPOSED, CONFIRMED, SCHEDULED = ReviewStatus.PROPOSED.value, ReviewStatus.CONFIRMED.value, ReviewStatus.SCHEDULED.value
FORM_SENT, FILLED = ReviewStatus.FORM_SENT.value, ReviewStatus.FILLED.value
FINALISED, COMMENTED = ReviewStatus.FINALISED.value, ReviewStatus.COMMENTED.value
LOCKED = (FINALISED, COMMENTED)
# who is evaluated (P27: "chaque membre de l'équipe"): the team minus the manager
REVIEWED_ROLES = (Role.CAREER_COUNSELOR.value, Role.BUSINESS_DEVELOPER.value)
MANAGER = Role.MANAGER.value
MAX_SLOTS = 5
# the interview may take place a little after the year's last day (exams, closing)
GRACE_DAYS = 60
INTERVIEW_MINUTES = 60
# P27.5 "quelques jours avant": the beat job sends the form this many days ahead
FORM_DAYS_BEFORE = 3
FORM_JOB_EVERY_SECONDS = 3600.0
MEETING_KIND = "weekly_coordination_meeting"
EVENT_TYPE = "performance_interview"
MANAGED = "performance_review"
TEXT_MAX = 4000
# M14 scales: an objective's achievement, and the competency and overall ratings
ACHIEVEMENT = (0, 1, 2, 3, 4)  # not achieved, partly, largely, achieved, exceeded
RATING = (1, 2, 3, 4)  # insufficient, to improve, meets expectations, exceeds expectations
COMPETENCIES = ("expertise", "quality", "organisation", "teamwork", "communication", "initiative", "service")


# ---------------------------------------------------------------- input

# the form's texts are multiline unless said otherwise
_text = partial(clean_field, multiline=True, invalid_code="invalid", too_long_code="too_long")


def _scale(v: Any, scale: tuple[int, ...], code: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int | str):
        raise ValueError(f"{code}:a rating from {scale[0]} to {scale[-1]} is expected")
    try:
        n = int(str(v).strip())
    except ValueError:
        raise ValueError(f"{code}:a rating from {scale[0]} to {scale[-1]} is expected") from None
    if n not in scale:
        raise ValueError(f"{code}:a rating from {scale[0]} to {scale[-1]} is expected")
    return n


def _aware(v: datetime, name: str) -> datetime:
    if v.tzinfo is None or v.utcoffset() is None:
        raise ValueError(f"naive_datetime:{name} needs a time zone offset")
    return v


class SlotsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slots: list[datetime] = Field(min_length=1, max_length=MAX_SLOTS)

    @field_validator("slots", mode="before")
    @classmethod
    def _count(cls, v: Any) -> Any:
        if isinstance(v, list) and not v:
            raise ValueError("performance_slots_required:propose at least one date")
        if isinstance(v, list) and len(v) > MAX_SLOTS:
            raise ValueError(f"performance_too_many_slots:at most {MAX_SLOTS} dates")
        return v

    @field_validator("slots")
    @classmethod
    def _slots(cls, v: list[datetime]) -> list[datetime]:
        out = sorted(_aware(x, "a date") for x in v)
        if len(set(out)) != len(out):
            raise ValueError("performance_duplicate_slot:the same date is proposed twice")
        return out


class _AtIn(BaseModel):
    """A date of the interview: a member's answer about it, or the one fixed."""

    model_config = ConfigDict(extra="forbid")
    at: datetime

    @field_validator("at")
    @classmethod
    def _at(cls, v: datetime) -> datetime:
        return _aware(v, "at")


class AvailabilityIn(_AtIn):
    available: bool


class ScheduleIn(_AtIn):
    meeting_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class _ObjectiveTitleIn(BaseModel):
    """An objective, the year's (rated) or the next year's, starts with its title."""

    model_config = ConfigDict(extra="forbid")
    title: str

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, v: Any) -> str:
        return _text(v, 200, required_code="performance_objective_title_required", multiline=False)


class ObjectiveIn(_ObjectiveTitleIn):
    achievement: int
    comment: str = ""

    @field_validator("achievement", mode="before")
    @classmethod
    def _achievement(cls, v: Any) -> int:
        return _scale(v, ACHIEVEMENT, "performance_rating_out_of_scale")

    @field_validator("comment", mode="before")
    @classmethod
    def _comment(cls, v: Any) -> str:
        return _text(v, 2000)


class CompetencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str
    rating: int
    comment: str = ""

    @field_validator("key", mode="before")
    @classmethod
    def _key(cls, v: Any) -> str:
        if v not in COMPETENCIES:
            raise ValueError(f"performance_unknown_competency:unknown competency {str(v)[:40]!r}")
        return v

    @field_validator("rating", mode="before")
    @classmethod
    def _rating(cls, v: Any) -> int:
        return _scale(v, RATING, "performance_rating_out_of_scale")

    @field_validator("comment", mode="before")
    @classmethod
    def _comment(cls, v: Any) -> str:
        return _text(v, 1000)


class NextObjectiveIn(_ObjectiveTitleIn):
    measure: str = ""  # how it will be measured
    due_on: date | None = None

    @field_validator("measure", mode="before")
    @classmethod
    def _measure(cls, v: Any) -> str:
        return _text(v, 300, multiline=False)


class FormIn(BaseModel):
    """M14 as filled in during the interview (P27.6)."""

    model_config = ConfigDict(extra="forbid")
    objectives: list[ObjectiveIn] = Field(default_factory=list, max_length=20)
    competencies: list[CompetencyIn] = Field(default_factory=list, max_length=len(COMPETENCIES))
    strengths: str = ""
    improvements: str = ""
    training_needs: str = ""
    next_objectives: list[NextObjectiveIn] = Field(default_factory=list, max_length=20)
    manager_comment: str = ""
    overall: int | None = None

    @field_validator("strengths", "improvements", "training_needs", "manager_comment", mode="before")
    @classmethod
    def _long(cls, v: Any) -> str:
        return _text(v, TEXT_MAX)

    @field_validator("overall", mode="before")
    @classmethod
    def _overall(cls, v: Any) -> int | None:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return _scale(v, RATING, "performance_rating_out_of_scale")

    @model_validator(mode="after")
    def _unique(self) -> FormIn:
        keys = [c.key for c in self.competencies]
        if len(set(keys)) != len(keys):
            raise ValueError("performance_duplicate_competency:a competency is rated twice")
        return self


def form_dict(form: FormIn) -> dict:
    d = form.model_dump()
    for o in d["next_objectives"]:
        o["due_on"] = o["due_on"].isoformat() if o["due_on"] else None
    return d


EMPTY_FORM = form_dict(FormIn())


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class Slot:
    at: datetime
    available: bool | None


@dataclass(frozen=True)
class ReviewSummary:
    id: int
    academic_year_id: int
    year_label: str
    membership_id: int
    member_name: str
    status: str
    interview_at: datetime | None
    form_sent_at: datetime | None
    finalised_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class ReviewDetail(ReviewSummary):
    member_roles: tuple[str, ...] = ()
    manager_membership_id: int = 0
    manager_name: str = ""
    slots: tuple[Slot, ...] = ()
    fixed_in_meeting_id: int | None = None
    form: dict = field(default_factory=dict)
    filled_at: datetime | None = None
    member_comment: str = ""
    commented_at: datetime | None = None
    created_at: datetime | None = None
    # what the caller is to the review, and may do now
    is_manager: bool = False
    is_member: bool = False
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class TeamRow:
    membership_id: int
    name: str
    roles: tuple[str, ...]
    review: ReviewSummary | None


@dataclass(frozen=True)
class Overview:
    """The manager's page: the year, when proposals open, and each member's review."""

    academic_year_id: int
    year_label: str
    ends_on: date
    opens_on: date  # the earliest day dates may be proposed (one month before the year's end)
    open_now: bool
    rows: list[TeamRow]


# ---------------------------------------------------------------- helpers

def _id(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
        raise NotFound("review not found", code="not_found")
    return value


def _manager_of(actor: Actor, tenant_id: int) -> bool:
    """The centre's manager, by their own membership (a network admin is not, through the
    centre's pages: reviews are between the manager and the member)."""
    return (actor.tenant_id == tenant_id and actor.membership_id is not None and MANAGER in actor.roles
            and actor.can(Perm.PERFORMANCE_MANAGE))


def _require_team(actor: Actor, tenant_id: int) -> Actor:
    require(actor, Perm.PERFORMANCE_SELF, tenant_id=tenant_id)
    if actor.membership_id is None or actor.tenant_id != tenant_id:
        raise Forbidden("annual evaluations are between the manager and the team member", code="forbidden")
    return actor


def _require_manager(actor: Actor, tenant_id: int) -> Actor:
    require(actor, Perm.PERFORMANCE_MANAGE, tenant_id=tenant_id)
    if not _manager_of(actor, tenant_id):
        raise Forbidden("only the centre's manager runs the annual interviews", code="forbidden")
    return actor


def _review(s: Session, review_id: Any, *, lock: bool = False) -> PerformanceReview:
    qy = select(PerformanceReview).where(PerformanceReview.id == _id(review_id))
    if lock:
        qy = qy.with_for_update().execution_options(populate_existing=True)
    r = s.exec(qy).first()
    if r is None:
        raise NotFound("review not found", code="not_found")
    return r


def _visible(actor: Actor, tenant_id: int, r: PerformanceReview) -> tuple[bool, bool]:
    """(is_manager, is_member); neither: the review answers not found."""
    is_member = actor.membership_id is not None and actor.membership_id == r.membership_id
    is_manager = _manager_of(actor, tenant_id) and not is_member
    if not (is_manager or is_member):
        raise NotFound("review not found", code="not_found")
    return is_manager, is_member


def _for_manager(s: Session, actor: Actor, tenant_id: int, review_id: Any) -> PerformanceReview:
    r = _review(s, review_id, lock=True)
    is_manager, _ = _visible(actor, tenant_id, r)
    if not is_manager:
        raise Forbidden("only the manager does this", code="forbidden")
    return r


def _for_member(s: Session, actor: Actor, tenant_id: int, review_id: Any) -> PerformanceReview:
    r = _review(s, review_id, lock=True)
    _, is_member = _visible(actor, tenant_id, r)
    if not is_member:
        raise Forbidden("only the member evaluated does this", code="forbidden")
    return r


def _wrong_state(r: PerformanceReview) -> Conflict:
    if r.status in LOCKED:
        return Conflict("the evaluation is finalised: it can no longer be changed", code="performance_locked",
                        status=r.status)
    return Conflict(f"not possible while the review is {r.status}", code="performance_wrong_state",
                    status=r.status)


def _in(r: PerformanceReview, *states: str) -> None:
    if r.status not in states:
        raise _wrong_state(r)


def opens_on(year: AcademicYear) -> date:
    """P27.1 'un mois avant la fin de l'année': the first day dates may be proposed."""
    return year.ends_on - relativedelta(months=1)


def _closes_on(year: AcademicYear) -> date:
    return year.ends_on + timedelta(days=GRACE_DAYS)


def _pick_year(s: Session, today: date, academic_year_id: Any = None) -> AcademicYear:
    if academic_year_id is not None:
        ok = isinstance(academic_year_id, int) and not isinstance(academic_year_id, bool) \
            and 0 < academic_year_id < 2**31
        y = s.get(AcademicYear, academic_year_id) if ok else None
        if y is None:
            raise NotFound("academic year not found", code="academic_year_not_found")
        return y
    years = list(s.exec(select(AcademicYear).order_by(AcademicYear.starts_on)).all())
    if not years:
        raise Invalid("set the academic year in the calendar first", code="performance_no_academic_year")
    # the year in course, or the one that just ended (its interviews may run a little after)
    for y in reversed(years):
        if y.starts_on <= today <= _closes_on(y):
            return y
    upcoming = [y for y in years if y.starts_on > today]
    return upcoming[0] if upcoming else years[-1]


def _local_day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


def _check_when(at: datetime, year: AcademicYear, zone: ZoneInfo, now: datetime) -> None:
    if at <= now:
        raise Invalid("a proposed date is in the past", code="performance_slot_in_past", at=at.isoformat())
    day = _local_day(at, zone)
    if day < year.starts_on or day > _closes_on(year):
        raise Invalid(f"a date must fall within the academic year {year.label} or within {GRACE_DAYS} days "
                      f"after its end ({_closes_on(year).isoformat()})", code="performance_slot_out_of_year",
                      at=at.isoformat(), last_day=_closes_on(year).isoformat())


def _members(s: Session) -> dict[int, tuple[Membership, Account]]:
    """Active members the manager evaluates: counselors and the business developer, not a manager."""
    rows = s.exec(select(Membership, Account).join(Account, Account.id == Membership.account_id)
                  .where(Membership.active.is_(True), Account.active.is_(True))).all()
    return {m.id: (m, a) for m, a in rows
            if set(m.roles or ()) & set(REVIEWED_ROLES) and MANAGER not in (m.roles or ())}


def _account_of(s: Session, membership_id: int) -> Account | None:
    return s.exec(select(Account).join(Membership, Membership.account_id == Account.id)
                  .where(Membership.id == membership_id)).first()


def _names(s: Session, ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    rows = s.exec(select(Membership.id, Account.full_name, Account.email).join(
        Account, Account.id == Membership.account_id).where(Membership.id.in_(ids))).all()
    return {mid: (name or email) for mid, name, email in rows}


def _slots(r: PerformanceReview) -> tuple[Slot, ...]:
    return tuple(Slot(datetime.fromisoformat(x["at"]), x.get("available")) for x in (r.proposed_slots or []))


def _actions(r: PerformanceReview, is_manager: bool, is_member: bool) -> tuple[str, ...]:
    out: list[str] = []
    if is_manager:
        if r.status in (PROPOSED, CONFIRMED):
            out.append("propose")
        if r.status in (PROPOSED, CONFIRMED, SCHEDULED, FORM_SENT):
            out.append("schedule")
        if r.status == SCHEDULED:
            out.append("send_form")
        if r.status in (SCHEDULED, FORM_SENT, FILLED):
            out.append("fill")
        if r.status == FILLED:
            out.append("finalise")
    if is_member:
        if r.status in (PROPOSED, CONFIRMED):
            out.append("availability")
        if r.status == FINALISED:
            out.append("comment")
    return tuple(out)


def _summary(r: PerformanceReview, names: dict[int, str], years: dict[int, str]) -> ReviewSummary:
    return ReviewSummary(r.id, r.academic_year_id, years.get(r.academic_year_id, ""), r.membership_id,
                         names.get(r.membership_id, ""), r.status, r.interview_at, r.form_sent_at, r.finalised_at,
                         r.updated_at)


def _detail(s: Session, r: PerformanceReview, *, is_manager: bool, is_member: bool) -> ReviewDetail:
    names = _names(s, {r.membership_id, r.manager_membership_id})
    year = s.get(AcademicYear, r.academic_year_id)
    m = s.get(Membership, r.membership_id)
    base = _summary(r, names, {r.academic_year_id: year.label if year else ""})
    return ReviewDetail(
        **{k: getattr(base, k) for k in ReviewSummary.__dataclass_fields__},
        member_roles=tuple(x for x in (m.roles if m else ()) if x in REVIEWED_ROLES),
        manager_membership_id=r.manager_membership_id, manager_name=names.get(r.manager_membership_id, ""),
        slots=_slots(r), fixed_in_meeting_id=r.fixed_in_meeting_id, form=dict(EMPTY_FORM) | (r.form or {}),
        filled_at=r.filled_at, member_comment=r.member_comment, commented_at=r.commented_at,
        created_at=r.created_at, is_manager=is_manager, is_member=is_member,
        actions=_actions(r, is_manager, is_member))


def _touch(r: PerformanceReview, now: datetime) -> None:
    r.updated_at = now


def _link(review_id: int) -> str:
    return f"{get_settings().base_url}/staff/performance/{review_id}"


def _lang(s: Session, tenant_id: int, acc: Account) -> tuple[str, Tenant | None]:
    tenant = s.get(Tenant, tenant_id)
    return acc.locale or (tenant.locale if tenant and tenant.locale else "fr"), tenant


def _when(at: datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%d/%m/%Y %H:%M") if at else ""


def _mail(s: Session, tenant_id: int, membership_id: int, kind: str, key: str, *,
          attachments: list[dict] | None = None, **values: Any) -> bool:
    acc = _account_of(s, membership_id)
    if acc is None or not acc.active:
        return False
    lang, tenant = _lang(s, tenant_id, acc)
    params = {"name": acc.full_name or acc.email, "tenant": tenant.name if tenant else "", **values}
    payload: dict = {"to": acc.email, "subject": t(f"mail.{kind}.subject", lang, **params),
                     "text": t(f"mail.{kind}.body", lang, **params)}
    if attachments:
        payload["attachments"] = attachments
    outbox.enqueue(s, EMAIL_KIND, payload, key=key, tenant_id=tenant_id)
    return True


# ---------------------------------------------------------------- reading

def overview(actor: Actor, tenant_id: int, *, academic_year_id: int | None = None,
             now: datetime | None = None) -> Overview:
    """The manager's table: every member to evaluate this year, with their review if any."""
    _require_manager(actor, tenant_id)
    now = now or utcnow()
    with tenant_session(tenant_id) as s:
        zone = tenant_zone(s, tenant_id)
        year = _pick_year(s, _local_day(now, zone), academic_year_id)
        reviews = {r.membership_id: r for r in s.exec(select(PerformanceReview).where(
            PerformanceReview.academic_year_id == year.id)).all()}
        team = _members(s)
        names = _names(s, set(team) | set(reviews))
        ids = sorted(set(team) | set(reviews), key=lambda i: (names.get(i, "").lower(), i))
        rows = []
        for mid in ids:
            m = team.get(mid)
            roles = tuple(x for x in (m[0].roles if m else ()) if x in REVIEWED_ROLES)
            r = reviews.get(mid)
            rows.append(TeamRow(mid, names.get(mid, ""), roles,
                                _summary(r, names, {year.id: year.label}) if r else None))
        today = _local_day(now, zone)
        return Overview(year.id, year.label, year.ends_on, opens_on(year),
                        opens_on(year) <= today <= _closes_on(year), rows)


def list_reviews(actor: Actor, tenant_id: int, *, academic_year_id: int | None = None) -> list[ReviewSummary]:
    """The manager: every review of the centre; a member: their own (every year)."""
    _require_team(actor, tenant_id)
    with tenant_session(tenant_id) as s:
        qy = select(PerformanceReview)
        if not _manager_of(actor, tenant_id):
            qy = qy.where(PerformanceReview.membership_id == actor.membership_id)
        if academic_year_id is not None:
            qy = qy.where(PerformanceReview.academic_year_id == academic_year_id)
        rows = list(s.exec(qy.order_by(PerformanceReview.academic_year_id.desc(), PerformanceReview.id)).all())
        names = _names(s, {r.membership_id for r in rows})
        years = {y.id: y.label for y in s.exec(select(AcademicYear)).all()}
        return [_summary(r, names, years) for r in rows]


def get_review(actor: Actor, tenant_id: int, review_id: int) -> ReviewDetail:
    _require_team(actor, tenant_id)
    with tenant_session(tenant_id) as s:
        r = _review(s, review_id)
        is_manager, is_member = _visible(actor, tenant_id, r)
        return _detail(s, r, is_manager=is_manager, is_member=is_member)


# ---------------------------------------------------------------- P27.1 proposals

def do_propose(actor: Actor, tenant_id: int, membership_id: int, slots: list[Any], *,
               academic_year_id: int | None = None, now: datetime | None = None) -> ReviewDetail:
    """P27.1: the manager proposes dates to a member (creates the year's review, or replaces
    the dates while the final one is not fixed; the member's answers start over)."""
    _require_manager(actor, tenant_id)
    inp = parse(SlotsIn, {"slots": slots})
    now = now or utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        zone = tenant_zone(s, tenant_id)
        year = _pick_year(s, _local_day(now, zone), academic_year_id)
        today = _local_day(now, zone)
        first = opens_on(year)
        if today < first:
            raise Invalid(f"interview dates are proposed from one month before the end of the academic year "
                          f"{year.label}: from {first.isoformat()}", code="performance_too_early",
                          opens_on=first.isoformat())
        if today > _closes_on(year):
            raise Invalid(f"the academic year {year.label} is over", code="performance_year_over",
                          last_day=_closes_on(year).isoformat())
        if not isinstance(membership_id, int) or isinstance(membership_id, bool) or \
                membership_id not in _members(s) or membership_id == actor.membership_id:
            raise Invalid("not a member of the team to evaluate (career counselors and the business developer)",
                          code="performance_not_team_member")
        for at in inp.slots:
            _check_when(at, year, zone, now)
        r = s.exec(select(PerformanceReview).where(PerformanceReview.academic_year_id == year.id,
                                                   PerformanceReview.membership_id == membership_id)
                   .with_for_update()).first()
        created = r is None
        if r is None:
            r = PerformanceReview(tenant_id=tenant_id, academic_year_id=year.id, membership_id=membership_id,
                                  manager_membership_id=actor.membership_id, status=PROPOSED, created_at=now)
        else:
            _in(r, PROPOSED, CONFIRMED)
        r.manager_membership_id = actor.membership_id
        r.proposed_slots = [{"at": at.isoformat(), "available": None} for at in inp.slots]
        r.status = PROPOSED
        _touch(r, now)
        s.add(r)
        s.flush()
        _mail(s, tenant_id, membership_id, "performance_proposed", f"performance-proposed:{r.id}:{uuid.uuid4().hex}",
              year=year.label, dates="\n".join(f"- {_when(at, zone)}" for at in inp.slots), link=_link(r.id))
        audit(s, actor, "performance.proposed", tenant_id=tenant_id, target_type="performance_review",
              target_id=r.id, member=membership_id, slots=len(inp.slots), created=created)
        return _detail(s, r, is_manager=True, is_member=False)


# ---------------------------------------------------------------- P27.2 availability

def do_give_availability(actor: Actor, tenant_id: int, review_id: int, answers: list[Any], *,
                         now: datetime | None = None) -> ReviewDetail:
    """P27.2: the member says, for every proposed date, whether they are available."""
    _require_team(actor, tenant_id)
    if not isinstance(answers, list) or len(answers) > MAX_SLOTS:
        raise Invalid("one answer per proposed date", code="performance_availability_mismatch")
    parsed = [parse(AvailabilityIn, a) for a in answers]
    now = now or utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        r = _for_member(s, actor, tenant_id, review_id)
        _in(r, PROPOSED, CONFIRMED)
        given = {a.at: a.available for a in parsed}
        slots = _slots(r)
        if len(given) != len(parsed) or set(given) != {x.at for x in slots}:
            raise Invalid("answer each proposed date once", code="performance_availability_mismatch")
        r.proposed_slots = [{"at": x.at.isoformat(), "available": given[x.at]} for x in slots]
        r.status = CONFIRMED
        _touch(r, now)
        s.add(r)
        zone = tenant_zone(s, tenant_id)
        yes = [x.at for x in slots if given[x.at]]
        _mail(s, tenant_id, r.manager_membership_id, "performance_availability",
              f"performance-availability:{r.id}:{uuid.uuid4().hex}", member=actor.full_name or actor.email,
              dates="\n".join(f"- {_when(at, zone)}" for at in yes) or "-", link=_link(r.id))
        audit(s, actor, "performance.availability", tenant_id=tenant_id, target_type="performance_review",
              target_id=r.id, available=len(yes))
        return _detail(s, r, is_manager=False, is_member=True)


# ---------------------------------------------------------------- P27.3 the final date

def _event_uid(r: PerformanceReview) -> str:
    return f"performance-review-{r.id}@cc-network"


def _put_in_calendar(s: Session, actor: Actor, r: PerformanceReview, zone: ZoneInfo, lang: str,
                     member_name: str) -> Event:
    """The interview in both people's calendar: organised by the manager, the member taking
    part. Managed here (the generic calendar does not move it); a new date updates it."""
    uid = _event_uid(r)
    e = s.exec(select(Event).where(Event.uid == uid)).first()
    starts = r.interview_at
    ends = starts + timedelta(minutes=INTERVIEW_MINUTES)
    title = t("performance.event_title", lang, member=member_name)[:200]
    if e is None:
        e = Event(tenant_id=r.tenant_id, uid=uid, type=EVENT_TYPE, title=title, starts_at=starts, ends_at=ends,
                  timezone=zone.key, organiser_membership_id=r.manager_membership_id, status=EVENT_PUBLISHED,
                  sequence=0, created_by_account_id=actor.account_id, details={MANAGED_BY: MANAGED})
        s.add(e)
        s.flush()
    else:
        e.title, e.starts_at, e.ends_at, e.status = title, starts, ends, EVENT_PUBLISHED
        e.organiser_membership_id = r.manager_membership_id
        e.sequence += 1
        e.updated_at = utcnow()
        s.add(e)
    if not s.exec(select(EventStaff.id).where(EventStaff.event_id == e.id,
                                              EventStaff.membership_id == r.membership_id)).first():
        s.add(EventStaff(tenant_id=r.tenant_id, event_id=e.id, membership_id=r.membership_id))
    return e


def do_schedule(actor: Actor, tenant_id: int, review_id: int, at: Any, *, meeting_id: int | None = None,
                now: datetime | None = None) -> ReviewDetail:
    """P27.3: the final date, fixed in the coordination meeting (optionally named); the
    interview goes into the calendar and the member is told. Until the interview is filled
    in, the date may be moved."""
    _require_manager(actor, tenant_id)
    inp = parse(ScheduleIn, {"at": at, "meeting_id": meeting_id})
    now = now or utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        r = _for_manager(s, actor, tenant_id, review_id)
        _in(r, PROPOSED, CONFIRMED, SCHEDULED, FORM_SENT)
        zone = tenant_zone(s, tenant_id)
        year = s.get(AcademicYear, r.academic_year_id)
        _check_when(inp.at, year, zone, now)
        if inp.meeting_id is not None:
            rec = s.get(MeetingRecord, inp.meeting_id)
            if rec is None:
                raise NotFound("meeting not found", code="meeting_not_found")
            if rec.kind != MEETING_KIND:
                raise Invalid("final dates are fixed in the weekly coordination meeting",
                              code="performance_meeting_kind")
        r.interview_at = inp.at
        r.fixed_in_meeting_id = inp.meeting_id
        if r.status != FORM_SENT:
            r.status = SCHEDULED
        r.manager_membership_id = actor.membership_id
        _touch(r, now)
        s.add(r)
        s.flush()
        acc = _account_of(s, r.membership_id)
        lang, _tenant = _lang(s, tenant_id, acc) if acc else ("fr", None)
        e = _put_in_calendar(s, actor, r, zone, lang, (acc.full_name or acc.email) if acc else "")
        _mail(s, tenant_id, r.membership_id, "performance_scheduled",
              f"performance-scheduled:{r.id}:{inp.at.isoformat()}", when=_when(inp.at, zone), link=_link(r.id))
        audit(s, actor, "performance.scheduled", tenant_id=tenant_id, target_type="performance_review",
              target_id=r.id, at=inp.at.isoformat(), meeting_id=inp.meeting_id, event_id=e.id)
        return _detail(s, r, is_manager=True, is_member=False)


# ---------------------------------------------------------------- P27.5 the form sent before

def _m14_attachment(s: Session, r: PerformanceReview) -> dict:
    """M14 as it stands, in its member's language, to attach to a mail to them."""
    acc = _account_of(s, r.membership_id)
    lang = _lang(s, r.tenant_id, acc)[0] if acc else "fr"
    return attachment(f"m14-{r.id}.pdf", "application/pdf", _render(s, r, lang))


def _send_form(s: Session, actor: Actor | None, r: PerformanceReview, now: datetime, *, by: str) -> None:
    zone = tenant_zone(s, r.tenant_id)
    m14 = _m14_attachment(s, r)
    r.status, r.form_sent_at = FORM_SENT, now
    _touch(r, now)
    s.add(r)
    _mail(s, r.tenant_id, r.membership_id, "performance_form", f"performance-form:{r.tenant_id}:{r.id}",
          attachments=[m14], when=_when(r.interview_at, zone),
          link=_link(r.id))
    audit(s, actor, "performance.form_sent", tenant_id=r.tenant_id, target_type="performance_review",
          target_id=r.id, by=by)


def do_send_form(actor: Actor, tenant_id: int, review_id: int, *, now: datetime | None = None) -> ReviewDetail:
    """P27.5 by hand: the manager sends M14 to the member before the interview."""
    _require_manager(actor, tenant_id)
    now = now or utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        r = _for_manager(s, actor, tenant_id, review_id)
        if r.status == FORM_SENT:
            raise Conflict("the form was already sent", code="performance_form_already_sent")
        _in(r, SCHEDULED)
        _send_form(s, actor, r, now, by="manager")
        return _detail(s, r, is_manager=True, is_member=False)


def enqueue_due_forms(*, now: datetime | None = None, days_before: int = FORM_DAYS_BEFORE) -> int:
    """Beat (P27.5): every scheduled interview starting within `days_before` days whose form
    has not gone gets it now, once (the status moves to form_sent in the same transaction as
    the outbox row, whose key is per review). Returns how many forms were sent."""
    now = now or utcnow()
    horizon = now + timedelta(days=days_before)
    with system_session("performance forms: centres with interviews due") as s:
        due = sorted(set(s.exec(select(PerformanceReview.tenant_id).where(
            PerformanceReview.status == SCHEDULED, PerformanceReview.form_sent_at.is_(None),
            PerformanceReview.interview_at > now, PerformanceReview.interview_at <= horizon)).all()))
    sent = 0
    for tenant_id in due:
        with tenant_session(tenant_id) as s, transaction(s):
            rows = s.exec(select(PerformanceReview).where(
                PerformanceReview.status == SCHEDULED, PerformanceReview.form_sent_at.is_(None),
                PerformanceReview.interview_at > now, PerformanceReview.interview_at <= horizon)
                .with_for_update()).all()
            for r in rows:
                _send_form(s, None, r, now, by="schedule")
                sent += 1
    return sent


# ---------------------------------------------------------------- P27.6 / P27.7 the form

def do_fill_form(actor: Actor, tenant_id: int, review_id: int, form: Any, *,
                 now: datetime | None = None) -> ReviewDetail:
    """P27.6: the manager fills M14 in with the member (saved as often as needed until
    finalised)."""
    _require_manager(actor, tenant_id)
    inp = parse(FormIn, form)
    now = now or utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        r = _for_manager(s, actor, tenant_id, review_id)
        _in(r, SCHEDULED, FORM_SENT, FILLED)
        r.form = form_dict(inp)
        r.status, r.filled_at = FILLED, now
        _touch(r, now)
        s.add(r)
        audit(s, actor, "performance.filled", tenant_id=tenant_id, target_type="performance_review",
              target_id=r.id, objectives=len(inp.objectives), overall=inp.overall)
        return _detail(s, r, is_manager=True, is_member=False)


def missing_for_final(form: dict) -> list[str]:
    missing = []
    if not form.get("objectives"):
        missing.append("objectives")
    if not form.get("competencies"):
        missing.append("competencies")
    if form.get("overall") is None:
        missing.append("overall")
    return missing


def do_finalise(actor: Actor, tenant_id: int, review_id: int, *, now: datetime | None = None) -> ReviewDetail:
    """P27.7: the manager finalises M14 after the interview (locked from now on) and sends it
    to the member for their opinion."""
    _require_manager(actor, tenant_id)
    now = now or utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        r = _for_manager(s, actor, tenant_id, review_id)
        _in(r, FILLED)
        if r.interview_at is None or now < r.interview_at:
            raise Invalid("the form is finalised after the interview", code="performance_before_interview",
                          at=r.interview_at.isoformat() if r.interview_at else "")
        missing = missing_for_final(r.form or {})
        if missing:
            raise Invalid("the form is incomplete: " + ", ".join(missing), code="performance_form_incomplete",
                          missing=missing)
        r.status, r.finalised_at = FINALISED, now
        _touch(r, now)
        s.add(r)
        _mail(s, tenant_id, r.membership_id, "performance_finalised", f"performance-finalised:{r.id}",
              attachments=[_m14_attachment(s, r)], link=_link(r.id))
        audit(s, actor, "performance.finalised", tenant_id=tenant_id, target_type="performance_review",
              target_id=r.id, overall=(r.form or {}).get("overall"))
        return _detail(s, r, is_manager=True, is_member=False)


def do_comment(actor: Actor, tenant_id: int, review_id: int, comment: Any, *,
               now: datetime | None = None) -> ReviewDetail:
    """P27.7: the member gives their opinion on the finalised form, once; read-only after."""
    _require_team(actor, tenant_id)
    try:
        text = _text(comment, TEXT_MAX, required_code="performance_comment_required")
    except ValueError as exc:
        code, _, msg = str(exc).partition(":")
        raise Invalid(msg.strip(), code=code) from None
    now = now or utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        r = _for_member(s, actor, tenant_id, review_id)
        if r.status == COMMENTED:
            raise Conflict("your opinion is already recorded", code="performance_already_commented")
        _in(r, FINALISED)
        r.member_comment, r.commented_at, r.status = text, now, COMMENTED
        _touch(r, now)
        s.add(r)
        _mail(s, tenant_id, r.manager_membership_id, "performance_commented", f"performance-commented:{r.id}",
              member=actor.full_name or actor.email, link=_link(r.id))
        audit(s, actor, "performance.commented", tenant_id=tenant_id, target_type="performance_review",
              target_id=r.id)
        return _detail(s, r, is_manager=False, is_member=True)


# ---------------------------------------------------------------- the M14 PDF

def _render(s: Session, r: PerformanceReview, lang: str) -> bytes:
    from integrations.pdf import Column, Document, Heading, Paragraph, Table, render_pdf

    zone = tenant_zone(s, r.tenant_id)
    names = _names(s, {r.membership_id, r.manager_membership_id})
    year = s.get(AcademicYear, r.academic_year_id)
    tenant = s.get(Tenant, r.tenant_id)
    m = s.get(Membership, r.membership_id)
    f = dict(EMPTY_FORM) | (r.form or {})

    def tr(key: str, **kw: Any) -> str:
        return t(f"performance.pdf.{key}", lang, **kw)

    roles = ", ".join(t(f"ui.role.{x}", lang) for x in (m.roles if m else ()) if x in REVIEWED_ROLES)
    status = t(f"ui.performance.status.{r.status}", lang)
    doc = Document(title=tr("title"), lang=lang, author=tenant.name if tenant else "",
                   subtitle=(tenant.name if tenant else "", f"{tr('year')} {year.label if year else ''}"),
                   footer="M14 · {page}/{pages}")
    doc.blocks += [
        Paragraph(f"{tr('member')}: {names.get(r.membership_id, '')} ({roles})"),
        Paragraph(f"{tr('evaluator')}: {names.get(r.manager_membership_id, '')}"),
        Paragraph(f"{tr('interview')}: {_when(r.interview_at, zone) or '-'}"),
        Paragraph(f"{tr('status')}: {status}"),
        Heading(tr("objectives")),
        Table([Column(tr("objective"), 3), Column(tr("achievement"), 1), Column(tr("comment"), 3)],
              [[o["title"], t(f"ui.performance.achievement.{o['achievement']}", lang), o.get("comment", "")]
               for o in f["objectives"]], empty_text="-"),
        Heading(tr("competencies")),
        Table([Column(tr("competency"), 3), Column(tr("rating"), 1), Column(tr("comment"), 3)],
              [[t(f"ui.performance.competency.{c['key']}", lang), t(f"ui.performance.rating.{c['rating']}", lang),
                c.get("comment", "")] for c in f["competencies"]], empty_text="-"),
        Heading(tr("strengths")), Paragraph(f["strengths"] or "-"),
        Heading(tr("improvements")), Paragraph(f["improvements"] or "-"),
        Heading(tr("training_needs")), Paragraph(f["training_needs"] or "-"),
        Heading(tr("next_objectives")),
        Table([Column(tr("objective"), 3), Column(tr("measure"), 2), Column(tr("due_on"), 1)],
              [[o["title"], o.get("measure", ""), o.get("due_on") or ""] for o in f["next_objectives"]],
              empty_text="-"),
        Heading(tr("manager_comment")), Paragraph(f["manager_comment"] or "-"),
        Paragraph(f"{tr('overall')}: " + (t(f"ui.performance.rating.{f['overall']}", lang)
                                           if f.get("overall") else "-")),
        Heading(tr("member_comment")), Paragraph(r.member_comment or "-"),
    ]
    if r.finalised_at:
        doc.blocks.append(Paragraph(f"{tr('finalised_at')}: {_when(r.finalised_at, zone)}", size=8))
    if r.commented_at:
        doc.blocks.append(Paragraph(f"{tr('commented_at')}: {_when(r.commented_at, zone)}", size=8))
    return render_pdf(doc)


def review_pdf(actor: Actor, tenant_id: int, review_id: int, *, lang: str = "fr") -> bytes:
    """M14 as PDF, for its manager and its member only."""
    _require_team(actor, tenant_id)
    if lang not in ("fr", "en", "ar"):
        lang = "fr"
    with tenant_session(tenant_id) as s:
        r = _review(s, review_id)
        _visible(actor, tenant_id, r)
        return _render(s, r, lang)


# ---------------------------------------------------------------- beat

@shared_task(name="workflows.assessment.send_performance_forms", ignore_result=True)
def send_performance_forms() -> int:
    """Beat, hourly: the M14 forms due (enqueue_due_forms); the outbox relay sends them."""
    return enqueue_due_forms()
