"""The centre's self-assessment (P28, first variant) over REST: start, plan, the questionnaire,
evidence, live indicators, completion, the computed result, its PDF report and the action plan.
Every route calls workflows/assessment/services; the rules live there."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.errors import detailed_errors
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from workflows.assessment import report
from workflows.assessment import services as sa

# completion names the criteria still unanswered (`missing`)
router = APIRouter(tags=["self-assessment"], responses=ERROR_RESPONSES, route_class=detailed_errors("missing"))
T = "/tenants/{tenant}"
A = T + "/assessments"
Scope = Depends(actor_in_tenant)
AssessmentId = Path(ge=1, le=MAX_ID)
ActionId = Path(ge=1, le=MAX_ID)
EvidenceId = Path(ge=1, le=MAX_ID)
CriterionCode = Path(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9._-]+$")
PDF = "application/pdf"


# ---------------------------------------------------------------- schemas

class SummaryOut(BaseModel):
    id: int
    title: str
    period_label: str
    status: str = Field(description="framing, collecting, completed (being computed) or evaluated")
    model_id: int
    model_version: int
    overall_score: float | None
    maturity: str
    must_unmet: int
    created_at: datetime
    completed_at: datetime | None
    evaluated_at: datetime | None


class PageOut(BaseModel):
    items: list[SummaryOut]
    total: int


class CriterionOut(BaseModel):
    id: int
    code: str
    domain_code: str
    title: dict[str, str]
    evidence_expected: dict[str, str]
    tier: str
    justification_rule: str
    status: str = Field(description="rated, not_applicable, insufficient_evidence; empty when not answered")
    value: int | None
    justification: str
    live_keys: list[str]


class DomainOut(BaseModel):
    code: str
    title: dict[str, str]
    criteria: list[CriterionOut]


class EvidenceOut(BaseModel):
    id: int
    criterion_code: str
    kind: str = Field(description="file, link, note or live")
    title: str
    url: str
    note: str
    filename: str
    size_bytes: int
    live_key: str
    live_value: float | None
    live_detail: dict[str, Any]
    suggested: int | None = Field(description="a live figure's suggested rating (0-3), never a rating itself")
    added_by: str
    created_at: datetime


class DetailOut(BaseModel):
    summary: SummaryOut
    framing_note: str
    review_meeting_id: int | None
    review_meeting_label: str
    planned_start: date | None
    planned_end: date | None
    domains: list[DomainOut]
    evidence: list[EvidenceOut]
    answered: int
    total: int
    missing: list[str]
    can_manage: bool
    can_contribute: bool


class ActionOut(BaseModel):
    id: int
    kind: str = Field(description="strength or improvement")
    criterion_code: str
    text: str
    owner_membership_id: int | None
    owner_name: str
    deadline: date | None
    done: bool
    plan_activity_key: str


class ResultOut(BaseModel):
    summary: SummaryOut
    overall: float | None
    maturity: str
    domains: list[dict[str, Any]]
    criteria: list[dict[str, Any]]
    must_unmet: list[str]
    must_unverified: list[str]
    counts: dict[str, int]
    actions: list[ActionOut]


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=200)
    period_label: str = Field(default="", max_length=40)
    framing_note: str = Field(default="", max_length=10_000)


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    review_meeting_id: int | None = Field(default=None, ge=1, le=MAX_ID,
                                          description="the weekly coordination meeting that reviewed the questionnaire")
    planned_start: date | None = None
    planned_end: date | None = None


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["rated", "not_applicable", "insufficient_evidence"] = "rated"
    value: int | None = Field(default=None, description="0 not met, 1 partly met, 2 met, 3 fully met")
    justification: str = Field(default="", max_length=4000)


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["link", "note"]
    criterion_code: str | None = Field(default=None, max_length=20)
    title: str = Field(default="", max_length=200)
    url: str = Field(default="", max_length=1000)
    note: str = Field(default="", max_length=10_000)


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["strength", "improvement"]
    text: str = Field(max_length=2000)
    criterion_code: str | None = Field(default=None, max_length=20)
    owner_membership_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    deadline: date | None = None


class ActionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["strength", "improvement"] | None = None
    text: str | None = Field(default=None, max_length=2000)
    owner_membership_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="null: no owner")
    deadline: date | None = Field(default=None, description="null: no deadline")
    done: bool | None = None


def _detail(d: sa.AssessmentDetail) -> DetailOut:
    return DetailOut.model_validate(asdict(d))


def _action(a: sa.ActionView) -> ActionOut:
    return ActionOut.model_validate(asdict(a))


# ---------------------------------------------------------------- routes

@router.get(A, response_model=PageOut)
def list_assessments(limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000),
                     scope: tuple[Actor, int] = Scope) -> PageOut:
    """The centre's self-assessments, newest first."""
    actor, _tid = scope
    items, total = sa.list_assessments(actor, limit=limit, offset=offset)
    return PageOut(items=[SummaryOut.model_validate(asdict(x)) for x in items], total=total)


