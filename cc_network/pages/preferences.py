"""/preferences/<token>: what a mail's reader receives from the centre (issue 7 §3). No sign-in:
the signed link in every mail is the proof; the token never goes into a public var."""

from __future__ import annotations

import re

import reflex as rx

from cc_network.pages.forms import form_flags
from cc_network.ui.components import checkbox, messages, submit
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import public_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from workflows.communications import mailing as svc

_PATH = re.compile(r"^/preferences/([A-Za-z0-9_\-.]{10,400})/?$")


class PreferencesState(AppState):
    found: bool = False
    pref_email: str = ""
    centre: str = ""
    unsubscribed_all: bool = False
    opted_out: list[str] = []

    def _link_token(self) -> str:
        m = _PATH.match(str(self.router.url.path or ""))
        return m.group(1) if m else ""

    def _show(self, data: dict) -> None:
        self.found = True
        self.pref_email, self.centre = data["email"], data["centre"]
        self.unsubscribed_all, self.opted_out = data["unsubscribed_all"], data["opted_out"]

    @rx.event
    def on_load(self):
        self.error, self.notice, self.found = "", "", False
        try:
            self._show(svc.get_preferences(self._link_token()))
        except ServiceError as exc:
            self._fail(exc)

    @rx.event
    def save(self, form: dict):
        try:
            self._show(svc.do_update_preferences(
                self._link_token(), unsubscribed_all=bool(form.get("all")),
                opted_out=form_flags(form, "cat_", list(svc.CATEGORIES))))
        except ServiceError as exc:
            self._fail(exc)
            return
        self._ok("ui.preferences.saved")

    @rx.event
    def unsubscribe_all(self):
        try:
            self._show(svc.do_update_preferences(self._link_token(), unsubscribed_all=True))
        except ServiceError as exc:
            self._fail(exc)
            return
        self._ok("ui.preferences.unsubscribed")


def preferences_page() -> rx.Component:
    return public_page(
        "ui.preferences.title",
        messages(),
        rx.cond(
            PreferencesState.found,
            rx.vstack(
                rx.text(tr("ui.preferences.intro"), " ", rx.text.strong(PreferencesState.centre), " — ",
                        rx.code(PreferencesState.pref_email)),
                rx.form(
                    rx.vstack(
                        rx.text(tr("ui.preferences.categories"), weight="medium"),
                        *[checkbox(I18nState.tx[f"ui.mailings.category.{c}"], f"cat_{c}",
                                   checked=PreferencesState.opted_out.contains(c)) for c in svc.CATEGORIES],
                        checkbox(I18nState.tx["ui.preferences.all"], "all",
                                 checked=PreferencesState.unsubscribed_all),
                        submit("ui.preferences.save"),
                    ),
                    on_submit=PreferencesState.save,
                ),
                rx.button(tr("ui.preferences.unsubscribe_all"), color_scheme="red", variant="soft",
                          on_click=PreferencesState.unsubscribe_all),
                spacing="3",
            ),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(preferences_page, route="/preferences/[token]", on_load=PreferencesState.on_load,
                 title="CC Network")
