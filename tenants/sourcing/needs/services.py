"""Job needs (besoins en recrutement) and their job sheets (fiches de poste), P22 steps 1-5.

A company contact submits a need from the company portal (COMPANY_SELF); staff enter one
received by e-mail or met in person (NEED_MANAGE). Both go through `_create_need`: the same
validation, an entry in the company's history (BD01), an e-mail to the business developers
and the functions of NEED_SUBMITTED_HOOKS in the same transaction.

The business developer then takes the need, writes its job sheet, sends it to the host
institution and the counselors, and asks the communication counselor to publish it. Host
institution roles (NEED_VIEW without being staff) see only needs whose sheet was sent to them.
A company contact sees only the needs of their own company; another company's need, like
another centre's, answers not found.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import func
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import tenant_session, transaction, utcnow
from integrations.errors import Conflict, Invalid, NotFound
from integrations.i18n import t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from integrations.validation import as_invalid, parse
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import STAFF_ROLES, Perm, Responsibility, Role
from tenants.core.services import audit
from tenants.portal.profiles.models import Level, StudyField
from tenants.portal.profiles.services import LanguageInput, _line, _para, clean_skills
from tenants.sourcing.access import ENDED, advance, company_person
from tenants.sourcing.needs.models import (
    RECRUITMENT_DAY_THRESHOLD,
    JobNeed,
    NeedKind,
    NeedSource,
    NeedStatus,
)
from tenants.sourcing.partners.models import Company, Interaction, InteractionKind
from tenants.sourcing.pipeline.models import ProfileShare, ProfileShareItem

MAX_POSITIONS = 1000
MAX_SKILLS = 30
MAX_PER_PAGE = 100
HOST_ROLES = frozenset({Role.HOST_APPROVER.value, Role.HOST_FOCAL_POINT.value})
_STAFF = frozenset(r.value for r in STAFF_ROLES)

# Called with (session, need) inside the transaction that creates a need, whatever its source
# (the company portal or staff). The lead registers the start of the P22 procedure here.
NEED_SUBMITTED_HOOKS: list[Callable[[Session, JobNeed], None]] = []


# ---------------------------------------------------------------- input

class NeedInput(BaseModel):
    """A job need as the company (or staff for it) describes it."""

    model_config = ConfigDict(extra="forbid")
    title: str
    description: str = ""
    kind: NeedKind = NeedKind.JOB
    place: str = ""
    positions: int
    # StudyField ids of the centre; empty: any field
    field_ids: list[int] = Field(default_factory=list, max_length=50)
    level: Level | None = None
    skills: list[str] = Field(default_factory=list)
    languages: list[LanguageInput] = Field(default_factory=list, max_length=20)
    start_date: date | None = None
    # the date by which the company wants the profiles; on or before the start date
    deadline: date

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        v = _line(v, 200)
        if not v:
            raise ValueError("title_required:a title is required")
        return v

    @field_validator("description")
    @classmethod
    def _description(cls, v: str) -> str:
        return _para(v, 8000)

    @field_validator("place")
    @classmethod
    def _place(cls, v: str) -> str:
        return _line(v, 200)

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: object) -> object:
        if not isinstance(v, NeedKind) and not (isinstance(v, str) and v in {k.value for k in NeedKind}):
            raise ValueError("invalid_kind:a job or an internship")
        return v

    @field_validator("positions", mode="before")
    @classmethod
    def _positions(cls, v: object) -> int:
        if isinstance(v, str) and v.strip().isascii() and v.strip().isdigit() and len(v.strip()) <= 9:
            v = int(v.strip())
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError("invalid_positions:the number of positions is a whole number")
        if v < 1:
            raise ValueError("positions_min:at least one position")
        if v > MAX_POSITIONS:
            raise ValueError(f"positions_max:at most {MAX_POSITIONS} positions")
        return v

    @field_validator("level", mode="before")
    @classmethod
    def _level(cls, v: object) -> object:
        return None if v == "" else v

    @field_validator("field_ids")
    @classmethod
    def _field_ids(cls, v: list[int]) -> list[int]:
        return list(dict.fromkeys(v))

    @field_validator("skills")
    @classmethod
    def _skills(cls, values: list[str]) -> list[str]:
        out = clean_skills(values)
        if len(out) > MAX_SKILLS:
            raise ValueError(f"too_many_skills:at most {MAX_SKILLS} skills")
        return out

    @field_validator("languages")
    @classmethod
    def _languages(cls, values: list[LanguageInput]) -> list[LanguageInput]:
        out: dict[str, LanguageInput] = {}
        for lang in values:
            out.setdefault(lang.language.casefold(), lang)
        return list(out.values())

    @model_validator(mode="after")
    def _dates(self) -> NeedInput:
        if self.start_date is not None and self.deadline > self.start_date:
            raise ValueError("deadline_after_start:the deadline for profiles comes after the start date")
        return self


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class NeedView:
    id: int
    company_id: int
    company_name: str
    source: str
    title: str
    description: str
    kind: str
    place: str
    positions: int
    field_ids: tuple[int, ...]
    field_names: tuple[str, ...]
    level: str
    skills: tuple[str, ...]
    languages: tuple[dict, ...]
    start_date: date | None
    deadline: date
    status: str
    owner_membership_id: int | None
    owner_name: str
    sheet: str
    sheet_sent_at: datetime | None
    publication_requested_at: datetime | None
    received_at: datetime
    sheet_ready_at: datetime | None
    first_shortlisted_at: datetime | None
    sent_at: datetime | None
    closed_at: datetime | None
    cancel_reason: str
    updated_at: datetime

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    @property
    def recruitment_day(self) -> bool:
        """P19: at this many positions the centre proposes a recruitment day."""
        return self.positions >= RECRUITMENT_DAY_THRESHOLD


@dataclass(frozen=True)
class NeedPage:
    items: list[NeedView]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


@dataclass(frozen=True)
class Milestone:
    key: str  # received, sheet_ready, sheet_sent, publication_requested, shortlisted, sent, closed, cancelled
    at: datetime | None


@dataclass(frozen=True)
class CompanyChoice:
    id: int
    name: str
    city: str


@dataclass(frozen=True)
class NeedShareView:
    """One sending of profiles for a need, as its company sees it in the list."""

    id: int
    need_id: int
    sent_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    profiles: int


def timeline(v: NeedView) -> list[Milestone]:
    """The need's steps in order, each with when it was reached (None: not yet)."""
    steps = [Milestone("received", v.received_at), Milestone("sheet_ready", v.sheet_ready_at),
             Milestone("sheet_sent", v.sheet_sent_at), Milestone("shortlisted", v.first_shortlisted_at),
             Milestone("sent", v.sent_at)]
    if v.status == NeedStatus.CANCELLED.value:
        steps.append(Milestone("cancelled", v.closed_at))
    else:
        steps.append(Milestone("closed", v.closed_at))
    return steps


