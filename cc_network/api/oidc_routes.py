"""Browser routes of OIDC sign-in: go to the centre's provider, come back with a code.

The rules live in tenants.auth.oidc. Here: the redirects, and a short-lived cookie
holding the state, so a callback only completes in the browser that started the
sign-in (login CSRF: nobody can make a victim finish a sign-in started by someone else).
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from cc_network.api.auth_routes import frontend
from integrations.errors import NotFound, ServiceError
from integrations.settings import get_settings
from tenants.auth.oidc import LOGIN_MINUTES, begin_sign_in, complete_sign_in
from tenants.auth.services import issue_sign_in_ticket

router = APIRouter(prefix="/auth/oidc", tags=["auth"], include_in_schema=False)

STATE_COOKIE = "cc_oidc_state"


COOKIE_PATH = "/auth/oidc"


def _to_login(code: str) -> RedirectResponse:
    return RedirectResponse(frontend(f"/login?error={quote(code)}"), status_code=303)


@router.get("/{tenant}/{provider}/start")
def start(tenant: str, provider: str, next: str = "/") -> RedirectResponse:
    try:
        url = begin_sign_in(tenant, provider, next_path=next)
    except NotFound:
        raise  # a wrong link: the JSON 404 of the API
    except ServiceError as exc:
        return _to_login(exc.code)
    state = parse_qs(urlsplit(url).query).get("state", [""])[0]
    resp = RedirectResponse(url, status_code=302)
    # SameSite=Lax: sent on the provider's top-level redirect back to the callback
    resp.set_cookie(STATE_COOKIE, state, max_age=LOGIN_MINUTES * 60, httponly=True, samesite="lax",
                    secure=get_settings().cookie_secure, path=COOKIE_PATH)
    return resp


@router.get("/{tenant}/{provider}/callback")
def callback(request: Request, tenant: str, provider: str, state: str = "", code: str = "",
             error: str = "") -> RedirectResponse:
    expected = request.cookies.get(STATE_COOKIE, "")
    try:
        if error:
            # the person declined, or the provider refused the request
            raise ServiceError(f"provider answered {error}", code="oidc_failed")
        if not state or not expected or not hmac.compare_digest(state, expected):
            raise ServiceError("sign-in state does not belong to this browser", code="oidc_failed")
        account_id, tenant_id, next_path = complete_sign_in(tenant, provider, state=state, code=code)
        ticket = issue_sign_in_ticket(account_id, tenant_id=tenant_id, next_path=next_path)
    except ServiceError as exc:
        resp = _to_login(exc.code)
    else:
        # same backend: /auth/session trades the ticket for the session cookie
        resp = RedirectResponse(f"/auth/session?ticket={quote(ticket)}", status_code=303)
    resp.delete_cookie(STATE_COOKIE, path=COOKIE_PATH)
    return resp
