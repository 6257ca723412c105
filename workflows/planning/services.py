"""The annual action plan (M30, P01) and its mid-year review (P02).

P01: at the end of a year the manager drafts the next year's plan (the "avant-projet"),
pre-filled from the last validated plan, beside what last year said (the annual report, the
annual closing meeting's minutes). Counselors and the business developer comment it; the
internal meeting finalises it; it goes to the host institution, which validates it or sends it
back with a comment; the validated plan is shared with the team.

P02: at the start of the second semester the manager compares the first semester's targets
with what the product counted (gaps), assigns each gap to a member who explains it and
proposes new actions, and makes the plan's next version ("Mise à jour S2"), which the host
institution validates in turn.

Every state of the plan is a version (ActionPlanVersion). A validated version is never
edited: a change makes the next version, in status `updating`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import partial
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import tenant_session, transaction, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.i18n import t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from integrations.validation import as_invalid, clean_field, parse
from tenants.calendar.models import AcademicYear, Event, Semester
from tenants.calendar.types import ACTIVITY_TYPES
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm, Role, permissions_of
from tenants.core.services import audit
from workflows.meetings.models import MeetingRecord
from workflows.planning.models import (
    ActionPlan,
    ActionPlanVersion,
    GapItem,
    Metric,
    MidYearReview,
    PlanComment,
    PlanStatus,
)
from workflows.procedures import queries as q
from workflows.reporting.models import Report, ReportKind

SEMESTERS = ("S1", "S2")
OTHER_TYPE = "other"
LABEL_DRAFT = "Avant-projet"
LABEL_UPDATE = "Mise à jour"
LABEL_S2 = "Mise à jour S2"
ANNUAL_CLOSING = "annual_closing_meeting"
REVIEW_OPEN, REVIEW_CLOSED = "open", "closed"
EDITABLE = (PlanStatus.DRAFT.value, PlanStatus.IN_REVIEW.value, PlanStatus.UPDATING.value)
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# who comments a draft (P01.2) and who gets the validated plan (P01.6)
REVIEWER_ROLES = (Role.CAREER_COUNSELOR.value, Role.BUSINESS_DEVELOPER.value)
TEAM_ROLES = (Role.MANAGER.value, Role.CAREER_COUNSELOR.value, Role.BUSINESS_DEVELOPER.value,
              Role.AMBASSADOR.value, Role.INTERN.value)
HOST_APPROVER_ROLES = (Role.HOST_APPROVER.value,)


# ---------------------------------------------------------------- text helpers

# in a validator or caught as ValueError by the services; any value is taken as its text
_line = partial(clean_field, coerce=True, invalid_code="invalid", too_long_code="too_long")
_para = partial(_line, multiline=True)


def _key(value: Any) -> str:
    v = str(value or "").strip().lower()
    if v and not _KEY_RE.match(v):
        raise ValueError("invalid_key:a key is 1 to 40 letters, digits, - or _")
    return v


def _new_key(prefix: str, used: set[str]) -> str:
    while True:
        k = f"{prefix}-{secrets.token_hex(3)}"
        if k not in used:
            used.add(k)
            return k


# ---------------------------------------------------------------- content (M30)

class _ItemIn(BaseModel):
    """What an objective, an activity and a budget line share: a key (made when missing) first,
    and the description of those that have one."""

    model_config = ConfigDict(extra="forbid")
    key: str = ""

    @field_validator("key", mode="before")
    @classmethod
    def _k(cls, v: Any) -> str:
        return _key(v)

    @field_validator("description", mode="before", check_fields=False)
    @classmethod
    def _description(cls, v: Any) -> str:
        return _para(v, 4000)


class ObjectiveIn(_ItemIn):
    title: str
    description: str = ""

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, v: Any) -> str:
        return _line(v, 200, required_code="objective_title_required")


class BudgetLineIn(_ItemIn):
    label: str
    amount: Decimal = Field(default=Decimal(0), max_digits=14, decimal_places=2)
    currency: str = "MAD"

    @field_validator("label", mode="before")
    @classmethod
    def _label(cls, v: Any) -> str:
        return _line(v, 200, required_code="budget_label_required")

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, v: Any) -> Any:
        if isinstance(v, bool) or v is None or (isinstance(v, str) and not v.strip()):
            raise ValueError("amount_not_a_number:the amount is not a number")
        try:
            d = Decimal(str(v).replace(" ", "").replace(",", "."))
        except ArithmeticError:
            raise ValueError("amount_not_a_number:the amount is not a number") from None
        if not d.is_finite():
            raise ValueError("amount_not_a_number:the amount is not a number")
        if d < 0:
            raise ValueError("amount_negative:an amount is zero or more")
        return d.quantize(Decimal("0.01"))

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, v: Any) -> str:
        c = str(v or "MAD").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", c):
            raise ValueError("invalid_currency:a currency is a three-letter code (MAD, EUR...)")
        return c


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float | Decimal):
        f = float(v)
    elif isinstance(v, str) and v.strip():
        try:
            f = float(v.strip().replace(",", "."))
        except ValueError:
            return None
    else:
        return None
    return f if f == f and f not in (float("inf"), float("-inf")) else None


class ActivityIn(_ItemIn):
    title: str
    objective_key: str
    type: str = OTHER_TYPE
    description: str = ""
    audience: str = ""
    owner_membership_id: int | None = None
    period: str = ""
    metric: Metric
    targets: dict[str, float] = Field(default_factory=dict)
    budget_line: str = ""

    @field_validator("objective_key", "budget_line", mode="before")
    @classmethod
    def _refs(cls, v: Any) -> str:
        return _key(v)

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, v: Any) -> str:
        return _line(v, 200, required_code="activity_title_required")

    @field_validator("audience", "period", mode="before")
    @classmethod
    def _short(cls, v: Any) -> str:
        return _line(v, 200)

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, v: Any) -> str:
        v = str(v or OTHER_TYPE).strip()
        if v != OTHER_TYPE and (v not in ACTIVITY_TYPES or ACTIVITY_TYPES[v].meeting):
            raise ValueError("unknown_activity_type:not an activity type of the calendar")
        return v

    @field_validator("owner_membership_id", mode="before")
    @classmethod
    def _owner(cls, v: Any) -> Any:
        return None if v in ("", 0, "0") else v

    @field_validator("targets", mode="before")
    @classmethod
    def _targets(cls, v: Any, info: ValidationInfo) -> dict[str, float]:
        name = info.data.get("title") or "?"
        if v is None:
            return {}
        if not isinstance(v, dict):
            raise ValueError(f"target_not_a_number:the targets of activity «{name}» are not numbers")
        out: dict[str, float] = {}
        for sem, raw in v.items():
            if sem not in SEMESTERS:
                raise ValueError(f"invalid_semester:activity «{name}»: targets are for S1 and S2")
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            n = _number(raw)
            if n is None:
                raise ValueError(f"target_not_a_number:the {sem} target of activity «{name}» is not a number")
            if n < 0:
                raise ValueError(f"target_negative:the {sem} target of activity «{name}» is below zero")
            out[sem] = n
        return out


class PlanContent(BaseModel):
    """M30's content, as stored in ActionPlanVersion.content. Keys are made when missing."""

    model_config = ConfigDict(extra="forbid")
    objectives: list[ObjectiveIn] = Field(default_factory=list, max_length=50)
    activities: list[ActivityIn] = Field(default_factory=list, max_length=300)
    budget_lines: list[BudgetLineIn] = Field(default_factory=list, max_length=100)
    host_activities: list[str] = Field(default_factory=list, max_length=100)

    @field_validator("host_activities", mode="before")
    @classmethod
    def _host(cls, v: Any) -> list[str]:
        return [s for s in (_line(x, 300) for x in (v or [])) if s]

    @model_validator(mode="after")
    def _links(self) -> PlanContent:
        used: set[str] = set()
        for group, prefix in ((self.objectives, "obj"), (self.activities, "act"), (self.budget_lines, "bud")):
            for item in group:
                if item.key:
                    if item.key in used:
                        raise ValueError(f"duplicate_key:the key {item.key} is used twice")
                    used.add(item.key)
            for item in group:
                if not item.key:
                    item.key = _new_key(prefix, used)
        objectives = {o.key for o in self.objectives}
        lines = {b.key for b in self.budget_lines}
        for a in self.activities:
            if a.objective_key not in objectives:
                raise ValueError(f"unknown_objective:activity «{a.title}» names no objective of the plan")
            if a.budget_line and a.budget_line not in lines:
                raise ValueError(f"unknown_budget_line:activity «{a.title}» names no budget line of the plan")
        return self

    def stored(self) -> dict:
        return self.model_dump(mode="json")


