"""/portal/[slug]/signup: a student joins a centre's portal and is signed in at once."""

from __future__ import annotations

import re

import reflex as rx

from cc_network.pages.forms import form_str
from cc_network.pages.login import provider_links, redirect_with_ticket, sign_in_providers_for
from cc_network.ui.components import field, messages, submit
from cc_network.ui.i18n import tr
from cc_network.ui.layout import public_page
from cc_network.ui.session import AppState
from integrations.db import system_session
from integrations.errors import Invalid, NotFound, ServiceError
from tenants.auth.services import do_sign_up_student
from tenants.core.queries import get_tenant_by_slug

_SLUG = re.compile(r"^[a-z0-9-]{1,63}$")


class SignupState(AppState):
    centre: str = ""
    providers: list[dict[str, str]] = []

    def _slug(self) -> str:
        # /portal/<slug>/signup
        parts = [p for p in str(self.router.url.path or "").split("/") if p]
        slug = parts[1] if len(parts) == 3 and parts[0] == "portal" else ""
        return slug if _SLUG.match(slug) else ""

    @rx.event
    def on_load(self):
        self.error = self.notice = ""
        slug = self._slug()
        try:
            with system_session("portal sign-up page: centre name") as s:
                self.centre = get_tenant_by_slug(s, slug).name
        except NotFound as exc:
            self.centre = ""
            self._fail(exc)
            return
        self.providers = sign_in_providers_for(slug)

    @rx.event
    def sign_up(self, form: dict):
        slug = self._slug()
        try:
            password = form_str(form, "password", max_len=256)
            if password != form_str(form, "password_confirm", max_len=256):
                raise Invalid("passwords differ", code="password_mismatch")
            account = do_sign_up_student(slug, email=form_str(form, "email", max_len=254),
                                         password=password,
                                         full_name=form_str(form, "full_name", max_len=200))
        except ServiceError as exc:
            self._fail(exc)
            return None
        return redirect_with_ticket(account.id, slug, "/portal")


def signup_page() -> rx.Component:
    return public_page(
        "ui.signup.title",
        rx.cond(SignupState.centre != "", rx.text(tr("ui.signup.centre"), " ", rx.text.strong(SignupState.centre))),
        messages(),
        rx.cond(
            SignupState.centre != "",
            rx.vstack(
                rx.form(
                    rx.vstack(
                        field("ui.field.full_name", "full_name", autocomplete="name"),
                        field("ui.field.email", "email", type="email", autocomplete="email"),
                        field("ui.field.password", "password", type="password",
                              autocomplete="new-password", hint_key="ui.password.hint"),
                        field("ui.field.password_confirm", "password_confirm", type="password",
                              autocomplete="new-password"),
                        submit("ui.signup.submit", width="100%"),
                        spacing="3", width="100%",
                    ),
                    on_submit=SignupState.sign_up, reset_on_submit=False, width="100%",
                ),
                provider_links(SignupState.providers),
                spacing="3", width="100%",
            ),
        ),
        rx.link(tr("ui.signup.have_account"), href="/login", size="2"),
    )


def register(app: rx.App) -> None:
    app.add_page(signup_page, route="/portal/[slug]/signup", on_load=SignupState.on_load,
                 title="CC Network")
