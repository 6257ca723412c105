"""The cross-centre benchmark (issue 8, item 4): each centre's scores against the network's
median and quartiles, per peer group, kept up to date incrementally.

Inputs (CentreScore): per model version and centre, the scores ("overall", each domain code,
each criterion code) of ONE assessment: the centre's latest evaluated external evaluation on
that version when there is one (independent raters agreed on it, so it compares fairly across
centres), else its latest evaluated self-assessment. Criteria rated "not applicable" or
"insufficient evidence" have no score and no row: they count in no distribution.

Peer groups: "all", "kind:<Tenant.kind>", "size:<band>" and "kind:<kind>|size:<band>", from
the kind and size band stored on the assessment when it was evaluated (the hook fills them from
the centre when the evaluation left them empty). Size band: active students on the platform,
small < 500 <= medium < 2000 <= large.

Figures (BenchmarkStat): n, min, max and the quartiles by linear interpolation between order
statistics (PostgreSQL's percentile_cont, Python's statistics.quantiles(method="inclusive")).
`recompute_all` rebuilds a model's figures in one pass (on PostgreSQL one INSERT ... SELECT with
percentile_cont over grouping sets; on SQLite one read of (key, kind, band, score, count) runs,
quartiles in Python). `on_evaluated` (an EVALUATED_HOOK) rewrites one centre's rows and recomputes
only the peer groups that centre was or is in and, when it stayed in the same groups, only the keys
whose score changed (on PostgreSQL one INSERT ... SELECT of percentile_cont per group; on SQLite
the runs of those keys). Tests and the bench check that incremental and full give the same figures.

Red / amber / green (RAG), per criterion, domain or overall score, against the chosen peer group:
- red: below 34 ("not met" on average), or a "must" criterion below "met" (66.67), or below the
  peers' first quartile while not "met";
- green: otherwise, when "met" on average (>= 66.67) or at or above the peers' third quartile;
- amber: everything else. The quartile rules apply only with at least K_ANON centres in the group.

Who sees what: network admins every centre; external evaluators the aggregates of every centre
but names and per-centre scores only of the centres assigned to them (an unassigned centre is
"not found"); a centre's staff (ASSESSMENT_VIEW) their own centre against anonymous aggregates:
no other centre's id, name or score, no min/max, and no figure of a group of fewer than K_ANON
centres (two centres' median would give the other's score away).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, text
from sqlmodel import Session, select

from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import Invalid, NotFound
from tenants.core.actor import Actor, require
from tenants.core.models import Tenant
from tenants.core.roles import Perm
from workflows.assessment import hooks
from workflows.assessment.external import assigned_centre_ids
from workflows.assessment.models import (
    Assessment,
    AssessmentStatus,
    BenchmarkStat,
    CentreScore,
    Mode,
    RefCriterion,
    RefDomain,
    ReferenceModel,
    Tier,
)
from workflows.assessment.peers import SIZE_BANDS, centre_profile, size_band  # noqa: F401

ALL = "all"
OVERALL = "overall"
K_ANON = 3
RED_BELOW = 34.0
MET_SCORE = 66.67  # a criterion rated 2 ("met") scores 2/3 x 100
EVALUATED = (AssessmentStatus.EVALUATED.value, AssessmentStatus.CLOSED.value)
_GROUP_RE = re.compile(r"^(all|kind:[a-z_]{1,40}|size:(small|medium|large)|kind:[a-z_]{1,40}\|size:(small|medium|large))$")


# ---------------------------------------------------------------- pure helpers

def groups_of(kind: str, band: str) -> list[str]:
    """The peer groups a centre of this kind and size band belongs to."""
    out = [ALL]
    if kind:
        out.append(f"kind:{kind}")
    if band:
        out.append(f"size:{band}")
    if kind and band:
        out.append(f"kind:{kind}|size:{band}")
    return out


def quartiles(ordered: list[float]) -> tuple[float, float, float]:
    """(q1, median, q3) of an ascending, non-empty list: linear interpolation at p x (n - 1),
    as percentile_cont does."""
    n = len(ordered)

    def at(p: float) -> float:
        pos = p * (n - 1)
        lo = int(pos)
        frac = pos - lo
        if frac == 0 or lo + 1 >= n:
            return ordered[lo]
        return ordered[lo] + (ordered[lo + 1] - ordered[lo]) * frac

    return at(0.25), at(0.5), at(0.75)


def rag(score: float | None, stat: dict | None = None, *, must: bool = False) -> str:
    """"red" | "amber" | "green" | "none" (no score), by the rule in the module docstring."""
    if score is None:
        return "none"
    usable = bool(stat) and (stat.get("n") or 0) >= K_ANON and stat.get("q1") is not None
    if score < RED_BELOW or (must and score < MET_SCORE):
        return "red"
    if usable and score < stat["q1"] and score < MET_SCORE:
        return "red"
    if score >= MET_SCORE or (usable and score >= stat["q3"]):
        return "green"
    return "amber"


def check_group(peer_group: Any) -> str:
    g = str(peer_group or ALL).strip()
    if not _GROUP_RE.match(g):
        raise Invalid("unknown peer group", code="benchmark_peer_group")
    return g


def _check_id(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise NotFound(what, code="not_found")
    try:
        v = int(value)
    except ValueError:
        raise NotFound(what, code="not_found") from None
    if v <= 0:
        raise NotFound(what, code="not_found")
    return v


# ---------------------------------------------------------------- inputs: a centre's rows

def chosen_assessment(session: Session, tenant_id: int, model_id: int) -> Assessment | None:
    """The assessment the benchmark takes for this centre on this model version."""
    return session.exec(
        select(Assessment)
        .where(Assessment.tenant_id == tenant_id, Assessment.model_id == model_id,
               Assessment.status.in_(EVALUATED), Assessment.overall_score.is_not(None))
        .order_by(case((Assessment.mode == Mode.EXTERNAL.value, 0), else_=1),
                  Assessment.evaluated_at.desc(), Assessment.id.desc())
        .limit(1)).first()


def score_rows(result: dict) -> list[tuple[str, float]]:
    rows: list[tuple[str, float]] = []
    if result.get("overall") is not None:
        rows.append((OVERALL, float(result["overall"])))
    for part in ("domains", "criteria"):
        for key, score in (result.get(part) or {}).items():
            if score is not None:
                rows.append((key, float(score)))
    return rows


@dataclass
class Change:
    """What one centre's rewrite may have changed: these peer groups, and of them only these
    keys (None: every key, when the centre entered or left a group)."""

    groups: set[str]
    keys: set[str] | None


def refresh_centre(session: Session, tenant_id: int, model_id: int) -> Change:
    """Rewrite the centre's CentreScore rows of this model from its chosen assessment."""
    before = session.exec(select(CentreScore.key, CentreScore.score, CentreScore.peer_kind, CentreScore.size_band)
                          .where(CentreScore.model_id == model_id, CentreScore.centre_id == tenant_id)).all()
    old_groups = set(groups_of(before[0][2], before[0][3])) if before else set()
    old_scores = {k: v for k, v, _, _ in before}
    session.execute(delete(CentreScore).where(CentreScore.model_id == model_id,
                                              CentreScore.centre_id == tenant_id))
    new_groups: set[str] = set()
    new_scores: dict[str, float] = {}
    a = chosen_assessment(session, tenant_id, model_id)
    if a is not None:
        if not a.peer_kind or not a.size_band:
            kind, band = centre_profile(session, tenant_id)
            a.peer_kind = a.peer_kind or kind
            a.size_band = a.size_band or band
            session.add(a)
        at = a.evaluated_at or utcnow()
        new_scores = dict(score_rows(a.result or {}))
        if new_scores:
            session.execute(insert(CentreScore), [
                {"model_id": model_id, "centre_id": tenant_id, "assessment_id": a.id, "key": k, "score": v,
                 "peer_kind": a.peer_kind, "size_band": a.size_band, "evaluated_at": at}
                for k, v in new_scores.items()])
            new_groups = set(groups_of(a.peer_kind, a.size_band))
    if old_groups != new_groups:
        return Change(old_groups | new_groups, None)
    # same groups: only the keys whose score came, went or moved
    return Change(new_groups, {k for k in old_scores.keys() | new_scores.keys()
                               if old_scores.get(k) != new_scores.get(k)})


def on_evaluated(session: Session, assessment: Any) -> None:
    """EVALUATED_HOOK: keep the benchmark in step with one newly evaluated assessment."""
    change = refresh_centre(session, assessment.tenant_id, assessment.model_id)
    if change.groups and (change.keys is None or change.keys):
        recompute(session, assessment.model_id, change.groups, keys=change.keys)


if on_evaluated not in hooks.EVALUATED_HOOKS:
    hooks.EVALUATED_HOOKS.append(on_evaluated)


def rebuild_model(model_id: int) -> int:
    """Rewrite every centre's rows of a model from the assessments, then all its figures (after a
    backfill or a restore). Returns the number of centres in the benchmark."""
    with system_session("benchmark: rebuild a model's centre scores") as s:
        centres = s.exec(select(Assessment.tenant_id).where(Assessment.model_id == model_id,
                                                            Assessment.status.in_(EVALUATED))
                         .distinct()).all()
        stale = s.exec(select(CentreScore.centre_id).where(CentreScore.model_id == model_id).distinct()).all()
        for tid in sorted(set(centres) | set(stale)):
            refresh_centre(s, tid, model_id)
        recompute(s, model_id, None)
        n = s.exec(select(func.count(func.distinct(CentreScore.centre_id)))
                   .where(CentreScore.model_id == model_id)).one()
        s.commit()
        return n


