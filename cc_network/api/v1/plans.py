"""The annual action plan (M30, P01) and its mid-year review (P02) over REST. Every route
calls workflows/planning; the rules (who may do what, in which state) live there."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.errors import detailed_errors
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from integrations.errors import Invalid
from tenants.core.actor import Actor
from workflows.planning import services as plans
from workflows.planning.export import FORMATS, export_plan

# refusals of bad content name the field and the activity (`fields`)
router = APIRouter(tags=["action plan"], responses=ERROR_RESPONSES, route_class=detailed_errors("fields"))
T = "/tenants/{tenant}"
Scope = Depends(actor_in_tenant)
PlanId = Path(ge=1, le=MAX_ID)


# ---------------------------------------------------------------- schemas

class VersionOut(BaseModel):
    version_no: int
    label: str
    status: str
    created_at: datetime
    submitted_at: datetime | None
    host_validated_at: datetime | None
    host_comment: str
    change_note: str


class CommentOut(BaseModel):
    id: int
    version_no: int
    item_key: str = Field(description="the objective, activity or budget line remarked on; empty: the whole plan")
    author_membership_id: int | None
    author_name: str
    body: str
    at: datetime


class PlanSummaryOut(BaseModel):
    id: int
    academic_year_id: int
    year_label: str
    title: str
    status: str
    current_version_no: int
    updated_at: datetime


class PlanOut(BaseModel):
    id: int
    academic_year_id: int
    year_label: str
    title: str
    status: str = Field(description="draft, in_review, finalised, submitted, validated or updating")
    current_version_no: int
    version_no: int = Field(description="the version shown")
    version_label: str
    version_status: str
    content: dict[str, Any] = Field(description="objectives, activities (targets per semester), budget_lines")
    versions: list[VersionOut]
    comments: list[CommentOut]
    owners: dict[int, str]
    host_comment: str


class CreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    academic_year_id: int = Field(ge=1, le=MAX_ID)
    title: str = Field(default="", max_length=200)


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: dict[str, Any]
    change_note: str = Field(default="", max_length=2000)


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(max_length=4000)
    item_key: str = Field(default="", max_length=40)


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field(default="", max_length=4000, description="the host institution's comment")
    meeting_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="finalise: the internal meeting")


class GapOut(BaseModel):
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


class ReviewOut(BaseModel):
    id: int
    plan_id: int
    semester_no: int
    based_on_version_no: int
    status: str
    created_at: datetime
    closed_at: datetime | None
    gaps: list[GapOut]


class GapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee_membership_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="the manager assigns")
    explanation: str | None = Field(default=None, max_length=4000)
    new_action: str = Field(default="", max_length=4000)


class UpdatedVersionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: dict[str, Any] | None = Field(default=None, description="omitted: the validated content, copied")


class DiffOut(BaseModel):
    a: int
    b: int
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    objectives_added: list[str]
    objectives_removed: list[str]
    budget_changed: list[dict[str, Any]]


class ProgressOut(BaseModel):
    activity_key: str
    title: str
    metric: str
    target_s1: float | None
    target_s2: float | None
    actual_s1: float | None
    actual_s2: float | None


def _plan(v: plans.PlanView) -> PlanOut:
    return PlanOut.model_validate(asdict(v))


# ---------------------------------------------------------------- the plan (P01)

@router.get(T + "/plans", response_model=list[PlanSummaryOut])
def list_plans(scope: tuple[Actor, int] = Scope) -> list[PlanSummaryOut]:
    actor, tenant_id = scope
    return [PlanSummaryOut.model_validate(asdict(p)) for p in plans.list_plans(actor, tenant_id)]


@router.post(T + "/plans", response_model=PlanOut, status_code=201)
def create_plan(body: CreateIn, scope: tuple[Actor, int] = Scope) -> PlanOut:
    """The manager's draft (avant-projet) of a year's plan, pre-filled from last year's."""
    actor, tenant_id = scope
    return _plan(plans.do_create_plan(actor, tenant_id, body.academic_year_id, title=body.title))


@router.get(T + "/plans/{plan_id}", response_model=PlanOut)
def get_plan(plan_id: int = PlanId, version: int | None = Query(None, ge=1, le=10_000, description="a past version"),
             scope: tuple[Actor, int] = Scope) -> PlanOut:
    """The plan at its current version, or at `version` (versions are kept: a validated one is
    never edited)."""
    actor, tenant_id = scope
    return _plan(plans.get_plan(actor, tenant_id, plan_id, version))


@router.get(T + "/plans/{plan_id}/diff", response_model=DiffOut)
def diff(plan_id: int = PlanId, a: int = Query(ge=1, le=10_000), b: int = Query(ge=1, le=10_000),
         scope: tuple[Actor, int] = Scope) -> DiffOut:
    """What changed from version `a` to version `b`: activities added, removed, changed."""
    actor, tenant_id = scope
    return DiffOut.model_validate(asdict(plans.diff_versions(actor, tenant_id, plan_id, a, b)))