@router.post(A, response_model=DetailOut, status_code=201)
def start(body: StartIn, scope: tuple[Actor, int] = Scope) -> DetailOut:
    """P28.1: frame a self-assessment on the newest published reference model (manager)."""
    actor, _tid = scope
    return _detail(sa.do_start(actor, title=body.title, period_label=body.period_label,
                               framing_note=body.framing_note))


@router.get(A + "/{assessment_id}", response_model=DetailOut)
def get(assessment_id: int = AssessmentId, scope: tuple[Actor, int] = Scope) -> DetailOut:
    actor, _tid = scope
    return _detail(sa.get_assessment(actor, assessment_id))


@router.post(A + "/{assessment_id}/plan", response_model=DetailOut)
def plan(body: PlanIn, assessment_id: int = AssessmentId, scope: tuple[Actor, int] = Scope) -> DetailOut:
    """P28.2: the meeting that reviewed the questionnaire and the planned dates; opens the collection."""
    actor, _tid = scope
    return _detail(sa.do_plan(actor, assessment_id, review_meeting_id=body.review_meeting_id,
                              planned_start=body.planned_start, planned_end=body.planned_end))


@router.put(A + "/{assessment_id}/ratings/{criterion_code}", response_model=CriterionOut)
def rate(body: RatingIn, assessment_id: int = AssessmentId, criterion_code: str = CriterionCode,
         scope: tuple[Actor, int] = Scope) -> CriterionOut:
    """The manager's answer for one criterion."""
    actor, _tid = scope
    c = sa.do_rate(actor, assessment_id, criterion_code, status=body.status, value=body.value,
                   justification=body.justification)
    return CriterionOut.model_validate(asdict(c))


@router.post(A + "/{assessment_id}/evidence", response_model=EvidenceOut, status_code=201)
def add_evidence(body: EvidenceIn, assessment_id: int = AssessmentId,
                 scope: tuple[Actor, int] = Scope) -> EvidenceOut:
    """A link (http/https) or a note, for one criterion or the whole assessment."""
    actor, _tid = scope
    if body.kind == "link":
        e = sa.do_add_link(actor, assessment_id, url=body.url, title=body.title, criterion_code=body.criterion_code)
    else:
        e = sa.do_add_note(actor, assessment_id, note=body.note, title=body.title,
                           criterion_code=body.criterion_code)
    return EvidenceOut.model_validate(asdict(e))


@router.post(A + "/{assessment_id}/evidence/file", response_model=EvidenceOut, status_code=201)
def add_file(file: UploadFile = File(description="PDF, PNG, JPEG or office document, 10 MB at most"),
             criterion_code: str | None = Form(None, max_length=20), title: str = Form("", max_length=200),
             assessment_id: int = AssessmentId, scope: tuple[Actor, int] = Scope) -> EvidenceOut:
    actor, _tid = scope
    # one byte past the limit is enough for the service to refuse an oversized file
    data = file.file.read(sa.MAX_FILE_BYTES + 1)
    e = sa.do_add_file(actor, assessment_id, filename=file.filename or "", data=data, title=title,
                       criterion_code=criterion_code)
    return EvidenceOut.model_validate(asdict(e))


