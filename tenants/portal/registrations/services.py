"""Registrations to workshops (P08) and every other event type open to registration
(issue 4 §4): catalogue, register within capacity, waitlist with holds and promotion,
cancellation, confirmation by the counselor, check-in, image-rights waivers (M36).

Concurrency (DESIGN §6). Every change that touches an event's seats or waitlist locks the
event row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
serialises writers), then the registration rows: one lock order, no deadlock. A seat is
taken by a conditional UPDATE (`registered_count < capacity`), so the database never
counts more seats than the capacity; the partial unique indexes refuse a second live
registration of one student and a waitlist number given twice. Waitlist numbers come from
the event row's counter (`waitlist_last_seq`), taken while that row is locked, so they
follow the order transactions commit in.

Seats: confirmed, pending_confirmation, offered (a hold), attended and no_show registrations
hold one seat each; waitlisted and cancelled ones hold none.

Confirmation by the counselor (P08.5): by default a registration within capacity is
confirmed at once (the system sends the confirmation). Types where the counselor picks
participants (`REQUIRES_CONFIRMATION_TYPES`) start as pending_confirmation; an event can
override its type with `details["requires_confirmation"] = "yes" | "no"`.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import bindparam, func, insert, or_, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.driver import (
    one_round_trip,
    postgres_engine,
    read_stamp,
    round_trip,
    sqlite_transaction,
    stored_stamp,
    tenant_connection,
)
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.i18n import t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from integrations.validation import parse
from tenants.calendar.models import Event
from tenants.calendar.services import CANCELLED as EVENT_CANCELLED
from tenants.calendar.services import CLOSED as EVENT_CLOSED
from tenants.calendar.services import PUBLISHED
from tenants.calendar.types import ACTIVITY_TYPES
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm
from tenants.core.services import AUDIT_COLUMNS, audit, audit_row, insert_audited
from tenants.portal import activity
from tenants.portal.profiles.services import get_my_profile
from tenants.portal.registrations.models import (
    ATTENDED,
    CANCELLED,
    CONFIRMED,
    NO_SHOW,
    OFFERED,
    PENDING,
    STATUSES,
    WAITLISTED,
    ImageWaiver,
    Registration,
)
from tenants.portal.settings.services import settings_in

REGISTRATION_TYPES = tuple(code for code, kind in ACTIVITY_TYPES.items() if kind.registration)
# where a company or the counselor selects who comes (P19 recruitment day, P20 company visit)
REQUIRES_CONFIRMATION_TYPES = frozenset({"recruitment_day", "company_visit"})
# staff open the attendance sheet a little before the start
CHECK_IN_OPENS_BEFORE = timedelta(hours=2)
MAX_PER_PAGE = 100
# suggestions on a student's dashboard, at most
RECOMMENDED_MAX = 10

# The image-rights release (M36) a student accepts; its text is in the i18n catalogs under
# portal.waiver.text. Bump the version whenever that text changes: acceptances keep theirs.
WAIVER_VERSION = "M36-2026-1"
WAIVER_SCOPES = ("website", "social_networks", "print", "internal_reports")


def requires_confirmation(e: Event) -> bool:
    flag = (e.details or {}).get("requires_confirmation")
    if flag is not None:
        return str(flag).strip().lower() in ("1", "true", "yes", "oui")
    return e.type in REQUIRES_CONFIRMATION_TYPES


def waiver_text(lang: str = "fr") -> tuple[str, str]:
    """The M36 text to show before the student signs, and its version."""
    return WAIVER_VERSION, t("portal.waiver.text", lang)


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class CatalogueItem:
    id: int
    type: str
    title: str
    theme: str
    starts_at: datetime
    ends_at: datetime
    address: str
    online_url: str
    capacity: int | None
    seats_left: int | None  # None: no limit
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    open_now: bool  # False: the window opens later
    publishes_photos: bool  # registering asks for the M36 waiver
    requires_confirmation: bool
    my_status: str | None  # the caller's live registration, if any


@dataclass(frozen=True)
class CataloguePage:
    items: list[CatalogueItem]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class RegistrationView:
    id: int
    event_id: int
    event_title: str
    event_starts_at: datetime
    student_membership_id: int
    status: str
    waitlist_seq: int | None  # arrival number on the waitlist, never reused
    position: int | None  # place in the queue now (1 = next offered), waitlisted only
    hold_expires_at: datetime | None
    registered_at: datetime
    checked_in_at: datetime | None
    waiver_signed: bool


@dataclass(frozen=True)
class AttendanceRow:
    registration_id: int
    student_membership_id: int
    full_name: str
    email: str
    status: str
    waitlist_seq: int | None
    registered_at: datetime
    checked_in_at: datetime | None
    waiver_signed: bool


@dataclass(frozen=True)
class WaiverView:
    registration_id: int
    student_membership_id: int
    full_name: str
    signature: str
    text_version: str
    scope: tuple[str, ...]
    accepted_at: datetime


# ---------------------------------------------------------------- catalogue

class CatalogueFilter(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    types: list[str] = Field(default_factory=list, max_length=20)
    field: str = Field(default="", max_length=200)
    level: str = Field(default="", max_length=100)
    date_from: datetime | None = None
    date_to: datetime | None = None
    text: str = Field(default="", max_length=100)
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=20, ge=1, le=MAX_PER_PAGE)

    @field_validator("types")
    @classmethod
    def _open_types(cls, v: list[str]) -> list[str]:
        bad = [x for x in v if x not in REGISTRATION_TYPES]
        if bad:
            raise ValueError(f"invalid_filter:not an activity open to registration: {', '.join(bad)}")
        return v

    @field_validator("date_from", "date_to")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("naive_datetime:dates need a time zone offset")
        return v


def _audience_ok(e: Event, field: str, level: str) -> bool:
    aud = e.audience or {}
    if field and aud.get("fields") and field not in aud["fields"]:
        return False
    return not (level and aud.get("levels") and level not in aud["levels"])


def catalogue(actor: Actor, tenant_id: int, filters: dict | CatalogueFilter | None = None) -> CataloguePage:
    """Published activities open to registration whose window is open or still to come."""
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    f = parse(CatalogueFilter, filters or {})
    now = utcnow()
    q = select(Event).where(
        Event.status == PUBLISHED,
        Event.type.in_(f.types or REGISTRATION_TYPES),
        Event.starts_at > now,
        or_(Event.registration_closes_at.is_(None), Event.registration_closes_at > now),
    )
    if f.date_from:
        q = q.where(Event.ends_at > f.date_from)
    if f.date_to:
        q = q.where(Event.starts_at < f.date_to)
    if f.text:
        needle = f.text.lower()
        q = q.where(or_(func.lower(Event.title).contains(needle, autoescape=True),
                        func.lower(Event.theme).contains(needle, autoescape=True),
                        func.lower(Event.description).contains(needle, autoescape=True)))
    q = q.order_by(Event.starts_at, Event.id)
    start = (f.page - 1) * f.per_page
    with tenant_session(tenant_id) as s:
        if f.field or f.level:
            # the audience is a JSON column: filter before paging so pages are full
            rows = [e for e in s.exec(q).all() if _audience_ok(e, f.field, f.level)]
            total, events = len(rows), rows[start:start + f.per_page]
        else:
            total = s.exec(select(func.count()).select_from(q.order_by(None).subquery())).one()
            events = list(s.exec(q.offset(start).limit(f.per_page)).all())
        mine: dict[int, str] = {}
        if events and actor.membership_id:
            mine = dict(s.exec(select(Registration.event_id, Registration.status).where(
                Registration.event_id.in_([e.id for e in events]),
                Registration.student_membership_id == actor.membership_id,
                Registration.status != CANCELLED)).all())
    items = [CatalogueItem(
        e.id, e.type, e.title, e.theme, e.starts_at, e.ends_at, e.address, e.online_url, e.capacity,
        None if e.capacity is None else max(e.capacity - e.registered_count, 0),
        e.registration_opens_at, e.registration_closes_at,
        e.registration_opens_at is None or e.registration_opens_at <= now,
        e.publishes_photos, requires_confirmation(e), mine.get(e.id)) for e in events]
    return CataloguePage(items, total, f.page, f.per_page)


def recommended_activities(actor: Actor, tenant_id: int, limit: int = 5) -> list[CatalogueItem]:
    """The student's dashboard suggestions: open activities whose audience names her field of
    study or her level and that she has not registered for, the soonest first."""
    profile = get_my_profile(actor, tenant_id)
    field = profile.field.name if profile.field else ""
    level = profile.level or ""
    if not (field or level):
        return []
    limit = min(max(int(limit), 1), RECOMMENDED_MAX)
    page = catalogue(actor, tenant_id, {"field": field, "level": level, "per_page": RECOMMENDED_MAX * 2})
    return [i for i in page.items if i.my_status is None][:limit]


# ---------------------------------------------------------------- locks and seats

def _event_for_update(s: Session, event_id: int) -> Event:
    e = s.exec(select(Event).where(Event.id == event_id).with_for_update()).first()
    if e is None:
        raise NotFound("event not found")
    return e


def _registration_for_update(s: Session, registration_id: int) -> Registration:
    r = s.exec(select(Registration).where(Registration.id == registration_id).with_for_update()).first()
    if r is None:
        raise NotFound("registration not found", code="registration_not_found")
    return r


def _take_seat(s: Session, event_id: int) -> bool:
    """The capacity rule, enforced by the database: one seat if one is left."""
    res = s.execute(
        update(Event)
        .where(Event.id == event_id, or_(Event.capacity.is_(None), Event.registered_count < Event.capacity))
        .values(registered_count=Event.registered_count + 1)
        .execution_options(synchronize_session=False)
    )
    return res.rowcount == 1


def _free_seat(s: Session, event_id: int) -> None:
    s.execute(update(Event).where(Event.id == event_id, Event.registered_count > 0)
              .values(registered_count=Event.registered_count - 1)
              .execution_options(synchronize_session=False))


def _queue_positions(s: Session, regs: list[Registration]) -> dict[int, int]:
    """{registration id: place} of the waitlisted ones among `regs`, in one query."""
    ids = [r.id for r in regs if r.status == WAITLISTED and r.waitlist_seq is not None]
    if not ids:
        return {}
    return dict(s.execute(_POSITIONS, {"ids": ids, "status": WAITLISTED}).all())


def _local(e: Event, at: datetime) -> str:
    return at.astimezone(ZoneInfo(e.timezone)).strftime("%d/%m/%Y %H:%M")


def _notify(s: Session, tenant_id: int, r: Registration, e: Event, kind: str, at: datetime,
            **params: object) -> None:
    """E-mail the student through the outbox, in their language, in this transaction."""
    m = s.get(Membership, r.student_membership_id)
    account = s.get(Account, m.account_id) if m else None
    tenant = s.get(Tenant, tenant_id)
    if account is None or tenant is None:
        return
    lang = account.locale or "fr"
    values = {"name": account.full_name, "event": e.title, "tenant": tenant.name,
              "starts": _local(e, e.starts_at),
              "link": f"{get_settings().base_url}/portal/{tenant.slug}/registrations", **params}
    outbox.enqueue(s, EMAIL_KIND, {
        "to": account.email,
        "subject": t(f"mail.registration_{kind}.subject", lang, **values),
        "text": t(f"mail.registration_{kind}.body", lang, **values),
    }, key=f"registration-{kind}:{tenant_id}:{r.id}:{int(at.timestamp())}", tenant_id=tenant_id)


def _offer_freed_seats(s: Session, tenant_id: int, e: Event, now: datetime) -> list[int]:
    """Give free seats to the head of the waitlist, each with a hold (P08, issue 4 §4)."""
    if now >= e.starts_at:
        return []
    hold = timedelta(hours=settings_in(s, tenant_id).waitlist_hold_hours)
    offered = []
    while True:
        nxt = s.exec(select(Registration).where(Registration.event_id == e.id, Registration.status == WAITLISTED)
                     .order_by(Registration.waitlist_seq).limit(1).with_for_update()).first()
        if nxt is None or not _take_seat(s, e.id):
            return offered
        nxt.status, nxt.offered_at, nxt.updated_at = OFFERED, now, now
        nxt.hold_expires_at = min(now + hold, e.starts_at)
        s.add(nxt)
        s.flush()
        _notify(s, tenant_id, nxt, e, "offer", now, until=_local(e, nxt.hold_expires_at))
        audit(s, None, "registration.offered", tenant_id=tenant_id, target_type="registration",
              target_id=nxt.id, event_id=e.id, hold_expires_at=nxt.hold_expires_at.isoformat())
        offered.append(nxt.id)


# ---------------------------------------------------------------- student: register

class WaiverInput(BaseModel):
    """The M36 form: the student accepts the text shown (its version) and types their name."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    accepted: bool
    signature: str = Field(min_length=2, max_length=200)
    text_version: str = Field(max_length=40)
    scope: list[str] = Field(default_factory=lambda: list(WAIVER_SCOPES), min_length=1, max_length=10)

    @field_validator("scope")
    @classmethod
    def _known_scope(cls, v: list[str]) -> list[str]:
        bad = [x for x in v if x not in WAIVER_SCOPES]
        if bad:
            raise ValueError(f"invalid_waiver_scope:unknown uses {', '.join(bad)}")
        return list(dict.fromkeys(v))


