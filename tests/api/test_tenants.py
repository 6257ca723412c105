"""Centres visible to the caller."""

from __future__ import annotations

from tests.api.util import bearer_for, cookie_for, error_code
from tests.conftest import create_person


def test_token_sees_only_its_membership_centre(client, worlds):
    a, b = worlds
    # the same person is also a student of beta
    create_person("manager@alpha.test", tenant_id=b.tenant_id, roles=["student"])
    r = client.get("/api/v1/tenants", headers=bearer_for(a.manager))
    assert r.status_code == 200
    assert [t["slug"] for t in r.json()] == ["alpha"]
    assert r.json()[0]["roles"] == ["manager"]


def test_browser_session_sees_every_centre_of_the_person(client, worlds):
    a, b = worlds
    create_person("manager@alpha.test", tenant_id=b.tenant_id, roles=["student"])
    r = client.get("/api/v1/tenants", headers=cookie_for(a.manager))
    assert sorted(t["slug"] for t in r.json()) == ["alpha", "beta"]
    # and may read either, with the roles held there
    beta = client.get("/api/v1/tenants/beta", headers=cookie_for(a.manager))
    assert beta.status_code == 200 and beta.json()["roles"] == ["student"]


def test_one_centre(client, worlds):
    a, _ = worlds
    r = client.get("/api/v1/tenants/alpha", headers=bearer_for(a.student))
    assert r.status_code == 200
    body = r.json()
    assert body == {"id": a.tenant_id, "slug": "alpha", "name": "Centre ALPHA", "kind": "university",
                    "roles": ["student"]}


def test_another_or_unknown_centre_answers_the_same_404(client, worlds):
    a, _ = worlds
    headers = bearer_for(a.manager)
    other = client.get("/api/v1/tenants/beta", headers=headers)
    unknown = client.get("/api/v1/tenants/no-such-centre", headers=headers)
    assert other.status_code == unknown.status_code == 404
    assert other.json() == unknown.json()
    assert error_code(other) == "not_found"
