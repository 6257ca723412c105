"""An item's publication (issue 7 §6): posts through the centre's channels to a local fake of the
provider, e-mail to its audience, one delivery row each, and the item published once all ended.
The provider's 500 then 429 then 200 gives one post; an expired token makes the item wait until
the centre reconnects; an image too large for the provider fails that channel with the reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from integrations.db import tenant_session, utcnow
from integrations.errors import Invalid
from tests.communications.mailing_util import add_students
from tests.integrations.social.conftest import clock, fake  # noqa: F401  (fixtures)
from workflows.communications import channels as ch
from workflows.communications import delivery
from workflows.communications.models import CommItem, MailDelivery, Mailing, PostDelivery

TOKEN = "tok-mastodon-alpha"


def _channel(world, fake, token: str = TOKEN) -> int:  # noqa: F811
    return ch.do_connect(world.counselor.actor, world.tenant_id, provider="mastodon", display_name="CC Alpha",
                         account_id="", base_url=fake.base_url, token=token).id


def _item(world, channels: list[str], audience: dict | None = None) -> int:
    with tenant_session(world.tenant_id) as s:
        item = CommItem(tenant_id=world.tenant_id, title="Atelier CV", text={"fr": "Atelier CV jeudi 10h"},
                        subject={"fr": "Atelier CV"}, channels=channels,
                        audience=audience or {"kind": "students"}, state="validated",
                        publish_at=utcnow() - timedelta(minutes=1))
        s.add(item)
        s.commit()
        return item.id


def _queue(world, item_id: int) -> None:
    with tenant_session(world.tenant_id) as s:
        item = s.get(CommItem, item_id)
        item.state = "publishing"
        delivery.queue_item(s, item)
        s.commit()


def _posts(world, item_id: int) -> list[PostDelivery]:
    with tenant_session(world.tenant_id) as s:
        return list(s.exec(select(PostDelivery).where(PostDelivery.item_id == item_id)).all())


def _item_state(world, item_id: int) -> str:
    with tenant_session(world.tenant_id) as s:
        return s.get(CommItem, item_id).state


def _send_mail(world, item_id: int) -> None:
    with tenant_session(world.tenant_id) as s:
        m = s.exec(select(Mailing).where(Mailing.item_id == item_id)).one()
        m.state, m.started_at = "sending", utcnow()
        s.add(m)
        s.commit()
        batches = delivery.queued_batches(s, m.id)
        mid = m.id
    for b in batches:
        delivery.send_batch(world.tenant_id, mid, b)


def test_500_then_429_then_200_publishes_one_post_and_the_item_ends_published(world_a, fake, clock):  # noqa: F811
    fake.grant("mastodon", TOKEN)
    add_students(world_a.tenant_id, 2)
    cid = _channel(world_a, fake)
    iid = _item(world_a, [str(cid), "email"])
    _queue(world_a, iid)
    fake.script("POST", "/api/v1/statuses", [500, (429, {"Retry-After": "2"})])
    (d,) = _posts(world_a, iid)
    assert delivery.publish_post(world_a.tenant_id, d.id) == "sent"
    assert len(fake.posts("mastodon")) == 1
    assert delivery.publish_post(world_a.tenant_id, d.id) == "sent"  # a redelivered task: no second post
    assert len(fake.posts("mastodon")) == 1
    (d,) = _posts(world_a, iid)
    assert d.provider_post_id and d.attempts == 1
    assert _item_state(world_a, iid) == "publishing"  # the e-mail is still to go
    _send_mail(world_a, iid)
    assert _item_state(world_a, iid) == "published"
    with tenant_session(world_a.tenant_id) as s:
        assert s.exec(select(func.count()).select_from(MailDelivery).where(MailDelivery.state == "sent")).one() == 2


def test_a_longer_retry_after_is_handed_back_to_the_queue(world_a, fake, clock):  # noqa: F811
    fake.grant("mastodon", TOKEN)
    iid = _item(world_a, [str(_channel(world_a, fake))])
    _queue(world_a, iid)
    fake.script("POST", "/api/v1/statuses", [(429, {"Retry-After": "120"})])
    (d,) = _posts(world_a, iid)
    with pytest.raises(delivery.RetryPost) as e:
        delivery.publish_post(world_a.tenant_id, d.id)
    assert e.value.countdown == pytest.approx(120, abs=1)
    assert _posts(world_a, iid)[0].state == "queued" and fake.posts("mastodon") == []


def test_an_expired_token_makes_the_item_wait_until_the_centre_reconnects(world_a, fake, clock):  # noqa: F811
    iid = _item(world_a, [str(_channel(world_a, fake, token="tok-revoked-0001"))])
    _queue(world_a, iid)
    (d,) = _posts(world_a, iid)
    assert delivery.publish_post(world_a.tenant_id, d.id) == "waiting"
    assert _item_state(world_a, iid) == "waiting"
    assert [c.status for c in ch.list_channels(world_a.manager.actor, world_a.tenant_id)] == ["expired"]
    assert delivery.sweep_posts() == []  # nothing to resume while the channel is expired
    fake.grant("mastodon", TOKEN)
    _channel(world_a, fake)  # reconnected with a good token
    assert delivery.sweep_posts() == [(world_a.tenant_id, d.id)]
    assert delivery.publish_post(world_a.tenant_id, d.id) == "sent"
    assert _item_state(world_a, iid) == "published" and len(fake.posts("mastodon")) == 1


def test_an_item_whose_mail_has_nobody_to_reach_queues_nothing_at_all(world_a, fake):  # noqa: F811
    iid = _item(world_a, [str(_channel(world_a, fake)), "email"], audience={"kind": "students", "levels": ["D9"]})
    with pytest.raises(Invalid) as e:
        _queue(world_a, iid)
    assert e.value.code == "mailing_no_recipients"
    assert _posts(world_a, iid) == [] and _item_state(world_a, iid) == "validated"


def test_each_network_has_its_own_queue_and_the_workers_consume_them(world_a, fake):  # noqa: F811
    from cc_network.worker import celery_app

    iid = _item(world_a, [str(_channel(world_a, fake))])
    _queue(world_a, iid)
    (d,) = _posts(world_a, iid)
    assert delivery.post_queue(world_a.tenant_id, d.id) == "social.mastodon"
    consumed = {q.name for q in celery_app.conf.task_queues}
    assert {"mail", "social.mastodon", "social.facebook", "social.linkedin", "social.x", "social.webhook"} <= consumed
