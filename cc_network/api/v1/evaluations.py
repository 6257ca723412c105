"""External evaluation over REST (P28, second variant): evaluator assignments (network admins),
the external assessments of the centres an evaluator is assigned to, interviews, independent
ratings, differences, consensus, recommendations and sending them to the centre; and, for the
centre, the recommendations it received. Every route calls workflows.assessment.external, which
checks the permission and the evaluator's assignment (an unassigned centre answers 404).

Network-level routes (/evaluations/…) serve network admins and external evaluators signed in
through the browser session (API tokens belong to a centre's membership)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant, current_actor
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from workflows.assessment import external as ext

router = APIRouter(tags=["evaluations"], responses=ERROR_RESPONSES)
E = "/evaluations"
T = "/tenants/{tenant}"
Caller = Depends(current_actor)
Scope = Depends(actor_in_tenant)
# one Path object per parameter name: FastAPI keeps the name it first saw on a shared one
AssessmentId = Path(ge=1, le=MAX_ID)
AssignmentId = Path(ge=1, le=MAX_ID)
CentreId = Path(ge=1, le=MAX_ID)
RecommendationId = Path(ge=1, le=MAX_ID)
CriterionCode = Path(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9._-]+$")


# ---------------------------------------------------------------- schemas

class AssignmentOut(BaseModel):
    id: int
    centre_id: int
    centre_name: str
    centre_slug: str
    evaluator_account_id: int
    evaluator_name: str
    evaluator_email: str
    active: bool
    created_at: datetime


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    centre_id: int = Field(ge=1, le=MAX_ID)
    evaluator_account_id: int = Field(ge=1, le=MAX_ID)


class EvaluatorOut(BaseModel):
    account_id: int
    name: str
    email: str


class CentreOut(BaseModel):
    id: int
    slug: str
    name: str
    kind: str


class CentreMemberOut(BaseModel):
    membership_id: int
    name: str
    roles: list[str]


class SummaryOut(BaseModel):
    id: int
    centre_id: int
    centre_name: str
    mode: str = Field(description="self or external")
    status: str
    title: str
    period_label: str
    model_id: int
    overall_score: float | None
    maturity: str
    created_at: datetime
    recommendations_sent_at: datetime | None


class CriterionOut(BaseModel):
    code: str
    domain: str
    domain_title: dict[str, str]
    title: dict[str, str]
    tier: str
    justification: str = Field(description="none, below_met or always: when a rating must say why")


class RatingOut(BaseModel):
    criterion: str
    rater: str = Field(description='"evaluator:<account id>" or "consensus"')
    status: str
    value: int | None
    justification: str
    updated_at: datetime


class RaterOut(BaseModel):
    account_id: int
    name: str
    rated: int
    submitted_at: str | None


class InterviewOut(BaseModel):
    id: int
    evaluator_account_id: int
    evaluator_name: str
    membership_id: int
    member_name: str
    held_on: date
    notes: str
    criteria: list[str]
    created_at: datetime


class RecommendationOut(BaseModel):
    id: int
    criterion: str
    priority: str
    text: str
    created_at: datetime


class ExternalOut(SummaryOut):
    framing_note: str
    planning_note: str
    planned_start: date | None
    planned_end: date | None
    review_meeting_id: int | None
    self_assessment_id: int | None
    completed_at: datetime | None
    criteria: list[CriterionOut]
    raters: list[RaterOut]
    my_ratings: list[RatingOut] = Field(description="the caller's own ratings (drafts included)")
    my_submitted: bool
    is_rater: bool
    visible_ratings: list[RatingOut] = Field(description="other evaluators' submitted ratings, once the caller "
                                                         "submitted theirs")
    consensus: list[RatingOut]
    interviews: list[InterviewOut]
    recommendations: list[RecommendationOut]


class AnswerOut(BaseModel):
    status: str
    value: int | None


class DifferenceOut(BaseModel):
    criterion: str
    domain: str
    tier: str
    evaluators: dict[str, AnswerOut]
    agreed: bool
    proposal: AnswerOut | None
    spread: int | None
    between_evaluators: bool
    self_answer: AnswerOut | None
    consensus: AnswerOut | None
    delta_self: int | None
    vs_self: bool


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=200)
    period_label: str = Field(default="", max_length=40)
    framing_note: str = Field(default="", max_length=10_000)


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meeting_on: date
    until: date | None = None
    note: str = Field(default="", max_length=10_000)
    meeting_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class InterviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    membership_id: int = Field(ge=1, le=MAX_ID)
    held_on: date
    notes: str = Field(default="", max_length=10_000)
    criteria: list[str] = Field(default_factory=list, max_length=200)


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(default="rated", description="rated, not_applicable or insufficient_evidence")
    value: int | None = Field(default=None, description="0 not met, 1 partly met, 2 met, 3 fully met")
    justification: str = Field(default="", max_length=4000)


class RecommendationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=4000)
    priority: str = Field(default="medium", description="high, medium or low")
    criterion: str | None = Field(default=None, max_length=20)


# ---------------------------------------------------------------- mapping

def _rating(r: ext.RatingView) -> RatingOut:
    return RatingOut(**vars(r))


def _answer(x: tuple[str, int | None] | None) -> AnswerOut | None:
    return AnswerOut(status=x[0], value=x[1]) if x else None


def _out(d: ext.ExternalDetail) -> ExternalOut:
    base = {k: getattr(d, k) for k in SummaryOut.model_fields}
    return ExternalOut(
        **base, framing_note=d.framing_note, planning_note=d.planning_note, planned_start=d.planned_start,
        planned_end=d.planned_end, review_meeting_id=d.review_meeting_id, self_assessment_id=d.self_assessment_id,
        completed_at=d.completed_at,
        criteria=[CriterionOut(code=c.code, domain=c.domain, domain_title=c.domain_title, title=c.title, tier=c.tier,
                               justification=c.justification) for c in d.criteria],
        raters=[RaterOut(**vars(r)) for r in d.raters],
        my_ratings=[_rating(r) for r in d.my_ratings.values()], my_submitted=d.my_submitted, is_rater=d.is_rater,
        visible_ratings=[_rating(r) for r in d.visible_ratings], consensus=[_rating(r) for r in d.consensus.values()],
        interviews=[InterviewOut(**vars(i)) for i in d.interviews],
        recommendations=[RecommendationOut(**vars(r)) for r in d.recommendations])


# ---------------------------------------------------------------- assignments (network admins)

@router.get(E + "/evaluators", response_model=list[EvaluatorOut])
def list_evaluators(actor: Actor = Caller) -> list[EvaluatorOut]:
    """Accounts with the external evaluator role (network admins)."""
    return [EvaluatorOut(**vars(v)) for v in ext.list_evaluators(actor)]


@router.get(E + "/assignments", response_model=list[AssignmentOut])
def list_assignments(centre_id: int | None = Query(None, ge=1, le=MAX_ID),
                     include_inactive: bool = Query(False), actor: Actor = Caller) -> list[AssignmentOut]:
    return [AssignmentOut(**vars(x)) for x in ext.list_assignments(actor, centre_id=centre_id,
                                                                     include_inactive=include_inactive)]


@router.post(E + "/assignments", response_model=AssignmentOut, status_code=201)
def assign(body: AssignIn, actor: Actor = Caller) -> AssignmentOut:
    return AssignmentOut(**vars(ext.do_assign(actor, body.centre_id, body.evaluator_account_id)))


@router.delete(E + "/assignments/{assignment_id}", response_model=AssignmentOut)
def unassign(assignment_id: int = AssignmentId, actor: Actor = Caller) -> AssignmentOut:
    """The evaluator loses access to the centre's assessment data at once."""
    return AssignmentOut(**vars(ext.do_unassign(actor, assignment_id)))


