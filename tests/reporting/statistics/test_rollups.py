"""The roll-ups behind the dashboards (issue 9, performance): ActivityDaily and
ActivityStudentMonth follow every record counted or withdrawn, in the same transaction, and
the dashboards read from them give exactly what the records give."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, update
from sqlmodel import select

from integrations.db import system_session, tenant_session, transaction, utcnow
from tenants.calendar.services import tenant_zone
from tenants.core.models import Tenant
from tenants.portal.registrations import services as reg
from tests.conftest import IS_PG, create_person
from tests.portal.registrations.util import publish, set_event
from tests.reporting.statistics.util import CASA, put
from workflows.reporting import dashboards as dash
from workflows.reporting import statistics as st
from workflows.reporting.models import ActivityDaily, ActivityStudentMonth

OCT = datetime(2025, 10, 14, 10, tzinfo=CASA)
NOV = datetime(2025, 11, 18, 15, tzinfo=CASA)
# 23:30 UTC on 31 October is already 1 November in Casablanca (UTC+1)
MIDNIGHT_EDGE = datetime(2025, 10, 31, 23, 30, tzinfo=UTC)


def _daily(tenant_id: int) -> list[tuple]:
    with system_session("test: read the daily roll-up") as s:
        rows = s.exec(select(ActivityDaily).where(ActivityDaily.tenant_id == tenant_id)).all()
        return sorted((r.day, r.kind, r.event_type, r.n, r.late_n) for r in rows)


def _months(tenant_id: int) -> list[tuple]:
    with system_session("test: read the student roll-up") as s:
        rows = s.exec(select(ActivityStudentMonth).where(ActivityStudentMonth.tenant_id == tenant_id)).all()
        return sorted((r.month, r.student_membership_id, r.n) for r in rows)


def _checked_in_then_absent(world) -> None:
    """A real attendance sheet: checked in, then marked absent (the check-in withdrawn)."""
    eid = publish(world)
    r = reg.do_register(world.student.actor, world.tenant_id, eid)
    start = utcnow() - timedelta(minutes=10)
    set_event(eid, starts_at=start, ends_at=start + timedelta(hours=2), registration_closes_at=None)
    reg.do_check_in(world.counselor.actor, world.tenant_id, r.id)
    reg.do_mark_no_show(world.counselor.actor, world.tenant_id, r.id)


def test_a_record_counts_on_its_local_day_once_and_late_ones_are_marked(world_a):
    a = world_a
    with tenant_session(a.tenant_id) as s:
        assert tenant_zone(s, a.tenant_id).key == "Africa/Casablanca"
    sid = a.student.membership_id
    on_time = MIDNIGHT_EDGE + timedelta(hours=1)
    assert put(a, "visit", 1, MIDNIGHT_EDGE, student=sid, recorded_at=on_time)
    assert not put(a, "visit", 1, MIDNIGHT_EDGE, student=sid, recorded_at=on_time)  # the same visit: ignored
    put(a, "visit", 2, MIDNIGHT_EDGE + timedelta(hours=5), student=sid, recorded_at=datetime(2025, 12, 1, tzinfo=UTC))
    put(a, "event_held", 3, NOV, event_type="workshop", recorded_at=NOV)
    assert _daily(a.tenant_id) == [(date(2025, 11, 1), "visit", "", 2, 1),
                                   (date(2025, 11, 18), "event_held", "workshop", 1, 0)]
    # the student once per month, with how many activities; an event held meets no student
    assert _months(a.tenant_id) == [(date(2025, 11, 1), sid, 2)]


def test_an_attendance_withdrawn_leaves_the_roll_ups(world_a):
    a = world_a
    _checked_in_then_absent(a)
    assert _daily(a.tenant_id) == [] and _months(a.tenant_id) == []
    # withdrawn from a month where the student was also seen: the month stays, one less
    sid = a.student.membership_id
    put(a, "workshop_attendance", 50, OCT, student=sid, event_type="workshop")
    put(a, "visit", 51, OCT, student=sid)
    with tenant_session(a.tenant_id) as s, transaction(s):
        st.withdraw_attendance(s, a.tenant_id, type("R", (), {"id": 50})())
    assert _daily(a.tenant_id) == [(OCT.date(), "visit", "", 1, 1)]  # entered long after: late
    assert _months(a.tenant_id) == [(date(2025, 10, 1), sid, 1)]


def _varied(world, other) -> None:
    """Two months and more, late entries, several students, an attendance withdrawn, and
    another centre's records on the same days."""
    s1 = world.student.membership_id
    s2 = create_person("etu2@a.test", tenant_id=world.tenant_id, roles=["student"]).membership_id
    late = datetime(2026, 1, 20, tzinfo=UTC)
    rows = [("visit", OCT, s1, "", None), ("visit", OCT + timedelta(days=1), s2, "", late),
            ("workshop_attendance", OCT, s1, "workshop", None), ("event_visit", NOV, s2, "job_fair", None),
            ("event_attendance", NOV, s1, "guest_speaker", late), ("individual_session", NOV, s2, "", None),
            ("event_held", OCT, None, "workshop", None), ("event_held", NOV, None, "debate_workshop", None),
            ("event_held", NOV, None, "job_fair", late), ("visit", MIDNIGHT_EDGE, s1, "", None),
            ("visit", datetime(2025, 12, 2, 9, tzinfo=CASA), s1, "", None)]
    for i, (kind, at, student, et, recorded) in enumerate(rows, start=1):
        put(world, kind, i, at, student=student, event_type=et, recorded_at=recorded or at)
        put(other, kind, i, at + timedelta(days=3), student=other.student.membership_id, event_type=et,
            recorded_at=at + timedelta(days=3))
    _checked_in_then_absent(world)
    put(world, "visit", 99, utcnow(), student=s2)