def clean_content(data: Any) -> dict:
    """Validated, normalised content (raises Invalid with a stable code)."""
    if data is None:
        data = {}
    return parse(PlanContent, data).stored()


def _check_owners(s: Session, content: dict) -> None:
    ids = {a["owner_membership_id"] for a in content.get("activities", []) if a.get("owner_membership_id")}
    if not ids:
        return
    found = set(s.exec(select(Membership.id).where(Membership.id.in_(ids), Membership.active.is_(True))).all())
    missing = ids - found
    if missing:
        title = next(a["title"] for a in content["activities"] if a.get("owner_membership_id") in missing)
        raise Invalid(f"the owner of activity «{title}» is not a member of the centre", code="unknown_owner",
                      fields=[{"field": "owner_membership_id", "message": title}])


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class VersionSummary:
    version_no: int
    label: str
    status: str
    created_at: datetime
    submitted_at: datetime | None
    host_validated_at: datetime | None
    host_comment: str
    change_note: str


@dataclass(frozen=True)
class CommentView:
    id: int
    version_no: int
    item_key: str
    author_membership_id: int | None
    author_name: str
    body: str
    at: datetime


@dataclass(frozen=True)
class PlanSummary:
    id: int
    academic_year_id: int
    year_label: str
    title: str
    status: str
    current_version_no: int
    updated_at: datetime


@dataclass(frozen=True)
class PlanView:
    id: int
    academic_year_id: int
    year_label: str
    title: str
    status: str
    current_version_no: int
    version_no: int  # the version shown
    version_label: str
    version_status: str
    content: dict
    versions: list[VersionSummary]
    comments: list[CommentView]
    owners: dict[int, str] = field(default_factory=dict)
    host_comment: str = ""


@dataclass(frozen=True)
class GapView:
    id: int
    review_id: int
    activity_key: str
    activity_title: str
    metric: str
    target: float
    actual: float
    assignee_membership_id: int | None
    assignee_name: str
    explanation: str
    new_action: str
    written_at: datetime | None


@dataclass(frozen=True)
class ReviewView:
    id: int
    plan_id: int
    semester_no: int
    based_on_version_no: int
    status: str
    created_at: datetime
    closed_at: datetime | None
    gaps: list[GapView]


@dataclass(frozen=True)
class ProgressLine:
    activity_key: str
    title: str
    metric: str
    target_s1: float | None
    target_s2: float | None
    actual_s1: float | None
    actual_s2: float | None


@dataclass(frozen=True)
class Diff:
    a: int
    b: int
    added: list[dict]
    removed: list[dict]
    changed: list[dict]  # {"key", "title", "changes": {field: [before, after]}}
    objectives_added: list[str]
    objectives_removed: list[str]
    budget_changed: list[dict]


