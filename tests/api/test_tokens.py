"""The caller's own API tokens."""

from __future__ import annotations

import pytest

from tests.api.util import bearer_for, error_code, snapshot

TOKENS = "/api/v1/tenants/{}/tokens"


@pytest.mark.parametrize("role", ["manager", "student", "company_contact"])
def test_create_use_list_revoke(client, world_a, role):
    headers = bearer_for(world_a.people[role], name="bootstrap")
    r = client.post(TOKENS.format("alpha"), headers=headers, json={"name": "  CRM   sync "})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["name"] == "CRM sync" and created["secret"].startswith("ccn_")
    new = {"Authorization": f"Bearer {created['secret']}"}
    assert client.get("/api/v1/me", headers=new).json()["email"] == world_a.people[role].email
    listed = client.get(TOKENS.format("alpha"), headers=headers).json()
    assert [t["name"] for t in listed] == ["CRM sync", "bootstrap"]
    assert all("secret" not in t for t in listed)
    assert listed[0]["prefix"] == created["secret"][:10] and listed[0]["last_used_at"] is not None
    r = client.delete(f"{TOKENS.format('alpha')}/{created['id']}", headers=headers)
    assert r.status_code == 204 and r.content == b""
    assert client.get("/api/v1/me", headers=new).status_code == 401
    again = client.delete(f"{TOKENS.format('alpha')}/{created['id']}", headers=headers)
    assert again.status_code == 404 and error_code(again) == "not_found"
    assert [t["name"] for t in client.get(TOKENS.format("alpha"), headers=headers).json()] == ["bootstrap"]


def test_only_own_tokens_are_listed_or_revoked(client, world_a):
    manager = bearer_for(world_a.manager)
    student = bearer_for(world_a.student, name="student's")
    student_token_id = client.get(TOKENS.format("alpha"), headers=student).json()[0]["id"]
    assert all(t["name"] != "student's" for t in client.get(TOKENS.format("alpha"), headers=manager).json())
    before = snapshot()
    r = client.delete(f"{TOKENS.format('alpha')}/{student_token_id}", headers=manager)
    assert r.status_code == 404 and error_code(r) == "not_found"
    assert snapshot() == before
    assert client.get("/api/v1/me", headers=student).status_code == 200


@pytest.mark.parametrize("payload, code", [
    ({"name": "   "}, "token_name_required"),
    ({"name": "x" * 101}, "invalid"),
    ({}, "invalid"),
    ({"name": "ok", "scope": "all"}, "invalid"),
])
def test_create_refuses_bad_input(client, world_a, payload, code):
    headers = bearer_for(world_a.manager)
    before = snapshot()
    r = client.post(TOKENS.format("alpha"), headers=headers, json=payload)
    assert r.status_code == 422 and error_code(r) == code
    assert snapshot() == before


def test_malformed_body_is_a_validation_error(client, world_a):
    r = client.post(TOKENS.format("alpha"), headers={**bearer_for(world_a.manager), "Content-Type": "application/json"},
                    content=b"{not json")
    assert r.status_code == 422 and error_code(r) == "invalid"
