"""OIDC sign-in against a local issuer (tests/auth/oidc_issuer.py): no internet."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import func, select

from integrations.crypto import decrypt
from integrations.db import system_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from integrations.settings import get_settings, reset_settings
from tenants.auth import oidc
from tenants.auth.models import OidcIdentity, OidcProvider
from tenants.core.models import Account, AuditEvent, Membership
from tests.auth.oidc_issuer import LocalIssuer


@pytest.fixture
def issuer():
    iss = LocalIssuer().start()
    yield iss
    iss.stop()


@pytest.fixture(autouse=True)
def _fresh_discovery_cache():
    # ports are reused between tests; a cached document must not leak from one to the next
    oidc._discovery.clear()
    yield
    oidc._discovery.clear()


def save_provider(world, idp, **kw):
    fields = dict(slug="univ", name="Université", issuer=idp.issuer, client_id=idp.client_id,
                  client_secret=idp.client_secret)
    fields.update(kw)
    return oidc.do_save_provider(world.manager.actor, world.tenant_id, **fields)


@pytest.fixture
def provider_a(world_a, issuer):
    return save_provider(world_a, issuer)


def approve(url: str) -> tuple[str, str]:
    """The browser's trip to the provider: it auto-approves and redirects back with code and state."""
    r = httpx.get(url, follow_redirects=False)
    assert r.status_code == 302, r.text
    back = httpx.URL(r.headers["location"])
    assert "code" in back.params, back
    return back.params["state"], back.params["code"]


def sign_in(tenant="alpha", provider="univ", next_path="/"):
    state, code = approve(oidc.begin_sign_in(tenant, provider, next_path=next_path))
    return oidc.complete_sign_in(tenant, provider, state=state, code=code)


def counts() -> tuple[int, int, int]:
    with system_session("test: counts") as s:
        return (s.exec(select(func.count()).select_from(Account)).one(),
                s.exec(select(func.count()).select_from(OidcIdentity)).one(),
                s.exec(select(func.count()).select_from(Membership)).one())


# ---------------------------------------------------------------- the flow

def test_first_sign_in_creates_a_student_and_the_second_finds_the_same_account(world_a, issuer, provider_a):
    url = oidc.begin_sign_in("alpha", "univ", next_path="/portal")
    params = httpx.URL(url).params
    assert url.startswith(issuer.issuer + "/authorize?")
    assert params["code_challenge_method"] == "S256" and params["nonce"] and params["state"]
    assert params["redirect_uri"] == get_settings().api_url + "/auth/oidc/alpha/univ/callback"
    state, code = approve(url)
    account_id, tenant_id, next_path = oidc.complete_sign_in("alpha", "univ", state=state, code=code)
    assert (tenant_id, next_path) == (world_a.tenant_id, "/portal")
    with system_session("test") as s:
        account = s.get(Account, account_id)
        assert account.email == "new.student@univ.test"
        assert account.full_name == "Nouvelle Étudiante"
        assert account.password_hash is None
        identity = s.exec(select(OidcIdentity).where(OidcIdentity.account_id == account_id)).one()
        assert (identity.issuer, identity.subject) == (issuer.issuer, "subject-1")
        membership = s.exec(select(Membership).where(Membership.account_id == account_id)).one()
        assert (membership.tenant_id, membership.roles) == (world_a.tenant_id, ["student"])
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "oidc.signed_in")).one().details[
            "account_created"] is True
    before = counts()
    # the e-mail changed at the provider: the identity, not the e-mail, finds the account
    issuer.user["email"] = "renamed@univ.test"
    again, _, _ = sign_in()
    assert again == account_id
    assert counts() == before


def test_a_verified_email_links_the_existing_account(world_a, issuer, provider_a):
    issuer.user.update(email=world_a.student.email.upper(), sub="s-student")
    before = counts()
    account_id, _, _ = sign_in()
    assert account_id == world_a.student.account_id
    assert counts() == (before[0], before[1] + 1, before[2])


def test_an_unverified_email_neither_links_nor_creates(world_a, issuer, provider_a):
    issuer.user.update(email=world_a.student.email, email_verified=False)
    before = counts()
    with pytest.raises(Unauthenticated) as err:
        sign_in()
    assert err.value.code == "oidc_no_email"
    assert counts() == before


def test_a_centres_provider_cannot_take_over_an_account_of_another_centre(worlds, issuer):
    a, b = worlds
    save_provider(a, issuer)
    issuer.user.update(email=b.manager.email)
    before = counts()
    with pytest.raises(Unauthenticated) as err:
        sign_in()
    assert err.value.code == "oidc_link_refused"
    assert counts() == before


