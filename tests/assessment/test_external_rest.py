"""External evaluation over REST: the evaluator's scope on every /evaluations route (an unassigned
centre answers 404, nothing changed), staff refused, unassigning at once, bad input, and the
flow from assignment to consensus."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from integrations.db import system_session
from tests.api.util import cookie_for, error_code, snapshot
from tests.assessment.factories import make_model
from tests.conftest import create_person
from workflows.assessment import external as ext
from workflows.assessment.models import (
    Assessment,
    AssessmentRating,
    EvaluatorAssignment,
    Recommendation,
)

CODES = ["D1.1", "D1.2", "D2.1", "D2.2"]


@pytest.fixture(scope="module")
def client() -> TestClient:
    from cc_network.api import api_app

    return TestClient(api_app, raise_server_exceptions=True)


@pytest.fixture
def evaluators():
    return (create_person("eva@eval.test", network_role="external_evaluator", name="Eva Luator"),
            create_person("omar@eval.test", network_role="external_evaluator", name="Omar Rater"))


def state() -> dict:
    with system_session("test read") as s:
        return {"snapshot": snapshot(),
                "assessments": sorted((a.id, a.status, a.title) for a in s.exec(select(Assessment)).all()),
                "ratings": sorted((r.id, r.rater, r.value) for r in s.exec(select(AssessmentRating)).all()),
                "recommendations": len(s.exec(select(Recommendation)).all()),
                "assignments": sorted((x.id, x.active) for x in s.exec(select(EvaluatorAssignment)).all())}


def routes(centre_id: int, aid: int, member_id: int) -> list[tuple[str, str, dict | None]]:
    e = "/api/v1/evaluations"
    rating = {"value": 2}
    return [
        ("GET", f"{e}/centres/{centre_id}/assessments", None),
        ("GET", f"{e}/centres/{centre_id}/team", None),
        ("POST", f"{e}/centres/{centre_id}/assessments", {"title": "Intrusion"}),
        ("GET", f"{e}/assessments/{aid}", None),
        ("POST", f"{e}/assessments/{aid}/plan", {"meeting_on": "2026-12-05"}),
        ("POST", f"{e}/assessments/{aid}/interviews", {"membership_id": member_id, "held_on": "2026-12-05"}),
        ("PUT", f"{e}/assessments/{aid}/ratings/D1.1", rating),
        ("POST", f"{e}/assessments/{aid}/ratings/submit", None),
        ("GET", f"{e}/assessments/{aid}/differences", None),
        ("POST", f"{e}/assessments/{aid}/consensus", None),
        ("PUT", f"{e}/assessments/{aid}/consensus/D1.1", rating),
        ("POST", f"{e}/assessments/{aid}/complete", None),
        ("POST", f"{e}/assessments/{aid}/recommendations", {"text": "Intrusion"}),
        ("DELETE", f"{e}/assessments/{aid}/recommendations/1", None),
        ("POST", f"{e}/assessments/{aid}/send", None),
    ]


def test_an_unassigned_evaluator_gets_not_found_everywhere(client, worlds, network_admin, evaluators):
    a, b = worlds
    eva, omar = evaluators
    make_model(domains=2, criteria=2)
    ext.do_assign(network_admin.actor, a.tenant_id, eva.account_id)
    ext.do_assign(network_admin.actor, b.tenant_id, omar.account_id)
    bid = ext.do_start_external(omar.actor, b.tenant_id, title="Externe B").id
    ext.do_plan_external(omar.actor, bid, meeting_on="2026-12-03")
    ext.do_rate(omar.actor, bid, "D1.1", value=3)
    headers = cookie_for(eva)
    before = state()
    for method, path, body in routes(b.tenant_id, bid, b.manager.membership_id):
        r = client.request(method, path, headers=headers, json=body)
        assert (r.status_code, error_code(r)) == (404, "not_found"), (method, path, r.text)
    # the lists name the assigned centre only
    r = client.get("/api/v1/evaluations/centres", headers=headers)
    assert [c["id"] for c in r.json()] == [a.tenant_id]
    r = client.get("/api/v1/evaluations/assessments", headers=headers)
    assert r.json() == []
    assert b.slug not in client.get("/api/v1/evaluations/centres", headers=headers).text
    assert state() == before


def test_a_centres_staff_are_refused(client, worlds, network_admin, evaluators):
    a, _ = worlds
    make_model(domains=2, criteria=2)
    ext.do_assign(network_admin.actor, a.tenant_id, evaluators[0].account_id)
    aid = ext.do_start_external(network_admin.actor, a.tenant_id, title="Externe").id
    cookies = {role: cookie_for(a.people[role]) for role in ("manager", "counselor", "student")}
    before = state()
    for role, headers in cookies.items():
        for method, path, body in [*routes(a.tenant_id, aid, a.manager.membership_id),
                                   ("GET", "/api/v1/evaluations/centres", None),
                                   ("GET", "/api/v1/evaluations/assignments", None),
                                   ("POST", "/api/v1/evaluations/assignments",
                                    {"centre_id": a.tenant_id, "evaluator_account_id": a.people[role].account_id})]:
            r = client.request(method, path, headers=headers, json=body)
            assert (r.status_code, error_code(r)) == (403, "forbidden"), (role, method, path, r.text)
    r = client.get("/api/v1/evaluations/centres")
    assert r.status_code == 401
    assert state() == before


def test_assignment_flow_and_unassigning_over_rest(client, worlds, network_admin, evaluators):
    a, _ = worlds
    eva, omar = evaluators
    make_model(domains=2, criteria=2)
    admin = cookie_for(network_admin)
    r = client.get("/api/v1/evaluations/evaluators", headers=admin)
    assert {x["email"] for x in r.json()} == {"eva@eval.test", "omar@eval.test"}
    r = client.post("/api/v1/evaluations/assignments", headers=admin,
                    json={"centre_id": a.tenant_id, "evaluator_account_id": eva.account_id})
    assert r.status_code == 201, r.text
    assignment = r.json()["id"]
    r = client.post("/api/v1/evaluations/assignments", headers=admin,
                    json={"centre_id": a.tenant_id, "evaluator_account_id": a.manager.account_id})
    assert (r.status_code, error_code(r)) == (422, "unknown_evaluator")
    client.post("/api/v1/evaluations/assignments", headers=admin,
                json={"centre_id": a.tenant_id, "evaluator_account_id": omar.account_id})
    assert len(client.get("/api/v1/evaluations/assignments", headers=admin).json()) == 2

    me = cookie_for(eva)
    r = client.post(f"/api/v1/evaluations/centres/{a.tenant_id}/assessments", headers=me,
                    json={"title": "Évaluation externe", "framing_note": "Démarche"})
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert [c["code"] for c in r.json()["criteria"]] == CODES
    r = client.post(f"/api/v1/evaluations/assessments/{aid}/plan", headers=me,
                    json={"meeting_on": "2026-12-03", "note": "Réunion ad hoc"})
    assert r.json()["status"] == "collecting"
    r = client.post(f"/api/v1/evaluations/assessments/{aid}/interviews", headers=me,
                    json={"membership_id": a.counselor.membership_id, "held_on": "2026-12-04",
                          "criteria": ["D1.1"]})
    assert r.status_code == 201 and r.json()["interviews"][0]["member_name"] == "Counselor"

    before = state()
    for body, code in [({"value": 7}, "rating_out_of_scale"), ({"value": 0}, "justification_required"),
                       ({"status": "not_applicable"}, "justification_required")]:
        r = client.put(f"/api/v1/evaluations/assessments/{aid}/ratings/D1.1", headers=me, json=body)
        assert (r.status_code, error_code(r)) == (422, code), r.text
    r = client.put(f"/api/v1/evaluations/assessments/{aid}/ratings/ZZ.9", headers=me, json={"value": 2})
    assert (r.status_code, error_code(r)) == (422, "unknown_criterion")
    assert state() == before

    for code in CODES:
        r = client.put(f"/api/v1/evaluations/assessments/{aid}/ratings/{code}", headers=me, json={"value": 2})
        assert r.status_code == 200, r.text
    # omar's draft stays his
    client.put(f"/api/v1/evaluations/assessments/{aid}/ratings/D1.1", headers=cookie_for(omar), json={"value": 3})
    r = client.post(f"/api/v1/evaluations/assessments/{aid}/ratings/submit", headers=me)
    assert r.json()["my_submitted"] and r.json()["visible_ratings"] == []
    r = client.get(f"/api/v1/evaluations/assessments/{aid}/differences", headers=cookie_for(omar))
    assert (r.status_code, error_code(r)) == (409, "ratings_not_submitted")
    r = client.post(f"/api/v1/evaluations/assessments/{aid}/consensus", headers=admin)
    assert (r.status_code, error_code(r)) == (409, "ratings_pending")

    # omar leaves the centre: his access ends at once and the consensus no longer waits for him
    omar_asg = next(x["id"] for x in client.get("/api/v1/evaluations/assignments", headers=admin).json()
                    if x["evaluator_account_id"] == omar.account_id)
    assert client.delete(f"/api/v1/evaluations/assignments/{omar_asg}", headers=admin).json()["active"] is False
    r = client.get(f"/api/v1/evaluations/assessments/{aid}", headers=cookie_for(omar))
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = client.post(f"/api/v1/evaluations/assessments/{aid}/consensus", headers=me)
    assert r.json()["status"] == "consensus"
    assert {c["criterion"] for c in r.json()["consensus"]} == set(CODES)
    assert {x["rater"] for x in r.json()["visible_ratings"]} == set()  # only eva's own, shown as hers
    r = client.get(f"/api/v1/evaluations/assessments/{aid}/differences", headers=admin)
    assert all(d["agreed"] and d["evaluators"] == {f"evaluator:{eva.account_id}": {"status": "rated", "value": 2}}
               for d in r.json())
    r = client.post(f"/api/v1/evaluations/assessments/{aid}/complete", headers=me)
    assert r.json()["status"] == "completed"
    r = client.put(f"/api/v1/evaluations/assessments/{aid}/consensus/D1.1", headers=me, json={"value": 3})
    assert (r.status_code, error_code(r)) == (409, "assessment_locked")

    # unassigning eva: not found at once
    assert client.delete(f"/api/v1/evaluations/assignments/{assignment}", headers=admin).status_code == 200
    r = client.get(f"/api/v1/evaluations/assessments/{aid}", headers=me)
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = client.get(f"/api/v1/evaluations/centres/{a.tenant_id}/assessments", headers=me)
    assert r.status_code == 404