def _plain(name: str) -> str:
    """A name compared as people type it: no accents, case or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def _check_waiver(conn: Connection, actor: Actor, e: Event, waiver: dict | WaiverInput | None) -> WaiverInput | None:
    if not e.publishes_photos:
        return None
    if waiver is None:
        raise Invalid("this event publishes photos: accept the image-rights waiver", code="waiver_required")
    w = parse(WaiverInput, waiver)
    if not w.accepted:
        raise Invalid("this event publishes photos: accept the image-rights waiver", code="waiver_required")
    if w.text_version != WAIVER_VERSION:
        raise Invalid("the waiver text has changed: read it again", code="waiver_outdated")
    full_name = conn.execute(select(Account.full_name).where(Account.id == actor.account_id)).scalar()
    if full_name is None or _plain(w.signature) != _plain(full_name):
        raise Invalid("sign with your full name as registered", code="waiver_signature_mismatch")
    return w


def _check_open(e: Event, now: datetime) -> None:
    kind = ACTIVITY_TYPES.get(e.type)
    if e.status != PUBLISHED or kind is None or not kind.registration:
        raise Conflict("this activity is not open to registration", code="event_not_open_for_registration")
    if e.registration_opens_at is not None and now < e.registration_opens_at:
        raise Conflict("registration has not opened yet", code="registration_not_open",
                       opens_at=e.registration_opens_at.isoformat())
    if now >= e.starts_at or (e.registration_closes_at is not None and now >= e.registration_closes_at):
        raise Conflict("registration is closed", code="registration_closed")


def _student_id(actor: Actor) -> int:
    if actor.membership_id is None:
        raise Forbidden("registration is for members of this centre", code="student_membership_required")
    return actor.membership_id


# Registering is the hot path of the portal (a popular workshop opens and hundreds register
# in a minute), so it runs prebuilt Core statements on a bare connection: no ORM unit of work,
# no statement built per call (SQLAlchemy caches their compiled form). The statements name
# the tenant themselves; on PostgreSQL row-level security stands behind them.
_EV, _REG, _WAIVER = Event.__table__, Registration.__table__, ImageWaiver.__table__
_EVENT_COLUMNS = (_EV.c.id, _EV.c.type, _EV.c.status, _EV.c.title, _EV.c.starts_at, _EV.c.timezone,
                  _EV.c.registration_opens_at, _EV.c.registration_closes_at, _EV.c.publishes_photos, _EV.c.details)
_EVENT_KEY = (_EV.c.id == bindparam("b_event"), _EV.c.tenant_id == bindparam("b_tenant"))
# takes one seat if one is left, locking the row, and reads the event back in one round trip
_SEAT = (update(_EV).where(*_EVENT_KEY, or_(_EV.c.capacity.is_(None), _EV.c.registered_count < _EV.c.capacity))
         .values(registered_count=_EV.c.registered_count + 1).returning(*_EVENT_COLUMNS))
_LOCK_EVENT = select(*_EVENT_COLUMNS).where(*_EVENT_KEY).with_for_update()
# the event's next waitlist number (the caller holds the event's lock)
_NEXT_SEQ = (update(_EV).where(*_EVENT_KEY).values(waitlist_last_seq=_EV.c.waitlist_last_seq + 1)
             .returning(_EV.c.waitlist_last_seq))
# a waitlisted registration's place: the places numbered up to its own. One query for every
# path, in each driver's placeholder style; `text` and sqlite3 share the :name style.
_POSITION_OF = ("SELECT count(*) FROM registration WHERE tenant_id = {tenant} AND event_id = {event} "
                "AND status = {status} AND waitlist_seq <= {seq}")
_LITE_POSITION = _POSITION_OF.format(tenant=":tenant", event=":event", status=":status", seq=":seq")
_POSITION = text(_LITE_POSITION)
# the same count for several registrations: the inner query's own columns against each row r
_POSITIONS = text(f"""SELECT r.id, ({_POSITION_OF.format(tenant="r.tenant_id", event="r.event_id",
                                                          status="r.status", seq="r.waitlist_seq")})
    FROM registration r WHERE r.id IN :ids AND r.status = :status""").bindparams(bindparam("ids", expanding=True))


# The common cases, a seat left or a place on a full event's waitlist with nothing to check but
# the window, run on the driver's own connection. On PostgreSQL the event's UPDATE, the
# registration and its audit row are one statement, sent with BEGIN, the tenant scope and
# COMMIT as one round trip; on SQLite the same writes without SQLAlchemy's execution layer.
# Every condition `_check_open` and the waiver/confirmation rules apply is in the UPDATE's
# WHERE, so a seat or place taken here is one the slow path would have given; anything else
# (not open, photos, a confirmation to give, unknown, a seat freed while full) changes
# nothing, and the slow path decides and words the answer. The waitlist number is the event
# row's counter, taken under that row's lock, so numbers follow commit order and never repeat.
_OPEN = """id = {event} AND tenant_id = {tenant} AND status = {published} AND type IN ({types})
      AND NOT publishes_photos AND {no_flag}
      AND (registration_opens_at IS NULL OR registration_opens_at <= {now}) AND starts_at > {now}
      AND (registration_closes_at IS NULL OR registration_closes_at > {now})"""
_OPEN_SEAT = f"""
    UPDATE event SET registered_count = registered_count + 1
    WHERE {_OPEN} AND (capacity IS NULL OR registered_count < capacity)
    RETURNING id, title, starts_at, CAST(NULL AS INTEGER)"""
_OPEN_QUEUE = f"""
    UPDATE event SET waitlist_last_seq = waitlist_last_seq + 1
    WHERE {_OPEN} AND capacity IS NOT NULL AND registered_count >= capacity
    RETURNING id, title, starts_at, waitlist_last_seq"""
_REGISTRATION_COLUMNS = ("tenant_id, event_id, student_membership_id, status, waitlist_seq, registered_at, "
                         "confirmed_at, updated_at, cancel_reason")
# open to registration, and confirmed at once unless the type asks a counselor to confirm
_SELF_CONFIRMED_TYPES = tuple(code for code in REGISTRATION_TYPES if code not in REQUIRES_CONFIRMATION_TYPES)
_TYPE_PARAMS = {f"type{i}": code for i, code in enumerate(_SELF_CONFIRMED_TYPES)}
_PG_NO_FLAG = "(details -> 'requires_confirmation') IS NULL"
_LITE_NO_FLAG = "json_extract(details, '$.requires_confirmation') IS NULL"


def _placeholders(style: str) -> dict[str, str]:
    """The event's parameters in one driver's placeholder style."""
    names = {k: style.format(k) for k in ("event", "tenant", "published", "now")}
    return names | {"types": ", ".join(style.format(k) for k in _TYPE_PARAMS)}


# the audit row's columns the statement below fills from the rows it writes; the others are parameters
_PG_AUDIT_VALUES = {"target_id": "reg.id::text", "at": "stamped.at",
                    "details": "json_build_object('event_id', stamped.id, 'status', %(status)s::text, "
                               "'waitlist_seq', stamped.seq)"}
_PG_AUDIT_PARAMS = tuple(f"audit_{c}" for c in AUDIT_COLUMNS if c not in _PG_AUDIT_VALUES)


def _pg_register(update_event: str, confirmed_at: str) -> str:
    """PostgreSQL: the event's UPDATE (RETURNING id, title, starts_at, waitlist number), the
    registration and its audit row as one statement."""
    return f"""
