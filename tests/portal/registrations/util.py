"""Builders shared by the registration tests, the race test and the benchmark."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from integrations.db import system_session, utcnow
from tenants.calendar import services as cal
from tenants.calendar.models import Event
from tenants.core.actor import Actor
from tenants.core.models import Account, Membership

CASA = ZoneInfo("Africa/Casablanca")


def at(days: int, hour: int = 10) -> datetime:
    d = (utcnow() + timedelta(days=days)).astimezone(CASA).date()
    return datetime.combine(d, time(hour, 0), tzinfo=CASA)


def publish(world, **over) -> int:
    """A workshop (or another type) through the calendar's real lifecycle, published."""
    data = {"type": "workshop", "title": "Rédiger son CV", "theme": "CV",
            "description": "Atelier pratique", "starts_at": at(10), "ends_at": at(10, 12),
            "organiser_membership_id": world.counselor.membership_id, "capacity": 3}
    data.update(over)
    counselor, manager = world.counselor.actor, world.manager.actor
    e = cal.do_create_event(counselor, world.tenant_id, data)
    cal.do_transition(counselor, world.tenant_id, e.id, "propose")
    cal.do_transition(manager, world.tenant_id, e.id, "validate")
    if cal.activity_type(e.type).host_validation:
        approver = world.people["host_approver"].actor
        cal.do_transition(approver, world.tenant_id, e.id, "host_validate")
    cal.do_transition(counselor, world.tenant_id, e.id, "publish")
    return e.id


def set_event(event_id: int, **values) -> None:
    """Move an event in time (or change a field) behind the services' back, for a test."""
    with system_session("test: edit event") as s:
        s.execute(update(Event).where(Event.id == event_id).values(**values))
        s.commit()


def get_event(event_id: int) -> Event:
    with system_session("test: read event") as s:
        return s.exec(select(Event).where(Event.id == event_id)).scalars().one()


def bulk_students(tenant_id: int, n: int, *, prefix: str = "s") -> list[Actor]:
    """n student memberships in two bulk inserts (no password: they never sign in here)."""
    now = utcnow()
    with system_session("test: bulk students") as s:
        accounts = [{"email": f"{prefix}{i}.{tenant_id}@students.test", "full_name": f"Student {prefix}{i}",
                     "locale": "fr", "active": True, "created_at": now} for i in range(n)]
        ids = s.execute(insert(Account).returning(Account.id, Account.email), accounts).all()
        by_email = {email: aid for aid, email in ids}
        rows = [{"tenant_id": tenant_id, "account_id": by_email[a["email"]], "roles": ["student"],
                 "responsibilities": [], "active": True, "created_at": now} for a in accounts]
        mids = s.execute(insert(Membership).returning(Membership.id, Membership.account_id), rows).all()
        s.commit()
    acc_of = {aid: email for email, aid in by_email.items()}
    return [Actor(account_id=aid, email=acc_of[aid], full_name=f"Student {acc_of[aid].split('.')[0]}",
                  tenant_id=tenant_id, membership_id=mid, roles=frozenset({"student"}))
            for mid, aid in sorted(mids)]
