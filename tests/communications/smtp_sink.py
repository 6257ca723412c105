"""A local SMTP sink in its own process (so the test's or bench's own Python does not slow it):
every accepted message appends "recipient<TAB>Message-ID" to a file.

    python -m tests.communications.smtp_sink PORT FILE [HOLD_AT]

With HOLD_AT, the sink records its HOLD_AT-th message but leaves that final "." unanswered
until FILE.release exists: a test kills its worker while a message is surely in flight
(the server has it, the worker never heard so).
"""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

_MSGID = re.compile(rb"^Message-ID:\s*(\S+)", re.I | re.M)


class _Handler:
    def __init__(self, out, hold_at: int | None, release: Path) -> None:  # noqa: ANN001
        self.out, self.hold_at, self.release = out, hold_at, release
        self.accepted = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        m = _MSGID.search(envelope.original_content or b"")
        line = f"{','.join(envelope.rcpt_tos)}\t{m.group(1).decode() if m else ''}\n"
        with self.lock:
            self.out.write(line)
            self.out.flush()
            self.accepted += 1
            held = self.accepted == self.hold_at
        while held and not self.release.exists():
            await asyncio.sleep(0.05)
        return "250 OK"


def main() -> None:
    from aiosmtpd.controller import Controller

    port, path = int(sys.argv[1]), sys.argv[2]
    hold_at = int(sys.argv[3]) if len(sys.argv) > 3 else None
    with open(path, "a", encoding="utf-8") as out:
        c = Controller(_Handler(out, hold_at, Path(path + ".release")), hostname="127.0.0.1", port=port)
        c.start()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        print("ready", flush=True)
        stop.wait()
        c.stop()


class Sink:
    """Start and read the sink from a test or a bench."""

    def __init__(self, path: Path, port: int, hold_at: int | None = None) -> None:
        self.path, self.port, self.hold_at = path, port, hold_at
        self.url = f"smtp://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Sink:
        root = Path(__file__).resolve().parents[2]
        args = [sys.executable, "-m", "tests.communications.smtp_sink", str(self.port), str(self.path)]
        if self.hold_at is not None:
            args.append(str(self.hold_at))
        self.proc = subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)

    def release(self) -> None:
        """End the hold: the held reply goes out (to whoever still listens)."""
        Path(str(self.path) + ".release").touch()

    def lines(self) -> list[tuple[str, str]]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            rcpt, _, mid = line.partition("\t")
            out.append((rcpt, mid))
        return out

    def count(self) -> int:
        return len(self.lines())

    def wait_for(self, n: int, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.count() >= n:
                return True
            time.sleep(0.05)
        return False


if __name__ == "__main__":
    main()