WITH changed AS ({update_event.format(**_placeholders("%({})s"), no_flag=_PG_NO_FLAG)}
), stamped AS (  -- the database's clock, read once the event's lock is held: stamps follow commit order
    SELECT id, title, starts_at, waitlist_last_seq AS seq, clock_timestamp() AS at
    FROM changed AS c (id, title, starts_at, waitlist_last_seq)
), reg AS (
    INSERT INTO registration ({_REGISTRATION_COLUMNS})
    SELECT %(tenant)s, id, %(student)s, %(status)s, seq, at, {confirmed_at}, at, '' FROM stamped
    RETURNING id
), logged AS (
    INSERT INTO audit_event ({", ".join(AUDIT_COLUMNS)})
    SELECT {", ".join(_PG_AUDIT_VALUES.get(c, f"%(audit_{c})s") for c in AUDIT_COLUMNS)} FROM reg, stamped
)
SELECT reg.id, stamped.title, stamped.starts_at, stamped.at, stamped.seq FROM reg, stamped"""


_SEAT_AND_REGISTER = _pg_register(_OPEN_SEAT, "at")
_QUEUE_AND_REGISTER = _pg_register(_OPEN_QUEUE, "NULL")
# the place on the waitlist, read in a statement of its own: it sees every place given before
# this one (those transactions committed before this one got the event's lock)
_PG_POSITION = _POSITION_OF.format(
    tenant="%(tenant)s", event="%(event)s", status="%(status)s",
    seq="""(SELECT r.waitlist_seq FROM registration r WHERE r.tenant_id = %(tenant)s AND r.event_id = %(event)s
        AND r.student_membership_id = %(student)s AND r.status = %(status)s)""")
_LITE_SEAT = _OPEN_SEAT.format(**_placeholders(":{}"), no_flag=_LITE_NO_FLAG)
_LITE_QUEUE = _OPEN_QUEUE.format(**_placeholders(":{}"), no_flag=_LITE_NO_FLAG)
_LITE_REGISTRATION = (f"INSERT INTO registration ({_REGISTRATION_COLUMNS}) VALUES "
                      "(:tenant, :event, :student, :status, :seq, :now, :confirmed_at, :now, '') RETURNING id")
_LITE_AUDIT = (f"INSERT INTO audit_event ({', '.join(AUDIT_COLUMNS)}) "
               f"VALUES ({', '.join(f':audit_{c}' for c in AUDIT_COLUMNS)})")


def _audit_params(actor: Actor, tenant_id: int, event_id: int, registration_id: object, status: str,
                  seq: int | None) -> dict:
    """The audit row `insert_audited` would write for this registration, as driver parameters."""
    row = audit_row(actor, "registration.created", tenant_id, "registration", registration_id,
                    {"event_id": event_id, "status": status, "waitlist_seq": seq})
    return {f"audit_{k}": json.dumps(v) if k == "details" else v for k, v in row.items()}


def _register_in_one_go(actor: Actor, tenant_id: int, event_id: int, student_id: int) -> RegistrationView | None:
    """The common cases' seat, or place on a full event's waitlist, and registration (see
    above); None when the slow path must decide.

    The window is checked against the app's clock, as the slow path checks it (one clock
    decides who gets in, whichever path runs); the stamps are the database's on PostgreSQL,
    read under the event's lock, so they follow commit order across app servers."""
    params = {"event": event_id, "tenant": tenant_id, "student": student_id, "published": PUBLISHED,
              **_TYPE_PARAMS}
    if postgres_engine():
        audit = _audit_params(actor, tenant_id, event_id, "", CONFIRMED, None)
        params |= {k: audit[k] for k in _PG_AUDIT_PARAMS} | {"now": utcnow()}
        row = one_round_trip(_SEAT_AND_REGISTER, params | {"status": CONFIRMED}, tenant_id=tenant_id)
        position = None
        if row is None:  # full (or a case for the slow path): a place on the waitlist
            row, (position,) = round_trip((_QUEUE_AND_REGISTER, _PG_POSITION), params | {"status": WAITLISTED},
                                          tenant_id=tenant_id)
            if row is None:
                return None
        rid, title, starts_at, now, seq = row
        starts_at, now = starts_at.astimezone(UTC), now.astimezone(UTC)
    else:
        with sqlite_transaction() as driver:
            now = utcnow()  # BEGIN IMMEDIATE holds the write lock: stamps follow commit order
            params["now"] = stored_stamp(now)
            status, position = CONFIRMED, None
            changed = driver.execute(_LITE_SEAT, params).fetchone()
            if changed is None:
                status, changed = WAITLISTED, driver.execute(_LITE_QUEUE, params).fetchone()
                if changed is None:
                    return None
            _, title, starts_at, seq = changed
            params |= {"status": status, "seq": seq, "confirmed_at": params["now"] if seq is None else None}
            rid = driver.execute(_LITE_REGISTRATION, params).fetchone()[0]
            audit_params = _audit_params(actor, tenant_id, event_id, rid, status, seq) | {"audit_at": params["now"]}
            driver.execute(_LITE_AUDIT, audit_params)
            if seq is not None:
                position = driver.execute(_LITE_POSITION, params).fetchone()[0]
        starts_at = read_stamp(starts_at)
    status = CONFIRMED if seq is None else WAITLISTED
    return RegistrationView(rid, event_id, title, starts_at, student_id, status, seq, position, None, now,
                            None, False)


