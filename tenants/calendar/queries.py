"""Read-only lookups of the calendar that the faces need besides services.py: the centre's
time zone, the portal's single published event, a member's working hours and absences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from integrations.db import system_session, tenant_session
from integrations.errors import Forbidden, NotFound
from tenants.calendar.models import Absence, Availability, Event
from tenants.calendar.services import CLOSED, HELD, PUBLISHED, tenant_zone
from tenants.calendar.types import ACTIVITY_TYPES
from tenants.core.actor import Actor, require
from tenants.core.models import Membership
from tenants.core.queries import get_tenant_by_slug
from tenants.core.roles import Perm


def centre_zone(actor: Actor, tenant_id: int) -> ZoneInfo:
    """The zone the centre's dates are typed and shown in (default Africa/Casablanca)."""
    require(actor, Perm.CALENDAR_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return tenant_zone(s, tenant_id)


@dataclass(frozen=True)
class PublicCentre:
    id: int
    slug: str
    name: str
    zone: ZoneInfo


def public_centre(slug: str) -> PublicCentre:
    """What a portal page may show of a centre to anyone: its name and time zone."""
    with system_session("portal calendar: centre name") as s:
        t = get_tenant_by_slug(s, slug)
        return PublicCentre(t.id, t.slug, t.name, ZoneInfo(t.timezone))


def get_public_event(slug: str, event_id: int) -> Event:
    """One published activity of the portal; anything else (a draft, a meeting, another
    centre's event) is 'not found'."""
    centre = public_centre(slug)
    public_types = [code for code, t in ACTIVITY_TYPES.items() if t.public]
    with tenant_session(centre.id) as s:
        e = s.exec(select(Event).where(Event.id == event_id, Event.status.in_((PUBLISHED, HELD, CLOSED)),
                                       Event.type.in_(public_types))).first()
        if e is None:
            raise NotFound("event not found")
        return e


def _own_or_manager(actor: Actor, tenant_id: int, membership_id: int) -> None:
    require(actor, Perm.CALENDAR_EDIT, tenant_id=tenant_id)
    if membership_id != actor.membership_id and not actor.can(Perm.CALENDAR_SETTINGS):
        raise Forbidden("only the manager sees someone else's hours", code="forbidden")


def list_availability(actor: Actor, tenant_id: int, membership_id: int) -> list[Availability]:
    _own_or_manager(actor, tenant_id, membership_id)
    with tenant_session(tenant_id) as s:
        if s.get(Membership, membership_id) is None:
            raise NotFound("member not found")
        return list(s.exec(select(Availability).where(Availability.membership_id == membership_id)
                           .order_by(Availability.weekday, Availability.start_time)).all())


def list_absences(actor: Actor, tenant_id: int, membership_id: int, *, since: datetime) -> list[Absence]:
    _own_or_manager(actor, tenant_id, membership_id)
    with tenant_session(tenant_id) as s:
        if s.get(Membership, membership_id) is None:
            raise NotFound("member not found")
        return list(s.exec(select(Absence).where(Absence.membership_id == membership_id, Absence.ends_at > since)
                           .order_by(Absence.starts_at).limit(100)).all())
