"""Browser auth routes: trade a sign-in ticket for the HttpOnly cookie; sign out."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from cc_network.api.deps import SESSION_COOKIE
from integrations.errors import Unauthenticated
from integrations.settings import get_settings
from tenants.auth.services import do_sign_out, redeem_sign_in_ticket

router = APIRouter(prefix="/auth", tags=["auth"], include_in_schema=False)


def frontend(path: str) -> str:
    return get_settings().base_url.rstrip("/") + path


@router.get("/session")
def open_session(ticket: str, request: Request) -> RedirectResponse:
    try:
        new = redeem_sign_in_ticket(ticket, user_agent=request.headers.get("user-agent", ""))
    except Unauthenticated as exc:
        return RedirectResponse(frontend(f"/login?error={quote(exc.code)}"), status_code=303)
    resp = RedirectResponse(frontend(new.next_path), status_code=303)
    resp.set_cookie(SESSION_COOKIE, new.token, max_age=new.max_age, httponly=True, samesite="lax",
                    secure=get_settings().cookie_secure, path="/")
    return resp


@router.get("/logout")
def sign_out(request: Request) -> RedirectResponse:
    do_sign_out(request.cookies.get(SESSION_COOKIE))
    resp = RedirectResponse(frontend("/login"), status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp
