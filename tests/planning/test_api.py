"""The action plan over REST: the whole P01 path and a mid-year update, as an API client
(bearer token) or the browser (session cookie) would drive it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cc_network.api import api_app
from tenants.auth.services import do_create_api_token
from tests.api.util import cookie_for, error_code
from tests.planning.util import content, make_year


@pytest.fixture
def client() -> TestClient:
    return TestClient(api_app)


def _auth(person) -> dict:  # noqa: ANN001
    return {"Authorization": "Bearer " + do_create_api_token(person.actor, name="test").secret}


def test_the_plan_through_rest(world_a, client):
    w = world_a
    year = make_year(w)
    mgr, approver, counselor = _auth(w.manager), _auth(w.people["host_approver"]), _auth(w.counselor)
    base = f"/api/v1/tenants/{w.slug}/plans"

    r = client.post(base, json={"academic_year_id": year}, headers=mgr)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert r.json()["version_label"] == "Avant-projet"

    bad = content(w, s1="beaucoup")
    r = client.put(f"{base}/{pid}/draft", json={"content": bad}, headers=mgr)
    assert r.status_code == 422 and error_code(r) == "target_not_a_number"
    assert "Ateliers CV" in r.json()["error"]["fields"][0]["message"]
    r = client.put(f"{base}/{pid}/draft", json={"content": content(w)}, headers=mgr)
    assert r.status_code == 200 and len(r.json()["content"]["activities"]) == 2

    r = client.post(f"{base}/{pid}/submit", headers=mgr)
    assert r.status_code == 409 and error_code(r) == "plan_wrong_state"
    assert client.post(f"{base}/{pid}/review", headers=mgr).json()["status"] == "in_review"
    r = client.post(f"{base}/{pid}/comments", json={"body": "Ajouter un forum", "item_key": "ateliers"},
                    headers=counselor)
    assert r.status_code == 201 and r.json()["item_key"] == "ateliers"
    assert client.post(f"{base}/{pid}/finalise", json={}, headers=mgr).json()["status"] == "finalised"
    assert client.post(f"{base}/{pid}/submit", headers=mgr).json()["status"] == "submitted"

    # the host institution: may validate, may not edit
    r = client.put(f"{base}/{pid}/draft", json={"content": content(w)}, headers=approver)
    assert r.status_code == 403
    r = client.post(f"{base}/{pid}/return", json={"comment": ""}, headers=approver)
    assert r.status_code == 422 and error_code(r) == "comment_required"
    r = client.post(f"{base}/{pid}/validate", json={"comment": "Validé en conseil"}, headers=approver)
    assert r.status_code == 200 and r.json()["status"] == "validated"
    assert client.get(f"{base}/{pid}", headers=approver).json()["comments"] == []  # the team's remarks stay inside

    r = client.post(f"{base}/{pid}/share", headers=mgr)
    assert r.status_code == 200 and r.json()["recipients"] == 5

    # the mid-year review and its update
    r = client.post(f"{base}/{pid}/mid-year-review", headers=mgr)
    assert r.status_code == 201
    review = r.json()
    assert {g["activity_key"] for g in review["gaps"]} == {"ateliers", "accueil"}
    gap = review["gaps"][0]
    r = client.put(f"/api/v1/tenants/{w.slug}/gap-items/{gap['id']}",
                   json={"assignee_membership_id": w.counselor.membership_id}, headers=mgr)
    assert r.status_code == 200 and r.json()["assignee_membership_id"] == w.counselor.membership_id
    r = client.put(f"/api/v1/tenants/{w.slug}/gap-items/{gap['id']}",
                   json={"explanation": "Salle fermée", "new_action": "Ateliers en ligne"}, headers=counselor)
    assert r.status_code == 200 and r.json()["explanation"] == "Salle fermée"
    r = client.post(f"/api/v1/tenants/{w.slug}/mid-year-reviews/{review['id']}/updated-version",
                    json={"content": content(w, s2=30)}, headers=mgr)
    assert r.status_code == 201 and r.json()["version_label"] == "Mise à jour S2"
    assert client.get(f"{base}/{pid}", params={"version": 1}, headers=mgr).json()["version_status"] == "validated"
    r = client.get(f"{base}/{pid}/diff", params={"a": 1, "b": 2}, headers=mgr)
    assert r.json()["changed"][0]["changes"]["targets"][1]["S2"] == 30


@pytest.mark.parametrize("fmt, ctype, magic", [("pdf", "application/pdf", b"%PDF"),
                                               ("xlsx", "application/vnd.openxmlformats", b"PK"),
                                               ("csv", "text/csv", b"\xef\xbb\xbf")])
def test_export_with_the_browser_session(world_a, client, fmt, ctype, magic):
    w = world_a
    year = make_year(w)
    base = f"/api/v1/tenants/{w.slug}/plans"
    cookies = cookie_for(w.manager)
    pid = client.post(base, json={"academic_year_id": year}, headers=cookies).json()["id"]
    client.put(f"{base}/{pid}/draft", json={"content": content(w)}, headers=cookies)
    r = client.get(f"{base}/{pid}/export", params={"format": fmt, "lang": "ar"}, headers=cookies)
    assert r.status_code == 200 and r.headers["content-type"].startswith(ctype)
    assert r.content.startswith(magic)
    assert f"plan-{pid}.{fmt}" in r.headers["content-disposition"]
    r = client.get(f"{base}/{pid}/export", params={"format": "doc"}, headers=cookies)
    assert r.status_code == 422
    r = client.get(f"{base}/{pid}/export", params={"format": fmt}, headers=cookie_for(w.student))
    assert r.status_code == 403
