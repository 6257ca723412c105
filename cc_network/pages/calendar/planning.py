"""/staff/calendar: the planning views (T01) — month, week, day, agenda — with filters,
the sections other floors add to the month's or week's planning (M32: the communication plan
folded in), and the person's ICS subscription URLs."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import reflex as rx

from cc_network.pages.calendar.common import (
    STATUS_COLORS,
    TYPES,
    Option,
    input_field,
    local_text,
    opt_int,
    select_field,
    team_options,
)
from cc_network.pages.forms import as_id, form_str
from cc_network.ui.components import confirm_dialog, empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import api_url, area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from integrations.i18n import LANGS
from tenants.calendar.planning import plan_sections
from tenants.calendar.queries import centre_zone
from tenants.calendar.services import (
    STATUSES,
    calendar_view,
    do_create_feed,
    do_revoke_feed,
    list_events,
    list_feeds,
)
from tenants.core.actor import Actor
from tenants.core.roles import Perm

VIEWS = ("month", "week", "day", "agenda")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AGENDA_PAGE = 20
AGENDA_DAYS = 366


@dataclasses.dataclass
class Chip:
    id: int = 0
    title: str = ""
    type: str = ""
    status: str = ""
    color: str = "gray"
    time: str = ""
    day: str = ""


@dataclasses.dataclass
class DayCell:
    day: str = ""
    number: str = ""
    weekday: str = "mon"  # its code, for the translated name
    in_period: bool = True
    today: bool = False
    events: list[Chip] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class SectionView:
    key: str = ""
    title: str = ""
    columns: list[str] = dataclasses.field(default_factory=list)
    rows: list[list[str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class FeedRow:
    id: int = 0
    scope: str = ""
    created: str = ""


def _chip(e, zone: ZoneInfo) -> Chip:
    return Chip(e.id, e.title, e.type, e.status, STATUS_COLORS.get(e.status, "gray"),
                local_text(e.starts_at, zone, "%H:%M"), local_text(e.starts_at, zone, "%Y-%m-%d"))


class CalendarState(AppState):
    view: str = "month"
    anchor: str = ""  # ISO date the view is centred on, in the centre's time zone
    period_month: int = 1
    period_label: str = ""
    days: list[DayCell] = []
    agenda: list[Chip] = []
    agenda_page: int = 1
    agenda_more: bool = False
    # filters (codes and ids already listed to this person)
    f_type: str = ""
    f_status: str = ""
    f_member: str = ""
    f_field: str = ""
    f_level: str = ""
    filters_key: int = 0
    members: list[Option] = []
    can_edit: bool = False
    can_settings: bool = False
    feeds: list[FeedRow] = []
    new_feed_url: str = ""
    sections: list[SectionView] = []
    # the sections come translated from the service: the language at the page's load
    _lang: str = "fr"

    def _zone(self, actor: Actor) -> ZoneInfo:
        return centre_zone(actor, actor.tenant_id or 0)

    def _filters(self, start: datetime, end: datetime) -> dict:
        f: dict = {"start": start, "end": end}
        if self.f_type:
            f["types"] = [self.f_type]
        if self.f_status:
            f["statuses"] = [self.f_status]
        if self.f_member:
            f["membership_id"] = int(self.f_member)
        if self.f_field:
            f["audience_field"] = self.f_field
        if self.f_level:
            f["audience_level"] = self.f_level
        return f

    def _range(self, anchor: date) -> tuple[date, date, date, date]:
        """(first shown day, day after the last shown, first and last day of the period)."""
        if self.view == "month":
            first = anchor.replace(day=1)
            nxt = (first + timedelta(days=32)).replace(day=1)
            start = first - timedelta(days=first.weekday())
            last = nxt - timedelta(days=1)
            end = last + timedelta(days=7 - last.weekday())
            return start, end, first, last
        if self.view == "week":
            start = anchor - timedelta(days=anchor.weekday())
            return start, start + timedelta(days=7), start, start + timedelta(days=6)
        return anchor, anchor + timedelta(days=1), anchor, anchor

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        zone = self._zone(actor)
        today = datetime.now(zone).date()
        anchor = date.fromisoformat(self.anchor) if self.anchor else today
        self.anchor = anchor.isoformat()
        self.period_month = anchor.month
        self.can_edit = actor.can(Perm.CALENDAR_EDIT)
        self.can_settings = actor.can(Perm.CALENDAR_SETTINGS)

        def aware(d: date) -> datetime:
            return datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(UTC)

        if self.view == "agenda":
            f = self._filters(aware(anchor), aware(anchor + timedelta(days=AGENDA_DAYS)))
            rows = list_events(actor, tid, f, limit=AGENDA_PAGE + 1, offset=(self.agenda_page - 1) * AGENDA_PAGE)
            self.agenda_more = len(rows) > AGENDA_PAGE
            self.agenda = [_chip(e, zone) for e in rows[:AGENDA_PAGE]]
            self.period_label = anchor.isoformat()
            self.days, self.sections = [], []
            return
        start, end, first, last = self._range(anchor)
        f = self._filters(aware(start), aware(end))
        # the light column query, unless the audience (a JSON column) is filtered
        rows = (list_events(actor, tid, f) if (self.f_field or self.f_level) else calendar_view(actor, tid, f))
        by_day: dict[str, list[Chip]] = {}
        for e in rows:
            c = _chip(e, zone)
            by_day.setdefault(c.day, []).append(c)
        cells = []
        d = start
        while d < end:
            key = d.isoformat()
            cells.append(DayCell(key, str(d.day), WEEKDAYS[d.weekday()], first <= d <= last, d == today, by_day.get(key, [])))
            d += timedelta(days=1)
        self.days = cells
        self.agenda = []
        self.sections = [] if self.view == "day" else [
            SectionView(x.key, x.title, [name for name, _ in x.columns], [list(r) for r in x.rows])
            for x in plan_sections(actor, tid, period=self.view, start=anchor, lang=self._lang)]
        self.period_label = (anchor.strftime("%Y") if self.view == "month"
                             else f"{first.isoformat()} — {last.isoformat()}" if self.view == "week"
                             else anchor.isoformat())

    def _load_feeds(self, actor: Actor) -> None:
        self.feeds = [FeedRow(f.id, f.scope, f.created_at.strftime("%Y-%m-%d"))
                      for f in list_feeds(actor, actor.tenant_id or 0)]

    @rx.event
    async def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        lang = (await self.get_state(I18nState)).lang
        self._lang = lang if lang in LANGS else "fr"
        self.view, self.anchor, self.agenda_page, self.new_feed_url = "month", "", 1, ""
        self.f_type = self.f_status = self.f_member = self.f_field = self.f_level = ""
        self.days, self.agenda, self.feeds, self.members, self.sections = [], [], [], [], []
        try:
            self.members, _ = team_options(actor, actor.tenant_id or 0)
            self._load_feeds(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._refresh(actor)

    @rx.event
    def choose_view(self, view: str):
        if view not in VIEWS:
            return None
        self.view, self.agenda_page = view, 1
        return self._refresh()

    @rx.event
    def shift(self, step: int):
        """Previous (-1) or next (+1) period."""
        if step not in (-1, 1) or not self.anchor:
            return None
        anchor = date.fromisoformat(self.anchor)
        if self.view == "month":
            month = anchor.month - 1 + step
            anchor = date(anchor.year + month // 12, month % 12 + 1, 1)
        else:
            anchor += timedelta(days={"week": 7, "day": 1, "agenda": 30}[self.view] * step)
        if not date(2000, 1, 1) <= anchor <= date(2100, 1, 1):
            return None
        self.anchor, self.agenda_page = anchor.isoformat(), 1
        return self._refresh()

    @rx.event
    def go_today(self):
        self.anchor, self.agenda_page = "", 1
        return self._refresh()

    @rx.event
    def open_day(self, day: str):
        """A day of the month grid, in the day view."""
        try:
            d = date.fromisoformat(day) if isinstance(day, str) else None
        except ValueError:
            d = None
        if d is None or not date(2000, 1, 1) <= d <= date(2100, 1, 1):
            return None
        self.anchor, self.view = d.isoformat(), "day"
        return self._refresh()

    @rx.event
    def apply_filters(self, form: dict):
        try:
            typ = form_str(form, "type", max_len=40)
            status = form_str(form, "status", max_len=20)
            member = form_str(form, "member", max_len=20)
            if (typ and typ not in TYPES) or (status and status not in STATUSES):
                raise Invalid("unknown filter", code="invalid_filter")
            if member and opt_int(member, low=1, high=2**62) not in {int(o.value) for o in self.members}:
                raise Invalid("unknown member", code="unknown_member")
            field = form_str(form, "audience_field", max_len=100).strip()
            level = form_str(form, "audience_level", max_len=100).strip()
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.f_type, self.f_status, self.f_member, self.f_field, self.f_level = typ, status, member, field, level
        self.agenda_page, self.error = 1, ""
        return self._refresh()

    @rx.event
    def clear_filters(self):
        self.f_type = self.f_status = self.f_member = self.f_field = self.f_level = ""
        self.filters_key += 1
        self.agenda_page = 1
        return self._refresh()

    @rx.event
    def agenda_next(self):
        if self.agenda_more:
            self.agenda_page += 1
        return self._refresh()

    @rx.event
    def agenda_prev(self):
        self.agenda_page = max(1, self.agenda_page - 1)
        return self._refresh()

    @rx.event
    def create_feed(self, scope: str):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        if scope not in ("personal", "tenant"):
            return None
        try:
            issued = do_create_feed(actor, actor.tenant_id or 0, scope=scope)
            self._load_feeds(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.new_feed_url = issued.url
        self._ok("ui.calendar.feed_created")
        return None

    @rx.event
    def revoke_feed(self, feed_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_revoke_feed(actor, actor.tenant_id or 0, as_id(feed_id))
            self._load_feeds(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.new_feed_url = ""
        self._ok("ui.calendar.feed_revoked")
        return None


# ---------------------------------------------------------------- components


def status_badge(status) -> rx.Component:
    return rx.badge(I18nState.tx["ui.calendar.status." + status], color_scheme=rx.match(
        status, *[(k, v) for k, v in STATUS_COLORS.items()], "gray"), variant="soft")


def _chip_link(c) -> rx.Component:
    return rx.link(
        rx.text(rx.text.strong(c.time), " ", c.title, size="1"),
        href="/staff/calendar/events/" + c.id.to_string(),
        underline="none", title=c.title,
        style={"display": "block", "padding": "1px 4px", "borderRadius": "4px", "overflow": "hidden",
               "overflowWrap": "anywhere",
               "borderInlineStart": "3px solid", "background": rx.color("accent", 3)},
        border_color=rx.match(c.status, *[(k, rx.color(v, 9)) for k, v in STATUS_COLORS.items()],
                              rx.color("gray", 9)),
    )


def _day_cell(d, tall: bool) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.button(d.number, variant=rx.cond(d.today, "solid", "ghost"), size="1",
                      aria_label=d.day, on_click=CalendarState.open_day(d.day)),
            direction="row", justify="end",
        ),
        rx.vstack(rx.foreach(d.events, _chip_link), spacing="1", width="100%"),
        role="gridcell", aria_label=d.day,
        style={"minHeight": "7em" if tall else "14em", "padding": "4px", "overflow": "hidden",
               "border": f"1px solid {rx.color('gray', 5)}"},
        background_color=rx.cond(d.in_period, rx.color("gray", 1), rx.color("gray", 3)),
    )


def _grid(tall: bool) -> rx.Component:
    head = [rx.box(tr(f"ui.calendar.wd.{w}"), role="columnheader",
                   style={"fontWeight": 600, "fontSize": "0.85em", "padding": "4px"}) for w in WEEKDAYS]
    return rx.box(
        *head,
        rx.foreach(CalendarState.days, lambda d: _day_cell(d, tall)),
        role="grid", aria_label=tr("ui.calendar.title"),
        style={"display": "grid", "gridTemplateColumns": "repeat(7, minmax(0, 1fr))", "width": "100%"},
    )


def _day_list() -> rx.Component:
    return rx.foreach(
        CalendarState.days,
        lambda d: rx.vstack(
            rx.heading(I18nState.tx["ui.calendar.wd." + d.weekday], " ", d.day, size="3", as_="h2"),
            rx.cond(d.events.length() > 0, rx.vstack(rx.foreach(d.events, _agenda_row), width="100%"),
                    empty("ui.calendar.empty_day")),
            width="100%",
        ),
    )


def _agenda_row(c) -> rx.Component:
    return rx.flex(
        rx.text(c.day, " ", c.time, size="2", style={"minWidth": "9em"}),
        rx.link(c.title, href="/staff/calendar/events/" + c.id.to_string(), weight="medium"),
        rx.badge(I18nState.tx["ui.calendar.type." + c.type], variant="outline"),
        status_badge(c.status),
        spacing="3", align="center", wrap="wrap", width="100%",
        style={"padding": "0.4em 0", "borderBottom": f"1px solid {rx.color('gray', 4)}"},
    )


def _agenda() -> rx.Component:
    return rx.vstack(
        rx.cond(CalendarState.agenda.length() > 0, rx.vstack(rx.foreach(CalendarState.agenda, _agenda_row),
                                                              width="100%", role="list"),
                empty("ui.calendar.empty_agenda")),
        rx.hstack(
            rx.button(tr("ui.pager.previous"), on_click=CalendarState.agenda_prev,
                      disabled=CalendarState.agenda_page <= 1, variant="soft"),
            rx.text(tr("ui.pager.page"), " ", CalendarState.agenda_page.to_string(), size="2"),
            rx.button(tr("ui.pager.next"), on_click=CalendarState.agenda_next,
                      disabled=~CalendarState.agenda_more, variant="soft"),
            align="center", spacing="3",
        ),
        width="100%",
    )


def _toolbar() -> rx.Component:
    view_buttons = [
        rx.button(tr(f"ui.calendar.view_{v}"), on_click=CalendarState.choose_view(v), size="2",
                  variant=rx.cond(CalendarState.view == v, "solid", "soft"),
                  aria_pressed=rx.cond(CalendarState.view == v, "true", "false"))
        for v in VIEWS
    ]
    return rx.flex(
        rx.hstack(
            rx.button(tr("ui.calendar.previous"), on_click=CalendarState.shift(-1), variant="soft"),
            rx.button(tr("ui.calendar.today"), on_click=CalendarState.go_today, variant="soft"),
            rx.button(tr("ui.calendar.next"), on_click=CalendarState.shift(1), variant="soft"),
            rx.heading(rx.cond(CalendarState.view == "month",
                               rx.fragment(I18nState.tx["ui.calendar.month." + CalendarState.period_month.to_string()],
                                           " ", CalendarState.period_label),
                               CalendarState.period_label), size="4", as_="h2"),
            align="center", spacing="2", wrap="wrap",
        ),
        rx.spacer(),
        rx.hstack(*view_buttons, spacing="1", role="group", aria_label=tr("ui.calendar.views")),
        _exports(),
        rx.cond(CalendarState.can_edit,
                rx.link(rx.button(tr("ui.calendar.new_event")), href="/staff/calendar/new")),
        spacing="3", align="center", wrap="wrap", width="100%",
    )


def _exports() -> rx.Component:
    """The M32 planning of the month (or of the week in the week view), as PDF or XLSX."""
    period = rx.cond(CalendarState.view == "week", "week", "month")

    def link(fmt: str, label: str) -> rx.Component:
        return rx.link(tr(label), is_external=True,
                       href=f"{api_url()}/api/v1/tenants/" + AppState.tenant_slug + "/planning?start="
                       + CalendarState.anchor + "&period=" + period + f"&format={fmt}&lang=" + I18nState.lang)

    return rx.hstack(rx.text(tr("ui.calendar.planning_export"), size="2", color_scheme="gray"),
                     link("pdf", "ui.calendar.planning_pdf"), link("xlsx", "ui.calendar.planning_xlsx"),
                     spacing="2", align="center", aria_label=tr("ui.calendar.planning_export"))


def _filters() -> rx.Component:
    return rx.form(
        rx.flex(
            select_field(tr("ui.calendar.filter_type"), "type",
                         [(t, I18nState.tx["ui.calendar.type." + t]) for t in TYPES],
                         default=CalendarState.f_type, blank=tr("ui.calendar.all"), width="14em"),
            select_field(tr("ui.calendar.filter_status"), "status",
                         [(s, I18nState.tx["ui.calendar.status." + s]) for s in STATUSES],
                         default=CalendarState.f_status, blank=tr("ui.calendar.all"), width="12em"),
            select_field(tr("ui.calendar.filter_member"), "member", dynamic=CalendarState.members,
                         default=CalendarState.f_member, blank=tr("ui.calendar.all"), width="14em"),
            input_field(tr("ui.calendar.filter_field"), "audience_field", default=CalendarState.f_field,
                        width="12em"),
            input_field(tr("ui.calendar.filter_level"), "audience_level", default=CalendarState.f_level,
                        width="12em"),
            rx.button(tr("ui.calendar.apply_filters"), type="submit", variant="soft"),
            rx.button(tr("ui.calendar.clear_filters"), type="button", variant="ghost",
                      on_click=CalendarState.clear_filters),
            spacing="3", align="end", wrap="wrap", width="100%",
        ),
        on_submit=CalendarState.apply_filters, reset_on_submit=False, width="100%", role="search",
        key=CalendarState.filters_key.to_string(),
    )


def _section(sec) -> rx.Component:
    """A block of the planning below the activities (e.g. the communication plan's entries)."""
    return rx.card(rx.vstack(
        rx.heading(sec.title, size="4", as_="h2"),
        rx.table.root(
            rx.table.header(rx.table.row(rx.foreach(sec.columns, lambda c: rx.table.column_header_cell(c)))),
            rx.table.body(rx.foreach(sec.rows, lambda r: rx.table.row(rx.foreach(r, lambda v: rx.table.cell(v))))),
            width="100%", variant="surface", aria_label=sec.title,
        ),
        spacing="3", width="100%",
    ), width="100%")


def _feed_row(f) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(I18nState.tx["ui.calendar.feed_scope." + f.scope]),
        rx.table.cell(f.created),
        rx.table.cell(confirm_dialog("ui.calendar.feed_revoke", "ui.calendar.feed_revoke_title",
                                     "ui.calendar.feed_revoke_text", CalendarState.revoke_feed(f.id))),
        aria_label=I18nState.tx["ui.calendar.feed_scope." + f.scope],
    )


