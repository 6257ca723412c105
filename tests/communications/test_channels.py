"""A centre's social channels: connect, list, disconnect, encrypted tokens, expiry on publish."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from integrations import social
from integrations.db import owner_engine, tenant_session
from integrations.errors import Forbidden, Invalid, NotFound
from integrations.social import MediaTooLarge, Post, TokenExpired
from tenants.core.models import AuditEvent
from tests.integrations.social_fakes import FakeSocial
from workflows.communications import channels as ch

TOKEN = "EAAB-page-token-0123456789-wxyz"


@pytest.fixture
def fake():
    f = FakeSocial().start()
    yield f
    f.stop()


def connect_fb(world, base_url: str = "", token: str = TOKEN):
    return ch.do_connect(world.counselor.actor, world.tenant_id, provider="facebook", display_name="CC Rabat",
                         account_id="1234567890", base_url=base_url, token=token)


def test_connect_stores_token_encrypted_and_shows_last_four(world_a):
    v = connect_fb(world_a)
    assert (v.provider, v.status, v.token_hint) == ("facebook", "connected", "…wxyz")
    with owner_engine().connect() as conn:
        stored = conn.execute(text("SELECT token_enc FROM social_channel")).scalar_one()
    assert stored and TOKEN not in stored
    assert ch.credentials(world_a.tenant_id, v.id)[1].token == TOKEN
    listed = ch.list_channels(world_a.people["business_developer"].actor, world_a.tenant_id)  # COMM_VIEW
    assert [c.id for c in listed] == [v.id]
    assert TOKEN not in repr(listed)


def test_reconnect_updates_the_same_row(world_a):
    v1 = connect_fb(world_a)
    ch.mark_expired(world_a.tenant_id, v1.id, error="190")
    v2 = connect_fb(world_a, token="EAAB-new-token-9999999-abcd")
    assert v2.id == v1.id and v2.status == "connected" and v2.token_hint == "…abcd"
    assert len(ch.list_channels(world_a.manager.actor, world_a.tenant_id)) == 1


@pytest.mark.parametrize("fields,code", [
    ({"provider": "myspace"}, "channel_bad_provider"),
    ({"provider": ["facebook"]}, "channel_bad_provider"),
    ({"display_name": ""}, "channel_bad_name"),
    ({"display_name": "x" * 121}, "channel_bad_name"),
    ({"account_id": "my-page"}, "channel_bad_account"),
    ({"token": ""}, "channel_bad_token"),
    ({"token": "two words"}, "channel_bad_token"),
    ({"token": 42}, "channel_bad_token"),
    ({"base_url": "https://evil.example.org"}, "channel_bad_url"),
    ({"provider": "mastodon", "base_url": ""}, "channel_bad_url"),
    ({"provider": "mastodon", "base_url": "http://mastodon.social"}, "channel_bad_url"),
    ({"provider": "mastodon", "base_url": "ftp://mastodon.social"}, "channel_bad_url"),
    ({"provider": "webhook", "base_url": "https://hooks.example.org/x", "secret": "short"}, "channel_bad_secret"),
])
def test_bad_input_refused_nothing_stored(world_a, fields, code):
    args = {"provider": "facebook", "display_name": "CC", "account_id": "1234", "base_url": "", "token": TOKEN}
    args.update(fields)
    with pytest.raises(Invalid) as e:
        ch.do_connect(world_a.manager.actor, world_a.tenant_id, **args)
    assert e.value.code == code
    assert ch.list_channels(world_a.manager.actor, world_a.tenant_id) == []


def test_webhook_secret_generated_and_shown_once(world_a):
    v = ch.do_connect(world_a.manager.actor, world_a.tenant_id, provider="webhook", display_name="Intranet",
                      base_url="https://hooks.example.org/cc/")
    assert len(v.new_secret) >= 24 and v.base_url == "https://hooks.example.org/cc"
    assert ch.credentials(world_a.tenant_id, v.id)[1].secret == v.new_secret
    (listed,) = ch.list_channels(world_a.manager.actor, world_a.tenant_id)
    assert listed.new_secret == "" and v.new_secret not in repr(listed)


def test_permissions_and_isolation(worlds):
    a, b = worlds
    v = connect_fb(a)
    with pytest.raises(Forbidden):
        ch.do_connect(a.people["intern"].actor, a.tenant_id, provider="facebook", display_name="x",
                      account_id="1", token=TOKEN)
    with pytest.raises(Forbidden):
        ch.list_channels(a.student.actor, a.tenant_id)
    with pytest.raises(Forbidden):
        ch.do_disconnect(a.people["business_developer"].actor, a.tenant_id, v.id)
    # another centre's channel answers "not found", from its own tenant too
    with pytest.raises(NotFound):
        ch.do_disconnect(b.manager.actor, b.tenant_id, v.id)
    with pytest.raises(NotFound):
        ch.get_channel(b.manager.actor, b.tenant_id, v.id)
    with pytest.raises(Forbidden):
        ch.list_channels(b.manager.actor, a.tenant_id)
    assert ch.list_channels(b.manager.actor, b.tenant_id) == []
    with pytest.raises(NotFound):
        ch.do_disconnect(a.manager.actor, a.tenant_id, "1")
    ch.do_disconnect(a.manager.actor, a.tenant_id, v.id)
    assert ch.list_channels(a.manager.actor, a.tenant_id) == []
    with tenant_session(a.tenant_id) as s:
        actions = s.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["channel.connected", "channel.disconnected"]


def test_publish_expired_token_marks_channel_and_item_waits(world_a, fake):
    v = connect_fb(world_a, base_url=fake.base_url)
    # the fake does not know the token: Graph error 190
    with pytest.raises(TokenExpired):
        ch.publish(world_a.tenant_id, v.id, Post(text="Forum"))
    (c,) = ch.list_channels(world_a.manager.actor, world_a.tenant_id)
    assert c.status == "expired" and "token" in c.last_error.lower()
    with tenant_session(world_a.tenant_id) as s:
        assert s.exec(select(AuditEvent.action).where(AuditEvent.action == "channel.token_expired")).first()
    # while expired, nothing is attempted
    calls = len(fake.requests)
    with pytest.raises(TokenExpired):
        ch.publish(world_a.tenant_id, v.id, Post(text="Forum"))
    assert len(fake.requests) == calls and fake.published == []
    # reconnecting with a good token lets the item go
    fake.grant("facebook", TOKEN)
    connect_fb(world_a, base_url=fake.base_url)
    r = ch.publish(world_a.tenant_id, v.id, Post(text="Forum"))
    assert r.provider_post_id.startswith("1234567890_") and len(fake.posts("facebook")) == 1


def test_publish_too_large_image_sends_nothing_channel_unchanged(world_a, fake):
    fake.grant("facebook", TOKEN)
    v = connect_fb(world_a, base_url=fake.base_url)
    big = social.Image(b"\0" * (4 * 1024 * 1024 + 1), "image/jpeg")
    with pytest.raises(MediaTooLarge):
        ch.publish(world_a.tenant_id, v.id, Post(text="x", images=(big,)))
    assert fake.requests == []
    assert ch.get_channel(world_a.manager.actor, world_a.tenant_id, v.id).status == "connected"


def test_channels_over_rest_never_return_tokens(world_a):
    from fastapi.testclient import TestClient

    from cc_network.api import api_app
    from tenants.auth.services import do_create_api_token
    from tests.api.util import error_code

    client = TestClient(api_app)
    auth = {"Authorization": "Bearer " + do_create_api_token(world_a.manager.actor, name="t").secret}
    base = f"/api/v1/tenants/{world_a.slug}/channels"
    r = client.post(base, json={"provider": "x", "display_name": "CC sur X", "token": TOKEN}, headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["token_hint"] == "…wxyz" and TOKEN not in r.text
    r = client.post(base, json={"provider": "x", "display_name": "CC", "token": "a b"}, headers=auth)
    assert r.status_code == 422 and error_code(r) == "channel_bad_token"
    r = client.post(base, json={"provider": "webhook", "display_name": "Intranet",
                                "base_url": "https://hooks.example.org/cc"}, headers=auth)
    secret = r.json()["new_secret"]
    assert len(secret) >= 24
    listed = client.get(base, headers=auth)
    assert [c["provider"] for c in listed.json()] == ["webhook", "x"]
    assert TOKEN not in listed.text and secret not in listed.text and "new_secret" not in listed.text
    cid = listed.json()[1]["id"]
    assert client.delete(f"{base}/{cid}", headers=auth).status_code == 204
    r = client.delete(f"{base}/{cid}", headers=auth)
    assert r.status_code == 404 and error_code(r) == "not_found"


def test_channels_page_connect_expired_notice_disconnect(world_a):
    import asyncio

    from tests.ui.test_handler_isolation import app_handlers, call, session_cookie

    def run(state, key, *args):
        result = app_handlers()[key][1].fn(state, *args)
        return asyncio.run(result) if asyncio.iscoroutine(result) else result

    a = world_a
    route = "/staff/channels"
    # a business developer sees the channels but may not connect one
    state, _ = call("ChannelsState.on_load", session_cookie(a.people["business_developer"].account_id, a.tenant_id),
                    route, ())
    assert state.error == "" and state.allowed and not state.can_manage
    run(state, "ChannelsState.connect", {"provider": "x", "display_name": "CC", "token": TOKEN})
    assert state.error == "error.forbidden"

    state, _ = call("ChannelsState.on_load", session_cookie(a.counselor.account_id, a.tenant_id), route, ())
    assert state.can_manage and state.rows == []
    run(state, "ChannelsState.choose_provider", "myspace")  # not a choice: unchanged
    assert state.provider == "facebook"
    run(state, "ChannelsState.connect", {"provider": "facebook", "display_name": "CC", "account_id": "abc",
                                         "token": TOKEN})
    assert state.error == "error.channel_bad_account" and state.rows == []
    run(state, "ChannelsState.connect", {"provider": "facebook", "display_name": "CC Rabat",
                                         "account_id": "1234567890", "token": TOKEN})
    assert state.error == "" and [(r.name, r.status, r.hint) for r in state.rows] == [("CC Rabat", "connected", "…wxyz")]
    assert TOKEN not in repr(state.dict())
    ch.mark_expired(a.tenant_id, state.rows[0].id, error="Facebook token refused")
    state, _ = call("ChannelsState.on_load", session_cookie(a.counselor.account_id, a.tenant_id), route, ())
    assert state.expired == 1 and state.rows[0].status == "expired"
    run(state, "ChannelsState.connect", {"provider": "webhook", "display_name": "Intranet",
                                         "base_url": "https://hooks.example.org/cc"})
    assert len(state.new_secret) >= 24
    run(state, "ChannelsState.disconnect", "x")
    assert state.error == "error.invalid" and len(state.rows) == 2
    run(state, "ChannelsState.disconnect", state.rows[0].id)
    assert state.error == "" and [r.provider for r in state.rows] == ["webhook"] and state.new_secret == ""
