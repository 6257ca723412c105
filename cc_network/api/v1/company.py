"""The company portal over REST: a company contact, with their bearer token, submits job needs
for their company, follows them, cancels one, and lists the sendings of profiles of a need
(each sending is read at /company/shares/<id>). Another company's need answers not found."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel

from cc_network.api.deps import actor_in_tenant
from cc_network.api.v1.needs import NeedOut, ReasonIn, need_out
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from tenants.sourcing.needs import services as needs
from tenants.sourcing.needs.services import NeedInput

router = APIRouter(tags=["company portal"], responses=ERROR_RESPONSES)
C = "/tenants/{tenant}/company"
Scope = Depends(actor_in_tenant)
NeedId = Path(ge=1, le=MAX_ID)


class NeedShareOut(BaseModel):
    id: int
    need_id: int
    sent_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    profiles: int


@router.post(C + "/needs", response_model=NeedOut, status_code=201)
def submit_need(body: NeedInput, scope: tuple[Actor, int] = Scope) -> NeedOut:
    """Submit a job need (besoin en recrutement) for the caller's company."""
    actor, tenant_id = scope
    return need_out(needs.do_submit_need(actor, tenant_id, body, source="api"))


@router.get(C + "/needs", response_model=list[NeedOut])
def my_needs(scope: tuple[Actor, int] = Scope) -> list[NeedOut]:
    """The needs of the caller's company, the latest first."""
    actor, tenant_id = scope
    return [need_out(v) for v in needs.list_my_needs(actor, tenant_id)]


@router.get(C + "/needs/{need_id}", response_model=NeedOut)
def my_need(need_id: int = NeedId, scope: tuple[Actor, int] = Scope) -> NeedOut:
    actor, tenant_id = scope
    return need_out(needs.get_my_need(actor, tenant_id, need_id))


@router.post(C + "/needs/{need_id}/cancel", response_model=NeedOut)
def cancel_my_need(body: ReasonIn, need_id: int = NeedId, scope: tuple[Actor, int] = Scope) -> NeedOut:
    """Withdraw a need that is not closed or cancelled yet."""
    actor, tenant_id = scope
    return need_out(needs.do_cancel_my_need(actor, tenant_id, need_id, reason=body.reason))


@router.get(C + "/needs/{need_id}/shares", response_model=list[NeedShareOut])
def my_need_shares(need_id: int = NeedId, scope: tuple[Actor, int] = Scope) -> list[NeedShareOut]:
    """The sendings of profiles for this need."""
    actor, tenant_id = scope
    return [NeedShareOut(**vars(x)) for x in needs.list_need_shares_for_company(actor, tenant_id, need_id)]
