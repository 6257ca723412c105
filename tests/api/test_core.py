"""Health, identity, authentication failures and the OpenAPI document."""

from __future__ import annotations

from tenants.auth.services import do_revoke_api_token
from tests.api.util import bearer_for, cookie_for, error_code


def test_health(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_me_with_a_token_names_its_membership(client, world_a):
    r = client.get("/api/v1/me", headers=bearer_for(world_a.counselor))
    assert r.status_code == 200
    body = r.json()
    assert body["email"] == "counselor@alpha.test"
    assert body["tenant_id"] == world_a.tenant_id
    assert body["roles"] == ["career_counselor"]
    assert "team.view" in body["permissions"] and "team.manage" not in body["permissions"]


def test_me_with_the_browser_session(client, world_a):
    r = client.get("/api/v1/me", headers=cookie_for(world_a.manager))
    assert r.status_code == 200 and r.json()["email"] == "manager@alpha.test"


def test_no_or_bad_credentials_answer_401_with_a_code(client, world_a):
    for headers in ({}, {"Authorization": "Bearer ccn_not-a-token"}, {"Authorization": "Basic abc"},
                    {"Cookie": "cc_session=forged"}):
        r = client.get("/api/v1/me", headers=headers)
        assert r.status_code == 401, headers
        assert error_code(r) == "unauthenticated"
        assert r.headers["www-authenticate"] == "Bearer"


def test_revoked_token_answers_401(client, world_a):
    headers = bearer_for(world_a.manager)
    token_id = client.get(f"/api/v1/tenants/{world_a.slug}/tokens", headers=headers).json()[0]["id"]
    do_revoke_api_token(world_a.manager.actor, token_id)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_error_message_follows_accept_language(client):
    fr = client.get("/api/v1/me", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).json()["error"]
    en = client.get("/api/v1/me", headers={"Accept-Language": "en"}).json()["error"]
    assert fr["code"] == en["code"] == "unauthenticated"
    assert fr["message"] != en["message"]


def test_openapi_documents_the_routes_and_their_models(client):
    doc = client.get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/tenants/{tenant}/members"])
    assert {"get", "patch"} <= set(paths["/api/v1/tenants/{tenant}/members/{membership_id}"])
    assert "delete" in paths["/api/v1/tenants/{tenant}/tokens/{token_id}"]
    assert "/api/v1/tenants/{tenant}/audit" in paths
    schemas = doc["components"]["schemas"]
    assert {"MemberInvite", "MemberUpdate", "MemberOut", "TokenCreated", "AuditPage", "ErrorOut"} <= set(schemas)
    invite = paths["/api/v1/tenants/{tenant}/members"]["post"]
    assert invite["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/MemberInvite")
    assert "201" in invite["responses"] and "403" in invite["responses"]