# ---------------------------------------------------------------- figures

def recompute_all(model_id: int, session: Session | None = None) -> int:
    """Every figure of a model, from its CentreScore rows. Returns the number of figures."""
    if session is not None:
        return recompute(session, model_id, None)
    with system_session("benchmark: full recompute") as s:
        n = recompute(s, model_id, None)
        s.commit()
        return n


def recompute(session: Session, model_id: int, groups: Iterable[str] | None,
              keys: Iterable[str] | None = None) -> int:
    """Replace the figures of `groups` (None: every group) of a model, for `keys` (None: every
    key). Returns how many it wrote."""
    wanted = None if groups is None else sorted(set(groups))
    only = None if keys is None else sorted(set(keys))
    stmt = delete(BenchmarkStat).where(BenchmarkStat.model_id == model_id)
    if wanted is not None:
        stmt = stmt.where(BenchmarkStat.peer_group.in_(wanted))
    if only is not None:
        stmt = stmt.where(BenchmarkStat.key.in_(only))
    session.execute(stmt)
    if session.get_bind().dialect.name == "postgresql":
        if wanted is None and only is None:
            return _recompute_pg_all(session, model_id)
        if wanted is not None:
            return _recompute_pg_groups(session, model_id, wanted, only)
    rows = _figures_py(session, model_id, wanted, only)
    if rows:
        session.execute(insert(BenchmarkStat), rows)
    return len(rows)


def _figures_py(session: Session, model_id: int, wanted: list[str] | None,
                keys: list[str] | None = None) -> list[dict]:
    # One read of (key, kind, band, score, count) runs: scores sit on a 0-3 scale, so a key's
    # thousand values are a handful of runs (per-row fetching is what costs on SQLite). A peer
    # group's distribution is the runs of its cells, merged.
    want = None if wanted is None else set(wanted)
    if keys is not None and not keys:
        return []
    sql = ("SELECT key, peer_kind, size_band, score, count(*) FROM centre_score WHERE model_id = {}{} "
           "GROUP BY key, peer_kind, size_band, score")
    if session.get_bind().dialect.name == "sqlite":
        # the DB-API cursor of the session's own connection (same transaction): Row objects for
        # a few thousand runs would cost as much as the query
        cur = session.connection().connection.cursor()
        try:
            only = "" if keys is None else f" AND key IN ({', '.join('?' for _ in keys)})"
            cur.execute(sql.format("?", only), (model_id, *(keys or ())))
            rows = cur.fetchall()
        finally:
            cur.close()
    else:
        stmt = text(sql.format(":m", "" if keys is None else " AND key IN :keys"))
        params: dict[str, Any] = {"m": model_id}
        if keys is not None:
            stmt = stmt.bindparams(bindparam("keys", expanding=True))
            params["keys"] = list(keys)
        rows = session.execute(stmt, params).all()
    runs: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
    memo: dict[tuple[str, str], list[str]] = {}
    for key, kind, band, score, count in rows:
        gs = memo.get((kind, band))
        if gs is None:
            gs = memo[(kind, band)] = [g for g in groups_of(kind, band) if want is None or g in want]
        for g in gs:
            runs[(g, key)].append((score, count))
    now = utcnow()
    out = []
    for (g, key), rs in runs.items():
        rs.sort()
        n = sum(c for _, c in rs)
        q1, med, q3 = quartiles_of_runs(rs, n)
        out.append({"model_id": model_id, "peer_group": g, "key": key, "n": n, "median": med,
                    "q1": q1, "q3": q3, "minimum": rs[0][0], "maximum": rs[-1][0], "updated_at": now})
    return out


