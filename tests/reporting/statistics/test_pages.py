"""The statistics pages as a signed-in person sees them: the handlers' own code run on a state
tree whose handshake carries the person's session (as the isolation matrix does)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from integrations.db import utcnow
from tests.reporting.statistics.util import dims, put
from tests.ui.test_handler_isolation import call, session_cookie
from workflows.reporting.settings import get_reporting_settings


def _cookie(person) -> str:
    return session_cookie(person.account_id, person.tenant_id)


def _seed(a) -> None:
    dims(a)
    now = datetime.combine(utcnow().date(), time(12), tzinfo=UTC)  # midday: this month in any zone
    put(a, "visit", 1, now, student=a.student.membership_id, counselor=a.counselor.membership_id)
    put(a, "visit", 2, now, student=a.student.membership_id, counselor=a.counselor.membership_id)
    put(a, "individual_session", 3, now, student=a.student.membership_id, counselor=a.counselor.membership_id)


def test_the_statistics_table_shows_this_months_counts(world_a):
    a = world_a
    _seed(a)
    state, _ = call("StatisticsState.on_load", _cookie(a.manager), "/staff/statistics", ())
    assert state.error == ""
    got = {r.cells[0].tkey: r.count for r in state.rows}
    assert got == {"ui.stats.kind.visit": 2, "ui.stats.kind.individual_session": 1} and state.total == 3
    form = {"start": state.start, "end": state.end, "unit": "month", "group1": "counselor", "group2": "gender",
            "group3": "", "kind": "visit", "counselor": "", "establishment": "", "field": "", "level": "",
            "gender": ""}
    call_state, _ = call("StatisticsState.apply", _cookie(a.manager), "/staff/statistics", (form,))
    assert [(r.cells[0].text, r.cells[1].tkey, r.count) for r in call_state.rows] == [
        ("Counselor", "ui.stats.gender.female", 2)]
    assert "group_by=counselor%2Cgender" in call_state.export_query


def test_a_bad_filter_shows_an_error_and_keeps_the_table(world_a):
    a = world_a
    form = {"start": "2025-13-01", "end": "2025-11-30", "group1": "kind"}
    state, _ = call("StatisticsState.apply", _cookie(a.manager), "/staff/statistics", (form,))
    assert state.error == "error.invalid_period"
    form = {"start": "2025-11-01", "end": "2025-11-30", "group1": "shoe_size"}
    state, _ = call("StatisticsState.apply", _cookie(a.manager), "/staff/statistics", (form,))
    assert state.error == "error.invalid_group_by"


def test_the_manager_saves_the_cut_off_and_a_counselor_cannot(world_a):
    a = world_a
    form = {"cutoff": "2", "meeting": "4", "recipients": "presidence@univ.test\ndoyen@univ.test"}
    state, _ = call("StatsSettingsState.save", _cookie(a.manager), "/staff/statistics/settings", (form,))
    assert state.error == "" and state.notice == "ui.stats.settings_saved"
    v = get_reporting_settings(a.manager.actor, a.tenant_id)
    assert (v.cutoff_weekday, v.host_recipients) == (2, ("presidence@univ.test", "doyen@univ.test"))
    state, _ = call("StatsSettingsState.save", _cookie(a.counselor), "/staff/statistics/settings",
                    ({"cutoff": "0", "meeting": "1", "recipients": ""},))
    assert state.error == "error.forbidden"
    assert get_reporting_settings(a.manager.actor, a.tenant_id).cutoff_weekday == 2


def test_the_dashboards_show_the_activity(world_a):
    a = world_a
    _seed(a)
    for person, path, handler in ((a.manager, "/staff/dashboard", "DashboardState.on_load_staff"),
                                  (a.people["host_approver"], "/host/dashboard", "DashboardState.on_load_host")):
        state, _ = call(handler, _cookie(person), path, ())
        assert state.error == ""
        assert sum(p["visit"] for p in state.activity) == 2
        assert {x["label"] for x in state.sourcing} >= {"Besoins reçus", "Recrutements"}
