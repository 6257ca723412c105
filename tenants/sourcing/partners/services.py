"""The partner map and contacts (BD01): companies, the people linked to them and the history of
interactions with them.

Staff read with PARTNER_VIEW and write with PARTNER_MANAGE. A company is recognised by its
normalised name (`company_key`): creating a second "Acme S.A.R.L." next to "ACME" is refused
(duplicate_company) unless the caller says to create it anyway. Duplicates are merged, never
deleted: the merged row keeps `merged_into_id`, disappears from lists, and reading it answers
the company it was merged into (a bookmarked link keeps working). Every change is audited.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from sqlalchemy import update
from sqlmodel import Session, func, select

from integrations.db import tenant_session, transaction, utcnow
from integrations.errors import Conflict, Invalid, NotFound
from integrations.validation import parse
from tenants.auth.services import clean_email
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership
from tenants.core.roles import Perm
from tenants.core.services import audit
from tenants.portal.profiles.services import clean_phone
from tenants.sourcing.needs.models import CompanyAccessRequest, JobNeed
from tenants.sourcing.offers.models import Offer
from tenants.sourcing.partners.models import (
    Company,
    CompanySize,
    Interaction,
    InteractionKind,
    Person,
    PersonKind,
    Relationship,
)
from tenants.sourcing.pipeline.models import ProfileShare

MAX_PAGE = 200
# a merge chain longer than this is a defect, not data: stop following it
_MAX_HOPS = 20

T = TypeVar("T")


# ---------------------------------------------------------------- keys

# legal forms and group words left out when comparing names ("Groupe OCP" and "OCP S.A." are one)
LEGAL_SUFFIXES = frozenset({
    "sa", "sarl", "sarlau", "sas", "sasu", "snc", "scs", "eurl", "ltd", "llc", "inc", "plc", "gmbh", "ag",
    "bv", "nv", "spa", "srl", "co", "corp", "corporation", "company", "cie", "group", "groupe", "holding",
})


def _fold(text: str) -> str:
    """Case-folded, accents stripped (NFKD, combining marks dropped)."""
    decomposed = unicodedata.normalize("NFKD", str(text or "").casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _tokens(text: str) -> list[str]:
    # dots inside abbreviations join their letters ("S.A.R.L." is "sarl"); other punctuation splits
    folded = _fold(text).replace(".", "")
    return "".join(ch if ch.isalnum() else " " for ch in folded).split()


def company_key(name: str) -> str:
    """What duplicate detection compares: lower-case, accents stripped, punctuation collapsed,
    legal forms left out ("Société Générale S.A." → "societe generale")."""
    tokens = _tokens(name)
    kept = [tok for tok in tokens if tok not in LEGAL_SUFFIXES]
    return " ".join(kept or tokens)[:200]


def person_key(name: str) -> str:
    return " ".join(_tokens(name))[:200]


# ---------------------------------------------------------------- cleaning

def line_text(value: object, max_len: int) -> str:
    """One line: spaces collapsed, no control characters (PostgreSQL refuses NUL)."""
    v = " ".join(str(value or "").split())
    if not v.isprintable():
        raise ValueError("invalid:control characters are not allowed")
    if len(v) > max_len:
        raise ValueError(f"text_too_long:at most {max_len} characters")
    return v


def para_text(value: object, max_len: int) -> str:
    v = str(value or "").strip()
    if any(not (ch.isprintable() or ch in "\n\t") for ch in v):
        raise ValueError("invalid:control characters are not allowed")
    if len(v) > max_len:
        raise ValueError(f"text_too_long:at most {max_len} characters")
    return v


def clean_website(value: object) -> str:
    """A web address; "www.acme.ma" is read as https://www.acme.ma."""
    v = line_text(value, 300)
    if not v:
        return ""
    if "://" not in v:
        v = "https://" + v
    try:
        parts = urlsplit(v)
    except ValueError:
        raise ValueError("invalid_website:not a web address") from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or "." not in host or " " in v or host.startswith("."):
        raise ValueError("invalid_website:not a web address")
    return v


def _choice(value: object, allowed: type, code: str, *, blank_ok: bool = False) -> str:
    v = str(value or "").strip().lower()
    if blank_ok and not v:
        return ""
    if v not in {e.value for e in allowed}:
        raise ValueError(f"{code}:unknown value {v!r}")
    return v


