"""Isolation matrix of the statistics pages: the statistics table (filters may carry centre A's
ids: they find nothing of A), the cut-off settings (a save changes the caller's own centre),
the dashboards and the network figures (network admins only)."""

from __future__ import annotations

from datetime import datetime

from integrations.db import system_session, utcnow
from tenants.portal.profiles import services as prof
from tests.conftest import create_person
from tests.reporting.statistics.util import put
from tests.ui.matrix_cases import View
from workflows.reporting.models import ReportingSettings

STATS = "/staff/statistics"
SETTINGS = "/staff/statistics/settings"


def setup(a, ids: dict, secrets: list) -> None:
    """A's statistics: a counselor and an establishment whose names only A may read, and a
    late visit; A's host recipients."""
    mgr = a.manager.actor
    est = prof.do_save_establishment(mgr, a.tenant_id, {"name": "Alpha Stats Faculty", "city": "Alphaville"})
    counselor = create_person("stats-counselor@alpha.test", tenant_id=a.tenant_id, roles=["career_counselor"],
                              name="Alpha Stats Counselor")
    now = utcnow()
    put(a, "visit", 424242, datetime(now.year, now.month, 1, 10, tzinfo=now.tzinfo),
        counselor=counselor.membership_id, recorded_at=now)
    with system_session("matrix setup") as s:
        s.add(ReportingSettings(tenant_id=a.tenant_id, host_recipients=["alpha-stats-secret@univ.test"]))
        s.commit()
    ids.update(stats_establishment_id=est.id, stats_counselor_mid=counselor.membership_id)
    secrets += ["Alpha Stats Counselor", "Alpha Stats Faculty", "alpha-stats-secret@univ.test"]


ENTRIES: dict = {
    "StatisticsState.on_load": View(STATS),
    "StatisticsState.apply": View(STATS, lambda a: ({
        "start": "2020-01-01", "end": "2020-12-31", "unit": "week", "group1": "counselor", "group2": "establishment",
        "group3": "kind", "kind": "visit", "counselor": str(a["stats_counselor_mid"]),
        "establishment": str(a["stats_establishment_id"]), "field": "", "level": "", "gender": ""},)),
    "StatisticsState.preset": View(STATS, lambda a: ("month",)),
    "StatsSettingsState.on_load": View(SETTINGS),
    # a save writes the caller's own centre's settings, never A's
    "StatsSettingsState.save": View(SETTINGS, lambda a: ({"cutoff": "2", "meeting": "4",
                                                          "recipients": "b-side@univ.test"},)),
    "DashboardState.on_load_staff": View("/staff/dashboard"),
    "DashboardState.on_load_host": View("/host/dashboard"),
    "DashboardState.change_unit": View("/staff/dashboard", lambda a: ("week",)),
    "FiguresState.on_load": View("/admin/figures"),
    "FiguresState.apply": View("/admin/figures", lambda a: ({"start": "2020-01-01", "end": "2020-12-31"},)),
}