def _view(s: Session, n: JobNeed, *, company: Company | None = None,
          fields: dict[int, str] | None = None, owners: dict[int, str] | None = None) -> NeedView:
    company = company or s.get(Company, n.company_id)
    if fields is None:
        ids = [int(i) for i in n.field_ids or []]
        fields = {f.id: f.name for f in s.exec(select(StudyField).where(StudyField.id.in_(ids))).all()} if ids else {}
    owner_name = ""
    if n.owner_membership_id is not None:
        if owners is not None and n.owner_membership_id in owners:
            owner_name = owners[n.owner_membership_id]
        else:
            row = s.exec(select(Account.full_name).join(Membership, Membership.account_id == Account.id)
                         .where(Membership.id == n.owner_membership_id)).first()
            owner_name = row or ""
    fids = tuple(int(i) for i in n.field_ids or [])
    return NeedView(
        id=n.id, company_id=n.company_id, company_name=company.name if company else "", source=n.source,
        title=n.title, description=n.description, kind=n.kind, place=n.place, positions=n.positions,
        field_ids=fids, field_names=tuple(fields[i] for i in fids if i in fields), level=n.level,
        skills=tuple(n.skills or ()), languages=tuple(n.languages or ()), start_date=n.start_date,
        deadline=n.deadline, status=n.status, owner_membership_id=n.owner_membership_id, owner_name=owner_name,
        sheet=n.sheet, sheet_sent_at=n.sheet_sent_at, publication_requested_at=n.publication_requested_at,
        received_at=n.received_at, sheet_ready_at=n.sheet_ready_at, first_shortlisted_at=n.first_shortlisted_at,
        sent_at=n.sent_at, closed_at=n.closed_at, cancel_reason=n.cancel_reason, updated_at=n.updated_at,
    )


