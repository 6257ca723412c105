"""/company: the company contact's home. Their company's recruitment needs with their status,
the button to submit a new one, and an empty state the first time."""

from __future__ import annotations

import reflex as rx

from cc_network.pages.areas import AreaState
from cc_network.pages.needs_forms.common import NeedRow, kind_text, need_row, status_badge
from cc_network.pages.portal.common import zone_of
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState, areas_of
from integrations.errors import ServiceError
from tenants.core.actor import Actor
from tenants.sourcing.needs.services import list_my_needs


class CompanyHomeState(AppState):
    rows: list[NeedRow] = []
    loaded: bool = False

    def _load(self, actor: Actor) -> None:
        zone = zone_of(self.tenant_slug)
        self.rows = [need_row(v, zone) for v in list_my_needs(actor, actor.tenant_id or 0)]
        self.loaded = True

    @rx.event
    def on_load(self):
        """Runs after AreaState.enter_company, which signs the person in (or sends them home)."""
        self.rows, self.loaded = [], False
        actor = self._actor()
        if actor is None or "company" not in areas_of(actor):
            return None
        try:
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None


def _row(r: NeedRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(r.title, href="/company/needs/" + r.id.to_string(), weight="medium")),
        rx.table.cell(kind_text(r.kind)),
        rx.table.cell(r.positions.to_string()),
        rx.table.cell(r.received_at),
        rx.table.cell(r.deadline),
        rx.table.cell(status_badge(r.status)),
    )


def _table() -> rx.Component:
    s = CompanyHomeState
    return rx.cond(
        s.rows.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(tr("ui.jobneed.title")),
                rx.table.column_header_cell(tr("ui.jobneed.kind")),
                rx.table.column_header_cell(tr("ui.jobneed.positions")),
                rx.table.column_header_cell(tr("ui.jobneed.received_at")),
                rx.table.column_header_cell(tr("ui.jobneed.deadline")),
                rx.table.column_header_cell(tr("ui.jobneed.status")),
            )),
            rx.table.body(rx.foreach(s.rows, _row)),
            width="100%", variant="surface",
        ),
        rx.cond(s.loaded, empty("ui.company_needs.empty")),
    )


def company_home() -> rx.Component:
    return area_page(
        "company", "ui.company_needs.title", messages(),
        rx.text(tr("ui.company_needs.intro"), size="2"),
        rx.hstack(rx.link(rx.button(tr("ui.company_needs.new")), href="/company/needs/new")),
        _table(),
    )


def register(app: rx.App) -> None:
    app.add_page(company_home, route="/company", on_load=[AreaState.enter_company, CompanyHomeState.on_load],
                 title="CC Network")
