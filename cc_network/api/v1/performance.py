"""The team's annual evaluation (P27, M14) over REST. Every route calls
workflows/assessment/performance; who may see a review (its member and the centre's manager)
and what may happen in which state is decided there."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.errors import detailed_errors
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from workflows.assessment import performance as perf

# a refusal names what to fix: when proposals open, the form's missing parts, the fields
router = APIRouter(tags=["team evaluation"], responses=ERROR_RESPONSES,
                   route_class=detailed_errors("opens_on", "last_day", "missing", "fields"))
T = "/tenants/{tenant}"
P = T + "/performance-reviews"
Scope = Depends(actor_in_tenant)
ReviewId = Path(ge=1, le=MAX_ID)


class SlotOut(BaseModel):
    at: datetime
    available: bool | None = Field(description="the member's answer; null until given")


class ReviewSummaryOut(BaseModel):
    id: int
    academic_year_id: int
    year_label: str
    membership_id: int
    member_name: str
    status: str = Field(description="proposed, confirmed, scheduled, form_sent, filled, finalised or commented")
    interview_at: datetime | None
    form_sent_at: datetime | None
    finalised_at: datetime | None
    updated_at: datetime


class ReviewOut(ReviewSummaryOut):
    member_roles: list[str]
    manager_membership_id: int
    manager_name: str
    slots: list[SlotOut]
    fixed_in_meeting_id: int | None
    form: dict[str, Any] = Field(description="M14: objectives, competencies, strengths, improvements, "
                                             "training_needs, next_objectives, manager_comment, overall")
    filled_at: datetime | None
    member_comment: str
    commented_at: datetime | None
    created_at: datetime | None
    is_manager: bool
    is_member: bool
    actions: list[str] = Field(description="what the caller may do now")


class ProposeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    membership_id: int = Field(ge=1, le=MAX_ID, description="a career counselor or the business developer")
    slots: list[Any] = Field(description="1 to 5 dates with a time zone offset")
    academic_year_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="default: the current year")


class AvailabilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    availability: list[Any] = Field(description='[{"at": <a proposed date>, "available": true|false}], each once')


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: Any = Field(description="the final date, with a time zone offset")
    meeting_id: int | None = Field(default=None, ge=1, le=MAX_ID,
                                   description="the weekly coordination meeting's record where it was fixed")


class FormIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    form: dict[str, Any]


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: Any = Field(description="the member's opinion (at most 4000 characters)")


def _out(r: perf.ReviewDetail) -> ReviewOut:
    return ReviewOut.model_validate(asdict(r))


@router.get(P, response_model=list[ReviewSummaryOut])
def list_reviews(academic_year_id: int | None = Query(None, ge=1, le=MAX_ID),
                 scope: tuple[Actor, int] = Scope) -> list[ReviewSummaryOut]:
    """The manager: every review of the centre; a team member: their own."""
    actor, tenant_id = scope
    return [ReviewSummaryOut.model_validate(asdict(x))
            for x in perf.list_reviews(actor, tenant_id, academic_year_id=academic_year_id)]


@router.post(P, response_model=ReviewOut, status_code=201)
def propose(body: ProposeIn, scope: tuple[Actor, int] = Scope) -> ReviewOut:
    """P27.1: propose dates to a member (from one month before the year's end); proposing
    again before the date is fixed replaces them."""
    actor, tenant_id = scope
    return _out(perf.do_propose(actor, tenant_id, body.membership_id, body.slots,
                                academic_year_id=body.academic_year_id))


@router.get(P + "/{review_id}", response_model=ReviewOut)
def get_review(review_id: int = ReviewId, scope: tuple[Actor, int] = Scope) -> ReviewOut:
    actor, tenant_id = scope
    return _out(perf.get_review(actor, tenant_id, review_id))


@router.put(P + "/{review_id}/availability", response_model=ReviewOut)
def availability(body: AvailabilityIn, review_id: int = ReviewId, scope: tuple[Actor, int] = Scope) -> ReviewOut:
    """P27.2: the member answers for each proposed date."""
    actor, tenant_id = scope
    return _out(perf.do_give_availability(actor, tenant_id, review_id, body.availability))


@router.post(P + "/{review_id}/schedule", response_model=ReviewOut)
def schedule(body: ScheduleIn, review_id: int = ReviewId, scope: tuple[Actor, int] = Scope) -> ReviewOut:
    """P27.3: the final date; the interview goes into both people's calendar."""
    actor, tenant_id = scope
    return _out(perf.do_schedule(actor, tenant_id, review_id, body.at, meeting_id=body.meeting_id))


@router.post(P + "/{review_id}/send-form", response_model=ReviewOut)
def send_form(review_id: int = ReviewId, scope: tuple[Actor, int] = Scope) -> ReviewOut:
    """P27.5 by hand (the beat job sends it three days before otherwise)."""
    actor, tenant_id = scope
    return _out(perf.do_send_form(actor, tenant_id, review_id))


@router.put(P + "/{review_id}/form", response_model=ReviewOut)
def fill_form(body: FormIn, review_id: int = ReviewId, scope: tuple[Actor, int] = Scope) -> ReviewOut:
    """P27.6: the form as filled in during the interview."""
    actor, tenant_id = scope
    return _out(perf.do_fill_form(actor, tenant_id, review_id, body.form))


@router.post(P + "/{review_id}/finalise", response_model=ReviewOut)
def finalise(review_id: int = ReviewId, scope: tuple[Actor, int] = Scope) -> ReviewOut:
    """P27.7: locked from now on, and sent to the member for their opinion."""
    actor, tenant_id = scope
    return _out(perf.do_finalise(actor, tenant_id, review_id))


@router.post(P + "/{review_id}/comment", response_model=ReviewOut)
def comment(body: CommentIn, review_id: int = ReviewId, scope: tuple[Actor, int] = Scope) -> ReviewOut:
    """P27.7: the member's opinion, once."""
    actor, tenant_id = scope
    return _out(perf.do_comment(actor, tenant_id, review_id, body.comment))


@router.get(P + "/{review_id}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def pdf(review_id: int = ReviewId, lang: str = Query("fr", pattern="^(fr|en|ar)$"),
        scope: tuple[Actor, int] = Scope) -> Response:
    """M14 as PDF."""
    actor, tenant_id = scope
    body = perf.review_pdf(actor, tenant_id, review_id, lang=lang)
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="m14-{review_id}.pdf"',
                             "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})
