"""Student profiles (BD02): the study lists (BD05), the profile, the CV, consent to share with
companies, export of one's own data and deletion requests handled by staff.

Students act on their own profile (PORTAL_SELF); staff read (STUDENT_VIEW) and handle deletion
requests and the lists (STUDENT_MANAGE). Another centre's student, establishment or field
answers NotFound.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pypdf import PdfReader
from sqlalchemy import String, cast, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from integrations import storage
from integrations.db import tenant_session, transaction, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.validation import as_invalid, clean_field, parse
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership
from tenants.core.roles import Perm, Role
from tenants.core.services import audit
from tenants.portal.profiles.models import (
    ConsentRecord,
    DeletionRequest,
    Establishment,
    Gender,
    LanguageLevel,
    Level,
    StudentProfile,
    StudyField,
)
from tenants.portal.settings.services import settings_in
from tenants.portal.visits.models import Visit

log = logging.getLogger(__name__)

SHARE_WITH_COMPANIES = "share_with_companies"
# bump when the wording of the consent shown to students changes
CONSENT_TEXT_VERSION = "2026-01"
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"

# Other portal areas (bookings, registrations, questionnaires) register here what they must
# scrub when a student's deletion is approved; each runs inside the same transaction.
Anonymiser = Callable[[Session, int, int], None]  # (session, tenant_id, membership_id)
_ANONYMISERS: list[Anonymiser] = []


def register_anonymiser(fn: Anonymiser) -> Anonymiser:
    if fn not in _ANONYMISERS:
        _ANONYMISERS.append(fn)
    return fn


# Called (session, tenant_id, profile_id) in the same transaction whenever a profile is
# created, changed, given a CV or anonymised: the sourcing search index follows it.
ProfileSavedHook = Callable[[Session, int, int], None]
PROFILE_SAVED_HOOKS: list[ProfileSavedHook] = []


def _profile_saved(s: Session, tenant_id: int, profile_id: int | None) -> None:
    if profile_id is None:
        return
    for fn in PROFILE_SAVED_HOOKS:
        fn(s, tenant_id, profile_id)


# ---------------------------------------------------------------- input cleaning

_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ().-]{5,24}$")


# in the validators (ValueError "<code>:<message>"); a line has its spaces collapsed
_line = partial(clean_field, coerce=True, invalid_code="invalid", too_long_code="too_long")
_para = partial(_line, multiline=True)


def clean_phone(value: str) -> str:
    v = _line(value, 30, too_long_code="invalid_phone")
    if v and not _PHONE_RE.match(v):
        raise ValueError("invalid_phone:digits, spaces and an optional leading +")
    return v


def clean_skills(values: list[str]) -> list[str]:
    """Skills as typed (a student's, a job need's): each a line, blanks and case-insensitive
    repeats left out, in their order."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in values:
        v = _line(raw, 60)
        if v and v.casefold() not in seen:
            seen.add(v.casefold())
            out.append(v)
    return out


def _list_name(value: str, max_len: int) -> str:
    """The name of a BD05 list's item (an establishment, a field of study)."""
    v = _line(value, max_len)
    if len(v) < 2:
        raise ValueError("name_required:a name is required")
    return v


class LanguageInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: str
    level: LanguageLevel

    @field_validator("language")
    @classmethod
    def _lang(cls, v: str) -> str:
        v = _line(v, 60)
        if not v:
            raise ValueError("invalid:language name required")
        return v


class ExperienceInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    organisation: str = ""
    start: date
    end: date | None = None
    description: str = ""

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        v = _line(v, 150)
        if not v:
            raise ValueError("invalid:title required")
        return v

    @field_validator("organisation")
    @classmethod
    def _org(cls, v: str) -> str:
        return _line(v, 150)

    @field_validator("description")
    @classmethod
    def _desc(cls, v: str) -> str:
        return _para(v, 2000)

    @model_validator(mode="after")
    def _dates(self) -> ExperienceInput:
        if self.end is not None and self.end < self.start:
            raise ValueError("experience_dates:the end comes before the start")
        return self


