"""REST isolation cases of the social channels (issue 7)."""

from __future__ import annotations

from tenants.core.roles import Perm
from tests.conftest import World
from tests.isolation.test_rest_matrix import PREFIX, Case, Ctx
from workflows.communications import channels


def _fresh_channel(ctx: Ctx, w: World, role: str) -> dict:
    v = channels.do_connect(w.manager.actor, w.tenant_id, provider="mastodon", display_name="CC",
                            base_url=f"https://m{next(ctx.seq)}.example.org", token="tok-0123456789abcd")
    return {"channel_id": v.id}


def _new_channel(ctx: Ctx, w: World) -> dict:
    return {"provider": "facebook", "display_name": "CC", "account_id": str(1000 + next(ctx.seq)),
            "token": "EAAB-0123456789-wxyz"}


P = PREFIX + "/channels"
CASES = {
    ("GET", P): Case(Perm.COMM_VIEW),
    ("POST", P): Case(Perm.COMM_MANAGE, ok=201, body=_new_channel),
    ("DELETE", P + "/{channel_id}"): Case(Perm.COMM_MANAGE, ok=204, ids=_fresh_channel),
}
