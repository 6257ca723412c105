"""Errors every floor raises. Each carries a stable code; the face translates it (DESIGN §3)."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refused request. `code` is stable (API clients and translations key on it)."""

    code = "error"
    http_status = 400

    def __init__(self, message: str = "", *, code: str | None = None, **params: Any):
        if code:
            self.code = code
        self.params = params
        super().__init__(message or self.code)

    @property
    def message(self) -> str:
        return str(self)


class NotFound(ServiceError):
    """Also what another tenant's object answers: never 'forbidden' (DESIGN §4)."""

    code = "not_found"
    http_status = 404


class Forbidden(ServiceError):
    code = "forbidden"
    http_status = 403


class Unauthenticated(ServiceError):
    code = "unauthenticated"
    http_status = 401


class Invalid(ServiceError):
    code = "invalid"
    http_status = 422


class Conflict(ServiceError):
    code = "conflict"
    http_status = 409


class RateLimited(ServiceError):
    code = "rate_limited"
    http_status = 429


class TenantScopeError(RuntimeError):
    """A programming error: a database session used without a tenant or a system reason."""