# ---------------------------------------------------------------- the evaluator's centres

@router.get(E + "/centres", response_model=list[CentreOut])
def my_centres(actor: Actor = Caller) -> list[CentreOut]:
    """The centres the caller evaluates (every centre for a network admin)."""
    return [CentreOut(**vars(c)) for c in ext.assigned_centres(actor)]


@router.get(E + "/centres/{centre_id}/assessments", response_model=list[SummaryOut])
def centre_assessments(centre_id: int = CentreId, actor: Actor = Caller) -> list[SummaryOut]:
    return [SummaryOut(**vars(a)) for a in ext.list_centre_assessments(actor, centre_id)]


@router.get(E + "/centres/{centre_id}/team", response_model=list[CentreMemberOut])
def centre_team(centre_id: int = CentreId, actor: Actor = Caller) -> list[CentreMemberOut]:
    """Whom the evaluators interview."""
    return [CentreMemberOut(membership_id=m, name=n, roles=list(r)) for m, n, r in ext.centre_team(actor, centre_id)]


@router.post(E + "/centres/{centre_id}/assessments", response_model=ExternalOut, status_code=201)
def start(body: StartIn, centre_id: int = CentreId, actor: Actor = Caller) -> ExternalOut:
    """P28.1: an external assessment of the centre, on the newest published model."""
    return _out(ext.do_start_external(actor, centre_id, title=body.title, period_label=body.period_label,
                                      framing_note=body.framing_note))


@router.get(E + "/assessments", response_model=list[SummaryOut])
def list_external(actor: Actor = Caller) -> list[SummaryOut]:
    return [SummaryOut(**vars(a)) for a in ext.list_external_assessments(actor)]


@router.get(E + "/assessments/{assessment_id}", response_model=ExternalOut)
def get_external(assessment_id: int = AssessmentId, actor: Actor = Caller) -> ExternalOut:
    return _out(ext.get_external(actor, assessment_id))


