"""/reset?token=…: choose a new password (a reset, or the link of an invitation)."""

from __future__ import annotations

import reflex as rx

from cc_network.pages.forms import form_str
from cc_network.ui.components import field, messages, submit
from cc_network.ui.i18n import tr
from cc_network.ui.layout import public_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.auth.services import do_reset_password


class ResetState(AppState):
    done: bool = False

    @rx.event
    def on_load(self):
        self.error = self.notice = ""
        self.done = False

    @rx.event
    def reset_password(self, form: dict):
        # the token comes from the page's address, never from a public var
        token = self.router.url.query_parameters.get("token", "")
        try:
            password = form_str(form, "password", max_len=256)
            if password != form_str(form, "password_confirm", max_len=256):
                raise Invalid("passwords differ", code="password_mismatch")
            do_reset_password(token, password)
        except ServiceError as exc:
            self._fail(exc)
            return
        self.done = True
        self._ok("ui.reset.done")


def reset_page() -> rx.Component:
    return public_page(
        "ui.reset.title",
        messages(),
        rx.cond(
            ResetState.done,
            rx.link(rx.button(tr("ui.login.submit"), width="100%"), href="/login", width="100%"),
            rx.form(
                rx.vstack(
                    field("ui.field.new_password", "password", type="password", autocomplete="new-password",
                          hint_key="ui.password.hint"),
                    field("ui.field.password_confirm", "password_confirm", type="password",
                          autocomplete="new-password"),
                    submit("ui.reset.submit", width="100%"),
                    spacing="3", width="100%",
                ),
                on_submit=ResetState.reset_password, reset_on_submit=False, width="100%",
            ),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(reset_page, route="/reset", on_load=ResetState.on_load, title="CC Network")
