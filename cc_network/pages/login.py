"""/login: sign-in for everyone. The form hands over to the backend route that sets the cookie."""

from __future__ import annotations

import json
import re

import reflex as rx

from cc_network.pages.forms import form_str
from cc_network.ui.components import field, messages, submit
from cc_network.ui.i18n import tr
from cc_network.ui.layout import public_page
from cc_network.ui.session import AppState, home_path
from integrations.errors import ServiceError
from integrations.i18n import catalog
from integrations.settings import get_settings
from tenants.auth.oidc import sign_in_providers
from tenants.auth.services import authenticate, default_tenant_for, issue_sign_in_ticket

_CODE = re.compile(r"^[a-z_]{1,40}$")


def sign_in_providers_for(slug: str) -> list[dict[str, str]]:
    """The 'Sign in with …' links of a centre's identity providers."""
    api = get_settings().api_url.rstrip("/")
    try:
        return [{"name": name, "href": f"{api}/auth/oidc/{slug}/{pslug}/start"}
                for pslug, name in sign_in_providers(slug)]
    except ServiceError:
        return []


def redirect_with_ticket(account_id: int, tenant_slug: str | None, next_path: str | None = None):
    tenant_id = default_tenant_for(account_id, tenant_slug)
    from tenants.auth.services import actor_for

    actor = actor_for(account_id, tenant_id)
    path = next_path or (home_path(actor) if actor else "/")
    ticket = issue_sign_in_ticket(account_id, tenant_id=tenant_id, next_path=path)
    return full_page_load(f"{get_settings().api_url.rstrip('/')}/auth/session?ticket={ticket}")


def full_page_load(url: str):
    """Leave the single-page app for a backend route on the same origin (rx.redirect would
    route it inside the app); the new page load also opens a websocket with the new cookie."""
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


class LoginState(AppState):
    providers: list[dict[str, str]] = []

    @rx.event
    def on_load(self):
        self.notice = ""
        params = self.router.url.query_parameters
        code = params.get("error", "")
        self.error = f"error.{code}" if _CODE.match(code) and f"error.{code}" in catalog("fr") else ""
        slug = params.get("tenant", "")
        self.providers = sign_in_providers_for(slug) if re.match(r"^[a-z0-9-]{1,63}$", slug) else []

    @rx.event
    def sign_in(self, form: dict):
        try:
            email = form_str(form, "email", max_len=254)
            password = form_str(form, "password", max_len=256)
            account = authenticate(email, password, client_ip=self.router.session.client_ip or "")
        except ServiceError as exc:
            self._fail(exc)
            return None
        slug = self.router.url.query_parameters.get("tenant") or None
        return redirect_with_ticket(account.id, slug)


def provider_links(providers) -> rx.Component:
    return rx.foreach(
        providers,
        # links styled as buttons, loading the backend's OIDC route as a document
        lambda p: rx.link(tr("ui.login.with"), " ", p["name"], href=p["href"], reload_document=True, style={
            "display": "block", "width": "100%", "textAlign": "center", "padding": "0.5em",
            "border": f"1px solid {rx.color('accent', 8)}", "borderRadius": "var(--radius-2)",
            "color": rx.color("accent", 11), "textDecoration": "none", "fontSize": "var(--font-size-2)",
        }),
    )


def login_page() -> rx.Component:
    return public_page(
        "ui.login.title",
        messages(),
        rx.form(
            rx.vstack(
                field("ui.field.email", "email", type="email", autocomplete="username"),
                field("ui.field.password", "password", type="password", autocomplete="current-password"),
                submit("ui.login.submit", width="100%"),
                spacing="3", width="100%",
            ),
            on_submit=LoginState.sign_in, reset_on_submit=False, width="100%",
        ),
        provider_links(LoginState.providers),
        rx.link(tr("ui.login.forgot"), href="/forgot", size="2"),
    )


def register(app: rx.App) -> None:
    app.add_page(login_page, route="/login", on_load=LoginState.on_load, title="CC Network")
