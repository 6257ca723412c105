"""Shared rate limits (the `limits` library): Redis when configured, else in-process memory."""

from __future__ import annotations

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
    """Tests: forget every counter of the in-process storage."""
    _limiter.cache_clear()
