"""/portal/workshops: the catalogue of activities open to registration, with filters and
pages; register (signing the M36 image-rights waiver when the event publishes photos),
cancel, accept a seat offered from the waitlist."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta

import reflex as rx

from cc_network.pages.calendar.common import input_field, local_text, parse_date, select_field
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.portal.common import RegRow, reg_row, section, status_badge, zone_of
from cc_network.pages.portal.home import LIVE_REGISTRATION, reg_item
from cc_network.ui.components import empty, messages, pager
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from integrations.i18n import LANGS
from tenants.core.actor import Actor
from tenants.portal.registrations.services import (
    REGISTRATION_TYPES,
    catalogue,
    do_accept_offer,
    do_cancel_registration,
    do_register,
    my_registrations,
    waiver_text,
)

PER_PAGE = 10


@dataclasses.dataclass
class CatRow:
    id: int = 0
    type: str = ""
    title: str = ""
    theme: str = ""
    when: str = ""
    place: str = ""
    seats: str = ""  # "" when unlimited
    open_now: bool = True
    opens: str = ""
    photos: bool = False
    registration_id: int = 0  # my live registration, 0 when none
    my_status: str = ""


class WorkshopsState(AppState):
    rows: list[CatRow] = []
    mine: list[RegRow] = []
    page: int = 1
    pages: int = 1
    total: int = 0
    f_type: str = ""
    f_text: str = ""
    f_from: str = ""
    f_to: str = ""
    # the M36 waiver dialog
    waiver_open: bool = False
    waiver_title: str = ""
    waiver_body: str = ""
    _waiver_event: int = 0
    _waiver_version: str = ""

    def _filters(self) -> dict:
        zone = zone_of(self.tenant_slug)
        out: dict = {"page": self.page, "per_page": PER_PAGE}
        if self.f_type:
            out["types"] = [self.f_type]
        if self.f_text:
            out["text"] = self.f_text
        day_from, day_to = parse_date(self.f_from, required=False), parse_date(self.f_to, required=False)
        if day_from:
            out["date_from"] = datetime.combine(day_from, time.min, tzinfo=zone)
        if day_to:
            out["date_to"] = datetime.combine(day_to + timedelta(days=1), time.min, tzinfo=zone)
        return out

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        zone = zone_of(self.tenant_slug)
        regs = [r for r in my_registrations(actor, tid) if r.status in LIVE_REGISTRATION]
        by_event = {r.event_id: r for r in regs}
        page = catalogue(actor, tid, self._filters())
        self.total, self.pages = page.total, max(1, -(-page.total // PER_PAGE))
        self.rows = [CatRow(
            i.id, i.type, i.title, i.theme,
            f"{local_text(i.starts_at, zone)} — {local_text(i.ends_at, zone, '%H:%M')}",
            i.address or ("🔗" if i.online_url else ""),
            "" if i.seats_left is None else str(i.seats_left), i.open_now,
            local_text(i.registration_opens_at, zone), i.publishes_photos,
            by_event[i.id].id if i.id in by_event else 0, i.my_status or "") for i in page.items]
        self.mine = [reg_row(r, zone) for r in regs]

    def _reload(self, actor: Actor, notice: str | None = None) -> None:
        try:
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return
        if notice:
            self._ok(notice)

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("portal")
        if actor is None:
            return redirect
        self.page, self.f_type, self.f_text, self.f_from, self.f_to = 1, "", "", "", ""
        self.rows, self.mine, self.waiver_open = [], [], False
        self._reload(actor)
        return None

    @rx.event
    def apply_filters(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            kind = form_str(form, "type", max_len=40)
            if kind and kind not in REGISTRATION_TYPES:
                raise Invalid("unknown type", code="invalid_filter")
            f_from, f_to = form_str(form, "date_from", max_len=10), form_str(form, "date_to", max_len=10)
            parse_date(f_from, required=False), parse_date(f_to, required=False)
            self.f_type, self.f_text = kind, form_str(form, "text", max_len=100).strip()
            self.f_from, self.f_to, self.page = f_from, f_to, 1
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.error = ""
        self._reload(actor)
        return None

    @rx.event
    def clear_filters(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.page, self.f_type, self.f_text, self.f_from, self.f_to = 1, "", "", "", ""
        self._reload(actor)
        return None

    def _go(self, page: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.page = min(max(1, page), self.pages)
        self._reload(actor)
        return None

    @rx.event
    def next_page(self):
        return self._go(self.page + 1)

    @rx.event
    def prev_page(self):
        return self._go(self.page - 1)

    @rx.event
    def register(self, event_id: int, lang: str = "fr"):
        """Register at once, or open the waiver first when this event publishes photos."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            eid = as_id(event_id)
            row = next((r for r in self.rows if r.id == eid), None)
            if row is not None and row.photos:
                self._waiver_version, self.waiver_body = waiver_text(lang if lang in LANGS else "fr")
                self._waiver_event, self.waiver_title, self.waiver_open = eid, row.title, True
                self.error = self.notice = ""
                return None
            view = do_register(actor, actor.tenant_id or 0, eid)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._reload(actor, "ui.portal.registered_waitlist" if view.status == "waitlisted" else "ui.portal.registered")
        return None

    @rx.event
    def sign_waiver(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        if not self._waiver_event:
            return None
        try:
            waiver = {"accepted": bool(form_str(form, "accepted", max_len=10)),
                      "signature": form_str(form, "signature", max_len=200),
                      "text_version": self._waiver_version}
            view = do_register(actor, actor.tenant_id or 0, self._waiver_event, waiver=waiver)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.waiver_open, self._waiver_event = False, 0
        self._reload(actor, "ui.portal.registered_waitlist" if view.status == "waitlisted" else "ui.portal.registered")
        return None

    @rx.event
    def close_waiver(self):
        self.waiver_open, self._waiver_event = False, 0

    @rx.event
    def cancel_registration(self, registration_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_cancel_registration(actor, actor.tenant_id or 0, as_id(registration_id))
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._reload(actor, "ui.portal.registration_cancelled")
        return None

    @rx.event
    def accept_offer(self, registration_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_accept_offer(actor, actor.tenant_id or 0, as_id(registration_id))
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._reload(actor, "ui.portal.offer_accepted")
        return None


def _filters() -> rx.Component:
    s = WorkshopsState
    return rx.form(
        rx.flex(
            select_field(tr("ui.portal.filter_type"), "type", [(t, tr(f"ui.calendar.type.{t}"))
                                                              for t in REGISTRATION_TYPES],
                         default=s.f_type, blank=tr("ui.portal.all_types")),
            input_field(tr("ui.portal.filter_text"), "text", default=s.f_text),
            input_field(tr("ui.portal.day_from"), "date_from", type="date", default=s.f_from),
            input_field(tr("ui.portal.day_to"), "date_to", type="date", default=s.f_to),
            rx.button(tr("ui.portal.filter"), type="submit", style={"alignSelf": "end"}),
            rx.button(tr("ui.portal.clear_filters"), type="button", variant="soft", on_click=s.clear_filters,
                      style={"alignSelf": "end"}),
            spacing="3", width="100%", direction={"initial": "column", "md": "row"},
        ),
        on_submit=s.apply_filters, reset_on_submit=False, width="100%",
        key=s.f_type + s.f_text + s.f_from + s.f_to,
    )


def _card(r: CatRow) -> rx.Component:
    s = WorkshopsState
    return rx.card(rx.vstack(
        rx.flex(rx.heading(r.title, size="3", as_="h3"),
                rx.badge(I18nState.tx["ui.calendar.type." + r.type], variant="outline"),
                rx.cond(r.photos, rx.badge(tr("ui.portal.photos"), color_scheme="amber")),
                spacing="2", align="center", wrap="wrap"),
        rx.text(r.when, " ", r.place, size="2"),
        rx.cond(r.theme != "", rx.text(r.theme, size="2", color_scheme="gray")),
        rx.cond(r.seats != "", rx.text(tr("ui.portal.seats_left"), " ", r.seats, size="2")),
        rx.cond(
            r.registration_id > 0,
            rx.flex(status_badge(r.my_status),
                    rx.button(tr("ui.portal.cancel_registration"), on_click=s.cancel_registration(r.registration_id),
                              size="1", variant="soft", color_scheme="red",
                              aria_label=tr("ui.portal.cancel_registration") + " — " + r.title),
                    spacing="2", align="center"),
            rx.cond(r.open_now,
                    rx.button(tr("ui.portal.register"), on_click=s.register(r.id, I18nState.lang),
                              aria_label=tr("ui.portal.register") + " — " + r.title),
                    rx.text(tr("ui.portal.opens_at"), " ", r.opens, size="2", color_scheme="gray")),
        ),
        spacing="2", width="100%",
    ), width="100%", role="listitem")


def _waiver_dialog() -> rx.Component:
    s = WorkshopsState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.portal.waiver_title")),
            rx.dialog.description(s.waiver_title),
            rx.text(s.waiver_body, white_space="pre-wrap", size="2"),
            rx.form(
                rx.vstack(
                    rx.el.label(rx.el.input(type="checkbox", name="accepted", value="on", required=True),
                                rx.text(tr("ui.portal.waiver_accept"), as_="span", size="2"),
                                style={"display": "inline-flex", "gap": "0.4em", "alignItems": "center"}),
                    input_field(tr("ui.portal.waiver_signature"), "signature", required=True,
                                auto_complete="name"),
                    rx.hstack(rx.button(tr("ui.portal.waiver_sign"), type="submit"),
                              rx.button(tr("ui.portal.close"), type="button", variant="soft",
                                        on_click=s.close_waiver)),
                    spacing="3", width="100%",
                ),
                on_submit=s.sign_waiver, reset_on_submit=False, width="100%",
            ),
            messages(),
        ),
        open=s.waiver_open,
    )


def workshops_page() -> rx.Component:
    s = WorkshopsState
    return area_page(
        "portal", "ui.portal.workshops_title", messages(),
        section("ui.portal.my_registrations",
                rx.cond(s.mine.length() > 0,
                        rx.vstack(rx.foreach(s.mine, lambda r: reg_item(r, s.accept_offer)), role="list",
                                  width="100%"),
                        empty("ui.portal.no_registrations"))),
        section("ui.portal.catalogue", _filters(),
                rx.cond(s.rows.length() > 0,
                        rx.vstack(rx.foreach(s.rows, _card), role="list", width="100%"),
                        empty("ui.portal.catalogue_empty")),
                pager(s.page, s.pages, s.prev_page, s.next_page)),
        _waiver_dialog(),
    )


def register(app: rx.App) -> None:
    app.add_page(workshops_page, route="/portal/workshops", on_load=WorkshopsState.on_load, title="CC Network")