def test_without_auto_create_an_unknown_person_is_refused(world_a, issuer):
    save_provider(world_a, issuer, auto_create_students=False)
    before = counts()
    with pytest.raises(Unauthenticated) as err:
        sign_in()
    assert err.value.code == "oidc_no_account"
    assert counts() == before


def test_a_known_person_joins_a_second_centre_as_student(worlds, issuer):
    a, b = worlds
    save_provider(a, issuer)
    save_provider(b, issuer, slug="google")  # both centres trust the same issuer
    first, tenant_a, _ = sign_in("alpha", "univ")
    second, tenant_b, _ = sign_in("beta", "google")
    assert first == second and (tenant_a, tenant_b) == (a.tenant_id, b.tenant_id)
    with system_session("test") as s:
        tenants = {m.tenant_id for m in s.exec(select(Membership).where(Membership.account_id == first))}
    assert tenants == {a.tenant_id, b.tenant_id}


def test_client_secret_post_is_used_when_the_provider_supports_only_that(world_a, issuer, provider_a):
    issuer.auth_methods = ["client_secret_post"]
    sign_in()
    sent = issuer.token_requests[-1]
    assert sent["authorization"] is None
    assert sent["form"]["client_secret"] == issuer.client_secret
    assert sent["form"]["code_verifier"]


def test_next_path_cannot_leave_the_site(world_a, issuer, provider_a):
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        assert sign_in(next_path=evil)[2] == "/"


def test_discovery_is_fetched_once_then_cached(world_a, issuer, provider_a):
    sign_in()
    sign_in()
    assert issuer.requests.count(("GET", "/.well-known/openid-configuration")) == 1
    assert issuer.requests.count(("GET", "/jwks")) == 2


def test_a_discovery_document_naming_another_issuer_is_refused(world_a, issuer):
    # the same server reached under another name: its document names 127.0.0.1, not localhost
    save_provider(world_a, issuer, issuer=issuer.issuer.replace("127.0.0.1", "localhost"))
    with pytest.raises(Unauthenticated) as err:
        oidc.begin_sign_in("alpha", "univ")
    assert err.value.code == "oidc_failed"
    assert "another issuer" in err.value.message


# ---------------------------------------------------------------- refusals, nothing created

def test_a_tampered_state_is_refused(world_a, issuer, provider_a):
    state, code = approve(oidc.begin_sign_in("alpha", "univ"))
    before = counts()
    with pytest.raises(Unauthenticated) as err:
        oidc.complete_sign_in("alpha", "univ", state=state[:-1] + ("A" if state[-1] != "A" else "B"),
                              code=code)
    assert err.value.code == "oidc_failed"
    assert counts() == before


def test_a_state_works_once(world_a, issuer, provider_a):
    state, code = approve(oidc.begin_sign_in("alpha", "univ"))
    oidc.complete_sign_in("alpha", "univ", state=state, code=code)
    before = counts()
    with pytest.raises(Unauthenticated) as err:
        oidc.complete_sign_in("alpha", "univ", state=state, code=code)
    assert err.value.code == "oidc_failed"
    assert counts() == before


@pytest.mark.parametrize("tamper, reason", [
    ({"nonce": "another-nonce"}, "'nonce'"),
    ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
    ({"aud": "another-client"}, "'aud'"),
    ({"iss": "https://impostor.example"}, "'iss'"),
])
def test_an_id_token_with_wrong_claims_is_refused(world_a, issuer, provider_a, tamper, reason):
    issuer.id_token_overrides = tamper
    before = counts()
    with pytest.raises(Unauthenticated) as err:
        sign_in()
    assert err.value.code == "oidc_failed"
    assert reason in err.value.message
    assert counts() == before


def test_an_id_token_signed_by_another_key_is_refused(world_a, issuer, provider_a):
    issuer.sign_with_rogue_key = True
    before = counts()
    with pytest.raises(Unauthenticated) as err:
        sign_in()
    assert err.value.code == "oidc_failed"
    assert "bad_signature" in err.value.message
    assert counts() == before


def test_userinfo_about_someone_else_is_refused(world_a, issuer, provider_a):
    issuer.userinfo_overrides = {"sub": "someone-else"}
    before = counts()
    with pytest.raises(Unauthenticated) as err:
        sign_in()
    assert "userinfo subject" in err.value.message
    assert counts() == before


