"""The benchmark over REST: network admins, evaluators (assigned centres only), a centre's staff."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cc_network.api import api_app
from integrations.db import tenant_session
from tests.api.util import bearer_for, cookie_for, error_code
from tests.assessment.bench_helpers import evaluated
from tests.assessment.factories import make_model
from tests.conftest import create_person, create_tenant
from workflows.assessment.models import EvaluatorAssignment


@pytest.fixture
def client():
    return TestClient(api_app)


@pytest.fixture
def bench(worlds):
    a, b = worlds
    mid = make_model(domains=2, criteria=2)
    evaluated(a.tenant_id, mid, 2, kind="university")
    evaluated(b.tenant_id, mid, 3, kind="university")
    for i in range(2):
        evaluated(create_tenant(f"peer-{i}", f"Peer {i}"), mid, i, kind="university")
    ev = create_person("evaluator@network.test", network_role="external_evaluator")
    with tenant_session(a.tenant_id) as s:
        s.add(EvaluatorAssignment(tenant_id=a.tenant_id, evaluator_account_id=ev.account_id))
        s.commit()
    return {"a": a, "b": b, "model": mid, "evaluator": ev}


def test_evaluator_over_rest(client, bench):
    h = cookie_for(bench["evaluator"])
    r = client.get("/api/v1/benchmark", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [c["id"] for c in body["centres"]] == [bench["a"].tenant_id]
    assert body["n"] == 4 and body["hidden"] == 3 and body["stats"]["overall"]["n"] == 4
    assert "Centre BETA" not in r.text
    r = client.get(f"/api/v1/benchmark/centres/{bench['a'].tenant_id}", headers=h, params={"lang": "en"})
    assert r.status_code == 200 and r.json()["centre"]["name"] == "Centre ALPHA"
    assert r.json()["criteria"][0]["title"] == "Criterion D1.1"
    for cid in (bench["b"].tenant_id, 2**31 - 2):
        r = client.get(f"/api/v1/benchmark/centres/{cid}", headers=h)
        assert r.status_code == 404 and error_code(r) == "not_found"
    r = client.get("/api/v1/benchmark", headers=h, params={"peer_group": "size:huge"})
    assert r.status_code == 422 and error_code(r) == "benchmark_peer_group"


def test_admin_over_rest(client, bench, network_admin):
    r = client.get("/api/v1/benchmark", headers=cookie_for(network_admin),
                   params={"peer_group": "kind:university", "model_id": bench["model"]})
    assert r.status_code == 200 and len(r.json()["centres"]) == 4
    r = client.get(f"/api/v1/benchmark/centres/{bench['b'].tenant_id}", headers=cookie_for(network_admin))
    assert r.status_code == 200 and r.json()["overall"]["score"] == 100.0


def test_centre_staff_over_rest(client, bench):
    a, b = bench["a"], bench["b"]
    for h in (cookie_for(a.manager), bearer_for(a.counselor)):
        r = client.get(f"/api/v1/tenants/{a.slug}/benchmark", headers=h)
        assert r.status_code == 200, r.text
        assert "Centre BETA" not in r.text and "Peer 0" not in r.text and b.slug not in r.text
        assert r.json()["domains"][0]["median"] is not None
        # the network routes are not theirs
        assert client.get("/api/v1/benchmark", headers=h).status_code == 403
        assert client.get(f"/api/v1/benchmark/centres/{a.tenant_id}", headers=h).status_code == 403
    r = client.get(f"/api/v1/tenants/{b.slug}/benchmark", headers=cookie_for(a.manager))
    assert r.status_code == 404
    r = client.get(f"/api/v1/tenants/{a.slug}/benchmark", headers=cookie_for(a.student))
    assert r.status_code == 403
    assert client.get("/api/v1/benchmark").status_code == 401
