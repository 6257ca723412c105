"""The e2e tier: `reflex run --env prod` on its own database and port, driven by Debian's Chromium.

The server is started once per session in its own process group (reflex ignores
SIGTERM without a terminal, so the whole group is killed at the end).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_TIMEOUT = 900  # the first production build can take minutes


def pytest_collection_modifyitems(config, items):  # noqa: ARG001
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.e2e)
            if not os.path.exists(CHROMIUM):
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is missing (apt-get install chromium)"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


@dataclass
class Server:
    base_url: str
    api_url: str
    env: dict
    log: Path

    def run(self, *args: str) -> object:
        """A tests.e2e.seed command against the server's database; its JSON output."""
        done = subprocess.run([sys.executable, "-m", "tests.e2e.seed", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"seed {args} failed:\n{done.stderr[-3000:]}"
        return json.loads(done.stdout) if done.stdout.strip() else None


@pytest.fixture(scope="session")
def server():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing")
    tmp = Path(tempfile.mkdtemp(prefix="cc-e2e-"))
    # In prod mode Reflex serves the built frontend from the backend: one port for both.
    port = backend_port = _free_port()
    venv_bin = str(ROOT / ".venv" / "bin")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CC_", "REFLEX_"))}
    env.update({
        "PATH": f"{venv_bin}:{env.get('PATH', '')}",
        "REFLEX_USE_NPM": "1",
        # its own build directory: `make run` or another test may build .web at the same time
        "REFLEX_WEB_WORKDIR": str(ROOT / ".web-e2e"),
        "REFLEX_STATES_WORKDIR": str(tmp / "states"),
        "CC_DATABASE_URL": f"sqlite:///{tmp / 'e2e.db'}",
        "CC_DATA_DIR": str(tmp),
        "CC_SECRET_KEY": "e2e-secret-key",
        "CC_PORT": str(port),
        "CC_BACKEND_PORT": str(backend_port),
        "CC_BASE_URL": f"http://localhost:{port}",
        "CC_API_URL": f"http://localhost:{backend_port}",
        # every browser of the run signs in from 127.0.0.1: the per-address limit would
        # refuse the later tests' sign-ins (the limiter has its own unit tests)
        "CC_LOGIN_RATE_LIMIT": "200/minute",
    })
    srv = Server(f"http://localhost:{port}", f"http://localhost:{backend_port}", env, tmp / "reflex.log")
    srv.run("seed")
    log = open(srv.log, "w")  # noqa: SIM115  (closed at teardown)
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "reflex"), "run", "--env", "prod", "--frontend-port", str(port),
         "--backend-port", str(backend_port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not (_answers(f"{srv.api_url}/api/v1/health") and _answers(f"{srv.base_url}/login")):
            if proc.poll() is not None:
                pytest.fail(f"reflex exited with {proc.returncode}:\n{srv.log.read_text()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"reflex did not answer in {START_TIMEOUT}s:\n{srv.log.read_text()[-4000:]}")
            time.sleep(2)
        yield srv
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                continue
        # the group also holds node and the workers: make sure none is left
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def browser(server):  # noqa: ARG001  (no browser without a server to drive)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser profile per test: no cookie, no stored language."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    p = context.new_page()
    yield p
    context.close()
