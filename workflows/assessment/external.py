"""External evaluation (P28, second variant): network admins assign external evaluators to a
centre; the evaluators frame and plan an external assessment with the centre, interview its team,
rate every criterion independently, agree on one consensus rating per criterion, and send their
recommendations to the centre.

Rules kept here:
- scope: an evaluator reaches a centre's assessment data only through an active
  EvaluatorAssignment to that centre; anything else answers not_found (never forbidden), and
  unassigning removes the access at once (every call checks the assignment again). Network
  admins reach every centre. A centre's own staff hold no NETWORK_EVALUATE: refused before any
  lookup. Lookups run in the centre's tenant session once the centre is known, so the tenancy
  walls still hold for the rows read and written.
- life of an external assessment: framing (started, P28.1; linked to the centre's latest
  evaluated self-assessment) → collecting (planned in an ad hoc evaluation meeting: a date, an
  optional end, a note, an optional MeetingRecord; P28.2; the team adds evidence) → rating (the
  first evaluator rating; interviews are recorded while collecting or rating) → consensus →
  completed (the same compute job as the self-assessment) → evaluated → closed (recommendations
  sent to the centre's managers).
- independent ratings: each evaluator rates as "evaluator:<account id>". An evaluator's ratings
  are theirs alone until they submit them (every criterion answered); once submitted they are
  frozen and the evaluator sees the other evaluators' *submitted* ratings (never a draft). The
  consensus opens when every evaluator assigned to the centre has submitted; from then on every
  submitted rating is shown to everyone working on the assessment. Network admins see submitted
  ratings only.
- consensus: one "consensus" rating per criterion; when every submitted evaluator agrees the
  consensus is prefilled with that answer. Differences are highlighted between evaluators (their
  values differ or their statuses do) and between the consensus (or, before it, the agreed
  proposal) and the self-assessment when |delta| >= 1.
- where the working state lives: which evaluators submitted (and when) and the planning note are
  kept in Assessment.result["external"] until the evaluation is computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

from sqlalchemy import and_
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.i18n import t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from integrations.validation import clean_text
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm, Role
from tenants.core.services import audit
from workflows.assessment.models import (
    Assessment,
    AssessmentRating,
    AssessmentStatus,
    EvaluationInterview,
    EvaluatorAssignment,
    Mode,
    ModelStatus,
    RatingStatus,
    Recommendation,
    RefCriterion,
    RefDomain,
    ReferenceModel,
)
from workflows.assessment.ratings import clean_answer

SELF, CONSENSUS, EVALUATOR = "self", "consensus", "evaluator:"
PRIORITIES = ("high", "medium", "low")
TEAM_ROLES = (Role.MANAGER.value, Role.CAREER_COUNSELOR.value, Role.BUSINESS_DEVELOPER.value,
              Role.AMBASSADOR.value, Role.INTERN.value)
TITLE_MAX, NOTE_MAX, TEXT_MAX, LIST_MAX = 200, 10_000, 4000, 500
# statuses in which each step may happen
INTERVIEW_STATUSES = (AssessmentStatus.COLLECTING.value, AssessmentStatus.RATING.value)
RATING_STATUSES = INTERVIEW_STATUSES
RECOMMEND_STATUSES = (AssessmentStatus.CONSENSUS.value, AssessmentStatus.COMPLETED.value,
                      AssessmentStatus.EVALUATED.value)
SELF_DONE = (AssessmentStatus.EVALUATED.value, AssessmentStatus.CLOSED.value)


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class AssignmentView:
    id: int
    centre_id: int
    centre_name: str
    centre_slug: str
    evaluator_account_id: int
    evaluator_name: str
    evaluator_email: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class CentreView:
    id: int
    slug: str
    name: str
    kind: str


@dataclass(frozen=True)
class EvaluatorView:
    account_id: int
    name: str
    email: str


@dataclass(frozen=True)
class AssessmentSummary:
    id: int
    centre_id: int
    centre_name: str
    mode: str
    status: str
    title: str
    period_label: str
    model_id: int
    overall_score: float | None
    maturity: str
    created_at: datetime
    recommendations_sent_at: datetime | None


@dataclass(frozen=True)
class CriterionRow:
    id: int
    code: str
    domain: str
    domain_title: dict
    title: dict
    tier: str
    justification: str


@dataclass(frozen=True)
class RatingView:
    criterion: str
    rater: str
    status: str
    value: int | None
    justification: str
    updated_at: datetime


@dataclass(frozen=True)
class InterviewView:
    id: int
    evaluator_account_id: int
    evaluator_name: str
    membership_id: int
    member_name: str
    held_on: date
    notes: str
    criteria: list[str]
    created_at: datetime


@dataclass(frozen=True)
class RecommendationView:
    id: int
    criterion: str
    priority: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class RaterState:
    account_id: int
    name: str
    rated: int
    submitted_at: str | None  # ISO time; None while their ratings are a draft


@dataclass(frozen=True)
class DifferenceRow:
    criterion: str
    domain: str
    tier: str
    # rater ("evaluator:<id>") -> (status, value), submitted ratings only
    evaluators: dict[str, tuple[str, int | None]]
    agreed: bool
    proposal: tuple[str, int | None] | None  # the answer every evaluator gave, when they agree
    spread: int | None  # max - min of the evaluators' values
    between_evaluators: bool  # the evaluators differ (values or statuses)
    self_answer: tuple[str, int | None] | None
    consensus: tuple[str, int | None] | None
    delta_self: int | None  # (consensus, else the proposal) minus the self-assessment
    vs_self: bool  # |delta_self| >= 1


@dataclass(frozen=True)
class ExternalDetail(AssessmentSummary):
    framing_note: str = ""
    planning_note: str = ""
    planned_start: date | None = None
    planned_end: date | None = None
    review_meeting_id: int | None = None
    self_assessment_id: int | None = None
    completed_at: datetime | None = None
    criteria: list[CriterionRow] = field(default_factory=list)
    raters: list[RaterState] = field(default_factory=list)
    my_ratings: dict[str, RatingView] = field(default_factory=dict)
    my_submitted: bool = False
    is_rater: bool = False  # the caller is an assigned evaluator (rates)
    visible_ratings: list[RatingView] = field(default_factory=list)  # others' submitted ratings
    consensus: dict[str, RatingView] = field(default_factory=dict)
    interviews: list[InterviewView] = field(default_factory=list)
    recommendations: list[RecommendationView] = field(default_factory=list)


# ---------------------------------------------------------------- scope

def _int_id(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1 or value > 2**31 - 1:
        raise NotFound(f"no such {what}")
    return value


def _evaluating(actor: Actor) -> Actor:
    """Evaluators and network admins; a centre's staff are refused before any lookup."""
    return require(actor, Perm.NETWORK_EVALUATE)


