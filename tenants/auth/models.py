"""Credentials: browser sessions, sign-in tickets, API tokens, reset tokens, OIDC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


class AuthSession(SQLModel, table=True):
    """A server-side browser session; the cookie holds the token, the row its hash."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    # the centre currently chosen in the tenant switcher
    current_tenant_id: int | None = Field(default=None, foreign_key="tenant.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    expires_at: datetime = Field(sa_column=ts_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    user_agent: str = Field(default="", max_length=300)


class SignInTicket(SQLModel, table=True):
    """Single-use, one-minute hand-over from a sign-in form to the route that sets the cookie."""

    __tablename__ = "sign_in_ticket"

    id: int | None = Field(default=None, primary_key=True)
    ticket_hash: str = Field(max_length=64, unique=True, index=True)
    account_id: int = Field(foreign_key="account.id")
    target_tenant_id: int | None = Field(default=None, foreign_key="tenant.id")
    next_path: str = Field(default="/", max_length=300)
    expires_at: datetime = Field(sa_column=ts_column(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class PasswordResetToken(SQLModel, table=True):
    """Single-use token e-mailed for a reset or an invitation; only its hash is kept."""

    __tablename__ = "password_reset_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    purpose: str = Field(default="reset", max_length=20)  # reset | invite
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    expires_at: datetime = Field(sa_column=ts_column(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class ApiToken(TenantOwned, table=True):
    """A REST bearer token, scoped to one membership; the secret is shown once, stored hashed."""

    __tablename__ = "api_token"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "membership_id"], ["membership.tenant_id", "membership.id"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    membership_id: int = Field(index=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class OidcProvider(TenantOwned, table=True):
    """A centre's identity provider (a university's Google Workspace, Entra, Keycloak)."""

    __tablename__ = "oidc_provider"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "slug"))

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40)
    name: str = Field(max_length=100)
    issuer: str = Field(max_length=300)
    client_id: str = Field(max_length=300)
    # encrypted with the secret key (integrations.crypto)
    client_secret_enc: str = Field(default="", max_length=2000)
    scopes: str = Field(default="openid email profile", max_length=200)
    # people signing in for the first time become students of the centre
    auto_create_students: bool = True
    enabled: bool = True


class OidcIdentity(SQLModel, table=True):
    """An external identity, keyed by (issuer, subject), linked to one account."""

    __tablename__ = "oidc_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=255)
    account_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class OidcLogin(TenantOwned, table=True):
    """One OIDC sign-in in progress: what the callback must find again (single use, minutes)."""

    __tablename__ = "oidc_login"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "provider_id"], ["oidc_provider.tenant_id", "oidc_provider.id"],
                             ondelete="CASCADE"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(index=True)
    # the state travels in the browser's URL; only its hash is kept, like every token here
    state_hash: str = Field(max_length=64, unique=True, index=True)
    nonce: str = Field(max_length=100)
    code_verifier: str = Field(max_length=200)
    redirect_uri: str = Field(max_length=500)
    next_path: str = Field(default="/", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    expires_at: datetime = Field(sa_column=ts_column(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
