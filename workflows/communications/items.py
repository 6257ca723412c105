"""Communication items (P30): what the centre says about an event or an offer, on which
channels, to whom and when, and its approval.

    draft --submit--> submitted --check--> checked --validate (weekly meeting)--> validated
      ^                   |                   |                                      |
      +----send back------+-------------------+                       publish_at reached (beat)
      +----edited after submission, check or validation                              v
                                                                publishing --> published | waiting

Who: any holder of COMM_MANAGE drafts and submits (the communication counselor in the
procedure book; the manager and the other counselors stand in for them, the team is small),
the manager (COMM_APPROVE) checks, sends back with a comment, and records the validation
decided in an open weekly coordination meeting (P30.3). An item about an event is due three
months before it (draft_due_on, P30.1): created or submitted after that date it is `late`.

Publishing belongs to the lead's workflows.communications.delivery (queue_item); this module
only moves a validated item whose time has come to `publishing` in the transaction that
queues its deliveries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import func
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.errors import Conflict, Invalid, NotFound
from integrations.i18n import t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from integrations.validation import clean_per_lang, clean_text
from tenants.calendar.models import Event
from tenants.calendar.services import CANCELLED as EVENT_CANCELLED
from tenants.calendar.services import tenant_zone
from tenants.calendar.types import ACTIVITY_TYPES
from tenants.core.actor import Actor, require
from tenants.core.models import Account, AuditEvent, Membership, Tenant
from tenants.core.roles import Perm, Responsibility, Role
from tenants.core.services import audit
from tenants.sourcing.offers.models import Offer
from workflows.communications import mailing
from workflows.communications.channels import SocialChannel
from workflows.communications.models import (
    CommItem,
    DeliveryState,
    ItemState,
    LinkClick,
    MailDelivery,
    Mailing,
    MediaAsset,
    PostDelivery,
    TrackedLink,
)
from workflows.meetings.models import OPEN as MEETING_OPEN
from workflows.meetings.models import MeetingRecord

log = logging.getLogger(__name__)

LANGS = ("fr", "ar", "en")
EMAIL = "email"
TEXT_MAX, SUBJECT_MAX, TITLE_MAX, COMMENT_MAX = 10_000, 200, 200, 2000
MAX_MEDIA, MAX_LIST, LIST_ITEM_MAX = 10, 50, 120
MAX_PER_PAGE = 100
DUE_MONTHS = 3  # P30.1: drafted at least three months before the event
REMIND_AHEAD = relativedelta(months=3, weeks=2)
WEEKLY = "weekly_coordination_meeting"
DRAFT, SUBMITTED, CHECKED, VALIDATED = (ItemState.DRAFT.value, ItemState.SUBMITTED.value, ItemState.CHECKED.value,
                                        ItemState.VALIDATED.value)
PUBLISHING, PUBLISHED, WAITING = ItemState.PUBLISHING.value, ItemState.PUBLISHED.value, ItemState.WAITING.value
EDITABLE = (DRAFT, SUBMITTED, CHECKED, VALIDATED)
STATES = tuple(s.value for s in ItemState)
# activities a centre communicates about: not its internal meetings nor individual sessions
COMMUNICATED_TYPES = tuple(c for c, a in ACTIVITY_TYPES.items() if not a.meeting and a.public)


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class ItemView:
    id: int
    title: str
    state: str
    event_id: int | None
    event_title: str
    event_starts_at: datetime | None
    offer_id: int | None
    offer_title: str
    plan_id: int | None
    text: dict
    subject: dict
    media_ids: list[int]
    channels: list[str]
    audience: dict
    publish_at: datetime | None
    draft_due_on: date | None
    late: bool
    checked_at: datetime | None
    validated_in_meeting_id: int | None
    validated_at: datetime | None
    published_at: datetime | None
    last_error: str
    created_at: datetime
    updated_at: datetime
    sent_back_comment: str = ""  # the manager's last comment when sending it back


@dataclass(frozen=True)
class ItemPage:
    items: list[ItemView]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class ItemFigures:
    item_id: int
    emails: dict[str, int] = field(default_factory=dict)  # delivery state -> count
    posts: dict[str, int] = field(default_factory=dict)
    clicks: int = 0
    links: int = 0


def _int_id(value: Any, code: str = "comm_item_not_found") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise NotFound("not found", code=code)
    return value


def _local_date(dt: datetime | None, zone: ZoneInfo) -> date | None:
    return dt.astimezone(zone).date() if dt else None


def due_on(event_start: datetime | None, zone: ZoneInfo) -> date | None:
    d = _local_date(event_start, zone)
    return d - relativedelta(months=DUE_MONTHS) if d else None


def _submitted_on(s: Session, item_ids: list[int], zone: ZoneInfo) -> dict[int, date]:
    """The first submission day of each item (kept in the audit trail)."""
    if not item_ids:
        return {}
    rows = s.exec(select(AuditEvent.target_id, func.min(AuditEvent.at)).where(
        AuditEvent.action == "comm_item.submitted", AuditEvent.target_type == "comm_item",
        AuditEvent.target_id.in_([str(i) for i in item_ids])).group_by(AuditEvent.target_id)).all()
    return {int(tid): at.astimezone(zone).date() for tid, at in rows if at}


def _sent_back(s: Session, item_ids: list[int]) -> dict[int, str]:
    if not item_ids:
        return {}
    rows = s.exec(select(AuditEvent).where(AuditEvent.action == "comm_item.sent_back",
                                           AuditEvent.target_id.in_([str(i) for i in item_ids]))
                  .order_by(AuditEvent.at, AuditEvent.id)).all()
    return {int(a.target_id): str((a.details or {}).get("comment", "")) for a in rows}


def is_late(item: CommItem, submitted: date | None, today: date, zone: ZoneInfo) -> bool:
    """Created after its due day, submitted after it, or still a draft once it has passed."""
    due = item.draft_due_on
    if due is None:
        return False
    if _local_date(item.created_at, zone) > due:
        return True
    if submitted is not None:
        return submitted > due
    return item.state == DRAFT and today > due


def _views(s: Session, tenant_id: int, rows: list[CommItem], now: datetime | None = None) -> list[ItemView]:
    zone = tenant_zone(s, tenant_id)
    today = (now or utcnow()).astimezone(zone).date()
    ids = [r.id for r in rows]
    events = {e.id: e for e in s.exec(select(Event).where(
        Event.id.in_({r.event_id for r in rows if r.event_id}))).all()} if rows else {}
    offers = dict(s.exec(select(Offer.id, Offer.title).where(
        Offer.id.in_({r.offer_id for r in rows if r.offer_id}))).all()) if rows else {}
    submitted = _submitted_on(s, ids, zone)
    back = _sent_back(s, [r.id for r in rows if r.state == DRAFT])
    out = []
    for r in rows:
        e = events.get(r.event_id)
        out.append(ItemView(
            r.id, r.title, r.state, r.event_id, e.title if e else "", e.starts_at if e else None, r.offer_id,
            offers.get(r.offer_id, ""), r.plan_id, dict(r.text or {}), dict(r.subject or {}), list(r.media_ids or []),
            list(r.channels or []), dict(r.audience or {}), r.publish_at, r.draft_due_on,
            is_late(r, submitted.get(r.id), today, zone), r.checked_at, r.validated_in_meeting_id, r.validated_at,
            r.published_at, r.last_error, r.created_at, r.updated_at, back.get(r.id, "")))
    return out


# ---------------------------------------------------------------- validation

# an item's multiline texts also keep carriage returns
_text = partial(clean_text, keep="\n\r\t")
_per_lang = partial(clean_per_lang, langs=LANGS, keep="\n\r\t")


def _str_list(value: Any, code: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or len(value) > MAX_LIST:
        raise Invalid(f"a list of at most {MAX_LIST} values", code=code)
    out: list[str] = []
    for v in value:
        w = _text(v, LIST_ITEM_MAX, code=code, required=True)
        if w not in out:
            out.append(w)
    return out


def _ref_id(value: Any, code: str) -> int | None:
    if value is None or value == "":
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0 or value > 2**31 - 1:
        raise NotFound("not found", code=code)
    return value


def _event(s: Session, event_id: int) -> Event:
    e = s.exec(select(Event).where(Event.id == event_id)).first()
    if e is None or e.type not in COMMUNICATED_TYPES:
        raise NotFound("no such activity", code="event_not_found")
    return e


def clean_audience(s: Session, value: Any) -> dict:
    """The e-mail segment, in the shape the mailing resolves (mailing.clean_audience: students
    by field, establishment and level, an event's registrants, companies, the host
    institution); an event named must be one of this centre's."""
    if value is None or value == {}:
        return {}
    out = mailing.clean_audience(value)
    if "event_id" in out:
        out["event_id"] = _event(s, _ref_id(out["event_id"], "event_not_found")).id
    return out


