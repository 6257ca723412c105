"""/forgot: ask for a reset link. The answer is the same whether the e-mail has an account."""

from __future__ import annotations

import reflex as rx

from cc_network.pages.forms import form_str
from cc_network.ui.components import field, messages, submit
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import public_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.auth.services import do_request_password_reset


class ForgotState(AppState):
    @rx.event
    def on_load(self):
        self.error = self.notice = ""

    @rx.event
    async def request_reset(self, form: dict):
        lang = (await self.get_state(I18nState)).lang
        try:
            do_request_password_reset(form_str(form, "email", max_len=254), lang=lang)
        except ServiceError as exc:
            self._fail(exc)
            return
        self._ok("ui.forgot.sent")


def forgot_page() -> rx.Component:
    return public_page(
        "ui.forgot.title",
        rx.text(tr("ui.forgot.intro"), size="2"),
        messages(),
        rx.form(
            rx.vstack(field("ui.field.email", "email", type="email", autocomplete="email"),
                      submit("ui.forgot.submit", width="100%"), spacing="3", width="100%"),
            on_submit=ForgotState.request_reset, width="100%",
        ),
        rx.link(tr("ui.back_to_login"), href="/login", size="2"),
    )


def register(app: rx.App) -> None:
    app.add_page(forgot_page, route="/forgot", on_load=ForgotState.on_load, title="CC Network")
