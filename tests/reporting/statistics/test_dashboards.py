"""Dashboards (issue 9 §5): activity over time, plan vs actual, satisfaction, sourcing results;
network admins see every centre's headline figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import update

from integrations.db import tenant_session, transaction, utcnow
from integrations.errors import Forbidden, Invalid
from tenants.calendar.models import AcademicYear
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.pipeline.models import ShortlistEntry
from tests.reporting.statistics.util import CASA, put
from tests.sourcing.util import make_company, make_need
from workflows.planning.models import ActionPlan, ActionPlanVersion
from workflows.reporting import dashboards as dash

D1 = datetime(2025, 10, 6, 10, tzinfo=CASA)
D2 = datetime(2025, 11, 4, 10, tzinfo=CASA)


def _year(world, starts: date, ends: date) -> int:
    with tenant_session(world.tenant_id) as s, transaction(s):
        y = AcademicYear(tenant_id=world.tenant_id, label=f"{starts.year}-{ends.year}", starts_on=starts,
                         ends_on=ends)
        s.add(y)
        s.flush()
        return y.id


def _plan(world, year_id: int, versions: list[tuple[str, dict]]) -> None:
    with tenant_session(world.tenant_id) as s, transaction(s):
        p = ActionPlan(tenant_id=world.tenant_id, academic_year_id=year_id, title="Plan d'action 2025-2026",
                       status="validated", current_version_no=len(versions))
        s.add(p)
        s.flush()
        for i, (status, content) in enumerate(versions, start=1):
            s.add(ActionPlanVersion(tenant_id=world.tenant_id, plan_id=p.id, version_no=i, status=status,
                                    content=content, host_validated_at=utcnow() if status == "validated" else None))


def test_activity_over_time_is_one_point_per_month(world_a):
    a = world_a
    put(a, "visit", 1, D1)
    put(a, "visit", 2, D2)
    put(a, "visit", 3, D2 + timedelta(days=1))
    put(a, "event_held", 4, D2, event_type="workshop")
    d = dash.dashboard(a.manager.actor, a.tenant_id, start=date(2025, 9, 1), end=date(2025, 11, 30))
    assert [(p["period"], p["visit"], p["event_held"]) for p in d.activity] == [
        ("2025-10-01", 1, 0), ("2025-11-01", 2, 1)]
    w = dash.dashboard(a.manager.actor, a.tenant_id, start=date(2025, 11, 1), end=date(2025, 11, 30), unit="week")
    assert [(p["period"], p["visit"]) for p in w.activity] == [("2025-11-03", 2)]


def test_plan_vs_actual_reads_the_validated_version_of_this_year(world_a):
    a = world_a
    today = utcnow().astimezone(CASA).date()
    year = _year(a, today - timedelta(days=60), today + timedelta(days=200))
    content = {"activities": [
        {"key": "a1", "metric": "visits", "targets": {"S1": 10, "S2": 15}},
        {"key": "a2", "metric": "visits", "targets": {"S1": 5, "S2": "beaucoup"}},
        {"key": "a3", "metric": "workshops", "targets": {"S1": 4, "S2": 4}}]}
    draft = {"activities": [{"key": "a1", "metric": "visits", "targets": {"S1": 999}}]}
    _plan(a, year, [("validated", content), ("draft", draft)])
    put(a, "visit", 1, utcnow() - timedelta(days=3))
    put(a, "visit", 2, utcnow() - timedelta(days=100))  # before the academic year
    d = dash.dashboard(a.people["host_approver"].actor, a.tenant_id)
    assert (d.plan_title, d.plan_version) == ("Plan d'action 2025-2026", 1)
    assert d.plan == [{"metric": "workshops", "target": 8.0, "actual": 0.0},
                      {"metric": "visits", "target": 30.0, "actual": 1.0}]
    assert d.start == today - timedelta(days=60)


def test_no_validated_plan_means_no_plan_chart(world_a):
    a = world_a
    today = utcnow().astimezone(CASA).date()
    _plan(a, _year(a, today - timedelta(days=10), today + timedelta(days=10)),
          [("draft", {"activities": [{"key": "x", "metric": "visits", "targets": {"S1": 3}}]})])
    assert dash.dashboard(a.manager.actor, a.tenant_id).plan == []


def test_sourcing_results_count_the_pipeline(world_a):
    a = world_a
    acme = make_company(a)
    n1, n2 = make_need(a, acme), make_need(a, acme, title="Comptable")
    with tenant_session(a.tenant_id) as s, transaction(s):
        s.execute(update(JobNeed).where(JobNeed.id == n1).values(received_at=D2, sent_at=D2))
        s.execute(update(JobNeed).where(JobNeed.id == n2).values(received_at=D1))
        s.add(ShortlistEntry(tenant_id=a.tenant_id, need_id=n1, student_membership_id=a.student.membership_id,
                             created_at=D2, outcome="hired", outcome_at=D2))
    d = dash.dashboard(a.manager.actor, a.tenant_id, start=date(2025, 11, 1), end=date(2025, 11, 30))
    assert d.sourcing == {"received": 1, "shortlisted": 1, "sent": 1, "hired": 1}


def test_dashboard_permissions_and_bad_input(worlds):
    a, b = worlds
    with pytest.raises(Forbidden):
        dash.dashboard(a.student.actor, a.tenant_id)
    with pytest.raises(Forbidden):
        dash.dashboard(b.manager.actor, a.tenant_id)
    with pytest.raises(Invalid) as exc:
        dash.dashboard(a.manager.actor, a.tenant_id, start=date(2025, 1, 1), end=date(2025, 1, 31), unit="day")
    assert exc.value.code == "invalid_unit"


def test_network_admins_see_every_centre_and_the_total(worlds, network_admin):
    a, b = worlds
    put(a, "visit", 1, D2, student=a.student.membership_id)
    put(a, "visit", 2, D2, student=a.student.membership_id)
    put(a, "event_held", 3, D2, event_type="workshop")
    put(b, "individual_session", 1, D2, student=b.student.membership_id)
    rows, total = dash.network_figures(network_admin.actor,
                                       date(2025, 11, 1), date(2025, 11, 30))
    by = {r.name: (r.total, r.visits, r.workshops, r.sessions, r.students) for r in rows}
    assert by == {"Centre ALPHA": (3, 2, 1, 0, 1), "Centre BETA": (1, 0, 0, 1, 1)}
    assert (total.total, total.students) == (4, 2)
    with pytest.raises(Forbidden):
        dash.network_figures(a.manager.actor, date(2025, 11, 1), date(2025, 11, 30))
