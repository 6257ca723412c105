"""Who is signed in: the session cookie of the websocket handshake, resolved on every event.

The cookie `cc_session` is HttpOnly: only the backend route /auth/session sets it, and
states read it server-side from the handshake headers. Nothing secret reaches a public
var. The actor is resolved again for every event, so a deactivated member or a revoked
session loses access at once.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

import reflex as rx

from integrations.errors import ServiceError
from integrations.i18n import catalog
from tenants.auth.services import session_actor
from tenants.core.actor import Actor
from tenants.core.roles import Role
from tenants.core.services import tenants_visible_to

SESSION_COOKIE = "cc_session"

STAFF_AREA_ROLES = frozenset({Role.MANAGER, Role.CAREER_COUNSELOR, Role.BUSINESS_DEVELOPER,
                              Role.AMBASSADOR, Role.INTERN})
HOST_ROLES = frozenset({Role.HOST_APPROVER, Role.HOST_FOCAL_POINT})
AREAS = ("staff", "portal", "company", "host", "evaluator", "admin")


def areas_of(actor: Actor) -> list[str]:
    """The role areas a person may open, the first one being their home."""
    out: list[str] = []
    if actor.is_network_admin:
        out.append("admin")
    if actor.network_role == Role.EXTERNAL_EVALUATOR.value:
        out.append("evaluator")
    roles = set(actor.roles)
    if roles & STAFF_AREA_ROLES:
        out.append("staff")
    if roles & HOST_ROLES:
        out.append("host")
    if Role.COMPANY_CONTACT.value in roles:
        out.append("company")
    if Role.STUDENT.value in roles:
        out.append("portal")
    if actor.is_network_admin and actor.tenant_id is not None and "staff" not in out:
        out.append("staff")  # network admins act in any centre
    return out


def home_path(actor: Actor) -> str:
    areas = areas_of(actor)
    return f"/{areas[0]}" if areas else "/portal"


def session_token(cookie_header: str) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None and morsel.value else None


def error_key(exc: ServiceError) -> str:
    key = f"error.{exc.code}"
    return key if key in catalog("fr") else "error.invalid"


class AppState(rx.State):
    """The signed-in person, shared by every page (pages' states inherit from it)."""

    signed_in: bool = False
    full_name: str = ""
    email: str = ""
    tenant_name: str = ""
    tenant_slug: str = ""
    roles: list[str] = []
    areas: list[str] = []
    # centres for the switcher: [{"slug", "name"}]
    tenants: list[dict[str, str]] = []
    # translation keys, so a message follows a change of language
    error: str = ""
    notice: str = ""

    def _token(self) -> str | None:
        return session_token(self.router.headers.cookie)

    def _actor(self) -> Actor | None:
        return session_actor(self._token())

    def _fail(self, exc: ServiceError) -> None:
        self.notice = ""
        self.error = error_key(exc)

    def _load(self, actor: Actor) -> None:
        """A page's data for this person; pages that list things define it."""

    def _refresh(self, actor: Actor | None = None):
        """Reload the page's data after an action; a refused load shows its message."""
        actor = actor or self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None

    def _ok(self, notice_key: str) -> None:
        self.error = ""
        self.notice = notice_key

    def _show_identity(self, actor: Actor) -> None:
        visible = tenants_visible_to(actor.account_id)
        current = next((v for v in visible if v.id == actor.tenant_id), None)
        self.signed_in = True
        self.full_name = actor.full_name or actor.email
        self.email = actor.email
        self.tenant_name = current.name if current else ""
        self.tenant_slug = current.slug if current else ""
        self.roles = sorted(actor.roles) + ([actor.network_role] if actor.network_role else [])
        self.areas = areas_of(actor)
        self.tenants = [{"slug": v.slug, "name": v.name} for v in visible]

    def _enter(self, area: str | None) -> tuple[Actor | None, list]:
        """The start of every signed-in page: the actor, or the redirect to follow instead."""
        self.error = ""
        self.notice = ""
        actor = self._actor()
        if actor is None:
            self.signed_in = False
            return None, [rx.redirect("/login")]
        self._show_identity(actor)
        if area is not None and area not in self.areas:
            return None, [rx.redirect(home_path(actor))]
        return actor, []

    @rx.event
    def go_home(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        return rx.redirect(home_path(actor))

    @rx.event
    def switch_tenant(self, slug: str):
        from tenants.auth.services import do_switch_tenant

        if not isinstance(slug, str) or not slug:
            return None
        token = self._token()
        if token is None:
            return rx.redirect("/login")
        try:
            actor = do_switch_tenant(token, slug)
        except ServiceError as exc:
            self._fail(exc)
            return None
        return rx.redirect(home_path(actor))
