"""The embedded broker writes each message whole (integrations/broker.py): a reader polling
the folder as a worker does never meets an empty or partial message."""

from __future__ import annotations

import threading

from kombu import Connection
from kombu.transport import resolve_transport

import integrations.broker  # noqa: F401


def test_the_filesystem_scheme_uses_the_atomic_transport():
    assert resolve_transport("filesystem") is integrations.broker.Transport


def test_a_polling_reader_never_meets_a_partial_message(tmp_path):
    folder = tmp_path / "q"
    folder.mkdir()
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    big = "x" * 200_000  # large enough that a non-atomic write is seen half-done
    n, got, errors = 300, [], []
    done = threading.Event()

    def consume() -> None:
        with Connection("filesystem://", transport_options=options) as conn:
            q = conn.SimpleQueue("work")
            while len(got) < n:
                try:
                    got.append(q.get(timeout=5).payload)
                except q.Empty:
                    if done.is_set():
                        break
                except Exception as exc:  # noqa: BLE001  (what the race would raise)
                    errors.append(exc)
                    break

    reader = threading.Thread(target=consume)
    reader.start()
    with Connection("filesystem://", transport_options=options) as conn:
        q = conn.SimpleQueue("work")
        for i in range(n):
            q.put({"i": i, "body": big})
    done.set()
    reader.join(60)
    assert errors == [] and len(got) == n
    assert sorted(m["i"] for m in got) == list(range(n)) and all(m["body"] == big for m in got)
    assert not list(folder.glob("*.part"))
