"""The self-assessment over REST, as an API client (bearer token) drives it: start, plan, rate,
evidence, live figures, complete, the job, the result, the PDF and the action plan."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cc_network.api import api_app
from tests.api.util import bearer_for, error_code
from tests.assessment.factories import make_model
from workflows.assessment import tasks  # noqa: F401  (the job's outbox handler)


@pytest.fixture
def client() -> TestClient:
    return TestClient(api_app)


def test_the_self_assessment_through_rest(world_a, world_b, client, run_outbox):
    make_model(domains=2, criteria=2, live_keys={"D1.1": "workshops_held"})
    w = world_a
    mgr, counselor = bearer_for(w.manager), bearer_for(w.counselor)
    base = f"/api/v1/tenants/{w.slug}/assessments"

    r = client.post(base, json={"title": "Auto-évaluation 2026", "period_label": "2025-2026"}, headers=counselor)
    assert r.status_code == 403
    r = client.post(base, json={"title": "Auto-évaluation 2026", "period_label": "2025-2026"}, headers=mgr)
    assert r.status_code == 201, r.text
    aid = r.json()["summary"]["id"]
    assert r.json()["summary"]["status"] == "framing" and r.json()["total"] == 4
    r = client.get(base, headers=counselor)
    assert r.json()["total"] == 1 and r.json()["items"][0]["id"] == aid

    r = client.put(f"{base}/{aid}/ratings/D1.1", json={"value": 2}, headers=mgr)
    assert r.status_code == 409 and error_code(r) == "assessment_not_collecting"
    r = client.post(f"{base}/{aid}/plan", json={"planned_start": "2026-01-05", "planned_end": "2026-01-30"},
                    headers=mgr)
    assert r.status_code == 200 and r.json()["summary"]["status"] == "collecting"

    r = client.post(f"{base}/{aid}/evidence", json={"kind": "link", "url": "https://x.ma/pv", "criterion_code": "D1.1"},
                    headers=counselor)
    assert r.status_code == 201 and r.json()["kind"] == "link"
    r = client.post(f"{base}/{aid}/evidence", json={"kind": "link", "url": "file:///etc/passwd"}, headers=counselor)
    assert r.status_code == 422 and error_code(r) == "link_invalid"
    r = client.post(f"{base}/{aid}/evidence/file", files={"file": ("pv.pdf", b"%PDF-1.4 pv", "application/pdf")},
                    data={"criterion_code": "D2.1"}, headers=counselor)
    assert r.status_code == 201 and r.json()["filename"] == "pv.pdf"
    r = client.post(f"{base}/{aid}/evidence/live", headers=counselor)
    assert r.status_code == 200 and [e["live_key"] for e in r.json()] == ["workshops_held"]

    r = client.put(f"{base}/{aid}/ratings/D1.1", json={"value": 5}, headers=mgr)
    assert r.status_code == 422 and error_code(r) == "rating_out_of_scale"
    r = client.put(f"{base}/{aid}/ratings/D1.1", json={"value": 0}, headers=mgr)
    assert r.status_code == 422 and error_code(r) == "justification_required"
    r = client.put(f"{base}/{aid}/ratings/D1.1", json={"value": 2}, headers=counselor)
    assert r.status_code == 403
    r = client.put(f"{base}/{aid}/ratings/D1.1", json={"value": 3}, headers=mgr)
    assert r.status_code == 200 and r.json()["value"] == 3
    r = client.post(f"{base}/{aid}/complete", headers=mgr)
    assert r.status_code == 422 and error_code(r) == "assessment_incomplete"
    assert r.json()["error"]["missing"] == ["D1.2", "D2.1", "D2.2"]
    for code, body in (("D1.2", {"value": 1, "justification": "Peu"}),
                       ("D2.1", {"status": "not_applicable", "justification": "Sans objet"}),
                       ("D2.2", {"value": 2})):
        assert client.put(f"{base}/{aid}/ratings/{code}", json=body, headers=mgr).status_code == 200
    r = client.post(f"{base}/{aid}/complete", headers=mgr)
    assert r.status_code == 200 and r.json()["summary"]["status"] == "completed"
    r = client.put(f"{base}/{aid}/ratings/D2.2", json={"value": 3}, headers=mgr)
    assert r.status_code == 409 and error_code(r) == "assessment_locked"
    r = client.get(f"{base}/{aid}/result", headers=mgr)
    assert r.status_code == 409 and error_code(r) == "assessment_not_evaluated"

    run_outbox()
    r = client.get(f"{base}/{aid}/result", headers=counselor)
    assert r.status_code == 200, r.text
    res = r.json()
    # D1: (100 + 33.33) / 2; D2: 66.67 (D2.1 not applicable); overall: their mean
    assert [d["score"] for d in res["domains"]] == [pytest.approx(66.67, abs=0.02)] * 2
    assert res["overall"] == pytest.approx(66.67, abs=0.02) and res["must_unmet"] == [] and res["maturity"] == "established"
    r = client.get(f"{base}/{aid}/report.pdf", params={"lang": "ar"}, headers=counselor)
    assert r.status_code == 200 and r.content.startswith(b"%PDF-") and r.headers["content-type"] == "application/pdf"

    r = client.get(f"{base}/{aid}/actions", headers=mgr)
    kinds = sorted((a["kind"], a["criterion_code"]) for a in r.json())
    assert kinds == [("improvement", "D1.2"), ("strength", "D1.1")]
    r = client.post(f"{base}/{aid}/actions", json={"kind": "improvement", "text": "Former l'équipe",
                                                   "owner_membership_id": w.counselor.membership_id,
                                                   "deadline": "2026-06-30"}, headers=mgr)
    assert r.status_code == 201 and r.json()["owner_name"]
    act = r.json()["id"]
    r = client.patch(f"{base}/{aid}/actions/{act}", json={"done": True, "deadline": None}, headers=mgr)
    assert r.status_code == 200 and r.json()["done"] and r.json()["deadline"] is None
    assert r.json()["owner_membership_id"] == w.counselor.membership_id  # not sent: unchanged
    r = client.patch(f"{base}/{aid}/actions/{act}", json={"done": False}, headers=counselor)
    assert r.status_code == 403

    # another centre: not found, through its own path or this one
    other = bearer_for(world_b.manager)
    r = client.get(f"/api/v1/tenants/{world_b.slug}/assessments/{aid}", headers=other)
    assert r.status_code == 404 and error_code(r) == "not_found"
    r = client.get(f"{base}/{aid}", headers=other)
    assert r.status_code == 404


def test_an_evidence_file_is_downloaded_through_its_assessment_only(world_a, client):
    from workflows.assessment import services as sa

    make_model(domains=1, criteria=1)
    w = world_a
    a1 = sa.do_start(w.manager.actor, title="Une").summary.id
    a2 = sa.do_start(w.manager.actor, title="Deux").summary.id
    for aid in (a1, a2):
        sa.do_plan(w.manager.actor, aid)
    ev = sa.do_add_file(w.counselor.actor, a1, filename="procès-verbal.pdf", data=b"%PDF-1.4 pv")
    base = f"/api/v1/tenants/{w.slug}/assessments"
    r = client.get(f"{base}/{a1}/evidence/{ev.id}/file", headers=bearer_for(w.counselor))
    assert r.status_code == 200 and r.content == b"%PDF-1.4 pv" and r.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''proc%C3%A8s-verbal.pdf" in r.headers["content-disposition"]
    r = client.get(f"{base}/{a2}/evidence/{ev.id}/file", headers=bearer_for(w.counselor))
    assert r.status_code == 404
    r = client.get(f"{base}/{a1}/evidence/{ev.id}/file", headers=bearer_for(w.student))
    assert r.status_code == 403
