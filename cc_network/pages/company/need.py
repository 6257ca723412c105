"""/company/needs/[need_id]: one of the company's needs: its fields, its progress as a
timeline, the sendings of profiles made for it (each opens at /company/shares/<id>), the
recruitment day proposed for it (P19: the company gives its available dates), and cancelling
it while it is not ended. Another company's need reads "not found"."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.calendar.common import local_text, text_area
from cc_network.pages.forms import form_str, id_or_zero
from cc_network.pages.needs_forms.common import (
    Fact,
    Step,
    dates_of,
    day_dates_section,
    facts_list,
    kind_text,
    need_facts,
    need_steps,
    status_badge,
    steps_list,
)
from cc_network.pages.portal.common import section, zone_of
from cc_network.pages.staff_portal.students import fail
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.db import utcnow
from integrations.errors import NotFound, ServiceError
from tenants.core.actor import Actor
from tenants.sourcing.needs.services import (
    do_cancel_my_need,
    get_my_need,
    list_need_shares_for_company,
)
from tenants.sourcing.recruitment_days.services import company_days, do_set_dates

_PATH = re.compile(r"^/company/needs/(\d{1,18})/?$")


@dataclasses.dataclass
class ShareRow:
    id: int = 0
    sent_at: str = ""
    until: str = ""
    profiles: int = 0
    open: bool = False


class CompanyNeedState(AppState):
    found: bool = False
    title: str = ""
    kind: str = ""
    status: str = ""
    description: str = ""
    cancel_reason: str = ""
    ended: bool = False
    facts: list[Fact] = []
    steps: list[Step] = []
    shares: list[ShareRow] = []
    # the recruitment day of this need, if the centre proposed one (P19)
    has_day: bool = False
    day_mode: str = ""
    day_status: str = ""
    day_starts: str = ""
    my_dates: str = ""  # the company's, one ISO date a line, as the form shows them
    other_dates: list[str] = []  # the host institution's
    common_dates: list[str] = []
    form_key: int = 0

    def _day_of(self, actor: Actor, need_id: int):  # noqa: ANN202
        """The day of the page's need, found among the company's own days."""
        return next((d for d in company_days(actor, actor.tenant_id or 0) if d.need_id == need_id), None)

    def _need_from_path(self) -> int:
        m = _PATH.match(str(self.router.url.path or ""))
        return id_or_zero(m.group(1) if m else None)

    def _clear(self) -> None:
        self.found, self.title, self.kind, self.status, self.description = False, "", "", "", ""
        self.cancel_reason, self.ended, self.facts, self.steps, self.shares = "", False, [], [], []
        self.has_day, self.day_mode, self.day_status, self.day_starts = False, "", "", ""
        self.my_dates, self.other_dates, self.common_dates = "", [], []

    def _load(self, actor: Actor) -> None:
        tid, nid = actor.tenant_id or 0, self._need_from_path()
        if not nid:
            raise NotFound("job need not found", code="not_found")
        zone = zone_of(self.tenant_slug)
        v = get_my_need(actor, tid, nid)
        shares = list_need_shares_for_company(actor, tid, nid)
        now = utcnow()
        self.found, self.title, self.kind, self.status = True, v.title, v.kind, v.status
        self.description, self.cancel_reason, self.ended = v.description, v.cancel_reason, v.ended
        self.facts, self.steps = need_facts(v), need_steps(v, zone)
        self.shares = [ShareRow(x.id, local_text(x.sent_at, zone), local_text(x.expires_at, zone), x.profiles,
                                x.revoked_at is None and x.expires_at > now) for x in shares]
        day = self._day_of(actor, nid)
        self.has_day = day is not None
        if day is not None:
            self.day_mode, self.day_status = day.mode, day.status
            self.day_starts = local_text(day.starts_at, zone) if day.starts_at else ""
            self.my_dates = "\n".join(day.company_dates)
            self.other_dates, self.common_dates = list(day.host_dates), list(day.common_dates)
        self.form_key += 1

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
        if self.router.url.query_parameters.get("sent") == "1":
            self._ok("ui.company_needs.submitted")
        return None

    @rx.event
    def cancel(self, form: dict):
        """Cancel the need of the page's path (looked up among the company's own)."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            nid = self._need_from_path()
            if not nid:
                raise NotFound("job need not found", code="not_found")
            do_cancel_my_need(actor, actor.tenant_id or 0, nid, reason=form_str(form, "reason", max_len=1000))
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self._ok("ui.company_needs.cancelled")
        return None


    @rx.event
    def give_dates(self, form: dict):
        """The company's available dates for the recruitment day of the page's need."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            nid = self._need_from_path()
            if not nid:
                raise NotFound("job need not found", code="not_found")
            get_my_need(actor, actor.tenant_id or 0, nid)  # a need of the caller's company, in its centre
            day = self._day_of(actor, nid)
            if day is None:
                raise NotFound("recruitment day not found", code="not_found")
            do_set_dates(actor, actor.tenant_id or 0, day.id, side="company", dates=dates_of(form))
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self._ok("ui.company_needs.dates_saved")
        return None


def _shares() -> rx.Component:
    s = CompanyNeedState
    return rx.cond(
        s.shares.length() > 0,
        rx.el.ul(rx.foreach(s.shares, lambda x: rx.el.li(rx.hstack(
            rx.text(tr("ui.company_needs.share_sent"), " ", x.sent_at, " — ", x.profiles.to_string(), " ",
                    tr("ui.company_needs.share_profiles"), size="2"),
            rx.cond(x.open,
                    rx.hstack(rx.text(tr("ui.company_needs.share_until"), " ", x.until, size="1",
                                      color_scheme="gray"),
                              rx.link(tr("ui.company_needs.share_open"), href="/company/shares/" + x.id.to_string(),
                                      size="2"), spacing="2", align="center"),
                    rx.text(tr("ui.company_needs.share_closed"), size="1", color_scheme="gray")),
            spacing="3", align="center", wrap="wrap"))), style={"paddingInlineStart": "1em"}),
        empty("ui.company_needs.no_shares"),
    )


def _cancel() -> rx.Component:
    s = CompanyNeedState
    return rx.cond(~s.ended, section(
        "ui.company_needs.cancel_title",
        rx.text(tr("ui.company_needs.cancel_text"), size="2"),
        rx.form(rx.vstack(text_area(tr("ui.jobneed.cancel_reason"), "reason", rows="2"),
                          rx.button(tr("ui.company_needs.cancel_submit"), type="submit", color_scheme="red",
                                    variant="soft"), spacing="3", width="100%"),
                on_submit=s.cancel, reset_on_submit=True, width="100%"),
    ))


def need_page() -> rx.Component:
    s = CompanyNeedState
    return area_page(
        "company", "ui.company_needs.detail_title",
        rx.link(tr("ui.company_needs.back"), href="/company", size="2"),
        messages(),
        rx.cond(s.found, rx.vstack(
            rx.hstack(rx.heading(s.title, size="5", as_="h2"), rx.badge(kind_text(s.kind), variant="outline"),
                      status_badge(s.status), spacing="3", align="center", wrap="wrap"),
            section("ui.jobneed.details", facts_list(s.facts),
                    rx.cond(s.description != "", rx.text(s.description, white_space="pre-wrap", size="2")),
                    rx.cond(s.cancel_reason != "", rx.text(tr("ui.jobneed.cancel_reason"), " : ", s.cancel_reason,
                                                           size="2", color_scheme="gray"))),
            section("ui.jobneed.timeline", steps_list(s.steps)),
            section("ui.company_needs.shares", _shares()),
            day_dates_section(s, s.give_dates, "ui.company_needs.day_intro", "ui.company_needs.host_dates"),
            _cancel(),
            spacing="4", width="100%",
        )),
    )


def register(app: rx.App) -> None:
    app.add_page(need_page, route="/company/needs/[need_id]", on_load=CompanyNeedState.on_load, title="CC Network")
