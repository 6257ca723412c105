"""The statistics are fed by P24's triggers (a visit, a check-in on an attendance sheet, an
event held) and the sessions held: each counts once, in the source's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, update
from sqlmodel import select

from integrations.db import system_session, tenant_session, transaction, utcnow
from tenants.calendar import services as cal
from tenants.portal.profiles import services as prof
from tenants.portal.registrations import services as reg
from tenants.portal.sessions import services as sess
from tenants.portal.visits import services as visits
from tenants.portal.visits.models import Visit
from tests.portal.registrations.util import publish, set_event
from tests.reporting.statistics.util import CASA, dims, put, records
from workflows.reporting import statistics as st
from workflows.reporting.models import ActivityRecord
from workflows.reporting.settings import do_update_reporting_settings


def _kinds(tenant_id: int) -> list[str]:
    return [r.kind for r in records(tenant_id)]


def _started_workshop(world, **over) -> tuple[int, int]:
    """A published activity the world's student registered to, started ten minutes ago."""
    eid = publish(world, **over)
    r = reg.do_register(world.student.actor, world.tenant_id, eid)
    start = utcnow() - timedelta(minutes=10)
    set_event(eid, starts_at=start, ends_at=start + timedelta(hours=2), registration_closes_at=None)
    return eid, r.id


# ---------------------------------------------------------------- visits

def test_a_visit_sheet_counts_once_with_the_students_profile(world_a):
    a = world_a
    est, fld = dims(a)
    v = visits.do_log_visit(a.counselor.actor, a.tenant_id, {
        "student_membership_id": a.student.membership_id, "channel": "walk_in", "needs": ["cv"]})
    (r,) = records(a.tenant_id)
    assert (r.kind, r.source_id, r.student_membership_id, r.counselor_membership_id) == (
        "visit", v.id, a.student.membership_id, a.counselor.membership_id)
    assert (r.establishment_id, r.field_id, r.level, r.gender, r.late) == (est, fld, "bac+3", "female", False)
    # the same trigger again (a retry) adds nothing
    with tenant_session(a.tenant_id) as s, transaction(s):
        assert st.feed_visit(s, a.tenant_id, s.get(Visit, v.id)) is False
    assert len(records(a.tenant_id)) == 1


def test_a_student_met_at_an_event_is_an_event_visit(world_a):
    a = world_a
    eid = publish(a, type="company_visit", title="Visite OCP")
    visits.do_log_visit(a.counselor.actor, a.tenant_id, {
        "student_membership_id": a.student.membership_id, "channel": "event", "event_id": eid})
    (r,) = records(a.tenant_id)
    assert (r.kind, r.event_id, r.event_type) == ("event_visit", eid, "company_visit")


def test_a_kiosk_check_in_counts_one_visit_even_when_tapped_twice(world_a):
    a = world_a
    kiosk = visits.do_create_kiosk_token(a.manager.actor, a.tenant_id, name="Accueil")
    first = visits.kiosk_check_in(kiosk.secret, email=a.student.email)
    again = visits.kiosk_check_in(kiosk.secret, email=a.student.email)
    assert again.repeated and again.visit_id == first.visit_id
    assert _kinds(a.tenant_id) == ["visit"]
    assert records(a.tenant_id)[0].counselor_membership_id is None


def test_a_failed_visit_leaves_no_record(world_a):
    a = world_a
    with pytest.raises(Exception):  # noqa: B017  (the service's own error; the point is the rollback)
        visits.do_log_visit(a.counselor.actor, a.tenant_id, {
            "student_membership_id": a.student.membership_id, "channel": "event", "event_id": 999999})
    assert records() == []


# ---------------------------------------------------------------- attendance and events held

def test_each_check_in_counts_a_workshop_attendance_and_an_absence_undoes_it(world_a):
    a = world_a
    eid, rid = _started_workshop(a)
    reg.do_check_in(a.counselor.actor, a.tenant_id, rid)
    (rec,) = records(a.tenant_id)
    assert (rec.kind, rec.source_id, rec.event_id, rec.counselor_membership_id) == (
        "workshop_attendance", rid, eid, a.counselor.membership_id)
    reg.do_mark_no_show(a.counselor.actor, a.tenant_id, rid)
    assert records(a.tenant_id) == []
    reg.do_check_in(a.counselor.actor, a.tenant_id, rid)  # came after all
    assert _kinds(a.tenant_id) == ["workshop_attendance"]


