"""The isolation matrix of /staff/channels (issue 7): A has a connected Mastodon account whose
name and address only A may see."""

from __future__ import annotations

from integrations.db import system_session
from tests.ui.matrix_cases import Probe, View
from workflows.communications import channels
from workflows.communications.channels import SocialChannel

ROUTE = "/staff/channels"


def setup(a, ids: dict, secrets: list) -> None:
    v = channels.do_connect(a.manager.actor, a.tenant_id, provider="mastodon", display_name="Alpha secret channel",
                            base_url="https://alpha-secret.example.org", token="alpha-secret-token-1234")
    ids["channel_id"] = v.id
    secrets += ["Alpha secret channel", "alpha-secret.example.org", "alpha-secret-token"]


def _channel(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        c = s.get(SocialChannel, a["channel_id"])
        return (c.display_name, c.token_enc, c.status) if c else None


ENTRIES: dict[str, Probe | View] = {
    "ChannelsState.on_load": View(ROUTE),
    "ChannelsState.choose_provider": View(ROUTE, lambda a: ("mastodon",)),
    "ChannelsState.connect": View(ROUTE, lambda a: ({"provider": "x", "display_name": "B's own",
                                                     "token": "b-token-0123456789"},)),
    "ChannelsState.disconnect": Probe(ROUTE, lambda a: (a["channel_id"],), _channel),
}
