"""OIDC sign-in with per-tenant identity providers (DESIGN §5), through Authlib.

A centre's manager registers its identity provider (a university's Google Workspace,
Microsoft Entra, Keycloak). Sign-in is the authorization-code flow with PKCE (S256),
state and nonce; the login transaction is a single-use row (OidcLogin). The ID token
is checked with Authlib's OIDC claims rules over joserfc (signature against the
provider's JWKS, iss, aud, exp, nonce). Identities are keyed by (issuer, subject).
Every request to the provider goes through integrations.http.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from integrations import http
from integrations.crypto import decrypt, encrypt, token_hash
from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.errors import Conflict, Invalid, NotFound, Unauthenticated
from integrations.settings import get_settings
from tenants.auth.models import OidcIdentity, OidcLogin, OidcProvider
from tenants.auth.services import clean_email
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership
from tenants.core.queries import find_account_by_email, get_tenant_by_slug, membership_of
from tenants.core.roles import Perm, Role
from tenants.core.services import audit

LOGIN_MINUTES = 10
DISCOVERY_SECONDS = 300
# clock skew tolerated on exp/iat between us and the provider
ID_TOKEN_LEEWAY = 60
# Only public-key signatures: an HMAC-signed ID token would be checked with the client
# secret, which every holder of the secret could forge.
ASYMMETRIC_ALGS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                             "ES256", "ES384", "ES512", "EdDSA", "Ed25519"})
PROVIDER_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
DEV_HOSTS = frozenset({"localhost", "127.0.0.1"})


def _failed(message: str) -> Unauthenticated:
    return Unauthenticated(message, code="oidc_failed")


def _not_found() -> NotFound:
    return NotFound("unknown centre or identity provider", code="not_found")


# ---------------------------------------------------------------- provider settings (managers)

def _secure_url(value: str) -> bool:
    """https, or http to this machine for development."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or parts.query or parts.fragment or parts.username or parts.password:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and host in DEV_HOSTS)