def do_register(actor: Actor, tenant_id: int, event_id: int, *,
                waiver: dict | WaiverInput | None = None) -> RegistrationView:
    """Take a seat, or a place on the waitlist when the event is full (not an error).

    Any refusal after the seat is taken (window closed, waiver missing, already registered:
    the partial unique index) raises, and the rollback gives the seat back."""
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    student_id = _student_id(actor)
    if not isinstance(event_id, int) or isinstance(event_id, bool):
        raise NotFound("event not found")
    key = {"b_event": event_id, "b_tenant": tenant_id}
    try:
        view = _register_in_one_go(actor, tenant_id, event_id, student_id)
        if view is not None:
            return view
        # no seat or place given in one go: decide under the event's lock
        with tenant_connection(tenant_id) as conn:
            e = conn.execute(_LOCK_EVENT, key).first()
            if e is None:
                raise NotFound("event not found")
            # a seat left or freed, on an event the one-go path leaves to this one (photos, a
            # confirmation to give, not open: `_check_open` words the refusal)
            seated = conn.execute(_SEAT, key).first() is not None
            now = utcnow()  # read under the lock: registrations are stamped in commit order
            _check_open(e, now)
            w = _check_waiver(conn, actor, e, waiver)
            values = {"tenant_id": tenant_id, "event_id": e.id, "student_membership_id": student_id,
                      "registered_at": now, "updated_at": now, "status": WAITLISTED, "waitlist_seq": None,
                      "confirmed_at": None, "cancel_reason": ""}
            if seated:
                values["status"] = PENDING if requires_confirmation(e) else CONFIRMED
                values["confirmed_at"] = now if values["status"] == CONFIRMED else None
            else:
                values["waitlist_seq"] = conn.execute(_NEXT_SEQ, key).scalar_one()
            rid = insert_audited(conn, _REG, values, actor, "registration.created", tenant_id=tenant_id,
                                 target_type="registration", event_id=e.id, status=values["status"],
                                 waitlist_seq=values["waitlist_seq"])
            if w is not None:
                conn.execute(insert(_WAIVER), {"tenant_id": tenant_id, "registration_id": rid, "event_id": e.id,
                                               "text_version": w.text_version, "scope": w.scope,
                                               "signature": w.signature, "accepted_at": now})
            position = None
            if values["waitlist_seq"] is not None:
                position = conn.execute(_POSITION, {"tenant": tenant_id, "event": e.id, "status": WAITLISTED,
                                                    "seq": values["waitlist_seq"]}).scalar_one()
            return RegistrationView(rid, e.id, e.title, e.starts_at, student_id, values["status"],
                                    values["waitlist_seq"], position, None, now, None, w is not None)
    except IntegrityError as exc:
        if "student_membership_id" not in str(exc.orig) and "uq_registration_active_student" not in str(exc.orig):
            raise
        # the partial unique index caught a second live registration of the same student
        raise Conflict("you are already registered for this activity", code="already_registered") from exc


