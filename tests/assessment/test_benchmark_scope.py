"""Who sees what in the benchmark: evaluators name only their centres, a centre sees no other."""

from __future__ import annotations

import json

import pytest

from integrations.db import tenant_session
from integrations.errors import Forbidden, Invalid, NotFound
from tests.assessment.bench_helpers import evaluated
from tests.assessment.factories import make_model
from tests.conftest import create_person, create_tenant
from workflows.assessment import benchmark as bm
from workflows.assessment.models import EvaluatorAssignment


@pytest.fixture
def bench(worlds):
    """Five centres (A and B are worlds with people, three more universities) evaluated on one model."""
    a, b = worlds
    mid = make_model(domains=2, criteria=2)
    others = [create_tenant(f"peer-{i}", f"Peer Centre {i}") for i in range(3)]
    evaluated(a.tenant_id, mid, 2, kind="university")
    evaluated(b.tenant_id, mid, 3, kind="university")
    for i, tid in enumerate(others):
        evaluated(tid, mid, {"D1.1": i % 4, "D1.2": 1, "D2.1": 2, "D2.2": 3}, kind="university")
    ev = create_person("evaluator@network.test", network_role="external_evaluator")
    with tenant_session(a.tenant_id) as s:
        s.add(EvaluatorAssignment(tenant_id=a.tenant_id, evaluator_account_id=ev.account_id))
        s.commit()
    return {"a": a, "b": b, "model": mid, "others": others, "evaluator": ev}


def test_admin_sees_every_centre(bench, network_admin):
    out = bm.network_benchmark(network_admin.actor)
    assert out["n"] == 5 and out["hidden"] == 0
    assert len(out["centres"]) == 5
    assert out["stats"]["overall"]["n"] == 5
    top = out["centres"][0]
    assert top["id"] == bench["b"].tenant_id and top["overall"] == 100.0 and top["overall_rag"] == "green"
    assert {p["group"] for p in out["peer_groups"]} >= {"all", "kind:university"}


def test_evaluator_names_only_assigned_centres(bench):
    ev = bench["evaluator"].actor
    out = bm.network_benchmark(ev)
    assert [c["id"] for c in out["centres"]] == [bench["a"].tenant_id]
    assert out["n"] == 5 and out["hidden"] == 4
    assert out["stats"]["overall"]["n"] == 5  # every centre in the aggregates
    dump = json.dumps(out)
    assert "Centre BETA" not in dump and "beta" not in dump and "Peer Centre" not in dump
    assert bm.centre_benchmark(ev, bench["a"].tenant_id)["centre"]["name"] == "Centre ALPHA"
    for tid in (bench["b"].tenant_id, *bench["others"], 999_999, "x", -1, None, True):
        with pytest.raises(NotFound):
            bm.centre_benchmark(ev, tid)


def test_deactivated_assignment_closes_the_centre(bench):
    from sqlmodel import select

    with tenant_session(bench["a"].tenant_id) as s:
        asg = s.exec(select(EvaluatorAssignment)).one()
        asg.active = False
        s.add(asg)
        s.commit()
    with pytest.raises(NotFound):
        bm.centre_benchmark(bench["evaluator"].actor, bench["a"].tenant_id)
    assert bm.network_benchmark(bench["evaluator"].actor)["centres"] == []


def test_centre_detail_for_admin(bench, network_admin):
    out = bm.centre_benchmark(network_admin.actor, bench["a"].tenant_id)
    assert out["peer_group"] == "kind:university"
    assert [r["domain"] for r in out["radar"]] == ["D1", "D2"]
    assert out["radar"][0]["centre"] == pytest.approx(66.67)
    crit = {c["code"]: c for c in out["criteria"]}
    assert crit["D1.1"]["tier"] == "must" and crit["D1.1"]["rag"] == "green"
    assert crit["D1.1"]["n"] == 5
    assert len(out["trend"]) == 1 and out["trend"][0]["network_median"] is not None


def test_staff_see_only_anonymous_peers(bench):
    a, b = bench["a"], bench["b"]
    for person in (a.manager, a.counselor, a.people["business_developer"]):
        out = bm.my_benchmark(person.actor)
        assert out["centre"]["id"] == a.tenant_id and out["centre"]["name"] == "Centre ALPHA"
        dump = json.dumps(out)
        for other in ("Centre BETA", b.slug, "Peer Centre", "peer-0"):
            assert other.lower() not in dump.lower()
        # no other centre's id anywhere: every "id" is this centre's or a model version's
        _assert_ids(out, a.tenant_id)
        assert "min" not in dump and "max" not in dump
        assert out["domains"][0]["median"] is not None and out["domains"][0]["n"] == 5


def _assert_ids(node, own: int) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("id", "centre_id", "tenant_id"):
                assert v == own or "version" in node, node
            _assert_ids(v, own)
    elif isinstance(node, list):
        for v in node:
            _assert_ids(v, own)


def test_staff_get_no_figure_of_a_group_too_small(worlds):
    a, b = worlds
    mid = make_model(domains=1, criteria=2)
    evaluated(a.tenant_id, mid, 2, kind="university")
    evaluated(b.tenant_id, mid, 0, kind="university")
    out = bm.my_benchmark(a.manager.actor)
    # two centres: a median would give B's score away
    assert all(r["median"] is None and r["q1"] is None for r in out["criteria"] + out["domains"])
    assert all(r["median"] is None and r["peer"] is None for r in out["radar"])
    assert out["trend"][0]["network_median"] is None


def test_staff_cannot_pick_a_group_they_are_not_in(bench):
    with pytest.raises(Invalid) as e:
        bm.my_benchmark(bench["a"].manager.actor, peer_group="kind:business_school")
    assert e.value.code == "benchmark_peer_group"
    assert bm.my_benchmark(bench["a"].manager.actor, peer_group="all")["peer_group"] == "all"


def test_who_may_not(bench):
    a = bench["a"]
    for person in (a.manager, a.student, a.people["ambassador"]):
        with pytest.raises(Forbidden):
            bm.network_benchmark(person.actor)
    for person in (a.student, a.people["company_contact"], a.people["host_approver"]):
        with pytest.raises(Forbidden):
            bm.my_benchmark(person.actor)
    with pytest.raises(Forbidden):
        bm.my_benchmark(bench["evaluator"].actor)
    for bad in ("kind:x;drop", "size:huge", "", "ALL"):
        if bad == "":
            continue
        with pytest.raises(Invalid):
            bm.network_benchmark(bench["evaluator"].actor, peer_group=bad)
    with pytest.raises(NotFound):
        bm.network_benchmark(bench["evaluator"].actor, model_id=999_999)


def test_peer_group_filter(bench, network_admin):
    c = create_tenant("biz-school", "Biz School", kind="business_school")
    evaluated(c, bench["model"], 1, kind="business_school", band="large")
    out = bm.network_benchmark(network_admin.actor, peer_group="kind:business_school")
    assert [x["id"] for x in out["centres"]] == [c] and out["n"] == 1
    assert out["stats"]["overall"]["n"] == 1
    out = bm.network_benchmark(network_admin.actor, peer_group="size:small")
    assert out["n"] == 5


def test_empty_benchmark(network_admin, world_a):
    assert bm.network_benchmark(network_admin.actor)["centres"] == []
    out = bm.my_benchmark(world_a.manager.actor)
    assert out["model"] is None and out["criteria"] == []

