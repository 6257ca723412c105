"""The partner routes over REST: a duplicate names the existing company, lists are paged, and
a merge moves the contacts."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cc_network.api import api_app
from tests.api.util import bearer_for

client = TestClient(api_app)


def test_duplicate_company_answers_409_with_the_existing_one(world_a):
    h = bearer_for(world_a.people["business_developer"])
    base = f"/api/v1/tenants/{world_a.slug}/partners"
    first = client.post(base + "/companies", json={"name": "Acme SARL"}, headers=h)
    assert first.status_code == 201
    r = client.post(base + "/companies", json={"name": "ACME"}, headers=h)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "duplicate_company"
    assert r.json()["error"]["existing_id"] == first.json()["id"]
    r = client.post(base + "/companies", json={"name": "ACME", "allow_duplicate": True}, headers=h)
    assert r.status_code == 201
    bad = client.post(base + "/companies", json={"name": "X", "website": "pas un site"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_website"


def test_lists_are_paged_and_merge_moves_people(world_a):
    h = bearer_for(world_a.people["business_developer"])
    base = f"/api/v1/tenants/{world_a.slug}/partners"
    ids = [client.post(base + "/companies", json={"name": f"Entreprise {i}"}, headers=h).json()["id"] for i in range(3)]
    page = client.get(base + "/companies", params={"per_page": 2}, headers=h).json()
    assert (page["total"], len(page["items"]), page["next_page"]) == (3, 2, 2)
    p = client.post(base + "/people", json={"full_name": "Sara", "company_id": ids[1]}, headers=h)
    assert p.status_code == 201
    r = client.post(base + f"/companies/{ids[0]}/merge", json={"merge_id": ids[1]}, headers=h)
    assert r.status_code == 200 and r.json()["people"] == 1
    assert client.get(base + f"/companies/{ids[1]}", headers=h).json()["id"] == ids[0]
    people = client.get(base + "/people", params={"company_id": ids[0]}, headers=h).json()
    assert [x["full_name"] for x in people["items"]] == ["Sara"]
    r = client.post(base + f"/companies/{ids[0]}/merge", json={"merge_id": ids[0]}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "merge_into_itself"
