"""The manager's audit trail, newest first, by cursor."""

from __future__ import annotations

import pytest

from tests.api.util import bearer_for, error_code

AUDIT = "/api/v1/tenants/{}/audit"


def test_cursor_walks_every_event_once_newest_first(client, worlds):
    a, b = worlds
    headers = bearer_for(a.manager, name="t0")
    for i in range(1, 5):
        bearer_for(a.student, name=f"t{i}")
    bearer_for(b.manager, name="beta's")  # another centre's event must not show
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2} | ({"before_id": cursor} if cursor else {})
        r = client.get(AUDIT.format("alpha"), params=params, headers=headers)
        assert r.status_code == 200
        body = r.json()
        assert len(body["items"]) <= 2
        seen += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    ids = [e["id"] for e in seen]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5
    assert [e["details"]["name"] for e in seen] == ["t4", "t3", "t2", "t1", "t0"]
    assert {e["action"] for e in seen} == {"token.created"}
    assert pages == 3


def test_audit_records_who_did_it(client, world_a):
    headers = bearer_for(world_a.manager)
    event = client.get(AUDIT.format("alpha"), headers=headers).json()["items"][0]
    assert event["actor_account_id"] == world_a.manager.account_id
    assert event["target_type"] == "api_token"


@pytest.mark.parametrize("role", ["counselor", "business_developer", "student", "host_approver"])
def test_audit_is_for_managers(client, world_a, role):
    r = client.get(AUDIT.format("alpha"), headers=bearer_for(world_a.people[role]))
    assert r.status_code == 403 and error_code(r) == "forbidden"


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"before_id": "abc"}, {"before_id": 0},
                                    {"before_id": 2**40}])
def test_audit_refuses_bad_parameters(client, world_a, params):
    r = client.get(AUDIT.format("alpha"), params=params, headers=bearer_for(world_a.manager))
    assert r.status_code == 422 and error_code(r) == "invalid"
