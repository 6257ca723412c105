"""Who is calling: a bearer token (REST clients) or the session cookie (the browser)."""

from __future__ import annotations

from fastapi import Request

from integrations.errors import NotFound, Unauthenticated
from tenants.auth.services import actor_for, session_actor, token_actor, token_identity
from tenants.core.actor import Actor
from tenants.core.queries import get_tenant_by_slug
from tenants.core.services import SLUG_RE

SESSION_COOKIE = "cc_session"


def bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def current_actor(request: Request) -> Actor:
    """REST callers: a bearer token scoped to one membership, or the browser's session."""
    secret = bearer(request)
    actor = token_actor(secret) if secret else session_actor(request.cookies.get(SESSION_COOKIE))
    if actor is None:
        raise Unauthenticated("a valid bearer token or session is required")
    return actor


def actor_in_tenant(request: Request, tenant: str) -> tuple[Actor, int]:
    """The caller acting in the tenant named in the path; another tenant answers 404.

    A token is scoped to its membership's tenant. A browser session may act in any
    centre the person belongs to.
    """
    from integrations.db import system_session

    secret = bearer(request)
    if secret:
        # a token names its centre: compare slugs, no second lookup
        found = token_identity(secret)
        if found is None:
            raise Unauthenticated("a valid bearer token or session is required")
        actor, slug = found
        if slug != tenant.strip().lower() or actor.tenant_id is None:
            raise NotFound("unknown centre", code="not_found")
        return actor, actor.tenant_id
    actor = current_actor(request)
    if not SLUG_RE.match(tenant.strip().lower()):  # not even a slug: unknown, and kept away from the database
        raise NotFound("unknown centre", code="not_found")
    with system_session("resolve tenant from path") as s:
        try:
            tenant_id = get_tenant_by_slug(s, tenant).id
        except NotFound:
            raise NotFound("unknown centre", code="not_found") from None
    if actor.tenant_id == tenant_id:
        return actor, tenant_id
    if bearer(request) is None:
        other = actor_for(actor.account_id, tenant_id)
        if other is not None and other.tenant_id == tenant_id:
            return other, tenant_id
    raise NotFound("unknown centre", code="not_found")
