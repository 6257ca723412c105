"""Import of the partner map from the spreadsheets centres already keep (BD01).

One line per contact (or per company when it has no contact): the company's columns, then the
contact's. Headers in French or English; Excel's exports are read as they come (UTF-8 with or
without a byte-order mark, else Windows-1252; `;`, `,` or tab between cells).

`preview_import` reads and checks the file without writing: every line with its errors (line
number, column, code) and what it would do (a new company, or one already on the map; a new
contact, one already known, or a repeat of an earlier line). `do_import` checks again and, if
any line has an error, writes nothing (import_has_errors, with the lines); otherwise it writes
everything in one transaction. A company already on the map is linked, and only its empty
fields are filled; so is a contact already known by e-mail.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlmodel import Session

from integrations.db import tenant_session, transaction, utcnow
from integrations.errors import Invalid
from integrations.validation import describe
from tenants.core.actor import Actor, require
from tenants.core.roles import Perm
from tenants.core.services import audit
from tenants.sourcing.partners.models import Company, Person
from tenants.sourcing.partners.services import (
    CompanyInput,
    PersonInput,
    _fold,
    company_key,
    find_company_by_key,
    find_person_duplicate,
    person_key,
)

MAX_BYTES = 2 * 1024 * 1024
MAX_LINES = 5000

# the column a header names (French or English, accents and case ignored)
COLUMNS: dict[str, str] = {}
for _col, _names in {
    "company": ("company", "entreprise", "societe", "company_name", "nom_entreprise", "raison_sociale"),
    "sector": ("sector", "secteur", "secteur_activite"),
    "size": ("size", "taille"),
    "city": ("city", "ville"),
    "website": ("website", "site", "site_web", "web"),
    "relationship": ("relationship", "relation"),
    "key_partner": ("key_partner", "partenaire_cle"),
    "contact_name": ("contact_name", "contact_nom", "contact"),
    "contact_email": ("contact_email", "contact_mail", "email"),
    "contact_phone": ("contact_phone", "contact_telephone", "contact_tel", "telephone"),
    "contact_title": ("contact_title", "contact_fonction", "fonction"),
    "contact_kind": ("contact_kind", "contact_type"),
}.items():
    for _n in _names:
        COLUMNS[_n] = _col

# values people write in the French spreadsheets, to the stored codes
_SIZES = {"micro": "micro", "tpe": "micro", "small": "small", "petite": "small", "medium": "medium",
          "moyenne": "medium", "large": "large", "grande": "large"}
_RELATIONSHIPS = {"prospect": "prospect", "contacted": "contacted", "contacte": "contacted", "active": "active",
                  "actif": "active", "partner": "partner", "partenaire": "partner",
                  "dormant": "dormant", "inactif": "dormant", "en sommeil": "dormant"}
_KINDS = {"hr": "hr", "rh": "hr", "manager": "manager", "responsable": "manager", "guest_speaker": "guest_speaker",
          "intervenant": "guest_speaker", "alumni": "alumni", "laureat": "alumni", "other": "other", "autre": "other"}
_YES = {"1", "yes", "oui", "true", "vrai", "x", "y", "o"}
_NO = {"", "0", "no", "non", "false", "faux", "n"}

# the input model's field → the file's column, for error reporting
_COMPANY_FIELDS = {"name": "company", "sector": "sector", "size": "size", "city": "city", "website": "website",
                   "relationship": "relationship", "key_partner": "key_partner"}
_PERSON_FIELDS = {"full_name": "contact_name", "email": "contact_email", "phone": "contact_phone",
                  "job_title": "contact_title", "kind": "contact_kind"}


@dataclass(frozen=True)
class LineError:
    column: str
    code: str


@dataclass
class ImportLine:
    line: int
    company: str
    contact_name: str
    contact_email: str
    errors: list[LineError] = field(default_factory=list)
    # "new" | "existing" (on the map already) | "earlier_line" (an earlier line of the file)
    company_match: str = "new"
    company_id: int | None = None
    company_line: int | None = None
    # "none" (no contact on the line) | "new" | "existing" | "earlier_line" (skipped)
    person_match: str = "none"
    person_id: int | None = None
    person_line: int | None = None
    # parsed values, for do_import
    _company: CompanyInput | None = None
    _person: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportPreview:
    lines: list[ImportLine]
    columns: list[str]

    @property
    def error_count(self) -> int:
        return sum(1 for ln in self.lines if ln.errors)

    @property
    def new_companies(self) -> int:
        return sum(1 for ln in self.lines if ln.ok and ln.company_match == "new")

    @property
    def new_people(self) -> int:
        return sum(1 for ln in self.lines if ln.ok and ln.person_match == "new")


@dataclass(frozen=True)
class ImportResult:
    companies_created: int
    companies_linked: int
    people_created: int
    people_linked: int
    lines: int


# ---------------------------------------------------------------- reading

def _header(name: str) -> str:
    return "_".join(_fold(name).replace("'", " ").replace("-", " ").split())


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_rows(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The columns recognised and each line as {column: text}, with its line number in the file."""
    if not isinstance(data, bytes | bytearray):
        raise Invalid("not a file", code="import_empty")
    if len(data) > MAX_BYTES:
        raise Invalid("the file is too large", code="import_too_large", max_bytes=MAX_BYTES)
    try:
        text = _decode(bytes(data))
    except UnicodeDecodeError:
        raise Invalid("the file is not text", code="import_bad_file") from None
    if "\x00" in text:
        raise Invalid("the file is not text", code="import_bad_file")
    first = text.lstrip().split("\n", 1)[0]
    if not first.strip():
        raise Invalid("the file is empty", code="import_empty")
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except (StopIteration, csv.Error):
        raise Invalid("the file is empty", code="import_empty") from None
    index: dict[int, str] = {}
    for i, h in enumerate(headers):
        col = COLUMNS.get(_header(h))
        if col and col not in index.values():
            index[i] = col
    if "company" not in index.values():
        raise Invalid("the file has no company column", code="import_no_company_column")
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_LINES:
                raise Invalid("too many lines", code="import_too_many_lines", max_lines=MAX_LINES)
            rows.append((reader.line_num, {col: (cells[i] if i < len(cells) else "") for i, col in index.items()}))
    except csv.Error:
        raise Invalid("the file is not a readable CSV", code="import_bad_file") from None
    if not rows:
        raise Invalid("the file has no lines", code="import_empty")
    return list(dict.fromkeys(index.values())), rows