@router.get(T + "/plans/{plan_id}/progress", response_model=list[ProgressOut])
def progress(plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> list[ProgressOut]:
    """Target against actual so far, per activity and semester."""
    actor, tenant_id = scope
    return [ProgressOut.model_validate(asdict(x)) for x in plans.plan_progress(actor, tenant_id, plan_id)]


@router.put(T + "/plans/{plan_id}/draft", response_model=PlanOut)
def save_draft(body: DraftIn, plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> PlanOut:
    """Save the content. A validated plan is not edited: this makes its next version."""
    actor, tenant_id = scope
    return _plan(plans.do_save_draft(actor, tenant_id, plan_id, body.content, change_note=body.change_note))


@router.post(T + "/plans/{plan_id}/comments", response_model=CommentOut, status_code=201)
def comment(body: CommentIn, plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> CommentOut:
    actor, tenant_id = scope
    return CommentOut.model_validate(asdict(plans.do_comment(actor, tenant_id, plan_id, body.body,
                                                             item_key=body.item_key)))


@router.get(T + "/plans/{plan_id}/export", response_class=Response,
            responses={200: {"content": {t: {} for t in FORMATS.values()}}})
def export(plan_id: int = PlanId, format: str = Query("pdf", pattern="^(pdf|xlsx|csv)$"),
           lang: str = Query("fr", pattern="^(fr|en|ar)$"), version: int | None = Query(None, ge=1, le=10_000),
           scope: tuple[Actor, int] = Scope) -> Response:
    """The plan as PDF, XLSX, or CSV (its activities)."""
    actor, tenant_id = scope
    name, ctype, body = export_plan(actor, tenant_id, plan_id, format, lang=lang, version_no=version)
    return Response(body, media_type=ctype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                     "X-Content-Type-Options": "nosniff",
                                                     "Cache-Control": "private, no-store"})


# ---------------------------------------------------------------- the mid-year review (P02)

@router.get(T + "/plans/{plan_id}/mid-year-review", response_model=ReviewOut | None)
def get_review(plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> ReviewOut | None:
    actor, tenant_id = scope
    r = plans.get_review(actor, tenant_id, plan_id)
    return None if r is None else ReviewOut.model_validate(asdict(r))


@router.post(T + "/plans/{plan_id}/mid-year-review", response_model=ReviewOut, status_code=201)
def start_review(plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> ReviewOut:
    """Compare the first semester's targets with what was counted; one gap per shortfall."""
    actor, tenant_id = scope
    return ReviewOut.model_validate(asdict(plans.do_start_mid_year_review(actor, tenant_id, plan_id)))


@router.put(T + "/gap-items/{item_id}", response_model=GapOut)
def update_gap(body: GapIn, item_id: int = Path(ge=1, le=MAX_ID), scope: tuple[Actor, int] = Scope) -> GapOut:
    """Assign the gap (the manager) and/or write its explanation and new actions (the assignee)."""
    actor, tenant_id = scope
    if body.explanation is not None and not body.explanation.strip():
        raise Invalid("the explanation is empty", code="explanation_required")
    out = None
    if body.assignee_membership_id is not None:
        out = plans.do_assign_gap(actor, tenant_id, item_id, body.assignee_membership_id)
    if body.explanation is not None or out is None:
        out = plans.do_explain_gap(actor, tenant_id, item_id, explanation=body.explanation or "",
                                   new_action=body.new_action)
    return GapOut.model_validate(asdict(out))


@router.post(T + "/mid-year-reviews/{review_id}/updated-version", response_model=PlanOut, status_code=201)
def updated_version(body: UpdatedVersionIn, review_id: int = Path(ge=1, le=MAX_ID),
                    scope: tuple[Actor, int] = Scope) -> PlanOut:
    """The plan's next version for semester 2 ("Mise à jour S2"); closes the review."""
    actor, tenant_id = scope
    return _plan(plans.do_make_updated_version(actor, tenant_id, review_id, body.content))


# ---------------------------------------------------------------- the workflow (P01.2-6, P02.7-8)

@router.post(T + "/plans/{plan_id}/review", response_model=PlanOut)
def open_review(plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> PlanOut:
    """The draft goes to the counselors and the business developer for their remarks."""
    actor, tenant_id = scope
    return _plan(plans.do_open_review(actor, tenant_id, plan_id))


@router.post(T + "/plans/{plan_id}/finalise", response_model=PlanOut)
def finalise(body: ActionIn | None = None, plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> PlanOut:
    """The internal meeting finalised the plan (optionally: which meeting)."""
    actor, tenant_id = scope
    return _plan(plans.do_finalise(actor, tenant_id, plan_id, meeting_id=(body or ActionIn()).meeting_id))


@router.post(T + "/plans/{plan_id}/submit", response_model=PlanOut)
def submit(plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> PlanOut:
    """To the host institution, whose approvers are e-mailed."""
    actor, tenant_id = scope
    return _plan(plans.do_submit_to_host(actor, tenant_id, plan_id))


@router.post(T + "/plans/{plan_id}/validate", response_model=PlanOut)
def validate(body: ActionIn | None = None, plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> PlanOut:
    """The host institution validates the submitted version; it is frozen from then on."""
    actor, tenant_id = scope
    return _plan(plans.do_host_validate(actor, tenant_id, plan_id, comment=(body or ActionIn()).comment))


@router.post(T + "/plans/{plan_id}/return", response_model=PlanOut)
def send_back(body: ActionIn, plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> PlanOut:
    """The host institution sends the plan back to review; the comment says what to change."""
    actor, tenant_id = scope
    return _plan(plans.do_host_return(actor, tenant_id, plan_id, comment=body.comment))


class SharedOut(BaseModel):
    plan: PlanOut
    recipients: int = Field(description="e-mails queued, each with the plan's PDF")


@router.post(T + "/plans/{plan_id}/share", response_model=SharedOut)
def share(plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> SharedOut:
    """The validated plan to every member of the team (staff, ambassadors, interns)."""
    actor, tenant_id = scope
    n = plans.do_share_with_team(actor, tenant_id, plan_id)
    return SharedOut(plan=_plan(plans.get_plan(actor, tenant_id, plan_id)), recipients=n)