def test_attendance_at_another_activity_is_an_event_attendance(world_a):
    a = world_a
    _eid, rid = _started_workshop(a, type="guest_speaker", title="Conférence métier")
    reg.do_check_in(a.counselor.actor, a.tenant_id, rid)
    assert _kinds(a.tenant_id) == ["event_attendance"]


def test_an_event_held_then_closed_counts_once_and_meetings_not_at_all(world_a):
    a = world_a
    eid, _rid = _started_workshop(a)
    cal.do_transition(a.counselor.actor, a.tenant_id, eid, "mark_held")
    cal.do_transition(a.counselor.actor, a.tenant_id, eid, "close", closing={"attendance_count": 12})
    (rec,) = records(a.tenant_id)
    assert (rec.kind, rec.source_id, rec.event_type) == ("event_held", eid, "workshop")

    start = utcnow() - timedelta(hours=1)
    m = cal.do_create_event(a.manager.actor, a.tenant_id, {
        "type": "weekly_coordination_meeting", "title": "Réunion", "starts_at": start,
        "ends_at": start + timedelta(hours=1)})
    cal.do_transition(a.manager.actor, a.tenant_id, m.id, "publish")
    cal.do_transition(a.manager.actor, a.tenant_id, m.id, "mark_held")
    assert _kinds(a.tenant_id) == ["event_held"]


# ---------------------------------------------------------------- sessions

def test_a_session_held_counts_once(world_a):
    a = world_a
    slots = [{"weekday": wd, "start_time": "09:00", "end_time": "12:00"} for wd in range(7)]
    cal.do_set_availability(a.manager.actor, a.tenant_id, a.counselor.membership_id, slots)
    d = (utcnow() + timedelta(days=2)).astimezone(CASA).date()
    b = sess.do_book_session(a.student.actor, a.tenant_id, {
        "counselor_membership_id": a.counselor.membership_id,
        "starts_at": datetime(d.year, d.month, d.day, 9, tzinfo=CASA), "need": "Préparer un entretien"})
    sess.do_confirm_session(a.counselor.actor, a.tenant_id, b.id)
    after = b.starts_at + timedelta(hours=1)
    sess.do_record_session_outcome(a.counselor.actor, a.tenant_id, b.id, notes="Bilan", now=after)
    sess.do_record_session_outcome(a.counselor.actor, a.tenant_id, b.id, notes="Bilan corrigé", now=after)
    (rec,) = records(a.tenant_id)
    assert (rec.kind, rec.source_id, rec.counselor_membership_id, rec.student_membership_id) == (
        "individual_session", b.id, a.counselor.membership_id, a.student.membership_id)
    assert rec.at == b.starts_at


# ---------------------------------------------------------------- deletion, rebuild

def test_a_deleted_students_activities_stay_counted(world_a):
    a = world_a
    est, _fld = dims(a)
    visits.do_log_visit(a.counselor.actor, a.tenant_id, {
        "student_membership_id": a.student.membership_id, "channel": "walk_in"})
    req = prof.do_request_deletion(a.student.actor, a.tenant_id, reason="Je pars")
    prof.do_handle_deletion_request(a.manager.actor, a.tenant_id, req.id, approve=True)
    today = utcnow().astimezone(CASA).date()
    with tenant_session(a.tenant_id) as s:
        fig = st.figures_for_period(s, a.tenant_id, today - timedelta(days=1), today)
    assert fig["by_kind"]["visit"] == 1
    assert [(x["key"], x["count"]) for x in fig["by_establishment"]] == [(est, 1)]