class ProfileInput(BaseModel):
    """A change of the profile: only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")
    full_name: str | None = None
    phone: str = ""
    establishment_id: int | None = None
    field_id: int | None = None
    track: str = ""
    level: Level | None = None
    gender: str = ""
    graduation_year: int | None = Field(default=None, ge=1980, le=2100)
    graduation_month: int | None = Field(default=None, ge=1, le=12)
    languages: list[LanguageInput] = Field(default_factory=list, max_length=20)
    skills: list[str] = Field(default_factory=list, max_length=50)
    experiences: list[ExperienceInput] = Field(default_factory=list, max_length=30)

    @field_validator("full_name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = _line(v, 200)
        if len(v) < 2:
            raise ValueError("invalid_name:full name: 2 to 200 characters")
        return v

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        return clean_phone(v)

    @field_validator("track")
    @classmethod
    def _track(cls, v: str) -> str:
        return _line(v, 150)

    @field_validator("gender")
    @classmethod
    def _gender(cls, v: str) -> str:
        v = (v or "").strip()
        if v and v not in {g.value for g in Gender}:
            raise ValueError("invalid_gender:female, male or left blank")
        return v

    @field_validator("skills")
    @classmethod
    def _skills(cls, values: list[str]) -> list[str]:
        return clean_skills(values)


class EstablishmentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    city: str = ""
    is_host: bool = False
    active: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _list_name(v, 200)

    @field_validator("city")
    @classmethod
    def _city(cls, v: str) -> str:
        return _line(v, 100)


class StudyFieldInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    sector: str = ""
    tracks: list[str] = Field(default_factory=list, max_length=100)
    active: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _list_name(v, 150)

    @field_validator("sector")
    @classmethod
    def _sector(cls, v: str) -> str:
        return _line(v, 150)

    @field_validator("tracks")
    @classmethod
    def _tracks(cls, values: list[str]) -> list[str]:
        out: list[str] = []
        for raw in values:
            v = _line(raw, 150)
            if v and v not in out:
                out.append(v)
        return out


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class EstablishmentView:
    id: int
    name: str
    city: str
    is_host: bool
    active: bool


@dataclass(frozen=True)
class StudyFieldView:
    id: int
    name: str
    sector: str
    tracks: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class ConsentState:
    granted: bool
    at: datetime | None
    text_version: str


@dataclass(frozen=True)
class ConsentEntry:
    granted: bool
    at: datetime
    text_version: str


@dataclass(frozen=True)
class ProfileView:
    membership_id: int
    email: str
    full_name: str
    phone: str
    establishment: EstablishmentView | None
    field: StudyFieldView | None
    track: str
    level: str | None
    graduation_year: int | None
    graduation_month: int | None
    languages: tuple[dict, ...]
    skills: tuple[str, ...]
    experiences: tuple[dict, ...]
    cv_filename: str
    cv_size: int | None
    cv_uploaded_at: datetime | None
    consent: ConsentState
    updated_at: datetime | None
    deletion_pending: bool = False
    gender: str = ""

    @property
    def has_cv(self) -> bool:
        return bool(self.cv_filename)


@dataclass(frozen=True)
class DeletionRequestView:
    id: int
    membership_id: int
    student_name: str
    student_email: str
    status: str
    reason: str
    requested_at: datetime
    handled_at: datetime | None
    rejection_reason: str


@dataclass
class ExportData:
    """What `export_my_data` returns; `as_dict()` is plain JSON."""

    content: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return self.content


def _est_view(e: Establishment | None) -> EstablishmentView | None:
    return EstablishmentView(e.id, e.name, e.city, e.is_host, e.active) if e else None


def _field_view(f: StudyField | None) -> StudyFieldView | None:
    return StudyFieldView(f.id, f.name, f.sector, tuple(f.tracks), f.active) if f else None


# ---------------------------------------------------------------- lookups

def _own_student_membership(actor: Actor, tenant_id: int) -> int:
    """The acting student's membership in this centre."""
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    if actor.membership_id is None or Role.STUDENT.value not in actor.roles:
        raise Forbidden("only students have a profile", code="not_a_student")
    return actor.membership_id


def _require_self_or_staff(actor: Actor, tenant_id: int, membership_id: int) -> None:
    """The student themself, or staff with STUDENT_VIEW; never anyone else."""
    own = actor is not None and actor.tenant_id == tenant_id and actor.membership_id == membership_id
    if own:
        _own_student_membership(actor, tenant_id)
    else:
        require(actor, Perm.STUDENT_VIEW, tenant_id=tenant_id)