def quartiles_of_runs(runs: list[tuple[float, int]], n: int) -> tuple[float, float, float]:
    """`quartiles` of the list the ascending (value, count) runs stand for, without expanding it."""
    idx = []
    for p in (0.25, 0.5, 0.75):
        pos = p * (n - 1)
        lo = int(pos)
        idx.append((lo, pos - lo))
    wanted = sorted({i for lo, _ in idx for i in (lo, min(lo + 1, n - 1))})
    at: dict[int, float] = {}
    seen, k = 0, 0
    for value, count in runs:
        seen += count
        while k < len(wanted) and wanted[k] < seen:
            at[wanted[k]] = value
            k += 1
        if k == len(wanted):
            break
    res = []
    for lo, frac in idx:
        a = at[lo]
        res.append(a if frac == 0 or lo + 1 >= n else a + (at[lo + 1] - a) * frac)
    return res[0], res[1], res[2]


_PG_PC = "percentile_cont(ARRAY[0.25, 0.5, 0.75]::float8[]) WITHIN GROUP (ORDER BY score) AS pc"


def _recompute_pg_all(session: Session, model_id: int) -> int:
    """Every figure of a model in one statement: one sort per grouping set, percentile_cont."""
    sql = f"""
    INSERT INTO benchmark_stat (model_id, peer_group, key, n, median, q1, q3, minimum, maximum, updated_at)
    SELECT :m, g, key, n, pc[2], pc[1], pc[3], lo, hi, now() FROM (
      SELECT CASE WHEN GROUPING(peer_kind) = 0 AND GROUPING(size_band) = 0
                    THEN 'kind:' || peer_kind || '|size:' || size_band
                  WHEN GROUPING(peer_kind) = 0 THEN 'kind:' || peer_kind
                  WHEN GROUPING(size_band) = 0 THEN 'size:' || size_band
                  ELSE 'all' END AS g,
             key, count(*) AS n, {_PG_PC}, min(score) AS lo, max(score) AS hi
      FROM centre_score WHERE model_id = :m
      GROUP BY GROUPING SETS ((key), (key, peer_kind), (key, size_band), (key, peer_kind, size_band))
      HAVING (GROUPING(peer_kind) = 1 OR peer_kind <> '') AND (GROUPING(size_band) = 1 OR size_band <> '')
    ) t"""
    return session.execute(text(sql), {"m": model_id}).rowcount


def _recompute_pg_groups(session: Session, model_id: int, groups: list[str], keys: list[str] | None) -> int:
    """The figures of a few peer groups (and keys), percentile_cont per group in one statement."""
    params: dict[str, Any] = {"m": model_id}
    parts = []
    key_filter = ""
    if keys is not None:
        key_filter = " AND key IN :keys"
        params["keys"] = list(keys)
    for i, g in enumerate(groups):
        cond = ""
        for part in g.split("|"):
            if part.startswith("kind:"):
                cond += f" AND peer_kind = :k{i}"
                params[f"k{i}"] = part[5:]
            elif part.startswith("size:"):
                cond += f" AND size_band = :b{i}"
                params[f"b{i}"] = part[5:]
        params[f"g{i}"] = g
        parts.append(f"SELECT CAST(:g{i} AS varchar) AS g, key, count(*) AS n, {_PG_PC}, min(score) AS lo, "
                     f"max(score) AS hi FROM centre_score WHERE model_id = :m{cond}{key_filter} GROUP BY key")
    stmt = text("INSERT INTO benchmark_stat (model_id, peer_group, key, n, median, q1, q3, minimum, maximum, "
                f"updated_at) SELECT :m, g, key, n, pc[2], pc[1], pc[3], lo, hi, now() FROM "
                f"({' UNION ALL '.join(parts)}) t")
    if keys is not None:
        stmt = stmt.bindparams(bindparam("keys", expanding=True))
    return session.execute(stmt, params).rowcount