def clean_channels(s: Session, value: Any) -> list[str]:
    """"email" and the ids (as text) of the centre's social channels."""
    if value is None:
        return []
    if not isinstance(value, list | tuple) or len(value) > MAX_LIST:
        raise Invalid("channels: a list", code="comm_unknown_channel")
    known = {str(i) for i in s.exec(select(SocialChannel.id)).all()}
    out: list[str] = []
    for v in value:
        key = str(v) if isinstance(v, int) and not isinstance(v, bool) else v
        if not isinstance(key, str) or (key != EMAIL and key not in known):
            raise Invalid("unknown channel", code="comm_unknown_channel", channel=str(v)[:40])
        if key not in out:
            out.append(key)
    return out


def _media(s: Session, value: Any) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or len(value) > MAX_MEDIA:
        raise Invalid(f"at most {MAX_MEDIA} files", code="comm_bad_media")
    ids: list[int] = []
    for v in value:
        i = _ref_id(v, "media_not_found")
        if i is None:
            raise Invalid("file id expected", code="comm_bad_media")
        if i not in ids:
            ids.append(i)
    found = set(s.exec(select(MediaAsset.id).where(MediaAsset.id.in_(ids))).all()) if ids else set()
    if set(ids) - found:
        raise NotFound("no such file", code="media_not_found")
    return ids


