"""/verify/[code]: anyone checks a participation certificate (T05) from its QR code.

Shows only the name, the activity and its date, and whether the certificate is valid.
"""

from __future__ import annotations

import re

import reflex as rx

from cc_network.ui.i18n import tr
from cc_network.ui.layout import public_page
from cc_network.ui.session import AppState
from integrations.errors import NotFound
from tenants.portal.certificates.services import verify_certificate

_PATH = re.compile(r"^/verify/([A-Za-z0-9]{1,64})/?$")


class VerifyState(AppState):
    checked: bool = False
    found: bool = False
    valid: bool = False
    student_name: str = ""
    event_title: str = ""
    event_date: str = ""

    def on_load(self):
        """Reads the code from the page path; nothing else is accepted from the client."""
        self.checked, self.found, self.valid = True, False, False
        self.student_name = self.event_title = self.event_date = ""
        m = _PATH.match(str(self.router.url.path or ""))
        if m is None:
            return
        try:
            v = verify_certificate(m.group(1))
        except NotFound:
            return
        self.found, self.valid = True, v.valid
        self.student_name, self.event_title, self.event_date = v.student_name, v.event_title, v.event_date.isoformat()


def verify_page() -> rx.Component:
    return public_page(
        "ui.verify.title",
        rx.cond(
            VerifyState.found,
            rx.vstack(
                rx.callout(rx.cond(VerifyState.valid, tr("ui.verify.valid"), tr("ui.verify.revoked")),
                           color_scheme=rx.cond(VerifyState.valid, "green", "red"), role="status"),
                rx.data_list.root(
                    rx.data_list.item(rx.data_list.label(tr("ui.verify.name")),
                                      rx.data_list.value(VerifyState.student_name)),
                    rx.data_list.item(rx.data_list.label(tr("ui.verify.event")),
                                      rx.data_list.value(VerifyState.event_title)),
                    rx.data_list.item(rx.data_list.label(tr("ui.verify.date")),
                                      rx.data_list.value(VerifyState.event_date)),
                ),
                spacing="3", width="100%",
            ),
            rx.cond(VerifyState.checked,
                    rx.callout(tr("ui.verify.not_found"), color_scheme="red", role="status")),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(verify_page, route="/verify/[code]", on_load=VerifyState.on_load, title="CC Network")
