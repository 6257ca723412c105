"""Profile sourcing (P22): the shortlist of a job need, preparation of the students, profiles
sent to the company through a secure link, what the company sees and records, the board and
its metrics.

Consent is the rule everything here turns on: a profile goes to a company only if the
student's latest consent to share with companies is granted at the moment of sending (the
record is kept on the sent item), and the company sees it only while the latest consent is
still granted: revoking hides it from then on. What goes out is the professional profile
(name, field, level, establishment, graduation, languages, skills, experiences, CV): never the
student's phone or e-mail, which the consent wording does not cover; the company reaches
students through the centre.

Every view of a sending by the company (list, profile, CV, PDF) writes a ProfileViewLog row.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import secrets
import statistics
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, or_, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from integrations import outbox, storage
from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.errors import Conflict, Invalid, NotFound
from integrations.i18n import t
from integrations.mail import EMAIL_KIND, MAX_ATTACHMENT_BYTES, attachment
from integrations.pdf import Document, FontMissing, Heading, Paragraph, render_pdf
from integrations.settings import get_settings
from integrations.validation import parse
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm, Role
from tenants.core.services import audit
from tenants.portal.profiles.models import ConsentRecord, Establishment, StudentProfile, StudyField
from tenants.portal.profiles.services import SHARE_WITH_COMPANIES
from tenants.sourcing.access import ENDED, PIPELINE, advance, company_person
from tenants.sourcing.needs.models import JobNeed, NeedStatus
from tenants.sourcing.offers.models import Offer, OfferInterest
from tenants.sourcing.partners.models import Company, Person
from tenants.sourcing.pipeline.models import (
    EntryStatus,
    Outcome,
    ProfileShare,
    ProfileShareItem,
    ProfileViewLog,
    ShortlistEntry,
)
from tenants.sourcing.search.ddl import FTS_TABLE
from tenants.sourcing.search.models import StudentSearchDoc
from tenants.sourcing.search.services import (
    consent_now,
    fts5_match,
    no_jit,
    pg_text_matches,
    student_filter,
)

log = logging.getLogger(__name__)

ORIGINS = ("counselor", "interest", "staff")
MIN_VALID_DAYS, MAX_VALID_DAYS = 1, 90
NOTE_MAX = 2000
# entries that may still go to preparation / be sent
_OPEN_ENTRY = (EntryStatus.PROPOSED.value, EntryStatus.SELECTED.value, EntryStatus.PREPARED.value)
_LEVELS = ("bac+1", "bac+2", "bac+3", "bac+4", "bac+5", "doctorate")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(str(secret or "").encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class EntryView:
    id: int
    need_id: int
    student_membership_id: int
    student_name: str
    field: str
    level: str
    establishment: str
    graduation_year: int | None
    skills: tuple[str, ...]
    origin: str
    note: str
    rank: int | None
    status: str
    consent: bool
    preparer_membership_id: int | None
    booking_id: int | None
    registration_id: int | None
    outcome: str
    outcome_note: str
    outcome_at: datetime | None
    added_by: str
    created_at: datetime


@dataclass(frozen=True)
class SkippedCandidate:
    entry_id: int
    student_name: str
    reason: str  # no_consent


@dataclass(frozen=True)
class SendResult:
    share_id: int
    included: tuple[int, ...]  # entry ids
    skipped: tuple[SkippedCandidate, ...]
    recipients: tuple[str, ...]
    expires_at: datetime
    pdf_attached: bool


@dataclass(frozen=True)
class ViewLogRow:
    at: datetime
    kind: str
    student_name: str
    viewer: str
    ip: str


@dataclass(frozen=True)
class ShareView:
    id: int
    need_id: int
    company_id: int
    company_name: str
    sent_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    sent_by: str
    students: tuple[str, ...]
    views: tuple[ViewLogRow, ...]

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > utcnow()


@dataclass(frozen=True)
class SharedProfile:
    """A profile as the company sees it: no phone, no e-mail (see the module's note)."""

    entry_id: int
    student_membership_id: int
    full_name: str
    field: str
    track: str
    level: str
    establishment: str
    graduation_year: int | None
    graduation_month: int | None
    languages: tuple[str, ...]
    skills: tuple[str, ...]
    experiences: tuple[dict, ...]
    has_cv: bool
    outcome: str
    outcome_note: str


@dataclass(frozen=True)
class SharedProfiles:
    share_id: int
    tenant_id: int
    need_id: int
    need_title: str
    company_name: str
    centre_name: str
    sent_at: datetime
    expires_at: datetime
    profiles: tuple[SharedProfile, ...]


@dataclass(frozen=True)
class CandidateScore:
    membership_id: int
    full_name: str
    field: str
    level: str
    establishment: str
    consent: bool
    in_shortlist: bool
    score: float
    reasons: tuple[str, ...]  # stable codes: field, level, level_above, skill:<x>, language:<x>, text, consent, interest


@dataclass(frozen=True)
class NeedCard:
    id: int
    company_id: int
    company_name: str
    title: str
    positions: int
    deadline: date
    status: str
    owner_membership_id: int | None
    owner_name: str
    days_since_received: int


@dataclass
class Board:
    columns: dict[str, list[NeedCard]] = field(default_factory=dict)
    ended: list[NeedCard] = field(default_factory=list)


@dataclass(frozen=True)
class FillRate:
    key: str  # company name or sector
    positions: int
    hired: int

    @property
    def rate(self) -> float:
        return self.hired / self.positions if self.positions else 0.0


@dataclass(frozen=True)
class Metrics:
    median_days_to_shortlist: float | None
    needs_shortlisted: int
    by_company: tuple[FillRate, ...]
    by_sector: tuple[FillRate, ...]


# ---------------------------------------------------------------- lookups

_R = TypeVar("_R")


def _row(s: Session, model: type[_R], row_id: object, for_update: bool, message: str, code: str) -> _R:
    """The row of the session's tenant with this id (locked `for_update`); else NotFound."""
    try:
        row_id = int(row_id)
    except (TypeError, ValueError):
        raise NotFound(message, code=code) from None
    q = select(model).where(model.id == row_id)
    if for_update:
        q = q.with_for_update()
    row = s.exec(q).first()
    if row is None:
        raise NotFound(message, code=code)
    return row


def _need(s: Session, need_id: int, *, for_update: bool = False) -> JobNeed:
    return _row(s, JobNeed, need_id, for_update, "job need not found", "need_not_found")


def _open(n: JobNeed) -> None:
    if n.status in ENDED:
        raise Conflict("this job need is closed or cancelled", code="need_ended", status=n.status)


def _entry(s: Session, entry_id: int, *, for_update: bool = False) -> ShortlistEntry:
    return _row(s, ShortlistEntry, entry_id, for_update, "candidate not found", "entry_not_found")


def _student(s: Session, tenant_id: int, membership_id: int) -> tuple[Membership, Account]:
    row = s.exec(select(Membership, Account).join(Account, Account.id == Membership.account_id)
                 .where(Membership.id == membership_id, Membership.tenant_id == tenant_id)).first()
    if row is None or not row[0].active or Role.STUDENT.value not in (row[0].roles or []):
        raise NotFound("student not found", code="student_not_found")
    p = s.exec(select(StudentProfile).where(StudentProfile.membership_id == membership_id)).first()
    if p is not None and p.anonymised_at is not None:
        raise NotFound("student not found", code="student_not_found")
    return row


def _consents_now(s: Session, membership_ids: list[int]) -> dict[int, ConsentRecord]:
    """The latest consent record (sharing with companies) of each student."""
    out: dict[int, ConsentRecord] = {}
    if not membership_ids:
        return out
    for c in s.exec(select(ConsentRecord).where(ConsentRecord.membership_id.in_(membership_ids),
                                                ConsentRecord.purpose == SHARE_WITH_COMPANIES)
                    .order_by(ConsentRecord.id)).all():
        out[c.membership_id] = c
    return out


def _profiles(s: Session, membership_ids: list[int]) -> dict[int, StudentProfile]:
    if not membership_ids:
        return {}
    return {p.membership_id: p for p in s.exec(select(StudentProfile).where(
        StudentProfile.membership_id.in_(membership_ids), StudentProfile.anonymised_at.is_(None))).all()}


def _names(s: Session, membership_ids: set[int]) -> dict[int, str]:
    ids = {i for i in membership_ids if i}
    if not ids:
        return {}
    return dict(s.exec(select(Membership.id, Account.full_name).join(Account, Account.id == Membership.account_id)
                       .where(Membership.id.in_(ids))).all())


def _lookup(s: Session, model: type, ids: set) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(s.exec(select(model.id, model.name).where(model.id.in_(ids))).all())


def _study_names(s: Session, profiles: dict[int, StudentProfile]) -> tuple[dict[int, str], dict[int, str]]:
    """The names of the profiles' fields of study, and of their establishments, by id."""
    return (_lookup(s, StudyField, {p.field_id for p in profiles.values()}),
            _lookup(s, Establishment, {p.establishment_id for p in profiles.values()}))


def _entry_views(s: Session, rows: list[ShortlistEntry]) -> list[EntryView]:
    mids = [e.student_membership_id for e in rows]
    profiles = _profiles(s, mids)
    consents = _consents_now(s, mids)
    names = _names(s, set(mids) | {e.added_by_membership_id for e in rows})
    fields, ests = _study_names(s, profiles)
    out = []
    for e in rows:
        p = profiles.get(e.student_membership_id)
        c = consents.get(e.student_membership_id)
        out.append(EntryView(
            id=e.id, need_id=e.need_id, student_membership_id=e.student_membership_id,
            student_name=(p.full_name if p and p.full_name else names.get(e.student_membership_id, "")),
            field=fields.get(p.field_id, "") if p else "", level=(p.level or "") if p else "",
            establishment=ests.get(p.establishment_id, "") if p else "",
            graduation_year=p.graduation_year if p else None, skills=tuple(p.skills) if p else (),
            origin=e.origin, note=e.note, rank=e.rank, status=e.status, consent=bool(c and c.granted),
            preparer_membership_id=e.preparer_membership_id, booking_id=e.booking_id,
            registration_id=e.registration_id, outcome=e.outcome, outcome_note=e.outcome_note,
            outcome_at=e.outcome_at, added_by=names.get(e.added_by_membership_id, ""), created_at=e.created_at))
    return out


def _clean_note(note: str | None) -> str:
    v = str(note or "").strip()
    if any(not (ch.isprintable() or ch in "\n\t") for ch in v):
        raise Invalid("control characters are not allowed", code="invalid")
    if len(v) > NOTE_MAX:
        raise Invalid(f"at most {NOTE_MAX} characters", code="text_too_long")
    return v


def _ids(values: object, *, code: str = "invalid") -> list[int]:
    if not isinstance(values, (list, tuple)):
        raise Invalid("a list of ids is expected", code=code)
    out: list[int] = []
    for v in values:
        if isinstance(v, bool):
            raise Invalid("a list of ids is expected", code=code)
        try:
            i = int(v)
        except (TypeError, ValueError):
            raise Invalid("a list of ids is expected", code=code) from None
        if i not in out:
            out.append(i)
    return out


# ---------------------------------------------------------------- shortlist

def add_candidate(s: Session, tenant_id: int, need_id: int, student_membership_id: int, *, origin: str,
                  note: str = "", added_by: int | None = None) -> ShortlistEntry:
    """Puts a student on a need's shortlist in the caller's transaction (a counselor's pick,
    or the student's interest in an offer linked to the need). Returns the existing entry
    when the student is already there. An ended need refuses (need_ended)."""
    if origin not in ORIGINS:
        raise Invalid("unknown origin", code="invalid")
    n = _need(s, need_id)
    _open(n)
    _student(s, tenant_id, student_membership_id)
    existing = s.exec(select(ShortlistEntry).where(ShortlistEntry.need_id == n.id,
                                                   ShortlistEntry.student_membership_id == student_membership_id)).first()
    if existing is not None:
        return existing
    e = ShortlistEntry(tenant_id=tenant_id, need_id=n.id, student_membership_id=student_membership_id,
                       origin=origin, note=_clean_note(note), added_by_membership_id=added_by)
    try:
        with s.begin_nested():
            s.add(e)
            s.flush()
    except IntegrityError:
        # added at the same moment by someone else: theirs stands
        found = s.exec(select(ShortlistEntry).where(
            ShortlistEntry.need_id == n.id, ShortlistEntry.student_membership_id == student_membership_id)).first()
        if found is None:
            raise
        return found
    return e


def list_shortlist(actor: Actor, tenant_id: int, need_id: int) -> list[EntryView]:
    """A need's candidates, ranked ones first (1, 2, …), then the others as they came."""
    require(actor, Perm.NEED_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        n = _need(s, need_id)
        rows = list(s.exec(select(ShortlistEntry).where(ShortlistEntry.need_id == n.id)).all())
        rows.sort(key=lambda e: (e.rank is None, e.rank or 0, e.created_at, e.id))
        return _entry_views(s, rows)


def do_shortlist(actor: Actor, tenant_id: int, need_id: int, student_membership_id: int,
                 note: str = "") -> EntryView:
    """A counselor adds a student to the need's shortlist (P22.4); the need moves to
    'shortlisted'. Adding the same student again keeps the first entry (its note too, unless
    it had none)."""
    require(actor, Perm.SOURCING, tenant_id=tenant_id)
    note = _clean_note(note)
    with tenant_session(tenant_id) as s, transaction(s):
        n = _need(s, need_id, for_update=True)
        _open(n)
        e = add_candidate(s, tenant_id, n.id, int(student_membership_id), origin="counselor", note=note,
                          added_by=actor.membership_id)
        if note and not e.note:
            e.note, e.updated_at = note, utcnow()
            s.add(e)
        if advance(n, NeedStatus.SHORTLISTED):
            s.add(n)
        s.flush()
        audit(s, actor, "shortlist.added", tenant_id=tenant_id, target_type="shortlist_entry", target_id=e.id,
              need_id=n.id, student_membership_id=e.student_membership_id)
        return _entry_views(s, [e])[0]


class EntryUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = None
    rank: int | None = Field(default=None, ge=1, le=10000)
    status: str | None = None

    @field_validator("status")
    @classmethod
    def _status(cls, v: str | None) -> str | None:
        if v is not None and v not in (EntryStatus.PROPOSED.value, EntryStatus.SELECTED.value,
                                       EntryStatus.EXCLUDED.value):
            raise ValueError("invalid_entry_status:proposed, selected or excluded")
        return v


def do_update_entry(actor: Actor, tenant_id: int, entry_id: int, data: dict | EntryUpdate) -> EntryView:
    """The note (SOURCING); the rank and select/exclude are the business developer's
    (NEED_MANAGE). A profile already sent keeps its status."""
    require(actor, Perm.SOURCING, tenant_id=tenant_id)
    inp = parse(EntryUpdate, data)
    sent_fields = inp.model_fields_set
    if {"rank", "status"} & sent_fields:
        require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        e = _entry(s, entry_id, for_update=True)
        _open(_need(s, e.need_id))
        if "note" in sent_fields:
            e.note = _clean_note(inp.note)
        if "rank" in sent_fields:
            e.rank = inp.rank
        if "status" in sent_fields and inp.status and inp.status != e.status:
            if e.status in (EntryStatus.SENT.value, EntryStatus.PREPARING.value):
                raise Conflict(f"a {e.status} candidate keeps its status", code="entry_locked", status=e.status)
            e.status = inp.status
            if inp.status == EntryStatus.EXCLUDED.value:
                e.rank = None
        e.updated_at = utcnow()
        s.add(e)
        audit(s, actor, "shortlist.updated", tenant_id=tenant_id, target_type="shortlist_entry", target_id=e.id,
              fields=sorted(sent_fields))
        s.flush()
        return _entry_views(s, [e])[0]


def do_remove_entry(actor: Actor, tenant_id: int, entry_id: int) -> None:
    """Takes a candidate off the list, unless their profile already went to the company or
    a preparation is under way."""
    require(actor, Perm.SOURCING, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        e = _entry(s, entry_id, for_update=True)
        _open(_need(s, e.need_id))
        if e.status in (EntryStatus.SENT.value, EntryStatus.PREPARING.value):
            raise Conflict(f"a {e.status} candidate stays on the list", code="entry_locked", status=e.status)
        audit(s, actor, "shortlist.removed", tenant_id=tenant_id, target_type="shortlist_entry", target_id=e.id,
              need_id=e.need_id, student_membership_id=e.student_membership_id)
        s.delete(e)


def do_rank(actor: Actor, tenant_id: int, need_id: int, ordered_entry_ids: list[int]) -> list[EntryView]:
    """The business developer's order: the listed candidates get ranks 1, 2, …; the others
    lose theirs. Every id must be a (non-excluded) candidate of this need."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    ids = _ids(ordered_entry_ids)
    with tenant_session(tenant_id) as s, transaction(s):
        n = _need(s, need_id, for_update=True)
        _open(n)
        rows = {e.id: e for e in s.exec(select(ShortlistEntry).where(ShortlistEntry.need_id == n.id)).all()}
        if any(i not in rows for i in ids):
            raise NotFound("candidate not found", code="entry_not_found")
        if any(rows[i].status == EntryStatus.EXCLUDED.value for i in ids):
            raise Conflict("an excluded candidate has no rank", code="entry_excluded")
        now = utcnow()
        for e in rows.values():
            new = ids.index(e.id) + 1 if e.id in ids else None
            if e.rank != new:
                e.rank, e.updated_at = new, now
                s.add(e)
        audit(s, actor, "shortlist.ranked", tenant_id=tenant_id, target_type="job_need", target_id=n.id,
              order=ids)
        s.flush()
        out = sorted(rows.values(), key=lambda e: (e.rank is None, e.rank or 0, e.created_at, e.id))
        return _entry_views(s, out)


def do_move(actor: Actor, tenant_id: int, entry_id: int, direction: int) -> list[EntryView]:
    """Moves a candidate one place up (-1) or down (+1) in the ranked order (the page's
    arrows): the current order of non-excluded candidates is re-numbered from 1."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    if direction not in (-1, 1):
        raise Invalid("up or down", code="invalid")
    with tenant_session(tenant_id) as s:
        e = _entry(s, entry_id)
        need_id = e.need_id
        rows = [r for r in s.exec(select(ShortlistEntry).where(ShortlistEntry.need_id == need_id)).all()
                if r.status != EntryStatus.EXCLUDED.value]
    if e.status == EntryStatus.EXCLUDED.value:
        raise Conflict("an excluded candidate has no rank", code="entry_excluded")
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.created_at, r.id))
    order = [r.id for r in rows]
    i = order.index(e.id)
    j = i + direction
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return do_rank(actor, tenant_id, need_id, order)


# ---------------------------------------------------------------- candidates for a need

_CANDIDATE_POOL = 300
_TEXT_POOL = 200


def _fold(value: str) -> str:
    """Lower case without accents, as the search's tokenizer reads words."""
    decomposed = unicodedata.normalize("NFKD", str(value or ""))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _stems(value: str) -> set[str]:
    """The words of a text cut to 6 letters: a cheap stemming ('développeurs' ~ 'développeur')."""
    return {w[:6] for w in re.findall(r"\w+", _fold(value)) if len(w) > 2}


def _text_pool(s: Session, groups: list[list[str]], limit: int) -> set[int]:
    """Profile ids whose text holds all the words of one of the groups (the need's skills, its
    title), best matches first: each query is an AND, so it reads few documents."""
    out: set[int] = set()
    for words in groups:
        words = [w for w in words if w.strip()][:12]
        if not words:
            continue
        if s.get_bind().dialect.name == "postgresql":
            query = " ".join(w.replace('"', " ") for w in words)
            out |= {pid for pid, _ in pg_text_matches(s.info["tenant_id"], query, limit=limit, session=s)}
            continue
        match = " ".join(fts5_match(w).rstrip("*") for w in words if fts5_match(w))
        if not match:
            continue
        out |= {pid for (pid,) in s.execute(text(
            f"SELECT d.profile_id FROM {FTS_TABLE} JOIN student_search_doc d ON d.id = {FTS_TABLE}.rowid "
            f"WHERE {FTS_TABLE} MATCH :m AND d.tenant_id = :t ORDER BY bm25({FTS_TABLE}) LIMIT :n"),
            {"m": match, "t": s.info["tenant_id"], "n": limit}).all()}
    return out


def rank_candidates(actor: Actor, tenant_id: int, need_id: int, limit: int = 50) -> list[CandidateScore]:
    """Students scored against a need, best first, each with the reasons of its score:
    field of study (+3), level (+2 exact, +1 above), each skill (+2) and language (+1) the
    need asks for, the words of the need's title and skills found in the profile (up to +2),
    interest shown in an offer advertising the need (+3), consent to share (+1).

    The pool scored is bounded: the profiles holding all the need's skills or all its title's
    words (full-text AND queries), the students of the need's fields (those of its level
    first), the interested students: a few hundred at most, so the cost does not grow with the
    number of students of the centre."""
    require(actor, Perm.SOURCING, tenant_id=tenant_id)
    limit = min(max(int(limit), 1), 200)
    with tenant_session(tenant_id) as s:
        no_jit(s)
        n = _need(s, need_id)
        need_skills = {str(x).casefold() for x in (n.skills or []) if str(x).strip()}
        need_langs = {str(x.get("language", "") if isinstance(x, dict) else x).casefold()
                      for x in (n.languages or [])} - {""}
        field_ids = [int(x) for x in (n.field_ids or []) if isinstance(x, int) or str(x).isdigit()]
        title_words = [w for w in re.findall(r"\w+", n.title or "") if len(w) > 2]
        need_stems = _stems(" ".join(title_words + [str(x) for x in (n.skills or [])]))
        pool_ids = _text_pool(s, [[str(x) for x in (n.skills or [])], title_words], _TEXT_POOL)
        interested = set(s.exec(select(OfferInterest.student_membership_id)
                                .join(Offer, Offer.id == OfferInterest.offer_id)
                                .where(Offer.need_id == n.id)).all())
        if field_ids:
            q = select(StudentProfile.id).where(student_filter(), StudentProfile.field_id.in_(field_ids))
            order = [(StudentProfile.level == n.level).desc()] if n.level else []
            pool_ids |= set(s.exec(q.order_by(*order, StudentProfile.id.desc()).limit(_CANDIDATE_POOL)).all())
        conds = []
        if pool_ids:
            conds.append(StudentProfile.id.in_(list(pool_ids)))
        if interested:
            conds.append(StudentProfile.membership_id.in_(list(interested)))
        rows = s.execute(select(
            StudentProfile.id, StudentProfile.membership_id, StudentProfile.full_name, Account.full_name,
            StudentProfile.field_id, StudentProfile.level, StudentProfile.establishment_id, StudentProfile.skills,
            StudentProfile.languages, consent_now())
            .join(Membership, Membership.id == StudentProfile.membership_id)
            .join(Account, Account.id == Membership.account_id)
            .where(student_filter(), or_(*conds))).all() if conds else []
        bodies = dict(s.exec(select(StudentSearchDoc.profile_id, StudentSearchDoc.body).where(
            StudentSearchDoc.profile_id.in_([r[0] for r in rows]))).all()) if rows else {}
        listed = set(s.exec(select(ShortlistEntry.student_membership_id)
                            .where(ShortlistEntry.need_id == n.id)).all())
        scored = []
        for pid, mid, own_name, account_name, field_id, level, est_id, skills, languages, granted in rows:
            score, why = 0.0, []
            if field_ids and field_id in field_ids:
                score += 3
                why.append("field")
            if n.level and level:
                if level == n.level:
                    score += 2
                    why.append("level")
                elif n.level in _LEVELS and level in _LEVELS and _LEVELS.index(level) > _LEVELS.index(n.level):
                    score += 1
                    why.append("level_above")
            mine = {str(x).casefold(): str(x) for x in (skills or [])}
            for sk in sorted(need_skills & set(mine)):
                score += 2
                why.append(f"skill:{mine[sk]}")
            langs = {str(x.get("language", "")).casefold(): str(x.get("language", ""))
                     for x in (languages or []) if isinstance(x, dict)}
            for lg in sorted(need_langs & set(langs)):
                score += 1
                why.append(f"language:{langs[lg]}")
            if need_stems:
                found = len(need_stems & _stems(bodies.get(pid, "")))
                if found:
                    score += round(2 * found / len(need_stems), 3)
                    why.append("text")
            if mid in interested:
                score += 3
                why.append("interest")
            if granted:
                score += 1
                why.append("consent")
            scored.append((score, pid, mid, own_name or account_name, field_id, level, est_id, bool(granted), why))
        scored.sort(key=lambda x: (-x[0], -x[1]))
        top = scored[:limit]
        fields = _lookup(s, StudyField, {x[4] for x in top})
        ests = _lookup(s, Establishment, {x[6] for x in top})
        return [CandidateScore(membership_id=mid, full_name=name or "", field=fields.get(field_id, ""),
                               level=level or "", establishment=ests.get(est_id, ""), consent=granted,
                               in_shortlist=mid in listed, score=round(score, 3), reasons=tuple(why))
                for score, _pid, mid, name, field_id, level, est_id, granted, why in top]


# ---------------------------------------------------------------- preparation

def do_send_for_preparation(actor: Actor, tenant_id: int, entry_ids: list[int], *, counselor_membership_id: int,
                            kind: str, starts_at: datetime | None = None, event_id: int | None = None,
                            need: str = "", now: datetime | None = None) -> list[EntryView]:
    """Sends candidates to a counselor for preparation (P22): an individual session booked
    for the student (one candidate per session: the counselor's slot at `starts_at`), or a
    registration to a workshop (`event_id`, any number of candidates). Each entry moves to
    'preparing' with its booking or registration; the need moves to 'preparing'."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    from tenants.portal.registrations.services import do_invite_student
    from tenants.portal.sessions.services import do_book_for_student

    ids = _ids(entry_ids)
    if not ids:
        raise Invalid("choose at least one candidate", code="no_candidate")
    if kind not in ("session", "workshop"):
        raise Invalid("a session or a workshop", code="invalid_preparation_kind")
    if kind == "session" and (starts_at is None or len(ids) != 1):
        raise Invalid("a session prepares one candidate at a chosen time", code="one_candidate_per_session")
    if kind == "workshop" and event_id is None:
        raise Invalid("choose the workshop", code="workshop_required")
    with tenant_session(tenant_id) as s:
        entries = [_entry(s, i) for i in ids]
        need_ids = {e.need_id for e in entries}
        if len(need_ids) != 1:
            raise Invalid("candidates of one job need at a time", code="one_need_at_a_time")
        n = _need(s, need_ids.pop())
        _open(n)
        for e in entries:
            if e.status not in _OPEN_ENTRY:
                raise Conflict(f"a {e.status} candidate cannot be sent for preparation", code="entry_locked",
                               status=e.status)
        counselor = s.get(Membership, counselor_membership_id) if isinstance(counselor_membership_id, int) else None
        if counselor is None or not counselor.active or Role.CAREER_COUNSELOR.value not in (counselor.roles or []):
            raise NotFound("unknown counselor", code="unknown_counselor")
        title = n.title
    done: list[int] = []
    for e in entries:
        booking_id = registration_id = None
        if kind == "session":
            why = need or t("pipeline.preparation_need", "fr", title=title)
            booking_id = do_book_for_student(actor, tenant_id, e.student_membership_id, counselor_membership_id,
                                             starts_at, why[:2000], now=now).id
        else:
            registration_id = do_invite_student(actor, tenant_id, int(event_id), e.student_membership_id, now=now).id
        with tenant_session(tenant_id) as s, transaction(s):
            row = _entry(s, e.id, for_update=True)
            row.status = EntryStatus.PREPARING.value
            row.preparer_membership_id = counselor_membership_id
            row.booking_id, row.registration_id = booking_id, registration_id
            row.updated_at = utcnow()
            s.add(row)
            nn = _need(s, row.need_id, for_update=True)
            if advance(nn, NeedStatus.PREPARING):
                s.add(nn)
            audit(s, actor, "shortlist.preparation", tenant_id=tenant_id, target_type="shortlist_entry",
                  target_id=row.id, kind=kind, booking_id=booking_id, registration_id=registration_id,
                  counselor=counselor_membership_id)
        done.append(e.id)
    with tenant_session(tenant_id) as s:
        rows = [_entry(s, i) for i in done]
        return _entry_views(s, rows)


def do_mark_prepared(actor: Actor, tenant_id: int, entry_id: int) -> EntryView:
    require(actor, Perm.SOURCING, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        e = _entry(s, entry_id, for_update=True)
        _open(_need(s, e.need_id))
        if e.status != EntryStatus.PREPARING.value:
            raise Conflict("this candidate is not in preparation", code="entry_not_preparing", status=e.status)
        e.status, e.updated_at = EntryStatus.PREPARED.value, utcnow()
        s.add(e)
        audit(s, actor, "shortlist.prepared", tenant_id=tenant_id, target_type="shortlist_entry", target_id=e.id)
        s.flush()
        return _entry_views(s, [e])[0]


# ---------------------------------------------------------------- the PDF bundle

def _shared_profiles(s: Session, share: ProfileShare) -> list[SharedProfile]:
    """The profiles of a sending the company may see now: consent given at sending (every
    item has it) AND the latest consent still granted; anonymised profiles never."""
    items = list(s.exec(select(ProfileShareItem).where(ProfileShareItem.share_id == share.id)
                        .order_by(ProfileShareItem.id)).all())
    mids = [i.student_membership_id for i in items]
    granted_at_send = {c.id: c.granted for c in s.exec(select(ConsentRecord).where(
        ConsentRecord.id.in_([i.consent_record_id for i in items]))).all()} if items else {}
    now_consent = _consents_now(s, mids)
    profiles = _profiles(s, mids)
    entries = {e.id: e for e in s.exec(select(ShortlistEntry).where(
        ShortlistEntry.id.in_([i.entry_id for i in items]))).all()} if items else {}
    names = _names(s, set(mids))
    fields, ests = _study_names(s, profiles)
    out = []
    for i in items:
        c = now_consent.get(i.student_membership_id)
        p = profiles.get(i.student_membership_id)
        if not granted_at_send.get(i.consent_record_id) or c is None or not c.granted or p is None:
            continue
        e = entries.get(i.entry_id)
        out.append(SharedProfile(
            entry_id=i.entry_id, student_membership_id=i.student_membership_id,
            full_name=p.full_name or names.get(i.student_membership_id, ""), field=fields.get(p.field_id, ""),
            track=p.track or "", level=p.level or "", establishment=ests.get(p.establishment_id, ""),
            graduation_year=p.graduation_year, graduation_month=p.graduation_month,
            languages=tuple(f"{x.get('language', '')} ({x.get('level', '')})" for x in (p.languages or [])
                            if isinstance(x, dict)),
            skills=tuple(str(x) for x in (p.skills or [])), experiences=tuple(p.experiences or ()),
            has_cv=bool(p.cv_key), outcome=e.outcome if e else "", outcome_note=e.outcome_note if e else ""))
    return out


def _profile_doc(p: SharedProfile, *, need_title: str, company: str, centre: str, lang: str) -> Document:
    def tr(key: str, **kw: object) -> str:
        return t(f"pipeline.pdf.{key}", lang, **kw)

    grad = ""
    if p.graduation_year:
        grad = f"{p.graduation_month:02d}/{p.graduation_year}" if p.graduation_month else str(p.graduation_year)
    blocks: list = [
        Paragraph(f"{tr('field')}: {p.field or '—'}" + (f" — {p.track}" if p.track else "")),
        Paragraph(f"{tr('level')}: {p.level or '—'}"),
        Paragraph(f"{tr('establishment')}: {p.establishment or '—'}"),
        Paragraph(f"{tr('graduation')}: {grad or '—'}"),
        Heading(tr("languages")), Paragraph(", ".join(p.languages) or "—"),
        Heading(tr("skills")), Paragraph(", ".join(p.skills) or "—"),
        Heading(tr("experiences")),
    ]
    if not p.experiences:
        blocks.append(Paragraph("—"))
    for x in p.experiences:
        if not isinstance(x, dict):
            continue
        when = f"{x.get('start') or ''} – {x.get('end') or tr('today')}"
        head = " — ".join(v for v in (str(x.get("title") or ""), str(x.get("organisation") or "")) if v)
        blocks.append(Paragraph(f"{head} ({when})", size=10))
        if x.get("description"):
            blocks.append(Paragraph(str(x["description"]), size=9))
    return Document(title=p.full_name, lang=lang, subtitle=(tr("subtitle", need=need_title, company=company),
                                                            centre), blocks=blocks, author=centre,
                    footer=tr("footer"))


def bundle_pdf(profiles: list[SharedProfile], *, need_title: str, company: str, centre: str,
               lang: str = "fr") -> bytes:
    """One page (or more) per profile, in one PDF."""
    writer = PdfWriter()
    for p in profiles:
        data = render_pdf(_profile_doc(p, need_title=need_title, company=company, centre=centre, lang=lang))
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    if not profiles:
        data = render_pdf(Document(title=need_title, lang=lang, subtitle=(company, centre),
                                   blocks=[Paragraph(t("pipeline.pdf.empty", lang))]))
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------- sending

def do_send_profiles(actor: Actor, tenant_id: int, need_id: int, entry_ids: list[int], *,
                     valid_days: int = 14) -> SendResult:
    """Sends the chosen candidates' profiles to the need's company (P22): only students who
    consent NOW go (the consent record is kept on the item); the others are reported back as
    skipped. The company's contacts get the link (valid `valid_days` days) and the PDF
    bundle; entries move to 'sent', the need to 'sent'."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    ids = _ids(entry_ids)
    if not ids:
        raise Invalid("choose at least one candidate", code="no_candidate")
    if isinstance(valid_days, bool) or not isinstance(valid_days, int) or not (
            MIN_VALID_DAYS <= valid_days <= MAX_VALID_DAYS):
        raise Invalid(f"a link is valid {MIN_VALID_DAYS} to {MAX_VALID_DAYS} days", code="invalid_valid_days")
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        n = _need(s, need_id, for_update=True)
        _open(n)
        rows = {e.id: e for e in s.exec(select(ShortlistEntry).where(ShortlistEntry.need_id == n.id)
                                        .with_for_update()).all()}
        if any(i not in rows for i in ids):
            raise NotFound("candidate not found", code="entry_not_found")
        entries = [rows[i] for i in ids]
        if any(e.status == EntryStatus.EXCLUDED.value for e in entries):
            raise Conflict("an excluded candidate is not sent", code="entry_excluded")
        consents = _consents_now(s, [e.student_membership_id for e in entries])
        profiles = _profiles(s, [e.student_membership_id for e in entries])
        names = _names(s, {e.student_membership_id for e in entries})
        included, skipped = [], []
        for e in entries:
            c = consents.get(e.student_membership_id)
            if c is not None and c.granted and e.student_membership_id in profiles:
                included.append((e, c))
            else:
                p = profiles.get(e.student_membership_id)
                skipped.append(SkippedCandidate(e.id, (p.full_name if p and p.full_name else "")
                                                or names.get(e.student_membership_id, ""), "no_consent"))
        if not included:
            raise Invalid("none of these students currently agrees to share their profile",
                          code="no_consenting_candidate")
        company = s.get(Company, n.company_id)
        contacts = list(s.exec(select(Person).where(Person.company_id == n.company_id,
                                                    Person.merged_into_id.is_(None))).all())
        recipients = sorted({p.email for p in contacts if p.email})
        if not recipients and not any(p.membership_id for p in contacts):
            raise Conflict("the company has no contact to send the profiles to", code="no_company_contact")
        share = ProfileShare(tenant_id=tenant_id, need_id=n.id, company_id=n.company_id,
                             token_hash=hash_secret(secret), expires_at=now + timedelta(days=valid_days),
                             sent_by_membership_id=actor.membership_id, sent_at=now)
        s.add(share)
        s.flush()
        for e, c in included:
            s.add(ProfileShareItem(tenant_id=tenant_id, share_id=share.id, entry_id=e.id,
                                   student_membership_id=e.student_membership_id, consent_record_id=c.id))
            e.status, e.updated_at = EntryStatus.SENT.value, now
            s.add(e)
        if advance(n, NeedStatus.SENT, now=now):
            s.add(n)
        s.flush()
        tenant = s.get(Tenant, tenant_id)
        lang = tenant.locale or "fr"
        link = f"{get_settings().base_url}/shared/profiles?t={secret}"
        atts: list[dict] = []
        try:
            pdf = bundle_pdf(_shared_profiles(s, share), need_title=n.title, company=company.name,
                             centre=tenant.name, lang=lang)
            if len(pdf) <= MAX_ATTACHMENT_BYTES:
                atts.append(attachment("profils.pdf", "application/pdf", pdf))
        except FontMissing:
            log.error("profiles bundle not attached: PDF font missing")
        values = {"company": company.name, "need": n.title, "tenant": tenant.name, "link": link,
                  "count": len(included), "until": share.expires_at.strftime("%d/%m/%Y")}
        for to in recipients:
            payload = {"to": to, "subject": t("mail.profiles_sent.subject", lang, **values),
                       "text": t("mail.profiles_sent.body", lang, **values)}
            if atts:
                payload["attachments"] = atts
            outbox.enqueue(s, EMAIL_KIND, payload, key=f"profiles-sent:{share.id}:{to}", tenant_id=tenant_id)
        audit(s, actor, "profiles.sent", tenant_id=tenant_id, target_type="profile_share", target_id=share.id,
              need_id=n.id, company_id=n.company_id, students=[e.student_membership_id for e, _ in included],
              skipped=[x.entry_id for x in skipped], valid_days=valid_days)
        return SendResult(share.id, tuple(e.id for e, _ in included), tuple(skipped), tuple(recipients),
                          share.expires_at, bool(atts))


def do_revoke_share(actor: Actor, tenant_id: int, share_id: int) -> ShareView:
    """Ends a sending now: the link stops working."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        sh = _share(s, share_id, for_update=True)
        if sh.revoked_at is None:
            sh.revoked_at = utcnow()
            s.add(sh)
            audit(s, actor, "profiles.share_revoked", tenant_id=tenant_id, target_type="profile_share",
                  target_id=sh.id)
        s.flush()
        return _share_views(s, [sh])[0]


def _share(s: Session, share_id: int, *, for_update: bool = False) -> ProfileShare:
    return _row(s, ProfileShare, share_id, for_update, "sending not found", "share_not_found")


def _share_views(s: Session, shares: list[ProfileShare]) -> list[ShareView]:
    if not shares:
        return []
    sids = [sh.id for sh in shares]
    items = s.exec(select(ProfileShareItem).where(ProfileShareItem.share_id.in_(sids))
                   .order_by(ProfileShareItem.id)).all()
    logs = s.exec(select(ProfileViewLog).where(ProfileViewLog.share_id.in_(sids))
                  .order_by(ProfileViewLog.at.desc(), ProfileViewLog.id.desc())).all()
    names = _names(s, {i.student_membership_id for i in items} | {lg.student_membership_id for lg in logs}
                   | {lg.viewer_membership_id for lg in logs} | {sh.sent_by_membership_id for sh in shares})
    companies = _lookup(s, Company, {sh.company_id for sh in shares})
    by_share: dict[int, list[str]] = defaultdict(list)
    for i in items:
        by_share[i.share_id].append(names.get(i.student_membership_id, ""))
    logs_by: dict[int, list[ViewLogRow]] = defaultdict(list)
    for lg in logs:
        logs_by[lg.share_id].append(ViewLogRow(lg.at, lg.kind, names.get(lg.student_membership_id, ""),
                                               names.get(lg.viewer_membership_id, ""), lg.ip))
    return [ShareView(sh.id, sh.need_id, sh.company_id, companies.get(sh.company_id, ""), sh.sent_at, sh.expires_at,
                      sh.revoked_at, names.get(sh.sent_by_membership_id, ""), tuple(by_share[sh.id]),
                      tuple(logs_by[sh.id]))
            for sh in shares]


def list_shares(actor: Actor, tenant_id: int, need_id: int) -> list[ShareView]:
    """A need's sendings, latest first, each with its log of views by the company."""
    require(actor, Perm.NEED_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        n = _need(s, need_id)
        rows = list(s.exec(select(ProfileShare).where(ProfileShare.need_id == n.id)
                           .order_by(ProfileShare.sent_at.desc(), ProfileShare.id.desc())).all())
        return _share_views(s, rows)


# ---------------------------------------------------------------- the company's view

def _log(s: Session, share: ProfileShare, kind: str, *, student: int | None = None, viewer: Actor | None = None,
         ip: str = "") -> None:
    viewer_mid = viewer.membership_id if viewer is not None and viewer.tenant_id == share.tenant_id else None
    s.add(ProfileViewLog(tenant_id=share.tenant_id, share_id=share.id, student_membership_id=student,
                         viewer_membership_id=viewer_mid, kind=kind, ip=str(ip or "")[:45]))


def _live(share: ProfileShare) -> None:
    if share.revoked_at is not None or share.expires_at <= utcnow():
        raise NotFound("this link has expired or was withdrawn; ask the centre for a new one",
                       code="link_expired")


def _tenant_of_secret(secret: str) -> int:
    if not isinstance(secret, str) or not (10 <= len(secret) <= 200):
        raise NotFound("this link is not valid", code="link_expired")
    with system_session("secure profile link") as s:
        tid = s.exec(select(ProfileShare.tenant_id).where(ProfileShare.token_hash == hash_secret(secret))).first()
    if tid is None:
        raise NotFound("this link is not valid", code="link_expired")
    return tid


def _package(s: Session, share: ProfileShare) -> SharedProfiles:
    n = s.get(JobNeed, share.need_id)
    company = s.get(Company, share.company_id)
    tenant = s.get(Tenant, share.tenant_id)
    return SharedProfiles(share.id, share.tenant_id, share.need_id, n.title if n else "",
                          company.name if company else "", tenant.name if tenant else "", share.sent_at,
                          share.expires_at, tuple(_shared_profiles(s, share)))


def _open_by_secret(secret: str) -> tuple[Session, ProfileShare]:
    tid = _tenant_of_secret(secret)
    s = tenant_session(tid)
    try:
        sh = s.exec(select(ProfileShare).where(ProfileShare.token_hash == hash_secret(secret))).first()
        if sh is None:
            raise NotFound("this link is not valid", code="link_expired")
        _live(sh)
        return s, sh
    except BaseException:
        s.close()
        raise


def _company_share(s: Session, actor: Actor, share_id: int) -> ProfileShare:
    # the id first: one that is not in this centre answers "not found" whoever asks
    sh = _share(s, share_id)
    p = company_person(s, actor)
    if sh.company_id != p.company_id:
        raise NotFound("sending not found", code="share_not_found")
    _live(sh)
    return sh


def open_share(secret: str, *, viewer: Actor | None = None, ip: str = "") -> SharedProfiles:
    """The page behind the secure link: the profiles the company may still see. An unknown,
    expired or withdrawn link shows nothing (link_expired); each opening is logged."""
    s, sh = _open_by_secret(secret)
    with s, transaction(s):
        out = _package(s, sh)
        _log(s, sh, "list", viewer=viewer, ip=ip)
        return out


def share_for_company(actor: Actor, tenant_id: int, share_id: int, *, ip: str = "") -> SharedProfiles:
    """A signed-in company contact opens a sending made to their own company."""
    require(actor, Perm.COMPANY_SELF, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        sh = _company_share(s, actor, share_id)
        out = _package(s, sh)
        _log(s, sh, "list", viewer=actor, ip=ip)
        return out


def _visible(s: Session, sh: ProfileShare, student_membership_id: int) -> SharedProfile:
    for p in _shared_profiles(s, sh):
        if p.student_membership_id == student_membership_id:
            return p
    raise NotFound("profile not found", code="profile_not_found")


def _cv(s: Session, tenant_id: int, student_membership_id: int) -> tuple[str, bytes]:
    p = s.exec(select(StudentProfile).where(StudentProfile.membership_id == student_membership_id)).first()
    if p is None or not p.cv_key:
        raise NotFound("no CV on file", code="no_cv")
    try:
        return p.cv_filename or "cv.pdf", storage.read_private(tenant_id, p.cv_key)
    except FileNotFoundError as exc:
        log.error("CV file missing for tenant %s student %s", tenant_id, student_membership_id)
        raise NotFound("no CV on file", code="no_cv") from exc


def _file(s: Session, sh: ProfileShare, what: str, student: int | None, viewer: Actor | None,
          ip: str) -> tuple[str, bytes]:
    if what == "cv":
        _visible(s, sh, int(student))
        out = _cv(s, sh.tenant_id, int(student))
        _log(s, sh, "cv", student=int(student), viewer=viewer, ip=ip)
        return out
    if what == "profile":
        p = _visible(s, sh, int(student))
        pkg = _package(s, sh)
        lang = (s.get(Tenant, sh.tenant_id).locale or "fr")
        data = bundle_pdf([p], need_title=pkg.need_title, company=pkg.company_name, centre=pkg.centre_name,
                          lang=lang)
        _log(s, sh, "profile", student=int(student), viewer=viewer, ip=ip)
        return f"profil-{p.student_membership_id}.pdf", data
    pkg = _package(s, sh)
    lang = (s.get(Tenant, sh.tenant_id).locale or "fr")
    data = bundle_pdf(list(pkg.profiles), need_title=pkg.need_title, company=pkg.company_name,
                      centre=pkg.centre_name, lang=lang)
    _log(s, sh, "pdf", viewer=viewer, ip=ip)
    return "profils.pdf", data


def shared_file(secret: str, what: str, student_membership_id: int | None = None, *, viewer: Actor | None = None,
                ip: str = "") -> tuple[str, bytes]:
    """A file behind the secure link: `cv` or `profile` (one student's page) or `pdf` (the
    bundle). Only for a profile the company may still see; logged."""
    if what not in ("cv", "profile", "pdf") or (what != "pdf" and not isinstance(student_membership_id, int)):
        raise NotFound("file not found", code="not_found")
    s, sh = _open_by_secret(secret)
    with s, transaction(s):
        return _file(s, sh, what, student_membership_id, viewer, ip)


def company_share_file(actor: Actor, tenant_id: int, share_id: int, what: str,
                       student_membership_id: int | None = None, *, ip: str = "") -> tuple[str, bytes]:
    require(actor, Perm.COMPANY_SELF, tenant_id=tenant_id)
    if what not in ("cv", "profile", "pdf") or (what != "pdf" and not isinstance(student_membership_id, int)):
        raise NotFound("file not found", code="not_found")
    with tenant_session(tenant_id) as s, transaction(s):
        sh = _company_share(s, actor, share_id)
        return _file(s, sh, what, student_membership_id, actor, ip)


def list_company_shares(actor: Actor, tenant_id: int) -> list[ShareView]:
    """The sendings to the contact's own company still open, latest first (no view log:
    that is the centre's record)."""
    require(actor, Perm.COMPANY_SELF, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        p = company_person(s, actor)
        rows = list(s.exec(select(ProfileShare).where(ProfileShare.company_id == p.company_id,
                                                      ProfileShare.revoked_at.is_(None),
                                                      ProfileShare.expires_at > utcnow())
                           .order_by(ProfileShare.sent_at.desc())).all())
        return [ShareView(v.id, v.need_id, v.company_id, v.company_name, v.sent_at, v.expires_at, v.revoked_at,
                          "", (), ()) for v in _share_views(s, rows)]


def company_candidates(actor: Actor, tenant_id: int, need_id: int) -> list[SharedProfile]:
    """Every profile sent for one of the company's needs that it may still see (open
    sendings, consent still granted), once each."""
    require(actor, Perm.COMPANY_SELF, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        n = _need(s, need_id)
        p = company_person(s, actor)
        if n.company_id != p.company_id:
            raise NotFound("job need not found", code="need_not_found")
        shares = s.exec(select(ProfileShare).where(ProfileShare.need_id == n.id, ProfileShare.revoked_at.is_(None),
                                                   ProfileShare.expires_at > utcnow())
                        .order_by(ProfileShare.sent_at)).all()
        seen: dict[int, SharedProfile] = {}
        for sh in shares:
            for prof in _shared_profiles(s, sh):
                seen[prof.student_membership_id] = prof
        return list(seen.values())


class OutcomeInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Outcome
    note: str = Field(default="", max_length=NOTE_MAX)


def do_record_outcome(actor: Actor, tenant_id: int, entry_id: int, outcome: str, note: str = "") -> SharedProfile:
    """The company records what came of a candidate sent to it (contacted, interview, hired,
    not retained, with a note); the need moves to 'outcomes'. Only its own company's
    candidates, and only profiles it may still see."""
    require(actor, Perm.COMPANY_SELF, tenant_id=tenant_id)
    inp = parse(OutcomeInput, {"outcome": outcome, "note": _clean_note(note)})
    with tenant_session(tenant_id) as s, transaction(s):
        e = _entry(s, entry_id, for_update=True)
        n = _need(s, e.need_id, for_update=True)
        person = company_person(s, actor)
        if n.company_id != person.company_id or e.status != EntryStatus.SENT.value:
            raise NotFound("candidate not found", code="entry_not_found")
        shares = s.exec(select(ProfileShare).join(ProfileShareItem, ProfileShareItem.share_id == ProfileShare.id)
                        .where(ProfileShareItem.entry_id == e.id, ProfileShare.revoked_at.is_(None),
                               ProfileShare.expires_at > utcnow())).all()
        visible = None
        for sh in shares:
            visible = next((p for p in _shared_profiles(s, sh) if p.entry_id == e.id), None) or visible
        if visible is None:
            raise NotFound("candidate not found", code="entry_not_found")
        e.outcome, e.outcome_note, e.outcome_at = inp.outcome.value, inp.note, utcnow()
        e.updated_at = e.outcome_at
        s.add(e)
        if advance(n, NeedStatus.OUTCOMES):
            s.add(n)
        audit(s, actor, "profiles.outcome", tenant_id=tenant_id, target_type="shortlist_entry", target_id=e.id,
              outcome=inp.outcome.value)
        s.flush()
        return replace(visible, outcome=e.outcome, outcome_note=e.outcome_note)


# ---------------------------------------------------------------- board and metrics

def pipeline_board(actor: Actor, tenant_id: int, *, company_id: int | None = None,
                   owner_membership_id: int | None = None, today: date | None = None) -> Board:
    """The needs by column of the pipeline (received → outcomes), oldest first, and the
    ended ones (closed, cancelled) apart."""
    require(actor, Perm.NEED_VIEW, tenant_id=tenant_id)
    today = today or utcnow().date()
    with tenant_session(tenant_id) as s:
        q = select(JobNeed, Company.name).join(Company, Company.id == JobNeed.company_id)
        if company_id is not None:
            q = q.where(JobNeed.company_id == company_id)
        if owner_membership_id is not None:
            q = q.where(JobNeed.owner_membership_id == owner_membership_id)
        rows = s.exec(q.order_by(JobNeed.received_at, JobNeed.id)).all()
        owners = _names(s, {n.owner_membership_id for n, _ in rows})
        board = Board(columns={st.value: [] for st in PIPELINE})
        for n, cname in rows:
            card = NeedCard(n.id, n.company_id, cname, n.title, n.positions, n.deadline, n.status,
                            n.owner_membership_id, owners.get(n.owner_membership_id, ""),
                            max(0, (today - n.received_at.date()).days))
            if n.status in board.columns:
                board.columns[n.status].append(card)
            else:
                board.ended.append(card)
        return board


def pipeline_metrics(actor: Actor, tenant_id: int) -> Metrics:
    """Median days from a need's arrival to its first shortlisted candidate; fill rate
    (candidates hired / positions) per company and per sector, over needs not cancelled."""
    require(actor, Perm.NEED_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        needs = s.exec(select(JobNeed, Company).join(Company, Company.id == JobNeed.company_id)
                       .where(JobNeed.status != NeedStatus.CANCELLED.value)).all()
        days = [(n.first_shortlisted_at - n.received_at).total_seconds() / 86400 for n, _ in needs
                if n.first_shortlisted_at is not None]
        hired = dict(s.exec(select(ShortlistEntry.need_id, func.count()).where(
            ShortlistEntry.outcome == Outcome.HIRED.value).group_by(ShortlistEntry.need_id)).all())
        by_company: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        by_sector: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for n, c in needs:
            h = int(hired.get(n.id, 0))
            for bucket, key in ((by_company, c.name), (by_sector, c.sector or "—")):
                bucket[key][0] += n.positions
                bucket[key][1] += h

        def rates(d: dict[str, list[int]]) -> tuple[FillRate, ...]:
            return tuple(sorted((FillRate(k, v[0], v[1]) for k, v in d.items()), key=lambda r: (-r.rate, r.key)))

        return Metrics(round(statistics.median(days), 1) if days else None, len(days), rates(by_company),
                       rates(by_sector))

