"""/host/reports: the reports the centre sent to the host institution (weekly summaries,
monthly, semester and annual reports), newest first, with their downloads. The service shows
the host only the versions sent to it."""

from __future__ import annotations

import reflex as rx

from cc_network.pages.reports.common import ReportRow, downloads, row_of, table
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from tenants.core.actor import Actor
from workflows.reporting import reports as rep

ROUTE = "/host/reports"


class HostReportsState(AppState):
    allowed: bool = False
    rows: list[ReportRow] = []

    def _load(self, actor: Actor) -> None:
        self.allowed = False
        views = [v for v in rep.list_reports(actor, actor.tenant_id or 0) if v.sent_at is not None]
        self.rows = [row_of(v) for v in sorted(views, key=lambda v: v.sent_at, reverse=True)]
        self.allowed = True

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("host")
        if actor is None:
            return redirect
        self.rows, self.allowed = [], False
        return self._refresh(actor)


def _row(r: ReportRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(I18nState.tx["ui.reports.kind." + r.kind]),
        rx.table.cell(r.period),
        rx.table.cell(r.version_no.to_string()),
        rx.table.cell(r.sent),
        rx.table.cell(downloads(r.id)),
    )


def host_reports_page() -> rx.Component:
    s = HostReportsState
    return area_page(
        "host", "ui.reports.host_title", messages(),
        rx.cond(s.allowed, rx.vstack(
            rx.text(tr("ui.reports.host_intro"), size="2", color_scheme="gray"),
            rx.cond(s.rows.length() > 0,
                    table(("ui.reports.kind", "ui.reports.col_period", "ui.reports.version", "ui.reports.sent_on",
                           "ui.reports.download"), s.rows, _row),
                    empty("ui.reports.host_none")),
            spacing="3", width="100%")),
    )


def register(app: rx.App) -> None:
    app.add_page(host_reports_page, route=ROUTE, on_load=HostReportsState.on_load, title="CC Network")
