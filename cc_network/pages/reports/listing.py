"""/staff/reports: the reports by kind and period, latest version first with how many versions
the archive holds; "my weekly report" for every member of the team (the compte-rendu
individualisé of a week, pre-filled from their records); the sections of semester and annual
reports assigned to the caller; the manager creates the weekly summary, the monthly report of
a past month and compiles the semester and annual reports."""

from __future__ import annotations

import dataclasses
from datetime import date

import reflex as rx

from cc_network.pages.calendar.common import input_field, parse_date, select_field
from cc_network.pages.forms import form_str
from cc_network.pages.portal.common import zone_of
from cc_network.pages.reports.common import (
    ROUTE,
    ReportRow,
    late_badge,
    row_of,
    status_badge,
    table,
)
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.db import utcnow
from integrations.errors import Conflict, Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.reporting import reports as rep

CENTRE_KINDS = rep.CENTRE_KINDS


@dataclasses.dataclass
class SectionRow:
    id: int = 0
    report_id: int = 0
    key: str = ""
    status: str = ""


class ReportsState(AppState):
    allowed: bool = False
    can_manage: bool = False
    can_write: bool = False
    rows: list[ReportRow] = []
    mine: list[ReportRow] = []
    sections: list[SectionRow] = []
    f_kind: str = ""
    today: str = ""

    def _load(self, actor: Actor) -> None:
        self.allowed = False
        tid = actor.tenant_id or 0
        self.can_manage, self.can_write = actor.can(Perm.REPORT_MANAGE), actor.can(Perm.REPORT_WRITE)
        kind = self.f_kind or None
        self.rows = [row_of(v) for v in rep.list_reports(actor, tid, kind=kind)
                     if v.kind != "weekly_individual" or self.can_manage]
        self.mine = [row_of(v) for v in rep.list_reports(actor, tid, mine=True)] if self.can_write else []
        self.sections = [SectionRow(x.id, x.report_id, x.key, x.status) for x in rep.my_sections(actor, tid)] \
            if self.can_write else []
        self.today = utcnow().astimezone(zone_of(self.tenant_slug)).date().isoformat()
        self.allowed = True

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.mine, self.sections, self.allowed, self.f_kind = [], [], [], False, ""
        return self._refresh(actor)

    @rx.event
    def choose_kind(self, kind: str | list[str]):
        if not isinstance(kind, str) or kind not in ("all", *rep.KINDS):
            return None
        self.f_kind = "" if kind == "all" else kind
        return self._refresh()

    def _create(self, kind: str, day: date):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            got = rep.do_create_report(actor, actor.tenant_id or 0, kind, day)
        except Conflict as exc:
            if exc.code == "report_exists" and isinstance(exc.params.get("report_id"), int):
                return rx.redirect(f"{ROUTE}/{exc.params['report_id']}")
            self._fail(exc)
            return None
        except ServiceError as exc:
            self._fail(exc)
            return None
        return rx.redirect(f"{ROUTE}/{got.id}")

    @rx.event
    def create_mine(self, form: dict):
        """The caller's weekly report of the week holding the day chosen (opened if it exists)."""
        try:
            day = parse_date(form_str(form, "day", max_len=10))
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._create("weekly_individual", day)

    @rx.event
    def create(self, form: dict):
        """A centre's report (the manager): its kind and a day of its period."""
        try:
            kind = form_str(form, "kind", max_len=20)
            if kind not in CENTRE_KINDS:
                raise Invalid("unknown report kind", code="invalid_report_kind")
            day = parse_date(form_str(form, "period_day", max_len=10))
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._create(kind, day)


# ---------------------------------------------------------------- components

def _row(r: ReportRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(I18nState.tx["ui.reports.kind." + r.kind], href=ROUTE + "/" + r.id.to_string())),
        rx.table.cell(r.period),
        rx.table.cell(r.member),
        rx.table.cell(rx.flex(status_badge(r.status), late_badge(r.late), spacing="1")),
        rx.table.cell(r.version_no.to_string(), " / ", r.versions.to_string()),
    )


