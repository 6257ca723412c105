"""The network's reference standard model (P28): versions, a network admin's edits of a draft,
publishing, the seeded default model, and the criteria an evaluation is computed against.

A model is a tree: domains -> criteria -> indicators. A draft is edited; a published model is
frozen (assessments started with it keep it, DESIGN "the assessment keeps its version"), and a
change makes the next version, a deep copy of any earlier one. The newest published version is
the one new assessments take (`current_model_id`). A retired version stays readable for the
assessments made with it.

The model is network-level (no tenant_id): it is read and written in system sessions. There is
no network audit table (the audit trail is a centre's, keyed by tenant): who made a version and
when it was published are stored on the version, and every admin change is logged here.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import case, delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from integrations.db import system_session, transaction, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from integrations.i18n import LANGS
from integrations.validation import clean_field, parse
from tenants.core.actor import Actor, require
from tenants.core.models import Account
from tenants.core.roles import Perm
from workflows.assessment.models import (
    Assessment,
    ModelStatus,
    RefCriterion,
    RefDomain,
    ReferenceModel,
    RefIndicator,
    Tier,
)
from workflows.assessment.scoring import CriterionSpec

log = logging.getLogger(__name__)

DEFAULT_MODEL_FILE = Path(__file__).with_name("default_model.yaml")

# The figures the product computes from a centre's own data (workflows/assessment/indicators.py
# implements exactly these), with the unit each is expressed in.
LIVE_UNITS: dict[str, str] = {
    "plan_validated": "flag",  # this year's action plan validated by the host institution (P01)
    "midyear_review_done": "flag",  # the mid-year review done (P02)
    "weekly_meetings_held": "count",  # weekly coordination meetings over 12 months (P03)
    "ambassadors_active": "count",  # P04
    "workshops_held": "count",  # P08/P09, 12 months
    "individual_sessions_held": "count",  # P07, 12 months
    "students_served": "count",  # distinct students received or supported, 12 months
    "satisfaction_average": "score5",  # T04 answers, out of 5
    "companies_engaged": "count",  # partners with an interaction, a need or a day, 12 months
    "needs_shortlisted_within_14_days": "percent",  # P22
    "recruitment_days_held": "count",  # P19, 12 months
    "offers_published": "count",  # P12, 12 months
    "monthly_reports_sent_on_time": "percent",  # M44, P26
    "statistics_late_share": "percent",  # T03 entries after the weekly cut-off: lower is better
    "performance_reviews_done": "percent",  # M14 finalised, P27
    "procedure_revisions": "count",  # P31, 12 months
    "certificates_issued": "count",  # T05, 12 months
}
LIVE_KEYS: tuple[str, ...] = tuple(LIVE_UNITS)
# "flag" is 0/1; "score5" a mean out of 5; "days" a duration; "number" any other figure
UNITS = ("flag", "count", "percent", "score5", "days", "number")
# the procedure book's families (spec/procedures.en.yaml) and the usual dimensions of
# career-services standards: what a domain covers
FAMILIES = ("planning", "ambassadors", "activities", "host-institution", "private-sector", "reporting",
            "communication", "procedures")
DIMENSIONS = ("mission", "human-resources", "facilities-budget", "ethics-data", "outcomes")
JUSTIFICATION_RULES = ("none", "below_met", "always")
MAX_WEIGHT = 10.0
MAX_TITLE = 300
MAX_EVIDENCE = 2000
MAX_DOMAINS = 40
MAX_CRITERIA_PER_DOMAIN = 40
MAX_INDICATORS_PER_CRITERION = 10
_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]*$")
_PROC_RE = re.compile(r"^P(0[1-9]|[12][0-9]|3[01])$")
EDITABLE = (ModelStatus.DRAFT.value,)


# ---------------------------------------------------------------- what may be written

def _i18n(value: Any, max_len: int, *, required: bool, multiline: bool = False) -> dict[str, str]:
    """{"fr": .., "en": .., "ar": ..}: French first (the procedure book's language), the others
    optional; empty languages are left out."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ValueError("text_invalid:a text per language is expected: {\"fr\": ..., \"en\": ..., \"ar\": ...}")
    unknown = set(value) - set(LANGS)
    if unknown:
        raise ValueError(f"invalid_language:unknown language {sorted(unknown)[0]!s}")
    out = {}
    for lang in LANGS:
        v = clean_field(value.get(lang), max_len, multiline=multiline)
        if v:
            out[lang] = v
    if required and not out.get("fr"):
        raise ValueError("title_fr_required:the French title is required")
    if not required and out and not out.get("fr"):
        raise ValueError("text_fr_required:the French text is required when another language is given")
    return out


def _code(value: Any, max_len: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("code_invalid:a code is letters, digits, dots or dashes")
    v = value.strip().upper()
    if v and (len(v) > max_len or not _CODE_RE.match(v)):
        raise ValueError(f"code_invalid:a code is 1 to {max_len} letters, digits, dots or dashes")
    return v


def _weight(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("weight_out_of_range:the weight is a number above 0, at most 10")
    try:
        w = float(value)
    except ValueError:
        raise ValueError("weight_out_of_range:the weight is a number above 0, at most 10") from None
    if not math.isfinite(w) or w <= 0 or w > MAX_WEIGHT:
        raise ValueError("weight_out_of_range:the weight is a number above 0, at most 10")
    return round(w, 3)


class ModelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = None
    notes: str | None = None

    @field_validator("title", mode="before")
    @classmethod
    def _t(cls, v: Any) -> str | None:
        if v is None:
            return None
        t = clean_field(v, 200, multiline=False)
        if not t:
            raise ValueError("model_title_required:a title is required")
        return t

    @field_validator("notes", mode="before")
    @classmethod
    def _n(cls, v: Any) -> str | None:
        return None if v is None else clean_field(v, 4000, multiline=True)


class _PartIn(BaseModel):
    """What a domain, a criterion and an indicator share: a code, a title per language and a
    position (each declares position in its place: fields are checked in their order, and the
    last refusal names the code)."""

    model_config = ConfigDict(extra="forbid")
    CODE_MAX: ClassVar[int] = 20
    code: str | None = None
    title: dict[str, str] | None = None

    @field_validator("code", mode="before")
    @classmethod
    def _c(cls, v: Any) -> str | None:
        return None if v is None else _code(v, cls.CODE_MAX)

    @field_validator("title", mode="before")
    @classmethod
    def _t(cls, v: Any) -> dict | None:
        return None if v is None else _i18n(v, MAX_TITLE, required=True)

    @field_validator("position", mode="before", check_fields=False)
    @classmethod
    def _p(cls, v: Any) -> int | None:
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 1000:
            raise ValueError("position_invalid:a position is a number from 0")
        return v


class DomainIn(_PartIn):
    """A domain's fields; on an update, the fields not given are kept."""

    family: str | None = None
    position: int | None = None

    @field_validator("family", mode="before")
    @classmethod
    def _f(cls, v: Any) -> str | None:
        if v is None:
            return None
        f = str(v).strip().lower() if isinstance(v, str) else None
        if f is None or (f and f not in FAMILIES + DIMENSIONS):
            raise ValueError("family_invalid:a family of the procedure book or a standards dimension")
        return f


class CriterionIn(_PartIn):
    evidence: dict[str, str] | None = None
    tier: str | None = None
    justification: str | None = None
    weight: float | None = None
    procedures: list[str] | None = None
    position: int | None = None
    # moves the criterion to another domain of the same model
    domain_id: int | None = None

    @field_validator("evidence", mode="before")
    @classmethod
    def _e(cls, v: Any) -> dict | None:
        return None if v is None else _i18n(v, MAX_EVIDENCE, required=False, multiline=True)

    @field_validator("tier", mode="before")
    @classmethod
    def _tier(cls, v: Any) -> str | None:
        if v is None:
            return None
        if not isinstance(v, str) or v not in {t.value for t in Tier}:
            raise ValueError("tier_invalid:the tier is must or should")
        return v

    @field_validator("justification", mode="before")
    @classmethod
    def _j(cls, v: Any) -> str | None:
        if v is None:
            return None
        if not isinstance(v, str) or v not in JUSTIFICATION_RULES:
            raise ValueError("justification_rule_invalid:none, below_met or always")
        return v

    @field_validator("weight", mode="before")
    @classmethod
    def _w(cls, v: Any) -> float | None:
        return None if v is None else _weight(v)

    @field_validator("procedures", mode="before")
    @classmethod
    def _procs(cls, v: Any) -> list[str] | None:
        if v is None:
            return None
        if not isinstance(v, list | tuple) or len(v) > 31:
            raise ValueError("procedure_unknown:a list of procedure codes P01 to P31")
        out: list[str] = []
        for p in v:
            code = p.strip().upper() if isinstance(p, str) else ""
            if not _PROC_RE.match(code):
                raise ValueError("procedure_unknown:a list of procedure codes P01 to P31")
            if code not in out:
                out.append(code)
        return sorted(out)

    @field_validator("domain_id", mode="before")
    @classmethod
    def _d(cls, v: Any) -> int | None:
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or not 0 < v < 2**31:
            raise ValueError("ref_domain_not_found:unknown domain")
        return v


class IndicatorIn(_PartIn):
    CODE_MAX: ClassVar[int] = 24
    live_key: str | None = None
    unit: str | None = None
    target: float | None = None
    higher_is_better: bool | None = None
    position: int | None = None

    @field_validator("live_key", mode="before")
    @classmethod
    def _k(cls, v: Any) -> str | None:
        if v is None:
            return None
        k = v.strip() if isinstance(v, str) else None
        if k is None or (k and k not in LIVE_UNITS):
            raise ValueError("live_key_unknown:not a figure the product computes")
        return k

    @field_validator("unit", mode="before")
    @classmethod
    def _u(cls, v: Any) -> str | None:
        if v is None:
            return None
        if not isinstance(v, str) or v not in UNITS:
            raise ValueError(f"unit_invalid:one of {', '.join(UNITS)}")
        return v

    @field_validator("target", mode="before")
    @classmethod
    def _tg(cls, v: Any) -> float | None:
        if v is None or v == "":
            return None
        if isinstance(v, bool):
            raise ValueError("target_out_of_range:the target is a number from 0")
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise ValueError("target_out_of_range:the target is a number from 0") from None
        if not math.isfinite(f) or f < 0 or f > 1_000_000:
            raise ValueError("target_out_of_range:the target is a number from 0")
        return f

    @field_validator("higher_is_better", mode="before")
    @classmethod
    def _h(cls, v: Any) -> bool | None:
        if v is None or isinstance(v, bool):
            return v
        raise ValueError("invalid:true or false")


def _check_indicator(ind: RefIndicator) -> None:
    """Rules across an indicator's fields, on the values it ends up with."""
    if ind.live_key and ind.unit != LIVE_UNITS[ind.live_key]:
        raise Invalid(f"{ind.live_key} is expressed as {LIVE_UNITS[ind.live_key]}", code="live_unit_mismatch",
                      unit=LIVE_UNITS[ind.live_key])
    t = ind.target
    if t is None:
        return
    if (ind.unit == "percent" and t > 100) or (ind.unit == "score5" and t > 5) or (
            ind.unit == "flag" and t not in (0, 1)):
        raise Invalid("target outside the unit's range", code="target_out_of_range")


# ---------------------------------------------------------------- what is read

@dataclass(frozen=True)
class IndicatorView:
    id: int
    code: str
    position: int
    title: dict
    live_key: str
    unit: str
    target: float | None
    higher_is_better: bool


@dataclass(frozen=True)
class CriterionView:
    id: int
    code: str
    domain_id: int
    domain_code: str
    position: int
    title: dict
    tier: str
    evidence: dict
    justification: str
    weight: float
    procedures: tuple[str, ...]
    indicators: tuple[IndicatorView, ...] = ()


@dataclass(frozen=True)
class DomainView:
    id: int
    code: str
    position: int
    family: str
    title: dict
    criteria: tuple[CriterionView, ...] = ()


@dataclass(frozen=True)
class ModelSummary:
    id: int
    version: int
    title: str
    notes: str
    status: str
    current: bool  # the newest published version: new assessments take it
    based_on_id: int | None
    based_on_version: int | None
    created_by_name: str
    created_at: datetime
    published_at: datetime | None
    domains: int
    criteria: int
    musts: int
    indicators: int
    live_indicators: int


@dataclass(frozen=True)
class ModelTree:
    model: ModelSummary
    domains: tuple[DomainView, ...]

    def criteria(self) -> list[CriterionView]:
        return [c for d in self.domains for c in d.criteria]


def text_in(texts: dict | None, lang: str) -> str:
    """A title in the reader's language, French when it has none in that language."""
    texts = texts or {}
    return texts.get(lang) or texts.get("fr") or next(iter(texts.values()), "")


def _ind_view(i: RefIndicator) -> IndicatorView:
    return IndicatorView(i.id, i.code, i.position, dict(i.title), i.live_key, i.unit, i.target, i.higher_is_better)


def _crit_view(c: RefCriterion, domain_code: str, indicators: tuple[IndicatorView, ...] = ()) -> CriterionView:
    return CriterionView(c.id, c.code, c.domain_id, domain_code, c.position, dict(c.title), c.tier, dict(c.evidence),
                         c.justification, c.weight, tuple(c.procedures), indicators)


def _dom_view(d: RefDomain, criteria: tuple[CriterionView, ...] = ()) -> DomainView:
    return DomainView(d.id, d.code, d.position, d.family, dict(d.title), criteria)


def current_model_id(session: Session | None = None) -> int | None:
    """The newest published version: the one a new assessment takes."""
    if session is None:
        with system_session("reference model: current version") as s:
            return current_model_id(s)
    return session.exec(select(ReferenceModel.id).where(ReferenceModel.status == ModelStatus.PUBLISHED.value)
                        .order_by(ReferenceModel.version.desc()).limit(1)).first()


def _summaries(s: Session, models: list[ReferenceModel]) -> list[ModelSummary]:
    ids = [m.id for m in models]
    if not ids:
        return []
    dom = dict(s.exec(select(RefDomain.model_id, func.count()).where(RefDomain.model_id.in_(ids))
                      .group_by(RefDomain.model_id)).all())
    crit = {mid: (n, musts) for mid, n, musts in s.exec(
        select(RefCriterion.model_id, func.count(),
               func.sum(case((RefCriterion.tier == Tier.MUST.value, 1), else_=0)))
        .where(RefCriterion.model_id.in_(ids)).group_by(RefCriterion.model_id)).all()}
    ind = {mid: (n, live) for mid, n, live in s.exec(
        select(RefIndicator.model_id, func.count(),
               func.sum(case((RefIndicator.live_key != "", 1), else_=0)))
        .where(RefIndicator.model_id.in_(ids)).group_by(RefIndicator.model_id)).all()}
    authors = {m.created_by_account_id for m in models if m.created_by_account_id}
    names = dict(s.exec(select(Account.id, Account.full_name).where(Account.id.in_(authors))).all()) if authors else {}
    based = {m.based_on_id for m in models if m.based_on_id}
    versions = dict(s.exec(select(ReferenceModel.id, ReferenceModel.version)
                           .where(ReferenceModel.id.in_(based))).all()) if based else {}
    current = current_model_id(s)
    out = []
    for m in models:
        n_crit, musts = crit.get(m.id, (0, 0))
        n_ind, live = ind.get(m.id, (0, 0))
        out.append(ModelSummary(
            id=m.id, version=m.version, title=m.title, notes=m.notes, status=m.status, current=m.id == current,
            based_on_id=m.based_on_id, based_on_version=versions.get(m.based_on_id),
            created_by_name=names.get(m.created_by_account_id, ""), created_at=m.created_at,
            published_at=m.published_at, domains=dom.get(m.id, 0), criteria=n_crit, musts=int(musts or 0),
            indicators=n_ind, live_indicators=int(live or 0)))
    return out


def model_tree(session: Session, model_id: int) -> ModelTree:
    """The whole tree in model order, for services that have checked who reads it (the
    assessment's questionnaire, its report, the benchmark)."""
    m = session.get(ReferenceModel, model_id)
    if m is None:
        raise NotFound("unknown reference model", code="model_not_found")
    inds: dict[int, list[IndicatorView]] = {}
    for i in session.exec(select(RefIndicator).where(RefIndicator.model_id == model_id)
                          .order_by(RefIndicator.position, RefIndicator.id)).all():
        inds.setdefault(i.criterion_id, []).append(_ind_view(i))
    domains = session.exec(select(RefDomain).where(RefDomain.model_id == model_id)
                           .order_by(RefDomain.position, RefDomain.id)).all()
    codes = {d.id: d.code for d in domains}
    crits: dict[int, list[CriterionView]] = {}
    for c in session.exec(select(RefCriterion).where(RefCriterion.model_id == model_id)
                          .order_by(RefCriterion.position, RefCriterion.id)).all():
        crits.setdefault(c.domain_id, []).append(_crit_view(c, codes.get(c.domain_id, ""),
                                                            tuple(inds.get(c.id, ()))))
    tree = tuple(_dom_view(d, tuple(crits.get(d.id, ()))) for d in domains)
    return ModelTree(_summaries(session, [m])[0], tree)


def load_criteria(session: Session, model_id: int) -> list[CriterionSpec]:
    """The criteria of a version in model order, as the scoring rule takes them (the compute
    job and the benchmark)."""
    if session.get(ReferenceModel, model_id) is None:
        raise NotFound("unknown reference model", code="model_not_found")
    rows = session.exec(
        select(RefCriterion.code, RefDomain.code, RefCriterion.tier, RefCriterion.weight)
        .join(RefDomain, RefDomain.id == RefCriterion.domain_id)
        .where(RefCriterion.model_id == model_id)
        .order_by(RefDomain.position, RefDomain.id, RefCriterion.position, RefCriterion.id)).all()
    return [CriterionSpec(code=c, domain=d, tier=t, weight=w) for c, d, t, w in rows]


# ---------------------------------------------------------------- who may

def _require_reader(actor: Actor | None) -> Actor:
    """Published versions: any staff member, evaluator or admin. Drafts: admins only."""
    if actor is None:
        raise Unauthenticated("sign-in required")
    if not (actor.can(Perm.NETWORK_ADMIN) or actor.can(Perm.NETWORK_EVALUATE) or actor.can(Perm.ASSESSMENT_VIEW)):
        raise Forbidden("missing permission assessment.view", code="forbidden", permission=Perm.ASSESSMENT_VIEW.value)
    return actor


def _visible(actor: Actor, m: ReferenceModel | None) -> ReferenceModel:
    # a draft is the admins' work in progress: to anyone else it does not exist
    if m is None or (m.status == ModelStatus.DRAFT.value and not actor.can(Perm.NETWORK_ADMIN)):
        raise NotFound("unknown reference model", code="model_not_found")
    return m


def _as_id(value: Any, code: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise NotFound("unknown", code=code)
    return value


def _audit(actor: Actor, action: str, model: ReferenceModel, **details: object) -> None:
    log.info("reference model %s: %s by account %s %s", model.version, action, actor.account_id, details or "",
             extra={"audit": {"action": f"reference_model.{action}", "account_id": actor.account_id,
                              "model_id": model.id, "version": model.version, **details}})


# ---------------------------------------------------------------- reading

def list_models(actor: Actor) -> list[ModelSummary]:
    """Every version, newest first (drafts for admins only)."""
    _require_reader(actor)
    with system_session("reference model: list versions") as s:
        q = select(ReferenceModel).order_by(ReferenceModel.version.desc())
        if not actor.can(Perm.NETWORK_ADMIN):
            q = q.where(ReferenceModel.status != ModelStatus.DRAFT.value)
        return _summaries(s, list(s.exec(q).all()))


def get_model(actor: Actor, model_id: Any) -> ModelTree:
    _require_reader(actor)
    mid = _as_id(model_id, "model_not_found")
    with system_session("reference model: read a version") as s:
        _visible(actor, s.get(ReferenceModel, mid))
        return model_tree(s, mid)


# ---------------------------------------------------------------- the default model

@lru_cache(maxsize=1)
def default_model_spec() -> dict:
    """The seeded model's content, checked by the same rules as an admin's edits."""
    raw = yaml.safe_load(DEFAULT_MODEL_FILE.read_text(encoding="utf-8"))
    head = parse(ModelIn, {"title": raw.get("title"), "notes": raw.get("notes")})
    domains = []
    for d in raw.get("domains") or []:
        dom = parse(DomainIn, {k: d.get(k) for k in ("code", "title", "family")})
        criteria = []
        for c in d.get("criteria") or []:
            crit = parse(CriterionIn, {k: c.get(k) for k in ("code", "title", "evidence", "tier", "justification",
                                                             "weight", "procedures")})
            inds = [parse(IndicatorIn, {k: i.get(k) for k in ("code", "title", "live_key", "unit", "target",
                                                              "higher_is_better")})
                    for i in c.get("indicators") or []]
            criteria.append((crit, inds))
        domains.append((dom, criteria))
    return {"title": head.title, "notes": head.notes or "", "domains": domains}


def _write_spec(s: Session, m: ReferenceModel, spec: dict) -> None:
    codes: set[str] = set()
    for dpos, (dom, criteria) in enumerate(spec["domains"]):
        d = RefDomain(model_id=m.id, code=dom.code, position=dpos, family=dom.family or "", title=dom.title)
        _claim(codes, d.code)
        s.add(d)
        s.flush()
        for cpos, (crit, inds) in enumerate(criteria):
            c = RefCriterion(model_id=m.id, domain_id=d.id, code=crit.code, position=cpos, title=crit.title,
                             evidence=crit.evidence or {}, tier=crit.tier or Tier.SHOULD.value,
                             justification=crit.justification or "below_met", weight=crit.weight or 1.0,
                             procedures=crit.procedures or [])
            _claim(codes, c.code)
            s.add(c)
            s.flush()
            for ipos, ind in enumerate(inds):
                i = RefIndicator(model_id=m.id, criterion_id=c.id, code=ind.code, position=ipos, title=ind.title,
                                 live_key=ind.live_key or "", unit=ind.unit or LIVE_UNITS.get(ind.live_key or "", ""),
                                 target=ind.target,
                                 higher_is_better=True if ind.higher_is_better is None else ind.higher_is_better)
                _check_indicator(i)
                _claim(codes, i.code)
                s.add(i)


def _claim(codes: set[str], code: str) -> None:
    if not code:
        raise Invalid("a code is required", code="code_invalid")
    if code in codes:
        raise Conflict(f"code {code} is used twice", code="code_taken", code_value=code)
    codes.add(code)


def ensure_default_model() -> int | None:
    """Seed the default model as version 1, published, when the network has no model yet
    (idempotent; the demo and `cc-network reference-model seed` call it). Returns the current
    version's id."""
    spec = default_model_spec()
    with system_session("reference model: seed the default") as s:
        if s.exec(select(ReferenceModel.id).limit(1)).first() is not None:
            return current_model_id(s)
        try:
            with transaction(s):
                m = ReferenceModel(version=1, title=spec["title"], notes=spec["notes"],
                                   status=ModelStatus.PUBLISHED.value, published_at=utcnow())
                s.add(m)
                s.flush()
                _write_spec(s, m, spec)
        except IntegrityError:
            # seeded at the same moment by another process: its version 1 stands
            return current_model_id(s)
        log.info("reference model: default seeded as version 1 (id %s)", m.id)
        return m.id


# ---------------------------------------------------------------- versions

def _require_admin(actor: Actor | None) -> Actor:
    return require(actor, Perm.NETWORK_ADMIN)


def _lock_model(s: Session, model_id: int) -> ReferenceModel:
    m = s.exec(select(ReferenceModel).where(ReferenceModel.id == model_id).with_for_update()).first()
    if m is None:
        raise NotFound("unknown reference model", code="model_not_found")
    return m


@contextlib.contextmanager
def _draft(actor: Actor, model_id: Any, reason: str) -> Iterator[tuple[Session, ReferenceModel]]:
    """One edit of a draft, in one transaction; the version is locked so that publishing
    cannot slip in between the check and the write."""
    _require_admin(actor)
    mid = _as_id(model_id, "model_not_found")
    with system_session(f"reference model: {reason} (admin)") as s, transaction(s):
        m = _lock_model(s, mid)
        if m.status not in EDITABLE:
            raise Conflict("a published or retired version is never edited: make a new version",
                           code="model_not_draft", status=m.status)
        yield s, m


def do_new_version(actor: Actor, from_model_id: Any, *, title: str | None = None) -> ModelSummary:
    """A draft that copies a version (any status) in full: domains, criteria, indicators."""
    _require_admin(actor)
    src_id = _as_id(from_model_id, "model_not_found")
    head = parse(ModelIn, {"title": title})
    for _attempt in range(3):
        with system_session("reference model: new version (admin)") as s:
            src = s.get(ReferenceModel, src_id)
            if src is None:
                raise NotFound("unknown reference model", code="model_not_found")
            try:
                with transaction(s):
                    last = s.exec(select(func.max(ReferenceModel.version))).one() or 0
                    m = ReferenceModel(version=last + 1, title=head.title or src.title, notes=src.notes,
                                       status=ModelStatus.DRAFT.value, based_on_id=src.id,
                                       created_by_account_id=actor.account_id)
                    s.add(m)
                    s.flush()
                    _copy_tree(s, src.id, m.id)
            except IntegrityError:
                continue  # another admin took this version number at the same moment: take the next
            _audit(actor, "version_created", m, based_on=src.version)
            return _summaries(s, [m])[0]
    raise Conflict("another version was being created: try again", code="version_taken")


def _copy_tree(s: Session, src_id: int, dst_id: int) -> None:
    dom_map: dict[int, int] = {}
    for d in s.exec(select(RefDomain).where(RefDomain.model_id == src_id).order_by(RefDomain.id)).all():
        nd = RefDomain(model_id=dst_id, code=d.code, position=d.position, family=d.family, title=dict(d.title))
        s.add(nd)
        s.flush()
        dom_map[d.id] = nd.id
    crit_map: dict[int, int] = {}
    for c in s.exec(select(RefCriterion).where(RefCriterion.model_id == src_id).order_by(RefCriterion.id)).all():
        nc = RefCriterion(model_id=dst_id, domain_id=dom_map[c.domain_id], code=c.code, position=c.position,
                          title=dict(c.title), tier=c.tier, evidence=dict(c.evidence), justification=c.justification,
                          weight=c.weight, procedures=list(c.procedures))
        s.add(nc)
        s.flush()
        crit_map[c.id] = nc.id
    for i in s.exec(select(RefIndicator).where(RefIndicator.model_id == src_id).order_by(RefIndicator.id)).all():
        s.add(RefIndicator(model_id=dst_id, criterion_id=crit_map[i.criterion_id], code=i.code, position=i.position,
                           title=dict(i.title), live_key=i.live_key, unit=i.unit, target=i.target,
                           higher_is_better=i.higher_is_better))
    s.flush()


def do_update_model(actor: Actor, model_id: Any, data: Any) -> ModelSummary:
    body = parse(ModelIn, data)
    with _draft(actor, model_id, "edit a draft's title") as (s, m):
        if body.title is not None:
            m.title = body.title
        if body.notes is not None:
            m.notes = body.notes
        s.add(m)
        s.flush()
        _audit(actor, "draft_updated", m)
        return _summaries(s, [m])[0]


def do_delete_draft(actor: Actor, model_id: Any) -> None:
    """Discard a draft (no assessment can use a draft, so nothing points at it)."""
    with _draft(actor, model_id, "discard a draft") as (s, m):
        if s.exec(select(ReferenceModel.id).where(ReferenceModel.based_on_id == m.id).limit(1)).first() or \
                s.exec(select(Assessment.id).where(Assessment.model_id == m.id).limit(1)).first():
            raise Conflict("a version was copied from this draft, or an assessment uses it", code="model_in_use")
        for table in (RefIndicator, RefCriterion, RefDomain):
            s.exec(delete(table).where(table.model_id == m.id))
        s.delete(m)
        _audit(actor, "draft_deleted", m)


def do_publish(actor: Actor, model_id: Any, *, retire_older: bool = False) -> ModelSummary:
    """Draft -> published: frozen from now on, and the version new assessments take. The
    previous published versions stay readable (and in use by their assessments); with
    `retire_older` they are marked retired."""
    if not isinstance(retire_older, bool):
        raise Invalid("retire_older: true or false", code="invalid")
    with _draft(actor, model_id, "publish") as (s, m):
        domains = s.exec(select(RefDomain.id, RefDomain.code).where(RefDomain.model_id == m.id)
                         .order_by(RefDomain.position, RefDomain.id)).all()
        if not domains:
            raise Invalid("a version needs at least one domain", code="model_empty")
        filled = set(s.exec(select(RefCriterion.domain_id).where(RefCriterion.model_id == m.id)).all())
        for did, code in domains:
            if did not in filled:
                raise Invalid(f"domain {code} has no criterion", code="domain_empty", domain=code)
        retired = 0
        if retire_older:
            retired = s.exec(update(ReferenceModel).where(ReferenceModel.status == ModelStatus.PUBLISHED.value,
                                                          ReferenceModel.version < m.version)
                             .values(status=ModelStatus.RETIRED.value)).rowcount
        m.status = ModelStatus.PUBLISHED.value
        m.published_at = utcnow()
        s.add(m)
        s.flush()
        _audit(actor, "published", m, retired=retired)
        return _summaries(s, [m])[0]


def do_retire(actor: Actor, model_id: Any) -> ModelSummary:
    """Published -> retired: new assessments no longer take it; its assessments keep it."""
    _require_admin(actor)
    mid = _as_id(model_id, "model_not_found")
    with system_session("reference model: retire (admin)") as s, transaction(s):
        m = _lock_model(s, mid)
        if m.status != ModelStatus.PUBLISHED.value:
            raise Conflict("only a published version is retired", code="model_not_published", status=m.status)
        others = s.exec(select(func.count()).select_from(ReferenceModel).where(
            ReferenceModel.status == ModelStatus.PUBLISHED.value, ReferenceModel.id != m.id)).one()
        if not others:
            raise Conflict("the only published version cannot be retired: publish another first",
                           code="model_last_published")
        m.status = ModelStatus.RETIRED.value
        s.add(m)
        s.flush()
        _audit(actor, "retired", m)
        return _summaries(s, [m])[0]


# ---------------------------------------------------------------- editing a draft

def _codes(s: Session, model_id: int) -> set[str]:
    out: set[str] = set()
    for table in (RefDomain, RefCriterion, RefIndicator):
        out |= set(s.exec(select(table.code).where(table.model_id == model_id)).all())
    return out


def _free_code(s: Session, model_id: int, code: str, *, own: str = "") -> str:
    # one code space per model: the benchmark keys its figures by domain and criterion code
    if code != own and code in _codes(s, model_id):
        raise Conflict(f"code {code} is already used in this version", code="code_taken", code_value=code)
    return code


def _next_code(s: Session, model_id: int, prefix: str, *, letters: bool) -> str:
    """The first free code under a parent's: PLA.5 for a criterion, PLA.5.B for an indicator."""
    used = _codes(s, model_id)
    for n in range(1, 1000):
        suffix = chr(ord("A") + n - 1) if letters and n <= 26 else str(n)
        code = f"{prefix}.{suffix}"
        if code not in used and len(code) <= 24:
            return code
    raise Invalid("no free code: give one", code="code_invalid")


def _place(items: list, item: Any, position: int | None) -> None:
    """Put `item` at `position` among its siblings (the end when None) and number them 0..n-1."""
    rest = [x for x in items if x.id != item.id]
    at = len(rest) if position is None else min(max(position, 0), len(rest))
    rest.insert(at, item)
    for i, x in enumerate(rest):
        x.position = i


def _siblings(s: Session, table: type, **where: int) -> list:
    q = select(table)
    for k, v in where.items():
        q = q.where(getattr(table, k) == v)
    return list(s.exec(q.order_by(table.position, table.id)).all())


def _in_model(s: Session, table: type, item_id: Any, model_id: int, code: str) -> Any:
    iid = _as_id(item_id, code)
    row = s.get(table, iid)
    if row is None or row.model_id != model_id:
        raise NotFound("unknown", code=code)
    return row


def _titled(body: _PartIn) -> None:
    # a new part is written in French first; an update may leave its title as it is
    if body.title is None:
        raise Invalid("the French title is required", code="title_fr_required")


def _room(siblings: list, most: int, what: str) -> None:
    if len(siblings) >= most:
        raise Invalid(f"at most {most} {what}", code="too_many_items", max=most)


def _insert(s: Session, siblings: list, item: Any, position: int | None) -> None:
    """A new part among its siblings, at `position` (the end when None)."""
    s.add(item)
    s.flush()
    _place(siblings + [item], item, position)
    s.flush()


def _recode(s: Session, m: ReferenceModel, item: Any, code: str | None) -> None:
    if code:
        item.code = _free_code(s, m.id, code, own=item.code)


def _set_given(item: Any, body: _PartIn, fields: tuple[str, ...]) -> None:
    """On an update, the fields given replace the part's; those not given (None) are kept."""
    for f in fields:
        v = getattr(body, f)
        if v is not None:
            setattr(item, f, v)


def _remove(s: Session, item: Any, table: type, **parent: int) -> None:
    """Delete a part (its children gone first) and number its former siblings again."""
    s.delete(item)
    s.flush()
    _renumber(_siblings(s, table, **parent))


def do_add_domain(actor: Actor, model_id: Any, data: Any) -> DomainView:
    body = parse(DomainIn, data)
    _titled(body)
    if not body.code:
        raise Invalid("a domain needs a code", code="code_invalid")
    with _draft(actor, model_id, "add a domain") as (s, m):
        siblings = _siblings(s, RefDomain, model_id=m.id)
        _room(siblings, MAX_DOMAINS, "domains")
        d = RefDomain(model_id=m.id, code=_free_code(s, m.id, body.code), family=body.family or "", title=body.title)
        _insert(s, siblings, d, body.position)
        _audit(actor, "domain_added", m, domain=d.code)
        return _dom_view(d)


def do_update_domain(actor: Actor, model_id: Any, domain_id: Any, data: Any) -> DomainView:
    body = parse(DomainIn, data)
    with _draft(actor, model_id, "edit a domain") as (s, m):
        d = _in_model(s, RefDomain, domain_id, m.id, "ref_domain_not_found")
        _recode(s, m, d, body.code)
        _set_given(d, body, ("title", "family"))
        if body.position is not None:
            _place(_siblings(s, RefDomain, model_id=m.id), d, body.position)
        s.add(d)
        s.flush()
        # the criteria's view names their domain's code
        _audit(actor, "domain_updated", m, domain=d.code)
        return _dom_view(d)


def do_delete_domain(actor: Actor, model_id: Any, domain_id: Any) -> None:
    with _draft(actor, model_id, "delete a domain") as (s, m):
        d = _in_model(s, RefDomain, domain_id, m.id, "ref_domain_not_found")
        crit_ids = select(RefCriterion.id).where(RefCriterion.domain_id == d.id)
        s.exec(delete(RefIndicator).where(RefIndicator.criterion_id.in_(crit_ids)))
        s.exec(delete(RefCriterion).where(RefCriterion.domain_id == d.id))
        _remove(s, d, RefDomain, model_id=m.id)
        _audit(actor, "domain_deleted", m, domain=d.code)


def _renumber(items: list) -> None:
    for i, x in enumerate(items):
        x.position = i


def do_add_criterion(actor: Actor, model_id: Any, domain_id: Any, data: Any) -> CriterionView:
    body = parse(CriterionIn, data)
    _titled(body)
    with _draft(actor, model_id, "add a criterion") as (s, m):
        d = _in_model(s, RefDomain, domain_id, m.id, "ref_domain_not_found")
        siblings = _siblings(s, RefCriterion, domain_id=d.id)
        _room(siblings, MAX_CRITERIA_PER_DOMAIN, "criteria")
        code = _free_code(s, m.id, body.code) if body.code else _next_code(s, m.id, d.code, letters=False)
        c = RefCriterion(model_id=m.id, domain_id=d.id, code=code, title=body.title, evidence=body.evidence or {},
                         tier=body.tier or Tier.SHOULD.value, justification=body.justification or "below_met",
                         weight=body.weight or 1.0, procedures=body.procedures or [])
        _insert(s, siblings, c, body.position)
        _audit(actor, "criterion_added", m, criterion=c.code)
        return _crit_view(c, d.code)


def do_update_criterion(actor: Actor, model_id: Any, criterion_id: Any, data: Any) -> CriterionView:
    body = parse(CriterionIn, data)
    with _draft(actor, model_id, "edit a criterion") as (s, m):
        c = _in_model(s, RefCriterion, criterion_id, m.id, "ref_criterion_not_found")
        _recode(s, m, c, body.code)
        _set_given(c, body, ("title", "evidence", "tier", "justification", "weight", "procedures"))
        old_domain = c.domain_id
        if body.domain_id is not None and body.domain_id != c.domain_id:
            target = _in_model(s, RefDomain, body.domain_id, m.id, "ref_domain_not_found")
            c.domain_id = target.id
            s.add(c)
            s.flush()
            _renumber([x for x in _siblings(s, RefCriterion, domain_id=old_domain) if x.id != c.id])
            _place(_siblings(s, RefCriterion, domain_id=c.domain_id), c, body.position)
        elif body.position is not None:
            _place(_siblings(s, RefCriterion, domain_id=c.domain_id), c, body.position)
        s.add(c)
        s.flush()
        d = s.get(RefDomain, c.domain_id)
        _audit(actor, "criterion_updated", m, criterion=c.code)
        inds = tuple(_ind_view(i) for i in _siblings(s, RefIndicator, criterion_id=c.id))
        return _crit_view(c, d.code if d else "", inds)


def do_delete_criterion(actor: Actor, model_id: Any, criterion_id: Any) -> None:
    with _draft(actor, model_id, "delete a criterion") as (s, m):
        c = _in_model(s, RefCriterion, criterion_id, m.id, "ref_criterion_not_found")
        s.exec(delete(RefIndicator).where(RefIndicator.criterion_id == c.id))
        _remove(s, c, RefCriterion, domain_id=c.domain_id)
        _audit(actor, "criterion_deleted", m, criterion=c.code)


def do_add_indicator(actor: Actor, model_id: Any, criterion_id: Any, data: Any) -> IndicatorView:
    body = parse(IndicatorIn, data)
    _titled(body)
    with _draft(actor, model_id, "add an indicator") as (s, m):
        c = _in_model(s, RefCriterion, criterion_id, m.id, "ref_criterion_not_found")
        siblings = _siblings(s, RefIndicator, criterion_id=c.id)
        _room(siblings, MAX_INDICATORS_PER_CRITERION, "indicators")
        code = _free_code(s, m.id, body.code) if body.code else _next_code(s, m.id, c.code, letters=True)
        live = body.live_key or ""
        i = RefIndicator(model_id=m.id, criterion_id=c.id, code=code, title=body.title, live_key=live,
                         unit=body.unit or LIVE_UNITS.get(live, "number"), target=body.target,
                         higher_is_better=True if body.higher_is_better is None else body.higher_is_better)
        _check_indicator(i)
        _insert(s, siblings, i, body.position)
        _audit(actor, "indicator_added", m, indicator=i.code)
        return _ind_view(i)


def do_update_indicator(actor: Actor, model_id: Any, indicator_id: Any, data: Any) -> IndicatorView:
    body = parse(IndicatorIn, data)
    with _draft(actor, model_id, "edit an indicator") as (s, m):
        i = _in_model(s, RefIndicator, indicator_id, m.id, "ref_indicator_not_found")
        _recode(s, m, i, body.code)
        if body.live_key is not None:
            i.live_key = body.live_key
            if body.unit is None and i.live_key:
                i.unit = LIVE_UNITS[i.live_key]
        # after the live figure's unit: a unit given wins
        _set_given(i, body, ("title", "unit", "higher_is_better"))
        if "target" in body.model_fields_set:
            i.target = body.target
        _check_indicator(i)
        if body.position is not None:
            _place(_siblings(s, RefIndicator, criterion_id=i.criterion_id), i, body.position)
        s.add(i)
        s.flush()
        _audit(actor, "indicator_updated", m, indicator=i.code)
        return _ind_view(i)


def do_delete_indicator(actor: Actor, model_id: Any, indicator_id: Any) -> None:
    with _draft(actor, model_id, "delete an indicator") as (s, m):
        i = _in_model(s, RefIndicator, indicator_id, m.id, "ref_indicator_not_found")
        _remove(s, i, RefIndicator, criterion_id=i.criterion_id)
        _audit(actor, "indicator_deleted", m, indicator=i.code)
