"""Job and internship offers (P12): the registry of sources (P12.1-2), offers collected by
the business developer (P12.3-5), their publication — the best (featured) ones to the
ambassadors first, then to every student (P12.6) — and the students' interest, which puts
them on the shortlist of the need the offer advertises (P12.7, P22).

Who sees what: staff (OFFER_MANAGE) every offer; ambassadors (OFFER_PREVIEW) the published
ones and those at the ambassadors stage, marked as a preview; students (PORTAL_SELF) only the
published ones. Closed offers and offers past their deadline leave the portal.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import tenant_session, transaction, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.i18n import t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from integrations.validation import parse
from tenants.calendar.services import tenant_zone
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm, Role
from tenants.core.services import audit
from tenants.sourcing.access import ENDED
from tenants.sourcing.needs.models import JobNeed, NeedKind
from tenants.sourcing.offers.models import (
    Offer,
    OfferInterest,
    OfferSource,
    OfferStatus,
    SourceKind,
)
from tenants.sourcing.partners.models import Company
from tenants.sourcing.pipeline.models import ShortlistEntry

KINDS = tuple(k.value for k in NeedKind)
SOURCE_KINDS = tuple(k.value for k in SourceKind)
STATUSES = tuple(x.value for x in OfferStatus)
MAX_PER_PAGE = 100
MAX_NOTE = 1000


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class SourceView:
    id: int
    name: str
    kind: str
    url: str
    active: bool
    offers: int


@dataclass(frozen=True)
class OfferView:
    id: int
    title: str
    kind: str
    company_id: int | None
    company: str  # the BD01 company's name, or the name typed in
    place: str
    url: str
    deadline: date | None
    source_id: int | None
    source: str
    description: str
    featured: bool
    status: str
    need_id: int | None
    collected_at: datetime
    ambassadors_at: datetime | None
    published_at: datetime | None
    closed_at: datetime | None
    interests: int


@dataclass(frozen=True)
class OfferPage:
    items: list[OfferView]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class PortalOffer:
    id: int
    title: str
    kind: str
    company: str
    place: str
    url: str
    deadline: date | None
    description: str
    preview: bool  # at the ambassadors stage: "en avant-première"
    interested: bool
    my_note: str


@dataclass(frozen=True)
class PortalPage:
    items: list[PortalOffer]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class InterestView:
    offer_id: int
    student_membership_id: int
    full_name: str
    email: str
    note: str
    at: datetime
    shortlisted: bool


# ---------------------------------------------------------------- inputs

def _http(v: str) -> str:
    if v and not (v.startswith("https://") or v.startswith("http://")):
        raise ValueError("invalid_url:a link starts with https://")
    return v


class SourceInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    name: str = Field(min_length=2, max_length=150)
    kind: str = SourceKind.OTHER.value
    url: str = Field(default="", max_length=500)
    active: bool = True

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in SOURCE_KINDS:
            raise ValueError(f"invalid_kind:unknown kind of source {v!r}")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return _http(v)


class OfferInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    title: str = Field(min_length=2, max_length=200)
    kind: str
    company_id: int | None = Field(default=None, ge=1)
    company_name: str = Field(default="", max_length=200)
    place: str = Field(default="", max_length=200)
    url: str = Field(default="", max_length=500)
    deadline: date | None = None
    source_id: int | None = Field(default=None, ge=1)
    need_id: int | None = Field(default=None, ge=1)
    description: str = Field(default="", max_length=8000)
    featured: bool = False

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in KINDS:
            raise ValueError(f"invalid_kind:an offer is a job or an internship, not {v!r}")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return _http(v)


class PortalFilter(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    kind: str = ""
    place: str = Field(default="", max_length=100)
    text: str = Field(default="", max_length=100)
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=20, ge=1, le=MAX_PER_PAGE)

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v and v not in KINDS:
            raise ValueError(f"invalid_filter:unknown kind {v!r}")
        return v


class StaffFilter(PortalFilter):
    status: str = ""

    @field_validator("status")
    @classmethod
    def _status(cls, v: str) -> str:
        if v and v not in STATUSES:
            raise ValueError(f"invalid_filter:unknown status {v!r}")
        return v


# ---------------------------------------------------------------- sources (P12.1-2)

def _source_view(s: Session, x: OfferSource) -> SourceView:
    n = s.exec(select(func.count()).select_from(Offer).where(Offer.source_id == x.id)).one()
    return SourceView(x.id, x.name, x.kind, x.url, x.active, n)


def list_sources(actor: Actor, tenant_id: int, *, active_only: bool = False) -> list[SourceView]:
    require(actor, Perm.OFFER_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        q = select(OfferSource)
        if active_only:
            q = q.where(OfferSource.active)
        rows = s.exec(q).all()
        return sorted((_source_view(s, x) for x in rows), key=lambda v: (not v.active, _plain(v.name), v.id))


def _plain(name: str) -> str:
    """A name as people sort it: accents and case set aside ("Réseau" between "Rabat" and "Rekrute")."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()