def student_membership(s: Session, tenant_id: int, membership_id: int) -> tuple[Membership, Account]:
    """A student of this centre, or NotFound (another centre's id included)."""
    row = s.exec(
        select(Membership, Account).join(Account, Account.id == Membership.account_id)
        .where(Membership.id == membership_id, Membership.tenant_id == tenant_id)
    ).first()
    if row is None or Role.STUDENT.value not in row[0].roles:
        raise NotFound("student not found", code="student_not_found")
    return row


def _profile_of(s: Session, membership_id: int, *, for_update: bool = False) -> StudentProfile | None:
    q = select(StudentProfile).where(StudentProfile.membership_id == membership_id)
    if for_update:
        q = q.with_for_update()
    return s.exec(q).first()


def ensure_profile(s: Session, tenant_id: int, membership_id: int, *, for_update: bool = False) -> StudentProfile:
    """The student's profile row, created on first use.

    INSERT … ON CONFLICT DO NOTHING, then read: two first visits at once make one row.
    """
    now = utcnow()
    values = dict(tenant_id=tenant_id, membership_id=membership_id, full_name="", phone="", track="",
                  languages=[], skills=[], experiences=[], cv_filename="",
                  qr_code=secrets.token_urlsafe(18), created_at=now, updated_at=now)
    dialect = s.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(StudentProfile.__table__)
    res = s.execute(ins.values(**values).on_conflict_do_nothing(index_elements=["tenant_id", "membership_id"]))
    row = _profile_of(s, membership_id, for_update=for_update)
    assert row is not None
    if res.rowcount == 1:
        _profile_saved(s, tenant_id, row.id)
    return row


def _consent_of(row: ConsentRecord | None) -> ConsentState:
    return ConsentState(False, None, "") if row is None else ConsentState(row.granted, row.at, row.text_version)


def consent_state(s: Session, membership_id: int, purpose: str = SHARE_WITH_COMPANIES) -> ConsentState:
    row = s.exec(select(ConsentRecord).where(ConsentRecord.membership_id == membership_id,
                                             ConsentRecord.purpose == purpose)
                 .order_by(ConsentRecord.id.desc()).limit(1)).first()
    return _consent_of(row)


def _build_view(s: Session, m: Membership, a: Account, p: StudentProfile | None, *,
                consent: ConsentState | None = None, deletion_pending: bool | None = None) -> ProfileView:
    """One student's view; a list passes `consent` and `deletion_pending` it loaded for the whole page."""
    est = s.get(Establishment, p.establishment_id) if p and p.establishment_id else None
    fld = s.get(StudyField, p.field_id) if p and p.field_id else None
    if deletion_pending is None:
        deletion_pending = s.exec(select(DeletionRequest.id).where(
            DeletionRequest.membership_id == m.id, DeletionRequest.status == PENDING)).first() is not None
    return ProfileView(
        membership_id=m.id, email=a.email, full_name=(p.full_name if p and p.full_name else a.full_name),
        phone=p.phone if p else "", establishment=_est_view(est), field=_field_view(fld),
        track=p.track if p else "", level=p.level if p else None,
        graduation_year=p.graduation_year if p else None, graduation_month=p.graduation_month if p else None,
        languages=tuple(p.languages) if p else (), skills=tuple(p.skills) if p else (),
        experiences=tuple(p.experiences) if p else (),
        cv_filename=p.cv_filename if p and p.cv_key else "", cv_size=p.cv_size if p and p.cv_key else None,
        cv_uploaded_at=p.cv_uploaded_at if p and p.cv_key else None,
        consent=consent if consent is not None else consent_state(s, m.id),
        updated_at=p.updated_at if p else None, deletion_pending=deletion_pending,
        gender=p.gender if p else "",
    )


# ---------------------------------------------------------------- BD05 lists

