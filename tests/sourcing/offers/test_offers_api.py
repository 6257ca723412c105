"""Offers and recruitment days over REST: what a client sees and the codes it gets."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from cc_network.api import api_app
from tests.api.util import bearer_for, error_code
from tests.sourcing.util import make_company, make_need


@pytest.fixture
def client() -> TestClient:
    return TestClient(api_app, raise_server_exceptions=True)


def test_staff_publish_and_a_student_says_interested_over_rest(client, world_a):
    a = world_a
    base = f"/api/v1/tenants/{a.slug}"
    staff, student = bearer_for(a.people["business_developer"]), bearer_for(a.student)
    r = client.post(base + "/offers", json={"title": "Stage data", "kind": "internship", "company_name": "Acme",
                                            "deadline": (date.today() - timedelta(days=1)).isoformat()},
                    headers=staff)
    assert (r.status_code, error_code(r)) == (422, "deadline_past")
    r = client.post(base + "/offers", json={"title": "Stage data", "kind": "internship", "company_name": "Acme"},
                    headers=staff)
    assert r.status_code == 201 and r.json()["status"] == "collected"
    oid = r.json()["id"]
    assert client.get(base + "/portal/offers", headers=student).json()["total"] == 0
    assert client.post(f"{base}/offers/{oid}/publish", headers=staff).json()["status"] == "published"
    page = client.get(base + "/portal/offers", params={"kind": "internship"}, headers=student).json()
    assert [(i["title"], i["preview"], i["interested"]) for i in page["items"]] == [("Stage data", False, False)]
    r = client.post(f"{base}/portal/offers/{oid}/interest", json={"note": "Disponible"}, headers=student)
    assert r.status_code == 201
    r = client.post(f"{base}/portal/offers/{oid}/interest", json={}, headers=student)
    assert (r.status_code, error_code(r)) == (409, "already_interested")
    rows = client.get(f"{base}/offers/{oid}/interests", headers=staff).json()
    assert [(x["email"], x["note"]) for x in rows] == [(a.student.email, "Disponible")]
    assert client.delete(f"{base}/portal/offers/{oid}/interest", headers=student).status_code == 204


def test_a_day_over_rest_refuses_a_date_not_common(client, world_a):
    a = world_a
    base = f"/api/v1/tenants/{a.slug}/recruitment-days"
    staff = bearer_for(a.people["business_developer"])
    nid = make_need(a, make_company(a), positions=9)
    r = client.post(base, json={"need_id": nid, "mode": "closed_door"}, headers=staff)
    assert (r.status_code, error_code(r)) == (409, "below_day_threshold")
    nid = make_need(a, make_company(a, "Big Corp"), positions=10)
    day = client.post(base, json={"need_id": nid, "mode": "closed_door"}, headers=staff).json()
    d1, d2 = ((date.today() + timedelta(days=n)).isoformat() for n in (10, 11))
    client.put(f"{base}/{day['id']}/dates", json={"side": "host", "dates": [d1, d2]}, headers=staff)
    got = client.put(f"{base}/{day['id']}/dates", json={"side": "company", "dates": [d2]}, headers=staff).json()
    assert got["common_dates"] == [d2]
    r = client.post(f"{base}/{day['id']}/schedule", json={"date": d1, "start": "09:00", "end": "12:00"},
                    headers=staff)
    assert (r.status_code, error_code(r)) == (422, "date_not_common")
    r = client.post(f"{base}/{day['id']}/schedule", json={"date": d2, "start": "09:00", "end": "12:00"},
                    headers=staff)
    assert r.status_code == 200 and r.json()["status"] == "scheduled" and r.json()["event_id"]
