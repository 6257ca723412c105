"""The weekly and monthly planning of a centre (M32): drawn up at the monthly management
meeting, updated at each weekly coordination meeting (P03), printed or shared as PDF/XLSX.

It reads the calendar (T01): every activity and internal meeting of the period, except
drafts and cancelled ones unless asked. Periods are whole local days in the centre's time
zone, so an activity at 00:30 on the 1st belongs to that month even when UTC says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_
from sqlmodel import select

from integrations import pdf, xlsx
from integrations.db import tenant_session, utcnow
from integrations.errors import Invalid
from integrations.i18n import t
from integrations.validation import parse
from tenants.calendar.models import Event, Room
from tenants.calendar.services import (
    CANCELLED,
    DRAFT,
    STATUSES,
    EventFilter,
    tenant_zone,
)
from tenants.calendar.types import ACTIVITY_TYPES
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm

PERIODS = ("month", "week")
DEFAULT_STATUSES = tuple(s for s in STATUSES if s not in (DRAFT, CANCELLED))


@dataclass(frozen=True)
class PlanningItem:
    event_id: int
    title: str
    type: str  # activity type code (tenants/calendar/types.py)
    meeting: bool
    status: str
    starts: datetime  # in the centre's time zone
    ends: datetime
    venue: str  # room (and its location), address, or online link
    owner: str  # the organiser's name, "" when none

    def type_label(self, lang: str) -> str:
        return t(f"type.{self.type}", lang)

    def status_label(self, lang: str) -> str:
        return t(f"status.{self.status}", lang)


@dataclass(frozen=True)
class Planning:
    tenant_id: int
    centre: str
    timezone: str
    period: str  # "month" | "week"
    first_day: date
    last_day: date  # inclusive
    items: list[PlanningItem]

    def title(self, lang: str) -> str:
        if self.period == "month":
            return t("planning.title_month", lang, month=t(f"planning.month.{self.first_day.month}", lang),
                     year=self.first_day.year)
        return t("planning.title_week", lang, start=_day(self.first_day), end=_day(self.last_day),
                 week=self.first_day.isocalendar().week)


def period_bounds(period: str, start: date) -> tuple[date, date]:
    """The period holding `start`: its calendar month, or its week from Monday (ISO 8601)."""
    if period not in PERIODS:
        raise Invalid("period: month or week", code="invalid_period")
    if isinstance(start, datetime) or not isinstance(start, date):
        raise Invalid("start: a date", code="invalid_period")
    if period == "month":
        first = start.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    else:
        first = start - timedelta(days=start.weekday())
        last = first + timedelta(days=6)
    return first, last


def planning(actor: Actor, tenant_id: int, *, period: str = "month", start: date,
             statuses: Iterable[str] | None = None, types: Iterable[str] | None = None) -> Planning:
    """The planning of the month or week holding `start`, activities and meetings in start order."""
    require(actor, Perm.CALENDAR_VIEW, tenant_id=tenant_id)
    first, last = period_bounds(period, start)
    with tenant_session(tenant_id) as s:
        zone: ZoneInfo = tenant_zone(s, tenant_id)
        # local midnights: ZoneInfo gives the right offset on each side of a DST change
        lo = datetime.combine(first, time(0), tzinfo=zone)
        hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
        f = parse(EventFilter, {"start": lo, "end": hi, "types": list(types or ()),
                                "statuses": list(DEFAULT_STATUSES if statuses is None else statuses)})
        q = (
            select(Event.id, Event.title, Event.type, Event.status, Event.starts_at, Event.ends_at,
                   Event.address, Event.online_url, Room.name, Room.location, Account.full_name)
            .outerjoin(Room, and_(Room.tenant_id == Event.tenant_id, Room.id == Event.room_id))
            .outerjoin(Membership, and_(Membership.tenant_id == Event.tenant_id,
                                        Membership.id == Event.organiser_membership_id))
            .outerjoin(Account, Account.id == Membership.account_id)
            .where(Event.tenant_id == tenant_id, Event.starts_at < f.end, Event.ends_at > f.start)
            .order_by(Event.starts_at, Event.id)
        )
        if f.statuses:
            q = q.where(Event.status.in_(f.statuses))
        if f.types:
            q = q.where(Event.type.in_(f.types))
        rows = s.exec(q).all()
        centre = s.get(Tenant, tenant_id).name
    items = []
    for (eid, title, type_, status, starts_at, ends_at, address, online_url, room, room_loc, owner) in rows:
        venue = ", ".join(x for x in (room, room_loc) if x) or address or online_url
        kind = ACTIVITY_TYPES.get(type_)
        items.append(PlanningItem(eid, title, type_, bool(kind and kind.meeting), status,
                                  starts_at.astimezone(zone), ends_at.astimezone(zone), venue, owner or ""))
    return Planning(tenant_id, centre, zone.key, period, first, last, items)


# ---------------------------------------------------------------- exports

def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _when(item: PlanningItem) -> str:
    end = item.ends.strftime("%H:%M")
    if item.ends.date() != item.starts.date():
        end = f"{_day(item.ends.date())} {end}"
    return f"{item.starts.strftime('%H:%M')}–{end}"


def _columns(lang: str) -> list[tuple[str, float]]:
    return [(t("planning.col.date", lang), 1.25), (t("planning.col.time", lang), 1.0),
            (t("planning.col.activity", lang), 3.0), (t("planning.col.type", lang), 1.6),
            (t("planning.col.venue", lang), 1.8), (t("planning.col.owner", lang), 1.5),
            (t("planning.col.status", lang), 1.0)]


def _row(item: PlanningItem, lang: str) -> list[str]:
    weekday = t(f"planning.weekday.{item.starts.weekday()}", lang)
    return [f"{weekday} {_day(item.starts.date())}", _when(item), item.title, item.type_label(lang),
            item.venue, item.owner, item.status_label(lang)]


def _subtitle(p: Planning, lang: str) -> list[str]:
    generated = utcnow().astimezone(ZoneInfo(p.timezone)).strftime("%d/%m/%Y %H:%M")
    return [p.centre, t("planning.subtitle", lang, start=_day(p.first_day), end=_day(p.last_day),
                        timezone=p.timezone, count=len(p.items), generated=generated)]


def export_planning_pdf(actor: Actor, tenant_id: int, period: str, start: date, lang: str = "fr", *,
                         statuses: Iterable[str] | None = None, types: Iterable[str] | None = None) -> bytes:
    """The M32 planning as a printable A4 landscape PDF."""
    p = planning(actor, tenant_id, period=period, start=start, statuses=statuses, types=types)
    doc = pdf.Document(
        title=p.title(lang), lang=lang, subtitle=_subtitle(p, lang), landscape=True, author=p.centre,
        footer=t("planning.footer", lang, page="{page}", pages="{pages}"),
        blocks=[pdf.Table(columns=[pdf.Column(name, w) for name, w in _columns(lang)],
                          rows=[_row(i, lang) for i in p.items], empty_text=t("planning.empty", lang))],
    )
    return pdf.render_pdf(doc)


def export_planning_xlsx(actor: Actor, tenant_id: int, period: str, start: date, lang: str = "fr", *,
                         statuses: Iterable[str] | None = None, types: Iterable[str] | None = None) -> bytes:
    """The M32 planning as a workbook: one row per activity, dates as real Excel dates."""
    p = planning(actor, tenant_id, period=period, start=start, statuses=statuses, types=types)
    headers = [t("planning.col.date", lang), t("planning.col.start", lang), t("planning.col.end", lang),
               t("planning.col.activity", lang), t("planning.col.type", lang), t("planning.col.venue", lang),
               t("planning.col.owner", lang), t("planning.col.status", lang)]
    # Excel has no time zones: local wall-clock times, the zone is written in the heading
    rows = [[i.starts.date(), i.starts.replace(tzinfo=None), i.ends.replace(tzinfo=None), i.title,
             i.type_label(lang), i.venue, i.owner, i.status_label(lang)] for i in p.items]
    sheet = xlsx.Sheet(
        name=t("planning.sheet", lang), title=p.title(lang), subtitle=_subtitle(p, lang), headers=headers,
        rows=rows, widths=[12, 17, 17, 48, 26, 30, 24, 14], rtl=lang in pdf.RTL_LANGS,
        empty_text=t("planning.empty", lang),
    )
    return xlsx.render_xlsx([sheet])