@dataclass(frozen=True)
class LastYear:
    """What last year said (P01.1): beside the draft form."""

    year_label: str
    plan_title: str
    objectives: list[dict]
    activities: list[dict]
    report_title: str
    report_sections: list[dict]
    closing_minutes: str
    closing_date: date | None


# ---------------------------------------------------------------- lookups

def _sees_drafts(actor: Actor) -> bool:
    """The team sees every version; the host institution what was submitted to it."""
    return actor.can(Perm.PLAN_COMMENT) or actor.can(Perm.PLAN_MANAGE)


def _row(s: Session, model: type, row_id: Any, lock: bool, what: str) -> Any:
    if not isinstance(row_id, int) or isinstance(row_id, bool) or not 0 < row_id < 2**31:
        raise NotFound(f"{what} not found", code="not_found")
    qy = select(model).where(model.id == row_id)
    if lock:
        qy = qy.with_for_update().execution_options(populate_existing=True)
    row = s.exec(qy).first()
    if row is None:
        raise NotFound(f"{what} not found", code="not_found")
    return row


def _plan(s: Session, plan_id: Any, *, lock: bool = False) -> ActionPlan:
    return _row(s, ActionPlan, plan_id, lock, "plan")


def _version(s: Session, plan_id: int, version_no: int) -> ActionPlanVersion:
    v = s.exec(select(ActionPlanVersion).where(ActionPlanVersion.plan_id == plan_id,
                                               ActionPlanVersion.version_no == version_no)).first()
    if v is None:
        raise NotFound("version not found", code="version_not_found")
    return v


def _versions(s: Session, plan_id: int, actor: Actor) -> list[ActionPlanVersion]:
    rows = list(s.exec(select(ActionPlanVersion).where(ActionPlanVersion.plan_id == plan_id)
                       .order_by(ActionPlanVersion.version_no)).all())
    if not _sees_drafts(actor):
        rows = [v for v in rows if v.submitted_at is not None]
    return rows


def _visible_plan(s: Session, actor: Actor, plan_id: Any) -> tuple[ActionPlan, list[ActionPlanVersion]]:
    p = _plan(s, plan_id)
    versions = _versions(s, p.id, actor)
    if not versions:  # a plan the host institution was never sent does not exist for it
        raise NotFound("plan not found", code="not_found")
    return p, versions


def _names(s: Session, ids: set[int]) -> dict[int, str]:
    return q.names(s, {i for i in ids if i})


def _summary(v: ActionPlanVersion) -> VersionSummary:
    return VersionSummary(v.version_no, v.label, v.status, v.created_at, v.submitted_at, v.host_validated_at,
                          v.host_comment, v.change_note)


def _plan_view(s: Session, actor: Actor, p: ActionPlan, versions: list[ActionPlanVersion],
               version_no: int | None = None) -> PlanView:
    year = s.get(AcademicYear, p.academic_year_id)
    if version_no is None:
        shown = versions[-1]
    else:
        shown = next((v for v in versions if v.version_no == version_no), None)
        if shown is None:
            raise NotFound("version not found", code="version_not_found")
    comments: list[CommentView] = []
    if _sees_drafts(actor):
        rows = s.exec(select(PlanComment).where(PlanComment.plan_id == p.id)
                      .order_by(PlanComment.at, PlanComment.id)).all()
        who = _names(s, {c.author_membership_id for c in rows})
        comments = [CommentView(c.id, c.version_no, c.item_key, c.author_membership_id,
                                who.get(c.author_membership_id, ""), c.body, c.at) for c in rows]
    owners = _names(s, {a.get("owner_membership_id") for a in shown.content.get("activities", [])})
    status = p.status if _sees_drafts(actor) else shown.status
    return PlanView(p.id, p.academic_year_id, year.label if year else "", p.title, status, p.current_version_no,
                    shown.version_no, shown.label, shown.status, shown.content, [_summary(v) for v in versions],
                    comments, owners, shown.host_comment)


