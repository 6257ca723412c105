"""Members of a centre: list (paged), invite, read, change roles, (de)activate."""

from __future__ import annotations

import pytest
from sqlmodel import select

from integrations.db import system_session
from integrations.mail import DevMail
from integrations.outbox import OutboxMessage
from tests.api.util import bearer_for, error_code, snapshot
from tests.conftest import create_person

MEMBERS = "/api/v1/tenants/{}/members"


@pytest.fixture
def manager_a(world_a):
    return bearer_for(world_a.manager)


# ---------------------------------------------------------------- list

def test_list_pages_through_every_member_once(client, world_a, manager_a):
    seen, page, pages = [], 1, 0
    while page is not None:
        r = client.get(MEMBERS.format("alpha"), params={"page": page, "per_page": 4}, headers=manager_a)
        assert r.status_code == 200
        body = r.json()
        assert body["total"] == 9 and body["per_page"] == 4 and body["page"] == page
        assert len(body["items"]) <= 4
        seen += [m["membership_id"] for m in body["items"]]
        page, pages = body["next_page"], pages + 1
    assert pages == 3
    assert sorted(seen) == sorted(p.membership_id for p in world_a.people.values())


def test_list_beyond_the_last_page_is_empty(client, world_a, manager_a):
    body = client.get(MEMBERS.format("alpha"), params={"page": 5}, headers=manager_a).json()
    assert body["items"] == [] and body["total"] == 9 and body["next_page"] is None


def test_list_filters_by_text_and_role(client, world_a, manager_a):
    by_text = client.get(MEMBERS.format("alpha"), params={"q": "BIZDEV"}, headers=manager_a).json()
    assert [m["email"] for m in by_text["items"]] == ["bizdev@alpha.test"]
    by_role = client.get(MEMBERS.format("alpha"), params={"role": "career_counselor"}, headers=manager_a).json()
    assert by_role["total"] == 1
    m = by_role["items"][0]
    assert m["email"] == "counselor@alpha.test" and m["responsibilities"] == ["coordination"]


@pytest.mark.parametrize("params", [{"role": "wizard"}, {"per_page": 0}, {"per_page": 1000}, {"page": 0},
                                    {"page": "x"}, {"q": "x" * 201}])
def test_list_refuses_bad_parameters(client, world_a, manager_a, params):
    r = client.get(MEMBERS.format("alpha"), params=params, headers=manager_a)
    assert r.status_code == 422 and error_code(r) == "invalid"
    assert r.json()["error"]["fields"]


def test_list_needs_team_view(client, world_a):
    r = client.get(MEMBERS.format("alpha"), headers=bearer_for(world_a.student))
    assert r.status_code == 403 and error_code(r) == "forbidden"
    assert client.get(MEMBERS.format("alpha"), headers=bearer_for(world_a.people["intern"])).status_code == 200


def test_list_never_shows_another_centre(client, worlds, manager_a):
    body = client.get(MEMBERS.format("alpha"), params={"per_page": 200}, headers=manager_a).json()
    assert body["total"] == 9 and all(m["email"].endswith("@alpha.test") for m in body["items"])


# ---------------------------------------------------------------- invite

def test_invite_creates_member_and_sends_set_password_mail(client, world_a, manager_a, run_outbox):
    r = client.post(MEMBERS.format("alpha"), headers=manager_a, json={
        "email": " New.Counselor@Alpha.test ", "full_name": "Nadia  Bennani",
        "roles": ["career_counselor"], "responsibilities": ["communication"]})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["email"] == "new.counselor@alpha.test" and body["full_name"] == "Nadia Bennani"
    assert body["roles"] == ["career_counselor"] and body["responsibilities"] == ["communication"]
    assert body["active"] is True and body["has_password"] is False
    got = client.get(f"{MEMBERS.format('alpha')}/{body['membership_id']}", headers=manager_a)
    assert got.status_code == 200 and got.json()["email"] == "new.counselor@alpha.test"
    states = run_outbox()
    with system_session("test") as s:
        errors = [m.last_error for m in s.exec(select(OutboxMessage)).all()]
    assert states == ["sent"], errors
    with system_session("test") as s:
        mail = s.exec(select(DevMail)).one()
    assert mail.to_email == "new.counselor@alpha.test" and "/reset?token=" in mail.body_text


@pytest.mark.parametrize("payload, code", [
    ({"roles": ["wizard"]}, "invalid_role"),
    ({"roles": ["network_admin"]}, "invalid_role"),
    ({"roles": []}, "roles_required"),
    ({"email": "not-an-email"}, "invalid_email"),
    ({"full_name": "X"}, "invalid_name"),
    ({"responsibilities": ["juggling"]}, "invalid_role"),
    ({"roles": "manager"}, "invalid"),
    ({"unexpected": 1}, "invalid"),
    ({"email": None}, "invalid"),
])
def test_invite_refuses_bad_input_and_changes_nothing(client, world_a, manager_a, payload, code):
    good = {"email": "someone@alpha.test", "full_name": "Some One", "roles": ["career_counselor"]}
    before = snapshot()
    r = client.post(MEMBERS.format("alpha"), headers=manager_a, json={**good, **payload})
    assert r.status_code == 422, r.text
    assert error_code(r) == code
    assert snapshot() == before
    total = client.get(MEMBERS.format("alpha"), headers=manager_a).json()["total"]
    assert total == 9


def test_invite_an_existing_member_is_a_conflict(client, world_a, manager_a):
    before = snapshot()
    r = client.post(MEMBERS.format("alpha"), headers=manager_a, json={
        "email": "student@alpha.test", "full_name": "Student", "roles": ["ambassador"]})
    assert r.status_code == 409 and error_code(r) == "already_member"
    assert snapshot() == before


