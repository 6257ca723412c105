"""/company/shares/[share_id]: a sending of profiles, as the signed-in contact of the company
it was made to sees it: the profiles the company may still see (consent at sending and
still now), each with its CV and its page in PDF, the whole bundle in PDF, and what came of
each candidate (contacted, interview, hired, not retained, with a note). Every opening and
every file is logged for the centre. Another company's sending reads "not found"."""

from __future__ import annotations

import re

import reflex as rx

from cc_network.pages.calendar.common import local_text, select_field, text_area
from cc_network.pages.forms import as_id, form_str, id_or_zero
from cc_network.pages.needs.common import ProfileCard, profile_body, profile_card
from cc_network.pages.portal.common import section, zone_of
from cc_network.pages.staff_portal.students import fail
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import NotFound, ServiceError
from tenants.core.actor import Actor
from tenants.sourcing.pipeline.models import Outcome
from tenants.sourcing.pipeline.services import (
    company_share_file,
    do_record_outcome,
    share_for_company,
)

_PATH = re.compile(r"^/company/shares/(\d{1,18})/?$")


class CompanyShareState(AppState):
    found: bool = False
    need_title: str = ""
    need_id: int = 0
    centre: str = ""
    sent_at: str = ""
    until: str = ""
    profiles: list[ProfileCard] = []

    def _share_from_path(self) -> int:
        m = _PATH.match(str(self.router.url.path or ""))
        sid = id_or_zero(m.group(1) if m else None)
        if not sid:
            raise NotFound("sending not found", code="not_found")
        return sid

    def _ip(self) -> str:
        return str(self.router.session.client_ip or "")[:45]

    def _clear(self) -> None:
        self.found, self.need_title, self.need_id, self.centre, self.sent_at, self.until = False, "", 0, "", "", ""
        self.profiles = []

    def _load(self, actor: Actor) -> None:
        v = share_for_company(actor, actor.tenant_id or 0, self._share_from_path(), ip=self._ip())
        zone = zone_of(self.tenant_slug)
        self.found, self.need_title, self.need_id, self.centre = True, v.need_title, v.need_id, v.centre_name
        self.sent_at, self.until = local_text(v.sent_at, zone), local_text(v.expires_at, zone)
        self.profiles = [profile_card(p) for p in v.profiles]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("company")
        if actor is None:
            return redirect
        self._clear()
        try:
            self._load(actor)
        except ServiceError as exc:
            self._clear()
            fail(self, exc)
        return None

    def _download(self, what: str, student_id: int | None):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            filename, data = company_share_file(actor, actor.tenant_id or 0, self._share_from_path(), what,
                                                student_id, ip=self._ip())
        except ServiceError as exc:
            fail(self, exc) if exc.code != "no_cv" else self._fail(exc)
            return None
        self.error = ""
        return rx.download(data=data, filename=filename, mime_type="application/pdf")

    @rx.event
    def download_pdf(self):
        return self._download("pdf", None)

    @rx.event
    def download_cv(self, student_id: int):
        try:
            sid = as_id(student_id)
        except ServiceError as exc:
            fail(self, exc)
            return None
        return self._download("cv", sid)

    @rx.event
    def download_profile(self, student_id: int):
        try:
            sid = as_id(student_id)
        except ServiceError as exc:
            fail(self, exc)
            return None
        return self._download("profile", sid)

    @rx.event
    def record_outcome(self, form: dict):
        """What came of a candidate of this company's sending (looked up among its own)."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            entry_id = as_id(form.get("entry_id") if isinstance(form, dict) else None)
            do_record_outcome(actor, actor.tenant_id or 0, entry_id, form_str(form, "outcome", max_len=20),
                              form_str(form, "note", max_len=2000))
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self._ok("ui.pipeline.outcome_saved")
        return None


def _profile(p: ProfileCard) -> rx.Component:
    s = CompanyShareState
    return rx.card(rx.vstack(
        profile_body(p),
        rx.flex(
            rx.cond(p.has_cv, rx.button(tr("ui.pipeline.download_cv"), size="1", variant="soft",
                                        on_click=s.download_cv(p.student_id),
                                        aria_label=tr("ui.pipeline.download_cv") + " — " + p.name)),
            rx.button(tr("ui.pipeline.download_profile"), size="1", variant="soft",
                      on_click=s.download_profile(p.student_id),
                      aria_label=tr("ui.pipeline.download_profile") + " — " + p.name),
            spacing="2"),
        rx.form(rx.flex(
            rx.el.input(type="hidden", name="entry_id", value=p.entry_id.to_string()),
            select_field(tr("ui.pipeline.outcome"), "outcome",
                         [(o.value, tr(f"ui.pipeline.outcome.{o.value}")) for o in Outcome], default=p.outcome,
                         blank=tr("ui.pipeline.choose"), width="14em"),
            text_area(tr("ui.pipeline.outcome_note"), "note", default=p.outcome_note, rows="2"),
            rx.button(tr("ui.pipeline.save"), type="submit", size="2"),
            spacing="2", align="end", wrap="wrap", width="100%"),
            on_submit=s.record_outcome, reset_on_submit=False, width="100%"),
        rx.cond(p.outcome != "", rx.badge(I18nState.tx["ui.pipeline.outcome." + p.outcome], variant="soft",
                                          color_scheme="green")),
        spacing="3", width="100%"), width="100%")


def company_share_page() -> rx.Component:
    s = CompanyShareState
    return area_page(
        "company", "ui.pipeline.company_share_title", messages(),
        rx.cond(s.found, rx.vstack(
            rx.link(tr("ui.pipeline.back_need"), href="/company/needs/" + s.need_id.to_string(), size="2"),
            rx.heading(s.need_title, size="5", as_="h2"),
            rx.text(s.centre, " — ", tr("ui.pipeline.sent_at"), " ", s.sent_at, " — ", tr("ui.pipeline.until"), " ",
                    s.until, size="2"),
            rx.text(tr("ui.pipeline.company_share_intro"), size="2"),
            rx.button(tr("ui.pipeline.download_pdf"), on_click=s.download_pdf, variant="soft"),
            section("ui.pipeline.profiles", rx.cond(s.profiles.length() > 0,
                                                     rx.vstack(rx.foreach(s.profiles, _profile), spacing="3",
                                                               width="100%"),
                                                     empty("ui.pipeline.no_profiles"))),
            spacing="3", width="100%")),
    )


def register(app: rx.App) -> None:
    app.add_page(company_share_page, route="/company/shares/[share_id]", on_load=CompanyShareState.on_load,
                 title="CC Network")
