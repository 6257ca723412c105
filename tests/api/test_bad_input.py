"""Input the database would choke on (NUL bytes: PostgreSQL refuses them) answers like any
other bad input, the same on SQLite and PostgreSQL, and changes nothing."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import DataError

from cc_network.api.errors import install_error_handlers
from tests.api.util import bearer_for, error_code, snapshot


def test_nul_in_a_name_is_refused(client, world_a):
    before = snapshot()
    r = client.post("/api/v1/tenants/alpha/members", headers=bearer_for(world_a.manager),
                    json={"email": "n@alpha.test", "full_name": "Na\x00dia", "roles": ["student"]})
    assert r.status_code == 422 and error_code(r) == "invalid_name"
    # the bearer_for token above is the only change allowed
    assert snapshot()["memberships"] == before["memberships"]


def test_nul_in_a_search_is_ignored(client, world_a):
    r = client.get("/api/v1/tenants/alpha/members", params={"q": "biz\x00dev"}, headers=bearer_for(world_a.manager))
    assert r.status_code == 200 and [m["email"] for m in r.json()["items"]] == ["bizdev@alpha.test"]


def test_nul_in_a_token_name_is_dropped(client, world_a):
    r = client.post("/api/v1/tenants/alpha/tokens", headers=bearer_for(world_a.manager), json={"name": "c\x00i"})
    assert r.status_code == 201 and r.json()["name"] == "ci"


def test_a_path_that_is_not_a_slug_is_an_unknown_centre(client, world_a):
    headers = bearer_for(world_a.manager)
    for path in ("/api/v1/tenants/al%00pha", "/api/v1/tenants/%E2%80%AEalpha/members", "/api/v1/tenants/-/audit"):
        r = client.get(path, headers=headers)
        assert r.status_code == 404 and error_code(r) == "not_found", path
    assert client.get("/api/v1/tenants/ALPHA", headers=headers).status_code == 200


def test_a_value_the_database_refuses_is_a_422_not_a_500():
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise DataError("INSERT …", {}, ValueError("PostgreSQL text fields cannot contain NUL (0x00) bytes"))

    r = TestClient(app, raise_server_exceptions=True).get("/boom", headers={"Accept-Language": "fr"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid" and r.json()["error"]["message"]
