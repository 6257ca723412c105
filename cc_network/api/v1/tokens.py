"""The caller's own API tokens in a centre. The secret is returned once, at creation."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Response

from cc_network.api.deps import actor_in_tenant
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID, TokenCreate, TokenCreated, TokenOut
from tenants.auth.services import do_create_api_token, do_revoke_api_token, list_api_tokens
from tenants.core.actor import Actor

router = APIRouter(prefix="/tenants/{tenant}/tokens", tags=["tokens"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[TokenOut])
def list_tokens(scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> list[TokenOut]:
    actor, _ = scope
    return [TokenOut(id=t.id, name=t.name, prefix=t.prefix, created_at=t.created_at,
                     last_used_at=t.last_used_at) for t in list_api_tokens(actor)]


@router.post("", response_model=TokenCreated, status_code=201)
def create_token(body: TokenCreate, scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> TokenCreated:
    actor, _ = scope
    issued = do_create_api_token(actor, name=body.name)
    return TokenCreated(id=issued.id, name=issued.name, secret=issued.secret)


@router.delete("/{token_id}", status_code=204, response_class=Response)
def revoke_token(token_id: int = Path(ge=1, le=MAX_ID),
                 scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> Response:
    actor, _ = scope
    do_revoke_api_token(actor, token_id)
    return Response(status_code=204)