def _views(s: Session, rows: list[JobNeed]) -> list[NeedView]:
    """Views of a page of needs, the companies, fields and owners loaded once."""
    cids = {n.company_id for n in rows}
    companies = {c.id: c for c in s.exec(select(Company).where(Company.id.in_(cids))).all()} if cids else {}
    fids = {int(i) for n in rows for i in n.field_ids or []}
    fields = {f.id: f.name for f in s.exec(select(StudyField).where(StudyField.id.in_(fids))).all()} if fids else {}
    mids = {n.owner_membership_id for n in rows if n.owner_membership_id is not None}
    owners = dict(s.exec(select(Membership.id, Account.full_name).join(Account, Account.id == Membership.account_id)
                         .where(Membership.id.in_(mids))).all()) if mids else {}
    return [_view(s, n, company=companies.get(n.company_id), fields=fields, owners=owners) for n in rows]


# ---------------------------------------------------------------- helpers

def _today(s: Session, tenant_id: int) -> date:
    """Today in the centre's time zone: a deadline is a local date."""
    tenant = s.get(Tenant, tenant_id)
    try:
        zone = ZoneInfo(tenant.timezone if tenant else "Africa/Casablanca")
    except (KeyError, ValueError):
        zone = ZoneInfo("Africa/Casablanca")
    return utcnow().astimezone(zone).date()


def _members(s: Session, *, roles: frozenset[str] = frozenset(),
             responsibility: str | None = None) -> list[tuple[Membership, Account]]:
    """Active members of the session's centre holding one of `roles` (and the responsibility)."""
    rows = s.exec(select(Membership, Account).join(Account, Account.id == Membership.account_id)
                  .where(Membership.active).order_by(Membership.id)).all()
    out = []
    for m, a in rows:
        if not set(m.roles) & roles:
            continue
        if responsibility is not None and responsibility not in (m.responsibilities or []):
            continue
        out.append((m, a))
    return out


def _mail(s: Session, tenant_id: int, recipients: list[tuple[Membership, Account]], template: str, key: str,
          **params: object) -> int:
    """One e-mail per recipient, in each one's language, written to the outbox in the caller's
    transaction. `key` makes a second call for the same event one message per person."""
    seen: set[str] = set()
    for m, a in recipients:
        if a.email in seen:
            continue
        seen.add(a.email)
        lang = a.locale or "fr"
        subject = t(f"mail.{template}.subject", lang, **params)
        body = t(f"mail.{template}.body", lang, name=a.full_name or a.email, **params)
        outbox.enqueue(s, EMAIL_KIND, {"to": a.email, "subject": subject, "text": body},
                       key=f"{template}:{tenant_id}:{key}:{m.id}", tenant_id=tenant_id)
    return len(seen)


def _need_in_tenant(s: Session, need_id: int, *, for_update: bool = False) -> JobNeed:
    q = select(JobNeed).where(JobNeed.id == need_id)
    if for_update:
        q = q.with_for_update()
    n = s.exec(q).first()
    if n is None:
        raise NotFound("job need not found", code="not_found")
    return n


def _open(n: JobNeed) -> JobNeed:
    if n.status in ENDED:
        raise Conflict("this need is closed or cancelled", code="need_ended")
    return n


def _host_only(actor: Actor) -> bool:
    """A host institution role (approver, focal point) without a staff role: sees sent sheets only."""
    roles = set(actor.roles)
    return bool(roles & HOST_ROLES) and not roles & _STAFF and not actor.is_network_admin


