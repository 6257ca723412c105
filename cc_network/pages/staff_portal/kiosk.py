"""/kiosk?k=<secret>: the reception kiosk (P06), a tablet at the Career Center's door.

No sign-in: the device holds the secret link a manager created on /staff/visits. A student types
their e-mail, or a handheld scanner (it acts as a keyboard) types the value of their personal QR
code and presses Enter; they tick what they came for. They are greeted by their first name for a
few seconds, then the screen is ready for the next person. The secret is read from the page's
address on every check-in and never kept in a state var; the service limits the check-ins of
one kiosk (60 a minute).
"""

from __future__ import annotations

import reflex as rx

from cc_network.pages.forms import form_flags, form_str
from cc_network.ui.components import checkbox
from cc_network.ui.i18n import tr, tr_var
from cc_network.ui.layout import lang_switcher, loaded, page_root
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.portal.visits.models import Need
from tenants.portal.visits.services import kiosk_check_in

NEEDS = [n.value for n in Need]
# how long the greeting (or the error) stays on screen
RESET_MS = 5000


class KioskState(AppState):
    welcome_name: str = ""
    repeated: bool = False
    # which greeting the timer clears: a later check-in is not cut short by an earlier timer
    shown_seq: int = 0
    form_key: int = 0

    def _secret(self) -> str:
        value = self.router.url.query_parameters.get("k", "")
        return value if isinstance(value, str) and len(value) <= 200 else ""

    @rx.event
    def on_load(self):
        self.error = self.notice = ""
        self.welcome_name, self.repeated = "", False
        if not self._secret():
            # opened without the link's secret: say so before anyone types
            self.error = "error.kiosk_token_invalid"

    @rx.event
    def check_in(self, form: dict):
        self.welcome_name, self.repeated = "", False
        self.shown_seq += 1
        self.form_key += 1  # a fresh, focused input for the next person in any case
        try:
            ident = form_str(form, "identifier", max_len=254).strip()
            needs = form_flags(form, "need_", NEEDS)
            # a QR value never holds an '@'; an e-mail always does
            email, qr = (ident, "") if "@" in ident else ("", ident)
            done = kiosk_check_in(self._secret(), email=email, qr=qr, needs=needs)
        except ServiceError as exc:
            self._fail(exc)
        else:
            self.error = ""
            self.welcome_name, self.repeated = done.first_name, done.repeated
        return rx.call_script(f"new Promise(r => setTimeout(() => r({self.shown_seq}), {RESET_MS}))",
                              callback=KioskState.clear_screen)

    @rx.event
    def clear_screen(self, seq: int):
        if isinstance(seq, int) and not isinstance(seq, bool) and seq == self.shown_seq:
            self.welcome_name, self.repeated = "", False
            self.error = self.notice = ""


def _greeting() -> rx.Component:
    s = KioskState
    return rx.cond(
        s.welcome_name != "",
        rx.callout(
            rx.vstack(
                rx.heading(tr("ui.kiosk.welcome"), " ", s.welcome_name, size="8", as_="p"),
                rx.text(rx.cond(s.repeated, tr("ui.kiosk.already_checked_in"), tr("ui.kiosk.checked_in")),
                        size="4"),
                spacing="2",
            ),
            color_scheme="green", role="status", size="3", width="100%",
        ),
    )


def _error() -> rx.Component:
    return rx.cond(AppState.error != "",
                   rx.callout(tr_var(AppState.error), color_scheme="red", role="alert", size="3", width="100%"))


def _form() -> rx.Component:
    s = KioskState
    return rx.form(
        rx.vstack(
            rx.el.label(
                rx.flex(
                    rx.text(tr("ui.kiosk.identifier"), size="5", weight="medium"),
                    rx.input(name="identifier", required=True, auto_focus=True, auto_complete="off",
                             max_length=254, size="3", width="100%",
                             style={"fontSize": "1.6em", "height": "2.4em"}),
                    direction="column", spacing="2",
                ),
                style={"width": "100%"},
            ),
            rx.text(tr("ui.kiosk.identifier_hint"), size="2", color_scheme="gray"),
            rx.el.fieldset(
                rx.el.legend(rx.text(tr("ui.kiosk.needs"), size="4", weight="medium")),
                rx.flex(*[checkbox(tr("ui.visits.need." + n), "need_" + n) for n in NEEDS], wrap="wrap",
                        spacing="3"),
                style={"border": "none", "padding": 0},
            ),
            rx.button(tr("ui.kiosk.submit"), type="submit", size="4", width="100%"),
            spacing="4", width="100%",
        ),
        on_submit=s.check_in, reset_on_submit=True, width="100%", key=s.form_key.to_string(),
    )


def kiosk_page() -> rx.Component:
    return page_root(
        rx.hstack(rx.text("CC Network", size="4", weight="bold"), rx.spacer(), lang_switcher(),
                  padding="1em", align="center", width="100%"),
        rx.center(
            rx.card(
                rx.vstack(rx.heading(tr("ui.kiosk.page_title"), size="8", as_="h1"),
                          loaded(_greeting(), _error(), _form()), spacing="5", width="100%"),
                width="100%", max_width="48em", padding="2em",
            ),
            padding="1em",
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(kiosk_page, route="/kiosk", on_load=KioskState.on_load, title="CC Network")