def test_a_wrong_client_secret_fails_at_the_token_endpoint(world_a, issuer):
    save_provider(world_a, issuer, client_secret="not-the-secret")
    with pytest.raises(Unauthenticated) as err:
        sign_in()
    assert err.value.code == "oidc_failed"


def test_a_provider_is_not_reachable_through_another_centres_slug(worlds, issuer):
    save_provider(worlds[0], issuer)
    with pytest.raises(NotFound):
        oidc.begin_sign_in("beta", "univ")
    state, code = approve(oidc.begin_sign_in("alpha", "univ"))
    with pytest.raises(NotFound):
        oidc.complete_sign_in("beta", "univ", state=state, code=code)
    with pytest.raises(NotFound):
        oidc.begin_sign_in("nowhere", "univ")


def test_a_disabled_provider_is_not_found(world_a, issuer, provider_a):
    assert oidc.sign_in_providers("alpha") == [("univ", "Université")]
    state, code = approve(oidc.begin_sign_in("alpha", "univ"))
    save_provider(world_a, issuer, provider_id=provider_a.id, enabled=False, client_secret="")
    assert oidc.sign_in_providers("alpha") == []
    with pytest.raises(NotFound):
        oidc.begin_sign_in("alpha", "univ")
    with pytest.raises(NotFound):
        oidc.complete_sign_in("alpha", "univ", state=state, code=code)


# ---------------------------------------------------------------- managing providers

def test_the_client_secret_is_stored_encrypted_and_kept_when_left_empty(world_a, issuer, provider_a):
    with system_session("test: raw column") as s:
        stored = s.execute(text("SELECT client_secret_enc FROM oidc_provider")).scalar_one()
    assert stored and issuer.client_secret not in stored
    assert decrypt(stored) == issuer.client_secret
    save_provider(world_a, issuer, provider_id=provider_a.id, name="Université Renommée", client_secret="")
    [listed] = oidc.list_providers(world_a.manager.actor, world_a.tenant_id)
    assert listed.name == "Université Renommée"
    assert decrypt(listed.client_secret_enc) == issuer.client_secret
    sign_in()  # the kept secret still authenticates


@pytest.mark.parametrize("role", ["counselor", "business_developer", "ambassador", "intern", "student",
                                  "host_approver", "host_focal_point", "company_contact"])
def test_only_managers_manage_providers(world_a, issuer, provider_a, role):
    actor = world_a.people[role].actor
    with pytest.raises(Forbidden):
        oidc.list_providers(actor, world_a.tenant_id)
    with pytest.raises(Forbidden):
        oidc.do_save_provider(actor, world_a.tenant_id, slug="other", name="Other",
                              issuer=issuer.issuer, client_id="x", client_secret="y")
    with pytest.raises(Forbidden):
        oidc.do_delete_provider(actor, world_a.tenant_id, provider_a.id)
    assert len(oidc.list_providers(world_a.manager.actor, world_a.tenant_id)) == 1


def test_another_centres_provider_is_not_found_for_its_manager(worlds, issuer):
    a, b = worlds
    provider = save_provider(a, issuer)
    with pytest.raises(NotFound):
        oidc.do_delete_provider(b.manager.actor, b.tenant_id, provider.id)
    with pytest.raises(NotFound):
        save_provider(b, issuer, provider_id=provider.id)
    with pytest.raises(Forbidden):  # acting in a centre one does not belong to
        oidc.list_providers(b.manager.actor, a.tenant_id)
    assert oidc.list_providers(b.manager.actor, b.tenant_id) == []
    assert len(oidc.list_providers(a.manager.actor, a.tenant_id)) == 1


def test_a_manager_deletes_a_provider(world_a, issuer, provider_a):
    oidc.begin_sign_in("alpha", "univ")  # a pending sign-in does not block deletion
    oidc.do_delete_provider(world_a.manager.actor, world_a.tenant_id, provider_a.id)
    assert oidc.list_providers(world_a.manager.actor, world_a.tenant_id) == []
    with pytest.raises(NotFound):
        oidc.begin_sign_in("alpha", "univ")