def _when(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise Invalid("publish_at: a date and time", code="comm_bad_publish_at") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise Invalid("publish_at: a date and time with its time zone", code="comm_bad_publish_at")
    return value


FIELDS = ("title", "event_id", "offer_id", "text", "subject", "media_ids", "channels", "audience", "publish_at")


def _apply(s: Session, item: CommItem, data: dict, zone: ZoneInfo, *, creating: bool) -> list[str]:
    """Check and apply `data` (only the keys given, except on creation); returns what changed."""
    if not isinstance(data, dict) or not set(data) <= set(FIELDS):
        raise Invalid("unknown field", code="invalid")
    changed = []
    if creating or "title" in data:
        item.title = _text(data.get("title"), TITLE_MAX, code="comm_title_required", required=True)
        changed.append("title")
    if creating or "event_id" in data or "offer_id" in data:
        ev = _ref_id(data.get("event_id", item.event_id), "event_not_found")
        of = _ref_id(data.get("offer_id", item.offer_id), "offer_not_found")
        if ev and of:
            raise Invalid("an item is about an event or an offer, not both", code="comm_event_or_offer")
        e = _event(s, ev) if ev else None
        if of and s.exec(select(Offer.id).where(Offer.id == of)).first() is None:
            raise NotFound("no such offer", code="offer_not_found")
        item.event_id, item.offer_id = ev, of
        item.draft_due_on = due_on(e.starts_at, zone) if e else None
        changed.append("subject_of")
    if creating or "text" in data:
        item.text = _per_lang(data.get("text"), TEXT_MAX, code="comm_bad_text", multiline=True)
        changed.append("text")
    if creating or "subject" in data:
        item.subject = _per_lang(data.get("subject"), SUBJECT_MAX, code="comm_bad_subject", multiline=False)
        changed.append("subject")
    if creating or "media_ids" in data:
        item.media_ids = _media(s, data.get("media_ids"))
        changed.append("media_ids")
    if creating or "channels" in data:
        item.channels = clean_channels(s, data.get("channels"))
        changed.append("channels")
    if creating or "audience" in data:
        item.audience = clean_audience(s, data.get("audience"))
        changed.append("audience")
    if creating or "publish_at" in data:
        item.publish_at = _when(data.get("publish_at"))
        changed.append("publish_at")
    return changed


def _complete(item: CommItem) -> None:
    """What a submitted item must have: a text, a channel, a date; for e-mail, a subject in each
    language written and an audience."""
    if not item.text:
        raise Invalid("write the text in at least one language", code="comm_text_required")
    if not item.channels:
        raise Invalid("choose at least one channel", code="comm_channel_required")
    if item.publish_at is None:
        raise Invalid("choose when to publish", code="comm_publish_at_required")
    if EMAIL in item.channels:
        if not item.audience:
            raise Invalid("choose who receives the e-mail", code="comm_audience_required")
        if any(not item.subject.get(lang) for lang in item.text):
            raise Invalid("an e-mail needs a subject in each language written", code="comm_subject_required")
        for lang, body in item.text.items():  # the e-mail is personalised: its variables must exist
            mailing.check_template(body, field=f"text.{lang}")
            mailing.check_template(item.subject[lang], field=f"subject.{lang}")


# ---------------------------------------------------------------- reading

def _load(s: Session, item_id: Any, *, lock: bool = False) -> CommItem:
    qy = select(CommItem).where(CommItem.id == _int_id(item_id))
    if lock:
        qy = qy.with_for_update().execution_options(populate_existing=True)
    item = s.exec(qy).first()
    if item is None:
        raise NotFound("no such communication item", code="comm_item_not_found")
    return item


def get_item(actor: Actor, tenant_id: int, item_id: Any, *, now: datetime | None = None) -> ItemView:
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return _views(s, tenant_id, [_load(s, item_id)], now)[0]


def list_items(actor: Actor, tenant_id: int, *, state: Any = None, late: Any = False, event_id: Any = None,
               search: Any = "", page: Any = 1, per_page: Any = 25, now: datetime | None = None) -> ItemPage:
    """Items, soonest publication first (undated ones last). `late`: only the late ones."""
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    if state not in (None, "", *STATES) or not isinstance(late, bool) or not isinstance(search, str) or (
            event_id is not None and (not isinstance(event_id, int) or isinstance(event_id, bool))):
        raise Invalid("unknown filter", code="invalid_filter")
    page = page if isinstance(page, int) and not isinstance(page, bool) and page >= 1 else 1
    per_page = per_page if isinstance(per_page, int) and not isinstance(per_page, bool) else 25
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    where = []
    if state:
        where.append(CommItem.state == state)
    if event_id is not None:
        where.append(CommItem.event_id == event_id)
    words = " ".join(search.split())[:100]
    if words:
        where.append(func.lower(CommItem.title).contains(words.lower()))
    order = (CommItem.publish_at.is_(None), CommItem.publish_at, CommItem.id)
    with tenant_session(tenant_id) as s:
        if late:
            # lateness reads the audit trail: computed over the candidates (items with a due day)
            rows = list(s.exec(select(CommItem).where(*where, CommItem.draft_due_on.is_not(None))
                               .order_by(*order)).all())
            views = [v for v in _views(s, tenant_id, rows, now) if v.late]
            start = (page - 1) * per_page
            return ItemPage(views[start:start + per_page], len(views), page, per_page)
        total = s.exec(select(func.count()).select_from(CommItem).where(*where)).one()
        rows = list(s.exec(select(CommItem).where(*where).order_by(*order)
                           .offset((page - 1) * per_page).limit(per_page)).all())
        return ItemPage(_views(s, tenant_id, rows, now), int(total or 0), page, per_page)


def publications(actor: Actor, tenant_id: int, start: Any, end: Any) -> list[ItemView]:
    """The publication calendar: items whose publish_at falls in [start, end) (local days)."""
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    if not isinstance(start, date) or not isinstance(end, date) or isinstance(start, datetime) \
            or isinstance(end, datetime) or end <= start or (end - start).days > 62:
        raise Invalid("a period of at most two months", code="invalid_filter")
    with tenant_session(tenant_id) as s:
        zone = tenant_zone(s, tenant_id)
        since = datetime.combine(start, datetime.min.time(), tzinfo=zone)
        until = datetime.combine(end, datetime.min.time(), tzinfo=zone)
        rows = list(s.exec(select(CommItem).where(CommItem.publish_at >= since, CommItem.publish_at < until)
                           .order_by(CommItem.publish_at, CommItem.id)).all())
        return _views(s, tenant_id, rows)


# ---------------------------------------------------------------- drafting

def do_create_item(actor: Actor, tenant_id: int, data: dict, *, now: datetime | None = None) -> ItemView:
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        zone = tenant_zone(s, tenant_id)
        item = CommItem(tenant_id=tenant_id, title="-", state=DRAFT, created_by_account_id=actor.account_id)
        _apply(s, item, data, zone, creating=True)
        if now is not None:
            item.created_at = item.updated_at = now
        s.add(item)
        s.flush()
        audit(s, actor, "comm_item.created", tenant_id=tenant_id, target_type="comm_item", target_id=item.id,
              event_id=item.event_id, offer_id=item.offer_id)
        return _views(s, tenant_id, [item], now)[0]


def do_update_item(actor: Actor, tenant_id: int, item_id: Any, data: dict) -> ItemView:
    """Edit an item. Once submitted, checked or validated, an edit sends it back to draft: the
    manager and the meeting approved what they saw, not the new text."""
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        item = _load(s, item_id, lock=True)
        if item.state not in EDITABLE:
            raise Conflict("a publication under way or done cannot be edited", code="comm_item_locked")
        changed = _apply(s, item, data, tenant_zone(s, tenant_id), creating=False)
        previous = item.state
        if previous != DRAFT:
            item.state = DRAFT
            item.checked_at = item.checked_by_account_id = None
            item.validated_at = item.validated_in_meeting_id = None
            audit(s, actor, "comm_item.reopened", tenant_id=tenant_id, target_type="comm_item", target_id=item.id,
                  previous_state=previous)
        item.updated_at = utcnow()
        s.add(item)
        audit(s, actor, "comm_item.updated", tenant_id=tenant_id, target_type="comm_item", target_id=item.id,
              fields=changed)
        s.flush()
        return _views(s, tenant_id, [item])[0]


def do_delete_item(actor: Actor, tenant_id: int, item_id: Any) -> None:
    """A draft that will not be used (nothing was sent for it)."""
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        item = _load(s, item_id, lock=True)
        if item.state != DRAFT:
            raise Conflict("only a draft can be deleted", code="comm_item_not_draft")
        audit(s, actor, "comm_item.deleted", tenant_id=tenant_id, target_type="comm_item", target_id=item.id,
              title=item.title)
        s.delete(item)


# ---------------------------------------------------------------- approval

def _move(actor: Actor, tenant_id: int, item_id: Any, perm: Perm, frm: tuple[str, ...], to: str, action: str,
          change=None, **details: Any) -> ItemView:  # noqa: ANN001
    require(actor, perm, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        item = _load(s, item_id, lock=True)
        if item.state not in frm:
            raise Conflict(f"the item is {item.state}", code="comm_item_wrong_state", state=item.state)
        if change is not None:
            change(s, item)
        previous, item.state, item.updated_at = item.state, to, utcnow()
        s.add(item)
        audit(s, actor, action, tenant_id=tenant_id, target_type="comm_item", target_id=item.id,
              previous_state=previous, **details)
        s.flush()
        return _views(s, tenant_id, [item])[0]


def do_submit_item(actor: Actor, tenant_id: int, item_id: Any) -> ItemView:
    """The counselor hands the item to the manager (P30.1), complete."""
    return _move(actor, tenant_id, item_id, Perm.COMM_MANAGE, (DRAFT,), SUBMITTED, "comm_item.submitted",
                 change=lambda s, item: _complete(item))


def do_check_item(actor: Actor, tenant_id: int, item_id: Any) -> ItemView:
    """The manager checks it (P30.2); it goes to the next weekly coordination meeting."""
    def change(s: Session, item: CommItem) -> None:
        _complete(item)
        item.checked_by_account_id, item.checked_at = actor.account_id, utcnow()
    return _move(actor, tenant_id, item_id, Perm.COMM_APPROVE, (SUBMITTED,), CHECKED, "comm_item.checked",
                 change=change)


def do_send_back_item(actor: Actor, tenant_id: int, item_id: Any, comment: Any) -> ItemView:
    """The manager returns a submitted or checked item to its author with what to change."""
    text = _text(comment, COMMENT_MAX, code="comm_comment_required", required=True, multiline=True)

    def change(s: Session, item: CommItem) -> None:
        item.checked_by_account_id = item.checked_at = None
    return _move(actor, tenant_id, item_id, Perm.COMM_APPROVE, (SUBMITTED, CHECKED), DRAFT, "comm_item.sent_back",
                 change=change, comment=text)


def do_validate_item(actor: Actor, tenant_id: int, item_id: Any, meeting_id: Any) -> ItemView:
    """Record the validation decided in the weekly coordination meeting (P30.3): the meeting's
    record must be open. The item then shows on that record."""
    def change(s: Session, item: CommItem) -> None:
        rec = s.exec(select(MeetingRecord).where(MeetingRecord.id == _int_id(meeting_id, "meeting_not_found"))).first()
        if rec is None:
            raise NotFound("no such meeting", code="meeting_not_found")
        if rec.kind != WEEKLY:
            raise Invalid("items are validated in the weekly coordination meeting", code="comm_not_weekly_meeting")
        if rec.status != MEETING_OPEN:
            raise Conflict("this meeting is closed", code="meeting_closed")
        item.validated_in_meeting_id, item.validated_at = rec.id, utcnow()
    return _move(actor, tenant_id, item_id, Perm.COMM_APPROVE, (CHECKED,), VALIDATED, "comm_item.validated",
                 change=change, meeting_id=meeting_id)


# ---------------------------------------------------------------- the weekly meeting's record

def meeting_items(s: Session, meeting_id: int, *, open_: bool) -> dict[str, list[dict]]:
    """For a weekly meeting's record: the items checked and awaiting its validation (while it is
    open) and those validated there."""
    def row(i: CommItem) -> dict:
        return {"id": i.id, "title": i.title, "state": i.state, "channels": list(i.channels or []),
                "publish_at": i.publish_at.isoformat() if i.publish_at else None, "event_id": i.event_id}
    waiting = list(s.exec(select(CommItem).where(CommItem.state == CHECKED)
                          .order_by(CommItem.publish_at, CommItem.id)).all()) if open_ else []
    done = list(s.exec(select(CommItem).where(CommItem.validated_in_meeting_id == meeting_id)
                       .order_by(CommItem.validated_at, CommItem.id)).all())
    return {"to_validate": [row(i) for i in waiting], "validated": [row(i) for i in done]}


# ---------------------------------------------------------------- publishing

def _queue(s: Session, item: CommItem) -> None:
    """Hand the item to the lead's delivery (its rows and outbox messages join this transaction)."""
    from workflows.communications.delivery import queue_item  # the lead's module

    queue_item(s, item)


def publish_due(tenant_id: int, *, now: datetime | None = None) -> list[int]:
    """Move each validated item whose publish_at has come to `publishing` and queue its
    deliveries, one transaction per item (an item that fails to queue stays validated, with
    its error, and is tried again next time). Returns the ids queued."""
    now = now or utcnow()
    with tenant_session(tenant_id) as s:
        ids = list(s.exec(select(CommItem.id).where(CommItem.state == VALIDATED, CommItem.publish_at <= now)
                          .order_by(CommItem.publish_at, CommItem.id)).all())
    queued = []
    for iid in ids:
        try:
            with tenant_session(tenant_id) as s, transaction(s):
                item = _load(s, iid, lock=True)
                if item.state != VALIDATED:
                    continue  # another beat run took it
                item.state, item.last_error, item.updated_at = PUBLISHING, "", now
                s.add(item)
                _queue(s, item)
                audit(s, None, "comm_item.publishing", tenant_id=tenant_id, target_type="comm_item", target_id=iid)
            queued.append(iid)
        except ImportError:
            log.warning("communications delivery is not installed: item %s waits", iid)
            break
        except Exception as exc:  # noqa: BLE001  (recorded on the item; the others go on)
            log.exception("item %s could not be queued", iid)
            with tenant_session(tenant_id) as s, transaction(s):
                item = _load(s, iid)
                item.last_error = str(exc)[:2000]
                s.add(item)
    return queued


def publish_all_due(*, now: datetime | None = None) -> int:
    with system_session("communications: centres with items due") as s:
        tenants = sorted(set(s.exec(select(CommItem.tenant_id).where(
            CommItem.state == VALIDATED, CommItem.publish_at <= (now or utcnow()))).all()))
    return sum(len(publish_due(tid, now=now)) for tid in tenants)


# ---------------------------------------------------------------- follow-up figures

def _figures(s: Session, item_id: int) -> ItemFigures:
    emails = dict(s.exec(select(MailDelivery.state, func.count())
                         .join(Mailing, (Mailing.tenant_id == MailDelivery.tenant_id)
                               & (Mailing.id == MailDelivery.mailing_id))
                         .where(Mailing.item_id == item_id).group_by(MailDelivery.state)).all())
    posts = dict(s.exec(select(PostDelivery.state, func.count()).where(PostDelivery.item_id == item_id)
                        .group_by(PostDelivery.state)).all())
    links, clicks = s.exec(select(func.count(), func.coalesce(func.sum(TrackedLink.clicks), 0))
                           .where(TrackedLink.item_id == item_id)).one()
    return ItemFigures(item_id, {k: int(v) for k, v in emails.items()}, {k: int(v) for k, v in posts.items()},
                       int(clicks or 0), int(links or 0))


def item_figures(actor: Actor, tenant_id: int, item_id: Any) -> ItemFigures:
    """Deliveries per state (e-mails, posts) and clicks on the item's tracked links."""
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        item = _load(s, item_id)
        return _figures(s, item.id)


def week_figures(s: Session, since: datetime, until: datetime) -> dict:
    """For the weekly report: items published, e-mails and posts sent or failed, clicks, in
    [since, until); and the items due for drafting that are late."""
    published = s.exec(select(func.count()).select_from(CommItem).where(
        CommItem.published_at >= since, CommItem.published_at < until)).one()
    mails = dict(s.exec(select(MailDelivery.state, func.count()).where(
        MailDelivery.created_at >= since, MailDelivery.created_at < until).group_by(MailDelivery.state)).all())
    posts = dict(s.exec(select(PostDelivery.state, func.count()).where(
        PostDelivery.created_at >= since, PostDelivery.created_at < until).group_by(PostDelivery.state)).all())
    clicks = s.exec(select(func.count()).select_from(LinkClick).where(LinkClick.at >= since, LinkClick.at < until)).one()
    sent, failed = DeliveryState.SENT.value, (DeliveryState.FAILED.value, DeliveryState.BOUNCED.value)
    return {"items_published": int(published or 0),
            "emails_sent": int(mails.get(sent, 0)), "emails_failed": sum(int(mails.get(x, 0)) for x in failed),
            "posts_sent": int(posts.get(sent, 0)), "posts_failed": int(posts.get(DeliveryState.FAILED.value, 0)),
            "clicks": int(clicks or 0)}


def weekly_summary(actor: Actor, tenant_id: int, monday: Any) -> dict:
    """week_figures for the week starting `monday` (local days), for the weekly report."""
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    if not isinstance(monday, date) or isinstance(monday, datetime):
        raise Invalid("a day", code="invalid_filter")
    with tenant_session(tenant_id) as s:
        zone = tenant_zone(s, tenant_id)
        since = datetime.combine(monday, datetime.min.time(), tzinfo=zone)
        return week_figures(s, since, since + timedelta(days=7))


# ---------------------------------------------------------------- reminders (beat)

def _communicators(s: Session, e: Event) -> list[int]:
    """Who drafts for this event: its communication counselor, else the counselors in charge of
    communication, else the managers."""
    if e.communication_membership_id:
        return [e.communication_membership_id]
    rows = s.exec(select(Membership.id, Membership.roles, Membership.responsibilities)
                  .where(Membership.active.is_(True))).all()
    comm = [mid for mid, roles, resp in rows if Role.CAREER_COUNSELOR.value in (roles or [])
            and Responsibility.COMMUNICATION.value in (resp or [])]
    return comm or [mid for mid, roles, _ in rows if Role.MANAGER.value in (roles or [])]


def enqueue_item_reminders(*, now: datetime | None = None) -> int:
    """Each upcoming activity (within three months and two weeks) with no communication item
    yet: its communication counselor is e-mailed once (outbox key per event and person)."""
    now = now or utcnow()
    with system_session("communication reminders: list centres") as s:
        tenants = [(x.id, x.name, x.locale or "fr") for x in s.exec(select(Tenant)).all()]
    sent = 0
    base = get_settings().base_url
    for tenant_id, tenant_name, default_lang in tenants:
        with tenant_session(tenant_id) as s, transaction(s):
            zone = tenant_zone(s, tenant_id)
            covered = select(CommItem.event_id).where(CommItem.event_id.is_not(None))
            events = list(s.exec(select(Event).where(
                Event.type.in_(COMMUNICATED_TYPES), Event.status != EVENT_CANCELLED, Event.starts_at > now,
                Event.starts_at <= now + REMIND_AHEAD, Event.id.not_in(covered)).order_by(Event.starts_at)).all())
            for e in events:
                for mid in _communicators(s, e):
                    key = f"comm-item-reminder:{tenant_id}:{e.id}:{mid}"
                    if s.exec(select(outbox.OutboxMessage.id)
                              .where(outbox.OutboxMessage.idempotency_key == key)).first():
                        continue
                    acc = s.exec(select(Account).join(Membership, Membership.account_id == Account.id)
                                 .where(Membership.id == mid, Account.active.is_(True))).first()
                    if acc is None:
                        continue
                    lang = acc.locale or default_lang
                    due = due_on(e.starts_at, zone)
                    values = {"name": acc.full_name, "event": e.title, "tenant": tenant_name,
                              "when": e.starts_at.astimezone(zone).strftime("%d/%m/%Y"),
                              "due": due.strftime("%d/%m/%Y") if due else "", "link": f"{base}/staff/communications"}
                    outbox.enqueue(s, EMAIL_KIND, {"to": acc.email,
                                                   "subject": t("mail.comm_item_reminder.subject", lang, **values),
                                                   "text": t("mail.comm_item_reminder.body", lang, **values)},
                                   key=key, tenant_id=tenant_id)
                    sent += 1
    return sent


# ---------------------------------------------------------------- choices for the editor

@dataclass(frozen=True)
class Choice:
    id: int
    label: str
    when: datetime | None


def event_choices(actor: Actor, tenant_id: int, *, now: datetime | None = None, limit: int = 200) -> list[Choice]:
    """The coming activities an item can be about (not cancelled), soonest first."""
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        rows = s.exec(select(Event).where(Event.type.in_(COMMUNICATED_TYPES), Event.status != EVENT_CANCELLED,
                                          Event.starts_at >= (now or utcnow()))
                      .order_by(Event.starts_at, Event.id).limit(limit)).all()
        return [Choice(e.id, e.title, e.starts_at) for e in rows]


def open_weekly_meetings(actor: Actor, tenant_id: int) -> list[Choice]:
    """The weekly coordination meetings whose record is open: where an item can be validated."""
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        rows = s.exec(select(MeetingRecord.id, Event.title, Event.starts_at)
                      .join(Event, (Event.tenant_id == MeetingRecord.tenant_id) & (Event.id == MeetingRecord.event_id))
                      .where(MeetingRecord.kind == WEEKLY, MeetingRecord.status == MEETING_OPEN)
                      .order_by(Event.starts_at.desc())).all()
        return [Choice(mid, title, at) for mid, title, at in rows]
