"""/host/needs and /host/needs/[need_id]: the host institution (approvers, focal points) reads
the job sheets the business developer sent it (P22.4), to look for matching young people,
and gives its available dates when a recruitment day is proposed for a need (P19). A need
whose sheet was not sent reads "not found"."""

from __future__ import annotations

import re

import reflex as rx

from cc_network.pages.calendar.common import local_text
from cc_network.pages.forms import id_or_zero
from cc_network.pages.needs_forms.common import (
    Fact,
    NeedRow,
    dates_of,
    day_dates_section,
    facts_list,
    kind_text,
    need_facts,
    need_row,
    status_badge,
)
from cc_network.pages.portal.common import section, zone_of
from cc_network.pages.staff_portal.students import fail
from cc_network.ui.components import empty, messages, pager
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import NotFound, ServiceError
from tenants.core.actor import Actor
from tenants.sourcing.needs.services import get_need, list_needs
from tenants.sourcing.recruitment_days.services import day_for_need, do_set_dates

PER_PAGE = 20
_PATH = re.compile(r"^/host/needs/(\d{1,18})/?$")


class HostNeedsState(AppState):
    rows: list[NeedRow] = []
    page: int = 1
    pages: int = 1
    loaded: bool = False

    def _load(self, actor: Actor) -> None:
        zone = zone_of(self.tenant_slug)
        res = list_needs(actor, actor.tenant_id or 0, page=self.page, per_page=PER_PAGE)
        if res.page > res.pages and res.total:
            self.page = res.pages
            res = list_needs(actor, actor.tenant_id or 0, page=self.page, per_page=PER_PAGE)
        self.pages = res.pages
        self.rows = [need_row(v, zone) for v in res.items]
        self.loaded = True

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("host")
        if actor is None:
            return redirect
        self.rows, self.page, self.pages, self.loaded = [], 1, 1, False
        try:
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
        return None

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        return self._refresh()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        return self._refresh()


class HostNeedState(AppState):
    found: bool = False
    title: str = ""
    kind: str = ""
    status: str = ""
    sheet: str = ""
    facts: list[Fact] = []
    has_day: bool = False
    day_mode: str = ""
    day_status: str = ""
    day_starts: str = ""
    my_dates: str = ""  # the host institution's, one ISO date a line
    other_dates: list[str] = []  # the company's
    common_dates: list[str] = []
    form_key: int = 0

    def _load(self, actor: Actor, nid: int) -> None:
        """The need (only one whose sheet was sent) and its recruitment day, if any."""
        v = get_need(actor, actor.tenant_id or 0, nid)
        self.found, self.title, self.kind, self.status, self.sheet = True, v.title, v.kind, v.status, v.sheet
        self.facts = need_facts(v)
        day = day_for_need(actor, actor.tenant_id or 0, nid)
        self.has_day = day is not None
        if day is not None:
            self.day_mode, self.day_status = day.mode, day.status
            self.day_starts = local_text(day.starts_at, zone_of(self.tenant_slug)) if day.starts_at else ""
            self.my_dates = "\n".join(day.host_dates)
            self.other_dates, self.common_dates = list(day.company_dates), list(day.common_dates)
        self.form_key += 1

    def _need_from_path(self) -> int:
        m = _PATH.match(str(self.router.url.path or ""))
        return id_or_zero(m.group(1) if m else None)

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("host")
        if actor is None:
            return redirect
        self.found, self.title, self.kind, self.status, self.sheet, self.facts = False, "", "", "", "", []
        self.has_day, self.day_mode, self.day_status, self.day_starts = False, "", "", ""
        self.my_dates, self.other_dates, self.common_dates = "", [], []
        try:
            nid = self._need_from_path()
            if not nid:
                raise NotFound("job need not found", code="not_found")
            self._load(actor, nid)
        except ServiceError as exc:
            self.found = False
            fail(self, exc)
        return None

    @rx.event
    def give_dates(self, form: dict):
        """The host institution's available dates for the recruitment day of the page's need."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            nid = self._need_from_path()
            if not nid:
                raise NotFound("job need not found", code="not_found")
            get_need(actor, actor.tenant_id or 0, nid)  # only a need whose sheet was sent to the host
            day = day_for_need(actor, actor.tenant_id or 0, nid)
            if day is None:
                raise NotFound("recruitment day not found", code="not_found")
            do_set_dates(actor, actor.tenant_id or 0, day.id, side="host", dates=dates_of(form))
            self._load(actor, nid)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self._ok("ui.company_needs.dates_saved")
        return None


def _row(r: NeedRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(r.title, href="/host/needs/" + r.id.to_string(), weight="medium")),
        rx.table.cell(r.company),
        rx.table.cell(kind_text(r.kind)),
        rx.table.cell(r.positions.to_string()),
        rx.table.cell(r.deadline),
        rx.table.cell(r.sheet_sent_at),
        rx.table.cell(status_badge(r.status)),
    )


def host_needs_page() -> rx.Component:
    s = HostNeedsState
    return area_page(
        "host", "ui.host_needs.title", messages(),
        rx.text(tr("ui.host_needs.intro"), size="2"),
        rx.cond(
            s.rows.length() > 0,
            rx.vstack(
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(tr("ui.jobneed.title")),
                        rx.table.column_header_cell(tr("ui.jobneed.company")),
                        rx.table.column_header_cell(tr("ui.jobneed.kind")),
                        rx.table.column_header_cell(tr("ui.jobneed.positions")),
                        rx.table.column_header_cell(tr("ui.jobneed.deadline")),
                        rx.table.column_header_cell(tr("ui.host_needs.sent_at")),
                        rx.table.column_header_cell(tr("ui.jobneed.status")),
                    )),
                    rx.table.body(rx.foreach(s.rows, _row)),
                    width="100%", variant="surface",
                ),
                rx.cond(s.pages > 1, pager(s.page, s.pages, s.prev_page, s.next_page)),
                spacing="3", width="100%",
            ),
            rx.cond(s.loaded, empty("ui.host_needs.empty")),
        ),
    )


def host_need_page() -> rx.Component:
    s = HostNeedState
    return area_page(
        "host", "ui.host_needs.detail_title",
        rx.link(tr("ui.host_needs.back"), href="/host/needs", size="2"),
        messages(),
        rx.cond(s.found, rx.vstack(
            rx.hstack(rx.heading(s.title, size="5", as_="h2"), rx.badge(kind_text(s.kind), variant="outline"),
                      status_badge(s.status), spacing="3", align="center", wrap="wrap"),
            section("ui.jobneed.sheet", rx.text(s.sheet, white_space="pre-wrap", size="2")),
            section("ui.jobneed.details", facts_list(s.facts)),
            day_dates_section(s, s.give_dates, "ui.host_needs.day_intro", "ui.host_needs.company_dates"),
            spacing="4", width="100%",
        )),
    )


def register(app: rx.App) -> None:
    app.add_page(host_needs_page, route="/host/needs", on_load=HostNeedsState.on_load, title="CC Network")
    app.add_page(host_need_page, route="/host/needs/[need_id]", on_load=HostNeedState.on_load, title="CC Network")
