"""REST isolation case of the benchmark: a centre's staff see their centre against anonymous
peers; no id besides the centre, so what matters is who may call it and that another centre's
path answers not_found. The network routes (/benchmark, /benchmark/centres/{id}) are covered by
tests/assessment/test_benchmark_rest.py."""

from __future__ import annotations

from tenants.core.roles import Perm
from tests.isolation.test_rest_matrix import PREFIX, Case

CASES: dict = {
    ("GET", PREFIX + "/benchmark"): Case(Perm.ASSESSMENT_VIEW, params={"peer_group": "all"}),
}
