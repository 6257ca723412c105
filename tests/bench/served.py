"""An ASGI app served by granian, the server `reflex run --env prod` serves the backend with,
in a process of its own, for benchmarks that call the REST API as a client does: over a
socket, on a kept-alive HTTP/1.1 connection. The server inherits this process's environment
(the test database, data folder and secret key)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from integrations.settings import ROOT

GRANIAN = Path(sys.executable).with_name("granian")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(target: str, *, env: dict[str, str] | None = None, ready_path: str = "/") -> Iterator[Client]:
    """Serve `module:app` and yield a client on a kept-alive connection to it."""
    port = _free_port()
    proc = subprocess.Popen(
        [str(GRANIAN), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--log-level", "warning", target],
        cwd=ROOT, env=os.environ | (env or {}), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"granian exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                client = Client(port)
                client.request("GET", ready_path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield client
        client.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class Client:
    """The least an HTTP client does (the standard library's), so the figure is the server's."""

    def __init__(self, port: int) -> None:
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: dict | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} | (headers or {})
        try:
            self._conn.request(method, path, body=data, headers=headers)
        except (BrokenPipeError, ConnectionResetError):
            # the server closed the kept-alive connection while it sat idle: the request never
            # left, so sending it again on a new connection is safe
            self._conn.close()
            self._conn.request(method, path, body=data, headers=headers)
        r = self._conn.getresponse()
        raw = r.read()
        return r.status, (json.loads(raw) if raw and r.getheader("content-type", "").startswith(
            "application/json") else {})

    def close(self) -> None:
        self._conn.close()
