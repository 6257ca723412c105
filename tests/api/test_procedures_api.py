"""The procedures over REST (issue 6 §4): definitions and versions, instances, the inbox's
tasks (list, complete, decide, skip); the 'done when' path of P01 and bad input."""

from __future__ import annotations

from sqlmodel import select

from integrations.db import system_session
from tests.api.util import bearer_for, error_code
from workflows.procedures.models import ProcedureInstance, ProcedureTask

BASE = "/api/v1/tenants/{}"


def _tasks() -> list[tuple]:
    with system_session("test snapshot") as s:
        return [(t.id, t.status, t.branch, t.note, t.assignee_membership_id)
                for t in s.exec(select(ProcedureTask).order_by(ProcedureTask.id)).all()]


def _instances() -> list[tuple]:
    with system_session("test snapshot") as s:
        return [(i.id, i.status) for i in s.exec(select(ProcedureInstance).order_by(ProcedureInstance.id)).all()]


def _mine(client, headers, slug="alpha", **params) -> dict:
    r = client.get(BASE.format(slug) + "/tasks", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_catalogue_and_a_flowchart(client, world_a):
    counselor = bearer_for(world_a.counselor)
    r = client.get(BASE.format("alpha") + "/procedures", headers=counselor)
    assert r.status_code == 200, r.text
    procs = r.json()
    assert len(procs) == 31 and procs[0]["code"] == "P01" and procs[0]["running"] == 0
    r = client.get(BASE.format("alpha") + "/procedures/P01", headers=counselor, params={"version": 1})
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["version"] == 1 and d["versions"] == [1] and [s["n"] for s in d["steps"]] == [1, 2, 3, 4, 5, 6]
    step5 = d["steps"][4]
    assert step5["lane"] == "host_approver" and step5["kind"] == "approval" and step5["after"] == [4]
    assert [(b["key"], b["goto"], b["ends"]) for b in step5["branches"]] == [("approve", None, False),
                                                                            ("refuse", 4, False)]
    assert {"ref": "M30", "use": "output", "name": "Career Center annual action plan"} in step5["documents"]
    # an unknown procedure, an unknown version, a code that is not one
    assert client.get(BASE.format("alpha") + "/procedures/P99", headers=counselor).status_code == 404
    r = client.get(BASE.format("alpha") + "/procedures/P01", headers=counselor, params={"version": 9})
    assert r.status_code == 404, r.text
    assert client.get(BASE.format("alpha") + "/procedures/XX1", headers=counselor).status_code == 422
    # a student does not see the procedures
    r = client.get(BASE.format("alpha") + "/procedures", headers=bearer_for(world_a.student))
    assert r.status_code == 403 and error_code(r) == "forbidden"


def test_p01_from_start_to_the_host_approval(client, world_a):
    """Done when: the manager starts P01 for the new year; counselors and the business developer
    get their review tasks; the host institution's approver approves it from their inbox."""
    w = world_a
    manager, counselor = bearer_for(w.manager), bearer_for(w.counselor)
    bizdev, approver = bearer_for(w.people["business_developer"]), bearer_for(w.people["host_approver"])
    r = client.post(BASE.format("alpha") + "/procedures/P01/instances", headers=manager, json={"label": "2027-2028"})
    assert r.status_code == 201, r.text
    inst = r.json()
    assert inst["title"].endswith("2027-2028") and inst["status"] == "running" and inst["steps_total"] == 6
    # a counselor may not start one
    before = _instances()
    r = client.post(BASE.format("alpha") + "/procedures/P01/instances", headers=counselor, json={})
    assert r.status_code == 403 and _instances() == before

    [step1] = _mine(client, manager)["items"]
    assert step1["step_n"] == 1 and step1["can_act"] and step1["instance_id"] == inst["id"]
    # not the holder: a clear refusal, nothing changed
    before = _tasks()
    r = client.post(BASE.format("alpha") + f"/tasks/{step1['id']}/complete", headers=counselor, json={})
    assert r.status_code == 403 and error_code(r) == "not_task_holder" and _tasks() == before
    r = client.post(BASE.format("alpha") + f"/tasks/{step1['id']}/complete", headers=manager,
                    json={"note": "Brouillon prêt"})
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["note"] == "Brouillon prêt", r.text
    before = _tasks()
    r = client.post(BASE.format("alpha") + f"/tasks/{step1['id']}/complete", headers=manager, json={})
    assert r.status_code == 409 and error_code(r) == "task_already_done" and _tasks() == before

    # the review tasks: the counselor and the business developer
    [c2] = _mine(client, counselor)["items"]
    [b2] = _mine(client, bizdev)["items"]
    assert c2["step_n"] == b2["step_n"] == 2
    team = _mine(client, manager, scope="team")
    assert {t["id"] for t in team["items"]} == {c2["id"], b2["id"]} and team["total"] == 2
    r = client.post(BASE.format("alpha") + f"/tasks/{c2['id']}/skip", headers=counselor, json={"reason": "Rien"})
    assert r.status_code == 200 and r.json()["status"] == "skipped", r.text
    for headers, task in ((bizdev, b2),):
        assert client.post(BASE.format("alpha") + f"/tasks/{task['id']}/complete", headers=headers,
                           json={}).status_code == 200
    for headers in (manager, counselor, bizdev):  # step 3, reviewed together
        [t3] = _mine(client, headers)["items"]
        assert client.post(BASE.format("alpha") + f"/tasks/{t3['id']}/complete", headers=headers,
                           json={}).status_code == 200
    [t4] = _mine(client, manager)["items"]
    assert client.post(BASE.format("alpha") + f"/tasks/{t4['id']}/complete", headers=manager,
                       json={}).status_code == 200

    [t5] = _mine(client, approver)["items"]
    assert t5["step_n"] == 5 and {b["key"] for b in t5["branches"]} == {"approve", "refuse"}
    before = _tasks()
    r = client.post(BASE.format("alpha") + f"/tasks/{t5['id']}/decide", headers=approver, json={"branch": "maybe"})
    assert r.status_code == 422 and error_code(r) == "unknown_branch" and _tasks() == before
    r = client.post(BASE.format("alpha") + f"/tasks/{t5['id']}/complete", headers=approver, json={})
    assert r.status_code == 422 and error_code(r) == "branch_required" and _tasks() == before
    r = client.post(BASE.format("alpha") + f"/tasks/{t5['id']}/decide", headers=approver,
                    json={"branch": "approve", "note": "Validé"})
    assert r.status_code == 200 and (r.json()["branch"], r.json()["status"]) == ("approve", "done"), r.text
    before = _tasks()
    r = client.post(BASE.format("alpha") + f"/tasks/{t5['id']}/decide", headers=approver, json={"branch": "approve"})
    assert r.status_code == 409 and error_code(r) == "task_already_done" and _tasks() == before

    r = client.get(BASE.format("alpha") + f"/procedure-instances/{inst['id']}", headers=counselor)
    assert r.status_code == 200, r.text
    detail = r.json()
    assert detail["instance"]["steps_done"] == 5 and detail["instance"]["open_tasks"] == 1
    assert [t["step_n"] for t in detail["tasks"] if t["status"] == "open"] == [6]


def test_instances_list_filters_pages_and_cancel(client, world_a):
    manager, counselor = bearer_for(world_a.manager), bearer_for(world_a.counselor)
    ids = [client.post(BASE.format("alpha") + "/procedures/P01/instances", headers=manager,
                       json={"label": f"Y{i}"}).json()["id"] for i in range(3)]
    r = client.get(BASE.format("alpha") + "/procedure-instances", headers=counselor, params={"per_page": 2})
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["next_page"] == 2
    r = client.get(BASE.format("alpha") + "/procedure-instances", headers=counselor,
                   params={"per_page": 2, "page": 2})
    assert len(r.json()["items"]) == 1 and r.json()["next_page"] is None
    assert client.get(BASE.format("alpha") + "/procedure-instances", headers=counselor,
                      params={"status": "bogus"}).status_code == 422

    before = _instances()
    r = client.post(BASE.format("alpha") + f"/procedure-instances/{ids[0]}/cancel", headers=counselor,
                    json={"reason": "x"})
    assert r.status_code == 403 and _instances() == before
    r = client.post(BASE.format("alpha") + f"/procedure-instances/{ids[0]}/cancel", headers=manager,
                    json={"reason": " "})
    assert r.status_code == 422 and error_code(r) == "reason_required" and _instances() == before
    r = client.post(BASE.format("alpha") + f"/procedure-instances/{ids[0]}/cancel", headers=manager,
                    json={"reason": "Doublon"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    r = client.get(BASE.format("alpha") + "/procedure-instances", headers=counselor,
                   params={"status": "cancelled", "code": "P01"})
    assert [i["id"] for i in r.json()["items"]] == [ids[0]]
    # the cancelled instance's task left the inbox
    assert {t["instance_id"] for t in _mine(client, manager)["items"]} == set(ids[1:])
    # bad inbox filters
    assert client.get(BASE.format("alpha") + "/tasks", headers=manager, params={"when": "soon"}).status_code == 422
    assert client.get(BASE.format("alpha") + "/tasks", headers=manager, params={"scope": "all"}).status_code == 422


def test_another_centres_task_is_not_found(client, worlds):
    a, b = worlds
    inst = client.post(BASE.format("alpha") + "/procedures/P01/instances", headers=bearer_for(a.manager),
                       json={}).json()
    [task] = _mine(client, bearer_for(a.manager))["items"]
    before = _tasks()
    beta = bearer_for(b.manager)
    r = client.post(BASE.format("beta") + f"/tasks/{task['id']}/complete", headers=beta, json={})
    assert r.status_code == 404 and error_code(r) == "not_found"
    r = client.get(BASE.format("beta") + f"/procedure-instances/{inst['id']}", headers=beta)
    assert r.status_code == 404 and error_code(r) == "not_found"
    assert _tasks() == before
