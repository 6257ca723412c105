"""Job needs over REST, the staff side (P22): list and read the centre's needs, enter one
received by e-mail, take it, write and send its job sheet (fiche de poste), ask for its
publication, cancel or close it. Host institution roles read the sheets sent to them.
The company's own routes are in company.py. Every route calls a service."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID, Page
from tenants.core.actor import Actor
from tenants.sourcing.needs import services as needs
from tenants.sourcing.needs.models import NeedStatus
from tenants.sourcing.needs.services import NeedInput, NeedView

router = APIRouter(tags=["job needs"], responses=ERROR_RESPONSES)
T = "/tenants/{tenant}"
Scope = Depends(actor_in_tenant)
NeedId = Path(ge=1, le=MAX_ID)


# ---------------------------------------------------------------- schemas

class LanguageOut(BaseModel):
    language: str
    level: str


class MilestoneOut(BaseModel):
    key: str = Field(description="received, sheet_ready, sheet_sent, shortlisted, sent, then closed or cancelled")
    at: datetime | None = Field(description="null: not reached yet")


class NeedOut(BaseModel):
    """A job need as its company sees it."""

    id: int
    company_id: int
    company_name: str
    source: str = Field(description="portal, email, staff or api")
    title: str
    description: str
    kind: str = Field(description="job or internship")
    place: str
    positions: int
    recruitment_day: bool = Field(description="enough positions for the centre to propose a recruitment day (P19)")
    field_ids: list[int]
    field_names: list[str]
    level: str
    skills: list[str]
    languages: list[LanguageOut]
    start_date: date | None
    deadline: date
    status: str = Field(description=", ".join(s.value for s in NeedStatus))
    owner_name: str = Field(description="the business developer in charge; empty until someone takes it")
    received_at: datetime
    closed_at: datetime | None
    cancel_reason: str
    timeline: list[MilestoneOut]


class StaffNeedOut(NeedOut):
    """What the centre sees besides: who owns it, the job sheet and the hand-offs."""

    owner_membership_id: int | None
    sheet: str
    sheet_sent_at: datetime | None
    publication_requested_at: datetime | None
    updated_at: datetime


def _base(v: NeedView) -> dict:
    data = asdict(v)
    data["recruitment_day"] = v.recruitment_day
    data["timeline"] = [asdict(m) for m in needs.timeline(v)]
    return data


def need_out(v: NeedView) -> NeedOut:
    return NeedOut.model_validate({k: val for k, val in _base(v).items() if k in NeedOut.model_fields})


def staff_need_out(v: NeedView) -> StaffNeedOut:
    return StaffNeedOut.model_validate({k: val for k, val in _base(v).items() if k in StaffNeedOut.model_fields})


class NeedEntryIn(NeedInput):
    """A need received by e-mail (or met in person) that staff enter for a company of BD01."""

    company_id: int = Field(ge=1, le=MAX_ID)
    source: Literal["email", "staff"] = "email"


class SheetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sheet: str = Field(max_length=8000, description="the job sheet (fiche de poste), plain text")


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=1000)


# ---------------------------------------------------------------- routes

@router.get(T + "/needs", response_model=Page[StaffNeedOut])
def list_needs(
    status: NeedStatus | None = Query(None),
    company_id: int | None = Query(None, ge=1, le=MAX_ID),
    page: int = Query(1, ge=1, le=100000),
    per_page: int = Query(20, ge=1, le=needs.MAX_PER_PAGE),
    scope: tuple[Actor, int] = Scope,
) -> Page[StaffNeedOut]:
    """The centre's needs, the latest first. Host institution roles see those whose job sheet
    was sent to them."""
    actor, tenant_id = scope
    res = needs.list_needs(actor, tenant_id, status.value if status else None, company_id, page=page,
                           per_page=per_page)
    more = res.page * res.per_page < res.total
    return Page[StaffNeedOut](items=[staff_need_out(v) for v in res.items], page=res.page, per_page=res.per_page,
                              total=res.total, next_page=res.page + 1 if more else None)


@router.post(T + "/needs", response_model=StaffNeedOut, status_code=201)
def enter_need(body: NeedEntryIn, scope: tuple[Actor, int] = Scope) -> StaffNeedOut:
    actor, tenant_id = scope
    data = body.model_dump(exclude={"company_id", "source"})
    return staff_need_out(needs.do_enter_need(actor, tenant_id, body.company_id, data, source=body.source))


@router.get(T + "/needs/{need_id}", response_model=StaffNeedOut)
def get_need(need_id: int = NeedId, scope: tuple[Actor, int] = Scope) -> StaffNeedOut:
    actor, tenant_id = scope
    return staff_need_out(needs.get_need(actor, tenant_id, need_id))


@router.post(T + "/needs/{need_id}/take", response_model=StaffNeedOut)
def take_need(need_id: int = NeedId, scope: tuple[Actor, int] = Scope) -> StaffNeedOut:
    """The caller becomes the business developer in charge."""
    actor, tenant_id = scope
    return staff_need_out(needs.do_take_need(actor, tenant_id, need_id))


@router.put(T + "/needs/{need_id}/sheet", response_model=StaffNeedOut)
def write_sheet(body: SheetIn, need_id: int = NeedId, scope: tuple[Actor, int] = Scope) -> StaffNeedOut:
    """Write the job sheet; the need is then `sheet_ready`."""
    actor, tenant_id = scope
    return staff_need_out(needs.do_write_sheet(actor, tenant_id, need_id, sheet=body.sheet))


@router.post(T + "/needs/{need_id}/send-sheet", response_model=StaffNeedOut)
def send_sheet(need_id: int = NeedId, scope: tuple[Actor, int] = Scope) -> StaffNeedOut:
    """E-mail the job sheet to the host institution and the counselors; the need moves to `sourcing`."""
    actor, tenant_id = scope
    return staff_need_out(needs.do_send_sheet(actor, tenant_id, need_id))


@router.post(T + "/needs/{need_id}/request-publication", response_model=StaffNeedOut)
def request_publication(need_id: int = NeedId, scope: tuple[Actor, int] = Scope) -> StaffNeedOut:
    """Ask the communication counselor to publish the job sheet (an e-mail until the
    communications module takes this over)."""
    actor, tenant_id = scope
    return staff_need_out(needs.do_request_publication(actor, tenant_id, need_id))


@router.post(T + "/needs/{need_id}/cancel", response_model=StaffNeedOut)
def cancel_need(body: ReasonIn, need_id: int = NeedId, scope: tuple[Actor, int] = Scope) -> StaffNeedOut:
    actor, tenant_id = scope
    return staff_need_out(needs.do_cancel_need(actor, tenant_id, need_id, reason=body.reason))


@router.post(T + "/needs/{need_id}/close", response_model=StaffNeedOut)
def close_need(need_id: int = NeedId, scope: tuple[Actor, int] = Scope) -> StaffNeedOut:
    actor, tenant_id = scope
    return staff_need_out(needs.do_close_need(actor, tenant_id, need_id))
