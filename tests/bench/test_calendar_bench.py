"""Calendar at scale (issue 3): a tenant with 20,000 events in the academic year.

Goals: the month view's query under 50 ms (median); the ICS feed of 5,000 events under 300 ms.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from icalendar import Event as IcalEvent
from sqlalchemy import insert, text, update

from integrations.db import get_engine, system_session, utcnow
from tenants.calendar import services as cal
from tenants.calendar.models import Event
from tests.bench.conftest import Result, compare

N_EVENTS = 20_000
N_FEED = 5_000


def _seed(world) -> None:
    rnd = random.Random(7)
    start = utcnow().replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=50)
    rows = []
    for i in range(N_EVENTS):
        s = start + timedelta(days=rnd.randrange(0, 360), hours=rnd.randrange(0, 10))
        organiser = world.counselor.membership_id if i < N_FEED else world.manager.membership_id
        rows.append({"id": i + 1, "tenant_id": world.tenant_id, "uid": f"{uuid.uuid4()}@cc-network",
                     "type": rnd.choice(["workshop", "guest_speaker", "company_visit", "recruitment_day"]),
                     "title": f"Activité {i}", "theme": "", "description": "Atelier de préparation",
                     "starts_at": s, "ends_at": s + timedelta(hours=2), "timezone": "Africa/Casablanca",
                     "address": "Campus", "online_url": "", "organiser_membership_id": organiser,
                     "audience": {}, "registered_count": 0, "partners": [], "budget_lines": [], "logistics": [],
                     "attachments": [], "publishes_photos": False, "details": {}, "status": "published",
                     "sequence": 1, "figures": {}, "outcome_notes": "", "status_reason": "",
                     "created_at": utcnow(), "updated_at": utcnow()})
    with system_session("bench seed") as s:
        for chunk in range(0, len(rows), 2000):
            s.execute(insert(Event), rows[chunk:chunk + 2000])
        s.commit()


def _month(now: datetime) -> tuple[datetime, datetime]:
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt


def test_month_view_of_a_20k_event_year(world_a, record):
    _seed(world_a)
    start, end = _month(utcnow() + timedelta(days=40))
    actor = world_a.manager.actor
    rows = cal.calendar_view(actor, world_a.tenant_id, {"start": start, "end": end})
    assert 1000 < len(rows) < 3000
    engine = get_engine()
    sql = text("SELECT id, type, title, status, starts_at, ends_at, room_id, organiser_membership_id, capacity, "
               "registered_count FROM event WHERE tenant_id = :t AND starts_at < :e AND ends_at > :s "
               "ORDER BY starts_at, id")
    is_sqlite = engine.dialect.name == "sqlite"
    params = {"t": world_a.tenant_id,
              "s": start.astimezone(UTC).replace(tzinfo=None) if is_sqlite else start,
              "e": end.astimezone(UTC).replace(tzinfo=None) if is_sqlite else end}

    def bare():
        with engine.begin() as conn:
            if not is_sqlite:  # row-level security: the same tenant setting the app's sessions make
                conn.execute(text("SELECT set_config('cc.tenant_id', :t, true)"), {"t": str(world_a.tenant_id)})
            return conn.execute(sql, params).all()

    assert len(bare()) == len(rows)
    median, base = compare(lambda: cal.calendar_view(actor, world_a.tenant_id, {"start": start, "end": end}),
                           bare, rounds=40, warmup=3)
    r = record(Result(f"calendar month view ({len(rows)} of {N_EVENTS} events)", "< 50 ms median", median,
                      "the same SELECT on a raw connection", base))
    assert r.median_s < 0.050, f"month view took {r.median_s * 1e3:.1f} ms"


def test_ics_feed_of_5000_events(world_a, record):
    _seed(world_a)
    feed = cal.do_create_feed(world_a.counselor.actor, world_a.tenant_id, scope="personal")
    token = feed.url.rsplit("/", 1)[-1].removesuffix(".ics")
    ics = cal.feed_ics(token)
    n = ics.count(b"BEGIN:VEVENT")
    assert n > 4000
    with system_session("bench") as s:
        events = [e for e in s.exec(text("SELECT uid, title, starts_at, ends_at FROM event "
                                         "WHERE organiser_membership_id = :m"),
                                    params={"m": world_a.counselor.membership_id}).all()][:n]

    def baseline():
        # the library alone: the same number of VEVENTs with UTC times, no query, no zone
        c = Calendar()
        c.add("prodid", "-//bench//")
        c.add("version", "2.0")
        t0 = datetime(2026, 1, 1, 10, tzinfo=UTC)
        for uid, title, _s, _e in events:
            ev = IcalEvent()
            ev.add("uid", uid)
            ev.add("summary", title)
            ev.add("dtstart", t0)
            ev.add("dtend", t0 + timedelta(hours=2))
            ev.add("dtstamp", t0)
            c.add_component(ev)
        return c.to_ical()

    median, base = compare(lambda: cal.feed_ics(token), baseline, rounds=7, warmup=1)
    r = record(Result(f"ICS personal feed ({n} events)", "< 300 ms median", median,
                      "icalendar alone building the same VEVENTs", base))
    assert r.median_s < 0.300, f"feed took {r.median_s * 1e3:.0f} ms"

    # cold: every stored VEVENT invalidated, as after a bulk change of the whole calendar
    def cold():
        with system_session("bench: invalidate") as s:
            s.execute(update(Event).values(ics_key=""))
            s.commit()
        return cal.feed_ics(token)

    median, base = compare(cold, baseline, rounds=3, warmup=0)
    record(Result(f"ICS personal feed, cold ({n} events re-rendered)", "reported, no goal", median,
                  "icalendar alone building the same VEVENTs", base))
