from __future__ import annotations

import pytest

from integrations import ratelimit
from tests.integrations.social_fakes import FakeSocial


class FakeClock:
    """The gate's clock: sleeping records the wait and moves time on, instantly."""

    def __init__(self, start: float):
        self.t = start
        self.waits: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.t += seconds


@pytest.fixture
def clock(monkeypatch):
    c = FakeClock(ratelimit.now())
    monkeypatch.setattr(ratelimit, "now", c.now)
    monkeypatch.setattr(ratelimit, "sleep", c.sleep)
    return c


@pytest.fixture
def fake():
    f = FakeSocial().start()
    yield f
    f.stop()
