"""/staff/communications/calendar: the calendar of publications, a month at a time: each
item by its publication day and time, with its state and channels (P30)."""

from __future__ import annotations

import dataclasses
from datetime import date

import reflex as rx

from cc_network.pages.calendar.common import local_text
from cc_network.pages.communications.items import ITEM_ROUTE, state_badge
from cc_network.pages.communications.items import ROUTE as ITEMS_ROUTE
from cc_network.pages.portal.common import zone_of
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.db import utcnow
from tenants.core.actor import Actor
from workflows.communications import items as svc

ROUTE = ITEMS_ROUTE + "/calendar"


@dataclasses.dataclass
class DayRow:
    day: str = ""
    time: str = ""
    id: int = 0
    title: str = ""
    state: str = ""
    channels: str = ""
    late: bool = False


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    n = year * 12 + (month - 1) + by
    return n // 12, n % 12 + 1


class CommCalendarState(AppState):
    allowed: bool = False
    year: int = 0
    month: int = 0
    label: str = ""
    rows: list[DayRow] = []

    def _load(self, actor: Actor) -> None:
        self.allowed = False
        if not (2000 <= self.year <= 2200 and 1 <= self.month <= 12):
            today = utcnow().date()
            self.year, self.month = today.year, today.month
        start = date(self.year, self.month, 1)
        end = date(*_shift(self.year, self.month, 1), 1)
        zone = zone_of(self.tenant_slug)
        self.rows = [DayRow(local_text(v.publish_at, zone, "%a %d/%m"), local_text(v.publish_at, zone, "%H:%M"), v.id,
                            v.title, v.state, ", ".join(v.channels), v.late)
                     for v in svc.publications(actor, actor.tenant_id or 0, start, end)]
        self.label = f"{self.month:02d}/{self.year}"
        self.allowed = True

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.allowed, self.year, self.month = [], False, 0, 0
        return self._refresh(actor)

    @rx.event
    def next_month(self):
        self.year, self.month = _shift(self.year, self.month, 1)
        return self._refresh()

    @rx.event
    def prev_month(self):
        self.year, self.month = _shift(self.year, self.month, -1)
        return self._refresh()


def _row(r: DayRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r.day), rx.table.cell(r.time),
        rx.table.row_header_cell(rx.link(r.title, href=ITEM_ROUTE + "/" + r.id.to_string())),
        rx.table.cell(r.channels),
        rx.table.cell(rx.hstack(state_badge(r.state), rx.cond(r.late, rx.badge(tr("ui.comm.late"), color_scheme="red")),
                                spacing="2")),
    )


def calendar_page() -> rx.Component:
    s = CommCalendarState
    return area_page(
        "staff", "ui.comm.calendar_title",
        rx.link(tr("ui.comm.back_to_items"), href=ITEMS_ROUTE),
        messages(),
        rx.cond(s.allowed, rx.vstack(
            rx.hstack(rx.button(tr("ui.comm.prev_month"), on_click=s.prev_month, variant="soft"),
                      rx.heading(s.label, size="4", as_="h2"),
                      rx.button(tr("ui.comm.next_month"), on_click=s.next_month, variant="soft"), align="center"),
            rx.cond(s.rows.length() > 0,
                    rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                            "ui.comm.date", "ui.comm.time", "ui.comm.title", "ui.comm.channels", "ui.comm.state")])),
                        rx.table.body(rx.foreach(s.rows, _row)), width="100%", variant="surface", dir=I18nState.dir),
                    empty("ui.comm.calendar_empty")),
            spacing="4", width="100%")),
    )


def register(app: rx.App) -> None:
    app.add_page(calendar_page, route=ROUTE, on_load=CommCalendarState.on_load, title="CC Network")
