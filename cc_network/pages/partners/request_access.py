"""/company/request-access?c=<centre>: a company asks for access to the centre's company portal
(no sign-in). The centre's business developers are told; the answer comes by e-mail."""

from __future__ import annotations

import re

import reflex as rx

from cc_network.pages.calendar.common import text_area
from cc_network.pages.forms import form_str
from cc_network.ui.components import field, messages, submit
from cc_network.ui.i18n import tr
from cc_network.ui.layout import public_page
from cc_network.ui.session import AppState
from integrations.db import system_session
from integrations.errors import NotFound, ServiceError
from tenants.core.queries import get_tenant_by_slug
from tenants.sourcing.partners.access import do_request_access

_SLUG = re.compile(r"^[a-z0-9-]{1,63}$")


class RequestAccessState(AppState):
    centre: str = ""
    sent: bool = False

    def _slug(self) -> str:
        value = self.router.url.query_parameters.get("c", "")
        value = value.strip().lower() if isinstance(value, str) else ""
        return value if _SLUG.match(value) else ""

    @rx.event
    def on_load(self):
        self.error = self.notice = ""
        self.sent = False
        try:
            with system_session("company access request page: centre name") as s:
                self.centre = get_tenant_by_slug(s, self._slug()).name
        except NotFound as exc:
            self.centre = ""
            self._fail(exc)

    @rx.event
    def send(self, form: dict):
        if self.sent:
            return None
        try:
            do_request_access(self._slug(), {
                "company_name": form_str(form, "company_name", max_len=200),
                "full_name": form_str(form, "full_name", max_len=200),
                "email": form_str(form, "email", max_len=254),
                "phone": form_str(form, "phone", max_len=30),
                "job_title": form_str(form, "job_title", max_len=150),
                "message": form_str(form, "message", max_len=2000),
            }, client_ip=str(self.router.session.client_ip or ""))
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.sent = True
        self._ok("ui.partners.request_sent")
        return None


def request_access_page() -> rx.Component:
    s = RequestAccessState
    return public_page(
        "ui.partners.request_title",
        rx.cond(s.centre != "", rx.text(tr("ui.partners.request_centre"), " ", rx.text.strong(s.centre))),
        messages(),
        rx.cond(
            (s.centre != "") & ~s.sent,
            rx.form(
                rx.vstack(
                    rx.text(tr("ui.partners.request_intro"), size="2"),
                    field("ui.partners.company", "company_name", autocomplete="organization"),
                    field("ui.partners.person_name", "full_name", autocomplete="name"),
                    field("ui.partners.email", "email", type="email", autocomplete="email"),
                    field("ui.partners.phone", "phone", type="tel", required=False, autocomplete="tel"),
                    field("ui.partners.job_title", "job_title", required=False, autocomplete="organization-title"),
                    text_area(tr("ui.partners.message"), "message"),
                    submit("ui.partners.request_submit", width="100%"),
                    spacing="3", width="100%",
                ),
                on_submit=s.send, reset_on_submit=False, width="100%",
            ),
        ),
        rx.link(tr("ui.partners.have_account"), href="/login", size="2"),
    )


def register(app: rx.App) -> None:
    app.add_page(request_access_page, route="/company/request-access", on_load=RequestAccessState.on_load,
                 title="CC Network")
