"""A centre's social-network connections (issue 7) over REST. Tokens go in, never out: answers
show the last four characters only (a generated webhook secret is shown once, at creation)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from workflows.communications import channels

router = APIRouter(tags=["communication"], responses=ERROR_RESPONSES)
T = "/tenants/{tenant}"
Scope = Depends(actor_in_tenant)


class ChannelOut(BaseModel):
    id: int
    provider: str = Field(description="facebook, linkedin, x, mastodon or webhook")
    display_name: str
    account_id: str = Field(description="the Facebook page id or LinkedIn organisation id")
    base_url: str = Field(description="the Mastodon instance or the webhook URL")
    status: str = Field(description="connected, expired (reconnect) or error (see last_error)")
    last_error: str
    token_hint: str = Field(description="the token's last four characters")
    connected_by: int | None = Field(description="the membership that connected it")
    created_at: datetime
    updated_at: datetime


class ChannelCreatedOut(ChannelOut):
    new_secret: str = Field(description="a webhook's generated signing secret, shown this once")


class ConnectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider: str = Field(max_length=16)
    display_name: str = Field(max_length=120)
    account_id: str = Field("", max_length=100)
    base_url: str = Field("", max_length=500)
    token: str = Field("", max_length=4000, description="the page / OAuth access token (not for webhooks)")
    secret: str = Field("", max_length=4000, description="the webhook's signing secret; empty: one is generated")


def _out(v: channels.ChannelView) -> ChannelOut:
    data = asdict(v)
    data.pop("new_secret")
    return ChannelOut.model_validate(data)


@router.get(T + "/channels", response_model=list[ChannelOut])
def list_channels(scope: tuple[Actor, int] = Scope) -> list[ChannelOut]:
    actor, tenant_id = scope
    return [_out(v) for v in channels.list_channels(actor, tenant_id)]


@router.post(T + "/channels", response_model=ChannelCreatedOut, status_code=201)
def connect(body: ConnectIn, scope: tuple[Actor, int] = Scope) -> ChannelCreatedOut:
    """Connect an account, or reconnect it (same network and account) with a new token."""
    actor, tenant_id = scope
    v = channels.do_connect(actor, tenant_id, provider=body.provider, display_name=body.display_name,
                            account_id=body.account_id, base_url=body.base_url, token=body.token,
                            secret=body.secret)
    return ChannelCreatedOut.model_validate(asdict(v))


@router.delete(T + "/channels/{channel_id}", status_code=204, response_class=Response)
def disconnect(channel_id: int = Path(ge=1, le=MAX_ID), scope: tuple[Actor, int] = Scope) -> Response:
    actor, tenant_id = scope
    channels.do_disconnect(actor, tenant_id, channel_id)
    return Response(status_code=204)