def _mine_row(r: ReportRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(r.period, href=ROUTE + "/" + r.id.to_string())),
        rx.table.cell(r.due),
        rx.table.cell(rx.flex(status_badge(r.status), late_badge(r.late), spacing="1")),
        rx.table.cell(r.version_no.to_string()),
    )


def _section_row(r: SectionRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(I18nState.tx["ui.reports.section." + r.key],
                                         href=ROUTE + "/" + r.report_id.to_string())),
        rx.table.cell(I18nState.tx["ui.reports.section_status." + r.status]),
    )


def _my_week() -> rx.Component:
    s = ReportsState
    return rx.vstack(
        rx.heading(tr("ui.reports.my_weekly"), size="4", as_="h2"),
        rx.text(tr("ui.reports.my_weekly_hint"), size="2", color_scheme="gray"),
        rx.form(rx.flex(input_field(tr("ui.reports.week_of"), "day", type="date", default=s.today, width="12em",
                                    required=True),
                        rx.button(tr("ui.reports.write_mine"), type="submit"), spacing="3", align="end"),
                on_submit=s.create_mine, reset_on_submit=False, key=s.today),
        rx.cond(s.mine.length() > 0,
                table(("ui.reports.col_period", "ui.reports.col_due", "ui.reports.col_status",
                       "ui.reports.col_version"), s.mine, _mine_row),
                empty("ui.reports.none_mine")),
        rx.cond(s.sections.length() > 0, rx.vstack(
            rx.heading(tr("ui.reports.my_sections"), size="3", as_="h3"),
            table(("ui.reports.col_section", "ui.reports.col_status"), s.sections, _section_row),
            width="100%")),
        spacing="2", width="100%",
    )


def _create_form() -> rx.Component:
    s = ReportsState
    return rx.vstack(
        rx.heading(tr("ui.reports.new"), size="4", as_="h2"),
        rx.text(tr("ui.reports.new_hint"), size="2", color_scheme="gray"),
        rx.form(rx.flex(
            select_field(tr("ui.reports.kind"), "kind", [(k, tr("ui.reports.kind." + k)) for k in CENTRE_KINDS],
                         default="monthly", width="16em"),
            # its own input name: each label points at its input by id, and the page has two forms
            input_field(tr("ui.reports.period_day"), "period_day", type="date", width="12em", required=True),
            rx.button(tr("ui.reports.create"), type="submit"), spacing="3", align="end", wrap="wrap"),
            on_submit=s.create, reset_on_submit=False),
        spacing="2", width="100%",
    )


def _list() -> rx.Component:
    s = ReportsState
    return rx.vstack(
        rx.heading(tr("ui.reports.centre_reports"), size="4", as_="h2"),
        rx.segmented_control.root(
            rx.segmented_control.item(tr("ui.reports.all"), value="all"),
            *[rx.segmented_control.item(tr("ui.reports.kind." + k), value=k) for k in CENTRE_KINDS],
            value=rx.cond(s.f_kind == "", "all", s.f_kind), on_change=s.choose_kind,
            aria_label=tr("ui.reports.kind")),
        rx.cond(s.rows.length() > 0,
                table(("ui.reports.kind", "ui.reports.col_period", "ui.reports.col_member", "ui.reports.col_status",
                       "ui.reports.col_version"), s.rows, _row),
                empty("ui.reports.none")),
        spacing="2", width="100%",
    )


def reports_page() -> rx.Component:
    s = ReportsState
    return area_page(
        "staff", "ui.reports.title", messages(),
        rx.cond(s.allowed, rx.vstack(
            rx.text(tr("ui.reports.intro"), size="2", color_scheme="gray"),
            rx.cond(s.can_write, _my_week()),
            rx.cond(s.can_manage, _create_form()),
            _list(),
            spacing="5", width="100%",
        )),
    )


def register(app: rx.App) -> None:
    app.add_page(reports_page, route=ROUTE, on_load=ReportsState.on_load, title="CC Network")
