"""The self-assessment (P28, first variant): framing, planning, evidence, the manager's
questionnaire, completion, the automatic evaluation and the action plan that follows.

Rules kept here:
- the manager (ASSESSMENT_MANAGE) starts an assessment on the newest published model version; it
  keeps that version for good, whatever is published later.
- framing (P28.1) → collecting once planned (P28.2: the weekly meeting that reviewed the
  questionnaire, planned dates) → completed (P28.4, locked) → evaluated (P28.5, the job).
- evidence (P28.3) is added by any staff member with ASSESSMENT_CONTRIBUTE while collecting:
  files (PDF, images, office documents, at most 10 MB), http(s) links, notes, and the live
  indicators of the model captured from the centre's data.
- the manager rates while planning or collecting; every rating goes through
  ratings.clean_answer. Completion needs every criterion answered (rated, N/A or insufficient
  evidence). A completed or evaluated assessment is never edited: "assessment_locked".
- the evaluation is computed by a job (outbox kind "assessment.compute", run by the Celery
  outbox relay) that calls `do_compute`: idempotent, it stores the result once and calls the
  EVALUATED_HOOKS in the same transaction.
- after the evaluation, the action plan: strengths (criteria fully met) and improvements (unmet
  or partly met) are suggested; the manager edits them, sets an owner and a deadline, marks them
  done, and can carry an improvement into the current annual action plan (M30).
- another centre's assessment, like a missing one, answers not_found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import func
from sqlmodel import Session, select

from integrations import outbox, storage
from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.errors import Conflict, Invalid, NotFound
from integrations.validation import clean_text
from tenants.calendar.models import Event
from tenants.calendar.services import tenant_zone
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership
from tenants.core.roles import Perm, Role
from tenants.core.services import audit
from workflows.assessment import hooks, indicators, reference, scoring
from workflows.assessment.models import (
    SCALE,
    ActionKind,
    Assessment,
    AssessmentAction,
    AssessmentEvidence,
    AssessmentRating,
    AssessmentStatus,
    EvidenceKind,
    Mode,
    RatingStatus,
    RefCriterion,
    RefDomain,
    ReferenceModel,
    RefIndicator,
)
from workflows.assessment.peers import centre_profile
from workflows.assessment.ratings import clean_answer

SELF = "self"
COMPUTE_KIND = "assessment.compute"
FRAMING, PLANNING, COLLECTING = (AssessmentStatus.FRAMING.value, AssessmentStatus.PLANNING.value,
                                 AssessmentStatus.COLLECTING.value)
COMPLETED, EVALUATED = AssessmentStatus.COMPLETED.value, AssessmentStatus.EVALUATED.value
LOCKED = (COMPLETED, EVALUATED, AssessmentStatus.CLOSED.value)
RATABLE = (PLANNING, COLLECTING)
WEEKLY_MEETING = "weekly_coordination_meeting"
MAX_FILE_BYTES = 10 * 1024 * 1024
# extension -> (content type, the magic bytes its content starts with)
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
FILE_TYPES: dict[str, tuple[str, bytes]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    "doc": ("application/msword", _OLE),
    "xls": ("application/vnd.ms-excel", _OLE),
}
# size bands of the benchmark's peer groups, by active students
LOW_SCORE = 2  # a criterion rated below "met" suggests an improvement
PAGE_MAX = 200


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class AssessmentSummary:
    id: int
    title: str
    period_label: str
    status: str
    model_id: int
    model_version: int
    overall_score: float | None
    maturity: str
    must_unmet: int
    created_at: datetime
    completed_at: datetime | None
    evaluated_at: datetime | None


@dataclass(frozen=True)
class EvidenceView:
    id: int
    criterion_code: str
    kind: str
    title: str
    url: str
    note: str
    filename: str
    size_bytes: int
    live_key: str
    live_value: float | None
    live_detail: dict
    suggested: int | None
    added_by: str
    created_at: datetime


@dataclass(frozen=True)
class CriterionView:
    id: int
    code: str
    domain_code: str
    title: dict
    evidence_expected: dict
    tier: str
    justification_rule: str
    status: str  # "" when not answered
    value: int | None
    justification: str
    live_keys: tuple[str, ...]


@dataclass(frozen=True)
class DomainView:
    code: str
    title: dict
    criteria: list[CriterionView]


@dataclass(frozen=True)
class AssessmentDetail:
    summary: AssessmentSummary
    framing_note: str
    review_meeting_id: int | None
    review_meeting_label: str
    planned_start: date | None
    planned_end: date | None
    domains: list[DomainView]
    evidence: list[EvidenceView]
    answered: int
    total: int
    missing: list[str]
    can_manage: bool
    can_contribute: bool


@dataclass(frozen=True)
class ActionView:
    id: int
    kind: str
    criterion_code: str
    text: str
    owner_membership_id: int | None
    owner_name: str
    deadline: date | None
    done: bool
    plan_activity_key: str


@dataclass(frozen=True)
class ResultView:
    summary: AssessmentSummary
    overall: float | None
    maturity: str
    domains: list[dict]  # {"code", "title", "score"}
    criteria: list[dict]  # {"code", "domain", "title", "tier", "status", "value", "score", "justification", "must_unmet"}
    must_unmet: list[str]
    must_unverified: list[str]
    counts: dict
    actions: list[ActionView] = field(default_factory=list)


@dataclass(frozen=True)
class MeetingChoice:
    id: int
    label: str


# ---------------------------------------------------------------- helpers

def _tenant(actor: Actor, perm: Perm) -> int:
    """The centre the actor acts in (checked), or not_found for an actor outside any centre."""
    if actor is not None and actor.tenant_id is None and actor.can(perm):
        raise NotFound("assessment not found", code="not_found")
    require(actor, perm, tenant_id=actor.tenant_id if actor else None)
    return int(actor.tenant_id)


def _int(value: Any, what: str = "assessment") -> int:
    if isinstance(value, bool):
        raise NotFound(f"{what} not found", code="not_found")
    try:
        v = int(str(value).strip())
    except (TypeError, ValueError):
        raise NotFound(f"{what} not found", code="not_found") from None
    if v <= 0:
        raise NotFound(f"{what} not found", code="not_found")
    return v


# any value is taken as its text, as these services always did
_text = partial(clean_text, coerce=True)


def _date(value: Any, code: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid("not a date", code=code) from None


def _assessment(s: Session, assessment_id: Any, *, lock: bool = False) -> Assessment:
    aid = _int(assessment_id)
    q = select(Assessment).where(Assessment.id == aid, Assessment.mode == Mode.SELF.value)
    if lock:
        q = q.with_for_update()
    a = s.exec(q).first()
    if a is None:
        raise NotFound("assessment not found", code="not_found")
    return a


def _ensure_open(a: Assessment) -> None:
    if a.status in LOCKED:
        raise Conflict("the assessment is completed and can no longer be changed", code="assessment_locked")


def _ensure_collecting(a: Assessment) -> None:
    _ensure_open(a)
    if a.status != COLLECTING:
        raise Conflict("evidence is collected once the work is planned", code="assessment_not_collecting")


def newest_published_model_id(s: Session) -> int | None:
    """The model a new assessment takes: the newest published version."""
    return reference.current_model_id(s)


def _criteria(s: Session, model_id: int) -> list[tuple[RefDomain, list[RefCriterion]]]:
    domains = s.exec(select(RefDomain).where(RefDomain.model_id == model_id)
                     .order_by(RefDomain.position, RefDomain.id)).all()
    crits = s.exec(select(RefCriterion).where(RefCriterion.model_id == model_id)
                   .order_by(RefCriterion.position, RefCriterion.id)).all()
    by_domain: dict[int, list[RefCriterion]] = {}
    for c in crits:
        by_domain.setdefault(c.domain_id, []).append(c)
    return [(d, by_domain.get(d.id, [])) for d in domains]


def criterion_specs(s: Session, model_id: int) -> list[scoring.CriterionSpec]:
    return reference.load_criteria(s, model_id)


def _criterion(s: Session, model_id: int, code: Any) -> RefCriterion:
    c = s.exec(select(RefCriterion).where(RefCriterion.model_id == model_id,
                                          RefCriterion.code == str(code or "").strip())).first()
    if c is None:
        raise NotFound("no such criterion in the assessment's model", code="criterion_not_found")
    return c


def _self_ratings(s: Session, assessment_id: int) -> dict[int, AssessmentRating]:
    return {r.criterion_id: r for r in s.exec(select(AssessmentRating).where(
        AssessmentRating.assessment_id == assessment_id, AssessmentRating.rater == SELF)).all()}


def _version_of(s: Session, model_ids: set[int]) -> dict[int, int]:
    if not model_ids:
        return {}
    return dict(s.exec(select(ReferenceModel.id, ReferenceModel.version)
                       .where(ReferenceModel.id.in_(model_ids))).all())


def _summary(a: Assessment, version: int) -> AssessmentSummary:
    return AssessmentSummary(a.id, a.title, a.period_label, a.status, a.model_id, version, a.overall_score,
                             a.maturity, a.must_unmet, a.created_at, a.completed_at, a.evaluated_at)


def _names(s: Session, account_ids: set[int]) -> dict[int, str]:
    ids = {i for i in account_ids if i}
    if not ids:
        return {}
    return {i: n or e for i, n, e in s.exec(select(Account.id, Account.full_name, Account.email)
                                             .where(Account.id.in_(ids))).all()}


def _member_names(s: Session, membership_ids: set[int]) -> dict[int, str]:
    ids = {i for i in membership_ids if i}
    if not ids:
        return {}
    return {mid: n or e for mid, n, e in s.exec(
        select(Membership.id, Account.full_name, Account.email).join(Account, Account.id == Membership.account_id)
        .where(Membership.id.in_(ids))).all()}


# ---------------------------------------------------------------- reading

def list_assessments(actor: Actor, *, limit: int = 50, offset: int = 0) -> tuple[list[AssessmentSummary], int]:
    """The centre's self-assessments, newest first, and how many there are."""
    _tenant(actor, Perm.ASSESSMENT_VIEW)
    limit = min(max(int(limit), 1), PAGE_MAX)
    offset = max(int(offset), 0)
    with tenant_session(actor.tenant_id) as s:
        where = (Assessment.mode == Mode.SELF.value,)
        total = s.exec(select(func.count(Assessment.id)).where(*where)).one()
        rows = s.exec(select(Assessment).where(*where).order_by(Assessment.created_at.desc(), Assessment.id.desc())
                      .offset(offset).limit(limit)).all()
        versions = _version_of(s, {a.model_id for a in rows})
        return [_summary(a, versions.get(a.model_id, 0)) for a in rows], int(total)