def _name_taken(s: Session, name: str, *, but: int | None = None) -> bool:
    q = select(OfferSource.id).where(func.lower(OfferSource.name) == name.lower())
    if but is not None:
        q = q.where(OfferSource.id != but)
    return s.exec(q).first() is not None


def do_create_source(actor: Actor, tenant_id: int, data: dict | SourceInput) -> SourceView:
    require(actor, Perm.OFFER_MANAGE, tenant_id=tenant_id)
    inp = parse(SourceInput, data)
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            if _name_taken(s, inp.name):
                raise Conflict("a source of this name exists", code="source_exists", name=inp.name)
            x = OfferSource(tenant_id=tenant_id, **inp.model_dump())
            s.add(x)
            s.flush()
            audit(s, actor, "offer_source.created", tenant_id=tenant_id, target_type="offer_source",
                  target_id=x.id, name=x.name)
            return _source_view(s, x)
    except IntegrityError as exc:
        raise Conflict("a source of this name exists", code="source_exists", name=inp.name) from exc


def do_update_source(actor: Actor, tenant_id: int, source_id: int, data: dict | SourceInput) -> SourceView:
    require(actor, Perm.OFFER_MANAGE, tenant_id=tenant_id)
    inp = parse(SourceInput, data)
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            x = s.get(OfferSource, source_id)
            if x is None:
                raise NotFound("source not found", code="source_not_found")
            if _name_taken(s, inp.name, but=x.id):
                raise Conflict("a source of this name exists", code="source_exists", name=inp.name)
            for k, v in inp.model_dump().items():
                setattr(x, k, v)
            s.add(x)
            s.flush()
            audit(s, actor, "offer_source.updated", tenant_id=tenant_id, target_type="offer_source",
                  target_id=x.id, name=x.name, active=x.active)
            return _source_view(s, x)
    except IntegrityError as exc:
        raise Conflict("a source of this name exists", code="source_exists", name=inp.name) from exc


