"""Issue 7's reliability tests for mailings: a worker killed with SIGKILL in the middle of a
5,000-recipient mailing, and Redis stopped while a mailing is scheduled.

Real processes: a Celery worker started as `celery worker` in its own process group (killed with
SIGKILL, then a fresh one started), a local SMTP server (aiosmtpd), and for the Redis test a
private redis-server on a free port that the test stops and starts again.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import func, select

from integrations.db import system_session, tenant_session
from integrations.outbox import OutboxMessage
from integrations.settings import reset_settings
from tests.communications.mailing_util import add_students
from tests.communications.smtp_sink import Sink
from tests.jobs.conftest import free_port
from workflows.communications import mailing
from workflows.communications.models import MailDelivery, Mailing

ROOT = Path(__file__).resolve().parents[2]
STALE = 2


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "celery", "-A", "cc_network.worker:celery_app", "worker", "--pool=solo",
           "-Q", "celery,mail", "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "WARNING"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def _states(tenant_id: int, mailing_id: int) -> dict[str, int]:
    with tenant_session(tenant_id) as s:
        return dict(s.exec(select(MailDelivery.state, func.count()).where(
            MailDelivery.mailing_id == mailing_id).group_by(MailDelivery.state)).all())


def _wait(pred, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


HOLD_AT = 1300  # mid-batch (batches of 200): the sink holds its reply to that message


@pytest.fixture
def sink(tmp_path):
    s = Sink(tmp_path / "sink.txt", free_port(), hold_at=HOLD_AT).start()
    yield s
    s.stop()


@pytest.fixture
def worker_env(monkeypatch, sink):
    monkeypatch.setenv("CC_MAIL_STALE_SECONDS", str(STALE))
    monkeypatch.setenv("CC_SMTP_URL", sink.url)
    reset_settings()
    yield dict(os.environ, PYTHONPATH=str(ROOT))
    monkeypatch.delenv("CC_MAIL_STALE_SECONDS", raising=False)
    monkeypatch.delenv("CC_SMTP_URL", raising=False)
    reset_settings()


def _dispatch(run_outbox) -> None:
    # the outbox relay's work: the dispatch message publishes the batches on the broker
    assert run_outbox() == ["sent"]


@pytest.mark.timeout(300)
def test_a_worker_killed_mid_mailing_then_restarted_sends_5000_messages_exactly_once(
        world_a, sink, worker_env, run_outbox, tmp_path):
    import workflows.communications.delivery  # noqa: F401  (registers the dispatch handler)
    from workflows.communications.delivery_tasks import sweep_mailings

    emails = add_students(world_a.tenant_id, 5000)
    mid = mailing.do_create_mailing(world_a.counselor.actor, world_a.tenant_id, title="Forum", subject={"fr": "Forum de l'emploi"},
                                    body={"fr": "Bonjour {{ first_name }}, le forum ouvre lundi."},
                                    audience={"kind": "students"})
    assert mailing.do_schedule_mailing(world_a.counselor.actor, world_a.tenant_id, mid) == 5000
    log = tmp_path / "worker.log"
    first = _start_worker(worker_env, log)
    try:
        _dispatch(run_outbox)
        assert sink.wait_for(HOLD_AT, 180), "the first worker did not send 1,300 messages"
        time.sleep(0.3)  # the worker is now waiting on the held message's reply
        os.killpg(first.pid, signal.SIGKILL)  # mid-batch, no chance to clean up
        first.wait(10)
        at_kill = sink.count()
        assert at_kill == HOLD_AT, "the sink accepted more than it was told to"
        states = _states(world_a.tenant_id, mid)
        assert states.get("sending", 0) > 0, f"no batch was in flight: {states}"
    finally:
        _stop(first, signal.SIGKILL)
        sink.release()
    second = _start_worker(worker_env, log)
    try:
        time.sleep(STALE + 0.5)  # the dead worker's claim goes stale
        sweep_mailings.delay()  # what beat does every minute
        _wait(lambda: _states(world_a.tenant_id, mid) == {"sent": 5000}, 240,
              f"every delivery sent (log: {log.read_text()[-2000:] if log.exists() else ''})")
    finally:
        _stop(second)
    received = sink.lines()
    ids = Counter(mid for _, mid in received)
    assert len(ids) == 5000 and set(ids.values()) == {1}, ids.most_common(3)
    assert sorted(rcpt for rcpt, _ in received) == sorted(emails)
    with tenant_session(world_a.tenant_id) as s:
        assert s.get(Mailing, mid).state == "sent"


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of the test's own, which the test may stop and start again."""
    exe = shutil.which("redis-server")
    if not exe:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    port = free_port()

    class R:
        url = f"redis://127.0.0.1:{port}/0"
        proc: subprocess.Popen | None = None

        def start(self):
            self.proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                          "--appendonly", "no", "--dir", str(tmp_path)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            import redis

            _wait(lambda: _ping(redis, self.url), 20, "redis to start")

        def stop(self):
            if self.proc and self.proc.poll() is None:
                self.proc.terminate()
                self.proc.wait(20)

    r = R()
    yield r
    r.stop()