def test_invite_a_person_of_another_centre_adds_a_membership(client, worlds, manager_a):
    r = client.post(MEMBERS.format("alpha"), headers=manager_a, json={
        "email": "student@beta.test", "full_name": "Beta Student", "roles": ["ambassador"]})
    assert r.status_code == 201
    assert r.json()["has_password"] is True  # the existing account keeps its password


@pytest.mark.parametrize("role", ["counselor", "business_developer", "ambassador", "student"])
def test_invite_needs_team_manage(client, world_a, role):
    headers = bearer_for(world_a.people[role])
    before = snapshot()
    r = client.post(MEMBERS.format("alpha"), headers=headers, json={
        "email": "x@alpha.test", "full_name": "Xavier", "roles": ["student"]})
    assert r.status_code == 403 and error_code(r) == "forbidden"
    assert snapshot() == before


# ---------------------------------------------------------------- read one

def test_get_member_of_another_centre_is_not_found(client, worlds, manager_a):
    _, b = worlds
    r = client.get(f"{MEMBERS.format('alpha')}/{b.manager.membership_id}", headers=manager_a)
    assert r.status_code == 404 and error_code(r) == "not_found"
    missing = client.get(f"{MEMBERS.format('alpha')}/999999", headers=manager_a)
    assert missing.json() == r.json()


@pytest.mark.parametrize("mid", ["abc", "0", "-1", str(2**40), "1.5"])
def test_get_member_with_a_bad_id_is_a_validation_error(client, world_a, manager_a, mid):
    r = client.get(f"{MEMBERS.format('alpha')}/{mid}", headers=manager_a)
    assert r.status_code == 422 and error_code(r) == "invalid"


# ---------------------------------------------------------------- update

def url(world, person) -> str:
    return f"{MEMBERS.format(world.slug)}/{person.membership_id}"


def test_change_roles_and_responsibilities(client, world_a, manager_a):
    intern = world_a.people["intern"]
    r = client.patch(url(world_a, intern), headers=manager_a,
                     json={"roles": ["career_counselor", "ambassador"], "responsibilities": ["ambassador_programme"]})
    assert r.status_code == 200, r.text
    assert r.json()["roles"] == ["career_counselor", "ambassador"]
    assert r.json()["responsibilities"] == ["ambassador_programme"]
    # the person's next request carries the new permissions
    me = client.get("/api/v1/me", headers=bearer_for(intern)).json()
    assert "mailbox.view" in me["permissions"]
    audit = client.get("/api/v1/tenants/alpha/audit", headers=manager_a).json()["items"]
    assert any(e["action"] == "member.roles_changed" and e["target_id"] == str(intern.membership_id)
               for e in audit)


def test_deactivate_then_reactivate(client, world_a, manager_a):
    counselor = world_a.counselor
    their_token = bearer_for(counselor)
    r = client.patch(url(world_a, counselor), headers=manager_a, json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    # the deactivated member's token stops working, their records stay
    assert client.get("/api/v1/me", headers=their_token).status_code == 401
    listed = client.get(MEMBERS.format("alpha"), params={"q": "counselor@"}, headers=manager_a).json()
    assert listed["items"][0]["active"] is False
    r = client.patch(url(world_a, counselor), headers=manager_a, json={"active": True})
    assert r.status_code == 200 and r.json()["active"] is True
    assert client.get("/api/v1/me", headers=their_token).status_code == 200


@pytest.mark.parametrize("payload, status, code", [
    ({}, 422, "nothing_to_change"),
    ({"roles": ["wizard"]}, 422, "invalid_role"),
    ({"roles": []}, 422, "roles_required"),
    ({"active": "sometimes"}, 422, "invalid"),
    ({"email": "x@y.z"}, 422, "invalid"),
])
def test_update_refuses_bad_input_and_changes_nothing(client, world_a, manager_a, payload, status, code):
    before = snapshot()
    r = client.patch(url(world_a, world_a.student), headers=manager_a, json=payload)
    assert r.status_code == status and error_code(r) == code
    assert snapshot() == before


def test_manager_cannot_deactivate_themself(client, world_a, manager_a):
    before = snapshot()
    r = client.patch(url(world_a, world_a.manager), headers=manager_a, json={"active": False})
    assert r.status_code == 409 and error_code(r) == "self_deactivate"
    assert snapshot() == before


def test_the_last_manager_keeps_the_role(client, world_a, manager_a):
    before = snapshot()
    r = client.patch(url(world_a, world_a.manager), headers=manager_a, json={"roles": ["career_counselor"]})
    assert r.status_code == 409 and error_code(r) == "last_manager"
    assert snapshot() == before


def test_a_refused_part_leaves_the_whole_member_unchanged(client, world_a, manager_a):
    # with a second manager the role change alone would be allowed; self-deactivation is not
    create_person("deputy@alpha.test", tenant_id=world_a.tenant_id, roles=["manager"])
    before = snapshot()
    r = client.patch(url(world_a, world_a.manager), headers=manager_a,
                     json={"roles": ["career_counselor"], "active": False})
    assert r.status_code == 409 and error_code(r) == "self_deactivate"
    assert snapshot() == before


def test_update_needs_team_manage(client, world_a):
    before = snapshot()
    r = client.patch(url(world_a, world_a.student), headers=bearer_for(world_a.counselor),
                     json={"roles": ["manager"]})
    assert r.status_code == 403 and error_code(r) == "forbidden"
    after = snapshot()
    assert after["memberships"] == before["memberships"]


def test_update_a_member_of_another_centre_is_not_found(client, worlds, manager_a):
    _, b = worlds
    before = snapshot()
    r = client.patch(url(worlds[0], b.student), headers=manager_a, json={"active": False})
    assert r.status_code == 404 and error_code(r) == "not_found"
    assert snapshot() == before