def _assignment(s: Session, centre_id: int, account_id: int) -> EvaluatorAssignment | None:
    return s.exec(select(EvaluatorAssignment).where(
        EvaluatorAssignment.tenant_id == centre_id, EvaluatorAssignment.evaluator_account_id == account_id,
        EvaluatorAssignment.active)).first()


def _active_evaluator_ids(s: Session, centre_id: int) -> list[int]:
    """The evaluators of a centre: active assignments of accounts still active as evaluators."""
    rows = s.exec(select(EvaluatorAssignment.evaluator_account_id)
                  .join(Account, Account.id == EvaluatorAssignment.evaluator_account_id)
                  .where(EvaluatorAssignment.tenant_id == centre_id, EvaluatorAssignment.active,
                         Account.active, Account.network_role == Role.EXTERNAL_EVALUATOR.value)
                  .order_by(EvaluatorAssignment.id)).all()
    return list(rows)


def _may_reach(s: Session, actor: Actor, centre_id: int) -> bool:
    if actor.is_network_admin:
        return True
    return _assignment(s, centre_id, actor.account_id) is not None


def assigned_centres(actor: Actor) -> list[CentreView]:
    """The centres whose assessment data the caller may open: every active centre for a network
    admin, the centres of their active assignments for an evaluator."""
    _evaluating(actor)
    with system_session("evaluator scope: assigned centres") as s:
        qy = select(Tenant).where(Tenant.active)
        if not actor.is_network_admin:
            qy = qy.join(EvaluatorAssignment, and_(EvaluatorAssignment.tenant_id == Tenant.id,
                                                   EvaluatorAssignment.evaluator_account_id == actor.account_id,
                                                   EvaluatorAssignment.active))
        rows = s.exec(qy.order_by(Tenant.name).limit(LIST_MAX)).all()
        return [CentreView(x.id, x.slug, x.name, x.kind) for x in rows]


def assigned_centre_ids(actor: Actor) -> set[int] | None:
    """For other services (the benchmark): the centre ids the caller may name; None: every one
    (network admins)."""
    _evaluating(actor)
    if actor.is_network_admin:
        return None
    return {c.id for c in assigned_centres(actor)}


def check_centre(actor: Actor, centre_id: Any) -> int:
    """The guard of every evaluator-facing read of one centre: the centre's id, or not_found."""
    _evaluating(actor)
    cid = _int_id(centre_id, "centre")
    with system_session("evaluator scope: check centre") as s:
        tenant = s.get(Tenant, cid)
        if tenant is None or not tenant.active or not _may_reach(s, actor, cid):
            raise NotFound("no such centre", code="not_found")
    return cid


def _centre_of(assessment_id: Any) -> int:
    aid = _int_id(assessment_id, "assessment")
    with system_session("evaluator scope: centre of an assessment") as s:
        tid = s.exec(select(Assessment.tenant_id).where(Assessment.id == aid)).first()
    if tid is None:
        raise NotFound("no such assessment", code="not_found")
    return tid


def _open(actor: Actor, assessment_id: Any, *, mode: str | None = Mode.EXTERNAL.value) -> tuple[int, int]:
    """(centre id, assessment id) of an assessment the caller may reach, or not_found."""
    _evaluating(actor)
    aid = _int_id(assessment_id, "assessment")
    cid = _centre_of(aid)
    with tenant_session(cid) as s:
        a = s.get(Assessment, aid)
        if a is None or (mode and a.mode != mode) or not _may_reach(s, actor, cid):
            raise NotFound("no such assessment", code="not_found")
        tenant = s.get(Tenant, cid)
        if tenant is None or not tenant.active:
            raise NotFound("no such assessment", code="not_found")
    return cid, aid


def _locked(s: Session, actor: Actor, cid: int, aid: int) -> Assessment:
    """The assessment, locked for a write; the assignment is checked again in the same transaction."""
    a = s.exec(select(Assessment).where(Assessment.id == aid).with_for_update()
               .execution_options(populate_existing=True)).first()
    if a is None or a.mode != Mode.EXTERNAL.value or not _may_reach(s, actor, cid):
        raise NotFound("no such assessment", code="not_found")
    return a


def _rater_of(actor: Actor) -> str:
    return f"{EVALUATOR}{actor.account_id}"


def _require_rater(s: Session, actor: Actor, cid: int) -> str:
    """Only an assigned evaluator rates (a network admin coordinates, never rates)."""
    if actor.network_role != Role.EXTERNAL_EVALUATOR.value or _assignment(s, cid, actor.account_id) is None:
        raise Forbidden("only the centre's evaluators rate", code="not_an_evaluator")
    return _rater_of(actor)


def _ensure_status(a: Assessment, allowed: tuple[str, ...], code: str = "assessment_wrong_step") -> None:
    if a.status in allowed:
        return
    if a.status in (AssessmentStatus.COMPLETED.value, AssessmentStatus.EVALUATED.value,
                    AssessmentStatus.CLOSED.value):
        raise Conflict("this assessment is completed: it is locked", code="assessment_locked", status=a.status)
    raise Conflict("not at this step of the assessment", code=code, status=a.status)


