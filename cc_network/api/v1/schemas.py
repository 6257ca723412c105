"""Request and response models of REST v1; FastAPI turns them into the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from tenants.core.roles import TENANT_ROLES, Responsibility

# Ids are 32-bit integers in the database: a larger number must be a 422, not a driver error.
MAX_ID = 2**31 - 1

T = TypeVar("T")


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, machine-readable")
    message: str = Field(description="human message in the caller's Accept-Language")
    fields: list[dict[str, str]] | None = Field(default=None, description="for validation errors")


class ErrorOut(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "no valid bearer token or session"},
    403: {"model": ErrorOut, "description": "missing permission"},
    404: {"model": ErrorOut, "description": "unknown, or belongs to another centre"},
    422: {"model": ErrorOut, "description": "invalid input"},
}


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int
    next_page: int | None


class TenantOut(BaseModel):
    id: int
    slug: str
    name: str
    kind: str
    roles: list[str] = Field(description="the caller's roles in this centre")


class MemberOut(BaseModel):
    membership_id: int
    account_id: int
    email: str
    full_name: str
    # plain strings: an answer must never fail on a role stored before it was renamed
    roles: list[str] = Field(description=f"among: {', '.join(sorted(r.value for r in TENANT_ROLES))}")
    responsibilities: list[str] = Field(description=f"among: {', '.join(r.value for r in Responsibility)}")
    active: bool
    joined_at: datetime
    has_password: bool = Field(description="false until an invited person chose a password")


class MemberInvite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    full_name: str = Field(max_length=200)
    roles: list[str] = Field(max_length=20, description="tenant roles, e.g. career_counselor")
    responsibilities: list[str] = Field(default_factory=list, max_length=10,
                                        description="for career counselors")


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[str] | None = Field(default=None, max_length=20)
    responsibilities: list[str] | None = Field(default=None, max_length=10)
    active: bool | None = Field(default=None, description="false deactivates, true reactivates")


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="first characters of the secret, to recognise it")
    created_at: datetime
    last_used_at: datetime | None


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=100)


class TokenCreated(BaseModel):
    id: int
    name: str
    secret: str = Field(description="shown once; only its hash is stored")


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor_account_id: int | None
    action: str
    target_type: str
    target_id: str
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditOut]
    next_cursor: int | None = Field(description="pass as before_id for the next (older) page")