def _view(r: Registration, e: Event, position: int | None, waiver_signed: bool) -> RegistrationView:
    return RegistrationView(r.id, r.event_id, e.title, e.starts_at, r.student_membership_id, r.status,
                            r.waitlist_seq, position, r.hold_expires_at, r.registered_at, r.checked_in_at,
                            waiver_signed)


def _own_registration(s: Session, actor: Actor, registration_id: int, *, lock: bool) -> Registration:
    q = select(Registration).where(Registration.id == registration_id)
    r = s.exec(q.with_for_update() if lock else q).first()
    # someone else's registration answers like a missing one
    if r is None or r.student_membership_id != actor.membership_id:
        raise NotFound("registration not found", code="registration_not_found")
    return r


def _has_waiver(s: Session, registration_id: int) -> bool:
    return s.exec(select(ImageWaiver.id).where(ImageWaiver.registration_id == registration_id)).first() is not None


def do_cancel_registration(actor: Actor, tenant_id: int, registration_id: int) -> RegistrationView:
    """The student withdraws (or declines an offer): the seat goes to the head of the waitlist."""
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    _student_id(actor)
    with tenant_session(tenant_id) as s, transaction(s):
        peek = _own_registration(s, actor, registration_id, lock=False)
        e = _event_for_update(s, peek.event_id)  # lock order: event, then registration
        r = _own_registration(s, actor, registration_id, lock=True)
        now = utcnow()
        if r.status not in (CONFIRMED, PENDING, WAITLISTED, OFFERED):
            raise Conflict(f"a registration {r.status} cannot be cancelled", code="registration_not_cancellable",
                           status=r.status)
        if now >= e.starts_at:
            raise Conflict("the activity has started", code="cancellation_closed")
        held_seat = r.status != WAITLISTED
        before = r.status
        r.status, r.cancelled_at, r.cancel_reason, r.updated_at = CANCELLED, now, "by_student", now
        r.hold_expires_at = None
        s.add(r)
        s.flush()
        audit(s, actor, "registration.cancelled", tenant_id=tenant_id, target_type="registration",
              target_id=r.id, event_id=e.id, before=before)
        if held_seat:
            _free_seat(s, e.id)
            _offer_freed_seats(s, tenant_id, e, now)
        return _view(r, e, None, _has_waiver(s, r.id))


