"""Shared pieces of the student pages: the centre's clock, the rows they list, the nav."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

import reflex as rx

from cc_network.pages.calendar.common import local_text
from cc_network.ui.i18n import tr
from tenants.calendar.queries import public_centre
from tenants.portal.registrations.services import RegistrationView
from tenants.portal.sessions.models import OPEN_STATUSES
from tenants.portal.sessions.services import StudentBookingView

DEFAULT_ZONE = ZoneInfo("Africa/Casablanca")


def zone_of(slug: str) -> ZoneInfo:
    # students have no calendar permission: the centre's zone is public (its portal shows it)
    return public_centre(slug).zone if slug else DEFAULT_ZONE


@dataclasses.dataclass
class BookingRow:
    id: int = 0
    counselor: str = ""
    when: str = ""
    need: str = ""
    status: str = ""
    open: bool = False  # requested or confirmed, still to come: the student may cancel


@dataclasses.dataclass
class RegRow:
    id: int = 0
    event_id: int = 0
    title: str = ""
    when: str = ""
    status: str = ""
    position: int = 0  # 0: not on the waitlist
    hold_until: str = ""  # set while a seat is offered


def booking_row(b: StudentBookingView, zone: ZoneInfo, now: datetime) -> BookingRow:
    return BookingRow(b.id, b.counselor_name,
                      f"{local_text(b.starts_at, zone)} — {local_text(b.ends_at, zone, '%H:%M')}",
                      b.need, b.status, b.status in OPEN_STATUSES and b.starts_at > now)


def reg_row(r: RegistrationView, zone: ZoneInfo) -> RegRow:
    return RegRow(r.id, r.event_id, r.event_title, local_text(r.event_starts_at, zone), r.status,
                  r.position or 0, local_text(r.hold_expires_at, zone) if r.status == "offered" else "")


def section(title_key: str, *body: rx.Component) -> rx.Component:
    return rx.card(rx.vstack(rx.heading(tr(title_key), size="4", as_="h2"), *body, spacing="3", width="100%"),
                   width="100%")


def status_badge(status: rx.Var) -> rx.Component:
    from cc_network.ui.i18n import I18nState

    return rx.badge(I18nState.tx["ui.portal.status." + status], variant="soft")
