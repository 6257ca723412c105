"""Benchmarks (DESIGN §10): every figure beside a baseline doing the same work with the
least machinery, in the same process; the ratio is what stays comparable.

They run only under `make bench` (CC_BENCH=1), which rewrites BENCHMARKS.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from integrations.settings import ROOT

RESULTS: list[Result] = []


@dataclass
class Result:
    figure: str
    goal: str
    median_s: float
    baseline: str
    baseline_median_s: float

    @property
    def ratio(self) -> float:
        return self.median_s / self.baseline_median_s


def pytest_collection_modifyitems(config, items):  # noqa: ANN001
    if os.environ.get("CC_BENCH") == "1":
        return
    skip = pytest.mark.skip(reason="benchmarks run with `make bench` (CC_BENCH=1)")
    for item in items:
        if "tests/bench/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


def compare(fn: Callable[[], object], baseline: Callable[[], object], *, rounds: int = 300,
            warmup: int = 20) -> tuple[float, float]:
    """Medians of fn and baseline, interleaved so machine noise hits both alike."""
    for _ in range(warmup):
        fn()
        baseline()
    a, b = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        baseline()
        t2 = time.perf_counter()
        a.append(t1 - t0)
        b.append(t2 - t1)
    return statistics.median(a), statistics.median(b)


@pytest.fixture
def record():
    def _record(result: Result) -> Result:
        RESULTS.append(result)
        print(f"\n{result.figure}: median {result.median_s * 1e3:.3f} ms, baseline "
              f"{result.baseline_median_s * 1e3:.3f} ms, ratio {result.ratio:.1f}× (goal: {result.goal})")
        return result

    return _record


def _machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}, {platform.system()}"


def pytest_sessionfinish(session, exitstatus):  # noqa: ANN001
    if not RESULTS or os.environ.get("CC_BENCH") != "1":
        return
    from integrations.settings import get_settings

    db = "PostgreSQL" if get_settings().database_url.startswith("postgresql") else "SQLite"
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (code in `tests/bench/`). Each figure runs in the same process",
        "beside a baseline doing the same work with the least machinery; compare ratios, not",
        "milliseconds, across machines.",
        "",
        "| figure | goal | median | baseline | baseline median | ratio | database | machine | date |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in RESULTS:
        lines.append(f"| {r.figure} | {r.goal} | {r.median_s * 1e3:.3f} ms | {r.baseline} | "
                     f"{r.baseline_median_s * 1e3:.3f} ms | {r.ratio:.1f}× | {db} | {_machine()} | {date} |")
    # a run replaces its own figures on its own database and keeps the rest (`make bench` on
    # SQLite, then with CC_TEST_DATABASE_URL on PostgreSQL: both end up in the file)
    path = ROOT / "BENCHMARKS.md"
    mine = {(r.figure, db) for r in RESULTS}
    if path.exists():
        for row in path.read_text(encoding="utf-8").splitlines():
            cells = [c.strip() for c in row.strip("|").split("|")]
            if row.startswith("| ") and len(cells) == 9 and cells[0] != "figure" and (cells[0], cells[6]) not in mine:
                lines.append(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n" + "\n".join(lines[6:]))
