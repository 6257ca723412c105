"""`cc-network run` without the Reflex build: worker and beat start, deliver mail, and
SIGTERM leaves no process behind (issue 2 §3)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cc_network.runner import group_alive
from integrations.settings import ROOT

REDIS_URL = os.environ.get("CC_TEST_REDIS_URL")


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _pgids(lines: list[str]) -> dict[str, int]:
    out = {}
    for line in lines:
        if "[cc-network] started" in line:
            parts = dict(p.split("=") for p in line.split() if "=" in p)
            out[line.split()[2]] = int(parts["pgid"])
    return out


def _members_of(pgids: set[int]) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) in pgids and fields[0] not in ("Z", "X"):
                pids.append(int(entry.name))
    return pids


@pytest.mark.parametrize("broker", [
    "filesystem",
    pytest.param("redis", marks=[pytest.mark.redis,
                                 pytest.mark.skipif(not REDIS_URL, reason="needs CC_TEST_REDIS_URL")]),
])
def test_worker_and_beat_deliver_then_stop_cleanly(tmp_path, broker):
    env = dict(os.environ)
    env.update(CC_DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}", CC_DATA_DIR=str(tmp_path),
               PYTHONUNBUFFERED="1")
    env.pop("CC_SMTP_URL", None)
    env.pop("CC_BROKER_URL", None)
    if broker == "redis":
        env["CC_REDIS_URL"] = REDIS_URL
    else:
        env.pop("CC_REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "cc_network.cli", "run", "--no-app"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    pgids: dict[str, int] = {}
    try:
        _wait_for(lambda: " ready." in "".join(lines) and "beat: Starting" in "".join(lines), 90,
                  "worker and beat to start:\n" + "".join(lines))
        pgids = _pgids(lines)
        assert set(pgids) == {"worker", "beat"}
        assert "demo network loaded" in "".join(lines)
        children = _members_of(set(pgids.values()))
        assert len(children) >= 3  # worker (with its pool processes) and beat

        # A reset request written by another process: beat's relay hands it to the worker.
        subprocess.run([sys.executable, "-c",
                        "from tenants.auth.services import do_request_password_reset as r; "
                        "r('manager@al-qalam.demo.cc-network.ma')"],
                       cwd=ROOT, env=env, check=True)
        db = tmp_path / "run.db"

        def delivered() -> bool:
            with sqlite3.connect(db) as conn:
                return conn.execute("SELECT COUNT(*) FROM dev_mail WHERE to_email = ?",
                                    ("manager@al-qalam.demo.cc-network.ma",)).fetchone()[0] == 1
        _wait_for(delivered, 40, "the reset e-mail in the dev mailbox:\n" + "".join(lines[-30:]))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            for g in pgids.values():
                os.killpg(g, signal.SIGKILL)
            raise
    assert code == 0, "".join(lines[-30:])
    assert "[cc-network] stopped" in "".join(lines)
    assert not any(group_alive(g) for g in pgids.values())
    assert _members_of(set(pgids.values())) == []
