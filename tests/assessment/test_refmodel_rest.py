"""REST of the reference model (issue 8 §1): /api/v1/reference-models. The routes are
network-level (no centre in the path), so the tenant isolation matrix does not walk them: this
module walks them instead, every route × every role, and fails until a new route has a case."""

from __future__ import annotations

import pytest
from fastapi import routing
from fastapi.testclient import TestClient
from sqlmodel import select

from cc_network.api import api_app
from integrations.db import system_session
from tenants.core.roles import ROLE_PERMISSIONS, TENANT_ROLES, Perm, Role
from tests.api.util import bearer_for, cookie_for, error_code
from tests.conftest import create_person
from workflows.assessment import reference as ref
from workflows.assessment.models import RefCriterion, RefDomain, ReferenceModel, RefIndicator

BASE = "/api/v1/reference-models"


@pytest.fixture
def client() -> TestClient:
    return TestClient(api_app, raise_server_exceptions=True)


@pytest.fixture
def seeded() -> int:
    return ref.ensure_default_model()


def _rows() -> list:
    with system_session("test") as s:
        out = []
        for t in (ReferenceModel, RefDomain, RefCriterion, RefIndicator):
            out += sorted(repr(sorted(r.model_dump(mode="json").items())) for r in s.exec(select(t)).all())
        return out