# ---------------------------------------------------------------- reading the figures

def _stats(session: Session, model_id: int, groups: Iterable[str]) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = defaultdict(dict)
    for st in session.exec(select(BenchmarkStat).where(BenchmarkStat.model_id == model_id,
                                                       BenchmarkStat.peer_group.in_(list(groups)))).all():
        out[st.peer_group][st.key] = {"n": st.n, "median": _r(st.median), "q1": _r(st.q1), "q3": _r(st.q3),
                                      "min": _r(st.minimum), "max": _r(st.maximum)}
    return out


def _r(v: float | None) -> float | None:
    return None if v is None else round(float(v), 2)


def _title(d: dict, locale: str) -> str:
    return (d or {}).get(locale) or (d or {}).get("fr") or next(iter((d or {}).values()), "")


def _model(session: Session, model_id: int) -> ReferenceModel:
    m = session.get(ReferenceModel, model_id)
    if m is None:
        raise NotFound("reference model", code="not_found")
    return m


def _models_with_scores(session: Session, centre_id: int | None = None) -> list[ReferenceModel]:
    q = select(CentreScore.model_id).distinct()
    if centre_id is not None:
        q = q.where(CentreScore.centre_id == centre_id)
    ids = set(session.exec(q).all())
    if not ids:
        return []
    return list(session.exec(select(ReferenceModel).where(ReferenceModel.id.in_(ids))
                             .order_by(ReferenceModel.version.desc())).all())


def _pick_model(session: Session, model_id: Any, centre_id: int | None = None) -> tuple[ReferenceModel | None,
                                                                                     list[ReferenceModel]]:
    models = _models_with_scores(session, centre_id)
    if model_id in (None, ""):
        return (models[0] if models else None), models
    return _model(session, _check_id(model_id, "reference model")), models


def _structure(session: Session, model_id: int, locale: str) -> tuple[list[dict], list[dict]]:
    doms = session.exec(select(RefDomain).where(RefDomain.model_id == model_id)
                        .order_by(RefDomain.position, RefDomain.id)).all()
    code_of = {d.id: d.code for d in doms}
    crits = session.exec(select(RefCriterion).where(RefCriterion.model_id == model_id)
                         .order_by(RefCriterion.position, RefCriterion.id)).all()
    order = {d.id: i for i, d in enumerate(doms)}
    crits = sorted(crits, key=lambda c: (order.get(c.domain_id, 0), c.position, c.id))
    return ([{"code": d.code, "title": _title(d.title, locale)} for d in doms],
            [{"code": c.code, "title": _title(c.title, locale), "domain": code_of.get(c.domain_id, ""),
              "tier": c.tier} for c in crits])


def _scope(actor: Actor | None) -> tuple[Actor, set[int] | None]:
    """(actor, centres they may name): None for a network admin (every centre); an evaluator's
    are the evaluator scope's (external.py owns it)."""
    if actor is not None and actor.is_network_admin:
        return require(actor, Perm.NETWORK_ADMIN), None
    actor = require(actor, Perm.NETWORK_EVALUATE)
    return actor, assigned_centre_ids(actor)