def _tenant_name(s: Session, tenant_id: int) -> str:
    tenant = s.get(Tenant, tenant_id)
    return tenant.name if tenant else ""


def _link(path: str) -> str:
    return f"{get_settings().base_url}{path}"


# ---------------------------------------------------------------- submitting a need

def _create_need(s: Session, actor: Actor, tenant_id: int, company: Company, inp: NeedInput, *, source: NeedSource,
                 person_id: int | None) -> JobNeed:
    """The one way a need is born: validated against the centre, written with its history entry,
    the business developers told, the hooks run; all in the caller's transaction."""
    if inp.deadline < _today(s, tenant_id):
        raise Invalid("the deadline is in the past", code="deadline_past")
    if inp.field_ids:
        found = set(s.exec(select(StudyField.id).where(StudyField.id.in_(inp.field_ids), StudyField.active)).all())
        if set(inp.field_ids) - found:
            raise NotFound("unknown field of study", code="unknown_field")
    now = utcnow()
    need = JobNeed(
        tenant_id=tenant_id, company_id=company.id, submitted_by_membership_id=actor.membership_id,
        source=source.value, title=inp.title, description=inp.description, kind=inp.kind.value, place=inp.place,
        positions=inp.positions, field_ids=list(inp.field_ids), level=inp.level.value if inp.level else "",
        skills=list(inp.skills), languages=[lang.model_dump(mode="json") for lang in inp.languages],
        start_date=inp.start_date, deadline=inp.deadline, status=NeedStatus.RECEIVED.value,
        received_at=now, updated_at=now,
    )
    s.add(need)
    s.flush()
    s.add(Interaction(tenant_id=tenant_id, company_id=company.id, person_id=person_id,
                      kind=InteractionKind.JOB_NEED.value, at=now, by_membership_id=actor.membership_id,
                      summary=f"{inp.title} — {inp.positions} ({inp.kind.value}, {source.value})"[:4000]))
    recipients = _members(s, roles=frozenset({Role.BUSINESS_DEVELOPER.value})) \
        or _members(s, roles=frozenset({Role.MANAGER.value}))
    # whoever entered it (staff) knows already
    recipients = [(m, a) for m, a in recipients if m.id != actor.membership_id]
    _mail(s, tenant_id, recipients, "need_submitted", str(need.id), company=company.name, title=need.title,
          positions=need.positions, deadline=need.deadline.isoformat(), tenant=_tenant_name(s, tenant_id),
          link=_link(f"/staff/needs/{need.id}"))
    audit(s, actor, "need.submitted", tenant_id=tenant_id, target_type="job_need", target_id=need.id,
          company_id=company.id, source=source.value, positions=need.positions)
    for hook in list(NEED_SUBMITTED_HOOKS):
        hook(s, need)
    return need


def do_submit_need(actor: Actor, tenant_id: int, data: dict | NeedInput, *,
                   source: str = NeedSource.PORTAL.value) -> NeedView:
    """A company contact submits a need for their company (P22.1), from the company portal
    (source "portal") or with their token over REST (source "api")."""
    require(actor, Perm.COMPANY_SELF, tenant_id=tenant_id)
    if source not in (NeedSource.PORTAL.value, NeedSource.API.value):
        raise Invalid("the source is the portal or the API", code="invalid_source")
    inp = parse(NeedInput, data)
    with tenant_session(tenant_id) as s, transaction(s):
        person = company_person(s, actor)
        company = s.get(Company, person.company_id)
        need = _create_need(s, actor, tenant_id, company, inp, source=NeedSource(source), person_id=person.id)
        return _view(s, need, company=company)


