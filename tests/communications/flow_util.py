"""Builders for the communication plan and items tests (P29, P30)."""

from __future__ import annotations

import io
import itertools
from datetime import datetime, timedelta

from PIL import Image

from integrations.db import system_session, utcnow
from tenants.calendar.models import Event
from tests.conftest import World
from workflows.communications.channels import SocialChannel

_seq = itertools.count(1)


def event(w: World, *, starts_at: datetime | None = None, days: int = 120, type_: str = "workshop",
          status: str = "published", title: str = "Atelier CV", **extra) -> int:
    """An activity of `w`'s calendar, `days` from now unless `starts_at` is given."""
    starts = starts_at or (utcnow() + timedelta(days=days)).replace(microsecond=0)
    with system_session("test: event") as s:
        e = Event(tenant_id=w.tenant_id, uid=f"comm-{w.slug}-{next(_seq)}", type=type_, title=title,
                  starts_at=starts, ends_at=starts + timedelta(hours=2), timezone="Africa/Casablanca",
                  status=status, **extra)
        s.add(e)
        s.commit()
        return e.id


def weekly_meeting(w: World, *, kind: str = "weekly_coordination_meeting", days: int = 2) -> int:
    """An open meeting record of `kind` in `w`."""
    from workflows.meetings import services as meetings

    eid = event(w, type_=kind, days=days, title="Réunion de coordination")
    return meetings.do_open_meeting(w.manager.actor, w.tenant_id, eid).id


def channel(w: World, provider: str = "mastodon") -> int:
    with system_session("test: channel") as s:
        c = SocialChannel(tenant_id=w.tenant_id, provider=provider, display_name=f"{provider} {w.slug}",
                          base_url=f"http://127.0.0.1:9/{next(_seq)}")
        s.add(c)
        s.commit()
        return c.id


def png(width: int = 40, height: int = 30) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def item_data(**over) -> dict:
    data = {"title": "Atelier CV : inscriptions ouvertes",
            "text": {"fr": "Inscrivez-vous à l'atelier CV.", "ar": "سجّلوا في ورشة السيرة الذاتية."},
            "subject": {"fr": "Atelier CV", "ar": "ورشة السيرة الذاتية"},
            "channels": ["email"], "audience": {"kind": "students", "levels": ["L3"]},
            "publish_at": (utcnow() + timedelta(days=30)).replace(microsecond=0)}
    return data | over