def list_providers(actor: Actor, tenant_id: int) -> list[OidcProvider]:
    """The centre's providers. Rows carry the secret encrypted only; never show that column."""
    require(actor, Perm.TENANT_SETTINGS, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return list(s.exec(select(OidcProvider).order_by(OidcProvider.name, OidcProvider.id)).all())


def do_save_provider(actor: Actor, tenant_id: int, *, provider_id: int | None = None, slug: str,
                     name: str, issuer: str, client_id: str, client_secret: str,
                     scopes: str = "openid email profile", auto_create_students: bool = True,
                     enabled: bool = True) -> OidcProvider:
    """Create or update a provider. An empty client_secret on update keeps the stored one."""
    require(actor, Perm.TENANT_SETTINGS, tenant_id=tenant_id)
    slug = (slug or "").strip().lower()
    name = " ".join((name or "").split())
    issuer = (issuer or "").strip()
    client_id = (client_id or "").strip()
    client_secret = (client_secret or "").strip()
    scope_list = list(dict.fromkeys((scopes or "").split()))
    if not PROVIDER_SLUG_RE.match(slug):
        raise Invalid("identifier: 1 to 40 lower-case letters, digits or dashes", code="oidc_invalid_slug")
    if not name or len(name) > 100:
        raise Invalid("name is required (100 characters at most)", code="name_required")
    if len(issuer) > 300 or not _secure_url(issuer):
        raise Invalid("issuer must be an https URL", code="oidc_invalid_issuer")
    if not client_id or len(client_id) > 300:
        raise Invalid("client id is required", code="oidc_client_id_required")
    if "openid" not in scope_list or len(" ".join(scope_list)) > 200:
        raise Invalid("scopes must include openid", code="oidc_invalid_scopes")

    with tenant_session(tenant_id) as s:
        try:
            with transaction(s):
                if provider_id is None:
                    provider = OidcProvider(tenant_id=tenant_id, slug=slug, name=name, issuer=issuer,
                                            client_id=client_id)
                else:
                    provider = s.exec(select(OidcProvider).where(OidcProvider.id == provider_id)).first()
                    if provider is None:
                        raise NotFound("identity provider not found")
                taken = s.exec(select(OidcProvider.id).where(OidcProvider.slug == slug)).first()
                if taken is not None and taken != provider_id:
                    raise Conflict("another provider of this centre uses this identifier",
                                   code="oidc_slug_taken")
                created = provider_id is None
                provider.slug, provider.name, provider.issuer = slug, name, issuer
                provider.client_id = client_id
                provider.scopes = " ".join(scope_list)
                provider.auto_create_students = bool(auto_create_students)
                provider.enabled = bool(enabled)
                if client_secret:
                    provider.client_secret_enc = encrypt(client_secret)
                s.add(provider)
                s.flush()
                audit(s, actor, "oidc_provider.created" if created else "oidc_provider.updated",
                      tenant_id=tenant_id, target_type="oidc_provider", target_id=provider.id,
                      slug=slug, issuer=issuer, enabled=provider.enabled,
                      secret_changed=bool(client_secret))
        except IntegrityError as exc:
            # two managers saving the same identifier at once
            raise Conflict("another provider of this centre uses this identifier",
                           code="oidc_slug_taken") from exc
        _forget_discovery(issuer)
        return provider


def do_delete_provider(actor: Actor, tenant_id: int, provider_id: int) -> None:
    require(actor, Perm.TENANT_SETTINGS, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        provider = s.exec(select(OidcProvider).where(OidcProvider.id == provider_id)).first()
        if provider is None:
            raise NotFound("identity provider not found")
        s.execute(delete(OidcLogin).where(OidcLogin.provider_id == provider.id)
                  .execution_options(synchronize_session=False))
        audit(s, actor, "oidc_provider.deleted", tenant_id=tenant_id, target_type="oidc_provider",
              target_id=provider.id, slug=provider.slug)
        s.delete(provider)


def sign_in_providers(tenant_slug: str) -> list[tuple[str, str]]:
    """(slug, name) of the centre's enabled providers, for its sign-in page."""
    with system_session("sign-in page: tenant") as s:
        try:
            tenant = get_tenant_by_slug(s, tenant_slug)
        except NotFound:
            raise _not_found() from None
    with tenant_session(tenant.id) as s:
        rows = s.exec(select(OidcProvider.slug, OidcProvider.name).where(OidcProvider.enabled)
                      .order_by(OidcProvider.name)).all()
        return [(slug, name) for slug, name in rows]


# ---------------------------------------------------------------- the sign-in flow

@dataclass(frozen=True)
class _Provider:
    """What the flow needs of a provider row, detached from any session."""

    id: int
    tenant_id: int
    tenant_slug: str
    slug: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    auto_create_students: bool


def _provider(tenant_slug: str, provider_slug: str) -> _Provider:
    with system_session("OIDC: tenant of a sign-in") as s:
        try:
            tenant = get_tenant_by_slug(s, tenant_slug)
        except NotFound:
            raise _not_found() from None
    with tenant_session(tenant.id) as s:
        row = s.exec(select(OidcProvider).where(
            OidcProvider.slug == (provider_slug or "").strip().lower(), OidcProvider.enabled)).first()
    if row is None:
        raise _not_found()
    try:
        secret = decrypt(row.client_secret_enc)
    except ValueError as exc:
        raise _failed("the client secret cannot be read: save the provider again") from exc
    return _Provider(row.id, tenant.id, tenant.slug, row.slug, row.issuer, row.client_id, secret,
                     row.scopes, row.auto_create_students)


def callback_url(tenant_slug: str, provider_slug: str) -> str:
    return f"{get_settings().api_url.rstrip('/')}/auth/oidc/{tenant_slug}/{provider_slug}/callback"


def _client(p: _Provider, *hosts: str) -> httpx.Client:
    return http.client(provider=f"oidc:{p.slug}", tenant_id=p.tenant_id, hosts=(p.issuer, *hosts))


_discovery: dict[str, tuple[float, dict]] = {}
_discovery_lock = threading.Lock()


def _forget_discovery(issuer: str) -> None:
    with _discovery_lock:
        _discovery.pop(issuer, None)


def _discover(p: _Provider) -> dict:
    """The provider's discovery document, cached a few minutes per issuer."""
    with _discovery_lock:
        hit = _discovery.get(p.issuer)
        if hit and time.monotonic() - hit[0] < DISCOVERY_SECONDS:
            return hit[1]
    url = p.issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        with _client(p) as c:
            r = c.get(url, headers={"Accept": "application/json"})
            r.raise_for_status()
            doc = r.json()
    except (httpx.HTTPError, ValueError, http.HostNotAllowed) as exc:
        raise _failed(f"discovery of {p.issuer} failed: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("issuer") != p.issuer:
        # OIDC Discovery §4.3: the document must name exactly the issuer it was fetched for
        raise _failed("discovery document names another issuer")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(doc.get(key), str) or not _secure_url_or_query(doc[key]):
            raise _failed(f"discovery document lacks a usable {key}")
    if doc.get("userinfo_endpoint") is not None and not (
        isinstance(doc["userinfo_endpoint"], str) and _secure_url_or_query(doc["userinfo_endpoint"])
    ):
        raise _failed("discovery document has an unusable userinfo_endpoint")
    with _discovery_lock:
        _discovery[p.issuer] = (time.monotonic(), doc)
    return doc


def _secure_url_or_query(value: str) -> bool:
    # endpoints may carry a query (some providers add tenant parameters); the issuer may not
    parts = urlsplit(value)
    return _secure_url(parts._replace(query="").geturl())


def _endpoint_hosts(doc: dict) -> tuple[str, ...]:
    """The provider's own endpoints join its allow-list: they come from its issuer's document."""
    return tuple(doc[k] for k in ("token_endpoint", "jwks_uri", "userinfo_endpoint") if doc.get(k))


def _safe_next(next_path: str) -> str:
    next_path = next_path or "/"
    if not next_path.startswith("/") or next_path.startswith("//") or "\\" in next_path:
        return "/"
    return next_path[:300]


def begin_sign_in(tenant_slug: str, provider_slug: str, *, next_path: str = "/") -> str:
    """Record a login transaction and return the provider's authorization URL."""
    p = _provider(tenant_slug, provider_slug)
    doc = _discover(p)
    state, nonce = generate_token(43), generate_token(32)
    # RFC 7636 §4.1: 43 to 128 characters of the unreserved set
    verifier = generate_token(64)
    redirect_uri = callback_url(p.tenant_slug, p.slug)
    now = utcnow()
    with tenant_session(p.tenant_id) as s, transaction(s):
        # expired transactions of abandoned sign-ins are swept as new ones start
        s.execute(delete(OidcLogin).where(OidcLogin.expires_at < now - timedelta(hours=1))
                  .execution_options(synchronize_session=False))
        s.add(OidcLogin(tenant_id=p.tenant_id, provider_id=p.id, state_hash=token_hash(state),
                        nonce=nonce, code_verifier=verifier, redirect_uri=redirect_uri,
                        next_path=_safe_next(next_path),
                        expires_at=now + timedelta(minutes=LOGIN_MINUTES)))
    return prepare_grant_uri(
        doc["authorization_endpoint"], p.client_id, "code", redirect_uri=redirect_uri,
        scope=p.scopes, state=state, nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier), code_challenge_method="S256",
    )


def _consume_login(p: _Provider, state: str) -> OidcLogin:
    """Mark the transaction used before anything else, so a state works once, even when racing."""
    now = utcnow()
    with tenant_session(p.tenant_id) as s, transaction(s):
        res = s.execute(
            update(OidcLogin)
            .where(OidcLogin.state_hash == token_hash(state or ""), OidcLogin.provider_id == p.id,
                   OidcLogin.used_at.is_(None), OidcLogin.expires_at > now)
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if res.rowcount != 1:
            raise _failed("unknown, expired or already used sign-in state")
        return s.exec(select(OidcLogin).where(OidcLogin.state_hash == token_hash(state))).one()


def _exchange_code(p: _Provider, doc: dict, login: OidcLogin, code: str) -> dict:
    methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if not p.client_secret:
        method = "none"
    elif "client_secret_basic" in methods:
        method = "client_secret_basic"
    elif "client_secret_post" in methods:
        method = "client_secret_post"
    else:
        raise _failed(f"no supported client authentication among {methods}")
    body = prepare_token_request("authorization_code", code=code, redirect_uri=login.redirect_uri,
                                 code_verifier=login.code_verifier)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    uri, headers, body = ClientAuth(p.client_id, p.client_secret, method).prepare(
        "POST", doc["token_endpoint"], headers, body)
    try:
        with _client(p, *_endpoint_hosts(doc)) as c:
            r = c.post(uri, content=body.encode(), headers=headers)
            tokens = r.json()
    except (httpx.HTTPError, ValueError, http.HostNotAllowed) as exc:
        raise _failed(f"token request failed: {exc}") from exc
    if r.status_code != 200 or not isinstance(tokens, dict) or "error" in tokens:
        detail = tokens.get("error") if isinstance(tokens, dict) else r.status_code
        raise _failed(f"token endpoint refused the code: {detail}")
    if not isinstance(tokens.get("id_token"), str) or not isinstance(tokens.get("access_token"), str):
        raise _failed("token response lacks id_token or access_token")
    return tokens


def _id_token_claims(p: _Provider, doc: dict, tokens: dict, nonce: str) -> dict:
    offered = doc.get("id_token_signing_alg_values_supported") or ["RS256"]
    algs = [a for a in offered if a in ASYMMETRIC_ALGS]
    if not algs:
        raise _failed(f"no public-key ID token algorithm among {offered}")
    try:
        with _client(p, *_endpoint_hosts(doc)) as c:
            r = c.get(doc["jwks_uri"], headers={"Accept": "application/json"})
            r.raise_for_status()
            key_set = KeySet.import_key_set(r.json())
    except (httpx.HTTPError, ValueError, JoseError, http.HostNotAllowed) as exc:
        raise _failed(f"provider keys unavailable: {exc}") from exc
    try:
        token = jwt.decode(tokens["id_token"], key_set, algorithms=algs)
        claims = CodeIDToken(
            token.claims, token.header,
            {"iss": {"essential": True, "value": p.issuer},
             "aud": {"essential": True, "value": p.client_id}},
            {"nonce": nonce, "client_id": p.client_id, "access_token": tokens["access_token"]},
        )
        claims.validate(leeway=ID_TOKEN_LEEWAY)
    except (JoseError, ValueError) as exc:
        raise _failed(f"ID token refused: {exc}") from exc
    return dict(claims)


def _userinfo(p: _Provider, doc: dict, tokens: dict, subject: str) -> dict:
    endpoint = doc.get("userinfo_endpoint")
    if not endpoint:
        return {}
    try:
        with _client(p, *_endpoint_hosts(doc)) as c:
            r = c.get(endpoint, headers={"Authorization": f"Bearer {tokens['access_token']}",
                                         "Accept": "application/json"})
            r.raise_for_status()
            info = r.json()
    except (httpx.HTTPError, ValueError, http.HostNotAllowed) as exc:
        raise _failed(f"userinfo request failed: {exc}") from exc
    # OIDC Core §5.3.2: a userinfo answer about someone else must not be used
    if not isinstance(info, dict) or info.get("sub") != subject:
        raise _failed("userinfo subject differs from the ID token")
    return info


def _verified_email(profile: dict) -> str | None:
    verified = profile.get("email_verified")
    if not (verified is True or (isinstance(verified, str) and verified.lower() == "true")):
        return None
    try:
        return clean_email(str(profile.get("email") or ""))
    except Invalid:
        return None


def _full_name(profile: dict, email: str) -> str:
    name = " ".join(str(profile.get("name") or "").split())
    if not name:
        name = " ".join(str(profile.get(k) or "") for k in ("given_name", "family_name")).strip()
    return name[:200] if len(name) >= 2 else email.split("@")[0][:200]


def _link_allowed(s: Session, account: Account, tenant_id: int) -> bool:
    """May a provider of this tenant vouch for this existing account by e-mail alone?

    A centre's manager controls its provider, so its word on an e-mail address only
    reaches accounts that live in that centre alone: never a network role, never
    someone with a membership in another centre (they sign in with their password).
    """
    if account.network_role:
        return False
    others = s.exec(select(Membership.id).where(Membership.account_id == account.id,
                                                Membership.tenant_id != tenant_id)).first()
    return others is None


def _sign_in_account(p: _Provider, subject: str, profile: dict) -> int:
    with system_session("OIDC sign-in: identity and account") as s, transaction(s):
        identity = s.exec(select(OidcIdentity).where(OidcIdentity.issuer == p.issuer,
                                                     OidcIdentity.subject == subject)).first()
        created = linked = enrolled = False
        if identity is not None:
            account = s.get(Account, identity.account_id)
        else:
            email = _verified_email(profile)
            if email is None:
                raise Unauthenticated("the provider gave no verified e-mail", code="oidc_no_email")
            account = find_account_by_email(s, email)
            if account is not None and not _link_allowed(s, account, p.tenant_id):
                raise Unauthenticated("an account with this e-mail belongs elsewhere: sign in with "
                                      "its password", code="oidc_link_refused")
            if account is None:
                if not p.auto_create_students:
                    raise Unauthenticated("no account for this identity", code="oidc_no_account")
                # no password: this person signs in through the provider (or resets one later)
                account = Account(email=email, full_name=_full_name(profile, email))
                s.add(account)
                s.flush()
                created = True
            s.add(OidcIdentity(issuer=p.issuer, subject=subject, account_id=account.id))
            linked = True
        if account is None or not account.active:
            raise Unauthenticated("this account is deactivated", code="account_inactive")
        membership = membership_of(s, account.id, p.tenant_id)
        if membership is not None and not membership.active:
            raise Unauthenticated("this account is deactivated in this centre", code="account_inactive")
        if membership is None and account.network_role is None:
            if not p.auto_create_students:
                raise Unauthenticated("no account in this centre", code="oidc_no_account")
            s.add(Membership(tenant_id=p.tenant_id, account_id=account.id, roles=[Role.STUDENT.value]))
            enrolled = True
        account.last_login_at = utcnow()
        s.add(account)
        audit(s, None, "oidc.signed_in", tenant_id=p.tenant_id, target_type="account",
              target_id=account.id, provider=p.slug, account_created=created,
              identity_linked=linked, student_enrolled=enrolled)
        return account.id


def complete_sign_in(tenant_slug: str, provider_slug: str, *, state: str,
                     code: str) -> tuple[int, int, str]:
    """The callback: (account_id, tenant_id, next_path) of the person who signed in."""
    p = _provider(tenant_slug, provider_slug)
    login = _consume_login(p, state)
    if not code:
        raise _failed("the provider returned no code")
    doc = _discover(p)
    tokens = _exchange_code(p, doc, login, code)
    claims = _id_token_claims(p, doc, tokens, login.nonce)
    subject = claims["sub"]
    profile = {**claims, **_userinfo(p, doc, tokens, subject)}
    for attempt in range(2):
        try:
            return _sign_in_account(p, subject, profile), p.tenant_id, login.next_path
        except IntegrityError as exc:
            # the same person finishing two sign-ins at once: the second sees the first's rows
            if attempt:
                raise _failed("concurrent sign-in") from exc
    raise AssertionError("unreachable")