def _ext(a: Assessment) -> dict:
    return dict((a.result or {}).get("external") or {})


def _set_ext(a: Assessment, **changes: Any) -> None:
    ext = _ext(a)
    ext.update(changes)
    a.result = {**(a.result or {}), "external": ext}
    a.updated_at = utcnow()


def _criteria(s: Session, model_id: int) -> list[CriterionRow]:
    rows = s.exec(select(RefCriterion, RefDomain).join(RefDomain, RefDomain.id == RefCriterion.domain_id)
                  .where(RefCriterion.model_id == model_id)
                  .order_by(RefDomain.position, RefDomain.id, RefCriterion.position, RefCriterion.id)).all()
    return [CriterionRow(c.id, c.code, d.code, dict(d.title or {}), dict(c.title or {}), c.tier, c.justification)
            for c, d in rows]


def _criterion(s: Session, model_id: int, code: Any) -> RefCriterion:
    if not isinstance(code, str) or not code.strip() or len(code) > 20:
        raise Invalid("unknown criterion", code="unknown_criterion", field="criterion")
    c = s.exec(select(RefCriterion).where(RefCriterion.model_id == model_id,
                                          RefCriterion.code == code.strip())).first()
    if c is None:
        raise Invalid("unknown criterion", code="unknown_criterion", field="criterion", criterion=code[:20])
    return c


# an evaluator's titles and notes are kept as typed, only stripped
_text = partial(clean_text, multiline=True, controls=False)


