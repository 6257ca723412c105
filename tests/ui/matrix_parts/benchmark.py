"""Isolation matrix of the benchmark pages. Centre A, B and three more centres are in the
benchmark; B's people (every role) see at most B against anonymous peers: never A's name or
scores, whatever centre id or peer group they send. The evaluator's scope (an unassigned centre
is not named) is tested in tests/assessment/test_benchmark_scope.py."""

from __future__ import annotations

from tests.assessment.bench_helpers import evaluated
from tests.assessment.factories import make_model
from tests.conftest import create_tenant
from tests.ui.matrix_cases import View

STAFF = "/staff/assessment/benchmark"


def setup(a, ids: dict, secrets: list) -> None:
    mid = make_model(domains=2, criteria=2)
    evaluated(a.tenant_id, mid, {"D1.1": 3, "D1.2": 1, "D2.1": 0, "D2.2": 2}, kind="university")
    for i in range(3):
        evaluated(create_tenant(f"bench-peer-{i}", f"Bench Secret Peer {i}"), mid, i, kind="university")
    ids.update(bench_model_id=mid)
    secrets += ["Bench Secret Peer 0", "Bench Secret Peer 1", "Bench Secret Peer 2"]


ENTRIES: dict = {
    "BenchmarkState.on_load_staff": View(STAFF),
    "BenchmarkState.on_load_evaluator": View("/evaluator/benchmark"),
    "BenchmarkState.on_load_admin": View("/admin/benchmark"),
    "BenchmarkState.choose_group": View(STAFF, lambda a: ("all",)),
    "BenchmarkState.choose_model": View(STAFF, lambda a: (str(a["bench_model_id"]),)),
    # the staff page never opens another centre
    "BenchmarkState.open_centre": View(STAFF, lambda a: (a["tenant_id"],)),
    "BenchmarkState.close_centre": View(STAFF),
}
