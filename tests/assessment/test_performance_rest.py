"""The team evaluation (P27) over REST, on the real clock: a year that ended yesterday (its
interviews may still be held), and one that ends in two months (too early to propose)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from fastapi.testclient import TestClient

from cc_network.api import api_app
from integrations.db import utcnow
from tenants.calendar.services import do_set_academic_year
from tests.api.util import bearer_for, error_code
from tests.assessment.perf_util import form, row
from workflows.assessment import performance as perf

P = "/api/v1/tenants/{slug}/performance-reviews"


@pytest.fixture
def client() -> TestClient:
    return TestClient(api_app)


def _year(w, ends_in_days: int, label: str) -> int:
    ends = utcnow().date() + timedelta(days=ends_in_days)
    return do_set_academic_year(w.manager.actor, w.tenant_id, {
        "label": label, "starts_on": ends - timedelta(days=300), "ends_on": ends}).id


def test_rest_flow(client, world_a):
    w = world_a
    year_id = _year(w, -1, "2025-2026")
    url = P.format(slug=w.slug)
    mgr, me = bearer_for(w.manager), bearer_for(w.counselor)
    at = (utcnow() + timedelta(days=2)).replace(microsecond=0)

    r = client.post(url, json={"membership_id": w.counselor.membership_id, "slots": [at.isoformat()],
                               "academic_year_id": year_id}, headers=mgr)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert r.json()["status"] == "proposed" and r.json()["actions"] == ["propose", "schedule"]

    # the member sees theirs; another counselor does not
    assert [x["id"] for x in client.get(url, headers=me).json()] == [rid]
    other = bearer_for(w.people["business_developer"])
    assert client.get(url, headers=other).json() == []
    r = client.get(f"{url}/{rid}", headers=other)
    assert r.status_code == 404 and error_code(r) == "not_found"
    host = bearer_for(w.people["host_approver"])
    assert client.get(f"{url}/{rid}", headers=host).status_code == 403

    slot = client.get(f"{url}/{rid}", headers=me).json()["slots"][0]["at"]
    r = client.put(f"{url}/{rid}/availability", json={"availability": [{"at": slot, "available": True}]},
                   headers=me)
    assert r.status_code == 200 and r.json()["status"] == "confirmed", r.text
    r = client.post(f"{url}/{rid}/schedule", json={"at": slot}, headers=me)
    assert r.status_code == 403
    r = client.post(f"{url}/{rid}/schedule", json={"at": slot}, headers=mgr)
    assert r.status_code == 200 and r.json()["status"] == "scheduled", r.text
    r = client.post(f"{url}/{rid}/send-form", headers=mgr)
    assert r.status_code == 200 and r.json()["form_sent_at"], r.text

    # a rating out of the scale: named, nothing changed
    before = row(rid)
    r = client.put(f"{url}/{rid}/form", json={"form": form(overall=9)}, headers=mgr)
    assert r.status_code == 422 and error_code(r) == "performance_rating_out_of_scale"
    assert row(rid) == before
    r = client.put(f"{url}/{rid}/form", json={"form": form()}, headers=mgr)
    assert r.status_code == 200 and r.json()["form"]["overall"] == 3
    # the interview is in two days: not finalised yet
    r = client.post(f"{url}/{rid}/finalise", headers=mgr)
    assert r.status_code == 422 and error_code(r) == "performance_before_interview"

    # after the interview (the service on a later clock), the member comments over REST
    perf.do_finalise(w.manager.actor, w.tenant_id, rid, now=at + timedelta(hours=2))
    r = client.post(f"{url}/{rid}/comment", json={"comment": "Merci pour cet échange"}, headers=me)
    assert r.status_code == 200 and r.json()["status"] == "commented", r.text
    r = client.post(f"{url}/{rid}/comment", json={"comment": "Encore"}, headers=me)
    assert r.status_code == 409 and error_code(r) == "performance_already_commented"
    r = client.put(f"{url}/{rid}/form", json={"form": form()}, headers=mgr)
    assert r.status_code == 409 and error_code(r) == "performance_locked"
    r = client.get(f"{url}/{rid}/pdf", params={"lang": "en"}, headers=me)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert r.headers["content-type"] == "application/pdf"


def test_rest_too_early_names_the_opening_day(client, world_a):
    w = world_a
    year_id = _year(w, 60, "2026-2027")
    ends = utcnow().date() + timedelta(days=60)
    r = client.post(P.format(slug=w.slug), json={
        "membership_id": w.counselor.membership_id, "academic_year_id": year_id,
        "slots": [(utcnow() + timedelta(days=40)).isoformat()]}, headers=bearer_for(w.manager))
    assert r.status_code == 422 and error_code(r) == "performance_too_early"
    opens = r.json()["error"]["opens_on"]
    assert opens == (ends - relativedelta(months=1)).isoformat()
    assert client.get(P.format(slug=w.slug), headers=bearer_for(w.manager)).json() == []