def _evidence_views(s: Session, a: Assessment, codes: dict[int, str]) -> list[EvidenceView]:
    rows = s.exec(select(AssessmentEvidence).where(AssessmentEvidence.assessment_id == a.id)
                  .order_by(AssessmentEvidence.created_at, AssessmentEvidence.id)).all()
    names = _names(s, {e.added_by_account_id for e in rows})
    out = []
    for e in rows:
        out.append(EvidenceView(e.id, codes.get(e.criterion_id, ""), e.kind, e.title, e.url, e.note, e.filename,
                                e.size_bytes, e.live_key, e.live_value, dict(e.live_detail or {}),
                                (e.live_detail or {}).get("suggested"), names.get(e.added_by_account_id, ""),
                                e.created_at))
    return out


def _meeting_label(s: Session, meeting_id: int | None, zone) -> str:  # noqa: ANN001
    if not meeting_id:
        return ""
    from workflows.meetings.models import MeetingRecord

    row = s.exec(select(Event.title, Event.starts_at).join(
        MeetingRecord, (MeetingRecord.event_id == Event.id) & (MeetingRecord.tenant_id == Event.tenant_id))
        .where(MeetingRecord.id == meeting_id)).first()
    if row is None:
        return ""
    return f"{row[1].astimezone(zone).date().isoformat()} — {row[0]}"


