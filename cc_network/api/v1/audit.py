"""A centre's audit trail, newest first, paged by cursor."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from cc_network.api.deps import actor_in_tenant
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID, AuditOut, AuditPage
from integrations.db import tenant_session
from tenants.core.actor import Actor
from tenants.core.services import list_audit

router = APIRouter(tags=["audit"], responses=ERROR_RESPONSES)

MAX_LIMIT = 200  # list_audit's own cap


@router.get("/tenants/{tenant}/audit", response_model=AuditPage)
def audit_trail(
    scope: tuple[Actor, int] = Depends(actor_in_tenant),
    before_id: int | None = Query(None, ge=1, le=MAX_ID, description="next_cursor of the previous page"),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
) -> AuditPage:
    actor, tenant_id = scope
    with tenant_session(tenant_id) as s:
        rows = list_audit(s, actor, limit=limit, before_id=before_id)
    items = [AuditOut(id=e.id, at=e.at, actor_account_id=e.actor_account_id, action=e.action,
                      target_type=e.target_type, target_id=e.target_id, details=e.details) for e in rows]
    # a full page may have older events behind it; an empty next page ends the walk
    return AuditPage(items=items, next_cursor=items[-1].id if len(items) == limit else None)