def _ping(redis_mod, url: str) -> bool:
    try:
        return bool(redis_mod.Redis.from_url(url, socket_timeout=0.5).ping())
    except Exception:  # noqa: BLE001 - not up yet
        return False


@pytest.mark.timeout(240)
def test_redis_stopped_while_a_mailing_is_scheduled_loses_nothing(
        world_a, sink, worker_env, private_redis, monkeypatch, tmp_path, request):
    """The mailing's dispatch waits in the outbox while the broker is down, and every message goes
    once Redis is back: the relay (beat's job) publishes it, a worker sends it."""
    import workflows.communications.delivery  # noqa: F401
    from cc_network.worker import make_celery
    from integrations import outbox
    from integrations.settings import get_settings
    from integrations.tasks import enable_prompt_relay

    emails = add_students(world_a.tenant_id, 50)
    mid = mailing.do_create_mailing(world_a.counselor.actor, world_a.tenant_id, title="Forum", subject={"fr": "Forum"},
                                    body={"fr": "Bonjour {{ first_name }}"}, audience={"kind": "students"})
    # Redis is down when the mailing is scheduled and when its time comes
    monkeypatch.setenv("CC_BROKER_URL", private_redis.url)
    reset_settings()
    from celery import current_app

    previous = current_app._get_current_object()
    app = make_celery(get_settings())
    request.addfinalizer(previous.set_current)  # later tests publish through the usual app again
    request.addfinalizer(lambda: enable_prompt_relay(False))  # make_celery turned it on
    app.conf.broker_connection_retry = False
    app.conf.broker_connection_max_retries = 0
    app.conf.broker_transport_options = {"max_retries": 0}
    app.set_current()
    mailing.do_schedule_mailing(world_a.counselor.actor, world_a.tenant_id, mid)
    with system_session("test relay") as s:
        (msg_id,) = outbox.due_ids(s)
        state = outbox.deliver(s, msg_id)
    assert state == "pending"  # publishing failed: kept for a later attempt, with the error
    with system_session("test") as s:
        msg = s.get(OutboxMessage, msg_id)
        assert msg.attempts == 1 and msg.last_error
        msg.available_at = msg.created_at  # skip the backoff for the test
        s.add(msg)
        s.commit()
    assert _states(world_a.tenant_id, mid) == {"queued": 50}
    # Redis returns; a worker on it; the relay's next pass publishes the dispatch
    private_redis.start()
    env = dict(worker_env, CC_BROKER_URL=private_redis.url)
    worker = _start_worker(env, tmp_path / "worker.log")
    try:
        with system_session("test relay") as s:
            assert outbox.deliver(s, msg_id) == "sent"
        _wait(lambda: _states(world_a.tenant_id, mid) == {"sent": 50}, 120, "the mailing to be sent")
    finally:
        _stop(worker)
    assert sorted(rcpt for rcpt, _ in sink.lines()) == sorted(emails)
