"""/portal/sessions: choose a counselor and a range of days, see their free slots, say what
the session is for, book; the list of my sessions, cancellable until the centre's cut-off."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import reflex as rx

from cc_network.pages.calendar.common import (
    Option,
    input_field,
    local_text,
    parse_date,
    select_field,
    text_area,
)
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.portal.common import BookingRow, booking_row, section, zone_of
from cc_network.pages.portal.home import booking_item
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.db import utcnow
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.portal.sessions.services import (
    booking_suspended_until,
    do_book_session,
    do_cancel_my_booking,
    free_slots,
    list_counselors,
    list_my_bookings,
)

DEFAULT_RANGE_DAYS = 14


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclasses.dataclass
class SlotRow:
    value: str = ""  # the start, ISO with its offset: what the booking sends back
    label: str = ""  # the time, in the centre's zone


@dataclasses.dataclass
class SlotDay:
    """One day's free slots, under a heading built from the translated weekday and month."""

    weekday: str = ""  # mon … sun
    day: str = ""
    month: str = ""  # 1 … 12
    slots: list[SlotRow] = dataclasses.field(default_factory=list)


class PortalSessionsState(AppState):
    counselors: list[Option] = []
    counselor: str = ""
    day_from: str = ""
    day_to: str = ""
    slots: list[SlotRow] = []
    days: list[SlotDay] = []
    searched: bool = False
    bookings: list[BookingRow] = []
    suspended_until: str = ""
    form_key: int = 0

    def _load_bookings(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        zone, now = zone_of(self.tenant_slug), utcnow()
        self.bookings = [booking_row(b, zone, now) for b in list_my_bookings(actor, tid)]
        until = booking_suspended_until(actor, tid)
        self.suspended_until = local_text(until, zone) if until else ""

    def _search(self, actor: Actor) -> None:
        zone = zone_of(self.tenant_slug)
        found = free_slots(actor, actor.tenant_id or 0, int(self.counselor),
                           day_from=parse_date(self.day_from), day_to=parse_date(self.day_to))
        self.slots, days = [], {}
        for slot in found:
            start = slot.starts_at.astimezone(zone)
            row = SlotRow(start.isoformat(), local_text(start, zone, "%H:%M"))
            self.slots.append(row)
            d = start.date()
            days.setdefault(d, SlotDay(WEEKDAYS[d.weekday()], str(d.day), str(d.month))).slots.append(row)
        self.days = list(days.values())
        self.searched = True

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("portal")
        if actor is None:
            return redirect
        today = datetime.now(zone_of(self.tenant_slug)).date()
        self.day_from, self.day_to = today.isoformat(), (today + timedelta(days=DEFAULT_RANGE_DAYS)).isoformat()
        self.counselor, self.slots, self.days, self.searched = "", [], [], False
        self.bookings, self.counselors = [], []
        try:
            self.counselors = [Option(str(c.membership_id), c.full_name)
                               for c in list_counselors(actor, actor.tenant_id or 0)]
            self._load_bookings(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def search_slots(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.slots, self.days, self.searched = [], [], False
        try:
            counselor = form_str(form, "counselor", max_len=20)
            # only a counselor this page listed; the service checks again in the caller's centre
            if counselor not in {o.value for o in self.counselors}:
                raise Invalid("pick a counselor", code="unknown_counselor")
            self.counselor = counselor
            self.day_from = form_str(form, "day_from", max_len=10)
            self.day_to = form_str(form, "day_to", max_len=10)
            self._search(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.error = self.notice = ""
        self.form_key += 1
        return None

    @rx.event
    def book(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            start = form_str(form, "slot", max_len=40)
            if not self.counselor or start not in {s.value for s in self.slots}:
                raise Invalid("pick one of the free slots", code="outside_availability")
            do_book_session(actor, actor.tenant_id or 0, {
                "counselor_membership_id": int(self.counselor), "starts_at": start,
                "need": form_str(form, "need", max_len=2000)})
        except ServiceError as exc:
            self._fail(exc)
            return None
        try:
            self._load_bookings(actor)
            self._search(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.portal.session_booked")
        self.form_key += 1
        return None

    @rx.event
    def cancel_booking(self, booking_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_cancel_my_booking(actor, actor.tenant_id or 0, as_id(booking_id))
            self._load_bookings(actor)
            if self.searched:
                self._search(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.portal.session_cancelled")
        return None


def _search_form() -> rx.Component:
    s = PortalSessionsState
    return rx.form(
        rx.flex(
            select_field(tr("ui.portal.counselor"), "counselor", dynamic=s.counselors, default=s.counselor,
                         blank=tr("ui.portal.choose_counselor")),
            input_field(tr("ui.portal.day_from"), "day_from", type="date", default=s.day_from, required=True),
            input_field(tr("ui.portal.day_to"), "day_to", type="date", default=s.day_to, required=True),
            rx.button(tr("ui.portal.see_slots"), type="submit", style={"alignSelf": "end"}),
            spacing="3", width="100%", direction={"initial": "column", "sm": "row"},
        ),
        on_submit=s.search_slots, reset_on_submit=False, width="100%",
        key=s.form_key.to_string() + "-search",
    )


def _slot_day(day: SlotDay) -> rx.Component:
    """A day's slots as one group of radios, the day as its legend."""
    return rx.el.fieldset(
        rx.el.legend(I18nState.tx["ui.calendar.wd." + day.weekday], " ", day.day, " ",
                     I18nState.tx["ui.calendar.month." + day.month], style={"fontWeight": 600}),
        rx.flex(rx.foreach(day.slots, lambda sl: rx.el.label(
            rx.el.input(type="radio", name="slot", value=sl.value, required=True),
            rx.text(sl.label, as_="span", size="2"),
            style={"display": "inline-flex", "gap": "0.4em", "alignItems": "center",
                   "marginInlineEnd": "1em"})), wrap="wrap", spacing="2"),
        style={"border": "none", "padding": 0, "margin": 0},
        width="100%",
    )


def _book_form() -> rx.Component:
    s = PortalSessionsState
    return rx.cond(
        s.slots.length() > 0,
        rx.form(
            rx.vstack(
                rx.text(tr("ui.portal.free_slots"), weight="medium"),
                rx.foreach(s.days, _slot_day),
                text_area(tr("ui.portal.need"), "need", hint=tr("ui.portal.need_hint")),
                rx.button(tr("ui.portal.book"), type="submit"),
                spacing="3", width="100%",
            ),
            on_submit=s.book, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-book",
        ),
        rx.cond(s.searched, empty("ui.portal.no_slots")),
    )


def _my_bookings() -> rx.Component:
    s = PortalSessionsState
    return rx.cond(
        s.bookings.length() > 0,
        rx.vstack(rx.foreach(s.bookings, lambda b: booking_item(b, rx.cond(
            b.open, rx.button(tr("ui.portal.cancel"), on_click=s.cancel_booking(b.id), size="1", variant="soft",
                              color_scheme="red", aria_label=tr("ui.portal.cancel") + " — " + b.when)))),
                  role="list", width="100%"),
        empty("ui.portal.no_sessions"),
    )


def sessions_page() -> rx.Component:
    s = PortalSessionsState
    return area_page(
        "portal", "ui.portal.sessions_title", messages(),
        rx.cond(s.suspended_until != "",
                rx.callout(tr("ui.portal.suspended_until") + " " + s.suspended_until, color_scheme="amber",
                           width="100%")),
        section("ui.portal.find_slot", _search_form(), _book_form()),
        section("ui.portal.my_sessions", _my_bookings()),
    )


def register(app: rx.App) -> None:
    app.add_page(sessions_page, route="/portal/sessions", on_load=PortalSessionsState.on_load, title="CC Network")
