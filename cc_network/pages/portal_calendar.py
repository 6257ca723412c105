"""/portal/[slug]/calendar and /portal/[slug]/events/[event_id]: a centre's published
activities, read-only, for anyone (no sign-in): an agenda by month and each event's page."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime

import reflex as rx

from cc_network.pages.calendar.common import local_text
from cc_network.pages.forms import id_or_zero
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import lang_switcher, page_root
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.calendar.queries import get_public_event, public_centre
from tenants.calendar.services import list_public_events

_CAL = re.compile(r"^/portal/([a-z0-9-]{1,63})/calendar/?$")
_EVENT = re.compile(r"^/portal/([a-z0-9-]{1,63})/events/(\d{1,18})/?$")
PER_MONTH = 200


@dataclasses.dataclass
class PublicRow:
    id: int = 0
    title: str = ""
    type: str = ""
    day: str = ""
    time: str = ""
    place: str = ""


def _place(e) -> str:
    return e.address or ("🔗" if e.online_url else "")


class PortalCalendarState(AppState):
    centre: str = ""
    centre_slug: str = ""
    month: str = ""  # YYYY-MM, in the centre's time zone
    month_number: int = 1
    year: str = ""
    rows: list[PublicRow] = []
    # the single event page
    ev_title: str = ""
    ev_type: str = ""
    ev_when: str = ""
    ev_zone: str = ""
    ev_place: str = ""
    ev_online: str = ""
    ev_description: str = ""
    ev_theme: str = ""
    found: bool = False

    def _load_month(self) -> None:
        centre = public_centre(self.centre_slug)
        self.centre = centre.name
        today = datetime.now(centre.zone).date()
        first = date.fromisoformat(self.month + "-01") if self.month else today.replace(day=1)
        nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        self.month, self.month_number, self.year = first.strftime("%Y-%m"), first.month, str(first.year)
        start = datetime(first.year, first.month, 1, tzinfo=centre.zone).astimezone(UTC)
        end = datetime(nxt.year, nxt.month, 1, tzinfo=centre.zone).astimezone(UTC)
        events = list_public_events(self.centre_slug, {"start": start, "end": end})[:PER_MONTH]
        self.rows = [PublicRow(e.id, e.title, e.type, local_text(e.starts_at, centre.zone, "%Y-%m-%d"),
                               local_text(e.starts_at, centre.zone, "%H:%M") + " — "
                               + local_text(e.ends_at, centre.zone, "%H:%M"), _place(e)) for e in events]

    @rx.event
    def on_load_calendar(self):
        self.error = self.notice = ""
        m = _CAL.match(str(self.router.url.path or ""))
        self.centre_slug, self.month, self.rows, self.centre = (m.group(1) if m else ""), "", [], ""
        try:
            self._load_month()
        except ServiceError as exc:
            self._fail(exc)

    @rx.event
    def shift_month(self, step: int):
        if step not in (-1, 1) or not self.month or not self.centre_slug:
            return
        y, mo = (int(x) for x in self.month.split("-"))
        idx = y * 12 + (mo - 1) + step
        if not 2000 * 12 <= idx <= 2100 * 12:
            return
        self.month = f"{idx // 12:04d}-{idx % 12 + 1:02d}"
        try:
            self._load_month()
        except ServiceError as exc:
            self._fail(exc)

    @rx.event
    def on_load_event(self):
        self.error = self.notice = ""
        self.found = False
        m = _EVENT.match(str(self.router.url.path or ""))
        if not m:
            return
        self.centre_slug = m.group(1)
        try:
            centre = public_centre(self.centre_slug)
            e = get_public_event(self.centre_slug, id_or_zero(m.group(2)))
        except ServiceError as exc:
            self._fail(exc)
            return
        self.centre, self.found = centre.name, True
        self.ev_title, self.ev_type, self.ev_theme, self.ev_description = e.title, e.type, e.theme, e.description
        self.ev_when = f"{local_text(e.starts_at, centre.zone)} — {local_text(e.ends_at, centre.zone)}"
        self.ev_zone, self.ev_place, self.ev_online = centre.zone.key, e.address, e.online_url


def _frame(*body: rx.Component) -> rx.Component:
    return page_root(
        rx.el.header(rx.flex(
            rx.text("CC Network", size="4", weight="bold"),
            rx.text(PortalCalendarState.centre, weight="medium"),
            rx.spacer(), lang_switcher(),
            rx.link(tr("ui.login.title"), href="/login", size="2"),
            spacing="4", align="center", padding="0.8em 1em", wrap="wrap",
            border_bottom=f"1px solid {rx.color('gray', 5)}",
        )),
        rx.el.main(rx.vstack(*body, spacing="4", width="100%"),
                   style={"padding": "1.5em", "maxWidth": "60em", "margin": "0 auto"}),
    )


def _row(r) -> rx.Component:
    return rx.flex(
        rx.text(r.day, " ", r.time, size="2", style={"minWidth": "12em"}),
        rx.link(r.title, href="/portal/" + PortalCalendarState.centre_slug + "/events/" + r.id.to_string(),
                weight="medium"),
        rx.badge(I18nState.tx["ui.calendar.type." + r.type], variant="outline"),
        rx.text(r.place, size="2", color_scheme="gray"),
        spacing="3", align="center", wrap="wrap", width="100%", role="listitem",
        style={"padding": "0.5em 0", "borderBottom": f"1px solid {rx.color('gray', 4)}"},
    )


def calendar_page() -> rx.Component:
    return _frame(
        rx.heading(tr("ui.portal_calendar.title"), size="6", as_="h1"),
        messages(),
        rx.hstack(
            rx.button(tr("ui.calendar.previous"), on_click=PortalCalendarState.shift_month(-1), variant="soft"),
            rx.heading(I18nState.tx["ui.calendar.month." + PortalCalendarState.month_number.to_string()], " ",
                       PortalCalendarState.year, size="4", as_="h2"),
            rx.button(tr("ui.calendar.next"), on_click=PortalCalendarState.shift_month(1), variant="soft"),
            align="center", spacing="3",
        ),
        rx.cond(PortalCalendarState.rows.length() > 0,
                rx.vstack(rx.foreach(PortalCalendarState.rows, _row), width="100%", role="list"),
                empty("ui.portal_calendar.empty")),
    )


def event_page() -> rx.Component:
    return _frame(
        rx.link(tr("ui.portal_calendar.back"), href="/portal/" + PortalCalendarState.centre_slug + "/calendar"),
        messages(),
        rx.cond(PortalCalendarState.found, rx.vstack(
            rx.heading(PortalCalendarState.ev_title, size="6", as_="h1"),
            rx.badge(I18nState.tx["ui.calendar.type." + PortalCalendarState.ev_type], variant="outline"),
            rx.data_list.root(
                rx.data_list.item(rx.data_list.label(tr("ui.calendar.when")),
                                  rx.data_list.value(PortalCalendarState.ev_when, " (", PortalCalendarState.ev_zone,
                                                     ")")),
                rx.cond(PortalCalendarState.ev_theme != "",
                        rx.data_list.item(rx.data_list.label(tr("ui.calendar.field_theme")),
                                          rx.data_list.value(PortalCalendarState.ev_theme))),
                rx.cond(PortalCalendarState.ev_place != "",
                        rx.data_list.item(rx.data_list.label(tr("ui.calendar.field_address")),
                                          rx.data_list.value(PortalCalendarState.ev_place))),
                rx.cond(PortalCalendarState.ev_online != "",
                        rx.data_list.item(rx.data_list.label(tr("ui.calendar.field_online_url")),
                                          rx.data_list.value(rx.link(PortalCalendarState.ev_online,
                                                                     href=PortalCalendarState.ev_online,
                                                                     is_external=True)))),
            ),
            rx.text(PortalCalendarState.ev_description, white_space="pre-wrap"),
            spacing="3", width="100%",
        )),
    )


def register(app: rx.App) -> None:
    app.add_page(calendar_page, route="/portal/[slug]/calendar", on_load=PortalCalendarState.on_load_calendar,
                 title="CC Network")
    app.add_page(event_page, route="/portal/[slug]/events/[event_id]", on_load=PortalCalendarState.on_load_event,
                 title="CC Network")