def _feeds() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(tr("ui.calendar.feeds_title"), size="4", as_="h2"),
        rx.text(tr("ui.calendar.feeds_intro"), size="2", color_scheme="gray"),
        rx.cond(CalendarState.new_feed_url != "",
                rx.callout(rx.vstack(rx.text(tr("ui.calendar.feed_copy_now")),
                                     rx.code(CalendarState.new_feed_url, aria_label=tr("ui.calendar.feed_url"),
                                             style={"wordBreak": "break-all"})),
                           color_scheme="amber", width="100%")),
        rx.hstack(
            rx.button(tr("ui.calendar.feed_create_personal"), on_click=CalendarState.create_feed("personal")),
            rx.button(tr("ui.calendar.feed_create_tenant"), variant="soft",
                      on_click=CalendarState.create_feed("tenant")),
            spacing="3", wrap="wrap",
        ),
        rx.cond(
            CalendarState.feeds.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.calendar.feed_scope")),
                    rx.table.column_header_cell(tr("ui.tokens.created_on")),
                    rx.table.column_header_cell(tr("ui.team.actions")),
                )),
                rx.table.body(rx.foreach(CalendarState.feeds, _feed_row)),
                width="100%", variant="surface",
            ),
            empty("ui.calendar.feeds_empty"),
        ),
        spacing="3", width="100%",
    ), width="100%")


def calendar_nav() -> rx.Component:
    """Links between the calendar's pages."""
    return rx.flex(
        rx.link(tr("ui.calendar.title"), href="/staff/calendar"),
        rx.link(tr("ui.calendar.availability_title"), href="/staff/calendar/availability"),
        rx.link(tr("ui.calendar.settings_title"), href="/staff/calendar/settings"),
        spacing="4", wrap="wrap",
    )


def calendar_page() -> rx.Component:
    return area_page(
        "staff", "ui.calendar.title",
        calendar_nav(),
        messages(),
        _toolbar(),
        _filters(),
        rx.match(
            CalendarState.view,
            ("month", _grid(True)),
            ("week", _grid(False)),
            ("day", rx.vstack(_day_list(), width="100%")),
            _agenda(),
        ),
        rx.foreach(CalendarState.sections, _section),
        _feeds(),
    )


def register(app: rx.App) -> None:
    app.add_page(calendar_page, route="/staff/calendar", on_load=CalendarState.on_load, title="CC Network")
