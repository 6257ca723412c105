"""/admin/figures: the network's headline figures (issue 9 §5): for a period, every centre's
activities (visits, workshops and other activities held, individual sessions, attendance,
distinct students) and the network's totals. Network admins only; read across centres in a
system session with its reason (DESIGN §4), by workflows.reporting.dashboards."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import input_field
from cc_network.pages.forms import form_str
from cc_network.pages.statistics.common import parse_day, this_month
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import api_url, area_page
from cc_network.ui.session import AppState
from integrations.db import utcnow
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from workflows.reporting.dashboards import CentreFigures, network_figures

MAX_DAYS = 400


@dataclasses.dataclass
class FigureRow:
    name: str = ""
    total: int = 0
    visits: int = 0
    workshops: int = 0
    events: int = 0
    sessions: int = 0
    attendance: int = 0
    students: int = 0


def _row(c: CentreFigures, name: str | None = None) -> FigureRow:
    return FigureRow(name if name is not None else c.name, c.total, c.visits, c.workshops, c.events, c.sessions,
                     c.attendance, c.students)


class FiguresState(AppState):
    start: str = ""
    end: str = ""
    rows: list[FigureRow] = []
    total: FigureRow = FigureRow()
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        start, end = parse_day(self.start), parse_day(self.end)
        if (end - start).days > MAX_DAYS:
            raise Invalid("at most 400 days", code="range_too_long")
        rows, total = network_figures(actor, start, end)
        self.rows = [_row(c) for c in rows]
        self.total = _row(total, "")

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("admin")
        if actor is None:
            return redirect
        first, last = this_month(utcnow().date())
        self.start, self.end, self.rows, self.total = first.isoformat(), last.isoformat(), [], FigureRow()
        try:
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
        self.form_key += 1
        return None

    @rx.event
    def apply(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        start, end = form_str(form, "start", max_len=10), form_str(form, "end", max_len=10)
        try:
            parse_day(start), parse_day(end)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.start, self.end = start, end
        self.error = self.notice = ""
        return self._refresh(actor)


COLUMNS = ("total", "visits", "workshops", "events", "sessions", "attendance", "students")


def _cells(r: FigureRow) -> list[rx.Component]:
    return [rx.table.cell(getattr(r, c)) for c in COLUMNS]


def _exports() -> rx.Component:
    """The table as a file for the period shown (start and end were checked as days when set)."""
    s = FiguresState

    def link(fmt: str) -> rx.Component:
        return rx.link(fmt.upper(), is_external=True,
                       href=f"{api_url()}/api/v1/network/figures/export?start=" + s.start + "&end=" + s.end
                       + f"&format={fmt}&lang=" + I18nState.lang)

    return rx.hstack(rx.text(tr("ui.figures.export"), size="2", color_scheme="gray"), link("csv"), link("xlsx"),
                     link("pdf"), spacing="2", align="center", aria_label=tr("ui.figures.export"))


def figures_page() -> rx.Component:
    s = FiguresState
    return area_page(
        "admin", "ui.figures.title",
        messages(),
        rx.card(rx.form(
            rx.flex(
                input_field(tr("ui.stats.start"), "start", type="date", default=s.start, required=True),
                input_field(tr("ui.stats.end"), "end", type="date", default=s.end, required=True),
                rx.button(tr("ui.stats.show"), type="submit"),
                spacing="3", align="end", direction={"initial": "column", "md": "row"},
            ),
            on_submit=s.apply, reset_on_submit=False, key=s.form_key.to_string() + "-figures",
        ), width="100%"),
        _exports(),
        rx.cond(
            s.rows.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.admin.centre")),
                    *[rx.table.column_header_cell(tr(f"ui.figures.{c}")) for c in COLUMNS],
                )),
                rx.table.body(
                    rx.foreach(s.rows, lambda r: rx.table.row(rx.table.row_header_cell(r.name), *_cells(r))),
                    rx.table.row(rx.table.row_header_cell(rx.text(tr("ui.figures.network"), weight="bold")),
                                 *_cells(s.total)),
                ),
                width="100%", variant="surface", aria_label=tr("ui.figures.title"),
            ),
            empty("ui.stats.empty"),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(figures_page, route="/admin/figures", on_load=FiguresState.on_load, title="CC Network")