def _detail(s: Session, actor: Actor, a: Assessment) -> AssessmentDetail:
    tree = _criteria(s, a.model_id)
    ratings = _self_ratings(s, a.id)
    live: dict[int, list[str]] = {}
    for cid, key in s.exec(select(RefIndicator.criterion_id, RefIndicator.live_key)
                           .where(RefIndicator.model_id == a.model_id, RefIndicator.live_key != "")).all():
        live.setdefault(cid, []).append(key)
    domains, codes, missing, answered, total = [], {}, [], 0, 0
    for d, crits in tree:
        views = []
        for c in crits:
            codes[c.id] = c.code
            r = ratings.get(c.id)
            total += 1
            if r is None:
                missing.append(c.code)
            else:
                answered += 1
            views.append(CriterionView(c.id, c.code, d.code, dict(c.title or {}), dict(c.evidence or {}), c.tier,
                                       c.justification, r.status if r else "", r.value if r else None,
                                       r.justification if r else "", tuple(live.get(c.id, ()))))
        domains.append(DomainView(d.code, dict(d.title or {}), views))
    version = _version_of(s, {a.model_id}).get(a.model_id, 0)
    return AssessmentDetail(_summary(a, version), a.framing_note, a.review_meeting_id,
                            _meeting_label(s, a.review_meeting_id, tenant_zone(s, a.tenant_id)),
                            a.planned_start, a.planned_end, domains, _evidence_views(s, a, codes), answered, total,
                            missing, actor.can(Perm.ASSESSMENT_MANAGE), actor.can(Perm.ASSESSMENT_CONTRIBUTE))


def get_assessment(actor: Actor, assessment_id: Any) -> AssessmentDetail:
    tid = _tenant(actor, Perm.ASSESSMENT_VIEW)
    with tenant_session(tid) as s:
        return _detail(s, actor, _assessment(s, assessment_id))


def meeting_choices(actor: Actor, *, limit: int = 30) -> list[MeetingChoice]:
    """The centre's weekly coordination meetings, latest first (P28.2 picks one)."""
    tid = _tenant(actor, Perm.ASSESSMENT_MANAGE)
    from workflows.meetings.models import MeetingRecord

    with tenant_session(tid) as s:
        zone = tenant_zone(s, tid)
        rows = s.exec(select(MeetingRecord.id, Event.title, Event.starts_at).join(
            Event, (Event.id == MeetingRecord.event_id) & (Event.tenant_id == MeetingRecord.tenant_id))
            .where(MeetingRecord.kind == WEEKLY_MEETING).order_by(Event.starts_at.desc())
            .limit(min(max(int(limit), 1), 100))).all()
        return [MeetingChoice(i, f"{at.astimezone(zone).date().isoformat()} — {title}") for i, title, at in rows]


def team_choices(actor: Actor) -> list[tuple[int, str]]:
    """Active staff members who can own an action (membership id, name)."""
    tid = _tenant(actor, Perm.ASSESSMENT_VIEW)
    with tenant_session(tid) as s:
        return sorted(((m, n) for m, n in _team(s).items()), key=lambda x: x[1].lower())


def _team(s: Session) -> dict[int, str]:
    staff = (Role.MANAGER.value, Role.CAREER_COUNSELOR.value, Role.BUSINESS_DEVELOPER.value, Role.INTERN.value,
             Role.AMBASSADOR.value)
    rows = s.exec(select(Membership.id, Membership.roles, Account.full_name, Account.email)
                  .join(Account, Account.id == Membership.account_id).where(Membership.active)).all()
    return {mid: (n or e) for mid, roles, n, e in rows if set(roles or ()) & set(staff)}


# ---------------------------------------------------------------- lifecycle

def do_start(actor: Actor, *, title: Any, period_label: Any = "", framing_note: Any = "") -> AssessmentDetail:
    """P28.1: the manager frames a self-assessment on the newest published model."""
    tid = _tenant(actor, Perm.ASSESSMENT_MANAGE)
    title = _text(title, 200, required_code="assessment_title_required")
    period = _text(period_label, 40)
    note = _text(framing_note, 10_000, multiline=True)
    with tenant_session(tid) as s, transaction(s):
        model_id = newest_published_model_id(s)
        if model_id is None:
            raise Conflict("no published reference model", code="no_published_model")
        a = Assessment(tenant_id=tid, model_id=model_id, mode=Mode.SELF.value, status=FRAMING, title=title,
                       period_label=period, framing_note=note, framed_by_membership_id=actor.membership_id)
        s.add(a)
        s.flush()
        audit(s, actor, "assessment.started", tenant_id=tid, target_type="assessment", target_id=a.id,
              model_id=model_id)
        return _detail(s, actor, a)


