"""/staff/calendar/settings: the manager's calendar settings — academic year (semesters,
holidays), rooms, and the weekly meeting series fixed for the year (P03.1)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import (
    Option,
    input_field,
    lines,
    opt_int,
    parse_date,
    parse_time,
    select_field,
    text_area,
)
from cc_network.pages.calendar.planning import calendar_nav
from cc_network.pages.forms import form_str
from cc_network.ui.components import checkbox, empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.calendar.services import (
    do_create_meeting_series,
    do_create_room,
    do_set_academic_year,
    list_academic_years,
    list_rooms,
)
from tenants.calendar.types import ACTIVITY_TYPES
from tenants.core.actor import Actor
from tenants.core.roles import Perm

MEETING_TYPES = [code for code, t in ACTIVITY_TYPES.items() if t.meeting]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclasses.dataclass
class YearRow:
    id: int = 0
    label: str = ""
    period: str = ""
    semesters: list[str] = dataclasses.field(default_factory=list)
    holidays: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class RoomRow:
    id: int = 0
    name: str = ""
    location: str = ""
    capacity: str = ""


class CalendarSettingsState(AppState):
    can_settings: bool = False
    years: list[YearRow] = []
    year_options: list[Option] = []
    rooms: list[RoomRow] = []
    room_options: list[Option] = []
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        self.can_settings = actor.can(Perm.CALENDAR_SETTINGS)
        years = list_academic_years(actor, tid)
        self.years = [YearRow(y.id, y.label, f"{y.starts_on} — {y.ends_on}",
                              [f"S{s.number}: {s.starts_on} — {s.ends_on}" for s in y.semesters],
                              [f"{h.name}: {h.starts_on} — {h.ends_on}" for h in y.holidays]) for y in years]
        self.year_options = [Option(str(y.id), y.label) for y in years]
        rooms = list_rooms(actor, tid)
        self.rooms = [RoomRow(r.id, r.name, r.location, "" if r.capacity is None else str(r.capacity))
                      for r in rooms]
        self.room_options = [Option(str(r.id), r.name) for r in rooms]

    def _after(self, actor: Actor, notice: str) -> None:
        self._load(actor)
        self.form_key += 1
        self._ok(notice)

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.years, self.rooms = [], []
        try:
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def save_year(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            semesters = []
            for n in (1, 2):
                start = parse_date(form_str(form, f"s{n}_start", max_len=10), required=False)
                end = parse_date(form_str(form, f"s{n}_end", max_len=10), required=False)
                if start and end:
                    semesters.append({"starts_on": start, "ends_on": end})
                elif start or end:
                    raise Invalid("semester", code="invalid_period")
            holidays = []
            for parts in lines(form_str(form, "holidays", max_len=10000)):
                if len(parts) < 2:
                    raise Invalid("holiday line", code="invalid_line")
                start = parse_date(parts[1])
                end = parse_date(parts[2]) if len(parts) > 2 and parts[2] else start
                holidays.append({"name": parts[0][:120], "starts_on": start, "ends_on": end})
            do_set_academic_year(actor, actor.tenant_id or 0, {
                "label": form_str(form, "label", max_len=20),
                "starts_on": parse_date(form_str(form, "starts_on", max_len=10)),
                "ends_on": parse_date(form_str(form, "ends_on", max_len=10)),
                "semesters": semesters, "holidays": holidays,
            })
            self._after(actor, "ui.calendar.year_saved")
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def add_room(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_create_room(actor, actor.tenant_id or 0, name=form_str(form, "name", max_len=120),
                           location=form_str(form, "location", max_len=200),
                           capacity=opt_int(form_str(form, "capacity", max_len=10), low=1, high=100000))
            self._after(actor, "ui.calendar.room_added")
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def create_series(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            weekday = form_str(form, "weekday", max_len=3)
            if weekday not in WEEKDAYS:
                raise Invalid("weekday", code="invalid")
            do_create_meeting_series(actor, actor.tenant_id or 0, {
                "type": form_str(form, "type", max_len=40) or "weekly_coordination_meeting",
                "title": form_str(form, "title", max_len=200),
                "academic_year_id": opt_int(form_str(form, "academic_year_id", max_len=20), low=1, high=2**62),
                "weekday": WEEKDAYS.index(weekday),
                "local_start": parse_time(form_str(form, "local_start", max_len=8)),
                "duration_minutes": opt_int(form_str(form, "duration_minutes", max_len=4), low=1, high=600),
                "room_id": opt_int(form_str(form, "room_id", max_len=20), low=1, high=2**62),
                "skip_holidays": form.get("skip_holidays") not in (None, "", False),
            })
            self._after(actor, "ui.calendar.series_created")
        except ServiceError as exc:
            self._fail(exc)
        return None


def _card(title_key: str, *children) -> rx.Component:
    return rx.card(rx.vstack(rx.heading(tr(title_key), size="4", as_="h2"), *children, spacing="3",
                             width="100%"), width="100%")


def _row(*children) -> rx.Component:
    return rx.flex(*children, spacing="3", width="100%", direction={"initial": "column", "sm": "row"})


def _year_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            _row(input_field(tr("ui.calendar.year_label"), "label", required=True, placeholder="2026-2027"),
                 input_field(tr("ui.calendar.year_starts_on"), "starts_on", type="date", required=True),
                 input_field(tr("ui.calendar.year_ends_on"), "ends_on", type="date", required=True)),
            _row(input_field(tr("ui.calendar.s1_start"), "s1_start", type="date"),
                 input_field(tr("ui.calendar.s1_end"), "s1_end", type="date"),
                 input_field(tr("ui.calendar.s2_start"), "s2_start", type="date"),
                 input_field(tr("ui.calendar.s2_end"), "s2_end", type="date")),
            text_area(tr("ui.calendar.holidays"), "holidays", hint=tr("ui.calendar.holidays_hint")),
            rx.button(tr("ui.calendar.save_year"), type="submit"),
            spacing="3", width="100%",
        ),
        on_submit=CalendarSettingsState.save_year, reset_on_submit=False, width="100%",
        key=CalendarSettingsState.form_key.to_string() + "-year",
    )


def _years() -> rx.Component:
    return rx.cond(
        CalendarSettingsState.years.length() > 0,
        rx.vstack(rx.foreach(CalendarSettingsState.years, lambda y: rx.box(
            rx.text(rx.text.strong(y.label), " ", y.period),
            rx.el.ul(rx.foreach(y.semesters, lambda x: rx.el.li(x)), rx.foreach(y.holidays, lambda x: rx.el.li(x))),
            aria_label=y.label, role="article",
        )), width="100%"),
        empty("ui.calendar.years_empty"),
    )


def _rooms() -> rx.Component:
    return rx.vstack(
        rx.cond(
            CalendarSettingsState.rooms.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.calendar.room_name")),
                    rx.table.column_header_cell(tr("ui.calendar.room_location")),
                    rx.table.column_header_cell(tr("ui.calendar.field_capacity")),
                )),
                rx.table.body(rx.foreach(CalendarSettingsState.rooms, lambda r: rx.table.row(
                    rx.table.row_header_cell(r.name), rx.table.cell(r.location), rx.table.cell(r.capacity)))),
                width="100%", variant="surface",
            ),
            empty("ui.calendar.rooms_empty"),
        ),
        rx.cond(CalendarSettingsState.can_settings, rx.form(
            _row(input_field(tr("ui.calendar.room_name"), "name", required=True),
                 input_field(tr("ui.calendar.room_location"), "location"),
                 input_field(tr("ui.calendar.field_capacity"), "capacity", type="number", min="1"),
                 rx.button(tr("ui.calendar.add_room"), type="submit", style={"alignSelf": "end"})),
            on_submit=CalendarSettingsState.add_room, reset_on_submit=True, width="100%",
        )),
        spacing="3", width="100%",
    )


def _series_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            _row(select_field(tr("ui.calendar.field_type"), "type",
                              [(t, I18nState.tx["ui.calendar.type." + t]) for t in MEETING_TYPES],
                              default="weekly_coordination_meeting"),
                 input_field(tr("ui.calendar.field_title"), "title", required=True)),
            _row(select_field(tr("ui.calendar.series_year"), "academic_year_id",
                              dynamic=CalendarSettingsState.year_options),
                 select_field(tr("ui.calendar.series_weekday"), "weekday",
                              [(w, I18nState.tx[f"ui.calendar.wd.{w}"]) for w in WEEKDAYS], default="mon"),
                 input_field(tr("ui.calendar.series_time"), "local_start", type="time", required=True),
                 input_field(tr("ui.calendar.series_duration"), "duration_minutes", type="number", default="60",
                             required=True, min="15")),
            _row(select_field(tr("ui.calendar.field_room"), "room_id", dynamic=CalendarSettingsState.room_options,
                              blank=tr("ui.calendar.no_room")),
                 checkbox(tr("ui.calendar.skip_holidays"), "skip_holidays", checked=True)),
            rx.button(tr("ui.calendar.create_series"), type="submit"),
            spacing="3", width="100%",
        ),
        on_submit=CalendarSettingsState.create_series, reset_on_submit=False, width="100%",
        key=CalendarSettingsState.form_key.to_string() + "-series",
    )


def settings_page() -> rx.Component:
    return area_page(
        "staff", "ui.calendar.settings_title",
        calendar_nav(),
        messages(),
        rx.cond(~CalendarSettingsState.can_settings,
                rx.text(tr("ui.calendar.settings_read_only"), size="2", color_scheme="gray")),
        _card("ui.calendar.years_title", _years(), rx.cond(CalendarSettingsState.can_settings, _year_form())),
        _card("ui.calendar.rooms_title", _rooms()),
        rx.cond(CalendarSettingsState.can_settings,
                _card("ui.calendar.series_title", rx.text(tr("ui.calendar.series_intro"), size="2",
                                                          color_scheme="gray"), _series_form())),
    )


def register(app: rx.App) -> None:
    app.add_page(settings_page, route="/staff/calendar/settings", on_load=CalendarSettingsState.on_load,
                 title="CC Network")