@router.get(A + "/{assessment_id}/evidence/{evidence_id}/file", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def evidence_file(assessment_id: int = AssessmentId, evidence_id: int = EvidenceId,
                  scope: tuple[Actor, int] = Scope) -> Response:
    """A file gathered as evidence, as uploaded."""
    actor, _tid = scope
    data, name, ctype = sa.read_evidence_file(actor, evidence_id, assessment_id=assessment_id)
    return Response(data, media_type=ctype or "application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


@router.post(A + "/{assessment_id}/evidence/live", response_model=list[EvidenceOut])
def capture_live(assessment_id: int = AssessmentId, scope: tuple[Actor, int] = Scope) -> list[EvidenceOut]:
    """Compute the model's live indicators from the centre's data (the last 12 months)."""
    actor, _tid = scope
    return [EvidenceOut.model_validate(asdict(e)) for e in sa.do_capture_live(actor, assessment_id)]


@router.post(A + "/{assessment_id}/complete", response_model=DetailOut)
def complete(assessment_id: int = AssessmentId, scope: tuple[Actor, int] = Scope) -> DetailOut:
    """Lock the questionnaire; the evaluation is computed by a job shortly after."""
    actor, _tid = scope
    return _detail(sa.do_complete(actor, assessment_id))


@router.get(A + "/{assessment_id}/result", response_model=ResultOut)
def result(assessment_id: int = AssessmentId, scope: tuple[Actor, int] = Scope) -> ResultOut:
    """Scores per criterion, domain and overall, unmet musts, maturity (409 until computed)."""
    actor, _tid = scope
    r = sa.get_result(actor, assessment_id)
    return ResultOut.model_validate(asdict(r))


@router.get(A + "/{assessment_id}/report.pdf", response_class=Response, responses={200: {"content": {PDF: {}}}})
def report_pdf(assessment_id: int = AssessmentId, lang: str = Query("fr", pattern="^(fr|en|ar)$"),
               scope: tuple[Actor, int] = Scope) -> Response:
    actor, _tid = scope
    body = report.render_report(actor, assessment_id, lang)
    return Response(body, media_type=PDF, headers={
        "Content-Disposition": f'attachment; filename="{report.filename(assessment_id)}"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


@router.get(A + "/{assessment_id}/actions", response_model=list[ActionOut])
def list_actions(assessment_id: int = AssessmentId, scope: tuple[Actor, int] = Scope) -> list[ActionOut]:
    actor, _tid = scope
    return [_action(a) for a in sa.list_actions(actor, assessment_id)]


@router.post(A + "/{assessment_id}/actions", response_model=ActionOut, status_code=201)
def add_action(body: ActionIn, assessment_id: int = AssessmentId, scope: tuple[Actor, int] = Scope) -> ActionOut:
    actor, _tid = scope
    return _action(sa.do_add_action(actor, assessment_id, kind=body.kind, text=body.text,
                                    owner_membership_id=body.owner_membership_id, deadline=body.deadline,
                                    criterion_code=body.criterion_code))


@router.patch(A + "/{assessment_id}/actions/{action_id}", response_model=ActionOut)
def update_action(body: ActionPatch, assessment_id: int = AssessmentId, action_id: int = ActionId,
                  scope: tuple[Actor, int] = Scope) -> ActionOut:
    """Only the fields sent are changed; null clears the owner or the deadline."""
    actor, _tid = scope
    sent = body.model_dump(exclude_unset=True)
    for k in ("owner_membership_id", "deadline"):
        if k in sent and sent[k] is None:
            sent[k] = ""
    return _action(sa.do_update_action(actor, action_id, assessment_id=assessment_id, **sent))
