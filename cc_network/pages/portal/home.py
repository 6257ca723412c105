"""/portal: the student's home: what is coming (sessions, registrations, offers to accept),
what is past, and workshops that suit their profile."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.areas import _identity_card, _welcome
from cc_network.pages.calendar.common import local_text
from cc_network.pages.forms import as_id
from cc_network.pages.portal.common import (
    BookingRow,
    RegRow,
    booking_row,
    reg_row,
    section,
    status_badge,
    zone_of,
)
from cc_network.pages.portal.surveys import certificate_download
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.db import utcnow
from integrations.errors import ServiceError
from integrations.qr import qr_data_url
from tenants.core.actor import Actor
from tenants.portal.certificates.services import my_certificates
from tenants.portal.registrations.services import (
    do_accept_offer,
    my_registrations,
    recommended_activities,
)
from tenants.portal.sessions.services import list_my_bookings
from tenants.portal.surveys.services import my_pending_questionnaires
from tenants.portal.visits.services import student_qr_value

RECOMMENDED = 5
LIVE_REGISTRATION = ("confirmed", "pending_confirmation", "waitlisted", "offered")


@dataclasses.dataclass
class PendingSurvey:
    title: str = ""
    when: str = ""
    href: str = ""


@dataclasses.dataclass
class CertRow:
    id: int = 0
    title: str = ""
    date: str = ""
    valid: bool = True


@dataclasses.dataclass
class Suggestion:
    id: int = 0
    title: str = ""
    when: str = ""


class PortalHomeState(AppState):
    upcoming_sessions: list[BookingRow] = []
    upcoming_regs: list[RegRow] = []
    past_sessions: list[BookingRow] = []
    past_regs: list[RegRow] = []
    suggestions: list[Suggestion] = []
    surveys: list[PendingSurvey] = []
    certificates: list[CertRow] = []
    # the student's personal QR code for the reception kiosk, as a data: URL image
    qr_src: str = ""

    def _load(self, actor: Actor) -> None:
        tid, now = actor.tenant_id or 0, utcnow()
        zone = zone_of(self.tenant_slug)
        bookings = list_my_bookings(actor, tid)
        self.upcoming_sessions = [booking_row(b, zone, now) for b in reversed(bookings)
                                  if b.ends_at > now and b.status != "cancelled"]
        self.past_sessions = [booking_row(b, zone, now) for b in bookings
                              if not (b.ends_at > now and b.status != "cancelled")][:20]
        regs = my_registrations(actor, tid, include_past=True)
        self.upcoming_regs = [reg_row(r, zone) for r in regs
                              if r.event_starts_at > now and r.status in LIVE_REGISTRATION]
        self.past_regs = [reg_row(r, zone) for r in reversed(regs)
                          if not (r.event_starts_at > now and r.status in LIVE_REGISTRATION)][:20]
        self.suggestions = self._suggest(actor, tid, zone)
        self.surveys = [PendingSurvey(q.event_title, local_text(q.event_starts_at, zone),
                                      f"/portal/{self.tenant_slug}/surveys/{q.event_id}")
                        for q in my_pending_questionnaires(actor, tid)]
        self.certificates = [CertRow(c.id, c.event_title, c.event_date.strftime("%d/%m/%Y"), c.valid)
                             for c in my_certificates(actor, tid)]
        self._load_qr(actor, tid)

    def _load_qr(self, actor: Actor, tid: int) -> None:
        try:
            value = student_qr_value(actor, tid)
        except ServiceError:
            value = None
        self.qr_src = qr_data_url(value) if value else ""

    def _suggest(self, actor: Actor, tid: int, zone) -> list[Suggestion]:
        return [Suggestion(i.id, i.title, local_text(i.starts_at, zone))
                for i in recommended_activities(actor, tid, RECOMMENDED)]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("portal")
        if actor is None:
            return redirect
        self.upcoming_sessions, self.upcoming_regs, self.past_sessions, self.past_regs = [], [], [], []
        self.suggestions, self.surveys, self.certificates, self.qr_src = [], [], [], ""
        try:
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def accept_offer(self, registration_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_accept_offer(actor, actor.tenant_id or 0, as_id(registration_id))
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.portal.offer_accepted")
        return None

    @rx.event
    def download_certificate(self, certificate_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            return certificate_download(actor, as_id(certificate_id))
        except ServiceError as exc:
            self._fail(exc)
            return None


def reg_item(r: RegRow, accept) -> rx.Component:
    """One registration: its status, waitlist place, or the offer and its deadline."""
    return rx.flex(
        rx.text(r.when, size="2", style={"minWidth": "10em"}),
        rx.text(r.title, weight="medium"),
        status_badge(r.status),
        rx.cond(r.position > 0, rx.text(tr("ui.portal.waitlist_position"), " ", r.position.to_string(), size="2")),
        rx.cond(r.hold_until != "", rx.fragment(
            rx.text(tr("ui.portal.offer_until"), " ", r.hold_until, size="2", color_scheme="amber"),
            rx.button(tr("ui.portal.accept_offer"), on_click=accept(r.id), size="1",
                      aria_label=tr("ui.portal.accept_offer") + " — " + r.title),
        )),
        spacing="3", align="center", wrap="wrap", role="listitem", width="100%",
    )


def booking_item(b: BookingRow, *actions: rx.Component) -> rx.Component:
    return rx.flex(
        rx.text(b.when, size="2", style={"minWidth": "10em"}),
        rx.text(b.counselor, weight="medium"),
        status_badge(b.status),
        rx.text(b.need, size="2", color_scheme="gray"),
        *actions,
        spacing="3", align="center", wrap="wrap", role="listitem", width="100%",
    )


def _list(items: rx.Var, render, empty_key: str) -> rx.Component:
    return rx.cond(items.length() > 0, rx.vstack(rx.foreach(items, render), role="list", width="100%"),
                   empty(empty_key))


def portal_home() -> rx.Component:
    s = PortalHomeState
    return area_page(
        "portal", "ui.home.portal_title", _welcome(), messages(),
        section("ui.portal.upcoming_sessions", _list(s.upcoming_sessions, booking_item, "ui.portal.no_sessions"),
                rx.link(tr("ui.portal.book_session"), href="/portal/sessions")),
        section("ui.portal.upcoming_registrations",
                _list(s.upcoming_regs, lambda r: reg_item(r, s.accept_offer), "ui.portal.no_registrations"),
                rx.link(tr("ui.portal.see_catalogue"), href="/portal/workshops")),
        section("ui.survey.pending", _list(s.surveys, lambda q: rx.flex(
            rx.text(q.when, size="2", style={"minWidth": "10em"}),
            rx.link(q.title, href=q.href, weight="medium"),
            spacing="3", role="listitem"), "ui.survey.none_pending")),
        section("ui.survey.my_certificates", _list(s.certificates, lambda c: rx.flex(
            rx.text(c.date, size="2", style={"minWidth": "10em"}),
            rx.text(c.title, weight="medium"),
            rx.cond(c.valid, rx.fragment(), rx.badge(tr("ui.survey.revoked"), color_scheme="red")),
            rx.button(tr("ui.survey.download"), size="1", variant="soft",
                      on_click=s.download_certificate(c.id),
                      aria_label=tr("ui.survey.download_certificate") + " — " + c.title),
            spacing="3", align="center", wrap="wrap", role="listitem"), "ui.survey.no_certificates")),
        section("ui.portal.recommended", _list(s.suggestions, lambda w: rx.flex(
            rx.text(w.when, size="2", style={"minWidth": "10em"}), rx.text(w.title, weight="medium"),
            spacing="3", role="listitem"), "ui.portal.no_recommendation")),
        rx.cond(s.qr_src != "", section(
            "ui.portal.my_qr", rx.text(tr("ui.portal.my_qr_hint"), size="2", color_scheme="gray"),
            rx.image(src=s.qr_src, alt=tr("ui.portal.my_qr_alt"), width="12em", height="12em",
                     style={"imageRendering": "pixelated", "background": "white"}))),
        section("ui.portal.history",
                rx.heading(tr("ui.portal.past_sessions"), size="3", as_="h3"),
                _list(s.past_sessions, booking_item, "ui.portal.no_sessions"),
                rx.heading(tr("ui.portal.past_registrations"), size="3", as_="h3"),
                _list(s.past_regs, lambda r: reg_item(r, s.accept_offer), "ui.portal.no_registrations")),
        _identity_card(),
    )


def register(app: rx.App) -> None:
    app.add_page(portal_home, route="/portal", on_load=PortalHomeState.on_load, title="CC Network")
