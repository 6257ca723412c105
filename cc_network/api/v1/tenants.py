"""Centres visible to the caller, and one centre."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from cc_network.api.deps import actor_in_tenant, bearer, current_actor
from cc_network.api.v1.schemas import ERROR_RESPONSES, TenantOut
from tenants.core.actor import Actor
from tenants.core.services import get_tenant_view, tenants_visible_to

router = APIRouter(tags=["tenants"], responses=ERROR_RESPONSES)


@router.get("/tenants", response_model=list[TenantOut])
def list_tenants(request: Request, actor: Actor = Depends(current_actor)) -> list[TenantOut]:
    views = tenants_visible_to(actor.account_id)
    if bearer(request) is not None:
        # a token is scoped to one membership: it sees that centre only
        views = [v for v in views if v.id == actor.tenant_id]
    return [TenantOut(id=v.id, slug=v.slug, name=v.name, kind=v.kind, roles=list(v.roles)) for v in views]


@router.get("/tenants/{tenant}", response_model=TenantOut)
def get_tenant(scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> TenantOut:
    actor, tenant_id = scope
    v = get_tenant_view(actor, tenant_id)
    return TenantOut(id=v.id, slug=v.slug, name=v.name, kind=v.kind, roles=list(v.roles))