def do_update_framing(actor: Actor, assessment_id: Any, *, title: Any = None, period_label: Any = None,
                      framing_note: Any = None) -> AssessmentDetail:
    tid = _tenant(actor, Perm.ASSESSMENT_MANAGE)
    with tenant_session(tid) as s, transaction(s):
        a = _assessment(s, assessment_id, lock=True)
        _ensure_open(a)
        if title is not None:
            a.title = _text(title, 200, required_code="assessment_title_required")
        if period_label is not None:
            a.period_label = _text(period_label, 40)
        if framing_note is not None:
            a.framing_note = _text(framing_note, 10_000, multiline=True)
        a.updated_at = utcnow()
        s.add(a)
        audit(s, actor, "assessment.framed", tenant_id=tid, target_type="assessment", target_id=a.id)
        s.flush()
        return _detail(s, actor, a)


def do_plan(actor: Actor, assessment_id: Any, *, review_meeting_id: Any = None, planned_start: Any = None,
            planned_end: Any = None) -> AssessmentDetail:
    """P28.2: the team reviewed the questionnaire in a weekly meeting and planned the work;
    evidence can be collected from now on."""
    tid = _tenant(actor, Perm.ASSESSMENT_MANAGE)
    start = _date(planned_start, "invalid_date")
    end = _date(planned_end, "invalid_date")
    if start and end and end < start:
        raise Invalid("the end comes before the start", code="end_before_start")
    from workflows.meetings.models import MeetingRecord

    with tenant_session(tid) as s, transaction(s):
        a = _assessment(s, assessment_id, lock=True)
        _ensure_open(a)
        meeting_id = None
        if review_meeting_id not in (None, "", 0, "0"):
            mid = _int(review_meeting_id, "meeting")
            m = s.exec(select(MeetingRecord).where(MeetingRecord.id == mid)).first()
            if m is None:
                raise NotFound("meeting not found", code="meeting_not_found")
            if m.kind != WEEKLY_MEETING:
                raise Invalid("the questionnaire is reviewed in a weekly coordination meeting",
                              code="not_a_weekly_meeting")
            meeting_id = m.id
        a.review_meeting_id = meeting_id
        a.planned_start, a.planned_end = start, end
        before = a.status
        a.status = COLLECTING
        a.updated_at = utcnow()
        s.add(a)
        audit(s, actor, "assessment.planned", tenant_id=tid, target_type="assessment", target_id=a.id,
              before=before, meeting_id=meeting_id, start=start.isoformat() if start else None,
              end=end.isoformat() if end else None)
        s.flush()
        return _detail(s, actor, a)


def do_rate(actor: Actor, assessment_id: Any, criterion_code: Any, *, status: Any = RatingStatus.RATED.value,
            value: Any = None, justification: Any = "") -> CriterionView:
    """The manager's answer for one criterion (the self-assessment questionnaire)."""
    tid = _tenant(actor, Perm.ASSESSMENT_MANAGE)
    with tenant_session(tid) as s, transaction(s):
        a = _assessment(s, assessment_id, lock=True)
        _ensure_open(a)
        if a.status not in RATABLE:
            raise Conflict("the questionnaire is answered once the work is planned", code="assessment_not_collecting")
        c = _criterion(s, a.model_id, criterion_code)
        st, v, text = clean_answer(c, status, value, justification)
        r = s.exec(select(AssessmentRating).where(AssessmentRating.assessment_id == a.id,
                                                  AssessmentRating.criterion_id == c.id,
                                                  AssessmentRating.rater == SELF)).first()
        if r is None:
            r = AssessmentRating(tenant_id=tid, assessment_id=a.id, criterion_id=c.id, rater=SELF)
        r.status, r.value, r.justification = st, v, text
        r.rated_by_account_id = actor.account_id
        r.updated_at = a.updated_at = utcnow()
        s.add_all([r, a])
        audit(s, actor, "assessment.rated", tenant_id=tid, target_type="assessment", target_id=a.id,
              criterion=c.code, status=st, value=v)
        s.flush()
        d = s.get(RefDomain, c.domain_id)
        return CriterionView(c.id, c.code, d.code if d else "", dict(c.title or {}), dict(c.evidence or {}), c.tier,
                             c.justification, st, v, text, ())


def do_complete(actor: Actor, assessment_id: Any) -> AssessmentDetail:
    """P28.4: the manager completes the questionnaire; it is locked and the evaluation job queued."""
    tid = _tenant(actor, Perm.ASSESSMENT_MANAGE)
    with tenant_session(tid) as s, transaction(s):
        a = _assessment(s, assessment_id, lock=True)
        _ensure_open(a)
        if a.status not in RATABLE:
            raise Conflict("the questionnaire is answered once the work is planned", code="assessment_not_collecting")
        ratings = _self_ratings(s, a.id)
        missing = [c.code for _d, cs in _criteria(s, a.model_id) for c in cs if c.id not in ratings]
        if missing:
            raise Invalid("every criterion needs an answer: " + ", ".join(missing), code="assessment_incomplete",
                          missing=missing)
        a.status = COMPLETED
        a.completed_at = a.updated_at = utcnow()
        a.completed_by_account_id = actor.account_id
        s.add(a)
        audit(s, actor, "assessment.completed", tenant_id=tid, target_type="assessment", target_id=a.id)
        outbox.enqueue(s, COMPUTE_KIND, {"assessment_id": a.id}, key=f"assessment-compute:{a.id}", tenant_id=tid)
        s.flush()
        return _detail(s, actor, a)