@pytest.mark.parametrize("fields, code", [
    ({"slug": "Bad Slug"}, "oidc_invalid_slug"),
    ({"issuer": "http://idp.example.org"}, "oidc_invalid_issuer"),
    ({"issuer": "ftp://idp.example.org"}, "oidc_invalid_issuer"),
    ({"issuer": "https://idp.example.org/?x=1"}, "oidc_invalid_issuer"),
    ({"client_id": "  "}, "oidc_client_id_required"),
    ({"scopes": "email profile"}, "oidc_invalid_scopes"),
    ({"name": ""}, "name_required"),
])
def test_provider_settings_are_validated(world_a, issuer, fields, code):
    with pytest.raises(Invalid) as err:
        save_provider(world_a, issuer, **fields)
    assert err.value.code == code
    assert oidc.list_providers(world_a.manager.actor, world_a.tenant_id) == []


def test_https_issuers_and_local_development_issuers_are_accepted(world_a, issuer):
    save_provider(world_a, issuer, slug="google", issuer="https://accounts.google.com")
    save_provider(world_a, issuer, slug="dev", issuer="http://localhost:8080/realms/dev")
    assert {p.slug for p in oidc.list_providers(world_a.manager.actor, world_a.tenant_id)} == {"google", "dev"}


def test_provider_identifiers_are_unique_in_a_centre_only(worlds, issuer):
    a, b = worlds
    save_provider(a, issuer)
    with pytest.raises(Conflict):
        save_provider(a, issuer, name="Twice")
    save_provider(b, issuer)  # another centre may use the same identifier
    with system_session("test") as s:
        assert s.exec(select(func.count()).select_from(OidcProvider)).one() == 2


# ---------------------------------------------------------------- the browser routes

@pytest.fixture
def browser(monkeypatch):
    from fastapi.testclient import TestClient

    from cc_network.api.app import build_api_app

    # the provider sends the browser back to this backend, which the test client plays
    monkeypatch.setenv("CC_API_URL", "http://testserver")
    reset_settings()
    with TestClient(build_api_app()) as client:
        yield client
    monkeypatch.delenv("CC_API_URL")
    reset_settings()


def follow(browser, issuer, url: str, *, limit: int = 10) -> httpx.Response:
    """Follow redirects like a browser: the issuer over the network, our backend in-process,
    until a redirect leaves both for the frontend (CC_BASE_URL)."""
    for _ in range(limit):
        if url.startswith(issuer.issuer):
            r = httpx.get(url, follow_redirects=False)
        else:
            r = browser.get(url, follow_redirects=False)
        if r.status_code not in (302, 303):
            return r
        url = r.headers["location"]
        if not url.startswith((issuer.issuer, "/", "http://testserver/")):
            return r
    raise AssertionError("too many redirects")


def test_routes_sign_in_end_to_end_and_set_the_session_cookie(world_a, issuer, provider_a, browser):
    r = follow(browser, issuer, "/auth/oidc/alpha/univ/start?next=/portal")
    assert r.status_code == 303
    assert r.headers["location"] == "http://localhost:3000/portal"
    assert browser.cookies.get("cc_session")
    me = browser.get("/api/v1/me")
    assert me.status_code == 200, me.text
    assert "new.student@univ.test" in me.text


def test_routes_refuse_a_callback_in_another_browser(world_a, issuer, provider_a, browser):
    start = browser.get("/auth/oidc/alpha/univ/start", follow_redirects=False)
    assert start.status_code == 302
    back = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    browser.cookies.clear()  # someone else's browser, lured to the callback link
    before = counts()
    r = browser.get(back, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "http://localhost:3000/login?error=oidc_failed"
    assert not browser.cookies.get("cc_session")
    assert counts() == before


def test_routes_send_refusals_to_the_login_page(world_a, issuer, provider_a, browser):
    issuer.sign_with_rogue_key = True
    r = follow(browser, issuer, "/auth/oidc/alpha/univ/start")
    assert r.headers["location"] == "http://localhost:3000/login?error=oidc_failed"
    assert not browser.cookies.get("cc_session")


def test_routes_answer_404_for_another_centres_provider(worlds, issuer, browser):
    save_provider(worlds[0], issuer)
    r = browser.get("/auth/oidc/beta/univ/start", follow_redirects=False)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_routes_send_a_declined_sign_in_to_the_login_page(world_a, issuer, provider_a, browser):
    start = browser.get("/auth/oidc/alpha/univ/start", follow_redirects=False)
    state = httpx.URL(start.headers["location"]).params["state"]
    r = browser.get(f"/auth/oidc/alpha/univ/callback?error=access_denied&state={state}",
                    follow_redirects=False)
    assert r.headers["location"] == "http://localhost:3000/login?error=oidc_failed"
    assert not browser.cookies.get("cc_session")