def do_enter_need(actor: Actor, tenant_id: int, company_id: int, data: dict | NeedInput, *,
                  source: str = NeedSource.EMAIL.value) -> NeedView:
    """Staff enter a need received by e-mail (or met in person: source "staff") for a company of BD01."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    if source not in (NeedSource.EMAIL.value, NeedSource.STAFF.value):
        raise Invalid("the source is e-mail or staff", code="invalid_source")
    inp = parse(NeedInput, data)
    with tenant_session(tenant_id) as s, transaction(s):
        company = s.get(Company, company_id)
        if company is None or company.merged_into_id is not None:
            raise NotFound("company not found", code="not_found")
        need = _create_need(s, actor, tenant_id, company, inp, source=NeedSource(source), person_id=None)
        return _view(s, need, company=company)


def list_company_choices(actor: Actor, tenant_id: int) -> list[CompanyChoice]:
    """The companies of the partner map (BD01) a need may be entered for, by name."""
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        rows = s.exec(select(Company).where(Company.merged_into_id.is_(None)).order_by(Company.name)).all()
        return [CompanyChoice(c.id, c.name, c.city) for c in rows]


# ---------------------------------------------------------------- the company's own needs

def list_my_needs(actor: Actor, tenant_id: int) -> list[NeedView]:
    """The needs of the contact's company, the latest first."""
    require(actor, Perm.COMPANY_SELF, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        person = company_person(s, actor)
        rows = s.exec(select(JobNeed).where(JobNeed.company_id == person.company_id)
                      .order_by(JobNeed.received_at.desc(), JobNeed.id.desc())).all()
        return _views(s, list(rows))


def _my_need(s: Session, actor: Actor, need_id: int, *, for_update: bool = False) -> JobNeed:
    n = _need_in_tenant(s, need_id, for_update=for_update)
    person = company_person(s, actor)
    if n.company_id != person.company_id:  # another company's need reads like none at all
        raise NotFound("job need not found", code="not_found")
    return n


def get_my_need(actor: Actor, tenant_id: int, need_id: int) -> NeedView:
    require(actor, Perm.COMPANY_SELF, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return _view(s, _my_need(s, actor, need_id))


def do_cancel_my_need(actor: Actor, tenant_id: int, need_id: int, *, reason: str = "") -> NeedView:
    """The company withdraws its need (the position was filled elsewhere…) while it is not ended."""
    require(actor, Perm.COMPANY_SELF, tenant_id=tenant_id)
    reason = _clean_reason(reason, required=False)
    with tenant_session(tenant_id) as s, transaction(s):
        n = _open(_my_need(s, actor, need_id, for_update=True))
        _end(s, actor, tenant_id, n, NeedStatus.CANCELLED, reason=reason, by="company")
        return _view(s, n)


def list_need_shares_for_company(actor: Actor, tenant_id: int, need_id: int) -> list[NeedShareView]:
    """The sendings of profiles for one of the company's needs (each opens at /company/shares/<id>)."""
    require(actor, Perm.COMPANY_SELF, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        n = _my_need(s, actor, need_id)
        counts = (select(ProfileShareItem.share_id, func.count(ProfileShareItem.id).label("n"))
                  .group_by(ProfileShareItem.share_id).subquery())
        rows = s.exec(select(ProfileShare, counts.c.n).outerjoin(counts, counts.c.share_id == ProfileShare.id)
                      .where(ProfileShare.need_id == n.id, ProfileShare.company_id == n.company_id)
                      .order_by(ProfileShare.sent_at.desc(), ProfileShare.id.desc())).all()
        return [NeedShareView(p.id, p.need_id, p.sent_at, p.expires_at, p.revoked_at, int(c or 0)) for p, c in rows]


# ---------------------------------------------------------------- staff: reading

def list_needs(actor: Actor, tenant_id: int, status: str | None = None, company_id: int | None = None, *,
               page: int = 1, per_page: int = 20) -> NeedPage:
    """The centre's needs, the latest first; host institution roles see those sent to them."""
    require(actor, Perm.NEED_VIEW, tenant_id=tenant_id)
    if status is not None and status not in {st.value for st in NeedStatus}:
        raise Invalid("unknown status", code="invalid_status")
    page = min(max(int(page), 1), 100_000)
    per_page = min(max(int(per_page), 1), MAX_PER_PAGE)
    conds = []
    if status is not None:
        conds.append(JobNeed.status == status)
    if company_id is not None:
        conds.append(JobNeed.company_id == company_id)
    if _host_only(actor):
        conds.append(JobNeed.sheet_sent_at.is_not(None))
    with tenant_session(tenant_id) as s:
        total = s.exec(select(func.count(JobNeed.id)).where(*conds)).one()
        rows = s.exec(select(JobNeed).where(*conds).order_by(JobNeed.received_at.desc(), JobNeed.id.desc())
                      .offset((page - 1) * per_page).limit(per_page)).all()
        return NeedPage(_views(s, list(rows)), page, per_page, int(total))


def get_need(actor: Actor, tenant_id: int, need_id: int) -> NeedView:
    require(actor, Perm.NEED_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        n = _need_in_tenant(s, need_id)
        if _host_only(actor) and n.sheet_sent_at is None:
            raise NotFound("job need not found", code="not_found")
        return _view(s, n)


# ---------------------------------------------------------------- staff: the P22 steps

def _managed(actor: Actor, tenant_id: int) -> None:
    require(actor, Perm.NEED_MANAGE, tenant_id=tenant_id)


def do_take_need(actor: Actor, tenant_id: int, need_id: int) -> NeedView:
    """The business developer takes charge of the need (P22.3)."""
    _managed(actor, tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        n = _open(_need_in_tenant(s, need_id, for_update=True))
        before = n.owner_membership_id
        n.owner_membership_id = actor.membership_id
        n.updated_at = utcnow()
        s.add(n)
        audit(s, actor, "need.taken", tenant_id=tenant_id, target_type="job_need", target_id=n.id,
              before=before, after=actor.membership_id)
        s.flush()
        return _view(s, n)


def prefilled_sheet(v: NeedView, lang: str = "fr") -> str:
    """A first draft of the job sheet from the need's fields, for the staff to edit."""
    lines = [v.title, "", f"{t('ui.jobneed.company', lang)} : {v.company_name}",
             f"{t('ui.jobneed.kind', lang)} : {t('ui.jobneed.kind.' + v.kind, lang)}"]
    if v.place:
        lines.append(f"{t('ui.jobneed.place', lang)} : {v.place}")
    lines.append(f"{t('ui.jobneed.positions', lang)} : {v.positions}")
    if v.field_names:
        lines.append(f"{t('ui.jobneed.fields', lang)} : {', '.join(v.field_names)}")
    if v.level:
        lines.append(f"{t('ui.jobneed.level', lang)} : {v.level}")
    if v.skills:
        lines.append(f"{t('ui.jobneed.skills', lang)} : {', '.join(v.skills)}")
    if v.languages:
        langs = ", ".join(f"{x.get('language', '')} ({x.get('level', '')})" for x in v.languages)
        lines.append(f"{t('ui.jobneed.languages', lang)} : {langs}")
    if v.start_date:
        lines.append(f"{t('ui.jobneed.start_date', lang)} : {v.start_date.isoformat()}")
    lines.append(f"{t('ui.jobneed.deadline', lang)} : {v.deadline.isoformat()}")
    if v.description:
        lines += ["", v.description]
    return "\n".join(lines)[:8000]


def do_write_sheet(actor: Actor, tenant_id: int, need_id: int, *, sheet: str) -> NeedView:
    """Write (or rewrite) the job sheet (fiche de poste) of the need; the need is then 'sheet ready'."""
    _managed(actor, tenant_id)
    if not isinstance(sheet, str):
        raise Invalid("the job sheet is a text", code="invalid")
    with as_invalid():
        text = _para(sheet, 8000)
    if not text:
        raise Invalid("the job sheet is empty", code="sheet_required")
    with tenant_session(tenant_id) as s, transaction(s):
        n = _open(_need_in_tenant(s, need_id, for_update=True))
        n.sheet = text
        n.updated_at = utcnow()
        advance(n, NeedStatus.SHEET_READY)
        s.add(n)
        audit(s, actor, "need.sheet_written", tenant_id=tenant_id, target_type="job_need", target_id=n.id,
              length=len(text))
        s.flush()
        return _view(s, n)


def do_send_sheet(actor: Actor, tenant_id: int, need_id: int) -> NeedView:
    """Send the job sheet to the host institution (approvers, focal points) and the counselors so
    they look for matching students (P22.4); the need moves to 'sourcing'."""
    _managed(actor, tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        n = _open(_need_in_tenant(s, need_id, for_update=True))
        if not n.sheet:
            raise Conflict("write the job sheet first", code="sheet_required")
        now = utcnow()
        company = s.get(Company, n.company_id)
        recipients = _members(s, roles=frozenset(HOST_ROLES | {Role.CAREER_COUNSELOR.value}))
        sent = _mail(s, tenant_id, recipients, "need_sheet", f"{n.id}:{now.isoformat()}",
                     company=company.name if company else "", title=n.title, sheet=n.sheet,
                     tenant=_tenant_name(s, tenant_id), link=_link(f"/staff/needs/{n.id}"))
        if n.sheet_sent_at is None:
            n.sheet_sent_at = now
        n.updated_at = now
        advance(n, NeedStatus.SOURCING, now=now)
        s.add(n)
        audit(s, actor, "need.sheet_sent", tenant_id=tenant_id, target_type="job_need", target_id=n.id,
              recipients=sent)
        s.flush()
        return _view(s, n, company=company)


def do_request_publication(actor: Actor, tenant_id: int, need_id: int) -> NeedView:
    """Ask the communication counselor to publish the job sheet (P22.5) on the social networks,
    at the host institution and its establishments. Until the communications module (P29/P30)
    exists this hand-off is an e-mail with the sheet; that module will take it over by creating
    a communication item here instead."""
    _managed(actor, tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        n = _open(_need_in_tenant(s, need_id, for_update=True))
        if not n.sheet:
            raise Conflict("write the job sheet first", code="sheet_required")
        now = utcnow()
        company = s.get(Company, n.company_id)
        recipients = _members(s, roles=frozenset({Role.CAREER_COUNSELOR.value}),
                              responsibility=Responsibility.COMMUNICATION.value) \
            or _members(s, roles=frozenset({Role.MANAGER.value}))
        sent = _mail(s, tenant_id, recipients, "need_publication", f"{n.id}:{now.isoformat()}",
                     company=company.name if company else "", title=n.title, sheet=n.sheet,
                     tenant=_tenant_name(s, tenant_id))
        n.publication_requested_at = now
        n.updated_at = now
        s.add(n)
        audit(s, actor, "need.publication_requested", tenant_id=tenant_id, target_type="job_need",
              target_id=n.id, recipients=sent)
        s.flush()
        return _view(s, n, company=company)


def _clean_reason(reason: object, *, required: bool) -> str:
    if not isinstance(reason, str):
        raise Invalid("the reason is a text", code="invalid")
    with as_invalid():
        text = _para(reason, 1000)
    if required and not text:
        raise Invalid("say why", code="reason_required")
    return text


def _end(s: Session, actor: Actor, tenant_id: int, n: JobNeed, status: NeedStatus, *, reason: str = "",
         by: str = "staff") -> None:
    now = utcnow()
    n.status = status.value
    n.closed_at = now
    n.updated_at = now
    if status == NeedStatus.CANCELLED:
        n.cancel_reason = reason
    s.add(n)
    audit(s, actor, f"need.{status.value}", tenant_id=tenant_id, target_type="job_need", target_id=n.id,
          reason=reason, by=by)
    s.flush()


def do_cancel_need(actor: Actor, tenant_id: int, need_id: int, *, reason: str) -> NeedView:
    """Staff cancel a need (the company gave up, a duplicate…); the reason is kept."""
    _managed(actor, tenant_id)
    reason = _clean_reason(reason, required=True)
    with tenant_session(tenant_id) as s, transaction(s):
        n = _open(_need_in_tenant(s, need_id, for_update=True))
        _end(s, actor, tenant_id, n, NeedStatus.CANCELLED, reason=reason)
        return _view(s, n)


def do_close_need(actor: Actor, tenant_id: int, need_id: int) -> NeedView:
    """Close a need whose outcomes are known; it then refuses any change."""
    _managed(actor, tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        n = _open(_need_in_tenant(s, need_id, for_update=True))
        _end(s, actor, tenant_id, n, NeedStatus.CLOSED)
        return _view(s, n)