# ---------------------------------------------------------------- evidence (P28.3)

def _evidence_target(s: Session, a: Assessment, criterion_code: Any) -> int | None:
    if criterion_code in (None, ""):
        return None
    return _criterion(s, a.model_id, criterion_code).id


def _add_evidence(actor: Actor, assessment_id: Any, criterion_code: Any, **fields: Any) -> EvidenceView:
    tid = _tenant(actor, Perm.ASSESSMENT_CONTRIBUTE)
    with tenant_session(tid) as s, transaction(s):
        a = _assessment(s, assessment_id, lock=True)
        _ensure_collecting(a)
        cid = _evidence_target(s, a, criterion_code)
        e = AssessmentEvidence(tenant_id=tid, assessment_id=a.id, criterion_id=cid,
                               added_by_account_id=actor.account_id, **fields)
        s.add(e)
        s.flush()
        audit(s, actor, "assessment.evidence_added", tenant_id=tid, target_type="assessment", target_id=a.id,
              evidence_id=e.id, kind=e.kind)
        code = str(criterion_code or "").strip() if cid else ""
        return EvidenceView(e.id, code, e.kind, e.title, e.url, e.note, e.filename, e.size_bytes, "", None, {},
                            None, actor.full_name or actor.email, e.created_at)


def do_add_link(actor: Actor, assessment_id: Any, *, url: Any, title: Any = "",
                criterion_code: Any = None) -> EvidenceView:
    link = _text(url, 1000, required_code="url_required")
    parsed = urlparse(link)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise Invalid("a link starts with http:// or https://", code="link_invalid")
    return _add_evidence(actor, assessment_id, criterion_code, kind=EvidenceKind.LINK.value,
                         title=_text(title, 200) or parsed.netloc, url=link)


def do_add_note(actor: Actor, assessment_id: Any, *, note: Any, title: Any = "",
                criterion_code: Any = None) -> EvidenceView:
    body = _text(note, 10_000, required_code="note_required", multiline=True)
    return _add_evidence(actor, assessment_id, criterion_code, kind=EvidenceKind.NOTE.value,
                         title=_text(title, 200), note=body)


_NAME_RE = re.compile(r"[^\w .()'-]+", re.UNICODE)


