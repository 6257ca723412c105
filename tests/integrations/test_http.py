"""The one outgoing HTTP client (integrations/http.py) against a local server: no internet."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from integrations import http
from integrations.errors import RateLimited
from integrations.settings import reset_settings


class Upstream:
    """/ok; /flaky?n=N&key=K: 503 for the first N calls of K; /slow; /busy (Retry-After: 1 h);
    /away: a redirect to localhost (the same machine under another name)."""

    def __init__(self):
        self.hits: Counter[str] = Counter()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_a):
                pass

            def _answer(self, status: int, body: bytes = b"", headers: dict | None = None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _route(self):
                parts = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(parts.query).items()}
                key = f"{self.command} {parts.path}"
                upstream.hits[key] += 1
                if parts.path == "/ok":
                    return self._answer(200, b"ok")
                if parts.path == "/flaky":
                    if upstream.hits[key] <= int(q.get("n", "1")):
                        return self._answer(503, b"busy")
                    return self._answer(200, b"ok")
                if parts.path == "/slow":
                    time.sleep(1.0)
                    return self._answer(200, b"late")
                if parts.path == "/busy":
                    return self._answer(503, b"busy", {"Retry-After": "3600"})
                if parts.path == "/soon":
                    if upstream.hits[key] == 1:
                        return self._answer(429, b"slow down", {"Retry-After": "0"})
                    return self._answer(200, b"ok")
                if parts.path == "/away":
                    return self._answer(302, headers={"Location": f"http://localhost:{upstream.port}/ok"})
                return self._answer(404)

            def do_GET(self):  # noqa: N802
                self._route()

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._route()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstream():
    u = Upstream()
    yield u
    u.stop()


def local_client(**kw) -> httpx.Client:
    kw.setdefault("backoff", 0.01)
    return http.client(provider="test", tenant_id=1, hosts=kw.pop("hosts", ["127.0.0.1"]), **kw)


def test_hosts_outside_the_allow_list_are_never_called(upstream):
    with local_client(hosts=["127.0.0.1"]) as c:
        with pytest.raises(http.HostNotAllowed):
            c.get(f"http://localhost:{upstream.port}/ok")
    with local_client(hosts=[]) as c:
        with pytest.raises(http.HostNotAllowed):
            c.get(f"{upstream.url}/ok")
    assert upstream.hits["GET /ok"] == 0
    with local_client(hosts=[upstream.url]) as c:  # a configured URL names its host
        assert c.get(f"{upstream.url}/ok").text == "ok"


def test_the_settings_allow_list_joins_every_provider(upstream, monkeypatch):
    monkeypatch.setenv("CC_HTTP_ALLOWED_HOSTS", "api.example.org, localhost")
    reset_settings()
    try:
        with local_client(hosts=[]) as c:
            assert c.get(f"http://localhost:{upstream.port}/ok").status_code == 200
    finally:
        monkeypatch.delenv("CC_HTTP_ALLOWED_HOSTS")
        reset_settings()


def test_plain_http_is_refused_outside_this_machine():
    with local_client(hosts=["idp.example.org"]) as c:
        with pytest.raises(http.HostNotAllowed):
            c.get("http://idp.example.org/.well-known/openid-configuration")


def test_a_redirect_to_a_host_outside_the_list_is_refused(upstream):
    with local_client(follow_redirects=True) as c:
        with pytest.raises(http.HostNotAllowed):
            c.get(f"{upstream.url}/away")
    assert upstream.hits["GET /ok"] == 0


def test_get_is_retried_on_503_until_it_succeeds(upstream):
    with local_client(retries=2) as c:
        r = c.get(f"{upstream.url}/flaky?n=2")
    assert r.status_code == 200
    assert upstream.hits["GET /flaky"] == 3


def test_retries_stop_after_the_budget(upstream):
    with local_client(retries=2) as c:
        r = c.get(f"{upstream.url}/flaky?n=10")
    assert r.status_code == 503
    assert upstream.hits["GET /flaky"] == 3


def test_post_is_not_retried_once_the_server_received_it(upstream):
    with local_client(retries=2) as c:
        r = c.post(f"{upstream.url}/flaky?n=1", data={"a": "1"})
    assert r.status_code == 503
    assert upstream.hits["POST /flaky"] == 1


def test_retry_after_is_honoured_and_a_long_one_is_not_slept_through(upstream):
    with local_client(retries=2) as c:
        assert c.get(f"{upstream.url}/soon").status_code == 200
        started = time.monotonic()
        assert c.get(f"{upstream.url}/busy").status_code == 503
    assert upstream.hits["GET /soon"] == 2
    assert upstream.hits["GET /busy"] == 1
    assert time.monotonic() - started < 1


def test_timeouts_are_configured_and_enforced(upstream):
    with http.client(provider="test", tenant_id=None, hosts=["127.0.0.1"]) as c:
        assert c.timeout == http.DEFAULT_TIMEOUT
        assert (c.timeout.connect, c.timeout.read) == (5.0, 10.0)
    with local_client(timeout=0.2, retries=1) as c:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            c.get(f"{upstream.url}/slow")
    assert time.monotonic() - started < 1.5
    assert upstream.hits["GET /slow"] == 2  # a GET that timed out is tried once more


def test_a_refused_connection_is_retried_with_backoff_whatever_the_method():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    pauses: list[float] = []
    transport = http.GuardedTransport(provider="test", tenant_id=1, allowed=frozenset({"127.0.0.1"}),
                                      rate_limit=None, retries=2, backoff=0.01, sleep=pauses.append)
    with httpx.Client(transport=transport) as c, pytest.raises(httpx.ConnectError):
        c.post(f"http://127.0.0.1:{port}/token", data={"a": "1"})
    assert len(pauses) == 2 and pauses[0] < pauses[1]  # exponential


def test_the_rate_limit_is_per_provider_and_tenant(upstream):
    url = f"{upstream.url}/ok"
    with http.client(provider="oidc:univ", tenant_id=1, hosts=["127.0.0.1"], rate_limit="2/minute") as c:
        c.get(url)
        c.get(url)
        with pytest.raises(RateLimited):
            c.get(url)
    with http.client(provider="oidc:univ", tenant_id=2, hosts=["127.0.0.1"], rate_limit="2/minute") as c:
        assert c.get(url).status_code == 200
    with http.client(provider="other", tenant_id=1, hosts=["127.0.0.1"], rate_limit="2/minute") as c:
        assert c.get(url).status_code == 200
    assert upstream.hits["GET /ok"] == 4


def test_closing_one_client_keeps_the_shared_pool_open(upstream):
    with local_client() as c:
        c.get(f"{upstream.url}/ok")
    with local_client() as c:
        assert c.get(f"{upstream.url}/ok").status_code == 200
