"""Cross-centre benchmark (issue 8, performance): 1,000 centres x 60 criteria (12 domains of 5),
each centre's scores in centre_score (73 rows a centre: overall, 12 domains, 60 criteria),
inserted in bulk. Goals: recompute the whole benchmark (every peer group x key) under 2 s;
recompute after one assessment changes (the EVALUATED_HOOK: that centre's rows rewritten, its
peer groups recomputed) under 100 ms.

Baselines, in the same process: for the full recompute, the bare aggregate
`SELECT key, count(*), min(score), max(score), avg(score) FROM centre_score WHERE model_id = …
GROUP BY key` (one pass, no quartile, no peer group, nothing written); for the incremental one,
the bare ordered read of the model's distribution (`SELECT key, score … ORDER BY key, score`),
the least any exact quartile needs. Both goals are asserted on PostgreSQL (SQLite's figures are
reported, as the other benches do). The bench also checks that the figures the incremental path
leaves are those a full recompute gives.
"""

from __future__ import annotations

import random
import statistics
import time

import pytest
from sqlalchemy import func, insert, text, update
from sqlmodel import select

from integrations.db import owner_engine, system_session, utcnow
from tenants.core.models import Tenant
from tests.assessment.factories import make_model
from tests.bench.conftest import Result
from tests.conftest import IS_PG
from workflows.assessment import benchmark as bm
from workflows.assessment.models import Assessment, BenchmarkStat, CentreScore
from workflows.assessment.scoring import Answer, CriterionSpec, evaluate

N_CENTRES = 1_000
DOMAINS, PER_DOMAIN = 12, 5  # 60 criteria
KINDS = ("university", "business_school", "vocational_institute")
CHUNK = 10_000


def _specs() -> list[CriterionSpec]:
    return [CriterionSpec(f"D{d + 1}.{c + 1}", f"D{d + 1}", "must" if c == 0 else "should")
            for d in range(DOMAINS) for c in range(PER_DOMAIN)]


def _result(rnd: random.Random, specs: list[CriterionSpec]) -> dict:
    answers = {}
    for c in specs:
        r = rnd.random()
        answers[c.code] = Answer(status="not_applicable") if r < 0.03 else Answer(value=rnd.randrange(4))
    return evaluate(specs, answers)


def _seed(mid: int) -> list[int]:
    rnd = random.Random(8)
    specs = _specs()
    now = utcnow()
    with system_session("bench seed: centres") as s:
        s.execute(insert(Tenant), [{"slug": f"bench-{i:04d}", "name": f"Bench Centre {i}", "kind": KINDS[i % 3],
                                    "timezone": "Africa/Casablanca", "locale": "fr", "active": True,
                                    "created_at": now} for i in range(N_CENTRES)])
        s.commit()
        tids = list(s.exec(select(Tenant.id).where(Tenant.slug.like("bench-%")).order_by(Tenant.id)).all())
    results = [_result(rnd, specs) for _ in tids]
    bands = [bm.SIZE_BANDS[rnd.randrange(3)] for _ in tids]
    with system_session("bench seed: assessments") as s:
        s.execute(insert(Assessment), [
            {"tenant_id": tid, "model_id": mid, "mode": "self", "status": "evaluated", "title": "Bench",
             "period_label": "2026", "framing_note": "", "evaluated_at": now, "result": res,
             "overall_score": res["overall"], "maturity": res["maturity"], "must_unmet": len(res["must_unmet"]),
             "peer_kind": KINDS[i % 3], "size_band": bands[i], "created_at": now, "updated_at": now}
            for i, (tid, res) in enumerate(zip(tids, results, strict=True))])
        s.commit()
        aids = dict(s.exec(select(Assessment.tenant_id, Assessment.id).where(Assessment.model_id == mid)).all())
    rows = []
    for i, (tid, res) in enumerate(zip(tids, results, strict=True)):
        for key, score in bm.score_rows(res):
            rows.append({"model_id": mid, "centre_id": tid, "assessment_id": aids[tid], "key": key, "score": score,
                         "peer_kind": KINDS[i % 3], "size_band": bands[i], "evaluated_at": now})
    with system_session("bench seed: centre scores") as s:
        for k in range(0, len(rows), CHUNK):
            s.execute(insert(CentreScore), rows[k:k + CHUNK])
        s.commit()
    eng = owner_engine()
    if IS_PG:
        with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE centre_score")
            conn.exec_driver_sql("VACUUM ANALYZE assessment")
    else:
        with eng.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    eng.dispose()
    return tids


