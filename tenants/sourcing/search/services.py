"""Student search for sourcing (P22): the searchable text of each profile and the search a
counselor runs to find students for a job need.

The text lives in student_search_doc (one row per profile), kept in step by a hook the
profile services call whenever a profile is created, changed or anonymised. The engine's
index sits beside it (tenants.sourcing.search.ddl): on PostgreSQL a French tsvector (GIN),
queried with websearch_to_tsquery (any user input is safe there) and ranked by ts_rank; on
SQLite an FTS5 table, queried with each user word quoted as a phrase (never raw MATCH syntax),
the last one as a prefix, ranked by bm25. The row also carries two flags kept in step by
the same hooks (and the consent and membership services'): `consenting` (the latest answer
to sharing with companies) and `active` (a current member, not anonymised), so the common
search ("these words, consenting students only") is one indexed query. On PostgreSQL the
index is read through a SECURITY DEFINER function bound to the session's own centre
(tenants.sourcing.search.ddl), inside the tenant session.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    Float,
    Integer,
    String,
    and_,
    any_,
    cast,
    column,
    func,
    literal,
    literal_column,
    or_,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, select

from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.errors import Invalid, NotFound
from integrations.validation import parse
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership
from tenants.core.roles import Perm
from tenants.portal.profiles.models import (
    ConsentRecord,
    Establishment,
    Level,
    StudentProfile,
    StudyField,
)
from tenants.portal.profiles.services import PROFILE_SAVED_HOOKS, SHARE_WITH_COMPANIES
from tenants.sourcing.search.ddl import FTS_TABLE, PG_MATCH_FUNCTION
from tenants.sourcing.search.models import StudentSearchDoc
from tenants.team.services import MEMBER_ACTIVE_HOOKS

MAX_TERMS = 12
MAX_QUERY = 200
MAX_PER_PAGE = 100
COUNT_CAP = 10_000  # totals past it read "more than 10,000": counting all would cost more than the page


# ---------------------------------------------------------------- the searchable text

def _body(p: StudentProfile, account_name: str, est: str, fld: str) -> str:
    parts = [p.full_name or account_name, est, fld, p.track or "", p.level or ""]
    parts += [str(x) for x in (p.skills or [])]
    parts += [str(x.get("language", "")) for x in (p.languages or []) if isinstance(x, dict)]
    for x in p.experiences or []:
        if isinstance(x, dict):
            parts += [str(x.get("title", "")), str(x.get("organisation", "")), str(x.get("description", ""))]
    return "\n".join(v for v in parts if v)


def _upsert(s: Session, tenant_id: int, profile_id: int, membership_id: int | None, body: str, *,
            consenting: bool = False, active: bool = False) -> None:
    now = utcnow()
    dialect = s.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(StudentSearchDoc.__table__)
    values = {"membership_id": membership_id, "body": body, "consenting": consenting, "active": active,
              "updated_at": now}
    s.execute(ins.values(tenant_id=tenant_id, profile_id=profile_id, **values)
              .on_conflict_do_update(index_elements=["tenant_id", "profile_id"], set_=values))


def _consenting(s: Session, membership_id: int) -> bool:
    """The student's latest answer to sharing with companies (no answer: no)."""
    granted = s.exec(select(ConsentRecord.granted)
                     .where(ConsentRecord.membership_id == membership_id,
                            ConsentRecord.purpose == SHARE_WITH_COMPANIES)
                     .order_by(ConsentRecord.id.desc()).limit(1)).first()
    return bool(granted)


def refresh_student_doc(s: Session, tenant_id: int, profile_id: int) -> None:
    """Rebuilds one profile's searchable text and flags (consenting, active) in the caller's
    transaction. An anonymised profile (or one detached from its student) keeps an empty
    text and is inactive: it is found by nothing."""
    p = s.get(StudentProfile, profile_id)
    if p is None or p.tenant_id != tenant_id:
        return
    if p.membership_id is None or p.anonymised_at is not None:
        _upsert(s, tenant_id, profile_id, None, "")
        return
    m = s.get(Membership, p.membership_id)
    a = s.get(Account, m.account_id) if m is not None else None
    est = s.get(Establishment, p.establishment_id) if p.establishment_id else None
    fld = s.get(StudyField, p.field_id) if p.field_id else None
    _upsert(s, tenant_id, profile_id, p.membership_id,
            _body(p, a.full_name if a else "", est.name if est else "", fld.name if fld else ""),
            consenting=_consenting(s, p.membership_id),
            active=bool(m is not None and m.active and m.tenant_id == tenant_id))