def do_accept_offer(actor: Actor, tenant_id: int, registration_id: int) -> RegistrationView:
    """The promoted student takes the seat held for them, before the hold runs out."""
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    _student_id(actor)
    with tenant_session(tenant_id) as s, transaction(s):
        peek = _own_registration(s, actor, registration_id, lock=False)
        e = _event_for_update(s, peek.event_id)
        r = _own_registration(s, actor, registration_id, lock=True)
        now = utcnow()
        if r.status != OFFERED:
            raise Conflict("no seat is offered on this registration", code="no_offer", status=r.status)
        if r.hold_expires_at is None or now >= r.hold_expires_at:
            raise Conflict("the offer has expired", code="offer_expired")
        if requires_confirmation(e):
            r.status = PENDING
        else:
            r.status, r.confirmed_at = CONFIRMED, now
        r.hold_expires_at, r.updated_at = None, now
        s.add(r)
        audit(s, actor, "registration.offer_accepted", tenant_id=tenant_id, target_type="registration",
              target_id=r.id, event_id=e.id, status=r.status)
        return _view(r, e, None, _has_waiver(s, r.id))


def my_registrations(actor: Actor, tenant_id: int, *, include_past: bool = False) -> list[RegistrationView]:
    """The student's registrations, soonest first, with their waitlist places."""
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    student_id = _student_id(actor)
    with tenant_session(tenant_id) as s:
        q = (select(Registration, Event).join(Event, (Event.tenant_id == Registration.tenant_id)
                                               & (Event.id == Registration.event_id))
             .where(Registration.student_membership_id == student_id).order_by(Event.starts_at, Registration.id))
        if not include_past:
            q = q.where(Event.ends_at > utcnow())
        rows = s.exec(q).all()
        waivers = set(s.exec(select(ImageWaiver.registration_id).where(
            ImageWaiver.registration_id.in_([r.id for r, _ in rows]))).all()) if rows else set()
        positions = _queue_positions(s, [r for r, _ in rows])
        return [_view(r, e, positions.get(r.id), r.id in waivers) for r, e in rows]