def list_plans(actor: Actor, tenant_id: int) -> list[PlanSummary]:
    require(actor, Perm.PLAN_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        rows = s.exec(select(ActionPlan, AcademicYear)
                      .join(AcademicYear, AcademicYear.id == ActionPlan.academic_year_id)
                      .order_by(AcademicYear.starts_on.desc())).all()
        out = []
        for p, y in rows:
            if not _sees_drafts(actor) and not _versions(s, p.id, actor):
                continue
            out.append(PlanSummary(p.id, p.academic_year_id, y.label, p.title, p.status, p.current_version_no,
                                   p.updated_at))
        return out


def get_plan(actor: Actor, tenant_id: int, plan_id: int, version_no: int | None = None) -> PlanView:
    require(actor, Perm.PLAN_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        p, versions = _visible_plan(s, actor, plan_id)
        return _plan_view(s, actor, p, versions, version_no)


def plan_for_year(actor: Actor, tenant_id: int, academic_year_id: int) -> PlanView | None:
    require(actor, Perm.PLAN_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        p = s.exec(select(ActionPlan).where(ActionPlan.academic_year_id == academic_year_id)).first()
        if p is None:
            return None
        versions = _versions(s, p.id, actor)
        return _plan_view(s, actor, p, versions) if versions else None


def current_academic_year(tenant_id: int, today: date | None = None) -> AcademicYear | None:
    """The year containing today, else the next one to start, else the last one."""
    today = today or date.today()
    with tenant_session(tenant_id) as s:
        years = list(s.exec(select(AcademicYear).order_by(AcademicYear.starts_on)).all())
    for y in years:
        if y.starts_on <= today <= y.ends_on:
            return y
    upcoming = [y for y in years if y.starts_on > today]
    return upcoming[0] if upcoming else (years[-1] if years else None)


# ---------------------------------------------------------------- last year (P01.1)

def _previous_year(s: Session, year: AcademicYear) -> AcademicYear | None:
    return s.exec(select(AcademicYear).where(AcademicYear.starts_on < year.starts_on)
                  .order_by(AcademicYear.starts_on.desc())).first()


def _last_validated(s: Session, plan_id: int) -> ActionPlanVersion | None:
    return s.exec(select(ActionPlanVersion).where(ActionPlanVersion.plan_id == plan_id,
                                                  ActionPlanVersion.status == PlanStatus.VALIDATED.value)
                  .order_by(ActionPlanVersion.version_no.desc())).first()


def last_year(actor: Actor, tenant_id: int, academic_year_id: int) -> LastYear | None:
    """Last year's validated plan, annual report (M46) and annual closing meeting's minutes."""
    require(actor, Perm.PLAN_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        year = s.get(AcademicYear, academic_year_id) if isinstance(academic_year_id, int) else None
        if year is None or year.tenant_id != tenant_id:
            raise NotFound("academic year not found", code="academic_year_not_found")
        prev = _previous_year(s, year)
        if prev is None:
            return None
        plan = s.exec(select(ActionPlan).where(ActionPlan.academic_year_id == prev.id)).first()
        version = _last_validated(s, plan.id) if plan else None
        report = s.exec(select(Report).where(Report.kind == ReportKind.ANNUAL.value,
                                             Report.period_start >= prev.starts_on,
                                             Report.period_start <= prev.ends_on)
                        .order_by(Report.version_no.desc(), Report.id.desc())).first()
        lo = datetime.combine(prev.starts_on, time(), tzinfo=UTC)
        hi = datetime.combine(year.starts_on, time(), tzinfo=UTC)
        closing = s.exec(select(Event, MeetingRecord).join(MeetingRecord, MeetingRecord.event_id == Event.id,
                                                          isouter=True)
                         .where(Event.type == ANNUAL_CLOSING, Event.starts_at >= lo, Event.starts_at < hi)
                         .order_by(Event.starts_at.desc())).first()
        minutes, when = "", None
        if closing is not None:
            e, rec = closing
            minutes = (rec.minutes if rec is not None and rec.minutes else e.outcome_notes) or ""
            when = e.starts_at.date()
        content = version.content if version else {}
        return LastYear(prev.label, plan.title if plan else "", list(content.get("objectives", [])),
                        list(content.get("activities", [])), report.title if report else "",
                        list(report.sections) if report else [], minutes, when)


def _prefill(s: Session, year: AcademicYear) -> dict:
    prev = _previous_year(s, year)
    if prev is None:
        return PlanContent().stored()
    plan = s.exec(select(ActionPlan).where(ActionPlan.academic_year_id == prev.id)).first()
    version = _last_validated(s, plan.id) if plan else None
    if version is None:
        return PlanContent().stored()
    content = dict(version.content)
    # owners who left the centre are cleared: the manager names new ones
    active = set(s.exec(select(Membership.id).where(Membership.active.is_(True))).all())
    activities = [{**a, "owner_membership_id": a.get("owner_membership_id")
                   if a.get("owner_membership_id") in active else None} for a in content.get("activities", [])]
    return clean_content({"objectives": content.get("objectives", []), "activities": activities,
                          "budget_lines": content.get("budget_lines", []),
                          "host_activities": content.get("host_activities", [])})


# ---------------------------------------------------------------- mail

def _members(s: Session, roles: tuple[str, ...]) -> list[tuple[int, Account]]:
    members = q.members_holding(s, set(roles))
    if not members:
        return []
    rows = s.exec(select(Membership.id, Account).join(Account, Account.id == Membership.account_id)
                  .where(Membership.id.in_([m.id for m in members]), Account.active.is_(True))).all()
    return sorted(((mid, acc) for mid, acc in rows), key=lambda p: p[0])


def _mail(s: Session, tenant_id: int, kind: str, to: list[tuple[int, Account]], key: str, *,
          attachments: dict[str, list[dict]] | None = None, **values: Any) -> int:
    tenant = s.get(Tenant, tenant_id)
    default = tenant.locale if tenant and getattr(tenant, "locale", None) else "fr"
    n = 0
    for mid, acc in to:
        lang = acc.locale or default
        params = {"name": acc.full_name, "tenant": tenant.name if tenant else "", **values}
        payload: dict = {"to": acc.email, "subject": t(f"mail.{kind}.subject", lang, **params),
                         "text": t(f"mail.{kind}.body", lang, **params)}
        if attachments:
            payload["attachments"] = attachments.get(lang) or next(iter(attachments.values()))
        outbox.enqueue(s, EMAIL_KIND, payload, key=f"{key}:{mid}", tenant_id=tenant_id)
        n += 1
    return n


def _link(path: str) -> str:
    return f"{get_settings().base_url}{path}"


# ---------------------------------------------------------------- the plan's life (P01)

def _wrong_state(p: ActionPlan) -> Conflict:
    return Conflict(f"not possible while the plan is {p.status}", code="plan_wrong_state", status=p.status)


def _touch(p: ActionPlan, v: ActionPlanVersion | None, status: str) -> None:
    p.status = status
    p.updated_at = utcnow()
    if v is not None:
        v.status = status


def do_create_plan(actor: Actor, tenant_id: int, academic_year_id: int, *, title: str = "") -> PlanView:
    """The manager's avant-projet (P01.1), pre-filled from last year's validated plan."""
    require(actor, Perm.PLAN_MANAGE, tenant_id=tenant_id)
    if not isinstance(academic_year_id, int) or isinstance(academic_year_id, bool) or academic_year_id <= 0:
        raise NotFound("academic year not found", code="academic_year_not_found")
    with as_invalid():
        title = _line(title, 200)
    with tenant_session(tenant_id) as s, transaction(s):
        year = s.get(AcademicYear, academic_year_id)
        if year is None or year.tenant_id != tenant_id:
            raise NotFound("academic year not found", code="academic_year_not_found")
        if s.exec(select(ActionPlan.id).where(ActionPlan.academic_year_id == year.id)).first() is not None:
            raise Conflict("this year already has its action plan", code="plan_exists")
        p = ActionPlan(tenant_id=tenant_id, academic_year_id=year.id, title=title or f"Plan d'action {year.label}",
                       created_by_membership_id=actor.membership_id)
        s.add(p)
        s.flush()
        v = ActionPlanVersion(tenant_id=tenant_id, plan_id=p.id, version_no=1, label=LABEL_DRAFT,
                              content=_prefill(s, year), created_by_membership_id=actor.membership_id)
        s.add(v)
        s.flush()
        audit(s, actor, "plan.created", tenant_id=tenant_id, target_type="action_plan", target_id=p.id,
              academic_year=year.label)
        return _plan_view(s, actor, p, [v])


def do_save_draft(actor: Actor, tenant_id: int, plan_id: int, content: Any, *, change_note: str = "") -> PlanView:
    """Save the content being edited. A validated plan is never edited: saving makes its next
    version (status `updating`)."""
    require(actor, Perm.PLAN_MANAGE, tenant_id=tenant_id)
    clean = clean_content(content)
    with as_invalid():
        note = _para(change_note, 2000)
    with tenant_session(tenant_id) as s, transaction(s):
        p = _plan(s, plan_id, lock=True)
        _check_owners(s, clean)
        v = _version(s, p.id, p.current_version_no)
        if p.status == PlanStatus.VALIDATED.value:
            v = _next_version(s, actor, p, v, LABEL_UPDATE, clean)
        elif p.status in EDITABLE:
            v.content = clean
        else:
            raise _wrong_state(p)
        if note:
            v.change_note = note
        p.updated_at = utcnow()
        s.add_all([p, v])
        audit(s, actor, "plan.saved", tenant_id=tenant_id, target_type="action_plan", target_id=p.id,
              version_no=v.version_no, activities=len(clean["activities"]))
        s.flush()
        return _plan_view(s, actor, p, _versions(s, p.id, actor))


def _next_version(s: Session, actor: Actor, p: ActionPlan, base: ActionPlanVersion, label: str,
                  content: dict) -> ActionPlanVersion:
    v = ActionPlanVersion(tenant_id=p.tenant_id, plan_id=p.id, version_no=base.version_no + 1, label=label,
                          content=content, status=PlanStatus.UPDATING.value,
                          created_by_membership_id=actor.membership_id)
    s.add(v)
    p.current_version_no = v.version_no
    _touch(p, None, PlanStatus.UPDATING.value)
    s.flush()
    return v


def _transition(actor: Actor, tenant_id: int, plan_id: int, perm: Perm, allowed: tuple[str, ...], to: str,
                action: str, then=None, **details: Any) -> PlanView:  # noqa: ANN001
    require(actor, perm, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        p = _plan(s, plan_id, lock=True)
        if perm == Perm.PLAN_HOST_VALIDATE and not _versions(s, p.id, actor):
            raise NotFound("plan not found", code="not_found")
        if p.status not in allowed:
            raise _wrong_state(p)
        v = _version(s, p.id, p.current_version_no)
        before = p.status
        _touch(p, v, to)
        if then is not None:
            then(s, p, v)
        s.add_all([p, v])
        audit(s, actor, f"plan.{action}", tenant_id=tenant_id, target_type="action_plan", target_id=p.id,
              version_no=v.version_no, before=before, after=to, **details)
        s.flush()
        return _plan_view(s, actor, p, _versions(s, p.id, actor))


def do_open_review(actor: Actor, tenant_id: int, plan_id: int) -> PlanView:
    """P01.1-2: the avant-projet goes to the counselors and the business developer."""
    def notify(s: Session, p: ActionPlan, v: ActionPlanVersion) -> None:
        _mail(s, tenant_id, "plan_review", _members(s, REVIEWER_ROLES), f"plan-review:{p.id}:{v.version_no}",
              plan=p.title, link=_link("/staff/plan"))

    return _transition(actor, tenant_id, plan_id, Perm.PLAN_MANAGE,
                       (PlanStatus.DRAFT.value, PlanStatus.UPDATING.value), PlanStatus.IN_REVIEW.value,
                       "review_opened", notify)


def do_comment(actor: Actor, tenant_id: int, plan_id: int, body: str, *, item_key: str = "") -> CommentView:
    """P01.2: a remark on the draft under review, on the whole plan or on one item."""
    require(actor, Perm.PLAN_COMMENT, tenant_id=tenant_id)
    with as_invalid():
        text = _para(body, 4000)
        key = _key(item_key)
    if not text:
        raise Invalid("the comment is empty", code="comment_required")
    with tenant_session(tenant_id) as s, transaction(s):
        p = _plan(s, plan_id, lock=True)
        if p.status != PlanStatus.IN_REVIEW.value:
            raise _wrong_state(p)
        v = _version(s, p.id, p.current_version_no)
        keys = {x["key"] for group in ("objectives", "activities", "budget_lines") for x in v.content.get(group, [])}
        if key and key not in keys:
            raise Invalid("no such item in the plan", code="unknown_item")
        c = PlanComment(tenant_id=tenant_id, plan_id=p.id, version_no=v.version_no,
                        author_membership_id=actor.membership_id, item_key=key, body=text)
        s.add(c)
        s.flush()
        audit(s, actor, "plan.commented", tenant_id=tenant_id, target_type="action_plan", target_id=p.id,
              comment_id=c.id)
        return CommentView(c.id, c.version_no, c.item_key, c.author_membership_id,
                           _names(s, {actor.membership_id or 0}).get(actor.membership_id or 0, ""), c.body, c.at)


def do_finalise(actor: Actor, tenant_id: int, plan_id: int, *, meeting_id: int | None = None) -> PlanView:
    """P01.3-4: the internal meeting finalised the plan (optionally: which meeting)."""
    if meeting_id is not None:
        require(actor, Perm.PLAN_MANAGE, tenant_id=tenant_id)
        if not isinstance(meeting_id, int) or isinstance(meeting_id, bool) or not 0 < meeting_id < 2**31:
            raise NotFound("meeting not found", code="meeting_not_found")

    def mark(s: Session, p: ActionPlan, v: ActionPlanVersion) -> None:
        if meeting_id is not None and s.exec(select(MeetingRecord.id).where(MeetingRecord.id == meeting_id)).first() \
                is None:
            raise NotFound("meeting not found", code="meeting_not_found")
        v.finalised_at = utcnow()

    return _transition(actor, tenant_id, plan_id, Perm.PLAN_MANAGE,
                       (PlanStatus.IN_REVIEW.value, PlanStatus.UPDATING.value), PlanStatus.FINALISED.value,
                       "finalised", mark, meeting_id=meeting_id)


def do_submit_to_host(actor: Actor, tenant_id: int, plan_id: int) -> PlanView:
    """P01.4, P02.7: the finalised plan (or the mid-year update) goes to the host institution."""
    def send(s: Session, p: ActionPlan, v: ActionPlanVersion) -> None:
        v.submitted_at = utcnow()
        # a version sent back and submitted again is announced again
        _mail(s, tenant_id, "plan_submitted", _members(s, HOST_APPROVER_ROLES),
              f"plan-submitted:{p.id}:{v.version_no}:{v.submitted_at.isoformat()}", plan=p.title, version=v.label or str(v.version_no),
              link=_link("/host/plan"))

    return _transition(actor, tenant_id, plan_id, Perm.PLAN_MANAGE,
                       (PlanStatus.FINALISED.value, PlanStatus.UPDATING.value), PlanStatus.SUBMITTED.value,
                       "submitted", send)


def _host_comment(comment: Any, *, required: bool) -> str:
    with as_invalid():
        text = _para(comment, 4000)
    if required and not text:
        raise Invalid("say what is to change", code="comment_required")
    return text


def do_host_validate(actor: Actor, tenant_id: int, plan_id: int, *, comment: str = "") -> PlanView:
    """P01.5, P02.8: the host institution validates; the version is frozen from now on."""
    text = _host_comment(comment, required=False)

    def freeze(s: Session, p: ActionPlan, v: ActionPlanVersion) -> None:
        v.host_validated_at, v.host_validated_by_membership_id, v.host_comment = utcnow(), actor.membership_id, text
        if p.created_by_membership_id:
            _mail(s, tenant_id, "plan_validated", _members_by_id(s, {p.created_by_membership_id}),
                  f"plan-validated:{p.id}:{v.version_no}", plan=p.title, comment=text or "—",
                  link=_link("/staff/plan"))

    return _transition(actor, tenant_id, plan_id, Perm.PLAN_HOST_VALIDATE, (PlanStatus.SUBMITTED.value,),
                       PlanStatus.VALIDATED.value, "host_validated", freeze)


def do_host_return(actor: Actor, tenant_id: int, plan_id: int, *, comment: str) -> PlanView:
    """The host institution sends the plan back with what is to change (back in review)."""
    text = _host_comment(comment, required=True)

    def back(s: Session, p: ActionPlan, v: ActionPlanVersion) -> None:
        v.host_comment = text
        if p.created_by_membership_id:
            _mail(s, tenant_id, "plan_returned", _members_by_id(s, {p.created_by_membership_id}),
                  f"plan-returned:{p.id}:{v.version_no}:{secrets.token_hex(4)}", plan=p.title, comment=text,
                  link=_link("/staff/plan"))

    return _transition(actor, tenant_id, plan_id, Perm.PLAN_HOST_VALIDATE, (PlanStatus.SUBMITTED.value,),
                       PlanStatus.IN_REVIEW.value, "host_returned", back)


def _members_by_id(s: Session, ids: set[int]) -> list[tuple[int, Account]]:
    rows = s.exec(select(Membership.id, Account).join(Account, Account.id == Membership.account_id)
                  .where(Membership.id.in_(ids), Membership.active.is_(True), Account.active.is_(True))).all()
    return [(mid, acc) for mid, acc in rows]


def do_share_with_team(actor: Actor, tenant_id: int, plan_id: int) -> int:
    """P01.6: the validated plan, as a PDF, to every active member of the team (staff,
    ambassadors, interns). Returns how many e-mails were queued."""
    require(actor, Perm.PLAN_MANAGE, tenant_id=tenant_id)
    from integrations.mail import attachment
    from workflows.planning.export import plan_pdf

    with tenant_session(tenant_id) as s:
        p = _plan(s, plan_id)
        if p.status != PlanStatus.VALIDATED.value:
            raise _wrong_state(p)
        langs = {acc.locale or "fr" for _mid, acc in _members(s, TEAM_ROLES)} or {"fr"}
    pdfs = {lang: [attachment(f"plan-{plan_id}.pdf", "application/pdf",
                              plan_pdf(actor, tenant_id, plan_id, lang=lang))] for lang in sorted(langs)}
    with tenant_session(tenant_id) as s, transaction(s):
        p = _plan(s, plan_id, lock=True)
        if p.status != PlanStatus.VALIDATED.value:
            raise _wrong_state(p)
        n = _mail(s, tenant_id, "plan_shared", _members(s, TEAM_ROLES),
                  f"plan-shared:{p.id}:{p.current_version_no}", attachments=pdfs, plan=p.title,
                  link=_link("/staff/plan"))
        audit(s, actor, "plan.shared", tenant_id=tenant_id, target_type="action_plan", target_id=p.id,
              version_no=p.current_version_no, recipients=n)
        return n


# ---------------------------------------------------------------- figures

def _metric_actuals(s: Session, tenant_id: int, start: date, end: date) -> dict[str, float]:
    from workflows.reporting.statistics import metric_actuals

    return {k: float(v) for k, v in metric_actuals(s, tenant_id, start, end).items()}


def _semesters(s: Session, academic_year_id: int) -> dict[int, Semester]:
    return {x.number: x for x in s.exec(select(Semester).where(Semester.academic_year_id == academic_year_id)).all()}


def plan_progress(actor: Actor, tenant_id: int, plan_id: int, *, today: date | None = None) -> list[ProgressLine]:
    """Target against what was done so far, per activity and semester (a semester not begun
    has no actual)."""
    require(actor, Perm.PLAN_VIEW, tenant_id=tenant_id)
    today = today or date.today()
    with tenant_session(tenant_id) as s:
        p, versions = _visible_plan(s, actor, plan_id)
        content = versions[-1].content
        sems = _semesters(s, p.academic_year_id)
        actual: dict[str, dict[str, float] | None] = {}
        for n, key in ((1, "S1"), (2, "S2")):
            sem = sems.get(n)
            if sem is None or sem.starts_on > today:
                actual[key] = None
            else:
                actual[key] = _metric_actuals(s, tenant_id, sem.starts_on, min(sem.ends_on, today))
        out = []
        for a in content.get("activities", []):
            tg = a.get("targets", {})
            vals = {k: (None if actual[k] is None else actual[k].get(a["metric"], 0.0)) for k in SEMESTERS}
            out.append(ProgressLine(a["key"], a["title"], a["metric"], tg.get("S1"), tg.get("S2"),
                                    vals["S1"], vals["S2"]))
        return out


# ---------------------------------------------------------------- mid-year review (P02)

def _review(s: Session, review_id: Any, *, lock: bool = False) -> MidYearReview:
    return _row(s, MidYearReview, review_id, lock, "review")


def _review_view(s: Session, r: MidYearReview) -> ReviewView:
    items = list(s.exec(select(GapItem).where(GapItem.review_id == r.id).order_by(GapItem.id)).all())
    v = _version(s, r.plan_id, r.based_on_version_no)
    titles = {a["key"]: a["title"] for a in v.content.get("activities", [])}
    who = _names(s, {g.assignee_membership_id for g in items})
    gaps = [GapView(g.id, r.id, g.activity_key, titles.get(g.activity_key, g.activity_key), g.metric, g.target,
                    g.actual, g.assignee_membership_id, who.get(g.assignee_membership_id, ""), g.explanation,
                    g.new_action, g.written_at) for g in items]
    return ReviewView(r.id, r.plan_id, r.semester_no, r.based_on_version_no, r.status, r.created_at, r.closed_at,
                      gaps)


def get_review(actor: Actor, tenant_id: int, plan_id: int) -> ReviewView | None:
    """The plan's mid-year review, if started (the team's working document)."""
    require(actor, Perm.PLAN_COMMENT, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        p = _plan(s, plan_id)
        r = s.exec(select(MidYearReview).where(MidYearReview.plan_id == p.id, MidYearReview.semester_no == 1)).first()
        return _review_view(s, r) if r else None


def do_start_mid_year_review(actor: Actor, tenant_id: int, plan_id: int) -> ReviewView:
    """P02.1: the gaps between the first semester's targets and what the product counted."""
    require(actor, Perm.PLAN_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        p = _plan(s, plan_id, lock=True)
        if p.status != PlanStatus.VALIDATED.value:
            raise _wrong_state(p)
        if s.exec(select(MidYearReview.id).where(MidYearReview.plan_id == p.id,
                                                 MidYearReview.semester_no == 1)).first() is not None:
            raise Conflict("the mid-year review is already under way", code="review_exists")
        sem = _semesters(s, p.academic_year_id).get(1)
        if sem is None:
            raise Invalid("the academic year has no first semester", code="semester_not_found")
        v = _version(s, p.id, p.current_version_no)
        actuals = _metric_actuals(s, tenant_id, sem.starts_on, sem.ends_on)
        r = MidYearReview(tenant_id=tenant_id, plan_id=p.id, semester_no=1, based_on_version_no=v.version_no)
        s.add(r)
        s.flush()
        for a in v.content.get("activities", []):
            target = a.get("targets", {}).get("S1")
            if target is None:
                continue
            done = actuals.get(a["metric"], 0.0)
            if done < target:
                s.add(GapItem(tenant_id=tenant_id, review_id=r.id, activity_key=a["key"], metric=a["metric"],
                              target=float(target), actual=float(done),
                              assignee_membership_id=a.get("owner_membership_id")))
        s.flush()
        audit(s, actor, "plan.mid_year_review_started", tenant_id=tenant_id, target_type="mid_year_review",
              target_id=r.id, plan_id=p.id)
        return _review_view(s, r)


def _gap(s: Session, item_id: Any, *, lock: bool = False) -> tuple[GapItem, MidYearReview]:
    g = _row(s, GapItem, item_id, lock, "gap")
    r = _review(s, g.review_id)
    if r.status != REVIEW_OPEN:
        raise Conflict("the review is closed", code="review_closed")
    return g, r


def do_assign_gap(actor: Actor, tenant_id: int, item_id: int, membership_id: int) -> GapView:
    """P02.3: a member of the team writes the explanation of a gap."""
    require(actor, Perm.PLAN_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        g, r = _gap(s, item_id, lock=True)
        m = q.member(s, membership_id) if isinstance(membership_id, int) and 0 < membership_id < 2**31 else None
        if m is None or not (permissions_of(set(m.roles)) & {Perm.PLAN_COMMENT}):
            raise NotFound("no such member of the team", code="member_not_found")
        g.assignee_membership_id = m.id
        s.add(g)
        p = _plan(s, r.plan_id)
        _mail(s, tenant_id, "plan_gap_assigned", _members_by_id(s, {m.id}),
              f"plan-gap:{g.id}:{m.id}:{secrets.token_hex(4)}", plan=p.title, activity=g.activity_key,
              link=_link("/staff/plan/review"))
        audit(s, actor, "plan.gap_assigned", tenant_id=tenant_id, target_type="gap_item", target_id=g.id,
              assignee=m.id)
        s.flush()
        return next(x for x in _review_view(s, r).gaps if x.id == g.id)


def do_explain_gap(actor: Actor, tenant_id: int, item_id: int, *, explanation: str, new_action: str = "") -> GapView:
    """The assignee (or the manager) explains the gap and proposes new actions (P02.3, P02.5)."""
    require(actor, Perm.PLAN_COMMENT, tenant_id=tenant_id)
    with as_invalid():
        text, action = _para(explanation, 4000), _para(new_action, 4000)
    if not text:
        raise Invalid("the explanation is empty", code="explanation_required")
    with tenant_session(tenant_id) as s, transaction(s):
        g, r = _gap(s, item_id, lock=True)
        if g.assignee_membership_id != actor.membership_id and not actor.can(Perm.PLAN_MANAGE):
            raise Forbidden("this gap is assigned to someone else", code="gap_not_yours")
        g.explanation, g.new_action, g.written_at = text, action, utcnow()
        s.add(g)
        audit(s, actor, "plan.gap_explained", tenant_id=tenant_id, target_type="gap_item", target_id=g.id)
        s.flush()
        return next(x for x in _review_view(s, r).gaps if x.id == g.id)


def do_make_updated_version(actor: Actor, tenant_id: int, review_id: int, content: Any = None) -> PlanView:
    """P02.7: the plan's next version for the second semester ("Mise à jour S2"), in status
    `updating`; then it is submitted to the host institution as any version. Closes the review."""
    require(actor, Perm.PLAN_MANAGE, tenant_id=tenant_id)
    clean = clean_content(content) if content is not None else None
    with tenant_session(tenant_id) as s, transaction(s):
        r = _review(s, review_id, lock=True)
        if r.status != REVIEW_OPEN:
            raise Conflict("the review is closed", code="review_closed")
        p = _plan(s, r.plan_id, lock=True)
        v = _version(s, p.id, p.current_version_no)
        if clean is None:
            clean = dict(v.content)
        _check_owners(s, clean)
        if p.status == PlanStatus.VALIDATED.value:
            v = _next_version(s, actor, p, v, LABEL_S2, clean)
        elif p.status == PlanStatus.UPDATING.value:
            v.content, v.label = clean, LABEL_S2
        else:
            raise _wrong_state(p)
        r.status, r.closed_at = REVIEW_CLOSED, utcnow()
        s.add_all([r, p, v])
        audit(s, actor, "plan.updated_version_made", tenant_id=tenant_id, target_type="action_plan",
              target_id=p.id, version_no=v.version_no, review_id=r.id)
        s.flush()
        return _plan_view(s, actor, p, _versions(s, p.id, actor))


# ---------------------------------------------------------------- versions compared

_COMPARED = ("title", "objective_key", "type", "description", "audience", "owner_membership_id", "period",
             "metric", "targets", "budget_line")


def diff_versions(actor: Actor, tenant_id: int, plan_id: int, a: int, b: int) -> Diff:
    require(actor, Perm.PLAN_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        p, versions = _visible_plan(s, actor, plan_id)
        by_no = {v.version_no: v for v in versions}
        if a not in by_no or b not in by_no:
            raise NotFound("version not found", code="version_not_found")
        ca, cb = by_no[a].content, by_no[b].content
    acts_a = {x["key"]: x for x in ca.get("activities", [])}
    acts_b = {x["key"]: x for x in cb.get("activities", [])}
    added = [acts_b[k] for k in acts_b if k not in acts_a]
    removed = [acts_a[k] for k in acts_a if k not in acts_b]
    changed = []
    for k in acts_a.keys() & acts_b.keys():
        changes = {f: [acts_a[k].get(f), acts_b[k].get(f)] for f in _COMPARED if acts_a[k].get(f) != acts_b[k].get(f)}
        if changes:
            changed.append({"key": k, "title": acts_b[k]["title"], "changes": changes})
    changed.sort(key=lambda c: c["title"])
    obj_a = {o["key"]: o["title"] for o in ca.get("objectives", [])}
    obj_b = {o["key"]: o["title"] for o in cb.get("objectives", [])}
    bud_a = {x["key"]: x for x in ca.get("budget_lines", [])}
    bud_b = {x["key"]: x for x in cb.get("budget_lines", [])}
    budget = []
    for k in sorted(bud_a.keys() | bud_b.keys()):
        before, after = bud_a.get(k), bud_b.get(k)
        if before != after:
            budget.append({"key": k, "label": (after or before)["label"],
                           "before": before and f"{before['amount']} {before['currency']}",
                           "after": after and f"{after['amount']} {after['currency']}"})
    return Diff(a, b, added, removed, changed, [obj_b[k] for k in obj_b if k not in obj_a],
                [obj_a[k] for k in obj_a if k not in obj_b], budget)