RANGES = [(date(2025, 9, 1), date(2026, 12, 31)), (date(2025, 10, 15), date(2025, 11, 20)),
          (date(2025, 11, 1), date(2025, 11, 30)), (date(2025, 10, 14), date(2025, 10, 14)),
          (date(2025, 10, 1), date(2025, 12, 5)), (date(2025, 11, 2), date(2025, 12, 31))]


def test_the_roll_ups_answer_what_the_records_answer(worlds):
    a, b = worlds
    _varied(a, b)
    with tenant_session(a.tenant_id) as s:
        served = st.metric_actuals(s, a.tenant_id, date(2025, 9, 1), date(2026, 12, 31))["students_served"]
    assert served == 2  # sanity: the data set is what the comparisons below run on
    for w in (a, b):
        with tenant_session(w.tenant_id) as s:
            zone = tenant_zone(s, w.tenant_id)
            for start, end in RANGES:
                lo, hi = st.bounds(zone, start, end)
                for unit in ("month", "week"):
                    rolled = dash.activity_over_time(s, w.tenant_id, lo, hi, unit)
                    assert rolled == dash.activity_over_time_raw(s, w.tenant_id, lo, hi, unit), (start, end, unit)
                assert st.metric_actuals_rolled(s, w.tenant_id, start, end) == st.metric_actuals(
                    s, w.tenant_id, start, end), (start, end)
            # a range that is not whole days is answered from the records
            lo, hi = datetime(2025, 10, 14, 9, tzinfo=CASA), datetime(2025, 11, 18, 16, tzinfo=CASA)
            assert st.metric_actuals_rolled(s, w.tenant_id, lo, hi) == st.metric_actuals(s, w.tenant_id, lo, hi)
            assert dash.activity_over_time(s, w.tenant_id, lo, hi, "week") == dash.activity_over_time_raw(
                s, w.tenant_id, lo, hi, "week")
    with tenant_session(a.tenant_id) as s:
        nov = st.metric_actuals_rolled(s, a.tenant_id, date(2025, 11, 1), date(2025, 11, 30))
        series = dash.activity_over_time(s, a.tenant_id, *st.bounds(CASA, date(2025, 9, 1), date(2025, 12, 31)), "month")
    assert (nov["visits"], nov["workshops"], nov["events"], nov["individual_sessions"]) == (2, 1, 1, 1)
    assert [(p["period"], p["visit"], p["workshop_attendance"]) for p in series] == [
        ("2025-10-01", 2, 1), ("2025-11-01", 1, 0), ("2025-12-01", 1, 0)]
    with pytest.raises(st.Invalid):
        with tenant_session(a.tenant_id) as s:
            dash.activity_over_time(s, a.tenant_id, *st.bounds(CASA, date(2025, 9, 1), date(2025, 9, 30)), "day")