def get_my_registration(actor: Actor, tenant_id: int, registration_id: int) -> RegistrationView:
    """One registration of the student, with its current waitlist place."""
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    _student_id(actor)
    with tenant_session(tenant_id) as s:
        r = _own_registration(s, actor, registration_id, lock=False)
        e = s.get(Event, r.event_id)
        return _view(r, e, _queue_positions(s, [r]).get(r.id), _has_waiver(s, r.id))


# ---------------------------------------------------------------- holds that run out (beat)

def expire_offers(*, now: datetime | None = None) -> int:
    """Cancel offers whose hold has run out and offer each seat to the next student.

    Called by the beat task for every centre; one short transaction per event.
    """
    now = now or utcnow()
    with system_session("registrations: find expired waitlist offers") as s:
        pairs = s.exec(select(Registration.tenant_id, Registration.event_id).where(
            Registration.status == OFFERED, Registration.hold_expires_at <= now).distinct()).all()
    expired = 0
    for tenant_id, event_id in sorted(pairs):
        with tenant_session(tenant_id) as s, transaction(s):
            e = _event_for_update(s, event_id)
            rows = s.exec(select(Registration).where(
                Registration.event_id == event_id, Registration.status == OFFERED,
                Registration.hold_expires_at <= now).order_by(Registration.id).with_for_update()).all()
            for r in rows:
                r.status, r.cancelled_at, r.cancel_reason, r.updated_at = CANCELLED, now, "offer_expired", now
                r.hold_expires_at = None
                s.add(r)
                _free_seat(s, event_id)
                audit(s, None, "registration.offer_expired", tenant_id=tenant_id, target_type="registration",
                      target_id=r.id, event_id=event_id)
            s.flush()
            expired += len(rows)
            _offer_freed_seats(s, tenant_id, e, now)
    return expired


# ---------------------------------------------------------------- staff

def _staff_registration(s: Session, registration_id: int) -> tuple[Registration, Event]:
    r = _registration_for_update(s, registration_id)
    e = s.get(Event, r.event_id)
    if e.status in (EVENT_CLOSED, EVENT_CANCELLED):
        raise Conflict(f"a {e.status} event cannot be changed", code="event_locked")
    return r, e


