"""Shared rate limits (the `limits` library): Redis when configured, else in-process memory."""

from __future__ import annotations

import threading
import time
from functools import lru_cache

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from integrations.settings import get_settings


@lru_cache
def _limiter(uri: str) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(storage_from_string(uri))


def _uri() -> str:
    s = get_settings()
    return s.redis_url if s.redis_url else "memory://"


def hit(limit: str, *keys: str) -> bool:
    """Count one attempt; False when the limit is already reached."""
    return _limiter(_uri()).hit(parse(limit), *keys)


def clear(limit: str, *keys: str) -> None:
    _limiter(_uri()).clear(parse(limit), *keys)


def reset_all() -> None:
    """Tests: forget every counter of the in-process storage, and every provider block."""
    _limiter.cache_clear()
    with _blocks_lock:
        _blocks.clear()


# ---------------------------------------------------------------- provider gates
# One gate per (provider, tenant), shared by every worker and process: a moving-window budget
# plus a "blocked until" instant recorded when the provider answers 429. Celery's rate_limit is
# per worker and knows nothing of Retry-After, hence this.

_GATE_PREFIX = "cc:gate:"
_blocks: dict[str, float] = {}
_blocks_lock = threading.Lock()
# keep the later instant: two workers recording different waits must not shorten one another
_BLOCK_LUA = """
local cur = redis.call('GET', KEYS[1])
if (not cur) or tonumber(cur) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return redis.call('GET', KEYS[1])
"""


def now() -> float:
    """The gate's clock (epoch seconds); tests replace it to assert waits without sleeping."""
    return time.time()


def sleep(seconds: float) -> None:
    time.sleep(seconds)


@lru_cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url)


def _gate_key(provider: str, tenant_id: int | None) -> str:
    return f"{_GATE_PREFIX}{provider}:{tenant_id if tenant_id is not None else '-'}"


def block(provider: str, tenant_id: int | None, seconds: float) -> float:
    """Record the provider's "retry after `seconds`"; returns the instant every worker now waits for."""
    until = now() + max(0.0, float(seconds))
    key = _gate_key(provider, tenant_id)
    url = get_settings().redis_url
    if url:
        ttl_ms = int(max(1.0, seconds + 60.0) * 1000)
        return float(_redis(url).eval(_BLOCK_LUA, 1, key, repr(until), ttl_ms))
    with _blocks_lock:
        _blocks[key] = max(_blocks.get(key, 0.0), until)
        return _blocks[key]


def blocked_for(provider: str, tenant_id: int | None) -> float:
    """Seconds left on the provider's block for this tenant (0 when free)."""
    key = _gate_key(provider, tenant_id)
    url = get_settings().redis_url
    if url:
        raw = _redis(url).get(key)
        until = float(raw) if raw else 0.0
    else:
        with _blocks_lock:
            until = _blocks.get(key, 0.0)
    return max(0.0, until - now())


def unblock(provider: str, tenant_id: int | None) -> None:
    key = _gate_key(provider, tenant_id)
    url = get_settings().redis_url
    if url:
        _redis(url).delete(key)
    with _blocks_lock:
        _blocks.pop(key, None)


def acquire(provider: str, tenant_id: int | None, budget: str | None = None) -> float:
    """0 when the caller may call the provider now (one unit of `budget` spent), else the seconds
    to wait: run later (reschedule) rather than sleep in a worker."""
    wait = blocked_for(provider, tenant_id)
    if wait > 0:
        return wait
    if budget:
        item = parse(budget)
        limiter = _limiter(_uri())
        keys = ("gate", provider, str(tenant_id if tenant_id is not None else "-"))
        if not limiter.hit(item, *keys):
            # the `limits` storage counts in wall time, whatever the gate's clock says
            stats = limiter.get_window_stats(item, *keys)
            return max(0.001, stats.reset_time - time.time())
    return 0.0