@router.post(E + "/assessments/{assessment_id}/plan", response_model=ExternalOut)
def plan(body: PlanIn, assessment_id: int = AssessmentId, actor: Actor = Caller) -> ExternalOut:
    """P28.2: the ad hoc evaluation meeting; the team then collects evidence."""
    return _out(ext.do_plan_external(actor, assessment_id, meeting_on=body.meeting_on, until=body.until,
                                     note=body.note, meeting_id=body.meeting_id))


@router.post(E + "/assessments/{assessment_id}/interviews", response_model=ExternalOut, status_code=201)
def record_interview(body: InterviewIn, assessment_id: int = AssessmentId, actor: Actor = Caller) -> ExternalOut:
    return _out(ext.do_record_interview(actor, assessment_id, membership_id=body.membership_id,
                                        held_on=body.held_on, notes=body.notes, criteria=body.criteria))


@router.put(E + "/assessments/{assessment_id}/ratings/{criterion_code}", response_model=ExternalOut)
def rate(body: RatingIn, assessment_id: int = AssessmentId, criterion_code: str = CriterionCode,
         actor: Actor = Caller) -> ExternalOut:
    """The caller's own rating (an assigned evaluator), while their ratings are a draft."""
    return _out(ext.do_rate(actor, assessment_id, criterion_code, status=body.status, value=body.value,
                            justification=body.justification))


@router.post(E + "/assessments/{assessment_id}/ratings/submit", response_model=ExternalOut)
def submit(assessment_id: int = AssessmentId, actor: Actor = Caller) -> ExternalOut:
    """Hand in the caller's ratings (every criterion answered); they are frozen from then on."""
    return _out(ext.do_submit_ratings(actor, assessment_id))


@router.get(E + "/assessments/{assessment_id}/differences", response_model=list[DifferenceOut])
def differences(assessment_id: int = AssessmentId, actor: Actor = Caller) -> list[DifferenceOut]:
    """Per criterion: the submitted evaluators' answers and the gap with the self-assessment."""
    return [DifferenceOut(criterion=d.criterion, domain=d.domain, tier=d.tier,
                          evaluators={k: _answer(v) for k, v in d.evaluators.items()}, agreed=d.agreed,
                          proposal=_answer(d.proposal), spread=d.spread, between_evaluators=d.between_evaluators,
                          self_answer=_answer(d.self_answer), consensus=_answer(d.consensus),
                          delta_self=d.delta_self, vs_self=d.vs_self)
            for d in ext.differences(actor, assessment_id)]


@router.post(E + "/assessments/{assessment_id}/consensus", response_model=ExternalOut)
def open_consensus(assessment_id: int = AssessmentId, actor: Actor = Caller) -> ExternalOut:
    """Every evaluator submitted: open the consensus, prefilled where they agree."""
    return _out(ext.do_open_consensus(actor, assessment_id))


@router.put(E + "/assessments/{assessment_id}/consensus/{criterion_code}", response_model=ExternalOut)
def set_consensus(body: RatingIn, assessment_id: int = AssessmentId, criterion_code: str = CriterionCode,
                  actor: Actor = Caller) -> ExternalOut:
    return _out(ext.do_set_consensus(actor, assessment_id, criterion_code, status=body.status, value=body.value,
                                     justification=body.justification))


@router.post(E + "/assessments/{assessment_id}/complete", response_model=ExternalOut)
def complete(assessment_id: int = AssessmentId, actor: Actor = Caller) -> ExternalOut:
    """Lock the consensus; the evaluation job computes it."""
    return _out(ext.do_complete_external(actor, assessment_id))


@router.post(E + "/assessments/{assessment_id}/recommendations", response_model=ExternalOut, status_code=201)
def add_recommendation(body: RecommendationIn, assessment_id: int = AssessmentId, actor: Actor = Caller) -> ExternalOut:
    return _out(ext.do_add_recommendation(actor, assessment_id, text=body.text, priority=body.priority,
                                          criterion=body.criterion))


@router.delete(E + "/assessments/{assessment_id}/recommendations/{recommendation_id}", response_model=ExternalOut)
def delete_recommendation(assessment_id: int = AssessmentId, recommendation_id: int = RecommendationId, actor: Actor = Caller) -> ExternalOut:
    return _out(ext.do_delete_recommendation(actor, assessment_id, recommendation_id))


@router.post(E + "/assessments/{assessment_id}/send", response_model=ExternalOut)
def send(assessment_id: int = AssessmentId, actor: Actor = Caller) -> ExternalOut:
    """Send the recommendations to the centre (its managers are e-mailed); the assessment closes."""
    return _out(ext.do_send_recommendations(actor, assessment_id))


# ---------------------------------------------------------------- the centre's side

@router.get(T + "/external-assessments/{assessment_id}/recommendations", response_model=list[RecommendationOut])
def centre_recommendations(assessment_id: int = AssessmentId, scope: tuple[Actor, int] = Scope) -> list[RecommendationOut]:
    """The recommendations the external evaluators sent to the centre (empty until sent)."""
    actor, _tenant_id = scope
    return [RecommendationOut(**vars(r)) for r in ext.recommendations_for_centre(actor, assessment_id)]