def test_rebuild_backfills_from_the_sources_and_is_idempotent(world_a):
    a = world_a
    visits.do_log_visit(a.counselor.actor, a.tenant_id, {
        "student_membership_id": a.student.membership_id, "channel": "walk_in"})
    eid, rid = _started_workshop(a)
    reg.do_check_in(a.counselor.actor, a.tenant_id, rid)
    cal.do_transition(a.counselor.actor, a.tenant_id, eid, "mark_held")
    before = sorted((x.kind, x.source_id) for x in records(a.tenant_id))
    with system_session("test: forget the statistics") as s:
        s.execute(delete(ActivityRecord))
        s.commit()
    assert st.rebuild(a.tenant_id) == 3
    assert sorted((x.kind, x.source_id) for x in records(a.tenant_id)) == before
    assert st.rebuild(a.tenant_id) == 0


# ---------------------------------------------------------------- the cut-off

def test_late_means_entered_from_the_cut_off_day_of_the_following_week(world_a):
    a = world_a
    # an activity on Sunday 30 Nov 2025, 23:30 in Casablanca: the last minutes of its week
    at = datetime(2025, 11, 30, 23, 30, tzinfo=CASA)
    cutoff = datetime(2025, 12, 4, 0, 0, tzinfo=CASA)  # Thursday of the next week, 00:00
    assert st.cutoff_of(at, CASA, 3) == cutoff
    assert put(a, "visit", 1, at, recorded_at=cutoff - timedelta(seconds=1))
    assert put(a, "visit", 2, at, recorded_at=cutoff)
    assert put(a, "visit", 3, datetime(2025, 12, 1, 0, 0, tzinfo=CASA), recorded_at=cutoff)  # next week: on time
    assert [(r.source_id, r.late) for r in records(a.tenant_id)] == [(1, False), (2, True), (3, False)]


def test_the_cut_off_follows_the_centres_setting(world_a):
    a = world_a
    do_update_reporting_settings(a.manager.actor, a.tenant_id, {"cutoff_weekday": 0, "meeting_weekday": 1})
    at = datetime(2025, 11, 28, 10, 0, tzinfo=CASA)  # a Friday
    assert put(a, "visit", 1, at, recorded_at=datetime(2025, 11, 30, 23, 59, tzinfo=CASA))
    assert put(a, "visit", 2, at, recorded_at=datetime(2025, 12, 1, 0, 0, tzinfo=CASA))  # Monday 00:00
    assert [r.late for r in records(a.tenant_id)] == [False, True]


def test_a_late_visit_sheet_is_flagged(world_a):
    a = world_a
    long_ago = utcnow() - timedelta(days=15)
    visits.do_log_visit(a.counselor.actor, a.tenant_id, {
        "student_membership_id": a.student.membership_id, "channel": "walk_in", "at": long_ago})
    visits.do_log_visit(a.counselor.actor, a.tenant_id, {
        "student_membership_id": a.student.membership_id, "channel": "walk_in"})
    assert [r.late for r in records(a.tenant_id)] == [True, False]


def test_a_record_is_written_in_its_own_tenant_only(worlds):
    a, b = worlds
    visits.do_log_visit(b.counselor.actor, b.tenant_id, {
        "student_membership_id": b.student.membership_id, "channel": "walk_in"})
    assert records(a.tenant_id) == [] and _kinds(b.tenant_id) == ["visit"]
    with system_session("test: move the record") as s:  # nothing in a tenant session sees it
        s.execute(update(ActivityRecord).values(at=utcnow()))
        s.commit()
    with tenant_session(a.tenant_id) as s:
        assert s.exec(select(ActivityRecord)).all() == []


def test_the_backfill_job_runs_the_rebuild(world_a):
    from workflows.reporting.tasks import rebuild_statistics

    a = world_a
    visits.do_log_visit(a.counselor.actor, a.tenant_id, {
        "student_membership_id": a.student.membership_id, "channel": "walk_in"})
    with system_session("test: forget the statistics") as s:
        s.execute(delete(ActivityRecord))
        s.commit()
    assert rebuild_statistics.run(a.tenant_id) == 1 and _kinds(a.tenant_id) == ["visit"]
    assert rebuild_statistics.run(0) == 0
