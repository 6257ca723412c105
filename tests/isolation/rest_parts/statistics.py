"""REST isolation cases of the statistics (T03, P24), their exports, the reporting settings and
the dashboard. No route takes an id besides the centre: what matters is who may call them and
that another centre's path answers not_found."""

from __future__ import annotations

from tenants.core.roles import Perm
from tests.isolation.test_rest_matrix import PREFIX, Case

NOVEMBER = {"start": "2031-11-01", "end": "2031-11-30"}

CASES: dict = {
    ("GET", PREFIX + "/statistics"): Case(Perm.STATS_VIEW, params={**NOVEMBER, "group_by": "kind,period"}),
    ("GET", PREFIX + "/statistics/export"): Case(Perm.STATS_VIEW, params={**NOVEMBER, "format": "xlsx"}),
    ("GET", PREFIX + "/statistics/late"): Case(Perm.STATS_VIEW, params=NOVEMBER),
    ("GET", PREFIX + "/statistics/late/export"): Case(Perm.STATS_VIEW, params={**NOVEMBER, "format": "csv"}),
    ("GET", PREFIX + "/reporting-settings"): Case(Perm.STATS_VIEW),
    ("PUT", PREFIX + "/reporting-settings"): Case(
        Perm.TENANT_SETTINGS, body=lambda ctx, w: {"cutoff_weekday": 3, "meeting_weekday": 4,
                                                   "host_recipients": [f"presidence@{w.slug}.test"]}),
    ("GET", PREFIX + "/dashboard"): Case(Perm.STATS_VIEW),
    ("GET", PREFIX + "/dashboard/export"): Case(Perm.STATS_VIEW, params={**NOVEMBER, "format": "pdf"}),
}
