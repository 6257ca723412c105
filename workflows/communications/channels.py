"""A centre's social-network connections (issue 7): Facebook page, LinkedIn organisation, X
account, Mastodon account, webhook. Tokens are stored encrypted (integrations.crypto) and never
leave the server again: views show the last four characters only.

When a publication meets an expired token the channel turns `expired` (audit event, status on
/staff/channels), and the item waits until someone reconnects (same provider and account:
the row is updated, not duplicated).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import httpx
from sqlalchemy import Column, ForeignKeyConstraint, Text, UniqueConstraint
from sqlmodel import Field, select

from integrations import crypto, social
from integrations.db import (
    TenantOwned,
    tenant_session,
    tenant_table_args,
    transaction,
    ts_column,
    utcnow,
)
from integrations.errors import Invalid, NotFound
from integrations.http import LOCAL_HOSTS
from integrations.validation import clean_text
from tenants.core.actor import Actor, require
from tenants.core.roles import Perm
from tenants.core.services import audit

MAX_TOKEN = 4000


class ChannelStatus(StrEnum):
    CONNECTED = "connected"
    EXPIRED = "expired"  # the provider refused the token: reconnect
    ERROR = "error"  # the provider refused something else; last_error says what


class SocialChannel(TenantOwned, table=True):
    __tablename__ = "social_channel"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "connected_by"], ["membership.tenant_id", "membership.id"]),
        UniqueConstraint("tenant_id", "provider", "account_id", "base_url"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=16)
    display_name: str = Field(max_length=120)
    # page id (Facebook), organisation id (LinkedIn), "" for X, Mastodon and webhooks
    account_id: str = Field(default="", max_length=100)
    # the Mastodon instance or the webhook URL; "" for the providers' official APIs
    base_url: str = Field(default="", max_length=500)
    token_enc: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    secret_enc: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    token_hint: str = Field(default="", max_length=4)
    status: str = Field(default=ChannelStatus.CONNECTED.value, max_length=10)
    last_error: str = Field(default="", max_length=500)
    connected_by: int | None = None  # the membership that connected it
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


@dataclass(frozen=True)
class ChannelView:
    id: int
    provider: str
    display_name: str
    account_id: str
    base_url: str
    status: str
    last_error: str
    token_hint: str  # "…abcd": enough to tell two tokens apart, useless to anyone else
    connected_by: int | None
    created_at: datetime
    updated_at: datetime
    # shown once, when a webhook secret was generated for the tenant; never again
    new_secret: str = ""


def _view(c: SocialChannel, new_secret: str = "") -> ChannelView:
    return ChannelView(c.id, c.provider, c.display_name, c.account_id, c.base_url, c.status, c.last_error,
                       f"…{c.token_hint}" if c.token_hint else "", c.connected_by,
                       c.created_at, c.updated_at, new_secret)


# ---------------------------------------------------------------- validation

def _secret(value: Any, code: str, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid("text expected", code=code)
    v = value.strip()
    if (required and not v) or len(v) > MAX_TOKEN or any(ch.isspace() or not ch.isprintable() for ch in v):
        raise Invalid("a token is one printable word", code=code)
    return v


def _url(value: Any, *, required: bool) -> str:
    v = clean_text(value, 500, code="channel_bad_url")
    if not v:
        if required:
            raise Invalid("an address is required", code="channel_bad_url")
        return ""
    try:
        url = httpx.URL(v)
    except (httpx.InvalidURL, ValueError):
        raise Invalid("not a web address", code="channel_bad_url") from None
    host = (url.host or "").lower()
    # https only; plain http only to this machine (a local fake or relay), as the HTTP client enforces
    if not host or url.scheme not in ("https", "http") or (url.scheme == "http" and host not in LOCAL_HOSTS):
        raise Invalid("an https:// address is required", code="channel_bad_url")
    if url.userinfo or url.fragment:
        raise Invalid("no credentials or fragment in the address", code="channel_bad_url")
    return str(url).rstrip("/")


def _clean(provider: Any, display_name: Any, account_id: Any, base_url: Any, token: Any,
           secret: Any) -> tuple[str, str, str, str, str, str, str]:
    if provider not in social.PROVIDERS:
        raise Invalid("unknown network", code="channel_bad_provider")
    name = clean_text(display_name, 120, code="channel_bad_name", required=True)
    account = clean_text(account_id, 100, code="channel_bad_account")
    if provider in ("facebook", "linkedin"):
        if not (account.isascii() and account.isdigit()):
            raise Invalid("the page or organisation id is a number", code="channel_bad_account")
    else:
        account = ""
    url = _url(base_url, required=provider in ("mastodon", "webhook"))
    if provider in ("facebook", "linkedin", "x") and url:
        # the official API only; another address is accepted for a local fake (tests, demos)
        if (httpx.URL(url).host or "").lower() not in LOCAL_HOSTS:
            raise Invalid("this network is reached at its own address", code="channel_bad_url")
    generated = ""
    if provider == "webhook":
        tok = ""
        sec = _secret(secret, "channel_bad_secret", required=False)
        if sec and len(sec) < 16:
            raise Invalid("a signing secret has at least 16 characters", code="channel_bad_secret")
        if not sec:
            sec = generated = crypto.new_token(24)
    else:
        tok = _secret(token, "channel_bad_token", required=True)
        sec = ""
    return provider, name, account, url, tok, sec, generated


# ---------------------------------------------------------------- services

def list_channels(actor: Actor, tenant_id: int) -> list[ChannelView]:
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        rows = s.exec(select(SocialChannel).order_by(SocialChannel.provider, SocialChannel.display_name,
                                                     SocialChannel.id)).all()
        return [_view(c) for c in rows]


def get_channel(actor: Actor, tenant_id: int, channel_id: Any) -> ChannelView:
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return _view(_load(s, tenant_id, channel_id))


def _load(s, tenant_id: int, channel_id: Any) -> SocialChannel:
    c = s.get(SocialChannel, channel_id) if isinstance(channel_id, int) and not isinstance(channel_id, bool) else None
    if c is None or c.tenant_id != tenant_id:
        raise NotFound("channel not found")
    return c


def do_connect(actor: Actor, tenant_id: int, *, provider: Any, display_name: Any, account_id: Any = "",
               base_url: Any = "", token: Any = "", secret: Any = "") -> ChannelView:
    """Connect an account, or reconnect it (same network and account): the new token replaces the
    old one and the channel is `connected` again. Formats are checked here; the provider itself
    judges the token at the first publication (an expired one turns the channel `expired`)."""
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    provider, name, account, url, tok, sec, generated = _clean(provider, display_name, account_id, base_url,
                                                               token, secret)
    with tenant_session(tenant_id) as s, transaction(s):
        c = s.exec(select(SocialChannel).where(SocialChannel.provider == provider,
                                               SocialChannel.account_id == account,
                                               SocialChannel.base_url == url)).first()
        action = "channel.reconnected" if c is not None else "channel.connected"
        if c is None:
            c = SocialChannel(tenant_id=tenant_id, provider=provider, account_id=account, base_url=url,
                              display_name=name)
        c.display_name = name
        c.token_enc = crypto.encrypt(tok)
        c.secret_enc = crypto.encrypt(sec)
        c.token_hint = (tok or sec)[-4:] if len(tok or sec) >= 12 else ""
        c.status = ChannelStatus.CONNECTED.value
        c.last_error = ""
        c.connected_by = actor.membership_id
        c.updated_at = utcnow()
        s.add(c)
        s.flush()
        audit(s, actor, action, tenant_id=tenant_id, target_type="social_channel", target_id=c.id,
              provider=provider, display_name=name)
        return _view(c, generated)


def do_disconnect(actor: Actor, tenant_id: int, channel_id: Any) -> None:
    """Forget the connection and its tokens (the UI asks for confirmation first)."""
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        c = _load(s, tenant_id, channel_id)
        audit(s, actor, "channel.disconnected", tenant_id=tenant_id, target_type="social_channel",
              target_id=c.id, provider=c.provider, display_name=c.display_name)
        s.delete(c)


# ---------------------------------------------------------------- publishing (outbox handler side)

def _mark(tenant_id: int, channel_id: int, status: ChannelStatus, error: str, action: str) -> None:
    with tenant_session(tenant_id) as s, transaction(s):
        c = _load(s, tenant_id, channel_id)
        c.status = status.value
        c.last_error = (error or "")[:500]
        c.updated_at = utcnow()
        audit(s, None, action, tenant_id=tenant_id, target_type="social_channel", target_id=c.id,
              provider=c.provider, error=c.last_error)


def mark_expired(tenant_id: int, channel_id: int, *, error: str = "") -> None:
    """The provider refused the token: the tenant sees `expired` and reconnects; items wait."""
    _mark(tenant_id, channel_id, ChannelStatus.EXPIRED, error, "channel.token_expired")


def mark_error(tenant_id: int, channel_id: int, *, error: str) -> None:
    _mark(tenant_id, channel_id, ChannelStatus.ERROR, error, "channel.error")


def credentials(tenant_id: int, channel_id: int) -> tuple[str, social.Credentials]:
    """(provider, decrypted credentials) for one publication: system use by the outbox handler
    (the item's approval was the permission). An expired channel raises TokenExpired: nothing is
    attempted until the tenant reconnects."""
    with tenant_session(tenant_id) as s:
        c = _load(s, tenant_id, channel_id)
        if c.status == ChannelStatus.EXPIRED.value:
            raise social.TokenExpired("the channel must be reconnected", provider=c.provider, channel_id=c.id)
        return c.provider, social.Credentials(token=crypto.decrypt(c.token_enc), account_id=c.account_id,
                                              base_url=c.base_url, secret=crypto.decrypt(c.secret_enc))


def publish(tenant_id: int, channel_id: int, post: social.Post, **retry: Any) -> social.Result:
    """Publish through one channel, retrying what can be retried (social.publish_with_retries).

    The caller (the post-delivery handler) stores the Result's provider id per (item, channel) and
    checks it before calling again: only Mastodon and webhooks deduplicate by themselves. Raises
    SocialRateLimited (reschedule with countdown=retry_after), TokenExpired (channel marked
    expired, the item waits), MediaTooLarge / SocialInvalid (nothing sent), ProviderError.
    """
    provider, creds = credentials(tenant_id, channel_id)
    try:
        result = social.publish_with_retries(provider, creds, post, tenant_id=tenant_id, **retry)
    except social.TokenExpired as exc:
        mark_expired(tenant_id, channel_id, error=str(exc))
        raise
    except social.ProviderError as exc:
        if not exc.retryable:
            mark_error(tenant_id, channel_id, error=str(exc))
        raise
    with tenant_session(tenant_id) as s, transaction(s):
        c = _load(s, tenant_id, channel_id)
        if c.status != ChannelStatus.CONNECTED.value:
            c.status, c.last_error, c.updated_at = ChannelStatus.CONNECTED.value, "", utcnow()
    return result