def do_set_source_active(actor: Actor, tenant_id: int, source_id: int, active: bool) -> SourceView:
    """An inactive source is kept for the offers it brought but offered no more."""
    require(actor, Perm.OFFER_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        x = s.get(OfferSource, source_id)
        if x is None:
            raise NotFound("source not found", code="source_not_found")
        x.active = bool(active)
        s.add(x)
        s.flush()
        audit(s, actor, "offer_source.updated", tenant_id=tenant_id, target_type="offer_source", target_id=x.id,
              active=x.active)
        return _source_view(s, x)


def do_delete_source(actor: Actor, tenant_id: int, source_id: int) -> None:
    """An unused source is deleted; one that brought offers is kept and set inactive."""
    require(actor, Perm.OFFER_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        x = s.get(OfferSource, source_id)
        if x is None:
            raise NotFound("source not found", code="source_not_found")
        used = s.exec(select(Offer.id).where(Offer.source_id == x.id)).first() is not None
        if used:
            x.active = False
            s.add(x)
        else:
            s.delete(x)
        audit(s, actor, "offer_source.deleted" if not used else "offer_source.deactivated", tenant_id=tenant_id,
              target_type="offer_source", target_id=source_id)


# ---------------------------------------------------------------- offers (staff)

def _today(s: Session, tenant_id: int) -> date:
    return utcnow().astimezone(tenant_zone(s, tenant_id)).date()


def _check_refs(s: Session, tenant_id: int, inp: OfferInput, *, current: Offer | None = None) -> None:
    if inp.deadline is not None and inp.deadline < _today(s, tenant_id) and (
            current is None or current.deadline != inp.deadline):
        raise Invalid("the deadline is past", code="deadline_past")
    if inp.company_id is not None:
        c = s.get(Company, inp.company_id)
        if c is None or c.merged_into_id is not None:
            raise NotFound("company not found", code="company_not_found")
    if inp.source_id is not None:
        src = s.get(OfferSource, inp.source_id)
        if src is None or (not src.active and (current is None or current.source_id != inp.source_id)):
            raise NotFound("source not found", code="source_not_found")
    if inp.need_id is not None and s.get(JobNeed, inp.need_id) is None:
        raise NotFound("need not found", code="need_not_found")


def _offer_views(s: Session, rows: list[Offer]) -> list[OfferView]:
    if not rows:
        return []
    cids = {o.company_id for o in rows if o.company_id}
    sids = {o.source_id for o in rows if o.source_id}
    companies = dict(s.exec(select(Company.id, Company.name).where(Company.id.in_(cids))).all()) if cids else {}
    sources = dict(s.exec(select(OfferSource.id, OfferSource.name).where(OfferSource.id.in_(sids))).all()) \
        if sids else {}
    counts = dict(s.exec(select(OfferInterest.offer_id, func.count()).where(
        OfferInterest.offer_id.in_([o.id for o in rows])).group_by(OfferInterest.offer_id)).all())
    return [OfferView(o.id, o.title, o.kind, o.company_id, companies.get(o.company_id, o.company_name),
                      o.place, o.url, o.deadline, o.source_id, sources.get(o.source_id, ""), o.description,
                      o.featured, o.status, o.need_id, o.collected_at, o.ambassadors_at, o.published_at,
                      o.closed_at, counts.get(o.id, 0)) for o in rows]


def _offer(s: Session, offer_id: int, *, lock: bool = False) -> Offer:
    q = select(Offer).where(Offer.id == offer_id)
    o = s.exec(q.with_for_update() if lock else q).first()
    if o is None:
        raise NotFound("offer not found", code="offer_not_found")
    return o


def do_collect_offer(actor: Actor, tenant_id: int, data: dict | OfferInput) -> OfferView:
    """P12.3-5: an offer found by the business developer (or passed on by the team)."""
    require(actor, Perm.OFFER_MANAGE, tenant_id=tenant_id)
    inp = parse(OfferInput, data)
    with tenant_session(tenant_id) as s, transaction(s):
        _check_refs(s, tenant_id, inp)
        o = Offer(tenant_id=tenant_id, collected_by_membership_id=actor.membership_id, **inp.model_dump())
        s.add(o)
        s.flush()
        audit(s, actor, "offer.collected", tenant_id=tenant_id, target_type="offer", target_id=o.id, title=o.title)
        return _offer_views(s, [o])[0]


def do_update_offer(actor: Actor, tenant_id: int, offer_id: int, data: dict | OfferInput) -> OfferView:
    require(actor, Perm.OFFER_MANAGE, tenant_id=tenant_id)
    inp = parse(OfferInput, data)
    with tenant_session(tenant_id) as s, transaction(s):
        o = _offer(s, offer_id, lock=True)
        if o.status == OfferStatus.CLOSED.value:
            raise Conflict("a closed offer cannot be changed", code="offer_closed")
        _check_refs(s, tenant_id, inp, current=o)
        for k, v in inp.model_dump().items():
            setattr(o, k, v)
        s.add(o)
        audit(s, actor, "offer.updated", tenant_id=tenant_id, target_type="offer", target_id=o.id)
        return _offer_views(s, [o])[0]


def do_set_featured(actor: Actor, tenant_id: int, offer_id: int, featured: bool) -> OfferView:
    """Among the best offers of the week (P12.5): they go to the ambassadors first."""
    require(actor, Perm.OFFER_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        o = _offer(s, offer_id, lock=True)
        if o.status == OfferStatus.CLOSED.value:
            raise Conflict("a closed offer cannot be changed", code="offer_closed")
        o.featured = bool(featured)
        s.add(o)
        audit(s, actor, "offer.featured", tenant_id=tenant_id, target_type="offer", target_id=o.id,
              featured=o.featured)
        return _offer_views(s, [o])[0]


def _check_open(s: Session, tenant_id: int, o: Offer) -> None:
    if o.deadline is not None and o.deadline < _today(s, tenant_id):
        raise Conflict("the deadline is past", code="deadline_past")


def _tell_ambassadors(s: Session, tenant_id: int, o: Offer) -> int:
    tenant = s.get(Tenant, tenant_id)
    rows = s.exec(select(Membership, Account).join(Account, Account.id == Membership.account_id)
                  .where(Membership.active)).all()
    link = f"{get_settings().base_url.rstrip('/')}/portal/offers"
    company = s.get(Company, o.company_id).name if o.company_id else o.company_name
    sent = 0
    for m, a in rows:
        if Role.AMBASSADOR.value not in (m.roles or []) or not a.active:
            continue
        lang = a.locale or "fr"
        values = {"name": a.full_name, "offer": o.title, "company": company or "—", "tenant": tenant.name,
                  "link": link}
        outbox.enqueue(s, EMAIL_KIND, {"to": a.email, "subject": t("mail.offer_ambassadors.subject", lang, **values),
                                       "text": t("mail.offer_ambassadors.body", lang, **values)},
                       key=f"offer-ambassadors:{tenant_id}:{o.id}:{m.id}", tenant_id=tenant_id)
        sent += 1
    return sent


def do_publish_to_ambassadors(actor: Actor, tenant_id: int, offer_id: int) -> OfferView:
    """P12.6: the ambassadors hear of the offer first (they are e-mailed)."""
    require(actor, Perm.OFFER_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        o = _offer(s, offer_id, lock=True)
        if o.status != OfferStatus.COLLECTED.value:
            raise Conflict(f"a {o.status} offer cannot go to the ambassadors", code="invalid_offer_status",
                           status=o.status)
        _check_open(s, tenant_id, o)
        o.status, o.ambassadors_at = OfferStatus.AMBASSADORS.value, utcnow()
        s.add(o)
        sent = _tell_ambassadors(s, tenant_id, o)
        audit(s, actor, "offer.ambassadors", tenant_id=tenant_id, target_type="offer", target_id=o.id, told=sent)
        return _offer_views(s, [o])[0]


def do_publish_offer(actor: Actor, tenant_id: int, offer_id: int) -> OfferView:
    """P12.6: on the portal for every student. A featured offer goes to the ambassadors first."""
    require(actor, Perm.OFFER_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        o = _offer(s, offer_id, lock=True)
        if o.status not in (OfferStatus.COLLECTED.value, OfferStatus.AMBASSADORS.value):
            raise Conflict(f"a {o.status} offer cannot be published", code="invalid_offer_status", status=o.status)
        if o.status == OfferStatus.COLLECTED.value and o.featured:
            raise Conflict("a featured offer goes to the ambassadors first", code="ambassadors_first")
        _check_open(s, tenant_id, o)
        o.status, o.published_at = OfferStatus.PUBLISHED.value, utcnow()
        s.add(o)
        audit(s, actor, "offer.published", tenant_id=tenant_id, target_type="offer", target_id=o.id)
        return _offer_views(s, [o])[0]


def do_close_offer(actor: Actor, tenant_id: int, offer_id: int) -> OfferView:
    require(actor, Perm.OFFER_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        o = _offer(s, offer_id, lock=True)
        if o.status == OfferStatus.CLOSED.value:
            raise Conflict("the offer is already closed", code="invalid_offer_status", status=o.status)
        o.status, o.closed_at = OfferStatus.CLOSED.value, utcnow()
        s.add(o)
        audit(s, actor, "offer.closed", tenant_id=tenant_id, target_type="offer", target_id=o.id)
        return _offer_views(s, [o])[0]


def _text_filter(q, f: PortalFilter):
    if f.kind:
        q = q.where(Offer.kind == f.kind)
    if f.place:
        q = q.where(func.lower(Offer.place).contains(f.place.lower(), autoescape=True))
    if f.text:
        needle = f.text.lower()
        q = q.where(or_(func.lower(Offer.title).contains(needle, autoescape=True),
                        func.lower(Offer.description).contains(needle, autoescape=True),
                        func.lower(Offer.company_name).contains(needle, autoescape=True)))
    return q


def list_offers(actor: Actor, tenant_id: int, filters: dict | StaffFilter | None = None) -> OfferPage:
    """Every offer for staff, newest collected first."""
    require(actor, Perm.OFFER_MANAGE, tenant_id=tenant_id)
    f = parse(StaffFilter, filters or {})
    q = _text_filter(select(Offer), f)
    if f.status:
        q = q.where(Offer.status == f.status)
    with tenant_session(tenant_id) as s:
        total = s.exec(select(func.count()).select_from(q.subquery())).one()
        rows = list(s.exec(q.order_by(Offer.collected_at.desc(), Offer.id.desc())
                           .offset((f.page - 1) * f.per_page).limit(f.per_page)).all())
        return OfferPage(_offer_views(s, rows), total, f.page, f.per_page)


def get_offer(actor: Actor, tenant_id: int, offer_id: int) -> OfferView:
    require(actor, Perm.OFFER_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return _offer_views(s, [_offer(s, offer_id)])[0]


def offer_interests(actor: Actor, tenant_id: int, offer_id: int) -> list[InterestView]:
    """The students interested in an offer, first come first."""
    require(actor, Perm.OFFER_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        o = _offer(s, offer_id)
        rows = s.exec(select(OfferInterest, Account)
                      .join(Membership, (Membership.tenant_id == OfferInterest.tenant_id)
                            & (Membership.id == OfferInterest.student_membership_id))
                      .join(Account, Account.id == Membership.account_id)
                      .where(OfferInterest.offer_id == o.id).order_by(OfferInterest.at, OfferInterest.id)).all()
        listed: set[int] = set()
        if o.need_id and rows:
            listed = set(s.exec(select(ShortlistEntry.student_membership_id).where(
                ShortlistEntry.need_id == o.need_id)).all())
        return [InterestView(o.id, i.student_membership_id, a.full_name, a.email, i.note, i.at,
                             i.student_membership_id in listed) for i, a in rows]


# ---------------------------------------------------------------- the portal (students)

def _viewer(actor: Actor, tenant_id: int) -> bool:
    """Whether the reader sees the ambassadors' preview too."""
    require(actor, Perm.TENANT_VIEW, tenant_id=tenant_id)
    if actor.can(Perm.OFFER_PREVIEW):
        return True
    if actor.can(Perm.PORTAL_SELF):
        return False
    raise Forbidden("offers are for the centre's students", code="forbidden")


def _visible(q, preview: bool, today: date):
    stages = [OfferStatus.PUBLISHED.value] + ([OfferStatus.AMBASSADORS.value] if preview else [])
    return q.where(Offer.status.in_(stages), or_(Offer.deadline.is_(None), Offer.deadline >= today))


def browse_offers(actor: Actor, tenant_id: int, filters: dict | PortalFilter | None = None) -> PortalPage:
    """The portal's offers: published (and, for ambassadors, the preview), newest first."""
    preview = _viewer(actor, tenant_id)
    f = parse(PortalFilter, filters or {})
    with tenant_session(tenant_id) as s:
        q = _text_filter(_visible(select(Offer), preview, _today(s, tenant_id)), f)
        total = s.exec(select(func.count()).select_from(q.subquery())).one()
        newest = func.coalesce(Offer.published_at, Offer.ambassadors_at, Offer.collected_at)
        rows = list(s.exec(q.order_by(newest.desc(), Offer.id.desc())
                           .offset((f.page - 1) * f.per_page).limit(f.per_page)).all())
        mine: dict[int, str] = {}
        if rows and actor.membership_id is not None:
            mine = dict(s.exec(select(OfferInterest.offer_id, OfferInterest.note).where(
                OfferInterest.student_membership_id == actor.membership_id,
                OfferInterest.offer_id.in_([o.id for o in rows]))).all())
        views = _offer_views(s, rows)
    items = [PortalOffer(v.id, v.title, v.kind, v.company, v.place, v.url, v.deadline, v.description,
                         v.status == OfferStatus.AMBASSADORS.value, v.id in mine, mine.get(v.id, ""))
             for v in views]
    return PortalPage(items, total, f.page, f.per_page)


def _interested_student(actor: Actor, tenant_id: int) -> int:
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    if actor.membership_id is None:
        raise Forbidden("interest is for the centre's students", code="forbidden")
    return actor.membership_id


def do_express_interest(actor: Actor, tenant_id: int, offer_id: int, *, note: str = "") -> InterestView:
    """"Je suis intéressé(e)": the staff see it; when the offer advertises a need, the student
    joins that need's shortlist (origin "interest")."""
    student_id = _interested_student(actor, tenant_id)
    preview = actor.can(Perm.OFFER_PREVIEW)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid("the note is too long", code="note_too_long")
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            o = _offer(s, offer_id)
            shown = {OfferStatus.PUBLISHED.value} | ({OfferStatus.AMBASSADORS.value} if preview else set())
            if o.status == OfferStatus.CLOSED.value:
                raise Conflict("this offer is closed", code="offer_not_open")
            if o.status not in shown:
                raise NotFound("offer not found", code="offer_not_found")
            if o.deadline is not None and o.deadline < _today(s, tenant_id):
                raise Conflict("the deadline is past", code="offer_not_open")
            if s.exec(select(OfferInterest.id).where(OfferInterest.offer_id == o.id,
                                                     OfferInterest.student_membership_id == student_id)).first():
                raise Conflict("you already said you are interested", code="already_interested")
            now = utcnow()
            i = OfferInterest(tenant_id=tenant_id, offer_id=o.id, student_membership_id=student_id, note=note, at=now)
            s.add(i)
            s.flush()
            listed = False
            if o.need_id is not None:
                need = s.get(JobNeed, o.need_id)
                if need is not None and need.status not in ENDED:
                    from tenants.sourcing.pipeline.services import add_candidate

                    add_candidate(s, tenant_id, o.need_id, student_id, origin="interest", note=note)
                    listed = True
            audit(s, actor, "offer.interest", tenant_id=tenant_id, target_type="offer", target_id=o.id,
                  shortlisted=listed)
            return InterestView(o.id, student_id, actor.full_name, actor.email, note, now, listed)
    except IntegrityError as exc:
        if "offer_interest" not in str(exc.orig) and "offer_id" not in str(exc.orig):
            raise
        raise Conflict("you already said you are interested", code="already_interested") from exc


def do_withdraw_interest(actor: Actor, tenant_id: int, offer_id: int) -> None:
    """The student takes back their interest (a shortlist entry made from it stays for staff)."""
    student_id = _interested_student(actor, tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        i = s.exec(select(OfferInterest).where(OfferInterest.offer_id == offer_id,
                                               OfferInterest.student_membership_id == student_id)).first()
        if i is None:
            raise NotFound("no interest to withdraw", code="not_interested")
        s.delete(i)
        audit(s, actor, "offer.interest_withdrawn", tenant_id=tenant_id, target_type="offer", target_id=offer_id)