def _email(value: object) -> str:
    v = str(value or "").strip()
    if not v:
        return ""
    try:
        return clean_email(v)
    except Invalid:
        raise ValueError("invalid_email:invalid e-mail address") from None


def _phone(value: object) -> str:
    return clean_phone(str(value or ""))


def _company_name(v: object) -> str:
    v = line_text(v, 200)
    if not v:
        raise ValueError("name_required:the company's name is required")
    return v


def _person_name(v: object) -> str:
    v = line_text(v, 200)
    if len(v) < 2:
        raise ValueError("invalid_name:full name: 2 to 200 characters")
    return v


# ---------------------------------------------------------------- input

class CompanyInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    sector: str = ""
    size: str = ""
    city: str = ""
    website: str = ""
    relationship: str = Relationship.PROSPECT.value
    key_partner: bool = False
    notes: str = ""

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, v: object) -> str:
        return _company_name(v)

    @field_validator("sector", mode="before")
    @classmethod
    def _sector(cls, v: object) -> str:
        return line_text(v, 150)

    @field_validator("city", mode="before")
    @classmethod
    def _city(cls, v: object) -> str:
        return line_text(v, 100)

    @field_validator("size", mode="before")
    @classmethod
    def _size(cls, v: object) -> str:
        return _choice(v, CompanySize, "invalid_size", blank_ok=True)

    @field_validator("relationship", mode="before")
    @classmethod
    def _relationship(cls, v: object) -> str:
        return _choice(v or Relationship.PROSPECT.value, Relationship, "invalid_relationship")

    @field_validator("website", mode="before")
    @classmethod
    def _website(cls, v: object) -> str:
        return clean_website(v)

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, v: object) -> str:
        return para_text(v, 4000)


class CompanyPatch(CompanyInput):
    """A partial change: only the fields given are changed."""

    name: str | None = None  # type: ignore[assignment]
    relationship: str | None = None  # type: ignore[assignment]
    key_partner: bool | None = None  # type: ignore[assignment]

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, v: object) -> str | None:
        return None if v is None else _company_name(v)

    @field_validator("relationship", mode="before")
    @classmethod
    def _relationship(cls, v: object) -> str | None:
        return None if v is None else _choice(v, Relationship, "invalid_relationship")


class ContactIn(BaseModel):
    """A contact person's name, phone and job title, as a contact record and a company's access
    request take them (each model declares the fields, in its own order)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("full_name", mode="before", check_fields=False)
    @classmethod
    def _name(cls, v: object) -> str:
        return _person_name(v)

    @field_validator("phone", mode="before", check_fields=False)
    @classmethod
    def _phone(cls, v: object) -> str:
        return _phone(v)

    @field_validator("job_title", mode="before", check_fields=False)
    @classmethod
    def _title(cls, v: object) -> str:
        return line_text(v, 150)


class PersonInput(ContactIn):
    full_name: str
    kind: str = PersonKind.HR.value
    email: str = ""
    phone: str = ""
    job_title: str = ""
    company_id: int | None = None
    notes: str = ""

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: object) -> str:
        return _choice(v or PersonKind.HR.value, PersonKind, "invalid_person_kind")

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, v: object) -> str:
        return _email(v)

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, v: object) -> str:
        return para_text(v, 4000)

    @field_validator("company_id", mode="before")
    @classmethod
    def _company(cls, v: object) -> int | None:
        if v in (None, "", 0, "0"):
            return None
        if isinstance(v, bool) or not str(v).strip().isdigit() or not 0 < int(str(v).strip()) < 2**31:
            raise ValueError("not_found:company not found")
        return int(str(v).strip())


class PersonPatch(PersonInput):
    full_name: str | None = None  # type: ignore[assignment]
    kind: str | None = None  # type: ignore[assignment]

    @field_validator("full_name", mode="before")
    @classmethod
    def _name(cls, v: object) -> str | None:
        return None if v is None else _person_name(v)

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: object) -> str | None:
        return None if v is None else _choice(v, PersonKind, "invalid_person_kind")


class InteractionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    at: datetime | None = None
    summary: str
    person_id: int | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: object) -> str:
        return _choice(v, InteractionKind, "invalid_interaction_kind")

    @field_validator("summary", mode="before")
    @classmethod
    def _summary(cls, v: object) -> str:
        v = para_text(v, 4000)
        if not v:
            raise ValueError("summary_required:say what happened")
        return v

    @model_validator(mode="after")
    def _check(self) -> InteractionInput:
        if self.at is not None and self.at.tzinfo is None:
            raise ValueError("naive_datetime:the time needs a time zone offset")
        return self


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class CompanyView:
    id: int
    name: str
    sector: str
    size: str
    city: str
    website: str
    relationship: str
    key_partner: bool
    notes: str
    people: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PersonView:
    id: int
    full_name: str
    kind: str
    email: str
    phone: str
    job_title: str
    company_id: int | None
    company_name: str
    notes: str
    # the person signs in to the company portal
    has_access: bool
    created_at: datetime


@dataclass(frozen=True)
class InteractionView:
    id: int
    company_id: int
    kind: str
    at: datetime
    summary: str
    person_id: int | None
    person_name: str
    by_name: str


@dataclass(frozen=True)
class NeedLine:
    id: int
    title: str
    kind: str
    positions: int
    status: str
    deadline: date
    received_at: datetime


def _page_args(page: object, per_page: object, default: int = 50) -> tuple[int, int]:
    try:
        p = max(int(page or 1), 1)
        pp = min(max(int(per_page or default), 1), MAX_PAGE)
    except (TypeError, ValueError):
        raise Invalid("bad page", code="invalid_filter") from None
    return min(p, 100_000), pp


def _paged(s: Session, q: object, page: int, per_page: int, *order: object) -> tuple[list, int]:
    """One page of the query's rows in `order`, and how many rows the query has in all."""
    total = s.exec(select(func.count()).select_from(q.subquery())).one()
    return list(s.exec(q.order_by(*order).offset((page - 1) * per_page).limit(per_page)).all()), total