def network_benchmark(actor: Actor | None, *, model_id: Any = None, peer_group: Any = ALL,
                      locale: str = "fr") -> dict:
    """Network admins and evaluators: the centres they may name against the group's quartiles per
    domain; the figures count every centre of the group."""
    actor, visible = _scope(actor)
    group = check_group(peer_group)
    with system_session("benchmark: network view") as s:
        model, models = _pick_model(s, model_id)
        base = {"models": [_model_dict(m) for m in models], "peer_group": group, "model": None,
                "peer_groups": [], "domains": [], "stats": {}, "centres": [], "hidden": 0, "n": 0}
        if model is None:
            return base
        domains, _ = _structure(s, model.id, locale)
        stats = _stats(s, model.id, [group]).get(group, {})
        groups = s.exec(select(BenchmarkStat.peer_group, BenchmarkStat.n).where(
            BenchmarkStat.model_id == model.id, BenchmarkStat.key == OVERALL)
            .order_by(BenchmarkStat.peer_group)).all()
        keys = [OVERALL] + [d["code"] for d in domains]
        q = select(CentreScore.centre_id, CentreScore.key, CentreScore.score, CentreScore.peer_kind,
                   CentreScore.size_band).where(CentreScore.model_id == model.id, CentreScore.key.in_(keys))
        if group != ALL:
            for part in group.split("|"):
                if part.startswith("kind:"):
                    q = q.where(CentreScore.peer_kind == part[5:])
                else:
                    q = q.where(CentreScore.size_band == part[5:])
        per: dict[int, dict] = {}
        in_group: set[int] = set()
        for cid, key, score, kind, band in s.exec(q).all():
            in_group.add(cid)
            if visible is not None and cid not in visible:
                continue
            c = per.setdefault(cid, {"id": cid, "kind": kind, "size_band": band, "scores": {}})
            c["scores"][key] = round(score, 2)
        names = dict(s.exec(select(Tenant.id, Tenant.name).where(Tenant.id.in_(list(per)))).all()) if per else {}
        centres = []
        for cid, c in per.items():
            sc = c.pop("scores")
            centres.append({**c, "name": names.get(cid, ""), "overall": sc.get(OVERALL),
                            "overall_rag": rag(sc.get(OVERALL), stats.get(OVERALL)),
                            "domains": {d["code"]: sc.get(d["code"]) for d in domains},
                            "rag": {d["code"]: rag(sc.get(d["code"]), stats.get(d["code"])) for d in domains}})
        centres.sort(key=lambda c: (-(c["overall"] if c["overall"] is not None else -1), c["name"]))
        base.update(model=_model_dict(model), domains=domains,
                    stats={k: stats[k] for k in keys if k in stats},
                    peer_groups=[{"group": g, "n": n} for g, n in groups],
                    centres=centres, n=len(in_group), hidden=len(in_group) - len(centres))
        return base


def _model_dict(m: ReferenceModel) -> dict:
    return {"id": m.id, "version": m.version, "title": m.title}


def centre_benchmark(actor: Actor | None, centre_id: Any, *, model_id: Any = None, peer_group: Any = None,
                     locale: str = "fr") -> dict:
    """Network admins, and evaluators assigned to the centre: one centre in detail (radar, per
    criterion with quartiles and RAG, trend). Another centre answers not found."""
    actor, visible = _scope(actor)
    cid = _check_id(centre_id, "centre")
    if visible is not None and cid not in visible:
        raise NotFound("centre", code="not_found")
    with system_session("benchmark: one centre, after the assignment check") as s:
        tenant = s.get(Tenant, cid)
        if tenant is None:
            raise NotFound("centre", code="not_found")
        out = _detail(s, cid, model_id, peer_group, locale, anonymous=False)
        out["centre"]["name"] = tenant.name
        out["trend"] = _trend(s, cid)
        _fill_medians(s, out["trend"])
        return out


def my_benchmark(actor: Actor | None, *, model_id: Any = None, peer_group: Any = None, locale: str = "fr") -> dict:
    """A centre's staff: their centre against anonymous peers (aggregates only)."""
    actor = require(actor, Perm.ASSESSMENT_VIEW)
    if actor.tenant_id is None:
        # a network account has no centre of its own: it uses the network view
        raise NotFound("centre", code="not_found")
    tid = actor.tenant_id
    with tenant_session(tid) as ts:
        trend = _trend(ts, tid)
        name = ts.exec(select(Tenant.name).where(Tenant.id == tid)).one_or_none() or ""
    with system_session("benchmark: a centre against anonymous peers") as s:
        out = _detail(s, tid, model_id, peer_group, locale, anonymous=True)
        _fill_medians(s, trend, min_n=K_ANON)
    out["centre"]["name"] = name
    out["trend"] = trend
    return out


