"""iCalendar output (RFC 5545) with the `icalendar` library: feeds and single-event files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event


@dataclass(frozen=True)
class IcsEvent:
    uid: str
    summary: str
    starts_at: datetime  # aware
    ends_at: datetime
    timezone: str
    sequence: int = 0
    description: str = ""
    location: str = ""
    url: str = ""
    cancelled: bool = False
    last_modified: datetime | None = None
    categories: tuple[str, ...] = field(default_factory=tuple)


def build_calendar(name: str, events: list[IcsEvent], *, method: str | None = None) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//CC Network//Career Center calendar//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    if method:
        cal.add("method", method)
    for e in events:
        tz = ZoneInfo(e.timezone)
        ev = Event()
        ev.add("uid", e.uid)
        ev.add("summary", e.summary)
        # local wall-clock time with its TZID: what Google and Outlook show as entered
        ev.add("dtstart", e.starts_at.astimezone(tz))
        ev.add("dtend", e.ends_at.astimezone(tz))
        ev.add("dtstamp", e.last_modified or e.starts_at)
        ev.add("sequence", e.sequence)
        if e.last_modified:
            ev.add("last-modified", e.last_modified)
        if e.description:
            ev.add("description", e.description)
        if e.location:
            ev.add("location", e.location)
        if e.url:
            ev.add("url", e.url)
        if e.categories:
            ev.add("categories", list(e.categories))
        ev.add("status", "CANCELLED" if e.cancelled else "CONFIRMED")
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()