def test_rebuilding_the_roll_ups_gives_the_same_rows_and_is_idempotent(worlds):
    a, b = worlds
    _varied(a, b)
    kept = _daily(a.tenant_id), _months(a.tenant_id)
    other = _daily(b.tenant_id), _months(b.tenant_id)
    with system_session("test: spoil the roll-ups") as s:
        s.execute(delete(ActivityDaily).where(ActivityDaily.tenant_id == a.tenant_id))
        s.add(ActivityStudentMonth(tenant_id=a.tenant_id, month=date(2020, 1, 1), student_membership_id=1, n=3))
        s.commit()
    for _ in range(2):
        with tenant_session(a.tenant_id) as s, transaction(s):
            assert st.rebuild_rollups(s, a.tenant_id) == (len(kept[0]), len(kept[1]))
        assert (_daily(a.tenant_id), _months(a.tenant_id)) == kept
    assert st.rebuild(a.tenant_id) == 0  # the backfill rebuilds them too
    assert (_daily(a.tenant_id), _months(a.tenant_id)) == kept
    assert (_daily(b.tenant_id), _months(b.tenant_id)) == other  # the other centre untouched


def test_the_network_figures_from_the_roll_ups_are_those_of_the_records(worlds, network_admin):
    a, b = worlds
    with system_session("test: a centre in another zone") as s:
        s.execute(update(Tenant).where(Tenant.id == b.tenant_id).values(timezone="Europe/Paris"))
        s.commit()
    _varied(a, b)  # the first centre is read from its roll-ups, the other from its records
    for start, end in RANGES:
        rows, total = dash.network_figures(network_admin.actor, start, end)
        raw, raw_total = dash.network_figures_raw(start, end)
        got = {r.tenant_id: (r.total, r.visits, r.workshops, r.events, r.sessions, r.attendance, r.students)
               for r in rows}
        assert got == {t: raw.get(t, (0,) * 7) for t in got}, (start, end)
        assert (total.total, total.visits, total.workshops, total.events, total.sessions, total.attendance,
                total.students) == raw_total, (start, end)
    rows, total = dash.network_figures(network_admin.actor, date(2025, 10, 1), date(2025, 10, 31))
    assert {r.tenant_id: (r.visits, r.students) for r in rows} == {a.tenant_id: (2, 2), b.tenant_id: (2, 1)}


@pytest.mark.skipif(not IS_PG, reason="concurrent writers: PostgreSQL (SQLite serialises them)")
def test_two_check_ins_at_once_both_count(world_a):
    a = world_a
    put(a, "visit", 1, OCT - timedelta(days=1))
    barrier, errors = threading.Barrier(2), []

    def check_in(source_id: int) -> None:
        try:
            with tenant_session(a.tenant_id) as s, transaction(s):
                barrier.wait(timeout=10)
                st.record_activity(s, a.tenant_id, "workshop_attendance", source_id, OCT,
                                   student_membership_id=a.student.membership_id, event_type="workshop")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=check_in, args=(i,)) for i in (10, 11)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert (OCT.date(), "workshop_attendance", "workshop", 2, 2) in _daily(a.tenant_id)
    assert _months(a.tenant_id) == [(date(2025, 10, 1), a.student.membership_id, 2)]


def test_sequential_check_ins_add_up(world_a):
    a = world_a
    for i in range(5):
        put(a, "workshop_attendance", 20 + i, OCT + timedelta(minutes=i), student=a.student.membership_id,
            event_type="workshop")
    assert _daily(a.tenant_id) == [(OCT.date(), "workshop_attendance", "workshop", 5, 5)]