def list_establishments(actor: Actor, tenant_id: int, *, include_inactive: bool = False) -> list[EstablishmentView]:
    require(actor, Perm.TENANT_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        q = select(Establishment).order_by(Establishment.is_host.desc(), Establishment.name)
        if not include_inactive:
            q = q.where(Establishment.active)
        return [_est_view(e) for e in s.exec(q).all()]


def _save_list_item(actor: Actor, tenant_id: int, model: type, inp: BaseModel, item_id: int | None, *,
                    action: str, not_found: NotFound, exists: Conflict) -> Any:
    """Create (no id) or change an item of a BD05 list. Deactivate rather than delete: profiles point at it."""
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            if item_id is None:
                item = model(tenant_id=tenant_id)
            else:
                item = s.get(model, item_id)
                if item is None:
                    raise not_found
            for k, v in inp.model_dump().items():
                setattr(item, k, v)
            s.add(item)
            s.flush()
            audit(s, actor, f"{action}.saved", tenant_id=tenant_id, target_type=action, target_id=item.id,
                  **inp.model_dump())
            return item
    except IntegrityError as exc:
        raise exists from exc


def do_save_establishment(actor: Actor, tenant_id: int, data: dict | EstablishmentInput, *,
                          establishment_id: int | None = None) -> EstablishmentView:
    require(actor, Perm.STUDENT_MANAGE, tenant_id=tenant_id)
    inp = parse(EstablishmentInput, data)
    return _est_view(_save_list_item(
        actor, tenant_id, Establishment, inp, establishment_id, action="establishment",
        not_found=NotFound("establishment not found", code="establishment_not_found"),
        exists=Conflict("an establishment with this name exists", code="establishment_exists")))


def list_study_fields(actor: Actor, tenant_id: int, *, include_inactive: bool = False) -> list[StudyFieldView]:
    require(actor, Perm.TENANT_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        q = select(StudyField).order_by(StudyField.name)
        if not include_inactive:
            q = q.where(StudyField.active)
        return [_field_view(f) for f in s.exec(q).all()]


def do_save_study_field(actor: Actor, tenant_id: int, data: dict | StudyFieldInput, *,
                        field_id: int | None = None) -> StudyFieldView:
    require(actor, Perm.STUDENT_MANAGE, tenant_id=tenant_id)
    inp = parse(StudyFieldInput, data)
    return _field_view(_save_list_item(
        actor, tenant_id, StudyField, inp, field_id, action="study_field",
        not_found=NotFound("field of study not found", code="field_not_found"),
        exists=Conflict("a field of study with this name exists", code="field_exists")))


# ---------------------------------------------------------------- profile

def get_my_profile(actor: Actor, tenant_id: int) -> ProfileView:
    mid = _own_student_membership(actor, tenant_id)
    with tenant_session(tenant_id) as s:
        m, a = student_membership(s, tenant_id, mid)
        return _build_view(s, m, a, _profile_of(s, mid))


def get_student_profile(actor: Actor, tenant_id: int, membership_id: int) -> ProfileView:
    """Staff read a student's profile (and the student their own)."""
    if actor is not None and actor.membership_id == membership_id and actor.tenant_id == tenant_id:
        return get_my_profile(actor, tenant_id)
    require(actor, Perm.STUDENT_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        m, a = student_membership(s, tenant_id, membership_id)
        return _build_view(s, m, a, _profile_of(s, membership_id))


def do_update_my_profile(actor: Actor, tenant_id: int, data: dict | ProfileInput) -> ProfileView:
    mid = _own_student_membership(actor, tenant_id)
    inp = parse(ProfileInput, data)
    sent = inp.model_fields_set
    with tenant_session(tenant_id) as s, transaction(s):
        m, a = student_membership(s, tenant_id, mid)
        p = ensure_profile(s, tenant_id, mid, for_update=True)
        est_id = inp.establishment_id if "establishment_id" in sent else p.establishment_id
        if est_id is not None and "establishment_id" in sent:
            e = s.get(Establishment, est_id)
            if e is None or not e.active:
                raise NotFound("establishment not found", code="establishment_not_found")
        field_id = inp.field_id if "field_id" in sent else p.field_id
        track = inp.track if "track" in sent else p.track
        if field_id is not None:
            f = s.get(StudyField, field_id)
            if f is None or ("field_id" in sent and not f.active):
                raise NotFound("field of study not found", code="field_not_found")
            if track and f.tracks and track not in f.tracks:
                raise Invalid("this track is not one of the field's tracks", code="unknown_track")
        elif track:
            raise Invalid("choose the field of study of this track", code="track_without_field")
        if "full_name" in sent:
            p.full_name = inp.full_name or ""  # empty: the account's name is shown
        if "phone" in sent:
            p.phone = inp.phone
        if "level" in sent:
            p.level = inp.level.value if inp.level else None
        if "gender" in sent:
            p.gender = inp.gender
        if "graduation_year" in sent:
            p.graduation_year = inp.graduation_year
        if "graduation_month" in sent:
            p.graduation_month = inp.graduation_month
        p.establishment_id, p.field_id, p.track = est_id, field_id, track
        if "languages" in sent:
            p.languages = [x.model_dump(mode="json") for x in inp.languages]
        if "skills" in sent:
            p.skills = list(inp.skills)
        if "experiences" in sent:
            p.experiences = [x.model_dump(mode="json") for x in inp.experiences]
        p.updated_at = utcnow()
        s.add(p)
        audit(s, actor, "profile.updated", tenant_id=tenant_id, target_type="student_profile",
              target_id=p.id, fields=sorted(sent))
        s.flush()
        _profile_saved(s, tenant_id, p.id)
        return _build_view(s, m, a, p)


def list_student_profiles(actor: Actor, tenant_id: int, *, consenting_only: bool = False,
                          query: str = "", limit: int = 50, offset: int = 0, field_id: int | None = None,
                          establishment_id: int | None = None, level: str | None = None) -> list[ProfileView]:
    """Staff's list of students; `consenting_only` keeps those who currently agree to share
    their profile with companies (what the sourcing pipeline may use). `field_id`,
    `establishment_id` and `level` keep the students whose profile says so."""
    require(actor, Perm.STUDENT_VIEW, tenant_id=tenant_id)
    limit = min(max(int(limit), 1), 200)
    if level is not None and level not in {lv.value for lv in Level}:
        raise Invalid("unknown level", code="invalid_filter")
    with tenant_session(tenant_id) as s:
        # the name shown is the profile's when the student gave one, else the account's
        shown_name = func.coalesce(func.nullif(StudentProfile.full_name, ""), Account.full_name)
        q = (select(Membership, Account).join(Account, Account.id == Membership.account_id)
             # the profile row of this centre (the session's tenant criteria apply to it too)
             .join(StudentProfile, StudentProfile.membership_id == Membership.id, isouter=True)
             .where(Membership.active).order_by(shown_name, Membership.id))
        if field_id is not None:
            q = q.where(StudentProfile.field_id == field_id)
        if establishment_id is not None:
            q = q.where(StudentProfile.establishment_id == establishment_id)
        if level is not None:
            q = q.where(StudentProfile.level == level)
        query = "".join(ch for ch in (query or "") if ch.isprintable()).strip().lower()
        if query:
            like = f"%{query}%"
            q = q.where(Account.email.ilike(like) | Account.full_name.ilike(like)
                        | StudentProfile.full_name.ilike(like))
        # roles are a JSON list of plain names: the quoted name matches exactly one role
        q = q.where(cast(Membership.roles, String).like(f'%"{Role.STUDENT.value}"%'))
        rows = s.exec(q).all()
        ids = [m.id for m, _ in rows]
        consents: dict[int, ConsentState] = {}
        for c in s.exec(select(ConsentRecord).where(ConsentRecord.membership_id.in_(ids),
                                                    ConsentRecord.purpose == SHARE_WITH_COMPANIES)
                        .order_by(ConsentRecord.id)).all():
            consents[c.membership_id] = _consent_of(c)  # the latest record wins
        if consenting_only:
            rows = [(m, a) for m, a in rows if consents.get(m.id, _consent_of(None)).granted]
        page = rows[offset:offset + limit]
        page_ids = [m.id for m, _ in page]
        profiles = {p.membership_id: p for p in s.exec(
            select(StudentProfile).where(StudentProfile.membership_id.in_(page_ids))).all()}
        pending = set(s.exec(select(DeletionRequest.membership_id).where(
            DeletionRequest.membership_id.in_(page_ids), DeletionRequest.status == PENDING)).all())
        return [_build_view(s, m, a, profiles.get(m.id), consent=consents.get(m.id, _consent_of(None)),
                            deletion_pending=m.id in pending) for m, a in page]


# ---------------------------------------------------------------- CV

def check_pdf(data: bytes, max_bytes: int) -> None:
    """A real, readable PDF within the size limit; raises Invalid otherwise."""
    if not data:
        raise Invalid("the file is empty", code="cv_empty")
    if len(data) > max_bytes:
        raise Invalid(f"the file is larger than {max_bytes // 1024} KB", code="cv_too_large",
                      max_bytes=max_bytes)
    # The magic bytes first (cheap), then a full parse: a renamed .docx or an HTML page with
    # a %PDF- prefix is refused.
    if not data.startswith(b"%PDF-"):
        raise Invalid("only PDF files are accepted", code="cv_not_pdf")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Invalid("password-protected PDFs cannot be read by the team", code="cv_encrypted")
        pages = len(reader.pages)
    except Invalid:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on broken files
        raise Invalid("this file is not a readable PDF", code="cv_not_pdf") from exc
    if pages < 1:
        raise Invalid("this PDF has no page", code="cv_not_pdf")


def _clean_filename(name: str) -> str:
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?').strip(" .")
    stem = base[:-4] if base.lower().endswith(".pdf") else base
    return (stem[:150] or "cv") + ".pdf"


def do_upload_cv(actor: Actor, tenant_id: int, *, filename: str, data: bytes) -> ProfileView:
    """Store the student's CV privately; a new upload replaces (and removes) the old file."""
    mid = _own_student_membership(actor, tenant_id)
    with tenant_session(tenant_id) as s:
        max_bytes = settings_in(s, tenant_id).cv_max_bytes
    check_pdf(data, max_bytes)
    key = storage.save_private(tenant_id, "cv", data, ext="pdf")
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            m, a = student_membership(s, tenant_id, mid)
            # the row lock makes concurrent uploads replace each other in turn, so each one
            # removes exactly the file it replaced and none is left behind
            p = ensure_profile(s, tenant_id, mid, for_update=True)
            old_key = p.cv_key
            p.cv_key, p.cv_filename, p.cv_size = key, _clean_filename(filename), len(data)
            p.cv_uploaded_at = p.updated_at = utcnow()
            s.add(p)
            audit(s, actor, "profile.cv_uploaded", tenant_id=tenant_id, target_type="student_profile",
                  target_id=p.id, size=len(data))
            s.flush()
            _profile_saved(s, tenant_id, p.id)
            view = _build_view(s, m, a, p)
    except BaseException:
        storage.delete_private(tenant_id, key)
        raise
    storage.delete_private(tenant_id, old_key)
    return view


def do_delete_cv(actor: Actor, tenant_id: int) -> None:
    mid = _own_student_membership(actor, tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        p = _profile_of(s, mid, for_update=True)
        if p is None or not p.cv_key:
            raise NotFound("no CV on file", code="no_cv")
        old_key = p.cv_key
        p.cv_key, p.cv_filename, p.cv_size, p.cv_uploaded_at = None, "", None, None
        s.add(p)
        audit(s, actor, "profile.cv_deleted", tenant_id=tenant_id, target_type="student_profile", target_id=p.id)
    storage.delete_private(tenant_id, old_key)


def open_cv(actor: Actor, tenant_id: int, student_membership_id: int) -> tuple[str, bytes]:
    """The CV file for the student themself or staff with STUDENT_VIEW; never anyone else."""
    _require_self_or_staff(actor, tenant_id, student_membership_id)
    with tenant_session(tenant_id) as s:
        student_membership(s, tenant_id, student_membership_id)
        p = _profile_of(s, student_membership_id)
        if p is None or not p.cv_key:
            raise NotFound("no CV on file", code="no_cv")
        filename, key = p.cv_filename, p.cv_key
    try:
        return filename, storage.read_private(tenant_id, key)
    except FileNotFoundError as exc:
        log.error("CV file missing for tenant %s profile of membership %s", tenant_id, student_membership_id)
        raise NotFound("no CV on file", code="no_cv") from exc


# ---------------------------------------------------------------- consent

def do_set_consent(actor: Actor, tenant_id: int, *, granted: bool) -> ConsentState:
    """Grant or revoke consent to share the profile with companies: a new dated row each time."""
    mid = _own_student_membership(actor, tenant_id)
    if not isinstance(granted, bool):
        raise Invalid("granted must be true or false", code="invalid")
    with tenant_session(tenant_id) as s, transaction(s):
        student_membership(s, tenant_id, mid)
        row = ConsentRecord(tenant_id=tenant_id, membership_id=mid, purpose=SHARE_WITH_COMPANIES,
                            granted=granted, text_version=CONSENT_TEXT_VERSION)
        s.add(row)
        audit(s, actor, "consent.granted" if granted else "consent.revoked", tenant_id=tenant_id,
              target_type="membership", target_id=mid, purpose=SHARE_WITH_COMPANIES,
              text_version=CONSENT_TEXT_VERSION)
        s.flush()
        _profile_saved(s, tenant_id, getattr(_profile_of(s, mid), "id", None))
        return ConsentState(row.granted, row.at, row.text_version)


def consent_history(actor: Actor, tenant_id: int, membership_id: int) -> list[ConsentEntry]:
    _require_self_or_staff(actor, tenant_id, membership_id)
    with tenant_session(tenant_id) as s:
        student_membership(s, tenant_id, membership_id)
        rows = s.exec(select(ConsentRecord).where(ConsentRecord.membership_id == membership_id)
                      .order_by(ConsentRecord.id)).all()
        return [ConsentEntry(r.granted, r.at, r.text_version) for r in rows]


# ---------------------------------------------------------------- export

def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (datetime, date)) else v


def export_my_data(actor: Actor, tenant_id: int) -> dict[str, Any]:
    """Everything this centre holds about the acting student, as plain JSON-ready data."""
    mid = _own_student_membership(actor, tenant_id)
    with tenant_session(tenant_id) as s:
        m, a = student_membership(s, tenant_id, mid)
        p = _profile_of(s, mid)
        view = _build_view(s, m, a, p)
        profile = {k: _iso(v) for k, v in asdict(view).items()
                   if k not in ("membership_id", "email", "consent", "cv_filename", "cv_size",
                                "cv_uploaded_at", "deletion_pending")}
        consents = s.exec(select(ConsentRecord).where(ConsentRecord.membership_id == mid)
                          .order_by(ConsentRecord.id)).all()
        visits = s.exec(select(Visit).where(Visit.student_membership_id == mid).order_by(Visit.at)).all()
        requests = s.exec(select(DeletionRequest).where(DeletionRequest.membership_id == mid)
                          .order_by(DeletionRequest.id)).all()
        files = []
        if p is not None and p.cv_key:
            files.append({"kind": "cv", "filename": p.cv_filename, "size": p.cv_size,
                          "uploaded_at": _iso(p.cv_uploaded_at)})
        data = {
            "exported_at": utcnow().isoformat(),
            "account": {"email": a.email, "full_name": a.full_name, "locale": a.locale,
                        "created_at": _iso(a.created_at)},
            "membership": {"id": m.id, "roles": list(m.roles), "joined_at": _iso(m.created_at)},
            "profile": profile,
            "consents": [{"purpose": c.purpose, "granted": c.granted, "text_version": c.text_version,
                          "at": _iso(c.at)} for c in consents],
            "visits": [{"at": _iso(v.at), "channel": v.channel, "needs": list(v.needs),
                        "orientation": v.orientation, "event_id": v.event_id} for v in visits],
            "deletion_requests": [{"status": r.status, "reason": r.reason, "requested_at": _iso(r.requested_at),
                                   "handled_at": _iso(r.handled_at), "rejection_reason": r.rejection_reason}
                                  for r in requests],
            "files": files,
        }
    with tenant_session(tenant_id) as s, transaction(s):
        audit(s, actor, "profile.exported", tenant_id=tenant_id, target_type="membership", target_id=mid)
    return data


# ---------------------------------------------------------------- deletion

def _request_view(r: DeletionRequest, a: Account) -> DeletionRequestView:
    return DeletionRequestView(r.id, r.membership_id, a.full_name, a.email, r.status, r.reason,
                               r.requested_at, r.handled_at, r.rejection_reason)


def do_request_deletion(actor: Actor, tenant_id: int, *, reason: str = "") -> DeletionRequestView:
    mid = _own_student_membership(actor, tenant_id)
    with as_invalid():
        reason = _para(reason, 2000)
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            _m, a = student_membership(s, tenant_id, mid)
            r = DeletionRequest(tenant_id=tenant_id, membership_id=mid, reason=reason)
            s.add(r)
            s.flush()  # the partial unique index refuses a second open request here
            audit(s, actor, "deletion.requested", tenant_id=tenant_id, target_type="deletion_request",
                  target_id=r.id)
            return _request_view(r, a)
    except IntegrityError as exc:
        raise Conflict("a deletion request is already open", code="deletion_already_requested") from exc


def list_deletion_requests(actor: Actor, tenant_id: int, *, status: str | None = PENDING) -> list[DeletionRequestView]:
    require(actor, Perm.STUDENT_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        q = (select(DeletionRequest, Account)
             .join(Membership, (Membership.id == DeletionRequest.membership_id)
                   & (Membership.tenant_id == DeletionRequest.tenant_id))
             .join(Account, Account.id == Membership.account_id).order_by(DeletionRequest.requested_at))
        if status:
            q = q.where(DeletionRequest.status == status)
        return [_request_view(r, a) for r, a in s.exec(q).all()]


def _anonymise(s: Session, tenant_id: int, membership_id: int) -> str | None:
    """Scrub the student's personal data in this centre; returns the CV key to remove after commit.

    Statistics survive: the profile row keeps level, field, establishment and graduation year but
    is detached from the person; visits keep date, channel and needs but lose the person and the
    counselor's free text. The membership is deactivated. The account is network-wide (the person
    may use other centres) and is not touched here.
    """
    p = _profile_of(s, membership_id, for_update=True)
    cv_key = None
    if p is not None:
        cv_key = p.cv_key
        p.membership_id = None
        p.full_name = p.phone = p.track = p.cv_filename = ""
        p.languages, p.skills, p.experiences = [], [], []
        p.qr_code = p.cv_key = None
        p.cv_size = p.cv_uploaded_at = None
        p.anonymised_at = p.updated_at = utcnow()
        s.add(p)
        s.flush()
        _profile_saved(s, tenant_id, p.id)
    s.execute(update(Visit).where(Visit.student_membership_id == membership_id)
              .values(student_membership_id=None, orientation="")
              .execution_options(synchronize_session=False))
    for c in s.exec(select(ConsentRecord).where(ConsentRecord.membership_id == membership_id)).all():
        s.delete(c)
    for fn in _ANONYMISERS:
        fn(s, tenant_id, membership_id)
    m = s.get(Membership, membership_id)
    if m is not None:
        m.active = False
        s.add(m)
    return cv_key


def do_handle_deletion_request(actor: Actor, tenant_id: int, request_id: int, *, approve: bool,
                               rejection_reason: str = "") -> DeletionRequestView:
    """Approve (anonymise the profile, remove the CV) or reject with a reason."""
    require(actor, Perm.STUDENT_MANAGE, tenant_id=tenant_id)
    rejection_reason = " ".join((rejection_reason or "").split())[:2000]
    if not approve and not rejection_reason:
        raise Invalid("say why the request is rejected", code="reason_required")
    now = utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        r = s.get(DeletionRequest, request_id)
        if r is None:
            raise NotFound("deletion request not found", code="deletion_request_not_found")
        # Only one handler wins: the status moves from pending in a conditional UPDATE.
        res = s.execute(
            update(DeletionRequest)
            .where(DeletionRequest.id == request_id, DeletionRequest.status == PENDING)
            .values(status=APPROVED if approve else REJECTED, handled_at=now,
                    handled_by_membership_id=actor.membership_id, rejection_reason=rejection_reason)
            .execution_options(synchronize_session=False))
        if res.rowcount != 1:
            raise Conflict("this request was already handled", code="deletion_already_handled")
        s.refresh(r)
        m = s.get(Membership, r.membership_id)
        a = s.get(Account, m.account_id)
        cv_key = _anonymise(s, tenant_id, r.membership_id) if approve else None
        audit(s, actor, "deletion.approved" if approve else "deletion.rejected", tenant_id=tenant_id,
              target_type="deletion_request", target_id=r.id,
              **({} if approve else {"reason": rejection_reason}))
        view = _request_view(r, a)
    if cv_key:
        storage.delete_private(tenant_id, cv_key)
    return view
