"""Issue 7's mailing benchmark: 10,000 personalised e-mails to a local SMTP sink with 2 workers,
against a bare pooled-SMTP send loop (one connection, messages formatted in the loop) in the same
run. Goal: throughput at least half the bare loop's, i.e. a time at most twice its time."""

from __future__ import annotations

import os
import smtplib
import statistics
import time

from sqlmodel import select

from integrations.db import tenant_session, utcnow
from integrations.settings import reset_settings
from tests.bench.conftest import Result
from tests.communications.mailing_util import add_students
from tests.communications.smtp_sink import Sink
from tests.communications.test_mailing_reliability import ROOT, _start_worker, _states, _stop
from tests.jobs.conftest import free_port
from workflows.communications import mailing
from workflows.communications.delivery import mime_bytes
from workflows.communications.models import Mailing, MailSettings

N = 10_000
ROUNDS = 3


def _bare(sink: Sink, emails: list[str]) -> float:
    """The least machinery: one SMTP connection, each message formatted (the same message builder
    as the product's) and sent in a loop; no database, no template, no worker."""
    t0 = time.perf_counter()
    client = smtplib.SMTP("127.0.0.1", sink.port)
    for i, email in enumerate(emails):
        data = mime_bytes("no-reply@cc-network.local", email, "Forum de l'emploi", f"Bonjour Salma{i}, le forum "
                          "ouvre lundi.", f"<bare-{i}@bench>", {})
        client.sendmail("no-reply@cc-network.local", [email], data)
    client.quit()
    return time.perf_counter() - t0


def test_10000_personalised_emails_with_two_workers(world_a, run_outbox, tmp_path, monkeypatch, record):
    import workflows.communications.delivery  # noqa: F401  (the dispatch handler)

    sink = Sink(tmp_path / "sink.txt", free_port()).start()
    monkeypatch.setenv("CC_SMTP_URL", sink.url)
    reset_settings()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    emails = add_students(world_a.tenant_id, N)
    workers = [_start_worker(env, tmp_path / f"w{i}.log") for i in range(2)]
    ours, bare = [], []
    try:
        time.sleep(3)  # both workers up
        for r in range(ROUNDS):
            mid = mailing.do_create_mailing(world_a.counselor.actor, world_a.tenant_id, title=f"Forum {r}",
                                            subject={"fr": "Forum de l'emploi"},
                                            body={"fr": "Bonjour {{ first_name }}, le forum ouvre lundi."},
                                            audience={"kind": "students"})
            # the cap would skip the second round's students: this bench measures sending
            with tenant_session(world_a.tenant_id) as s:
                if s.exec(select(MailSettings)).first() is None:
                    s.add(MailSettings(tenant_id=world_a.tenant_id, weekly_cap=0))
                    s.commit()
            assert mailing.do_schedule_mailing(world_a.counselor.actor, world_a.tenant_id, mid) == N
            before = sink.count()
            t0 = time.perf_counter()
            assert run_outbox() == ["sent"]
            assert sink.wait_for(before + N, 900), "the workers did not send the mailing"
            ours.append(time.perf_counter() - t0)
            assert _states(world_a.tenant_id, mid) == {"sent": N}
            bare.append(_bare(sink, emails))
    finally:
        for w in workers:
            _stop(w)
        sink.stop()
    with tenant_session(world_a.tenant_id) as s:
        assert all(m.state == "sent" for m in s.exec(select(Mailing)).all())
    r = record(Result(f"mailing: {N:,} personalised e-mails to a local SMTP sink, 2 workers (whole mailing)",
                      "≤ 2× the bare loop (throughput ≥ 0.5×)", statistics.median(ours),
                      f"bare pooled-SMTP loop, one connection, {N:,} messages", statistics.median(bare)))
    print(f"throughput: {N / r.median_s:.0f} msg/s vs bare {N / r.baseline_median_s:.0f} msg/s "
          f"(ratio {r.baseline_median_s / r.median_s:.2f}); at {utcnow():%H:%M}")
