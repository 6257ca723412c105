"""The one outgoing HTTP client (DESIGN §8).

Every call to another server goes through `client(...)`: one shared connection pool,
timeouts on every phase, an allow-list of hosts (those the provider's configuration
names plus CC_HTTP_ALLOWED_HOSTS), plain http only to this machine, a rate limit per
(provider, tenant), and retries with exponential backoff for requests that are safe
to repeat (idempotent methods; any method when the connection was never made).

The guard is an httpx transport, so it also checks every redirect hop.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import httpx

from integrations import ratelimit
from integrations.errors import RateLimited, ServiceError
from integrations.settings import get_settings

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# A server asking to wait longer than this gets its answer back instead of a sleeping worker.
MAX_RETRY_AFTER = 30.0
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
USER_AGENT = "CC-Network/1.0"


class HostNotAllowed(ServiceError):
    """A URL outside the allow-list, or plain http to another machine: never sent."""

    code = "host_not_allowed"
    http_status = 502


def normalize_host(value: str) -> str:
    """'Example.org', 'example.org:443' or 'https://example.org/x' -> 'example.org'."""
    value = (value or "").strip()
    if "//" in value:
        return (httpx.URL(value).host or "").lower()
    if value.startswith("["):  # [::1]:8080
        return value[1:].split("]", 1)[0].lower()
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.lower().rstrip(".")


def configured_hosts() -> frozenset[str]:
    raw = get_settings().http_allowed_hosts
    return frozenset(h for h in (normalize_host(p) for p in raw.split(",")) if h)


def check_url(url: httpx.URL, allowed: frozenset[str]) -> None:
    host = (url.host or "").lower()
    if url.scheme not in ("https", "http") or not host:
        raise HostNotAllowed(f"refusing to call {url.scheme}://{host}")
    if host not in allowed:
        raise HostNotAllowed(f"host {host} is not in the allow-list")
    if url.scheme == "http" and host not in LOCAL_HOSTS:
        raise HostNotAllowed(f"plain http to {host} refused: https only outside this machine")


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After as seconds (delta or HTTP date); None when absent or unreadable."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


_pool: httpx.HTTPTransport | None = None
_pool_lock = threading.Lock()


def _shared_pool() -> httpx.HTTPTransport:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = httpx.HTTPTransport(retries=0, limits=httpx.Limits(max_connections=50))
    return _pool


class GuardedTransport(httpx.BaseTransport):
    """Allow-list, rate limit and retries in front of the shared connection pool."""

    def __init__(self, *, provider: str, tenant_id: int | None, allowed: frozenset[str],
                 rate_limit: str | None, retries: int, backoff: float,
                 inner: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.provider = provider
        self.tenant_id = tenant_id
        self.allowed = allowed
        self.rate_limit = rate_limit
        self.retries = max(0, retries)
        self.backoff = backoff
        self.inner = inner or _shared_pool()
        self.sleep = sleep

    def _delay(self, attempt: int, response: httpx.Response | None) -> float | None:
        if response is not None:
            asked = retry_after_seconds(response)
            if asked is not None:
                return asked if asked <= MAX_RETRY_AFTER else None
        # exponential backoff with jitter, so many workers do not retry in step
        base = self.backoff * (2 ** attempt)
        return base + random.uniform(0, self.backoff)

    def _spend(self) -> None:
        if self.rate_limit and not ratelimit.hit(
            self.rate_limit, "http", self.provider, str(self.tenant_id or "-")
        ):
            raise RateLimited(f"outgoing request budget of {self.provider} exhausted",
                              code="rate_limited", provider=self.provider)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        check_url(request.url, self.allowed)
        idempotent = request.method.upper() in IDEMPOTENT_METHODS
        attempt = 0
        while True:
            self._spend()
            try:
                response = self.inner.handle_request(request)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                # nothing reached the server: safe to try again whatever the method
                if attempt >= self.retries:
                    raise
                delay = self._delay(attempt, None)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError):
                if not idempotent or attempt >= self.retries:
                    raise
                delay = self._delay(attempt, None)
            else:
                if not (idempotent and response.status_code in RETRY_STATUSES
                        and attempt < self.retries):
                    return response
                delay = self._delay(attempt, response)
                if delay is None:
                    return response
                response.read()
                response.close()
            attempt += 1
            self.sleep(delay or 0.0)

    def close(self) -> None:
        # the pool is shared by every client; closing one client must not close it
        pass


def client(*, provider: str, tenant_id: int | None, hosts: Iterable[str] = (),
           rate_limit: str | None = "default", retries: int = 2, backoff: float = 0.5,
           timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
           follow_redirects: bool = False) -> httpx.Client:
    """An httpx.Client for one provider acting for one tenant (None: network-level).

    `hosts`: the hosts this provider's configuration names (URLs or host names).
    `rate_limit`: a `limits` string; "default" takes CC_HTTP_RATE_LIMIT, None disables.
    """
    allowed = frozenset(h for h in (normalize_host(x) for x in hosts) if h) | configured_hosts()
    if rate_limit == "default":
        rate_limit = get_settings().http_rate_limit
    transport = GuardedTransport(provider=provider, tenant_id=tenant_id, allowed=allowed,
                                 rate_limit=rate_limit, retries=retries, backoff=backoff)
    # trust_env=False: proxy variables would mount transports that bypass the guard
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=follow_redirects,
                        headers={"User-Agent": USER_AGENT}, trust_env=False)
