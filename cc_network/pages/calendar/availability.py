"""/staff/calendar/availability: a counselor's weekly working hours and absences (bookings
use them). Each person edits their own; the manager can pick any team member."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import reflex as rx

from cc_network.pages.calendar.common import (
    Option,
    input_field,
    local_text,
    parse_local,
    team_options,
)
from cc_network.pages.calendar.planning import calendar_nav
from cc_network.pages.forms import form_str
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.db import utcnow
from integrations.errors import Invalid, ServiceError
from tenants.calendar.queries import centre_zone, list_absences, list_availability
from tenants.calendar.services import do_add_absence, do_set_availability
from tenants.core.actor import Actor
from tenants.core.roles import Perm

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclasses.dataclass
class AbsenceRow:
    id: int = 0
    period: str = ""
    reason: str = ""


class AvailabilityState(AppState):
    can_pick: bool = False
    members: list[Option] = []
    member: str = ""  # the membership shown (one of `members`, or the caller)
    # "HH:MM" per weekday code, one slot a day
    starts: dict[str, str] = {}
    ends: dict[str, str] = {}
    absences: list[AbsenceRow] = []
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        mid = int(self.member)
        slots = list_availability(actor, tid, mid)
        self.starts = {WEEKDAYS[s.weekday]: s.start_time.strftime("%H:%M") for s in slots}
        self.ends = {WEEKDAYS[s.weekday]: s.end_time.strftime("%H:%M") for s in slots}
        zone = centre_zone(actor, tid)
        self.absences = [AbsenceRow(a.id, f"{local_text(a.starts_at, zone)} — {local_text(a.ends_at, zone)}",
                                    a.reason)
                         for a in list_absences(actor, tid, mid, since=utcnow() - timedelta(days=1))]
        self.form_key += 1

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.can_pick = actor.can(Perm.CALENDAR_SETTINGS)
        self.member = str(actor.membership_id or "")
        self.absences, self.starts, self.ends = [], {}, {}
        try:
            self.members = team_options(actor, actor.tenant_id or 0)[0] if self.can_pick else []
            if self.member:
                self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def pick_member(self, value: str):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        # only someone already listed to this manager
        if not isinstance(value, str) or value not in {o.value for o in self.members}:
            return None
        self.member = value
        try:
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def save_hours(self, form: dict):
        actor = self._actor()
        if actor is None or not self.member:
            return rx.redirect("/login") if actor is None else None
        try:
            slots = []
            for i, w in enumerate(WEEKDAYS):
                start, end = form_str(form, f"start_{w}", max_len=8), form_str(form, f"end_{w}", max_len=8)
                if start and end:
                    slots.append({"weekday": i, "start_time": start, "end_time": end})
                elif start or end:
                    raise Invalid("half a slot", code="invalid_time")
            do_set_availability(actor, actor.tenant_id or 0, int(self.member), slots)
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.calendar.hours_saved")
        return None

    @rx.event
    def add_absence(self, form: dict):
        actor = self._actor()
        if actor is None or not self.member:
            return rx.redirect("/login") if actor is None else None
        try:
            tid = actor.tenant_id or 0
            zone = centre_zone(actor, tid)
            do_add_absence(actor, tid, int(self.member),
                           starts_at=parse_local(form_str(form, "starts_at", max_len=20), zone),
                           ends_at=parse_local(form_str(form, "ends_at", max_len=20), zone),
                           reason=form_str(form, "reason", max_len=200))
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.calendar.absence_added")
        return None


def _hours_form() -> rx.Component:
    rows = [
        rx.table.row(
            rx.table.row_header_cell(tr(f"ui.calendar.wd.{w}")),
            rx.table.cell(rx.input(type="time", name=f"start_{w}", default_value=AvailabilityState.starts[w].to(str),
                                   aria_label=tr("ui.calendar.hours_from") + " " + tr(f"ui.calendar.wd.{w}"))),
            rx.table.cell(rx.input(type="time", name=f"end_{w}", default_value=AvailabilityState.ends[w].to(str),
                                   aria_label=tr("ui.calendar.hours_to") + " " + tr(f"ui.calendar.wd.{w}"))),
        )
        for w in WEEKDAYS
    ]
    return rx.form(
        rx.vstack(
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.calendar.weekday")),
                    rx.table.column_header_cell(tr("ui.calendar.hours_from")),
                    rx.table.column_header_cell(tr("ui.calendar.hours_to")),
                )),
                rx.table.body(*rows), variant="surface",
            ),
            rx.button(tr("ui.calendar.save_hours"), type="submit"),
            spacing="3",
        ),
        on_submit=AvailabilityState.save_hours, reset_on_submit=False,
        key=AvailabilityState.form_key.to_string() + "-hours",
    )


def _absences() -> rx.Component:
    return rx.vstack(
        rx.cond(AvailabilityState.absences.length() > 0,
                rx.el.ul(rx.foreach(AvailabilityState.absences, lambda a: rx.el.li(
                    a.period, rx.cond(a.reason != "", rx.fragment(" — ", a.reason), "")))),
                empty("ui.calendar.absences_empty")),
        rx.form(
            rx.flex(
                input_field(tr("ui.calendar.absence_start"), "starts_at", type="datetime-local", required=True),
                input_field(tr("ui.calendar.absence_end"), "ends_at", type="datetime-local", required=True),
                input_field(tr("ui.calendar.absence_reason"), "reason"),
                rx.button(tr("ui.calendar.add_absence"), type="submit", style={"alignSelf": "end"}),
                spacing="3", width="100%", direction={"initial": "column", "sm": "row"},
            ),
            on_submit=AvailabilityState.add_absence, reset_on_submit=True, width="100%",
        ),
        spacing="3", width="100%",
    )


def availability_page() -> rx.Component:
    return area_page(
        "staff", "ui.calendar.availability_title",
        calendar_nav(),
        messages(),
        rx.cond(AvailabilityState.can_pick, rx.hstack(
            rx.el.label(tr("ui.calendar.filter_member"), html_for="cal-member"),
            rx.el.select(rx.foreach(AvailabilityState.members, lambda o: rx.el.option(o.label, value=o.value)),
                         id="cal-member", value=AvailabilityState.member, on_change=AvailabilityState.pick_member,
                         style={"padding": "0.3em", "borderRadius": "6px"}),
            align="center",
        )),
        rx.card(rx.vstack(rx.heading(tr("ui.calendar.hours_title"), size="4", as_="h2"), _hours_form(),
                          spacing="3"), width="100%"),
        rx.card(rx.vstack(rx.heading(tr("ui.calendar.absences_title"), size="4", as_="h2"), _absences(),
                          spacing="3", width="100%"), width="100%"),
    )


def register(app: rx.App) -> None:
    app.add_page(availability_page, route="/staff/calendar/availability", on_load=AvailabilityState.on_load,
                 title="CC Network")