def do_add_file(actor: Actor, assessment_id: Any, *, filename: Any, data: Any, title: Any = "",
                criterion_code: Any = None) -> EvidenceView:
    """A document as evidence: PDF, image or office document, at most 10 MB, checked by its content."""
    tid = _tenant(actor, Perm.ASSESSMENT_CONTRIBUTE)
    if not isinstance(data, bytes | bytearray) or not data:
        raise Invalid("the file is empty", code="file_empty")
    if len(data) > MAX_FILE_BYTES:
        raise Invalid("the file is too large", code="file_too_large", max_mb=MAX_FILE_BYTES // (1024 * 1024))
    name = _NAME_RE.sub("_", str(filename or "").strip().replace("/", "_").replace("\\", "_"))[-200:]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = FILE_TYPES.get(ext)
    if kind is None or not bytes(data).startswith(kind[1]):
        raise Invalid("PDF, images (PNG, JPEG) and office documents only", code="file_type_not_allowed")
    with tenant_session(tid) as s:  # refuse early, before writing the file
        _ensure_collecting(_assessment(s, assessment_id))
    key = storage.save_private(tid, "assessment", bytes(data), ext=ext)
    try:
        return _add_evidence(actor, assessment_id, criterion_code, kind=EvidenceKind.FILE.value,
                             title=_text(title, 200) or name, storage_key=key, filename=name,
                             content_type=kind[0], size_bytes=len(data))
    except BaseException:
        storage.delete_private(tid, key)
        raise


def read_evidence_file(actor: Actor, evidence_id: Any, *, assessment_id: Any = None) -> tuple[bytes, str, str]:
    """(content, filename, content type) of a file evidence; `assessment_id`: the assessment the
    caller reached it through (another one's file answers not_found)."""
    tid = _tenant(actor, Perm.ASSESSMENT_VIEW)
    with tenant_session(tid) as s:
        e = s.exec(select(AssessmentEvidence).join(
            Assessment, (Assessment.id == AssessmentEvidence.assessment_id)
            & (Assessment.tenant_id == AssessmentEvidence.tenant_id))
            .where(AssessmentEvidence.id == _int(evidence_id, "evidence"), Assessment.mode == Mode.SELF.value,
                   AssessmentEvidence.kind == EvidenceKind.FILE.value)).first()
        if assessment_id is not None and e is not None and e.assessment_id != _int(assessment_id):
            e = None
        if e is None or not e.storage_key or not storage.exists_private(tid, e.storage_key):
            raise NotFound("evidence not found", code="not_found")
        return storage.read_private(tid, e.storage_key), e.filename, e.content_type


def do_remove_evidence(actor: Actor, evidence_id: Any) -> None:
    """While collecting: the manager removes any evidence, a contributor their own."""
    tid = _tenant(actor, Perm.ASSESSMENT_CONTRIBUTE)
    key = ""
    with tenant_session(tid) as s, transaction(s):
        e = s.exec(select(AssessmentEvidence).where(AssessmentEvidence.id == _int(evidence_id, "evidence"))).first()
        if e is None:
            raise NotFound("evidence not found", code="not_found")
        a = _assessment(s, e.assessment_id, lock=True)
        _ensure_collecting(a)
        if e.added_by_account_id != actor.account_id and not actor.can(Perm.ASSESSMENT_MANAGE):
            raise NotFound("evidence not found", code="not_found")
        key = e.storage_key
        audit(s, actor, "assessment.evidence_removed", tenant_id=tid, target_type="assessment", target_id=a.id,
              evidence_id=e.id, kind=e.kind)
        s.delete(e)
    if key:
        storage.delete_private(tid, key)


def do_capture_live(actor: Actor, assessment_id: Any, *, today: date | None = None) -> list[EvidenceView]:
    """Compute every live indicator of the model from the centre's data (the last 12 months)
    and keep each figure as evidence, with the rating it suggests. Capturing again replaces
    the previous live figures."""
    tid = _tenant(actor, Perm.ASSESSMENT_CONTRIBUTE)
    with tenant_session(tid) as s, transaction(s):
        a = _assessment(s, assessment_id, lock=True)
        _ensure_collecting(a)
        inds = s.exec(select(RefIndicator).where(RefIndicator.model_id == a.model_id, RefIndicator.live_key != "")
                      .order_by(RefIndicator.criterion_id, RefIndicator.position, RefIndicator.id)).all()
        day = today or datetime.now(tenant_zone(s, tid)).date()
        start, end = indicators.default_period(day)
        for old in s.exec(select(AssessmentEvidence).where(AssessmentEvidence.assessment_id == a.id,
                                                           AssessmentEvidence.kind == EvidenceKind.LIVE.value)).all():
            s.delete(old)
        s.flush()
        cache: dict[str, tuple[float | None, dict]] = {}
        for ind in inds:
            if ind.live_key not in indicators.INDICATORS:
                continue  # a key this version of the product does not compute: left to manual evidence
            if ind.live_key not in cache:
                cache[ind.live_key] = indicators.compute(s, tid, ind.live_key, start, end)
            value, detail = cache[ind.live_key]
            suggested = scoring.suggest_rating(value, ind.target, ind.higher_is_better)
            title = (ind.title or {}).get("fr") or ind.code
            s.add(AssessmentEvidence(tenant_id=tid, assessment_id=a.id, criterion_id=ind.criterion_id,
                                     indicator_id=ind.id, kind=EvidenceKind.LIVE.value, title=title[:200],
                                     live_key=ind.live_key, live_value=value,
                                     live_detail={**detail, "unit": ind.unit, "target": ind.target,
                                                  "higher_is_better": ind.higher_is_better,
                                                  "suggested": suggested},
                                     added_by_account_id=actor.account_id))
        audit(s, actor, "assessment.live_captured", tenant_id=tid, target_type="assessment", target_id=a.id,
              indicators=len(inds))
        s.flush()
        codes = {c.id: c.code for _d, cs in _criteria(s, a.model_id) for c in cs}
        return [e for e in _evidence_views(s, a, codes) if e.kind == EvidenceKind.LIVE.value]


# ---------------------------------------------------------------- the evaluation (P28.5)

def _suggest_actions(s: Session, a: Assessment, specs: list[scoring.CriterionSpec],
                     answers: dict[str, scoring.Answer], ids: dict[str, int]) -> None:
    """Strengths from criteria fully met, improvements from unmet or partly met ones (musts first)."""
    if s.exec(select(AssessmentAction.id).where(AssessmentAction.assessment_id == a.id).limit(1)).first():
        return
    titles = dict(s.exec(select(RefCriterion.code, RefCriterion.title)
                         .where(RefCriterion.model_id == a.model_id)).all())
    ordered = sorted(specs, key=lambda c: c.tier != "must")
    for c in ordered:
        ans = answers.get(c.code)
        if ans is None or ans.status != RatingStatus.RATED.value or ans.value is None:
            continue
        title = (titles.get(c.code) or {}).get("fr") or c.code
        if ans.value < LOW_SCORE:
            kind, text = ActionKind.IMPROVEMENT.value, f"Améliorer : {title} ({c.code})"
        elif ans.value == SCALE[-1]:
            kind, text = ActionKind.STRENGTH.value, f"Maintenir : {title} ({c.code})"
        else:
            continue
        s.add(AssessmentAction(tenant_id=a.tenant_id, assessment_id=a.id, criterion_id=ids.get(c.code), kind=kind,
                               text=text))


def do_compute(assessment_id: Any) -> dict | None:
    """The job's work: evaluate a completed assessment once (a self-assessment from the manager's
    answers, an external evaluation from its consensus). Running it again changes nothing and
    returns the stored result; None for a missing or not yet completed assessment."""
    try:
        aid = _int(assessment_id)
    except NotFound:
        return None
    with system_session("assessment evaluation job") as s, transaction(s):
        a = s.exec(select(Assessment).where(Assessment.id == aid).with_for_update()).first()
        if a is None:
            return None
        rater = SELF if a.mode == Mode.SELF.value else "consensus"
        if a.status == EVALUATED:
            return dict(a.result)
        if a.status != COMPLETED:
            return None
        specs = criterion_specs(s, a.model_id)
        crit = {c.id: c.code for c in s.exec(select(RefCriterion).where(RefCriterion.model_id == a.model_id)).all()}
        answers = {crit[r.criterion_id]: scoring.Answer(r.status, r.value)
                   for r in s.exec(select(AssessmentRating).where(AssessmentRating.tenant_id == a.tenant_id,
                                                                  AssessmentRating.assessment_id == a.id,
                                                                  AssessmentRating.rater == rater)).all()
                   if r.criterion_id in crit}
        result = scoring.evaluate(specs, answers)
        # an external evaluation keeps its own workflow data (planning note, submissions) beside it
        a.result = {**result, **({"external": a.result["external"]} if "external" in (a.result or {}) else {})}
        a.overall_score = result["overall"]
        a.maturity = result["maturity"]
        a.must_unmet = len(result["must_unmet"])
        a.peer_kind, a.size_band = centre_profile(s, a.tenant_id)
        a.status = EVALUATED
        a.evaluated_at = a.updated_at = utcnow()
        s.add(a)
        if a.mode == Mode.SELF.value:  # the external evaluation's follow-up is its recommendations
            _suggest_actions(s, a, specs, answers, {v: k for k, v in crit.items()})
        audit(s, None, "assessment.evaluated", tenant_id=a.tenant_id, target_type="assessment", target_id=a.id,
              overall=a.overall_score, maturity=a.maturity, must_unmet=a.must_unmet)
        s.flush()
        for hook in hooks.EVALUATED_HOOKS:
            hook(s, a)
        return dict(result)


@outbox.handler(COMPUTE_KIND)
def _compute_from_outbox(payload: dict) -> None:
    do_compute(payload.get("assessment_id"))


def _result_view(s: Session, a: Assessment) -> ResultView:
    res = a.result or {}
    tree = _criteria(s, a.model_id)
    ratings = _self_ratings(s, a.id)
    unmet = set(res.get("must_unmet") or [])
    domains, criteria = [], []
    for d, crits in tree:
        domains.append({"code": d.code, "title": dict(d.title or {}),
                        "score": (res.get("domains") or {}).get(d.code)})
        for c in crits:
            r = ratings.get(c.id)
            criteria.append({"code": c.code, "domain": d.code, "title": dict(c.title or {}), "tier": c.tier,
                             "status": r.status if r else "", "value": r.value if r else None,
                             "justification": r.justification if r else "",
                             "score": (res.get("criteria") or {}).get(c.code), "must_unmet": c.code in unmet})
    version = _version_of(s, {a.model_id}).get(a.model_id, 0)
    return ResultView(_summary(a, version), res.get("overall"), res.get("maturity", ""), domains, criteria,
                      list(res.get("must_unmet") or []), list(res.get("must_unverified") or []),
                      dict(res.get("counts") or {}), _actions(s, a))


def get_result(actor: Actor, assessment_id: Any) -> ResultView:
    """The computed evaluation; not_evaluated until the job has run."""
    tid = _tenant(actor, Perm.ASSESSMENT_VIEW)
    with tenant_session(tid) as s:
        a = _assessment(s, assessment_id)
        if a.status not in (EVALUATED, AssessmentStatus.CLOSED.value):
            raise Conflict("the evaluation is not computed yet", code="assessment_not_evaluated")
        return _result_view(s, a)


# ---------------------------------------------------------------- the action plan

def _actions(s: Session, a: Assessment) -> list[ActionView]:
    rows = s.exec(select(AssessmentAction).where(AssessmentAction.assessment_id == a.id)
                  .order_by(AssessmentAction.kind, AssessmentAction.id)).all()
    codes = dict(s.exec(select(RefCriterion.id, RefCriterion.code).where(RefCriterion.model_id == a.model_id)).all())
    names = _member_names(s, {x.owner_membership_id for x in rows})
    return [ActionView(x.id, x.kind, codes.get(x.criterion_id, ""), x.text, x.owner_membership_id,
                       names.get(x.owner_membership_id, ""), x.deadline, x.done, x.plan_activity_key) for x in rows]


def list_actions(actor: Actor, assessment_id: Any) -> list[ActionView]:
    tid = _tenant(actor, Perm.ASSESSMENT_VIEW)
    with tenant_session(tid) as s:
        return _actions(s, _assessment(s, assessment_id))


def _ensure_evaluated(a: Assessment) -> None:
    if a.status not in (EVALUATED, AssessmentStatus.CLOSED.value):
        raise Conflict("the action plan follows the evaluation", code="assessment_not_evaluated")


def _owner(s: Session, value: Any) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    mid = _int(value, "member")
    if mid not in _team(s):
        raise Invalid("the owner is an active member of the team", code="owner_not_in_team")
    return mid


def _action_fields(s: Session, x: AssessmentAction, text: Any, owner: Any, deadline: Any, done: Any,
                   kind: Any) -> None:
    if kind is not None:
        k = str(kind).strip()
        if k not in {v.value for v in ActionKind}:
            raise Invalid("a strength or an improvement", code="action_kind_invalid")
        x.kind = k
    if text is not None:
        x.text = _text(text, 2000, required_code="action_text_required", multiline=True)
    if owner is not None:
        x.owner_membership_id = _owner(s, owner)
    if deadline is not None:
        x.deadline = _date(deadline, "invalid_date")
    if done is not None:
        if not isinstance(done, bool):
            raise Invalid("done is true or false", code="invalid_flag")
        x.done = done


def do_add_action(actor: Actor, assessment_id: Any, *, kind: Any, text: Any, owner_membership_id: Any = None,
                  deadline: Any = None, criterion_code: Any = None) -> ActionView:
    tid = _tenant(actor, Perm.ASSESSMENT_MANAGE)
    with tenant_session(tid) as s, transaction(s):
        a = _assessment(s, assessment_id, lock=True)
        _ensure_evaluated(a)
        x = AssessmentAction(tenant_id=tid, assessment_id=a.id, kind="", text="",
                             criterion_id=_evidence_target(s, a, criterion_code))
        _action_fields(s, x, text, owner_membership_id, deadline, None, kind)
        if not x.text:
            raise Invalid("this field is required", code="action_text_required")
        s.add(x)
        s.flush()
        audit(s, actor, "assessment.action_added", tenant_id=tid, target_type="assessment", target_id=a.id,
              action_id=x.id)
        return next(v for v in _actions(s, a) if v.id == x.id)


def _action(s: Session, action_id: Any, *, lock: bool = False) -> tuple[AssessmentAction, Assessment]:
    q = select(AssessmentAction).where(AssessmentAction.id == _int(action_id, "action"))
    if lock:
        q = q.with_for_update()
    x = s.exec(q).first()
    if x is None:
        raise NotFound("action not found", code="not_found")
    return x, _assessment(s, x.assessment_id)


def do_update_action(actor: Actor, action_id: Any, *, text: Any = None, owner_membership_id: Any = None,
                     deadline: Any = None, done: Any = None, kind: Any = None,
                     assessment_id: Any = None) -> ActionView:
    """Edit an action; pass "" as owner or deadline to clear it. `assessment_id`: the assessment
    the caller reached it through (another one's action answers not_found)."""
    tid = _tenant(actor, Perm.ASSESSMENT_MANAGE)
    with tenant_session(tid) as s, transaction(s):
        x, a = _action(s, action_id, lock=True)
        if assessment_id is not None and a.id != _int(assessment_id):
            raise NotFound("action not found", code="not_found")
        _ensure_evaluated(a)
        if owner_membership_id == "":
            x.owner_membership_id = None
            owner_membership_id = None
        if deadline == "":
            x.deadline = None
            deadline = None
        _action_fields(s, x, text, owner_membership_id, deadline, done, kind)
        s.add(x)
        audit(s, actor, "assessment.action_updated", tenant_id=tid, target_type="assessment", target_id=a.id,
              action_id=x.id)
        s.flush()
        return next(v for v in _actions(s, a) if v.id == x.id)


def do_delete_action(actor: Actor, action_id: Any) -> None:
    tid = _tenant(actor, Perm.ASSESSMENT_MANAGE)
    with tenant_session(tid) as s, transaction(s):
        x, a = _action(s, action_id, lock=True)
        _ensure_evaluated(a)
        if x.plan_activity_key:
            raise Conflict("the action is in the annual action plan", code="action_in_plan")
        audit(s, actor, "assessment.action_deleted", tenant_id=tid, target_type="assessment", target_id=a.id,
              action_id=x.id)
        s.delete(x)


SELF_ASSESSMENT_OBJECTIVE = "auto-evaluation"


def do_carry_to_annual_plan(actor: Actor, action_id: Any) -> ActionView:
    """Add an improvement as an activity of the current academic year's action plan (M30), under
    an objective "Amélioration continue" made when missing. A validated plan gets it in its
    next version (the planning rules: saving a validated plan makes its update)."""
    from workflows.planning import services as planning

    tid = _tenant(actor, Perm.ASSESSMENT_MANAGE)
    require(actor, Perm.PLAN_MANAGE, tenant_id=tid)
    with tenant_session(tid) as s:
        x, a = _action(s, action_id)
        _ensure_evaluated(a)
        if x.kind != ActionKind.IMPROVEMENT.value:
            raise Invalid("only an improvement goes into the action plan", code="action_not_improvement")
        if x.plan_activity_key:
            raise Conflict("the action is already in the annual action plan", code="action_already_in_plan")
        text, owner = x.text, x.owner_membership_id
    year = planning.current_academic_year(tid)
    plan = planning.plan_for_year(actor, tid, year.id) if year else None
    if plan is None:
        raise Conflict("there is no annual action plan for the current year", code="no_current_plan")
    content = dict(plan.content or {})
    objectives = list(content.get("objectives") or [])
    if not any(o.get("key") == SELF_ASSESSMENT_OBJECTIVE for o in objectives):
        objectives.append({"key": SELF_ASSESSMENT_OBJECTIVE, "title": "Amélioration continue (auto-évaluation)",
                           "description": ""})
    key = f"sa-{x.id}"
    activities = [act for act in (content.get("activities") or []) if act.get("key") != key]
    activities.append({"key": key, "title": text.splitlines()[0][:200] or text[:200],
                       "objective_key": SELF_ASSESSMENT_OBJECTIVE, "description": text[:4000],
                       "owner_membership_id": owner, "metric": "events", "targets": {}})
    content.update(objectives=objectives, activities=activities)
    planning.do_save_draft(actor, tid, plan.id, content, change_note=f"Auto-évaluation : {a.title}"[:2000])
    with tenant_session(tid) as s, transaction(s):
        x, a = _action(s, action_id, lock=True)
        x.plan_activity_key = key
        s.add(x)
        audit(s, actor, "assessment.action_carried", tenant_id=tid, target_type="assessment", target_id=a.id,
              action_id=x.id, plan_id=plan.id, activity_key=key)
        s.flush()
        return next(v for v in _actions(s, a) if v.id == x.id)