def test_admin_edits_a_draft_and_publishes_it(client, seeded, network_admin):
    admin = cookie_for(network_admin)
    r = client.get(BASE, headers=admin)
    assert r.status_code == 200 and [m["version"] for m in r.json()] == [1]
    assert r.json()[0]["current"] and r.json()[0]["criteria"] == 51
    r = client.post(f"{BASE}/{seeded}/versions", json={"title": "Référentiel 2027"}, headers=admin)
    assert r.status_code == 201, r.text
    v2 = r.json()
    assert (v2["version"], v2["status"], v2["based_on_version"], v2["title"]) == (2, "draft", 1, "Référentiel 2027")
    mid = v2["id"]
    r = client.post(f"{BASE}/{mid}/domains", json={"code": "INN", "title": {"fr": "Innovation", "en": "Innovation",
                                                                              "ar": "الابتكار"},
                                                   "family": "outcomes"}, headers=admin)
    assert r.status_code == 201, r.text
    dom = r.json()
    assert dom["position"] == 13 and dom["criteria"] == []
    r = client.post(f"{BASE}/{mid}/domains/{dom['id']}/criteria",
                    json={"title": {"fr": "Des projets innovants sont menés"}, "tier": "must", "weight": 1.5,
                          "procedures": ["P01"], "evidence": {"fr": "Fiches projet"}}, headers=admin)
    assert r.status_code == 201, r.text
    crit = r.json()
    assert (crit["code"], crit["domain_code"], crit["tier"]) == ("INN.1", "INN", "must")
    r = client.post(f"{BASE}/{mid}/criteria/{crit['id']}/indicators",
                    json={"title": {"fr": "Ateliers"}, "live_key": "workshops_held", "target": 12}, headers=admin)
    assert r.status_code == 201 and r.json()["unit"] == "count", r.text
    ind = r.json()
    r = client.patch(f"{BASE}/{mid}/indicators/{ind['id']}", json={"target": None}, headers=admin)
    assert r.status_code == 200 and r.json()["target"] is None and r.json()["live_key"] == "workshops_held"
    r = client.patch(f"{BASE}/{mid}/criteria/{crit['id']}", json={"weight": 3}, headers=admin)
    assert r.status_code == 200 and r.json()["weight"] == 3 and r.json()["title"]["fr"].startswith("Des projets")
    r = client.patch(f"{BASE}/{mid}/domains/{dom['id']}", json={"position": 0}, headers=admin)
    assert r.status_code == 200 and r.json()["position"] == 0
    r = client.patch(f"{BASE}/{mid}", json={"notes": "Ajout de l'innovation"}, headers=admin)
    assert r.status_code == 200 and r.json()["notes"] == "Ajout de l'innovation"
    tree = client.get(f"{BASE}/{mid}", headers=admin).json()
    assert tree["domains"][0]["code"] == "INN"
    assert tree["domains"][0]["criteria"][0]["indicators"][0]["code"] == "INN.1.A"
    assert tree["model"]["criteria"] == 52
    r = client.post(f"{BASE}/{mid}/publish", json={"retire_older": True}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "published" and r.json()["current"], r.text
    versions = {m["version"]: m["status"] for m in client.get(BASE, headers=admin).json()}
    assert versions == {1: "retired", 2: "published"}
    # frozen now
    before = _rows()
    r = client.patch(f"{BASE}/{mid}/criteria/{crit['id']}", json={"weight": 2}, headers=admin)
    assert r.status_code == 409 and error_code(r) == "model_not_draft"
    r = client.delete(f"{BASE}/{mid}/domains/{dom['id']}", headers=admin)
    assert r.status_code == 409 and error_code(r) == "model_not_draft"
    assert _rows() == before


def test_deletes_answer_204(client, seeded, network_admin):
    admin = cookie_for(network_admin)
    mid = client.post(f"{BASE}/{seeded}/versions", headers=admin).json()["id"]
    tree = client.get(f"{BASE}/{mid}", headers=admin).json()
    ind = tree["domains"][1]["criteria"][0]["indicators"][0]
    assert client.delete(f"{BASE}/{mid}/indicators/{ind['id']}", headers=admin).status_code == 204
    crit = tree["domains"][1]["criteria"][1]
    assert client.delete(f"{BASE}/{mid}/criteria/{crit['id']}", headers=admin).status_code == 204
    assert client.delete(f"{BASE}/{mid}/domains/{tree['domains'][0]['id']}", headers=admin).status_code == 204
    after = client.get(f"{BASE}/{mid}", headers=admin).json()
    assert after["model"]["domains"] == 12 and after["model"]["criteria"] == 51 - 4 - 1
    assert client.delete(f"{BASE}/{mid}", headers=admin).status_code == 204
    assert client.get(f"{BASE}/{mid}", headers=admin).status_code == 404


def test_bad_input_answers_422_with_its_code_and_changes_nothing(client, seeded, network_admin):
    admin = cookie_for(network_admin)
    mid = client.post(f"{BASE}/{seeded}/versions", headers=admin).json()["id"]
    tree = client.get(f"{BASE}/{mid}", headers=admin).json()
    dom = tree["domains"][0]
    crit = dom["criteria"][0]
    before = _rows()
    for method, url, body, code in [
        ("POST", f"{BASE}/{mid}/domains", {"code": "Z", "title": {"en": "x"}}, "title_fr_required"),
        ("POST", f"{BASE}/{mid}/domains", {"code": "Z", "title": {"fr": "x"}, "extra": 1}, "invalid"),
        ("POST", f"{BASE}/{mid}/domains", {"code": "PLA", "title": {"fr": "x"}}, "code_taken"),
        ("POST", f"{BASE}/{mid}/domains/{dom['id']}/criteria", {"title": {"fr": "x"}, "tier": "maybe"},
         "tier_invalid"),
        ("POST", f"{BASE}/{mid}/domains/{dom['id']}/criteria", {"title": {"fr": "x"}, "weight": 0},
         "weight_out_of_range"),
        ("POST", f"{BASE}/{mid}/domains/{dom['id']}/criteria", {"title": {"fr": "x"}, "weight": "nan"},
         "weight_out_of_range"),
        ("PATCH", f"{BASE}/{mid}/criteria/{crit['id']}", {"justification": "often"}, "justification_rule_invalid"),
        ("PATCH", f"{BASE}/{mid}/criteria/{crit['id']}", {"procedures": ["P99"]}, "procedure_unknown"),
        ("POST", f"{BASE}/{mid}/criteria/{crit['id']}/indicators", {"title": {"fr": "x"}, "live_key": "nope"},
         "live_key_unknown"),
        ("POST", f"{BASE}/{mid}/domains/{2**31 - 2}/criteria", {"title": {"fr": "x"}}, "ref_domain_not_found"),
        ("POST", f"{BASE}/{2**31}/versions", None, "invalid"),
    ]:
        r = client.request(method, url, json=body, headers=admin)
        assert r.status_code in (404, 409, 422), (url, r.status_code, r.text)
        assert error_code(r) == code, (url, r.text)
    assert _rows() == before
    r = client.post(f"{BASE}/{mid}/domains", json={"code": "Z", "title": {"en": "x"}},
                    headers={**admin, "Accept-Language": "fr"})
    assert r.json()["error"]["message"] == "L'intitulé en français est obligatoire."


def test_staff_read_published_versions_and_never_drafts(client, seeded, network_admin, world_a):
    admin = cookie_for(network_admin)
    draft = client.post(f"{BASE}/{seeded}/versions", headers=admin).json()["id"]
    manager = bearer_for(world_a.manager)
    assert [m["version"] for m in client.get(BASE, headers=manager).json()] == [1]
    r = client.get(f"{BASE}/{seeded}", headers=manager)
    assert r.status_code == 200 and len(r.json()["domains"]) == 13
    r = client.get(f"{BASE}/{draft}", headers=manager)
    assert r.status_code == 404 and error_code(r) == "model_not_found"
    # indistinguishable from a version that exists nowhere
    r2 = client.get(f"{BASE}/{2**31 - 2}", headers=manager)
    assert (r2.status_code, r2.json()) == (r.status_code, r.json())


# ---------------------------------------------------------------- every route × every role

def model_routes() -> list[tuple[str, str]]:
    walk = getattr(routing, "iter_route_contexts", None)
    found = walk(api_app.routes) if walk else api_app.routes
    out = set()
    for r in found:
        path = getattr(r, "path", "") or ""
        if path == BASE or path.startswith(BASE + "/"):
            out |= {(m, path) for m in (getattr(r, "methods", None) or ()) if m not in {"HEAD", "OPTIONS"}}
    return sorted(out, key=lambda mp: (mp[1], mp[0]))


M = BASE + "/{model_id}"
# (method, path) -> (needs admin, success status, body)
CASES = {
    ("GET", BASE): (False, 200, None),
    ("GET", M): (False, 200, None),
    ("PATCH", M): (True, 200, {"notes": "n"}),
    ("DELETE", M): (True, 204, None),
    ("POST", M + "/versions"): (True, 201, None),
    ("POST", M + "/publish"): (True, 200, None),
    ("POST", M + "/retire"): (True, 200, None),
    ("POST", M + "/domains"): (True, 201, {"code": "NEWD", "title": {"fr": "Nouveau"}}),
    ("PATCH", M + "/domains/{domain_id}"): (True, 200, {"family": "mission"}),
    ("DELETE", M + "/domains/{domain_id}"): (True, 204, None),
    ("POST", M + "/domains/{domain_id}/criteria"): (True, 201, {"title": {"fr": "Nouveau"}}),
    ("PATCH", M + "/criteria/{criterion_id}"): (True, 200, {"weight": 2}),
    ("DELETE", M + "/criteria/{criterion_id}"): (True, 204, None),
    ("POST", M + "/criteria/{criterion_id}/indicators"): (True, 201, {"title": {"fr": "Nouveau"}}),
    ("PATCH", M + "/indicators/{indicator_id}"): (True, 200, {"target": 1}),
    ("DELETE", M + "/indicators/{indicator_id}"): (True, 204, None),
}
ROUTES = model_routes()
READERS = {r.value for r in TENANT_ROLES if Perm.ASSESSMENT_VIEW in ROLE_PERMISSIONS[r]}
PERSON_KEY = {Role.CAREER_COUNSELOR.value: "counselor"}


def test_every_route_has_a_case():
    assert set(ROUTES) == set(CASES), "add a case to CASES for every /reference-models route"


def _ids(mid: int) -> dict:
    """Path ids of a version's first domain, criterion and indicator."""
    with system_session("test") as s:
        d = s.exec(select(RefDomain).where(RefDomain.model_id == mid).order_by(RefDomain.position)).first()
        c = s.exec(select(RefCriterion).where(RefCriterion.domain_id == d.id)).first()
        i = s.exec(select(RefIndicator).where(RefIndicator.model_id == mid)).first()
    return {"model_id": mid, "domain_id": d.id, "criterion_id": c.id, "indicator_id": i.id}


@pytest.mark.parametrize("method, path", ROUTES, ids=[f"{m} {p.removeprefix(BASE) or '/'}" for m, p in ROUTES])
def test_route_by_role(client, seeded, network_admin, world_a, method, path):
    needs_admin, ok, body = CASES[(method, path)]
    admin_actor = network_admin.actor
    evaluator = create_person("eval@network.test", network_role="external_evaluator")
    callers = {role: bearer_for(world_a.people[PERSON_KEY.get(role, role)]) for role in sorted(
        r.value for r in TENANT_ROLES)}
    callers["external_evaluator"] = cookie_for(evaluator)
    callers["network_admin"] = cookie_for(network_admin)
    shared = ref.do_new_version(admin_actor, seeded).id  # refused callers all try this one
    ref.do_publish(admin_actor, ref.do_new_version(admin_actor, seeded).id)  # v1 may retire
    for who, headers in sorted(callers.items()):
        mid = shared
        if who == "network_admin":
            mid = ref.do_new_version(admin_actor, seeded).id
            if path.endswith("/retire"):
                ref.do_publish(admin_actor, mid)
        elif method == "GET" or path.endswith("/retire"):
            mid = seeded  # others read published versions
        url = path.format(**_ids(mid))
        before = _rows()
        r = client.request(method, url, json=body, headers=headers)
        if who == "network_admin":
            allowed = True
        elif needs_admin:
            allowed = False
        else:
            allowed = who in READERS or who == "external_evaluator"
        if allowed:
            assert r.status_code == ok, f"{who}: {r.status_code} {r.text}"
        else:
            assert r.status_code == 403 and error_code(r) == "forbidden", f"{who}: {r.status_code} {r.text}"
            assert _rows() == before, who
    # without credentials: 401, nothing changed
    before = _rows()
    r = client.request(method, path.format(**_ids(seeded)), json=body)
    assert r.status_code == 401 and error_code(r) == "unauthenticated"
    assert _rows() == before
