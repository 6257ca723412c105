"""Health and identity."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import text

from cc_network.api.deps import current_actor
from integrations.db import system_session
from tenants.core.actor import Actor

router = APIRouter(tags=["core"])


@router.get("/health")
def health() -> dict:
    with system_session("health check") as s:
        s.execute(text("SELECT 1"))
    return {"status": "ok"}


@router.get("/me")
def me(actor: Actor = Depends(current_actor)) -> dict:
    return {
        "account_id": actor.account_id,
        "email": actor.email,
        "full_name": actor.full_name,
        "tenant_id": actor.tenant_id,
        "roles": sorted(actor.roles),
        "network_role": actor.network_role,
        "permissions": sorted(p.value for p in actor.permissions),
    }