def do_confirm_registration(actor: Actor, tenant_id: int, registration_id: int) -> RegistrationView:
    """P08.5: the responsible counselor confirms a pending registration; the student is told."""
    require(actor, Perm.REGISTRATION_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        r, e = _staff_registration(s, registration_id)
        if r.status != PENDING:
            raise Conflict(f"a registration {r.status} needs no confirmation", code="not_pending", status=r.status)
        now = utcnow()
        r.status, r.confirmed_at, r.updated_at = CONFIRMED, now, now
        s.add(r)
        s.flush()
        _notify(s, tenant_id, r, e, "confirmed", now)
        audit(s, actor, "registration.confirmed", tenant_id=tenant_id, target_type="registration",
              target_id=r.id, event_id=e.id)
        return _view(r, e, None, _has_waiver(s, r.id))


def do_check_in(actor: Actor, tenant_id: int, registration_id: int) -> RegistrationView:
    """The attendance sheet (P08.7): the student is there."""
    require(actor, Perm.REGISTRATION_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        r, e = _staff_registration(s, registration_id)
        now = utcnow()
        if now < e.starts_at - CHECK_IN_OPENS_BEFORE:
            raise Conflict("check-in opens shortly before the start", code="check_in_not_open")
        if r.status not in (CONFIRMED, PENDING, NO_SHOW):
            raise Conflict(f"a registration {r.status} cannot be checked in", code="not_checkable",
                           status=r.status)
        before = r.status
        r.status, r.checked_in_at, r.updated_at = ATTENDED, now, now
        r.confirmed_at = r.confirmed_at or now  # coming counts as confirmation
        s.add(r)
        s.flush()
        activity.emit(s, tenant_id, activity.CHECKED_IN, r)
        audit(s, actor, "registration.checked_in", tenant_id=tenant_id, target_type="registration",
              target_id=r.id, event_id=e.id, before=before)
        return _view(r, e, None, _has_waiver(s, r.id))


def do_mark_no_show(actor: Actor, tenant_id: int, registration_id: int) -> RegistrationView:
    """After the start, a registered student who did not come (the seat stays counted)."""
    require(actor, Perm.REGISTRATION_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        r, e = _staff_registration(s, registration_id)
        now = utcnow()
        if now < e.starts_at:
            raise Conflict("the activity has not started", code="event_not_started")
        if r.status not in (CONFIRMED, PENDING, ATTENDED):
            raise Conflict(f"a registration {r.status} cannot be marked absent", code="not_checkable",
                           status=r.status)
        before = r.status
        r.status, r.checked_in_at, r.updated_at = NO_SHOW, None, now
        s.add(r)
        if before == ATTENDED:
            s.flush()
            activity.emit(s, tenant_id, activity.CHECK_IN_WITHDRAWN, r)
        audit(s, actor, "registration.no_show", tenant_id=tenant_id, target_type="registration",
              target_id=r.id, event_id=e.id, before=before)
        return _view(r, e, None, _has_waiver(s, r.id))


def list_registrations(actor: Actor, tenant_id: int, event_id: int, *,
                       statuses: list[str] | None = None) -> list[AttendanceRow]:
    """The attendance sheet of an event: seat holders by name, then the waitlist in order."""
    require(actor, Perm.REGISTRATION_MANAGE, tenant_id=tenant_id)
    bad = [x for x in statuses or [] if x not in STATUSES]
    if bad:
        raise Invalid(f"unknown status {', '.join(bad)}", code="invalid_filter")
    with tenant_session(tenant_id) as s:
        if s.get(Event, event_id) is None:
            raise NotFound("event not found")
        q = (select(Registration, Account)
             .join(Membership, (Membership.tenant_id == Registration.tenant_id)
                   & (Membership.id == Registration.student_membership_id))
             .join(Account, Account.id == Membership.account_id)
             .where(Registration.event_id == event_id))
        if statuses:
            q = q.where(Registration.status.in_(statuses))
        rows = s.exec(q).all()
        waivers = set(s.exec(select(ImageWaiver.registration_id).where(ImageWaiver.event_id == event_id)).all())
    rows = sorted(rows, key=lambda ra: (ra[0].status in (WAITLISTED, CANCELLED), ra[0].status == CANCELLED,
                                        ra[0].waitlist_seq or 0, ra[1].full_name.casefold(), ra[0].id))
    return [AttendanceRow(r.id, r.student_membership_id, a.full_name, a.email, r.status, r.waitlist_seq,
                          r.registered_at, r.checked_in_at, r.id in waivers) for r, a in rows]


def list_waivers(actor: Actor, tenant_id: int, event_id: int) -> list[WaiverView]:
    """The signed image-rights releases (M36) of an event, for staff publishing photos."""
    require(actor, Perm.REGISTRATION_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        if s.get(Event, event_id) is None:
            raise NotFound("event not found")
        rows = s.exec(
            select(ImageWaiver, Registration, Account)
            .join(Registration, (Registration.tenant_id == ImageWaiver.tenant_id)
                  & (Registration.id == ImageWaiver.registration_id))
            .join(Membership, (Membership.tenant_id == Registration.tenant_id)
                  & (Membership.id == Registration.student_membership_id))
            .join(Account, Account.id == Membership.account_id)
            .where(ImageWaiver.event_id == event_id, Registration.status != CANCELLED)
            .order_by(ImageWaiver.accepted_at, ImageWaiver.id)).all()
        return [WaiverView(w.registration_id, r.student_membership_id, a.full_name, w.signature, w.text_version,
                           tuple(w.scope), w.accepted_at) for w, r, a in rows]


def attendance_count_in(s: Session, event_id: int) -> int:
    """Inside an open session (e.g. the calendar's closing transaction)."""
    return s.exec(select(func.count()).select_from(Registration).where(
        Registration.event_id == event_id, Registration.status == ATTENDED)).one()


def attendance_count(tenant_id: int, event_id: int) -> int:
    """Students checked in, for the event's closing (P08.8, T02 attendance_count)."""
    with tenant_session(tenant_id) as s:
        return attendance_count_in(s, event_id)


# ---------------------------------------------------------------- staff: invite a student

def do_invite_student(actor: Actor, tenant_id: int, event_id: int, student_membership_id: int, *,
                      now: datetime | None = None) -> RegistrationView:
    """Staff register a student directly: a closed-door recruitment day (P19) or a preparation
    workshop (P22). The invitation takes a seat like any registration (the same conditional
    UPDATE), is confirmed at once (staff chose the student: no counselor confirmation, no
    waitlist) and the student is e-mailed. The event need not be published: a closed-door day
    is never on the catalogue. A full event answers event_full; a live registration of the
    same student answers already_registered."""
    require(actor, Perm.NEED_MANAGE if actor is not None and actor.can(Perm.NEED_MANAGE)
            else Perm.REGISTRATION_MANAGE, tenant_id=tenant_id)
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            e = _event_for_update(s, event_id)
            row = s.exec(select(Membership, Account).join(Account, Account.id == Membership.account_id)
                         .where(Membership.id == student_membership_id, Membership.tenant_id == tenant_id)).first()
            if row is None or not row[0].active or "student" not in (row[0].roles or []):
                raise NotFound("student not found", code="student_not_found")
            at = now or utcnow()
            kind = ACTIVITY_TYPES.get(e.type)
            if kind is None or not kind.registration:
                raise Conflict("this activity is not open to registration", code="event_not_open_for_registration")
            if e.status in (EVENT_CLOSED, EVENT_CANCELLED):
                raise Conflict(f"a {e.status} event cannot be changed", code="event_locked")
            if at >= e.starts_at:
                raise Conflict("registration is closed", code="registration_closed")
            live = s.exec(select(Registration.id).where(
                Registration.event_id == e.id, Registration.student_membership_id == student_membership_id,
                Registration.status != CANCELLED)).first()
            if live is not None:
                raise Conflict("the student is already registered for this activity", code="already_registered")
            if not _take_seat(s, e.id):
                raise Conflict("the activity is full", code="event_full", capacity=e.capacity)
            r = Registration(tenant_id=tenant_id, event_id=e.id, student_membership_id=student_membership_id,
                             status=CONFIRMED, registered_at=at, confirmed_at=at, updated_at=at)
            s.add(r)
            s.flush()
            _notify(s, tenant_id, r, e, "invited", at)
            audit(s, actor, "registration.invited", tenant_id=tenant_id, target_type="registration",
                  target_id=r.id, event_id=e.id, student_membership_id=student_membership_id)
            return _view(r, e, None, False)
    except IntegrityError as exc:
        if "student_membership_id" not in str(exc.orig) and "uq_registration_active_student" not in str(exc.orig):
            raise
        raise Conflict("the student is already registered for this activity", code="already_registered") from exc