def _filter_text(value: str | None, max_len: int) -> str:
    """A list filter typed by the user: printable characters only, cut to the column's size."""
    return "".join(ch for ch in (value or "") if ch.isprintable()).strip()[:max_len]


def _company_view(c: Company, people: int = 0) -> CompanyView:
    return CompanyView(c.id, c.name, c.sector, c.size, c.city, c.website, c.relationship, c.key_partner, c.notes,
                       people, c.created_at, c.updated_at)


def _person_view(p: Person, company_name: str = "") -> PersonView:
    return PersonView(p.id, p.full_name, p.kind, p.email, p.phone, p.job_title, p.company_id, company_name, p.notes,
                      p.membership_id is not None, p.created_at)


# ---------------------------------------------------------------- lookups (inside a session)

def _live(s: Session, model: type[T], row_id: int | None, for_update: bool, what: str) -> T:
    """A row of the session's tenant that was not merged away; else not_found."""
    if row_id is None or isinstance(row_id, bool) or not isinstance(row_id, int):
        raise NotFound(f"{what} not found", code="not_found")
    q = select(model).where(model.id == row_id)
    if for_update:
        q = q.with_for_update()
    row = s.exec(q).first()
    if row is None or row.merged_into_id is not None:
        raise NotFound(f"{what} not found", code="not_found")
    return row


def live_company(s: Session, company_id: int | None, *, for_update: bool = False) -> Company:
    """A company of the session's tenant that was not merged away; else not_found."""
    return _live(s, Company, company_id, for_update, "company")


def _followed(s: Session, model: type, row_id: int) -> object:
    """The row, or the row it was merged into (and so on)."""
    row = s.get(model, row_id)
    hops = 0
    while row is not None and row.merged_into_id is not None and hops < _MAX_HOPS:
        row = s.get(model, row.merged_into_id)
        hops += 1
    if row is None or row.merged_into_id is not None:
        raise NotFound("not found", code="not_found")
    return row


def live_person(s: Session, person_id: int | None, *, for_update: bool = False) -> Person:
    return _live(s, Person, person_id, for_update, "person")


def find_company_by_key(s: Session, key: str, *, exclude_id: int | None = None) -> Company | None:
    q = select(Company).where(Company.name_key == key, Company.merged_into_id.is_(None))
    if exclude_id is not None:
        q = q.where(Company.id != exclude_id)
    return s.exec(q.order_by(Company.id)).first()


def find_person_duplicate(s: Session, *, email: str, key: str, company_id: int | None,
                          exclude_id: int | None = None) -> Person | None:
    """The same e-mail, or the same name in the same company."""
    cond = None
    if email:
        cond = Person.email == email
    if company_id is not None and key:
        same_name = (Person.name_key == key) & (Person.company_id == company_id)
        cond = same_name if cond is None else (cond | same_name)
    if cond is None:
        return None
    q = select(Person).where(cond, Person.merged_into_id.is_(None))
    if exclude_id is not None:
        q = q.where(Person.id != exclude_id)
    return s.exec(q.order_by(Person.id)).first()