def _refresh_member(s: Session, tenant_id: int, membership_id: int) -> None:
    """A member's consent or active state changed: their profile's flags follow."""
    for pid in s.exec(select(StudentProfile.id).where(StudentProfile.tenant_id == tenant_id,
                                                      StudentProfile.membership_id == membership_id)).all():
        refresh_student_doc(s, tenant_id, pid)


def _on_profile_saved(s: Session, tenant_id: int, profile_id: int) -> None:
    refresh_student_doc(s, tenant_id, profile_id)


if _on_profile_saved not in PROFILE_SAVED_HOOKS:
    PROFILE_SAVED_HOOKS.append(_on_profile_saved)
if _refresh_member not in MEMBER_ACTIVE_HOOKS:
    MEMBER_ACTIVE_HOOKS.append(_refresh_member)


def reindex_tenant(tenant_id: int) -> int:
    """Rebuilds every profile's text of a centre (existing data, demo, bench). Returns the
    number of profiles indexed."""
    with tenant_session(tenant_id) as s, transaction(s):
        ids = list(s.exec(select(StudentProfile.id)).all())
        for pid in ids:
            refresh_student_doc(s, tenant_id, pid)
        return len(ids)


def reindex_all() -> int:
    with system_session("search index rebuild") as s:
        from tenants.core.models import Tenant

        tenant_ids = list(s.exec(select(Tenant.id)).all())
    return sum(reindex_tenant(t) for t in tenant_ids)


# ---------------------------------------------------------------- query helpers

_WORD = re.compile(r"\w+", re.UNICODE)


def clean_query(q: str | None) -> str:
    q = "".join(ch for ch in str(q or "") if ch.isprintable()).strip()
    if len(q) > MAX_QUERY:
        raise Invalid(f"at most {MAX_QUERY} characters", code="query_too_long")
    return q


def fts5_match(q: str) -> str:
    """The user's words as an FTS5 expression: each word a quoted phrase (so no word is read
    as an operator or a column), all required, the last one as a prefix. Empty when the
    text holds no word."""
    words = _WORD.findall(q)[:MAX_TERMS]
    if not words:
        return ""
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def _like_escape(v: str) -> str:
    return v.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def consent_now():  # noqa: ANN201
    """The student's current consent to share with companies, as a column of a query over
    StudentProfile: the latest record's `granted` (NULL when none), found through the index
    (tenant, membership, purpose, id) for each row."""
    return (select(ConsentRecord.granted)
            .where(ConsentRecord.membership_id == StudentProfile.membership_id,
                   ConsentRecord.purpose == SHARE_WITH_COMPANIES)
            .order_by(ConsentRecord.id.desc()).limit(1)
            .correlate(StudentProfile).scalar_subquery())


