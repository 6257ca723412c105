"""The benchmark's figures: quartiles, peer groups, which assessment counts, incremental == full."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from integrations.db import system_session, tenant_session
from tests.assessment.bench_helpers import evaluated, stats
from tests.assessment.factories import make_model
from tests.conftest import create_person, create_tenant
from workflows.assessment import benchmark as bm
from workflows.assessment import hooks
from workflows.assessment.models import Assessment, CentreScore


def test_hook_registered_on_import():
    import cc_network.models  # noqa: F401

    assert bm.on_evaluated in hooks.EVALUATED_HOOKS


@pytest.mark.parametrize("n", [2, 3, 4, 5, 7, 10, 101])
def test_quartiles_match_statistics(n):
    rnd = random.Random(n)
    data = sorted(rnd.uniform(0, 100) for _ in range(n))
    q1, med, q3 = bm.quartiles(data)
    exp = statistics.quantiles(data, n=4, method="inclusive")
    assert (q1, med, q3) == pytest.approx(tuple(exp))
    assert med == pytest.approx(statistics.median(data))


def test_quartiles_single_value():
    assert bm.quartiles([42.0]) == (42.0, 42.0, 42.0)


def test_size_band_and_groups():
    assert [bm.size_band(n) for n in (0, 499, 500, 1999, 2000)] == ["small", "small", "medium", "medium", "large"]
    assert bm.groups_of("university", "large") == ["all", "kind:university", "size:large",
                                                   "kind:university|size:large"]
    assert bm.groups_of("", "") == ["all"]


@pytest.mark.parametrize(("score", "stat", "must", "colour"), [
    (None, None, False, "none"),
    (0.0, None, False, "red"),
    (33.33, None, False, "red"),  # not met
    (50.0, None, False, "amber"),
    (66.67, None, False, "green"),  # met
    (66.67, None, True, "green"),  # a must, met
    (33.33, None, True, "red"),
    (50.0, None, True, "red"),  # a must below met (a domain average of a must cannot be; a criterion's score can)
    (100.0, {"n": 5, "q1": 100.0, "q3": 100.0}, False, "green"),
    (50.0, {"n": 5, "q1": 60.0, "q3": 90.0}, False, "red"),  # below the peers' first quartile, not met
    (66.67, {"n": 5, "q1": 80.0, "q3": 90.0}, False, "green"),  # met stays green below q1
    (55.0, {"n": 5, "q1": 40.0, "q3": 50.0}, False, "green"),  # top quartile
    (50.0, {"n": 2, "q1": 60.0, "q3": 90.0}, False, "amber"),  # too few peers: quartiles ignored
])
def test_rag_rule(score, stat, must, colour):
    assert bm.rag(score, stat, must=must) == colour


def _centres(n: int, kinds=("university", "business_school", "vocational_institute")) -> list[tuple[int, str]]:
    return [(create_tenant(f"centre-{i}", f"Centre {i}", kind=kinds[i % len(kinds)]), kinds[i % len(kinds)])
            for i in range(n)]


def test_full_figures_against_statistics():
    mid = make_model(domains=2, criteria=3)
    centres = _centres(6)
    rnd = random.Random(3)
    for i, (tid, kind) in enumerate(centres):
        evaluated(tid, mid, {f"D{d}.{c}": rnd.randrange(4) for d in (1, 2) for c in (1, 2, 3)}, kind=kind,
                  band="small" if i < 3 else "large")
    with system_session("t") as s:
        rows = s.exec(select(CentreScore).where(CentreScore.model_id == mid)).all()
    bm.recompute_all(mid)
    st = stats(mid)
    for group in ("all", "kind:university", "size:large", "kind:business_school|size:small"):
        for key in ("overall", "D1", "D2", "D1.1", "D2.3"):
            vals = sorted(r.score for r in rows if r.key == key and group in bm.groups_of(r.peer_kind, r.size_band))
            n, med, q1, q3, lo, hi = st[(group, key)]
            assert n == len(vals)
            assert (lo, hi) == pytest.approx((vals[0], vals[-1]))
            if n >= 2:
                assert (q1, med, q3) == pytest.approx(tuple(statistics.quantiles(vals, n=4, method="inclusive")))
    # no group for a kind without centres, and no "kind:" group of an empty kind
    assert not any(g.startswith("kind:other") or g in ("kind:", "size:") for g, _ in st)
    assert {g for g, _ in st} == {"all", "kind:university", "kind:business_school", "kind:vocational_institute",
                                  "size:small", "size:large"} | {
        f"kind:{k}|size:{b}" for i, (_, k) in enumerate(centres) for b in ["small" if i < 3 else "large"]}


def test_not_applicable_counts_in_no_distribution():
    mid = make_model(domains=1, criteria=2)
    (a, _), (b, _) = _centres(2)
    evaluated(a, mid, {"D1.1": 3, "D1.2": None})
    evaluated(b, mid, {"D1.1": 0, "D1.2": 3})
    st = stats(mid)
    assert st[("all", "D1.2")][0] == 1
    assert st[("all", "D1.1")][0] == 2


def test_incremental_equals_full_recompute():
    mid = make_model(domains=3, criteria=2)
    centres = _centres(7)
    rnd = random.Random(11)
    for step in range(20):
        tid, kind = centres[rnd.randrange(len(centres))]
        # a centre may move to another size band between evaluations: its old groups must follow
        evaluated(tid, mid, {f"D{d}.{c}": rnd.choice([0, 1, 2, 3, None]) for d in (1, 2, 3) for c in (1, 2)},
                  kind=kind, band=rnd.choice(["small", "medium"]), when=datetime(2026, 1, 1 + step, tzinfo=UTC))
        incremental = stats(mid)
        bm.recompute_all(mid)
        assert stats(mid) == incremental, f"step {step}"


def test_rebuild_model_from_assessments():
    mid = make_model(domains=2, criteria=2)
    for tid, kind in _centres(4):
        evaluated(tid, mid, 2, kind=kind)
    before = stats(mid)
    with system_session("t") as s:
        s.exec(select(CentreScore)).all()
        for r in s.exec(select(CentreScore)).all():
            s.delete(r)
        s.commit()
    assert bm.rebuild_model(mid) == 4
    assert stats(mid) == before


def test_external_evaluation_preferred_over_a_newer_self_assessment():
    mid = make_model(domains=1, criteria=2)
    (tid, _), = _centres(1)
    evaluated(tid, mid, 1, when=datetime(2026, 1, 1, tzinfo=UTC))
    assert stats(mid)[("all", "overall")][1] == pytest.approx(33.33)
    ext = evaluated(tid, mid, 3, mode="external", when=datetime(2026, 2, 1, tzinfo=UTC), status="closed")
    evaluated(tid, mid, 2, when=datetime(2026, 3, 1, tzinfo=UTC))
    assert stats(mid)[("all", "overall")][1] == pytest.approx(100.0)
    with system_session("t") as s:
        assert {r.assessment_id for r in s.exec(select(CentreScore).where(CentreScore.centre_id == tid))} == {ext}


def test_a_model_version_keeps_its_own_figures():
    v1 = make_model(domains=1, criteria=2)
    v2 = make_model(domains=1, criteria=2)
    (a, _), (b, _) = _centres(2)
    evaluated(a, v1, 3)
    evaluated(b, v2, 0)
    assert stats(v1)[("all", "overall")][:2] == (1, 100.0)
    assert stats(v2)[("all", "overall")][:2] == (1, 0.0)


def test_profile_filled_from_the_centre_when_the_evaluation_left_it_empty():
    mid = make_model(domains=1, criteria=1)
    tid = create_tenant("voc", "Voc", kind="vocational_institute")
    create_person("s1@voc.test", tenant_id=tid, roles=["student"])
    aid = evaluated(tid, mid, 2, kind="", band="")
    with tenant_session(tid) as s:
        a = s.get(Assessment, aid)
        assert (a.peer_kind, a.size_band) == ("vocational_institute", "small")
    assert ("kind:vocational_institute|size:small", "overall") in stats(mid)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 9, 50, 1000])
def test_quartiles_of_runs_equal_quartiles_of_the_list(n):
    rnd = random.Random(n)
    data = sorted(rnd.choice([0.0, 33.33, 66.67, 100.0, rnd.uniform(0, 100)]) for _ in range(n))
    runs: list[tuple[float, int]] = []
    for v in data:
        if runs and runs[-1][0] == v:
            runs[-1] = (v, runs[-1][1] + 1)
        else:
            runs.append((v, 1))
    assert bm.quartiles_of_runs(runs, n) == pytest.approx(bm.quartiles(data))


def test_incremental_touches_only_the_keys_that_moved(monkeypatch):
    mid = make_model(domains=2, criteria=2)
    centres = _centres(4)
    for tid, kind in centres:
        evaluated(tid, mid, 2, kind=kind)
    calls = []
    real = bm.recompute
    monkeypatch.setattr(bm, "recompute", lambda s, m, groups, keys=None: (
        calls.append((set(groups), keys)) if groups is not None else None) or real(s, m, groups, keys))
    tid, kind = centres[0]
    evaluated(tid, mid, {"D1.1": 2, "D1.2": 3, "D2.1": 2, "D2.2": 2}, kind=kind,
              when=datetime(2030, 1, 1, tzinfo=UTC))
    assert calls == [(set(bm.groups_of(kind, "small")), {"D1.2", "D1", "overall"})]
    incremental = stats(mid)
    bm.recompute_all(mid)
    assert stats(mid) == incremental
    # the same scores again: nothing to recompute
    calls.clear()
    evaluated(tid, mid, {"D1.1": 2, "D1.2": 3, "D2.1": 2, "D2.2": 2}, kind=kind,
              when=datetime(2030, 2, 1, tzinfo=UTC))
    assert calls == []
    # another size band: every key of the old and new groups
    evaluated(tid, mid, 1, kind=kind, band="large", when=datetime(2030, 3, 1, tzinfo=UTC))
    assert calls[-1] == (set(bm.groups_of(kind, "small")) | set(bm.groups_of(kind, "large")), None)
    incremental = stats(mid)
    bm.recompute_all(mid)
    assert stats(mid) == incremental