def _people_counts(s: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = s.exec(select(Person.company_id, func.count()).where(Person.company_id.in_(ids),
                                                                 Person.merged_into_id.is_(None))
                  .group_by(Person.company_id)).all()
    return {cid: n for cid, n in rows}


def _company_out(s: Session, c: Company) -> CompanyView:
    return _company_view(c, _people_counts(s, [c.id]).get(c.id, 0))


def _person_out(s: Session, p: Person) -> PersonView:
    return _person_view(p, _company_names(s, {p.company_id}).get(p.company_id, ""))


def _duplicate_company(existing: Company) -> Conflict:
    return Conflict("a company with this name exists", code="duplicate_company",
                    existing_id=existing.id, existing_name=existing.name)


def _duplicate_person(dup: Person) -> Conflict:
    return Conflict("this person is already in the contacts", code="duplicate_person",
                    existing_id=dup.id, existing_name=dup.full_name)


def _apply(row: object, changes: dict) -> dict[str, list]:
    """Set the changed fields; what really changed, as {field: [before, after]}."""
    before = {k: getattr(row, k) for k in changes}
    for k, v in changes.items():
        setattr(row, k, v)
    return {k: [before[k], v] for k, v in changes.items() if before[k] != v}


def fill_empty(keep: object, source: object, fields: tuple[str, ...]) -> list[str]:
    """Copy into `keep` the fields it lacks and `source` has; the fields filled."""
    filled = []
    for f in fields:
        if not getattr(keep, f) and getattr(source, f):
            setattr(keep, f, getattr(source, f))
            filled.append(f)
    return filled


# ---------------------------------------------------------------- companies

def list_companies(actor: Actor, tenant_id: int, *, query: str = "", sector: str = "", relationship: str = "",
                   key_partner: bool | None = None, city: str = "", page: int = 1,
                   per_page: int = 50) -> Page[CompanyView]:
    """The partner map: companies not merged away, by name, a page at a time."""
    require(actor, Perm.PARTNER_VIEW, tenant_id=tenant_id)
    page, per_page = _page_args(page, per_page)
    if relationship and relationship not in {r.value for r in Relationship}:
        raise Invalid("unknown relationship", code="invalid_filter")
    with tenant_session(tenant_id) as s:
        q = select(Company).where(Company.merged_into_id.is_(None))
        query = _filter_text(query, 200)
        if query:
            like = f"%{query.lower()}%"
            key = company_key(query)
            cond = func.lower(Company.name).like(like)
            if key:
                cond = cond | Company.name_key.like(f"%{key}%")
            q = q.where(cond)
        sector = _filter_text(sector, 150)
        if sector:
            q = q.where(func.lower(Company.sector).like(f"%{sector.lower()}%"))
        city = _filter_text(city, 100)
        if city:
            q = q.where(func.lower(Company.city).like(f"%{city.lower()}%"))
        if relationship:
            q = q.where(Company.relationship == relationship)
        if key_partner is not None:
            q = q.where(Company.key_partner == bool(key_partner))
        rows, total = _paged(s, q, page, per_page, Company.name_key, Company.id)
        counts = _people_counts(s, [c.id for c in rows])
        return Page([_company_view(c, counts.get(c.id, 0)) for c in rows], total, page, per_page)


def get_company(actor: Actor, tenant_id: int, company_id: int) -> CompanyView:
    """The company; a company merged into another answers the one it was merged into."""
    require(actor, Perm.PARTNER_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return _company_out(s, _followed(s, Company, company_id))


def create_company_in(s: Session, actor: Actor | None, tenant_id: int, inp: CompanyInput, *,
                      allow_duplicate: bool = False) -> Company:
    """Inside the caller's transaction (approving an access request, an import)."""
    key = company_key(inp.name)
    if not allow_duplicate:
        existing = find_company_by_key(s, key)
        if existing is not None:
            raise _duplicate_company(existing)
    now = utcnow()
    c = Company(tenant_id=tenant_id, name=inp.name, name_key=key, sector=inp.sector, size=inp.size, city=inp.city,
                website=inp.website, relationship=inp.relationship, key_partner=inp.key_partner, notes=inp.notes,
                created_at=now, updated_at=now)
    s.add(c)
    s.flush()
    audit(s, actor, "company.created", tenant_id=tenant_id, target_type="company", target_id=c.id, name=c.name)
    return c


def do_create_company(actor: Actor, tenant_id: int, data: dict | CompanyInput, *,
                      allow_duplicate: bool = False) -> CompanyView:
    """A new company. One whose normalised name is already on the map is refused with
    duplicate_company (its id in `existing_id`) unless `allow_duplicate`."""
    require(actor, Perm.PARTNER_MANAGE, tenant_id=tenant_id)
    inp = parse(CompanyInput, data)
    with tenant_session(tenant_id) as s, transaction(s):
        return _company_view(create_company_in(s, actor, tenant_id, inp, allow_duplicate=allow_duplicate))


def do_update_company(actor: Actor, tenant_id: int, company_id: int, data: dict | CompanyPatch, *,
                      allow_duplicate: bool = False) -> CompanyView:
    require(actor, Perm.PARTNER_MANAGE, tenant_id=tenant_id)
    inp = parse(CompanyPatch, data)
    changes = inp.model_dump(exclude_unset=True)
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise Invalid("nothing to change", code="nothing_to_change")
    with tenant_session(tenant_id) as s, transaction(s):
        c = live_company(s, company_id, for_update=True)
        if "name" in changes:
            key = company_key(changes["name"])
            if key != c.name_key and not allow_duplicate:
                existing = find_company_by_key(s, key, exclude_id=c.id)
                if existing is not None:
                    raise _duplicate_company(existing)
            c.name_key = key
        changed = _apply(c, changes)
        if changed:
            c.updated_at = utcnow()
            s.add(c)
            audit(s, actor, "company.updated", tenant_id=tenant_id, target_type="company", target_id=c.id,
                  changes=changed)
        return _company_out(s, c)


def company_needs(actor: Actor, tenant_id: int, company_id: int) -> list[NeedLine]:
    """The job needs of a company, newest first (read-only on the company's record)."""
    require(actor, Perm.PARTNER_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        c = _followed(s, Company, company_id)
        rows = s.exec(select(JobNeed).where(JobNeed.company_id == c.id)
                      .order_by(JobNeed.received_at.desc(), JobNeed.id.desc()).limit(500)).all()
        return [NeedLine(n.id, n.title, n.kind, n.positions, n.status, n.deadline, n.received_at) for n in rows]


# ---------------------------------------------------------------- people

def _company_names(s: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {c.id: c.name for c in s.exec(select(Company).where(Company.id.in_(ids))).all()}


def list_people(actor: Actor, tenant_id: int, *, query: str = "", kind: str = "", company_id: int | None = None,
                page: int = 1, per_page: int = 50) -> Page[PersonView]:
    require(actor, Perm.PARTNER_VIEW, tenant_id=tenant_id)
    page, per_page = _page_args(page, per_page)
    if kind and kind not in {k.value for k in PersonKind}:
        raise Invalid("unknown kind", code="invalid_filter")
    with tenant_session(tenant_id) as s:
        q = select(Person).where(Person.merged_into_id.is_(None))
        query = _filter_text(query, 200)
        if query:
            like = f"%{query.lower()}%"
            cond = func.lower(Person.full_name).like(like) | Person.email.like(like)
            key = person_key(query)
            if key:
                cond = cond | Person.name_key.like(f"%{key}%")
            q = q.where(cond)
        if kind:
            q = q.where(Person.kind == kind)
        if company_id is not None:
            q = q.where(Person.company_id == company_id)
        rows, total = _paged(s, q, page, per_page, Person.name_key, Person.id)
        names = _company_names(s, {p.company_id for p in rows})
        return Page([_person_view(p, names.get(p.company_id, "")) for p in rows], total, page, per_page)


def get_person(actor: Actor, tenant_id: int, person_id: int) -> PersonView:
    require(actor, Perm.PARTNER_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return _person_out(s, _followed(s, Person, person_id))


def create_person_in(s: Session, actor: Actor | None, tenant_id: int, inp: PersonInput, *,
                     allow_duplicate: bool = False) -> Person:
    if inp.company_id is not None:
        live_company(s, inp.company_id)
    key = person_key(inp.full_name)
    if not allow_duplicate:
        dup = find_person_duplicate(s, email=inp.email, key=key, company_id=inp.company_id)
        if dup is not None:
            raise _duplicate_person(dup)
    now = utcnow()
    p = Person(tenant_id=tenant_id, full_name=inp.full_name, name_key=key, kind=inp.kind, email=inp.email,
               phone=inp.phone, job_title=inp.job_title, company_id=inp.company_id, notes=inp.notes,
               created_at=now, updated_at=now)
    s.add(p)
    s.flush()
    audit(s, actor, "person.created", tenant_id=tenant_id, target_type="person", target_id=p.id,
          company_id=p.company_id)
    return p


def do_create_person(actor: Actor, tenant_id: int, data: dict | PersonInput, *,
                     allow_duplicate: bool = False) -> PersonView:
    """A new contact. The same e-mail, or the same name in the same company, is refused with
    duplicate_person unless `allow_duplicate`."""
    require(actor, Perm.PARTNER_MANAGE, tenant_id=tenant_id)
    inp = parse(PersonInput, data)
    with tenant_session(tenant_id) as s, transaction(s):
        return _person_out(s, create_person_in(s, actor, tenant_id, inp, allow_duplicate=allow_duplicate))


def do_update_person(actor: Actor, tenant_id: int, person_id: int, data: dict | PersonPatch, *,
                     allow_duplicate: bool = False) -> PersonView:
    require(actor, Perm.PARTNER_MANAGE, tenant_id=tenant_id)
    inp = parse(PersonPatch, data)
    changes = inp.model_dump(exclude_unset=True)
    changes = {k: v for k, v in changes.items() if v is not None or k == "company_id"}
    if not changes:
        raise Invalid("nothing to change", code="nothing_to_change")
    with tenant_session(tenant_id) as s, transaction(s):
        p = live_person(s, person_id, for_update=True)
        if changes.get("company_id") is not None:
            live_company(s, changes["company_id"])
        key = person_key(changes["full_name"]) if "full_name" in changes else p.name_key
        email = changes.get("email", p.email)
        company_id = changes["company_id"] if "company_id" in changes else p.company_id
        if not allow_duplicate:
            dup = find_person_duplicate(s, email=email if email != p.email else "",
                                        key=key if (key, company_id) != (p.name_key, p.company_id) else "",
                                        company_id=company_id, exclude_id=p.id)
            if dup is not None:
                raise _duplicate_person(dup)
        changed = _apply(p, changes)
        p.name_key = key
        if changed:
            p.updated_at = utcnow()
            s.add(p)
            audit(s, actor, "person.updated", tenant_id=tenant_id, target_type="person", target_id=p.id,
                  changes={k: v for k, v in changed.items() if k != "notes"})
        return _person_out(s, p)


# ---------------------------------------------------------------- interactions

def list_interactions(actor: Actor, tenant_id: int, company_id: int, *, page: int = 1,
                      per_page: int = 20) -> Page[InteractionView]:
    """A company's history, newest first."""
    require(actor, Perm.PARTNER_VIEW, tenant_id=tenant_id)
    page, per_page = _page_args(page, per_page, default=20)
    with tenant_session(tenant_id) as s:
        c = _followed(s, Company, company_id)
        q = select(Interaction).where(Interaction.company_id == c.id)
        rows, total = _paged(s, q, page, per_page, Interaction.at.desc(), Interaction.id.desc())
        return Page([_interaction_view(s, i) for i in rows], total, page, per_page)


def _interaction_view(s: Session, i: Interaction) -> InteractionView:
    person = s.get(Person, i.person_id) if i.person_id else None
    by = ""
    if i.by_membership_id:
        m = s.get(Membership, i.by_membership_id)
        a = s.get(Account, m.account_id) if m else None
        by = (a.full_name or a.email) if a else ""
    return InteractionView(i.id, i.company_id, i.kind, i.at, i.summary, i.person_id,
                           person.full_name if person else "", by)


def do_add_interaction(actor: Actor, tenant_id: int, company_id: int,
                       data: dict | InteractionInput) -> InteractionView:
    """One entry of the company's history; the person, if named, must be of this company."""
    require(actor, Perm.PARTNER_MANAGE, tenant_id=tenant_id)
    inp = parse(InteractionInput, data)
    now = utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        c = live_company(s, company_id)
        if inp.person_id is not None:
            p = s.get(Person, inp.person_id)
            if p is None or p.merged_into_id is not None:
                raise NotFound("person not found", code="not_found")
            if p.company_id != c.id:
                raise Invalid("this person is not of this company", code="person_not_in_company")
        i = Interaction(tenant_id=tenant_id, company_id=c.id, person_id=inp.person_id, kind=inp.kind,
                        at=inp.at or now, summary=inp.summary, by_membership_id=actor.membership_id,
                        created_at=now)
        s.add(i)
        s.flush()
        audit(s, actor, "interaction.added", tenant_id=tenant_id, target_type="company", target_id=c.id,
              interaction_id=i.id, kind=i.kind)
        return _interaction_view(s, i)


# ---------------------------------------------------------------- merging

_COMPANY_FILLABLE = ("sector", "size", "city", "website", "notes")
_PERSON_FILLABLE = ("email", "phone", "job_title", "notes")


def _merge_pair(s: Session, model: type[T], keep_id: int, merge_id: int, what: str) -> tuple[T, T]:
    """The kept row and the merged one, both locked and neither merged yet."""
    # lock both rows in id order, so two crossed merges cannot interleave
    rows = {r.id: r for r in s.exec(select(model).where(model.id.in_([keep_id, merge_id]))
                                    .order_by(model.id).with_for_update()).all()}
    keep, gone = rows.get(keep_id), rows.get(merge_id)
    if keep_id == merge_id:
        raise Invalid(f"a {what} cannot be merged into itself", code="merge_into_itself")
    if keep is None or gone is None:
        raise NotFound(f"{what} not found", code="not_found")
    if keep.merged_into_id is not None or gone.merged_into_id is not None:
        raise Conflict(f"this {what} was already merged", code="already_merged")
    return keep, gone


def do_merge_companies(actor: Actor, tenant_id: int, keep_id: int, merge_id: int) -> CompanyView:
    """Merge company `merge_id` into `keep_id`: its people, interactions, job needs, offers,
    profile sendings and access requests move to the kept one, which takes the fields it
    lacked; the merged row stays (merged_into_id) and leaves every list."""
    require(actor, Perm.PARTNER_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        keep, gone = _merge_pair(s, Company, keep_id, merge_id, "company")
        moved = {}
        for model in (Person, Interaction, JobNeed, Offer, ProfileShare, CompanyAccessRequest):
            res = s.exec(update(model).where(model.tenant_id == tenant_id, model.company_id == gone.id)
                         .values(company_id=keep.id).execution_options(synchronize_session=False))
            moved[model.__tablename__] = res.rowcount
        filled = fill_empty(keep, gone, _COMPANY_FILLABLE)
        if gone.key_partner and not keep.key_partner:
            keep.key_partner = True
            filled.append("key_partner")
        now = utcnow()
        keep.updated_at = gone.updated_at = now
        gone.merged_into_id = keep.id
        s.add(keep)
        s.add(gone)
        audit(s, actor, "company.merged", tenant_id=tenant_id, target_type="company", target_id=keep.id,
              merged_id=gone.id, merged_name=gone.name, moved=moved, filled=filled)
        s.flush()
        return _company_out(s, keep)


def do_merge_people(actor: Actor, tenant_id: int, keep_id: int, merge_id: int) -> PersonView:
    """Merge contact `merge_id` into `keep_id`: interactions move, empty fields are filled, and
    the company-portal access moves too when the kept contact has none."""
    require(actor, Perm.PARTNER_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        keep, gone = _merge_pair(s, Person, keep_id, merge_id, "person")
        res = s.exec(update(Interaction).where(Interaction.tenant_id == tenant_id, Interaction.person_id == gone.id)
                     .values(person_id=keep.id).execution_options(synchronize_session=False))
        filled = fill_empty(keep, gone, _PERSON_FILLABLE)
        if keep.company_id is None and gone.company_id is not None:
            keep.company_id = gone.company_id
            filled.append("company_id")
        if keep.membership_id is None and gone.membership_id is not None:
            keep.membership_id, gone.membership_id = gone.membership_id, None
            filled.append("membership_id")
        now = utcnow()
        keep.updated_at = gone.updated_at = now
        gone.merged_into_id = keep.id
        s.add(gone)
        s.flush()  # the membership leaves the merged row before the kept one takes it
        s.add(keep)
        audit(s, actor, "person.merged", tenant_id=tenant_id, target_type="person", target_id=keep.id,
              merged_id=gone.id, interactions=res.rowcount, filled=filled)
        s.flush()
        return _person_out(s, keep)