def _mapped(value: str, table: dict[str, str]) -> str:
    v = " ".join(_fold(value).split())
    return table.get(v, table.get(v.replace(" ", "_"), v))


def _errors_of(exc: ValidationError, fields: dict[str, str]) -> list[LineError]:
    out = []
    for err in exc.errors():
        code, _ = describe([err])
        loc = next((str(p) for p in err.get("loc", ())), "")
        out.append(LineError(fields.get(loc, loc), code))
    return out


# ---------------------------------------------------------------- checking

def _analyse(s: Session, data: bytes) -> ImportPreview:
    columns, rows = read_rows(data)
    lines: list[ImportLine] = []
    seen_companies: dict[str, ImportLine] = {}
    seen_emails: dict[str, int] = {}
    seen_names: dict[tuple[str, str], int] = {}
    for line_no, row in rows:
        get = row.get
        ln = ImportLine(line_no, " ".join((get("company") or "").split())[:200],
                        " ".join((get("contact_name") or "").split())[:200],
                        (get("contact_email") or "").strip()[:254])
        key_partner = _fold(get("key_partner") or "").strip()
        if key_partner not in _YES | _NO:
            ln.errors.append(LineError("key_partner", "invalid_boolean"))
        try:
            ln._company = CompanyInput(
                name=get("company") or "", sector=get("sector") or "", size=_mapped(get("size") or "", _SIZES),
                city=get("city") or "", website=get("website") or "",
                relationship=_mapped(get("relationship") or "", _RELATIONSHIPS) or "prospect",
                key_partner=key_partner in _YES)
        except ValidationError as exc:
            ln.errors += _errors_of(exc, _COMPANY_FIELDS)
        has_contact = any((get(c) or "").strip() for c in
                          ("contact_name", "contact_email", "contact_phone", "contact_title"))
        person: PersonInput | None = None
        if has_contact:
            try:
                person = PersonInput(full_name=get("contact_name") or "", email=get("contact_email") or "",
                                     phone=get("contact_phone") or "", job_title=get("contact_title") or "",
                                     kind=_mapped(get("contact_kind") or "", _KINDS) or "hr")
            except ValidationError as exc:
                ln.errors += _errors_of(exc, _PERSON_FIELDS)
        if ln._company is not None:
            key = company_key(ln._company.name)
            if key in seen_companies:
                first = seen_companies[key]
                ln.company_match, ln.company_line, ln.company_id = "earlier_line", first.line, first.company_id
            else:
                existing = find_company_by_key(s, key)
                if existing is not None:
                    ln.company_match, ln.company_id = "existing", existing.id
                seen_companies[key] = ln
        if person is not None and ln._company is not None:
            ckey = company_key(ln._company.name)
            pkey = person_key(person.full_name)
            earlier = seen_emails.get(person.email) if person.email else None
            earlier = earlier or seen_names.get((ckey, pkey))
            if earlier is not None:
                ln.person_match, ln.person_line = "earlier_line", earlier
            else:
                dup = None
                if person.email:
                    dup = find_person_duplicate(s, email=person.email, key="", company_id=None)
                if dup is None and ln.company_id is not None:
                    dup = find_person_duplicate(s, email="", key=pkey, company_id=ln.company_id)
                ln.person_match, ln.person_id = ("existing", dup.id) if dup is not None else ("new", None)
                if person.email:
                    seen_emails[person.email] = ln.line
                seen_names[(ckey, pkey)] = ln.line
            ln._person = person.model_dump()
        lines.append(ln)
    return ImportPreview(lines, columns)