def _day(value: Any, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Invalid(f"{what}: a date (YYYY-MM-DD)", code="invalid_date", field=what)


def _names(s: Session, account_ids: set[int]) -> dict[int, Account]:
    ids = {i for i in account_ids if i}
    if not ids:
        return {}
    return {a.id: a for a in s.exec(select(Account).where(Account.id.in_(ids))).all()}


# ---------------------------------------------------------------- assignments (network admins)

def _admin(actor: Actor) -> Actor:
    return require(actor, Perm.NETWORK_ADMIN)


def list_evaluators(actor: Actor) -> list[EvaluatorView]:
    """Accounts that may be assigned: active, with the external evaluator network role."""
    _admin(actor)
    with system_session("list external evaluators") as s:
        rows = s.exec(select(Account).where(Account.network_role == Role.EXTERNAL_EVALUATOR.value, Account.active)
                      .order_by(Account.full_name).limit(LIST_MAX)).all()
        return [EvaluatorView(a.id, a.full_name, a.email) for a in rows]


def list_assignments(actor: Actor, *, centre_id: int | None = None, include_inactive: bool = False) \
        -> list[AssignmentView]:
    _admin(actor)
    if centre_id is not None:
        centre_id = _int_id(centre_id, "centre")
    if not isinstance(include_inactive, bool):
        raise Invalid("include_inactive: true or false", code="invalid_filter")
    with system_session("list evaluator assignments") as s:
        qy = select(EvaluatorAssignment, Tenant, Account) \
            .join(Tenant, Tenant.id == EvaluatorAssignment.tenant_id) \
            .join(Account, Account.id == EvaluatorAssignment.evaluator_account_id)
        if centre_id is not None:
            qy = qy.where(EvaluatorAssignment.tenant_id == centre_id)
        if not include_inactive:
            qy = qy.where(EvaluatorAssignment.active)
        rows = s.exec(qy.order_by(Tenant.name, Account.full_name).limit(LIST_MAX)).all()
        return [_assignment_view(x, tn, acc) for x, tn, acc in rows]


def _assignment_view(x: EvaluatorAssignment, tn: Tenant, acc: Account) -> AssignmentView:
    return AssignmentView(x.id, tn.id, tn.name, tn.slug, acc.id, acc.full_name, acc.email, x.active, x.created_at)


def do_assign(actor: Actor, centre_id: Any, evaluator_account_id: Any) -> AssignmentView:
    """Give an external evaluator access to a centre's assessment data (again, if it was removed)."""
    _admin(actor)
    cid = _int_id(centre_id, "centre")
    if not isinstance(evaluator_account_id, int) or isinstance(evaluator_account_id, bool) \
            or evaluator_account_id < 1:
        raise Invalid("unknown evaluator", code="unknown_evaluator", field="evaluator_account_id")
    with system_session("assign an evaluator") as s:
        tenant = s.get(Tenant, cid)
        if tenant is None or not tenant.active:
            raise NotFound("no such centre", code="not_found")
        acc = s.get(Account, evaluator_account_id)
        if acc is None or not acc.active or acc.network_role != Role.EXTERNAL_EVALUATOR.value:
            raise Invalid("not an external evaluator", code="unknown_evaluator", field="evaluator_account_id")
    with tenant_session(cid) as s, transaction(s):
        row = s.exec(select(EvaluatorAssignment).where(EvaluatorAssignment.evaluator_account_id == acc.id)
                     .with_for_update()).first()
        if row is not None and row.active:
            raise Conflict("this evaluator is already assigned to this centre", code="already_assigned")
        if row is None:
            row = EvaluatorAssignment(tenant_id=cid, evaluator_account_id=acc.id)
        row.active, row.assigned_by_account_id = True, actor.account_id
        s.add(row)
        s.flush()
        audit(s, actor, "assessment.evaluator_assigned", tenant_id=cid, target_type="evaluator_assignment",
              target_id=row.id, evaluator=acc.id)
        return _assignment_view(row, tenant, acc)


def do_unassign(actor: Actor, assignment_id: Any) -> AssignmentView:
    """Remove an evaluator's access to a centre at once. Their ratings stay in the assessments."""
    _admin(actor)
    aid = _int_id(assignment_id, "assignment")
    with system_session("find an evaluator assignment") as s:
        cid = s.exec(select(EvaluatorAssignment.tenant_id).where(EvaluatorAssignment.id == aid)).first()
    if cid is None:
        raise NotFound("no such assignment", code="not_found")
    with tenant_session(cid) as s, transaction(s):
        row = s.exec(select(EvaluatorAssignment).where(EvaluatorAssignment.id == aid).with_for_update()).first()
        if row is None or not row.active:
            raise NotFound("no such assignment", code="not_found")
        row.active = False
        s.add(row)
        audit(s, actor, "assessment.evaluator_unassigned", tenant_id=cid, target_type="evaluator_assignment",
              target_id=row.id, evaluator=row.evaluator_account_id)
        s.flush()
        return _assignment_view(row, s.get(Tenant, cid), s.get(Account, row.evaluator_account_id))


# ---------------------------------------------------------------- reading

def _summary(a: Assessment, centre_name: str) -> AssessmentSummary:
    return AssessmentSummary(a.id, a.tenant_id, centre_name, a.mode, a.status, a.title, a.period_label, a.model_id,
                             a.overall_score, a.maturity, a.created_at, a.recommendations_sent_at)


def list_centre_assessments(actor: Actor, centre_id: Any) -> list[AssessmentSummary]:
    """A reachable centre's assessments (self and external), newest first."""
    cid = check_centre(actor, centre_id)
    with tenant_session(cid) as s:
        name = s.get(Tenant, cid).name
        rows = s.exec(select(Assessment).order_by(Assessment.created_at.desc(), Assessment.id.desc())
                      .limit(LIST_MAX)).all()
        return [_summary(a, name) for a in rows]


def list_external_assessments(actor: Actor) -> list[AssessmentSummary]:
    """Every external assessment of the centres the caller reaches, open ones first."""
    centres = {c.id: c.name for c in assigned_centres(actor)}
    if not centres:
        return []
    with system_session("evaluator: external assessments of reachable centres") as s:
        rows = s.exec(select(Assessment).where(Assessment.mode == Mode.EXTERNAL.value,
                                               Assessment.tenant_id.in_(set(centres)))
                      .order_by(Assessment.created_at.desc(), Assessment.id.desc()).limit(LIST_MAX)).all()
    done = (AssessmentStatus.CLOSED.value,)
    rows = sorted(rows, key=lambda a: a.status in done)
    return [_summary(a, centres[a.tenant_id]) for a in rows]


def centre_team(actor: Actor, centre_id: Any) -> list[tuple[int, str, tuple[str, ...]]]:
    """(membership id, name, roles) of a reachable centre's team: whom an evaluator interviews."""
    cid = check_centre(actor, centre_id)
    with tenant_session(cid) as s:
        rows = s.exec(select(Membership, Account).join(Account, Account.id == Membership.account_id)
                      .where(Membership.active).order_by(Account.full_name)).all()
        return [(m.id, acc.full_name, tuple(m.roles)) for m, acc in rows if set(m.roles) & set(TEAM_ROLES)]


def _ratings(s: Session, aid: int) -> list[AssessmentRating]:
    return list(s.exec(select(AssessmentRating).where(AssessmentRating.assessment_id == aid)).all())


def _rating_view(r: AssessmentRating, codes: dict[int, str]) -> RatingView:
    return RatingView(codes.get(r.criterion_id, ""), r.rater, r.status, r.value, r.justification, r.updated_at)


def _submitted_raters(s: Session, a: Assessment) -> set[str]:
    """The raters whose ratings are handed in. From the consensus on, every evaluator rating left
    is a submitted one (drafts of evaluators who never submitted are dropped when it opens)."""
    if a.status in RATING_STATUSES:
        return {f"{EVALUATOR}{x}" for x in (_ext(a).get("submitted") or {})}
    return {r for r in s.exec(select(AssessmentRating.rater).where(AssessmentRating.assessment_id == a.id)).all()
            if r.startswith(EVALUATOR)}


def _shown_raters(s: Session, a: Assessment, actor: Actor) -> set[str]:
    """The evaluators whose ratings the caller sees besides their own: none while the caller's own
    ratings are a draft; the submitted ones otherwise (never another evaluator's draft)."""
    if a.status in RATING_STATUSES and actor.network_role == Role.EXTERNAL_EVALUATOR.value \
            and str(actor.account_id) not in (_ext(a).get("submitted") or {}):
        return set()
    return _submitted_raters(s, a)


def _detail(s: Session, actor: Actor, a: Assessment) -> ExternalDetail:
    tenant = s.get(Tenant, a.tenant_id)
    crit = _criteria(s, a.model_id)
    codes = {c.id: c.code for c in crit}
    ratings = _ratings(s, a.id)
    ext = _ext(a)
    submitted = ext.get("submitted") or {}
    evaluator_ids = set(_active_evaluator_ids(s, a.tenant_id)) | {int(x) for x in submitted}
    mine = _rater_of(actor)
    shown = _shown_raters(s, a, actor)
    interviews = s.exec(select(EvaluationInterview).where(EvaluationInterview.assessment_id == a.id)
                        .order_by(EvaluationInterview.held_on, EvaluationInterview.id)).all()
    accounts = _names(s, evaluator_ids | {i.evaluator_account_id for i in interviews})
    members = dict(s.exec(select(Membership.id, Account.full_name).join(Account, Account.id == Membership.account_id)
                          .where(Membership.id.in_({i.membership_id for i in interviews} or {-1}))).all())
    recs = s.exec(select(Recommendation).where(Recommendation.assessment_id == a.id)
                  .order_by(Recommendation.id)).all()
    count = {}
    for r in ratings:
        count[r.rater] = count.get(r.rater, 0) + 1
    raters = [RaterState(i, accounts[i].full_name if i in accounts else "", count.get(f"{EVALUATOR}{i}", 0),
                         submitted.get(str(i))) for i in sorted(evaluator_ids)]
    is_rater = actor.network_role == Role.EXTERNAL_EVALUATOR.value and _assignment(s, a.tenant_id,
                                                                                   actor.account_id) is not None
    return ExternalDetail(
        **vars(_summary(a, tenant.name)), framing_note=a.framing_note, planning_note=str(ext.get("planning_note", "")),
        planned_start=a.planned_start, planned_end=a.planned_end, review_meeting_id=a.review_meeting_id,
        self_assessment_id=a.self_assessment_id, completed_at=a.completed_at, criteria=crit, raters=raters,
        my_ratings={codes.get(r.criterion_id, ""): _rating_view(r, codes) for r in ratings if r.rater == mine},
        my_submitted=str(actor.account_id) in submitted, is_rater=is_rater,
        visible_ratings=[_rating_view(r, codes) for r in ratings if r.rater in shown and r.rater != mine],
        consensus={codes.get(r.criterion_id, ""): _rating_view(r, codes) for r in ratings if r.rater == CONSENSUS},
        interviews=[InterviewView(i.id, i.evaluator_account_id,
                                  accounts[i.evaluator_account_id].full_name if i.evaluator_account_id in accounts
                                  else "", i.membership_id, members.get(i.membership_id, ""), i.held_on, i.notes,
                                  list(i.criteria or []), i.created_at) for i in interviews],
        recommendations=[RecommendationView(r.id, codes.get(r.criterion_id or 0, ""), r.priority, r.text,
                                            r.created_at) for r in recs],
    )


def get_external(actor: Actor, assessment_id: Any) -> ExternalDetail:
    cid, aid = _open(actor, assessment_id)
    with tenant_session(cid) as s:
        return _detail(s, actor, s.get(Assessment, aid))


# ---------------------------------------------------------------- framing and planning

def _latest_self(s: Session) -> Assessment | None:
    return s.exec(select(Assessment).where(Assessment.mode == Mode.SELF.value, Assessment.status.in_(SELF_DONE))
                  .order_by(Assessment.evaluated_at.desc(), Assessment.id.desc())).first()


def _current_model(s: Session) -> int:
    mid = s.exec(select(ReferenceModel.id).where(ReferenceModel.status == ModelStatus.PUBLISHED.value)
                 .order_by(ReferenceModel.version.desc())).first()
    if mid is None:
        raise Invalid("no reference model is published", code="no_published_model")
    return mid


def do_start_external(actor: Actor, centre_id: Any, *, title: Any, period_label: Any = "",
                      framing_note: Any = "") -> ExternalDetail:
    """P28.1, external variant: the evaluators present the approach to the centre. The assessment
    takes the newest published model (kept from then on) and is compared with the centre's latest
    evaluated self-assessment when there is one."""
    cid = check_centre(actor, centre_id)
    title = _text(title, TITLE_MAX, code="assessment_title_required", required=True, what="title")
    period = _text(period_label, 40, code="invalid_period_label", what="period_label")
    note = _text(framing_note, NOTE_MAX, code="note_too_long", what="framing_note")
    with tenant_session(cid) as s, transaction(s):
        if not _may_reach(s, actor, cid):
            raise NotFound("no such centre", code="not_found")
        ref = _latest_self(s)
        a = Assessment(tenant_id=cid, model_id=_current_model(s), mode=Mode.EXTERNAL.value,
                       status=AssessmentStatus.FRAMING.value, title=title, period_label=period, framing_note=note,
                       self_assessment_id=ref.id if ref else None)
        s.add(a)
        s.flush()
        audit(s, actor, "assessment.external_started", tenant_id=cid, target_type="assessment", target_id=a.id,
              self_assessment=a.self_assessment_id)
        return _detail(s, actor, a)


def do_plan_external(actor: Actor, assessment_id: Any, *, meeting_on: Any, until: Any = None, note: Any = "",
                     meeting_id: Any = None) -> ExternalDetail:
    """P28.2, external variant: the ad hoc evaluation meeting plans the work (its date, an optional
    end of the evaluation, a note, optionally the meeting's record); the team then collects evidence."""
    cid, aid = _open(actor, assessment_id)
    start = _day(meeting_on, "meeting_on")
    if start is None:
        raise Invalid("the date of the evaluation meeting is required", code="meeting_date_required",
                      field="meeting_on")
    end = _day(until, "until")
    if end is not None and end < start:
        raise Invalid("the end is before the meeting", code="evaluation_period_invalid", field="until")
    note = _text(note, NOTE_MAX, code="note_too_long", what="note")
    if meeting_id not in (None, ""):
        meeting_id = _int_id(meeting_id, "meeting")
    else:
        meeting_id = None
    with tenant_session(cid) as s, transaction(s):
        a = _locked(s, actor, cid, aid)
        _ensure_status(a, (AssessmentStatus.FRAMING.value, AssessmentStatus.PLANNING.value,
                           AssessmentStatus.COLLECTING.value))
        if meeting_id is not None:
            from workflows.meetings.models import MeetingRecord

            if s.exec(select(MeetingRecord.id).where(MeetingRecord.id == meeting_id)).first() is None:
                raise Invalid("no such meeting in this centre", code="unknown_meeting", field="meeting_id")
        a.planned_start, a.planned_end, a.review_meeting_id = start, end, meeting_id
        a.status = AssessmentStatus.COLLECTING.value
        _set_ext(a, planning_note=note)
        s.add(a)
        audit(s, actor, "assessment.external_planned", tenant_id=cid, target_type="assessment", target_id=a.id,
              meeting_on=start.isoformat())
        s.flush()
        return _detail(s, actor, a)


# ---------------------------------------------------------------- interviews

def do_record_interview(actor: Actor, assessment_id: Any, *, membership_id: Any, held_on: Any, notes: Any = "",
                        criteria: Any = None) -> ExternalDetail:
    """An evaluator's interview with a member of the centre's team (P28.4)."""
    cid, aid = _open(actor, assessment_id)
    day = _day(held_on, "held_on")
    if day is None:
        raise Invalid("the interview's date is required", code="invalid_date", field="held_on")
    notes = _text(notes, NOTE_MAX, code="note_too_long", what="notes")
    if criteria is None:
        criteria = []
    if not isinstance(criteria, list | tuple) or len(criteria) > 200:
        raise Invalid("criteria: a list of criterion codes", code="unknown_criterion", field="criteria")
    with tenant_session(cid) as s, transaction(s):
        a = _locked(s, actor, cid, aid)
        _ensure_status(a, INTERVIEW_STATUSES)
        mid = membership_id if isinstance(membership_id, int) and not isinstance(membership_id, bool) else -1
        m = s.exec(select(Membership).where(Membership.id == mid, Membership.active)).first()
        if m is None or not set(m.roles) & set(TEAM_ROLES):
            raise Invalid("not a member of the centre's team", code="unknown_member", field="membership_id")
        known = {c.code for c in _criteria(s, a.model_id)}
        codes = []
        for c in criteria:
            if not isinstance(c, str) or c.strip() not in known:
                raise Invalid("unknown criterion", code="unknown_criterion", field="criteria")
            if c.strip() not in codes:
                codes.append(c.strip())
        row = EvaluationInterview(tenant_id=cid, assessment_id=a.id, evaluator_account_id=actor.account_id,
                                  membership_id=m.id, held_on=day, notes=notes, criteria=codes)
        s.add(row)
        s.flush()
        audit(s, actor, "assessment.interview_recorded", tenant_id=cid, target_type="assessment", target_id=a.id,
              interview=row.id, member=m.id)
        return _detail(s, actor, a)


# ---------------------------------------------------------------- independent ratings

def do_rate(actor: Actor, assessment_id: Any, criterion: Any, *, status: Any = RatingStatus.RATED.value,
            value: Any = None, justification: Any = "") -> ExternalDetail:
    """An evaluator's own answer for one criterion, while their ratings are a draft."""
    cid, aid = _open(actor, assessment_id)
    with tenant_session(cid) as s, transaction(s):
        a = _locked(s, actor, cid, aid)
        rater = _require_rater(s, actor, cid)
        _ensure_status(a, RATING_STATUSES)
        if str(actor.account_id) in (_ext(a).get("submitted") or {}):
            raise Conflict("your ratings are submitted", code="ratings_submitted")
        c = _criterion(s, a.model_id, criterion)
        st, v, text = clean_answer(c, status, value, justification)
        _upsert(s, cid, a.id, c.id, rater, st, v, text, actor.account_id)
        if a.status == AssessmentStatus.COLLECTING.value:
            a.status = AssessmentStatus.RATING.value
        a.updated_at = utcnow()
        s.add(a)
        audit(s, actor, "assessment.evaluator_rated", tenant_id=cid, target_type="assessment", target_id=a.id,
              criterion=c.code)
        s.flush()
        return _detail(s, actor, a)


def _upsert(s: Session, cid: int, aid: int, criterion_id: int, rater: str, status: str, value: int | None,
            text: str, account_id: int) -> AssessmentRating:
    r = s.exec(select(AssessmentRating).where(AssessmentRating.assessment_id == aid,
                                              AssessmentRating.criterion_id == criterion_id,
                                              AssessmentRating.rater == rater)).first()
    if r is None:
        r = AssessmentRating(tenant_id=cid, assessment_id=aid, criterion_id=criterion_id, rater=rater)
    r.status, r.value, r.justification, r.rated_by_account_id, r.updated_at = status, value, text, account_id, utcnow()
    s.add(r)
    return r


def do_submit_ratings(actor: Actor, assessment_id: Any) -> ExternalDetail:
    """An evaluator hands in their ratings: every criterion answered; frozen from then on."""
    cid, aid = _open(actor, assessment_id)
    with tenant_session(cid) as s, transaction(s):
        a = _locked(s, actor, cid, aid)
        rater = _require_rater(s, actor, cid)
        _ensure_status(a, RATING_STATUSES)
        submitted = dict(_ext(a).get("submitted") or {})
        if str(actor.account_id) in submitted:
            raise Conflict("your ratings are submitted", code="ratings_submitted")
        crit = _criteria(s, a.model_id)
        done = {r.criterion_id for r in _ratings(s, a.id) if r.rater == rater}
        missing = [c.code for c in crit if c.id not in done]
        if missing:
            raise Invalid("every criterion needs an answer", code="criteria_unanswered", missing=missing[:50],
                          count=len(missing))
        submitted[str(actor.account_id)] = utcnow().isoformat()
        _set_ext(a, submitted=submitted)
        a.status = AssessmentStatus.RATING.value
        s.add(a)
        audit(s, actor, "assessment.evaluator_submitted", tenant_id=cid, target_type="assessment", target_id=a.id)
        s.flush()
        return _detail(s, actor, a)


# ---------------------------------------------------------------- differences and consensus

def _differences(s: Session, a: Assessment) -> list[DifferenceRow]:
    crit = _criteria(s, a.model_id)
    submitted = _submitted_raters(s, a)
    by_crit: dict[int, dict[str, AssessmentRating]] = {}
    for r in _ratings(s, a.id):
        by_crit.setdefault(r.criterion_id, {})[r.rater] = r
    self_rows: dict[str, AssessmentRating] = {}
    if a.self_assessment_id:
        ref = s.get(Assessment, a.self_assessment_id)
        if ref is not None:
            codes = {c.id: c.code for c in _criteria(s, ref.model_id)}
            self_rows = {codes.get(r.criterion_id, ""): r for r in _ratings(s, ref.id) if r.rater == SELF}
    out = []
    for c in crit:
        rows = by_crit.get(c.id, {})
        ev = {k: (r.status, r.value) for k, r in sorted(rows.items()) if k in submitted}
        answers = set(ev.values())
        agreed = len(ev) > 0 and len(answers) == 1
        proposal = next(iter(answers)) if agreed else None
        values = [v for st, v in ev.values() if st == RatingStatus.RATED.value and v is not None]
        spread = (max(values) - min(values)) if values else None
        sr = self_rows.get(c.code)
        self_answer = (sr.status, sr.value) if sr else None
        cr = rows.get(CONSENSUS)
        consensus = (cr.status, cr.value) if cr else None
        basis = consensus or proposal
        delta = None
        if basis and self_answer and basis[1] is not None and self_answer[1] is not None:
            delta = basis[1] - self_answer[1]
        out.append(DifferenceRow(c.code, c.domain, c.tier, ev, agreed, proposal, spread,
                                 len(answers) > 1, self_answer, consensus, delta,
                                 delta is not None and abs(delta) >= 1))
    return out


def differences(actor: Actor, assessment_id: Any) -> list[DifferenceRow]:
    """Per criterion: the submitted evaluators' answers, whether they agree, and the gap with the
    self-assessment. An evaluator sees it once they submitted (their draft stays theirs)."""
    cid, aid = _open(actor, assessment_id)
    with tenant_session(cid) as s:
        a = s.get(Assessment, aid)
        if a.status in RATING_STATUSES and actor.network_role == Role.EXTERNAL_EVALUATOR.value \
                and str(actor.account_id) not in (_ext(a).get("submitted") or {}):
            raise Conflict("submit your ratings to see the others'", code="ratings_not_submitted")
        return _differences(s, a)


def do_open_consensus(actor: Actor, assessment_id: Any) -> ExternalDetail:
    """Every evaluator of the centre submitted: the consensus step opens, prefilled where they agree."""
    cid, aid = _open(actor, assessment_id)
    with tenant_session(cid) as s, transaction(s):
        a = _locked(s, actor, cid, aid)
        _ensure_status(a, (AssessmentStatus.RATING.value,))
        submitted = set((_ext(a).get("submitted") or {}).keys())
        waiting = [i for i in _active_evaluator_ids(s, cid) if str(i) not in submitted]
        if not submitted or waiting:
            raise Conflict("every evaluator must submit their ratings first", code="ratings_pending",
                           waiting=len(waiting))
        crit = {c.code: c for c in _criteria(s, a.model_id)}
        ratings = _ratings(s, a.id)
        texts: dict[int, list[str]] = {}
        for r in ratings:
            if r.rater.removeprefix(EVALUATOR) in submitted and r.rater.startswith(EVALUATOR) and r.justification:
                texts.setdefault(r.criterion_id, []).append(r.justification)
        # the drafts of evaluators unassigned before submitting never count
        dropped = 0
        for r in ratings:
            if r.rater.startswith(EVALUATOR) and r.rater.removeprefix(EVALUATOR) not in submitted:
                s.delete(r)
                dropped += 1
        prefilled = 0
        for d in _differences(s, a):
            if d.proposal is None or d.consensus is not None:
                continue
            cid_ = crit[d.criterion].id
            _upsert(s, cid, a.id, cid_, CONSENSUS, d.proposal[0], d.proposal[1],
                    "\n".join(dict.fromkeys(texts.get(cid_, [])))[:TEXT_MAX], actor.account_id)
            prefilled += 1
        a.status = AssessmentStatus.CONSENSUS.value
        a.updated_at = utcnow()
        s.add(a)
        audit(s, actor, "assessment.consensus_opened", tenant_id=cid, target_type="assessment", target_id=a.id,
              prefilled=prefilled, dropped_drafts=dropped)
        s.flush()
        return _detail(s, actor, a)


def do_set_consensus(actor: Actor, assessment_id: Any, criterion: Any, *, status: Any = RatingStatus.RATED.value,
                     value: Any = None, justification: Any = "") -> ExternalDetail:
    """The agreed rating of one criterion (evaluators of the centre, or a network admin)."""
    cid, aid = _open(actor, assessment_id)
    with tenant_session(cid) as s, transaction(s):
        a = _locked(s, actor, cid, aid)
        _ensure_status(a, (AssessmentStatus.CONSENSUS.value,))
        c = _criterion(s, a.model_id, criterion)
        st, v, text = clean_answer(c, status, value, justification)
        _upsert(s, cid, a.id, c.id, CONSENSUS, st, v, text, actor.account_id)
        a.updated_at = utcnow()
        s.add(a)
        audit(s, actor, "assessment.consensus_rated", tenant_id=cid, target_type="assessment", target_id=a.id,
              criterion=c.code)
        s.flush()
        return _detail(s, actor, a)


def do_complete_external(actor: Actor, assessment_id: Any) -> ExternalDetail:
    """Every criterion has its consensus rating: the assessment is locked and computed by the same
    job as a self-assessment (its "consensus" ratings are the answers)."""
    cid, aid = _open(actor, assessment_id)
    with tenant_session(cid) as s, transaction(s):
        a = _locked(s, actor, cid, aid)
        _ensure_status(a, (AssessmentStatus.CONSENSUS.value,))
        done = {r.criterion_id for r in _ratings(s, a.id) if r.rater == CONSENSUS}
        missing = [c.code for c in _criteria(s, a.model_id) if c.id not in done]
        if missing:
            raise Invalid("every criterion needs a consensus rating", code="criteria_unanswered",
                          missing=missing[:50], count=len(missing))
        a.status, a.completed_at, a.completed_by_account_id = AssessmentStatus.COMPLETED.value, utcnow(), \
            actor.account_id
        a.updated_at = utcnow()
        s.add(a)
        audit(s, actor, "assessment.completed", tenant_id=cid, target_type="assessment", target_id=a.id,
              mode=Mode.EXTERNAL.value)
        s.flush()
        _queue_compute(s, a)
        return _detail(s, actor, a)


def _queue_compute(s: Session, a: Assessment) -> None:
    """The self-assessment's compute job (services.do_compute through the outbox), queued in the
    completing transaction; for an external assessment it scores the "consensus" ratings."""
    from workflows.assessment.services import COMPUTE_KIND

    outbox.enqueue(s, COMPUTE_KIND, {"assessment_id": a.id}, key=f"assessment-compute:{a.id}", tenant_id=a.tenant_id)


# ---------------------------------------------------------------- recommendations

def do_add_recommendation(actor: Actor, assessment_id: Any, *, text: Any, priority: Any = "medium",
                          criterion: Any = None) -> ExternalDetail:
    cid, aid = _open(actor, assessment_id)
    body = _text(text, TEXT_MAX, code="recommendation_text_required", required=True, what="text")
    if priority not in PRIORITIES:
        raise Invalid("priority: high, medium or low", code="invalid_priority", field="priority")
    with tenant_session(cid) as s, transaction(s):
        a = _locked(s, actor, cid, aid)
        _ensure_status(a, RECOMMEND_STATUSES, code="assessment_wrong_step")
        crit_id = None
        if criterion not in (None, ""):
            crit_id = _criterion(s, a.model_id, criterion).id
        row = Recommendation(tenant_id=cid, assessment_id=a.id, criterion_id=crit_id, priority=priority, text=body,
                             created_by_account_id=actor.account_id)
        s.add(row)
        s.flush()
        audit(s, actor, "assessment.recommendation_added", tenant_id=cid, target_type="assessment", target_id=a.id,
              recommendation=row.id)
        return _detail(s, actor, a)


def do_delete_recommendation(actor: Actor, assessment_id: Any, recommendation_id: Any) -> ExternalDetail:
    cid, aid = _open(actor, assessment_id)
    rid = _int_id(recommendation_id, "recommendation")
    with tenant_session(cid) as s, transaction(s):
        a = _locked(s, actor, cid, aid)
        _ensure_status(a, RECOMMEND_STATUSES, code="assessment_wrong_step")
        row = s.exec(select(Recommendation).where(Recommendation.id == rid,
                                                  Recommendation.assessment_id == a.id)).first()
        if row is None:
            raise NotFound("no such recommendation", code="not_found")
        s.delete(row)
        audit(s, actor, "assessment.recommendation_deleted", tenant_id=cid, target_type="assessment",
              target_id=a.id, recommendation=rid)
        s.flush()
        return _detail(s, actor, a)


def do_send_recommendations(actor: Actor, assessment_id: Any) -> ExternalDetail:
    """The evaluated assessment's recommendations go to the centre: its managers are e-mailed and
    see them on the assessment; the external assessment is closed."""
    cid, aid = _open(actor, assessment_id)
    with tenant_session(cid) as s, transaction(s):
        a = _locked(s, actor, cid, aid)
        if a.status == AssessmentStatus.CLOSED.value:
            raise Conflict("the recommendations were sent", code="recommendations_sent")
        _ensure_status(a, (AssessmentStatus.EVALUATED.value,), code="assessment_not_evaluated")
        count = len(s.exec(select(Recommendation.id).where(Recommendation.assessment_id == a.id)).all())
        if not count:
            raise Invalid("add at least one recommendation", code="no_recommendations")
        now = utcnow()
        a.status, a.recommendations_sent_at, a.updated_at = AssessmentStatus.CLOSED.value, now, now
        s.add(a)
        tenant = s.get(Tenant, cid)
        managers = s.exec(select(Membership, Account).join(Account, Account.id == Membership.account_id)
                          .where(Membership.active, Account.active)).all()
        # the centre's assessments page (the list shows its external evaluations and their recommendations)
        link = f"{get_settings().base_url}/staff/assessment"
        sent = 0
        for m, acc in managers:
            if Role.MANAGER.value not in (m.roles or []):
                continue
            lang = acc.locale or tenant.locale or "fr"
            values = {"name": acc.full_name, "assessment": a.title, "tenant": tenant.name, "count": count,
                      "link": link}
            outbox.enqueue(s, EMAIL_KIND, {"to": acc.email,
                                           "subject": t("mail.recommendations_sent.subject", lang, **values),
                                           "text": t("mail.recommendations_sent.body", lang, **values)},
                           key=f"assessment-recommendations:{a.id}:{acc.id}", tenant_id=cid)
            sent += 1
        audit(s, actor, "assessment.recommendations_sent", tenant_id=cid, target_type="assessment", target_id=a.id,
              recommendations=count, recipients=sent)
        s.flush()
        return _detail(s, actor, a)


# ---------------------------------------------------------------- the centre's side

def recommendations_for_centre(actor: Actor, assessment_id: Any) -> list[RecommendationView]:
    """The recommendations sent to the actor's centre for one of its external assessments (empty
    until they are sent). Another centre's assessment answers not_found."""
    tenant_id = actor.tenant_id if actor is not None else None
    require(actor, Perm.ASSESSMENT_VIEW, tenant_id=tenant_id)
    if tenant_id is None:
        raise NotFound("no such assessment", code="not_found")
    aid = _int_id(assessment_id, "assessment")
    with tenant_session(tenant_id) as s:
        a = s.get(Assessment, aid)
        if a is None or a.tenant_id != tenant_id:
            raise NotFound("no such assessment", code="not_found")
        if a.mode != Mode.EXTERNAL.value or a.recommendations_sent_at is None:
            return []
        codes = {c.id: c.code for c in _criteria(s, a.model_id)}
        rows = s.exec(select(Recommendation).where(Recommendation.assessment_id == a.id)).all()
        order = {p: i for i, p in enumerate(PRIORITIES)}
        rows = sorted(rows, key=lambda r: (order.get(r.priority, 9), r.id))
        return [RecommendationView(r.id, codes.get(r.criterion_id or 0, ""), r.priority, r.text, r.created_at)
                for r in rows]


def external_assessments_for_centre(actor: Actor) -> list[AssessmentSummary]:
    """The actor's centre's external assessments, newest first (what the centre knows of them:
    title, step, scores once evaluated, when the recommendations were sent)."""
    tenant_id = actor.tenant_id if actor is not None else None
    require(actor, Perm.ASSESSMENT_VIEW, tenant_id=tenant_id)
    if tenant_id is None:
        return []
    with tenant_session(tenant_id) as s:
        name = s.get(Tenant, tenant_id).name
        rows = s.exec(select(Assessment).where(Assessment.mode == Mode.EXTERNAL.value)
                      .order_by(Assessment.created_at.desc(), Assessment.id.desc()).limit(LIST_MAX)).all()
        return [_summary(a, name) for a in rows]
