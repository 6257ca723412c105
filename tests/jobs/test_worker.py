"""A real Celery worker delivers the reset e-mail end to end (DESIGN §7, issue 2 §9, §11).

The commit of the reset request publishes a delivery task (prompt relay); the worker,
running in a thread against a real broker, sends it to the local SMTP server. On the
SQLite tier the broker is kombu's filesystem transport (the embedded default); with
CC_TEST_REDIS_URL, Redis.
"""

from __future__ import annotations

import os

import pytest
from celery.contrib.testing.worker import start_worker
from sqlmodel import select

from cc_network.worker import make_celery
from integrations.db import system_session
from integrations.outbox import OutboxMessage
from integrations.settings import get_settings
from tenants.auth.services import do_request_password_reset
from tests.conftest import create_person

REDIS_URL = os.environ.get("CC_TEST_REDIS_URL")


def _brokers():
    yield pytest.param("filesystem", id="filesystem")
    yield pytest.param("redis", id="redis", marks=[
        pytest.mark.redis, pytest.mark.skipif(not REDIS_URL, reason="needs CC_TEST_REDIS_URL")])


@pytest.fixture(params=list(_brokers()))
def celery_app(request, tmp_path, no_prompt_relay):
    overrides = {"data_dir": tmp_path}
    if request.param == "redis":
        overrides["broker_url"] = REDIS_URL
    else:
        overrides["broker_url"] = None
        overrides["redis_url"] = None
    settings = get_settings().model_copy(update=overrides)
    app = make_celery(settings)
    assert app.conf.broker_url.startswith("redis" if request.param == "redis" else "filesystem")
    assert app.conf.task_acks_late and app.conf.worker_prefetch_multiplier == 1
    assert not app.conf.task_always_eager
    return app


def test_a_real_worker_delivers_the_reset_email(world_a, smtp_server, celery_app):
    person = create_person("yassine.worker@alpha.example.ma", tenant_id=world_a.tenant_id,
                           roles=["student"])
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        do_request_password_reset(person.email)
        assert smtp_server.received.wait(30), "the worker did not deliver the e-mail"
    assert [m["To"] for m in smtp_server.messages] == [person.email]
    assert "/reset?token=" in smtp_server.messages[0].get_content()
    with system_session("test read outbox") as s:
        assert [m.state for m in s.exec(select(OutboxMessage)).all()] == ["sent"]


def test_the_beat_relay_task_picks_up_a_message_published_nowhere(world_a, smtp_server, celery_app):
    """A message whose prompt publish was lost (broker down at commit) goes out via relay_outbox."""
    from integrations.tasks import enable_prompt_relay, relay_outbox

    person = create_person("nadia.relay@alpha.example.ma", tenant_id=world_a.tenant_id,
                           roles=["student"])
    enable_prompt_relay(False)  # as if the publish after commit had failed
    do_request_password_reset(person.email)
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        assert not smtp_server.received.wait(2)
        relay_outbox.delay()
        assert smtp_server.received.wait(30), "relay_outbox did not hand the message to a worker"
    assert [m["To"] for m in smtp_server.messages] == [person.email]


def test_every_beat_entry_runs_a_task_the_worker_knows():
    """A beat entry whose task no TASK_MODULES module defines would be dropped by the worker."""
    from cc_network.worker import celery_app

    schedule = celery_app.conf.beat_schedule
    assert "weekly-report-reminders" in schedule
    for name, entry in schedule.items():
        assert entry["task"] in celery_app.tasks, name