def preview_import(actor: Actor, tenant_id: int, data: bytes) -> ImportPreview:
    """What the import would do, line by line; writes nothing."""
    require(actor, Perm.PARTNER_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return _analyse(s, data)


def _fill(row: object, values: dict) -> bool:
    changed = False
    for k, v in values.items():
        if v and not getattr(row, k):
            setattr(row, k, v)
            changed = True
    return changed


def do_import(actor: Actor, tenant_id: int, data: bytes) -> ImportResult:
    """Checks the file again and writes it all, or nothing when any line has an error."""
    require(actor, Perm.PARTNER_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        preview = _analyse(s, data)
        bad = [ln for ln in preview.lines if ln.errors]
        if bad:
            raise Invalid("some lines have errors", code="import_has_errors",
                          lines=[{"line": ln.line, "errors": [{"column": e.column, "code": e.code}
                                                              for e in ln.errors]} for ln in bad[:200]],
                          error_count=len(bad))
        now = utcnow()
        by_key: dict[str, Company] = {}
        created = linked = people_created = people_linked = 0
        for ln in preview.lines:
            inp = ln._company
            key = company_key(inp.name)
            company = by_key.get(key)
            if company is None:
                company = s.get(Company, ln.company_id) if ln.company_id else None
                if company is None:
                    company = Company(tenant_id=tenant_id, name=inp.name, name_key=key, sector=inp.sector,
                                      size=inp.size, city=inp.city, website=inp.website,
                                      relationship=inp.relationship, key_partner=inp.key_partner,
                                      created_at=now, updated_at=now)
                    s.add(company)
                    s.flush()
                    created += 1
                else:
                    linked += 1
                    if _fill(company, {"sector": inp.sector, "size": inp.size, "city": inp.city,
                                       "website": inp.website}) or (inp.key_partner and not company.key_partner):
                        company.key_partner = company.key_partner or inp.key_partner
                        company.updated_at = now
                        s.add(company)
                by_key[key] = company
            if ln._person is None or ln.person_match == "earlier_line":
                continue
            p = ln._person
            if ln.person_match == "existing":
                person = s.get(Person, ln.person_id)
                if _fill(person, {"phone": p["phone"], "job_title": p["job_title"], "email": p["email"]}) \
                        or person.company_id is None:
                    person.company_id = person.company_id or company.id
                    person.updated_at = now
                    s.add(person)
                people_linked += 1
            else:
                s.add(Person(tenant_id=tenant_id, full_name=p["full_name"], name_key=person_key(p["full_name"]),
                             kind=p["kind"], email=p["email"], phone=p["phone"], job_title=p["job_title"],
                             company_id=company.id, created_at=now, updated_at=now))
                people_created += 1
        result = ImportResult(created, linked, people_created, people_linked, len(preview.lines))
        audit(s, actor, "partners.imported", tenant_id=tenant_id, target_type="company", target_id="",
              companies_created=created, companies_linked=linked, people_created=people_created,
              people_linked=people_linked, lines=len(preview.lines))
        return result
