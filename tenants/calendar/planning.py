"""The weekly and monthly planning of a centre (M32): drawn up at the monthly management
meeting, updated at each weekly coordination meeting (P03), printed or shared as PDF/XLSX.

It reads the calendar (T01): every activity and internal meeting of the period, except
drafts and cancelled ones unless asked. Periods are whole local days in the centre's time
zone, so an activity at 00:30 on the 1st belongs to that month even when UTC says otherwise.

Upper floors add their own blocks to the planning (the communication plan folded in, P29)
through `register_plan_section`: this floor cannot import them, so they register themselves
on import and are called within the planning's tenant session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_
from sqlmodel import Session, select

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
class PlanSection:
    """A block an upper floor adds under the activities, already in the export's language."""

    key: str  # stable name, e.g. "communication"
    title: str
    columns: tuple[tuple[str, float], ...]  # (heading, share of the PDF table's width)
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()  # XLSX column widths in characters


# (actor, tenant session, tenant id, first day, last day inclusive, lang) -> a section, or None
# when the actor may not see it or the period holds nothing for it
PlanSectionFn = Callable[[Actor, Session, int, date, date, str], PlanSection | None]
PLAN_SECTIONS: list[PlanSectionFn] = []


def register_plan_section(fn: PlanSectionFn) -> PlanSectionFn:
    """Add a section to every planning (a decorator). Keyed by the function's name, so a module
    imported again (importlib.reload) does not add its section twice."""
    key = (fn.__module__, fn.__qualname__)
    PLAN_SECTIONS[:] = [f for f in PLAN_SECTIONS if (f.__module__, f.__qualname__) != key] + [fn]
    return fn


def _sections(actor: Actor, s: Session, tenant_id: int, first: date, last: date, lang: str) -> list[PlanSection]:
    out = []
    for fn in PLAN_SECTIONS:
        section = fn(actor, s, tenant_id, first, last, lang)
        if section is not None and section.rows:  # an empty section is left out everywhere
            out.append(section)
    return out


@dataclass(frozen=True)
class Planning:
    tenant_id: int
    centre: str
    timezone: str
    period: str  # "month" | "week"
    first_day: date
    last_day: date  # inclusive
    items: list[PlanningItem]
    sections: list[PlanSection] = field(default_factory=list)

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


@contextmanager
def _period_session(actor: Actor, tenant_id: int, period: str, start: date) -> Iterator[tuple[Session, date, date]]:
    """The tenant session and the bounds of the period holding `start`, once the caller may
    read the calendar."""
    require(actor, Perm.CALENDAR_VIEW, tenant_id=tenant_id)
    first, last = period_bounds(period, start)
    with tenant_session(tenant_id) as s:
        yield s, first, last


def planning(actor: Actor, tenant_id: int, *, period: str = "month", start: date,
             statuses: Iterable[str] | None = None, types: Iterable[str] | None = None,
             lang: str = "fr") -> Planning:
    """The planning of the month or week holding `start`, activities and meetings in start order,
    then the registered sections (in `lang`)."""
    with _period_session(actor, tenant_id, period, start) as (s, first, last):
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
        sections = _sections(actor, s, tenant_id, first, last, lang)
    items = []
    for (eid, title, type_, status, starts_at, ends_at, address, online_url, room, room_loc, owner) in rows:
        venue = ", ".join(x for x in (room, room_loc) if x) or address or online_url
        kind = ACTIVITY_TYPES.get(type_)
        items.append(PlanningItem(eid, title, type_, bool(kind and kind.meeting), status,
                                  starts_at.astimezone(zone), ends_at.astimezone(zone), venue, owner or ""))
    return Planning(tenant_id, centre, zone.key, period, first, last, items, sections)


def plan_sections(actor: Actor, tenant_id: int, *, period: str, start: date, lang: str = "fr") -> list[PlanSection]:
    """Only the sections of the planning of the month or week holding `start` (the calendar
    page shows them under its own grid, which already has the activities)."""
    with _period_session(actor, tenant_id, period, start) as (s, first, last):
        return _sections(actor, s, tenant_id, first, last, lang)


# ---------------------------------------------------------------- exports

def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def day_label(d: date, lang: str) -> str:
    """A day as the planning writes it: short weekday and dd/mm/yyyy."""
    return f"{t(f'planning.weekday.{d.weekday()}', lang)} {_day(d)}"


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
    return [day_label(item.starts.date(), lang), _when(item), item.title, item.type_label(lang),
            item.venue, item.owner, item.status_label(lang)]


def _subtitle(p: Planning, lang: str) -> list[str]:
    generated = utcnow().astimezone(ZoneInfo(p.timezone)).strftime("%d/%m/%Y %H:%M")
    return [p.centre, t("planning.subtitle", lang, start=_day(p.first_day), end=_day(p.last_day),
                        timezone=p.timezone, count=len(p.items), generated=generated)]


def export_planning_pdf(actor: Actor, tenant_id: int, period: str, start: date, lang: str = "fr", *,
                         statuses: Iterable[str] | None = None, types: Iterable[str] | None = None) -> bytes:
    """The M32 planning as a printable A4 landscape PDF."""
    p = planning(actor, tenant_id, period=period, start=start, statuses=statuses, types=types, lang=lang)
    blocks: list[pdf.Heading | pdf.Table] = [pdf.Table(columns=[pdf.Column(name, w) for name, w in _columns(lang)],
                              rows=[_row(i, lang) for i in p.items], empty_text=t("planning.empty", lang))]
    for sec in p.sections:
        blocks += [pdf.Heading(sec.title),
                   pdf.Table(columns=[pdf.Column(name, w) for name, w in sec.columns], rows=sec.rows)]
    doc = pdf.Document(
        title=p.title(lang), lang=lang, subtitle=_subtitle(p, lang), landscape=True, author=p.centre,
        footer=t("planning.footer", lang, page="{page}", pages="{pages}"), blocks=blocks,
    )
    return pdf.render_pdf(doc)


def export_planning_xlsx(actor: Actor, tenant_id: int, period: str, start: date, lang: str = "fr", *,
                         statuses: Iterable[str] | None = None, types: Iterable[str] | None = None) -> bytes:
    """The M32 planning as a workbook: one row per activity, dates as real Excel dates."""
    p = planning(actor, tenant_id, period=period, start=start, statuses=statuses, types=types, lang=lang)
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
    # one sheet per section, headed like the first so a printed sheet says what it belongs to
    extra = [xlsx.Sheet(name=sec.title, title=f"{p.title(lang)} — {sec.title}", subtitle=[p.centre],
                        headers=[name for name, _ in sec.columns], rows=[list(r) for r in sec.rows],
                        widths=sec.widths, rtl=lang in pdf.RTL_LANGS) for sec in p.sections]
    return xlsx.render_xlsx([sheet, *extra])
