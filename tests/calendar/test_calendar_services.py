"""Activity calendar rules (issue 3): entry form, lifecycle, conflicts, recurrence, ICS."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import select

from integrations.db import system_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from tenants.calendar import services as cal
from tenants.calendar.models import Event
from tenants.core.models import AuditEvent

CASA = ZoneInfo("Africa/Casablanca")


def _at(days: int, hour: int = 10) -> datetime:
    d = (utcnow() + timedelta(days=days)).astimezone(CASA).date()
    return datetime.combine(d, time(hour, 0), tzinfo=CASA)


def workshop(world, **over) -> dict:
    data = {
        "type": "workshop", "title": "Rédiger son CV", "theme": "CV",
        "starts_at": _at(10), "ends_at": _at(10, 12),
        "organiser_membership_id": world.counselor.membership_id,
        "audience": {"fields": ["Informatique"], "levels": ["Licence"], "establishments": []},
        "capacity": 20, "publishes_photos": True,
        "logistics": [{"task": "Réserver la salle", "owner_membership_id": world.counselor.membership_id,
                       "due_on": str(_at(5).date())}],
        "budget_lines": [{"label": "Pause café", "amount": 300}],
        "partners": [{"kind": "speaker", "name": "Mme Idrissi"}],
    }
    data.update(over)
    return data


def _event_count() -> int:
    with system_session("t") as s:
        return len(s.exec(select(Event)).all())


# ---------------------------------------------------------------- entry form

def test_counselor_creates_a_workshop(world_a):
    e = cal.do_create_event(world_a.counselor.actor, world_a.tenant_id, workshop(world_a))
    assert e.status == "draft" and e.timezone == "Africa/Casablanca"
    assert e.logistics[0]["due_on"] and e.budget_lines[0]["currency"] == "MAD"
    assert e.starts_at.utcoffset() == timedelta(0)  # stored in UTC


@pytest.mark.parametrize("over,code", [
    ({"ends_at": _at(10, 9)}, "end_before_start"),
    ({"type": "party"}, "unknown_type"),
    ({"starts_at": datetime(2030, 1, 1, 10), "ends_at": datetime(2030, 1, 1, 12)}, "naive_datetime"),
    ({"organiser_membership_id": 999999}, "unknown_member"),
    ({"online_url": "javascript:alert(1)"}, "invalid_url"),
    ({"registration_closes_at": _at(11)}, "registration_window"),
    ({"details": {"company": "X"}}, "invalid_details"),
])
def test_bad_input_is_refused_and_changes_nothing(world_a, over, code):
    with pytest.raises((Invalid, NotFound)) as exc:
        cal.do_create_event(world_a.counselor.actor, world_a.tenant_id, workshop(world_a, **over))
    assert exc.value.code == code
    assert _event_count() == 0


def test_another_tenants_room_or_counselor_is_refused(worlds):
    a, b = worlds
    room_b = cal.do_create_room(b.manager.actor, b.tenant_id, name="Salle B1")
    with pytest.raises(NotFound):
        cal.do_create_event(a.counselor.actor, a.tenant_id, workshop(a, room_id=room_b.id))
    with pytest.raises(Invalid) as exc:
        cal.do_create_event(a.counselor.actor, a.tenant_id,
                            workshop(a, organiser_membership_id=b.counselor.membership_id))
    assert exc.value.code == "unknown_member"
    assert _event_count() == 0


def test_students_cannot_create_events(world_a):
    with pytest.raises(Forbidden):
        cal.do_create_event(world_a.student.actor, world_a.tenant_id, workshop(world_a))


# ---------------------------------------------------------------- lifecycle

def test_workshop_lifecycle_to_closing(world_a):
    a = world_a
    e = cal.do_create_event(a.counselor.actor, a.tenant_id, workshop(a))
    e = cal.do_transition(a.counselor.actor, a.tenant_id, e.id, "propose")
    with pytest.raises(Forbidden) as exc:
        cal.do_transition(a.counselor.actor, a.tenant_id, e.id, "validate")
    assert exc.value.code == "transition_forbidden"
    e = cal.do_transition(a.manager.actor, a.tenant_id, e.id, "validate")
    assert e.manager_validated_at is not None
    with pytest.raises(Conflict) as exc:
        cal.do_transition(a.people["host_approver"].actor, a.tenant_id, e.id, "host_validate")
    assert exc.value.code == "no_host_validation"
    e = cal.do_transition(a.counselor.actor, a.tenant_id, e.id, "publish")
    assert e.status == "published" and e.sequence == 1
    with pytest.raises(Conflict) as exc:
        cal.do_transition(a.counselor.actor, a.tenant_id, e.id, "mark_held")
    assert exc.value.code == "not_started"
    with system_session("t") as s:  # the workshop took place
        row = s.get(Event, e.id)
        row.starts_at, row.ends_at = _at(-1), _at(-1, 12)
        s.add(row)
        s.commit()
    cal.do_transition(a.counselor.actor, a.tenant_id, e.id, "mark_held")
    with pytest.raises(Invalid):
        cal.do_transition(a.counselor.actor, a.tenant_id, e.id, "close", closing={"attendance_count": -1})
    e = cal.do_transition(a.counselor.actor, a.tenant_id, e.id, "close",
                          closing={"attendance_count": 18, "outcome_notes": "Très bon retour",
                                   "figures": {"satisfaction": 4.5}})
    assert e.status == "closed" and e.attendance_count == 18
    with pytest.raises(Conflict):
        cal.do_update_event(a.manager.actor, a.tenant_id, e.id, workshop(a))
    with system_session("t") as s:
        actions = [x.action for x in s.exec(select(AuditEvent).where(AuditEvent.target_type == "event"))]
    assert actions[-1] == "event.close" and "event.validate" in actions


def test_event_sheet_needs_the_host_institution(world_a):
    a = world_a
    e = cal.do_create_event(a.counselor.actor, a.tenant_id, workshop(a, type="company_visit", details={}))
    cal.do_transition(a.counselor.actor, a.tenant_id, e.id, "propose")
    cal.do_transition(a.manager.actor, a.tenant_id, e.id, "validate")
    with pytest.raises(Conflict) as exc:
        cal.do_transition(a.manager.actor, a.tenant_id, e.id, "publish")
    assert exc.value.code == "host_validation_required"
    with pytest.raises(Forbidden):
        cal.do_transition(a.manager.actor, a.tenant_id, e.id, "host_validate")
    with pytest.raises(Invalid) as exc:
        cal.do_transition(a.people["host_approver"].actor, a.tenant_id, e.id, "host_refuse")
    assert exc.value.code == "reason_required"
    e = cal.do_transition(a.people["host_approver"].actor, a.tenant_id, e.id, "host_validate")
    assert e.host_validated_at is not None
    assert cal.do_transition(a.manager.actor, a.tenant_id, e.id, "publish").status == "published"


def test_transition_of_another_tenants_event_is_not_found(worlds):
    a, b = worlds
    e = cal.do_create_event(a.counselor.actor, a.tenant_id, workshop(a))
    with pytest.raises(NotFound):
        cal.do_transition(b.manager.actor, b.tenant_id, e.id, "propose")
    with pytest.raises(Forbidden):
        cal.do_transition(b.manager.actor, a.tenant_id, e.id, "propose")


def test_capacity_cannot_drop_below_registrations(world_a):
    a = world_a
    e = cal.do_create_event(a.counselor.actor, a.tenant_id, workshop(a))
    with system_session("t") as s:
        row = s.get(Event, e.id)
        row.registered_count = 12
        s.add(row)
        s.commit()
    with pytest.raises(Conflict) as exc:
        cal.do_update_event(a.counselor.actor, a.tenant_id, e.id, workshop(a, capacity=10))
    assert exc.value.code == "capacity_below_registrations"
    assert cal.get_event(a.counselor.actor, a.tenant_id, e.id).capacity == 20


# ---------------------------------------------------------------- conflicts

def test_conflict_for_the_same_person_needs_a_logged_override(world_a):
    a = world_a
    cal.do_create_event(a.counselor.actor, a.tenant_id, workshop(a))
    clash = workshop(a, title="Entretien blanc", starts_at=_at(10, 11), ends_at=_at(10, 13))
    with pytest.raises(Conflict) as exc:
        cal.do_create_event(a.counselor.actor, a.tenant_id, clash)
    assert exc.value.code == "schedule_conflict"
    with pytest.raises(Invalid):
        cal.do_create_event(a.counselor.actor, a.tenant_id, clash, override_conflicts=True)
    assert _event_count() == 1
    cal.do_create_event(a.counselor.actor, a.tenant_id, clash, override_conflicts=True,
                        override_reason="co-animation prévue")
    with system_session("t") as s:
        logged = s.exec(select(AuditEvent).where(AuditEvent.action == "event.conflict_overridden")).one()
    assert logged.details["reason"] == "co-animation prévue"


def test_room_conflict_and_adjacent_events(world_a):
    a = world_a
    room = cal.do_create_room(a.manager.actor, a.tenant_id, name="Salle 1", capacity=30)
    cal.do_create_event(a.counselor.actor, a.tenant_id, workshop(a, room_id=room.id))
    other = workshop(a, organiser_membership_id=a.manager.membership_id, room_id=room.id,
                     starts_at=_at(10, 11), ends_at=_at(10, 14))
    with pytest.raises(Conflict):
        cal.do_create_event(a.manager.actor, a.tenant_id, other)
    # back to back is not a conflict
    cal.do_create_event(a.manager.actor, a.tenant_id, dict(other, starts_at=_at(10, 12), ends_at=_at(10, 14)))


# ---------------------------------------------------------------- recurrence and academic calendar

def _year(world, holidays=()):
    today = utcnow().astimezone(CASA).date()
    start = today - timedelta(days=30)
    return cal.do_set_academic_year(world.manager.actor, world.tenant_id, {
        "label": f"{start.year}-{start.year + 1}", "starts_on": start, "ends_on": start + timedelta(days=330),
        "semesters": [{"starts_on": start, "ends_on": start + timedelta(days=150)},
                      {"starts_on": start + timedelta(days=151), "ends_on": start + timedelta(days=330)}],
        "holidays": list(holidays),
    })


def test_weekly_meeting_series_for_the_year_skips_holidays(world_a):
    a = world_a
    today = utcnow().astimezone(CASA).date()
    holiday_start = today + timedelta(days=14)
    year = _year(a, [{"name": "Vacances", "starts_on": holiday_start,
                      "ends_on": holiday_start + timedelta(days=13)}])
    series = cal.do_create_meeting_series(a.manager.actor, a.tenant_id, {
        "title": "Réunion de coordination", "academic_year_id": year.id, "weekday": 4,
        "local_start": "10:00", "duration_minutes": 90})
    with system_session("t") as s:
        events = s.exec(select(Event).where(Event.series_id == series.id).order_by(Event.starts_at)).all()
    assert len(events) >= 40
    for e in events:
        local = e.starts_at.astimezone(CASA)
        assert local.weekday() == 4 and local.time() == time(10, 0), local  # stays 10:00 across DST changes
        assert not (holiday_start <= local.date() <= holiday_start + timedelta(days=13))
        assert e.status == "published"
    # a single occurrence can be cancelled
    cal.do_transition(a.manager.actor, a.tenant_id, events[0].id, "cancel", reason="jour férié imprévu")


def test_occurrences_keep_local_time_across_ramadan_dst_suspension():
    # Morocco leaves UTC+1 for UTC+0 during Ramadan (2026: mid-February to late March).
    starts = cal.occurrences("FREQ=WEEKLY;BYDAY=FR", first_day=date(2026, 1, 2), last_day=date(2026, 4, 30),
                             local_start=time(10, 0), zone=CASA, holidays=[])
    offsets = {s.utcoffset() for s in starts}
    assert len(offsets) == 2, "the zone's offset changes during the period"
    assert all(s.astimezone(CASA).hour == 10 for s in starts)


def test_academic_year_validation(world_a):
    with pytest.raises(Invalid) as exc:
        cal.do_set_academic_year(world_a.manager.actor, world_a.tenant_id, {
            "label": "2026-2027", "starts_on": "2026-09-01", "ends_on": "2026-08-01"})
    assert exc.value.code == "end_before_start"
    with pytest.raises(Forbidden):
        _year(type("W", (), {"manager": world_a.counselor, "tenant_id": world_a.tenant_id})())


# ---------------------------------------------------------------- views and feeds

def test_month_view_filters(world_a):
    a = world_a
    cal.do_create_event(a.counselor.actor, a.tenant_id, workshop(a))
    cal.do_create_event(a.manager.actor, a.tenant_id, workshop(
        a, type="guest_speaker", title="Intervention", organiser_membership_id=a.manager.membership_id,
        starts_at=_at(12), ends_at=_at(12, 12), details={"company": "OCP"}))
    rng = {"start": _at(0), "end": _at(31)}
    assert len(cal.list_events(a.counselor.actor, a.tenant_id, rng)) == 2
    assert [e.type for e in cal.list_events(a.counselor.actor, a.tenant_id, dict(rng, types=["workshop"]))] == [
        "workshop"]
    mine = cal.list_events(a.counselor.actor, a.tenant_id, dict(rng, membership_id=a.counselor.membership_id))
    assert [e.title for e in mine] == ["Rédiger son CV"]
    with pytest.raises(Invalid):
        cal.list_events(a.counselor.actor, a.tenant_id, {"start": _at(0), "end": _at(500)})


def test_portal_shows_only_published_public_events(world_a):
    a = world_a
    e = cal.do_create_event(a.counselor.actor, a.tenant_id, workshop(a))
    rng = {"start": _at(0), "end": _at(31)}
    assert cal.list_public_events("alpha", rng) == []
    cal.do_transition(a.counselor.actor, a.tenant_id, e.id, "propose")
    cal.do_transition(a.manager.actor, a.tenant_id, e.id, "validate")
    cal.do_transition(a.counselor.actor, a.tenant_id, e.id, "publish")
    assert [x.id for x in cal.list_public_events("alpha", rng)] == [e.id]


def _parse(ics: bytes) -> list:
    return [c for c in Calendar.from_ical(ics).walk("VEVENT")]


def test_personal_feed_contains_the_published_workshop_with_updates_and_cancellation(worlds):
    a, b = worlds
    e = cal.do_create_event(a.counselor.actor, a.tenant_id, workshop(a))
    for actor, action in ((a.counselor, "propose"), (a.manager, "validate"), (a.counselor, "publish")):
        cal.do_transition(actor.actor, a.tenant_id, e.id, action)
    feed = cal.do_create_feed(a.counselor.actor, a.tenant_id, scope="personal")
    token = feed.url.rsplit("/", 1)[-1].removesuffix(".ics")
    vevents = _parse(cal.feed_ics(token))
    assert len(vevents) == 1
    v = vevents[0]
    assert str(v["uid"]) == e.uid and str(v["summary"]) == "Rédiger son CV"
    assert v.decoded("dtstart") == e.starts_at and str(v["dtstart"].params["TZID"]) == "Africa/Casablanca"
    assert int(v["sequence"]) == 1
    assert Calendar.from_ical(cal.feed_ics(token)).walk("VTIMEZONE"), "the time zone is described"
    # moved by the manager → same UID, higher SEQUENCE
    cal.do_update_event(a.manager.actor, a.tenant_id, e.id, workshop(a, starts_at=_at(11), ends_at=_at(11, 12)))
    v = _parse(cal.feed_ics(token))[0]
    assert int(v["sequence"]) == 2 and v.decoded("dtstart") == _at(11)
    cal.do_transition(a.manager.actor, a.tenant_id, e.id, "cancel", reason="intervenante absente")
    v = _parse(cal.feed_ics(token))[0]
    assert str(v["status"]) == "CANCELLED" and int(v["sequence"]) == 3
    # the manager's personal feed does not have the counselor's workshop; other tenants see nothing
    other = cal.do_create_feed(b.counselor.actor, b.tenant_id)
    assert _parse(cal.feed_ics(other.url.rsplit("/", 1)[-1].removesuffix(".ics"))) == []
    cal.do_revoke_feed(a.counselor.actor, a.tenant_id, feed.id)
    with pytest.raises(NotFound):
        cal.feed_ics(token)


def test_single_event_ics_download(world_a):
    e = cal.do_create_event(world_a.counselor.actor, world_a.tenant_id, workshop(world_a))
    v = _parse(cal.event_ics(world_a.counselor.actor, world_a.tenant_id, e.id))[0]
    assert v.decoded("dtend") == e.ends_at


def test_availability_and_absence(world_a):
    a = world_a
    cal.do_set_availability(a.counselor.actor, a.tenant_id, a.counselor.membership_id,
                            [{"weekday": d, "start_time": "09:00", "end_time": "17:00"} for d in range(5)])
    monday = _at(7)
    while monday.weekday() != 0:
        monday += timedelta(days=1)
    slot = (monday.replace(hour=10), monday.replace(hour=11))
    assert cal.is_available(a.tenant_id, a.counselor.membership_id, *slot)
    assert not cal.is_available(a.tenant_id, a.counselor.membership_id, monday.replace(hour=18),
                                monday.replace(hour=19))
    cal.do_add_absence(a.counselor.actor, a.tenant_id, a.counselor.membership_id,
                       starts_at=monday.replace(hour=0), ends_at=monday.replace(hour=23), reason="congé")
    assert not cal.is_available(a.tenant_id, a.counselor.membership_id, *slot)
    with pytest.raises(Forbidden):
        cal.do_set_availability(a.counselor.actor, a.tenant_id, a.manager.membership_id, [])
    with pytest.raises(Invalid):
        cal.do_set_availability(a.counselor.actor, a.tenant_id, a.counselor.membership_id,
                                [{"weekday": 0, "start_time": "12:00", "end_time": "09:00"}])


def test_calendar_view_rows_match_the_full_query(worlds):
    a, b = worlds
    cal.do_create_event(a.counselor.actor, a.tenant_id, workshop(a))
    cal.do_create_event(b.counselor.actor, b.tenant_id, workshop(b))
    rows = cal.calendar_view(a.manager.actor, a.tenant_id, {"start": _at(0), "end": _at(31)})
    assert [r.title for r in rows] == ["Rédiger son CV"]
    assert rows[0].starts_at == _at(10)
    with pytest.raises(Forbidden):
        cal.calendar_view(a.student.actor, a.tenant_id, {"start": _at(0), "end": _at(31)})


def test_a_single_meeting_of_the_series_can_be_moved(world_a):
    """P03: one weekly meeting moves to another day; the rest of the series stays put."""
    a = world_a
    year = _year(a)
    series = cal.do_create_meeting_series(a.manager.actor, a.tenant_id, {
        "title": "Réunion de coordination", "academic_year_id": year.id, "weekday": 4,
        "local_start": "10:00", "duration_minutes": 60})
    with system_session("t") as s:
        first, second = s.exec(select(Event).where(Event.series_id == series.id)
                               .order_by(Event.starts_at).limit(2)).all()
    moved = cal.event_input_of(first, cal.event_staff_ids(a.tenant_id, first.id))
    moved.update(starts_at=first.starts_at + timedelta(days=-1), ends_at=first.ends_at + timedelta(days=-1))
    e = cal.do_update_event(a.manager.actor, a.tenant_id, first.id, moved, override_conflicts=True,
                            override_reason="salle prise vendredi")
    assert e.starts_at.astimezone(CASA).weekday() == 3 and e.sequence == 1
    assert cal.get_event(a.manager.actor, a.tenant_id, second.id).starts_at == second.starts_at
    with pytest.raises(Forbidden):  # after publication only the manager moves it
        cal.do_update_event(a.counselor.actor, a.tenant_id, first.id, moved)
