"""Job needs over REST: the company with its token, staff along P22."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from integrations.db import system_session
from tenants.sourcing.needs import services as needs
from tenants.sourcing.needs.models import JobNeed
from tests.api.util import bearer_for, error_code
from tests.sourcing.util import link_company_contact, make_company, make_need

SOON = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture(scope="module")
def client() -> TestClient:
    from cc_network.api import api_app

    return TestClient(api_app, raise_server_exceptions=True)


def need_count() -> int:
    with system_session("test") as s:
        return s.exec(select(func.count(JobNeed.id))).one()


@pytest.fixture
def company(world_a):
    cid = make_company(world_a, "Acme Maroc")
    link_company_contact(world_a, cid)
    return cid


def test_a_company_submits_and_follows_its_need_with_its_token(client, world_a, company):
    h = bearer_for(world_a.people["company_contact"])
    base = f"/api/v1/tenants/{world_a.slug}/company/needs"
    r = client.post(base, headers=h, json={"title": "Trois stagiaires data", "kind": "internship", "positions": 3,
                                           "skills": ["SQL"], "deadline": SOON,
                                           "languages": [{"language": "Anglais", "level": "B2"}]})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["status"], body["company_name"], body["positions"], body["recruitment_day"], body["source"]) == (
        "received", "Acme Maroc", 3, False, "api")
    assert body["timeline"][0]["key"] == "received" and body["timeline"][0]["at"]
    assert "sheet" not in body and "owner_membership_id" not in body
    other = make_need(world_a, make_company(world_a, "Concurrent"), title="Secret du concurrent")

    listed = client.get(base, headers=h).json()
    assert [n["id"] for n in listed] == [body["id"]]
    assert client.get(f"{base}/{body['id']}", headers=h).json()["title"] == "Trois stagiaires data"
    r = client.get(f"{base}/{other}", headers=h)
    assert r.status_code == 404 and error_code(r) == "not_found"
    assert client.get(f"{base}/{body['id']}/shares", headers=h).json() == []

    r = client.post(f"{base}/{body['id']}/cancel", headers=h, json={"reason": "Pourvu"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = client.post(f"{base}/{body['id']}/cancel", headers=h, json={})
    assert r.status_code == 409 and error_code(r) == "need_ended"


@pytest.mark.parametrize("over, code", [
    ({"positions": 0}, "positions_min"),
    ({"positions": "abc"}, "invalid_positions"),
    ({"deadline": (date.today() - timedelta(days=3)).isoformat()}, "deadline_past"),
    ({"title": ""}, "title_required"),
])
def test_bad_needs_get_a_clear_code_and_nothing_is_written(client, world_a, company, over, code):
    h = bearer_for(world_a.people["company_contact"])
    r = client.post(f"/api/v1/tenants/{world_a.slug}/company/needs", headers=h,
                    json={"title": "Stage", "kind": "job", "positions": 2, "deadline": SOON} | over)
    assert r.status_code == 422 and error_code(r) == code, r.text
    assert need_count() == 0


def test_staff_run_a_need_along_p22(client, world_a):
    cid = make_company(world_a, "Banque du Nord")
    h = bearer_for(world_a.people["business_developer"])
    base = f"/api/v1/tenants/{world_a.slug}/needs"
    r = client.post(base, headers=h, json={"company_id": cid, "source": "email", "title": "Chargé de clientèle",
                                           "kind": "job", "positions": 12, "deadline": SOON})
    assert r.status_code == 201, r.text
    nid = r.json()["id"]
    assert r.json()["source"] == "email" and r.json()["recruitment_day"] is True

    assert client.post(f"{base}/{nid}/take", headers=h).json()["owner_membership_id"] == \
        world_a.people["business_developer"].membership_id
    r = client.post(f"{base}/{nid}/send-sheet", headers=h)
    assert r.status_code == 409 and error_code(r) == "sheet_required"
    r = client.put(f"{base}/{nid}/sheet", headers=h, json={"sheet": "Fiche : chargé de clientèle"})
    assert r.json()["status"] == "sheet_ready"
    assert client.post(f"{base}/{nid}/send-sheet", headers=h).json()["status"] == "sourcing"
    assert client.post(f"{base}/{nid}/request-publication", headers=h).json()["publication_requested_at"]

    host = bearer_for(world_a.people["host_focal_point"])
    listed = client.get(base, headers=host, params={"status": "sourcing"}).json()
    assert [n["id"] for n in listed["items"]] == [nid] and listed["total"] == 1
    r = client.post(f"{base}/{nid}/cancel", headers=h, json={"reason": ""})
    assert r.status_code == 422 and error_code(r) == "reason_required"
    assert client.post(f"{base}/{nid}/close", headers=h).json()["status"] == "closed"
    assert needs.get_need(world_a.manager.actor, world_a.tenant_id, nid).closed_at is not None


def test_staff_list_is_paginated_and_filtered(client, world_a):
    cid = make_company(world_a)
    for i in range(3):
        make_need(world_a, cid, title=f"Besoin {i}")
    h = bearer_for(world_a.manager)
    page = client.get(f"/api/v1/tenants/{world_a.slug}/needs", headers=h, params={"per_page": 2}).json()
    assert (page["total"], len(page["items"]), page["next_page"]) == (3, 2, 2)
    r = client.get(f"/api/v1/tenants/{world_a.slug}/needs", headers=h, params={"status": "nonsense"})
    assert r.status_code == 422