def _stats(mid: int) -> dict:
    with system_session("bench: read figures") as s:
        return {(r.peer_group, r.key): (r.n, round(r.median, 6), round(r.q1, 6), round(r.q3, 6),
                                        round(r.minimum, 6), round(r.maximum, 6))
                for r in s.exec(select(BenchmarkStat).where(BenchmarkStat.model_id == mid)).all()}


def _timings(fn, baseline, *, rounds: int, warmup: int) -> tuple[list[float], list[float]]:
    for _ in range(warmup):
        fn()
        baseline()
    a, b = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        baseline()
        t2 = time.perf_counter()
        a.append(t1 - t0)
        b.append(t2 - t1)
    return a, b


@pytest.mark.timeout(900)
def test_benchmark_of_a_thousand_centres(record):
    mid = make_model(domains=DOMAINS, criteria=PER_DOMAIN)
    t0 = time.perf_counter()
    tids = _seed(mid)
    with system_session("bench: count") as s:
        n_rows = s.exec(select(func.count()).select_from(CentreScore).where(CentreScore.model_id == mid)).one()
    print(f"\nseeded {N_CENTRES} centres, {n_rows} centre scores in {time.perf_counter() - t0:.1f} s")
    assert n_rows > N_CENTRES * 70

    def full():
        return bm.recompute_all(mid)

    def bare_aggregate():
        with system_session("bench: bare aggregate") as s:
            return s.execute(text("SELECT key, count(*), min(score), max(score), avg(score) FROM centre_score "
                                  "WHERE model_id = :m GROUP BY key"), {"m": mid}).all()

    n_figures = full()
    # 16 groups (all, 3 kinds, 3 bands, 9 kind x band) x 73 keys
    assert n_figures == 16 * 73
    a, b = _timings(full, bare_aggregate, rounds=7 if IS_PG else 5, warmup=1)
    r = record(Result(f"benchmark full recompute, {N_CENTRES:,} centres × 60 criteria ({n_figures} figures)",
                      "< 2 s median", statistics.median(a),
                      "bare SELECT key, count, min, max, avg … GROUP BY key", statistics.median(b)))
    assert r.median_s < 2.0, f"full recompute took {r.median_s:.2f} s"

    # one centre's assessment changes: the job stores its result, then the hook runs
    rnd = random.Random(5)
    specs = _specs()
    variants = [_result(rnd, specs) for _ in range(4)]
    one = tids[rnd.randrange(len(tids))]
    turn = {"i": 0}

    def incremental():
        res = variants[turn["i"] % len(variants)]
        turn["i"] += 1
        with system_session("bench: the compute job") as s:
            s.execute(update(Assessment).where(Assessment.tenant_id == one, Assessment.model_id == mid)
                      .values(result=res, overall_score=res["overall"], evaluated_at=utcnow()))
            a = s.exec(select(Assessment).where(Assessment.tenant_id == one, Assessment.model_id == mid)).one()
            bm.on_evaluated(s, a)
            s.commit()

    def bare_read():
        with system_session("bench: bare ordered read") as s:
            return s.execute(text("SELECT key, score FROM centre_score WHERE model_id = :m ORDER BY key, score"),
                             {"m": mid}).all()

    a, b = _timings(incremental, bare_read, rounds=21 if IS_PG else 15, warmup=3)
    r = record(Result(f"benchmark recompute after one assessment changes ({N_CENTRES:,} centres, its 4 peer groups)",
                      "< 100 ms median", statistics.median(a),
                      "bare SELECT key, score … ORDER BY key, score (the model's distribution)",
                      statistics.median(b)))
    if IS_PG:
        # the goal is the production database's; SQLite's figure is reported
        assert r.median_s < 0.1, f"incremental recompute took {r.median_s * 1e3:.0f} ms"

    # the incremental path leaves the figures a full recompute gives
    after = _stats(mid)
    full()
    assert _stats(mid) == after
    with system_session("bench: check") as s:
        rows = s.exec(select(CentreScore.score).where(CentreScore.model_id == mid, CentreScore.key == "overall")
                      .order_by(CentreScore.score)).all()
    q1, med, q3 = statistics.quantiles(rows, n=4, method="inclusive")
    n, m, lo_q, hi_q, *_ = after[("all", "overall")]
    assert n == N_CENTRES and (lo_q, m, hi_q) == pytest.approx((q1, med, q3))