def no_jit(s: Session) -> None:
    """PostgreSQL's JIT compiles a query whose estimated cost is high (the per-row look-ups
    here make it so) for ~100 ms, more than the query itself takes: off for this transaction."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SET LOCAL jit = off"))


def student_filter():  # noqa: ANN201
    """The conditions a profile must meet to be found at all: a current member of the centre
    (a profile is only ever made for a student), never an anonymised profile. The student
    role is checked again wherever a student is acted on (the shortlist)."""
    return and_(StudentProfile.membership_id.is_not(None), StudentProfile.anonymised_at.is_(None),
                # a per-row look-up by primary key, not a join: a join lets a misestimate of the
                # other filters (JSON text, consent) pick a nested loop over every member
                select(Membership.active).where(Membership.id == StudentProfile.membership_id).limit(1)
                .correlate(StudentProfile).scalar_subquery().is_(True))


# ---------------------------------------------------------------- the PostgreSQL index

def pg_text_matches(tenant_id: int, q: str, *, any_word: bool = False, consenting_only: bool = False,
                    limit: int = 10_000, session: Session | None = None) -> list[tuple[int, float]]:
    """(profile id, rank) of the centre's active profiles whose text matches `q`, best first
    (only consenting students' if asked), read in the caller's tenant session (or a new
    one of the centre).

    The GIN index is read through the SECURITY DEFINER function of ddl.py: row-level
    security would keep the planner from using it for `@@`. The function answers only for
    the tenant the session is scoped to, so this stays within the centre's rows."""
    terms = q
    if any_word:
        terms = " or ".join(w for w in _WORD.findall(q)[:24])
    if not terms.strip():
        return []
    sql = text(f"SELECT profile_id, rank FROM {PG_MATCH_FUNCTION}(:t, :q, :c, :n)")
    params = {"t": tenant_id, "q": terms, "c": bool(consenting_only), "n": int(limit)}
    if session is not None:
        return [(int(pid), float(r)) for pid, r in session.execute(sql, params)]
    with tenant_session(tenant_id) as s:
        return [(int(pid), float(r)) for pid, r in s.execute(sql, params)]


def _pg_page(s: Session, tenant_id: int, q: str, consenting_only: bool, page: int,
             per_page: int) -> tuple[int, list[tuple[int, float]]]:
    """(matches counted up to COUNT_CAP + 1, the page's (profile id, rank)) in one round trip:
    only the page leaves the database."""
    if not q.strip():
        return 0, []
    rows = s.execute(text(
        f"WITH m AS MATERIALIZED (SELECT profile_id, rank FROM {PG_MATCH_FUNCTION}(:t, :q, :c, :n)) "
        "SELECT (SELECT count(*) FROM m), p.profile_id, p.rank FROM (SELECT 1) one "
        "LEFT JOIN (SELECT profile_id, rank FROM m ORDER BY rank DESC, profile_id DESC OFFSET :o LIMIT :l) p "
        "ON true"), {"t": tenant_id, "q": q, "c": bool(consenting_only), "n": COUNT_CAP + 1,
                     "o": (page - 1) * per_page, "l": per_page}).all()
    total = int(rows[0][0]) if rows else 0
    return total, [(int(pid), float(r)) for _, pid, r in rows if pid is not None]


# ---------------------------------------------------------------- search

class SearchFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field_id: int | None = None
    level: Level | None = None
    establishment_id: int | None = None
    graduation_year: int | None = Field(default=None, ge=1980, le=2100)
    language: str = Field(default="", max_length=60)
    consent_only: bool = False
    # "already in this need's shortlist" is shown for this need
    need_id: int | None = None


@dataclass(frozen=True)
class StudentHit:
    membership_id: int
    full_name: str
    field: str
    level: str
    establishment: str
    graduation_year: int | None
    skills: tuple[str, ...]
    languages: tuple[str, ...]
    consent: bool
    in_shortlist: bool
    score: float


@dataclass(frozen=True)
class SearchPage:
    rows: list[StudentHit]
    total: int
    page: int
    per_page: int
    capped: bool = False  # more than `total` match

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search_students(actor: Actor, tenant_id: int, q: str = "", filters: dict | SearchFilters | None = None,
                    page: int = 1, per_page: int = 20) -> SearchPage:
    """Students of the centre matching the words and filters, best match first (or newest
    profile first without words), with their current consent and whether they are already
    on the need's shortlist."""
    require(actor, Perm.SOURCING, tenant_id=tenant_id)
    q = clean_query(q)
    f = parse(SearchFilters, filters or {})
    try:
        page, per_page = max(1, int(page)), min(max(1, int(per_page)), MAX_PER_PAGE)
    except (TypeError, ValueError):
        raise Invalid("page and per_page are numbers", code="invalid") from None
    with tenant_session(tenant_id) as s:
        dialect = s.get_bind().dialect.name
        no_jit(s)
        conds = []
        if f.field_id is not None:
            conds.append(StudentProfile.field_id == f.field_id)
        if f.level is not None:
            conds.append(StudentProfile.level == f.level.value)
        if f.establishment_id is not None:
            conds.append(StudentProfile.establishment_id == f.establishment_id)
        if f.graduation_year is not None:
            conds.append(StudentProfile.graduation_year == f.graduation_year)
        lang = " ".join(f.language.split())
        if lang:
            # languages are JSON; a name with accents may be stored \u-escaped: match both forms
            col = cast(StudentProfile.languages, String)
            escaped = json.dumps(lang)[1:-1]
            conds.append(or_(col.ilike(f"%{_like_escape(lang)}%", escape="!"),
                             col.ilike(f"%{_like_escape(escaped)}%", escape="!")))
        # who can be found at all (an active, not anonymised student; a consenting one if
        # asked) is kept on the search row by the hooks: one indexed read answers it
        doc_conds = [StudentSearchDoc.active.is_(True)]
        if f.consent_only:
            doc_conds.append(StudentSearchDoc.consenting.is_(True))
        base = (select(StudentProfile.id)
                .join(StudentSearchDoc, and_(StudentSearchDoc.tenant_id == StudentProfile.tenant_id,
                                             StudentSearchDoc.profile_id == StudentProfile.id))
                .where(StudentProfile.membership_id.is_not(None), *doc_conds))
        counted = base
        score = None
        if q and dialect == "postgresql":
            if not conds:
                # the common case: the index alone answers; one query counts and cuts the page
                total, ranked = _pg_page(s, tenant_id, q, f.consent_only, page, per_page)
                if not total:
                    return SearchPage([], 0, page, per_page)
            else:
                matches = pg_text_matches(tenant_id, q, consenting_only=f.consent_only, limit=COUNT_CAP + 1,
                                          session=s)
                if not matches:
                    return SearchPage([], 0, page, per_page)
                pg_ranks = dict(matches)
                # the matches that pass the other filters, in the index's order
                kept_ids = set(s.exec(base.where(StudentProfile.id == any_(literal(list(pg_ranks), ARRAY(Integer))),
                                                 *conds)).all())
                kept = [pid for pid, _ in matches if pid in kept_ids]
                total = len(kept) + (1 if len(pg_ranks) > COUNT_CAP and len(kept) >= COUNT_CAP else 0)
                ranked = [(pid, pg_ranks[pid]) for pid in kept[(page - 1) * per_page:page * per_page]]
        else:
            if q:
                match = fts5_match(q)
                if not match:
                    return SearchPage([], 0, page, per_page)
                fts = (text(f"SELECT rowid AS doc_id, bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} "
                            f"WHERE {FTS_TABLE} MATCH :match").bindparams(match=match)
                       .columns(column("doc_id", Integer), column("score", Float)).subquery("fts"))
                # counting needs the matches, not their rank
                hits = (text(f"SELECT rowid AS doc_id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match")
                        .bindparams(match=match).columns(column("doc_id", Integer)).subquery("fts_hits"))
                counted = base.join(hits, hits.c.doc_id == StudentSearchDoc.id)
                base = base.join(fts, fts.c.doc_id == StudentSearchDoc.id)
                score = -fts.c.score  # bm25: lower is better
            if conds:
                base, counted = base.where(*conds), counted.where(*conds)
            # the total is counted up to COUNT_CAP: past it the page says "more than"
            total = s.exec(select(func.count()).select_from(counted.limit(COUNT_CAP + 1).subquery())).one()
            # first the page's ids in order (ids only: cheap to sort), then what is shown of them
            order = ([score.desc()] if score is not None else []) + [StudentProfile.id.desc()]
            ids_q = base.with_only_columns(StudentProfile.id,
                                           score if score is not None else literal_column("0.0", Float))
            ranked = s.execute(ids_q.order_by(*order).offset((page - 1) * per_page).limit(per_page)).all()
        consent = consent_now()
        scores = {pid: sc for pid, sc in ranked}
        shown_name = func.coalesce(func.nullif(StudentProfile.full_name, ""), Account.full_name)
        rows = s.execute(select(
            StudentProfile.id, StudentProfile.membership_id, shown_name, StudentProfile.field_id,
            StudentProfile.level, StudentProfile.establishment_id, StudentProfile.graduation_year,
            StudentProfile.skills, StudentProfile.languages, consent)
            .join(Membership, Membership.id == StudentProfile.membership_id)
            .join(Account, Account.id == Membership.account_id)
            .where(StudentProfile.id.in_(list(scores)))).all() if scores else []
        by_id = {r[0]: (*r, scores[r[0]]) for r in rows}
        hits = _hits(s, [by_id[pid] for pid, _ in ranked if pid in by_id], f.need_id)
        return SearchPage(hits, min(int(total), COUNT_CAP), page, per_page, capped=int(total) > COUNT_CAP)


def _names_of(s: Session, model: type, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(s.exec(select(model.id, model.name).where(model.id.in_(ids))).all())


def _hits(s: Session, rows: list, need_id: int | None) -> list[StudentHit]:
    from tenants.sourcing.pipeline.models import ShortlistEntry

    fields = _names_of(s, StudyField, {r[3] for r in rows if r[3]})
    ests = _names_of(s, Establishment, {r[5] for r in rows if r[5]})
    listed: set[int] = set()
    if need_id is not None and rows:
        listed = set(s.exec(select(ShortlistEntry.student_membership_id).where(
            ShortlistEntry.need_id == need_id,
            ShortlistEntry.student_membership_id.in_([r[1] for r in rows]))).all())
    return [StudentHit(membership_id=r[1], full_name=r[2] or "", field=fields.get(r[3], ""), level=r[4] or "",
                       establishment=ests.get(r[5], ""), graduation_year=r[6],
                       skills=tuple(str(x) for x in (r[7] or [])),
                       languages=tuple(str(x.get("language", "")) for x in (r[8] or []) if isinstance(x, dict)),
                       consent=bool(r[9]), in_shortlist=r[1] in listed, score=float(r[10] or 0.0))
            for r in rows]


def student_doc_body(actor: Actor, tenant_id: int, membership_id: int) -> str:
    """The indexed text of one student (what the search sees); staff with SOURCING."""
    require(actor, Perm.SOURCING, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        doc = s.exec(select(StudentSearchDoc).where(StudentSearchDoc.membership_id == membership_id)).first()
        if doc is None:
            raise NotFound("student not found", code="student_not_found")
        return doc.body
