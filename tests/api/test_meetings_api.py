"""The team's meetings over REST (issue 6 §4): list, open for an event, the record with its
agenda, minutes, decisions that complete steps, closing; bad input changes nothing."""

from __future__ import annotations

from sqlmodel import select

from integrations.db import system_session
from tests.api.util import bearer_for, error_code
from tests.workflows.engine_helpers import by_step, publish
from tests.workflows.test_meetings import meeting_event, reviewed_procedure, running_at_review
from workflows.meetings.models import MeetingItem, MeetingRecord
from workflows.procedures.models import DONE, OPEN

BASE = "/api/v1/tenants/alpha"


def _records() -> list[tuple]:
    with system_session("test snapshot") as s:
        return [(r.id, r.status, r.minutes) for r in s.exec(select(MeetingRecord).order_by(MeetingRecord.id)).all()]


def test_a_weekly_meeting_from_opening_to_closing(client, world_a):
    w = world_a
    publish(w.tenant_id, reviewed_procedure())
    inst = running_at_review(w)
    e = meeting_event(w)
    manager, counselor = bearer_for(w.manager), bearer_for(w.counselor)
    r = client.get(BASE + "/meetings", headers=counselor)
    assert r.status_code == 200, r.text
    assert [(i["event_id"], i["status"], i["meeting_id"]) for i in r.json()["items"]] == [(e.id, "", None)]
    assert client.get(BASE + "/meetings", headers=counselor, params={"kind": "workshop"}).status_code == 422
    # only the manager opens it
    r = client.post(BASE + "/meetings", headers=counselor, json={"event_id": e.id})
    assert r.status_code == 403 and _records() == []
    r = client.post(BASE + "/meetings", headers=manager, json={"event_id": e.id})
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["status"] == "open" and m["kind"] == "weekly_coordination_meeting" and "visits" in m["snapshot"]
    [group] = m["agenda"]
    assert group["instance_id"] == inst.id
    [item] = group["items"]
    assert [b["key"] for b in item["branches"]] == ["ok", "rework"]
    url = f"{BASE}/meetings/{m['id']}"
    r = client.put(url + "/minutes", headers=counselor, json={"minutes": "Le plan est validé."})
    assert r.status_code == 200 and r.json()["minutes"] == "Le plan est validé.", r.text
    # a decision without its outcome, or by a counselor: refused, nothing changed
    before = by_step(w.tenant_id, inst.id)
    r = client.post(url + f"/items/{item['task_id']}/decide", headers=manager, json={})
    assert r.status_code == 422 and error_code(r) == "branch_required"
    r = client.post(url + f"/items/{item['task_id']}/decide", headers=counselor, json={"branch": "ok"})
    assert r.status_code == 403
    assert by_step(w.tenant_id, inst.id) == before
    r = client.post(url + f"/items/{item['task_id']}/decide", headers=manager, json={"branch": "ok", "note": "ok"})
    assert r.status_code == 200, r.text
    assert r.json()["decided"][0]["outcome"] == "ok"
    assert by_step(w.tenant_id, inst.id)[2] == [("career_counselor", DONE), ("business_developer", DONE)]
    assert by_step(w.tenant_id, inst.id)[3] == [("manager", OPEN)]
    r = client.post(url + "/close", headers=manager)
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["plan_sent_at"], r.text
    r = client.post(url + "/close", headers=manager)
    assert r.status_code == 409 and error_code(r) == "meeting_closed"
    r = client.put(url + "/minutes", headers=manager, json={"minutes": "trop tard"})
    assert r.status_code == 409 and _records()[0][2] == "Le plan est validé."
    r = client.get(url, headers=bearer_for(w.people["intern"]))
    assert r.status_code == 200 and r.json()["decided"][0]["task_id"] == item["task_id"]
    with system_session("t") as s:
        assert len(s.exec(select(MeetingItem)).all()) == 1


def test_bad_ids_and_bodies(client, world_a):
    manager = bearer_for(world_a.manager)
    assert client.get(BASE + "/meetings/999999", headers=manager).status_code == 404
    assert client.get(BASE + "/meetings/0", headers=manager).status_code == 422
    r = client.post(BASE + "/meetings", headers=manager, json={"event_id": 999999})
    assert r.status_code == 404 and error_code(r) == "not_found"
    r = client.post(BASE + "/meetings", headers=manager, json={"event_id": 1, "extra": 1})
    assert r.status_code == 422
    r = client.put(BASE + "/meetings/1/minutes", headers=manager, json={"minutes": "x" * 50_001})
    assert r.status_code == 422 and _records() == []
