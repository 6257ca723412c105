"""Revising procedures over REST (issue 6 §5, P31): incident → decision → draft → edit →
review → publish → diff, bad input that changes nothing, permissions."""

from __future__ import annotations

import copy

from sqlmodel import select

from integrations.db import system_session
from integrations.outbox import OutboxMessage
from tests.api.util import bearer_for, error_code
from workflows.procedures.models import ProcedureVersion

BASE = "/api/v1/tenants/{}"


def _versions() -> list[tuple]:
    with system_session("test snapshot") as s:
        return [(v.id, v.status, repr(v.definition))
                for v in s.exec(select(ProcedureVersion).order_by(ProcedureVersion.id)).all()]


def test_the_whole_revision_over_rest(client, world_a):
    url = BASE.format("alpha")
    manager, counselor = bearer_for(world_a.manager), bearer_for(world_a.counselor)
    r = client.post(url + "/procedure-incidents", headers=counselor,
                    json={"code": "P01", "description": "The review step came too late"})
    assert r.status_code == 201, r.text
    inc = r.json()
    assert inc["status"] == "open"
    r = client.post(url + f"/procedure-incidents/{inc['id']}/decide", headers=counselor,
                    json={"accept": True, "note": "go"})
    assert r.status_code == 403 and error_code(r) == "forbidden"
    r = client.post(url + f"/procedure-incidents/{inc['id']}/decide", headers=manager,
                    json={"accept": True, "note": "Revise in the semester meeting"})
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    r = client.post(url + "/procedures/P01/drafts", headers=manager, json={"incident_ids": [inc["id"]]})
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["version"] == 2 and draft["status"] == "draft" and draft["incident_ids"] == [inc["id"]]

    # bad input: a step without a role — clear code, nothing changed
    broken = copy.deepcopy(draft["definition"])
    broken["steps"][0]["actors"] = []
    before = _versions()
    r = client.put(url + f"/procedure-versions/{draft['id']}", headers=manager, json={"definition": broken})
    assert r.status_code == 422 and error_code(r) == "step_without_role", r.text
    assert _versions() == before

    edited = copy.deepcopy(draft["definition"])
    edited["steps"].append({"n": 99, "title_en": "Tell the host institution", "kind": "notification",
                            "actors": [{"role": "manager"}]})
    r = client.put(url + f"/procedure-versions/{draft['id']}", headers=manager, json={"definition": edited})
    assert r.status_code == 200, r.text
    assert r.json()["definition"]["steps"][-1]["n"] == 99

    r = client.post(url + f"/procedure-versions/{draft['id']}/publish", headers=manager,
                    json={"change_note": "early"})
    assert r.status_code == 409 and error_code(r) == "version_not_in_review"
    r = client.post(url + f"/procedure-versions/{draft['id']}/submit", headers=manager)
    assert r.status_code == 200 and r.json()["status"] == "in_review", r.text
    r = client.post(url + f"/procedure-versions/{draft['id']}/publish", headers=manager,
                    json={"change_note": "A notification step"})
    assert r.status_code == 200 and r.json()["status"] == "published", r.text

    r = client.get(url + "/procedures/P01/versions", headers=counselor)
    assert [(v["version"], v["status"]) for v in r.json()] == [(1, "retired"), (2, "published")]
    r = client.get(url + "/procedures/P01/versions/2", headers=counselor)
    assert r.status_code == 200 and r.json()["definition"]["steps"][-1]["n"] == 99
    r = client.get(url + "/procedures/P01/diff", headers=counselor, params={"a": 1, "b": 2})
    assert r.status_code == 200, r.text
    assert {"step": 99, "field": "step", "before": "", "after": "Tell the host institution"} in r.json()
    r = client.get(url + "/procedure-incidents", headers=counselor, params={"status": "addressed"})
    assert r.json()["total"] == 1 and r.json()["items"][0]["version_id"] == draft["id"]
    with system_session("test") as s:
        assert s.exec(select(OutboxMessage)).all()  # the people concerned are told


def test_bad_input_and_other_centre(client, worlds):
    a, b = worlds
    manager_b = bearer_for(b.manager)
    r = client.post(BASE.format("alpha") + "/procedures/P01/drafts", headers=bearer_for(a.manager), json={})
    draft = r.json()
    before = _versions()
    r = client.put(BASE.format("beta") + f"/procedure-versions/{draft['id']}", headers=manager_b,
                   json={"definition": draft["definition"]})
    assert r.status_code == 404 and error_code(r) == "not_found"
    r = client.get(BASE.format("beta") + "/procedures/P01/versions/2", headers=manager_b)
    assert r.status_code == 404
    r = client.get(BASE.format("beta") + "/procedures/P01/diff", headers=manager_b, params={"a": 1, "b": 2})
    assert r.status_code == 404
    r = client.post(BASE.format("beta") + "/procedure-incidents", headers=manager_b,
                    json={"code": "P01", "description": ""})
    assert r.status_code == 422 and error_code(r) == "description_required"
    r = client.post(BASE.format("beta") + "/procedure-incidents", headers=manager_b,
                    json={"code": "P01", "description": "x", "extra": 1})
    assert r.status_code == 422
    assert _versions() == before
