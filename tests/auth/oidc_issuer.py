"""A local OpenID Connect issuer for tests: a real HTTP server on 127.0.0.1, random port.

It speaks the documented protocol (OIDC Core, Discovery, RFC 6749, RFC 7636):
discovery, JWKS (an RSA key generated at start), /authorize (auto-approves the
configured user), /token (checks client authentication, code, redirect_uri and the
PKCE verifier; returns an ID token signed with the key), /userinfo (bearer).
Knobs let a test make it misbehave the way a broken or hostile provider would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class LocalIssuer:
    def __init__(self, *, client_id: str = "cc-network", client_secret: str | None = None):
        self.client_id = client_id
        self.client_secret = client_secret or "secret-" + secrets.token_urlsafe(16)
        self.key = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig", "alg": "RS256"})
        # same kid, other key: what a forger without the provider's key would produce
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig", "alg": "RS256"})
        self.auth_methods = ["client_secret_basic", "client_secret_post"]
        self.user: dict[str, Any] = {"sub": "subject-1", "email": "new.student@univ.test",
                                     "email_verified": True, "name": "Nouvelle Étudiante"}
        self.id_token_overrides: dict[str, Any] = {}
        self.sign_with_rogue_key = False
        self.userinfo_overrides: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.token_requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> LocalIssuer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def discovery(self) -> dict[str, Any]:
        i = self.issuer
        return {
            "issuer": i,
            "authorization_endpoint": f"{i}/authorize",
            "token_endpoint": f"{i}/token",
            "userinfo_endpoint": f"{i}/userinfo",
            "jwks_uri": f"{i}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": list(self.auth_methods),
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def id_token(self, *, nonce: str, user: dict[str, Any]) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": user["sub"], "aud": self.client_id, "iat": now,
                  "exp": now + 300, "nonce": nonce, "email": user.get("email"),
                  "email_verified": user.get("email_verified"), "name": user.get("name")}
        claims.update(self.id_token_overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        key = self.rogue_key if self.sign_with_rogue_key else self.key
        return jwt.encode({"alg": "RS256", "kid": "key-1"}, claims, key)


def _handler_for(issuer: LocalIssuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:  # keep pytest output clean
            pass

        def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _redirect(self, url: str) -> None:
            self.send_response(302)
            self.send_header("Location", url)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            issuer.requests.append(("GET", parts.path))
            q = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/.well-known/openid-configuration":
                return self._json(200, issuer.discovery())
            if parts.path == "/jwks":
                return self._json(200, {"keys": [issuer.key.as_dict(private=False)]})
            if parts.path == "/authorize":
                return self._authorize(q)
            if parts.path == "/userinfo":
                return self._userinfo()
            return self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            issuer.requests.append(("POST", parts.path))
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if parts.path == "/token":
                return self._token(form)
            return self._json(404, {"error": "not_found"})

        def _authorize(self, q: dict[str, str]) -> None:
            redirect_uri = q.get("redirect_uri", "")
            if q.get("client_id") != issuer.client_id or not redirect_uri:
                return self._json(400, {"error": "invalid_request"})
            if (q.get("response_type") != "code" or "openid" not in q.get("scope", "").split()
                    or q.get("code_challenge_method") != "S256" or not q.get("code_challenge")):
                params = {"error": "invalid_request", "state": q.get("state", "")}
                return self._redirect(f"{redirect_uri}?{urlencode(params)}")
            code = secrets.token_urlsafe(24)
            issuer.codes[code] = {"redirect_uri": redirect_uri, "nonce": q.get("nonce", ""),
                                  "challenge": q["code_challenge"], "user": dict(issuer.user)}
            sep = "&" if "?" in redirect_uri else "?"
            return self._redirect(f"{redirect_uri}{sep}{urlencode({'code': code, 'state': q.get('state', '')})}")

        def _client_ok(self, form: dict[str, str]) -> bool:
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic ") and "client_secret_basic" in issuer.auth_methods:
                cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                return cid == issuer.client_id and hmac.compare_digest(secret, issuer.client_secret)
            if "client_secret" in form and "client_secret_post" in issuer.auth_methods:
                return (form.get("client_id") == issuer.client_id
                        and hmac.compare_digest(form["client_secret"], issuer.client_secret))
            return False

        def _token(self, form: dict[str, str]) -> None:
            issuer.token_requests.append({"form": form, "authorization": self.headers.get("Authorization")})
            if not self._client_ok(form):
                return self._json(401, {"error": "invalid_client"})
            if form.get("grant_type") != "authorization_code":
                return self._json(400, {"error": "unsupported_grant_type"})
            grant = issuer.codes.pop(form.get("code", ""), None)  # single use
            if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                return self._json(400, {"error": "invalid_grant"})
            if s256(form.get("code_verifier", "")) != grant["challenge"]:
                return self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
            access = secrets.token_urlsafe(24)
            issuer.access_tokens[access] = grant["user"]
            return self._json(200, {"access_token": access, "token_type": "Bearer", "expires_in": 300,
                                    "id_token": issuer.id_token(nonce=grant["nonce"], user=grant["user"])})

        def _userinfo(self) -> None:
            auth = self.headers.get("Authorization", "")
            user = issuer.access_tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
            if user is None:
                return self._json(401, {"error": "invalid_token"},
                                  {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return self._json(200, {**user, **issuer.userinfo_overrides})

    return Handler