def _detail(s: Session, cid: int, model_id: Any, peer_group: Any, locale: str, *, anonymous: bool) -> dict:
    model, models = _pick_model(s, model_id, cid)
    out: dict[str, Any] = {"centre": {"id": cid, "kind": "", "size_band": ""}, "model": None,
                           "models": [_model_dict(m) for m in models], "peer_group": "", "peer_groups": [],
                           "overall": None, "radar": [], "domains": [], "criteria": []}
    if model is None:
        out["peer_group"] = check_group(peer_group) if peer_group else ALL
        return out
    rows = s.exec(select(CentreScore.key, CentreScore.score, CentreScore.peer_kind, CentreScore.size_band)
                  .where(CentreScore.model_id == model.id, CentreScore.centre_id == cid)).all()
    scores = {k: round(v, 2) for k, v, _, _ in rows}
    kind, band = (rows[0][2], rows[0][3]) if rows else ("", "")
    mine = groups_of(kind, band)
    group = check_group(peer_group) if peer_group else (mine[1] if len(mine) > 1 else ALL)
    if anonymous and group not in mine:
        # a centre compares itself with groups it belongs to: another group's figures would
        # be those of centres it has no reason to single out
        raise Invalid("not one of your peer groups", code="benchmark_peer_group")
    stats = _stats(s, model.id, {ALL, group})
    st_all, st_group = stats.get(ALL, {}), stats.get(group, {})
    if anonymous:
        st_all, st_group = _anonymise(st_all), _anonymise(st_group)
    domains, criteria = _structure(s, model.id, locale)

    def line(code: str, title: str, **extra: Any) -> dict:
        g = st_group.get(code) or {}
        return {"code": code, "title": title, "score": scores.get(code), "n": g.get("n", 0),
                "q1": g.get("q1"), "median": g.get("median"), "q3": g.get("q3"),
                "network_median": (st_all.get(code) or {}).get("median"),
                "rag": rag(scores.get(code), g or None, must=extra.get("tier") == Tier.MUST.value), **extra}

    out.update(
        centre={"id": cid, "kind": kind, "size_band": band}, model=_model_dict(model), peer_group=group,
        peer_groups=[{"group": g, "n": (stats.get(g) or {}).get(OVERALL, {}).get("n")} for g in mine],
        overall=line(OVERALL, OVERALL),
        radar=[{"domain": d["code"], "label": d["title"], "centre": scores.get(d["code"]),
                "median": (st_all.get(d["code"]) or {}).get("median"),
                "peer": (st_group.get(d["code"]) or {}).get("median")} for d in domains],
        domains=[line(d["code"], d["title"]) for d in domains],
        criteria=[line(c["code"], c["title"], domain=c["domain"], tier=c["tier"]) for c in criteria],
    )
    if anonymous:
        # peer_groups' n of a small group is kept: a count says nothing of anyone's score
        for p in out["peer_groups"]:
            p["n"] = p["n"] or 0
    return out


def _anonymise(stats: dict[str, dict]) -> dict[str, dict]:
    """What a centre may see of its peers: quartiles of groups of at least K_ANON centres."""
    out = {}
    for key, st in stats.items():
        if st["n"] >= K_ANON:
            out[key] = {"n": st["n"], "median": st["median"], "q1": st["q1"], "q3": st["q3"]}
        else:
            out[key] = {"n": st["n"], "median": None, "q1": None, "q3": None}
    return out


def _trend(s: Session, cid: int) -> list[dict]:
    """The centre's evaluated assessments over time (`_fill_medians` adds the network's)."""
    rows = s.exec(select(Assessment, ReferenceModel.version)
                  .join(ReferenceModel, ReferenceModel.id == Assessment.model_id)
                  .where(Assessment.tenant_id == cid, Assessment.status.in_(EVALUATED))
                  .order_by(Assessment.evaluated_at, Assessment.id)).all()
    return [{"date": a.evaluated_at.date().isoformat() if a.evaluated_at else "", "period": a.period_label,
             "title": a.title, "mode": a.mode, "overall": _r(a.overall_score), "maturity": a.maturity,
             "model_id": a.model_id, "model_version": version, "network_median": None}
            for a, version in rows]


def _fill_medians(s: Session, trend: list[dict], *, min_n: int = 1) -> None:
    """Each point's network median of the overall score on its model version; a centre's staff
    get it only from groups of at least K_ANON centres."""
    ids = {p["model_id"] for p in trend}
    if not ids:
        return
    medians = {m: med for m, med, n in s.exec(
        select(BenchmarkStat.model_id, BenchmarkStat.median, BenchmarkStat.n).where(
            BenchmarkStat.model_id.in_(ids), BenchmarkStat.peer_group == ALL, BenchmarkStat.key == OVERALL)).all()
        if n >= min_n}
    for p in trend:
        p["network_median"] = _r(medians.get(p["model_id"]))
