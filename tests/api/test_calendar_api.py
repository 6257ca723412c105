"""The activity calendar over REST (issue 3 §9): the 'done when' path, bad input, paging, feeds."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func
from sqlmodel import select

from integrations.db import system_session, utcnow
from tenants.calendar import services as cal
from tenants.calendar.models import Event, EventStaff
from tests.api.util import bearer_for, error_code, snapshot

CASA = ZoneInfo("Africa/Casablanca")
EVENTS = "/api/v1/tenants/{}/events"


def _at(days: int, hour: int = 10) -> datetime:
    d = (utcnow() + timedelta(days=days)).astimezone(CASA).date()
    return datetime.combine(d, time(hour, 0), tzinfo=CASA)


def workshop(world, **over) -> dict:
    data = {
        "type": "workshop", "title": "Rédiger son CV", "theme": "CV",
        "starts_at": _at(10).isoformat(), "ends_at": _at(10, 12).isoformat(),
        "organiser_membership_id": world.counselor.membership_id,
        "audience": {"fields": ["Informatique"], "levels": ["Licence"], "establishments": []},
        "capacity": 20,
        "partners": [{"kind": "speaker", "name": "Mme Idrissi"}],
    }
    data.update(over)
    return data


def events_state() -> list[tuple]:
    """What a refused calendar request must leave unchanged."""
    with system_session("test snapshot") as s:
        rows = s.exec(select(Event).order_by(Event.id)).all()
        staff = s.exec(select(func.count()).select_from(EventStaff)).one()
        return [(e.id, e.tenant_id, e.title, e.starts_at, e.ends_at, e.capacity, e.room_id, e.status,
                 e.sequence, e.organiser_membership_id) for e in rows] + [("staff", staff)]


def unchanged() -> tuple:
    return events_state(), snapshot()


def feed_calendar(client, url: str) -> Calendar:
    """Fetch a subscription URL as a calendar app does: no credentials."""
    r = client.get(urlsplit(url).path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(r.content)


def vevent(calendar: Calendar, uid: str):
    found = [c for c in calendar.walk("VEVENT") if str(c["UID"]) == uid]
    assert len(found) == 1, [str(c["UID"]) for c in calendar.walk("VEVENT")]
    return found[0]


# ---------------------------------------------------------------- done when

def test_workshop_from_creation_to_the_counselors_feed(client, world_a):
    a = world_a
    counselor, manager = bearer_for(a.counselor), bearer_for(a.manager)

    r = client.post(EVENTS.format("alpha"), json=workshop(a), headers=counselor)
    assert r.status_code == 201, r.text
    e = r.json()
    assert e["status"] == "draft" and e["timezone"] == "Africa/Casablanca"
    assert e["staff_membership_ids"] == [a.counselor.membership_id]
    assert e["allowed_actions"] == ["propose"]  # validating is the manager's
    url = f"{EVENTS.format('alpha')}/{e['id']}"

    def act(headers, action, **body):
        resp = client.post(url + "/transitions", json={"action": action, **body}, headers=headers)
        assert resp.status_code == 200, resp.text
        return resp.json()

    assert act(counselor, "propose")["status"] == "proposed"
    validated = act(manager, "validate")
    assert validated["status"] == "validated" and validated["manager_validated_at"]
    published = act(counselor, "publish")
    assert published["status"] == "published" and published["sequence"] == 1

    r = client.post("/api/v1/tenants/alpha/calendar/feeds", json={"scope": "personal"}, headers=counselor)
    assert r.status_code == 201, r.text
    feed_url = r.json()["url"]
    assert "/api/v1/calendar/feed/" in feed_url and feed_url.endswith(".ics")

    ev = vevent(feed_calendar(client, feed_url), e["uid"])
    assert ev["DTSTART"].params["TZID"] == "Africa/Casablanca"
    assert ev.decoded("DTSTART") == _at(10)
    assert ev.decoded("DTSTART").utcoffset() == _at(10).utcoffset()
    assert int(ev["SEQUENCE"]) == 1 and str(ev["SUMMARY"]) == "Rédiger son CV"

    # after validation only the manager moves it; subscribers see a higher SEQUENCE
    r = client.patch(url, json={"starts_at": _at(11).isoformat(), "ends_at": _at(11, 12).isoformat()},
                     headers=counselor)
    assert r.status_code == 403 and error_code(r) == "edit_after_validation"
    r = client.patch(url, json={"starts_at": _at(11, 14).isoformat(), "ends_at": _at(11, 16).isoformat()},
                     headers=manager)
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["sequence"] == 2 and moved["title"] == "Rédiger son CV" and moved["capacity"] == 20
    assert moved["audience"]["fields"] == ["Informatique"]  # a PATCH keeps what it does not name
    ev = vevent(feed_calendar(client, feed_url), e["uid"])
    assert int(ev["SEQUENCE"]) == 2 and ev.decoded("DTSTART") == _at(11, 14)

    # the single event's file, for a signed-in member
    r = client.get(url + ".ics", headers=manager)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    single = vevent(Calendar.from_ical(r.content), e["uid"])
    assert int(single["SEQUENCE"]) == 2 and single.decoded("DTEND") == _at(11, 16)

    cancelled = act(manager, "cancel", reason="intervenante indisponible")
    assert cancelled["status"] == "cancelled" and cancelled["allowed_actions"] == []
    ev = vevent(feed_calendar(client, feed_url), e["uid"])
    assert str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == 3


# ---------------------------------------------------------------- bad input

def test_end_before_start_is_refused(client, world_a):
    a = world_a
    counselor = bearer_for(a.counselor)
    before = unchanged()
    r = client.post(EVENTS.format("alpha"), headers=counselor,
                    json=workshop(a, ends_at=_at(10, 9).isoformat()))
    assert r.status_code == 422 and error_code(r) == "end_before_start", r.text
    assert unchanged() == before
    e = client.post(EVENTS.format("alpha"), json=workshop(a), headers=counselor).json()
    before = unchanged()
    r = client.patch(f"{EVENTS.format('alpha')}/{e['id']}", headers=counselor,
                     json={"ends_at": _at(9).isoformat()})
    assert r.status_code == 422 and error_code(r) == "end_before_start", r.text
    assert unchanged() == before


def test_capacity_below_registrations_is_refused(client, world_a):
    a = world_a
    counselor = bearer_for(a.counselor)
    e = client.post(EVENTS.format("alpha"), json=workshop(a), headers=counselor).json()
    with system_session("t") as s:  # registrations are taken by the portal (not built yet)
        row = s.get(Event, e["id"])
        row.registered_count = 12
        s.add(row)
        s.commit()
    before = unchanged()
    r = client.patch(f"{EVENTS.format('alpha')}/{e['id']}", json={"capacity": 10}, headers=counselor)
    assert r.status_code == 409 and error_code(r) == "capacity_below_registrations", r.text
    assert r.json()["error"]["registered"] == 12
    assert unchanged() == before
    r = client.patch(f"{EVENTS.format('alpha')}/{e['id']}", json={"capacity": 12}, headers=counselor)
    assert r.status_code == 200 and r.json()["capacity"] == 12


def test_transition_not_allowed_for_the_role(client, world_a):
    a = world_a
    counselor, manager, student = bearer_for(a.counselor), bearer_for(a.manager), bearer_for(a.student)
    e = client.post(EVENTS.format("alpha"), json=workshop(a), headers=counselor).json()
    url = f"{EVENTS.format('alpha')}/{e['id']}/transitions"
    assert client.post(url, json={"action": "propose"}, headers=counselor).status_code == 200
    before = unchanged()
    r = client.post(url, json={"action": "validate"}, headers=counselor)
    assert r.status_code == 403 and error_code(r) == "transition_forbidden", r.text
    r = client.post(url, json={"action": "propose"}, headers=counselor)
    assert r.status_code == 409 and error_code(r) == "transition_not_allowed"
    r = client.post(url, json={"action": "explode"}, headers=counselor)
    assert r.status_code == 422 and error_code(r) == "unknown_action"
    r = client.post(url, json={"action": "return_to_draft"}, headers=manager)
    assert r.status_code == 422 and error_code(r) == "reason_required"
    r = client.post(url, json={"action": "validate"}, headers=student)
    assert r.status_code == 403 and error_code(r) == "forbidden"
    assert unchanged() == before


def test_unknown_counselor_is_refused(client, worlds):
    a, b = worlds
    counselor = bearer_for(a.counselor)
    before = unchanged()
    for mid in (2**31 - 2, b.counselor.membership_id, a.student.membership_id):
        r = client.post(EVENTS.format("alpha"), headers=counselor,
                        json=workshop(a, coordination_membership_id=mid))
        assert r.status_code == 422 and error_code(r) == "unknown_member", r.text
        assert r.json()["error"]["ids"] == [mid]
    assert unchanged() == before


def test_another_tenants_room_is_not_found(client, worlds):
    a, b = worlds
    r = client.post("/api/v1/tenants/beta/rooms", json={"name": "Salle B1"}, headers=bearer_for(b.manager))
    assert r.status_code == 201, r.text
    room_b = r.json()["id"]
    counselor = bearer_for(a.counselor)
    e = client.post(EVENTS.format("alpha"), json=workshop(a), headers=counselor).json()
    before = unchanged()
    r = client.post(EVENTS.format("alpha"), json=workshop(a, room_id=room_b), headers=counselor)
    assert r.status_code == 404, r.text
    r = client.patch(f"{EVENTS.format('alpha')}/{e['id']}", json={"room_id": room_b}, headers=counselor)
    assert r.status_code == 404, r.text
    assert unchanged() == before
    assert [x["name"] for x in client.get("/api/v1/tenants/alpha/rooms", headers=counselor).json()] == []


def test_schedule_conflict_names_the_events_and_needs_a_reason_to_override(client, world_a):
    a = world_a
    counselor = bearer_for(a.counselor)
    first = client.post(EVENTS.format("alpha"), json=workshop(a), headers=counselor).json()
    clash = workshop(a, title="Entretien blanc", starts_at=_at(10, 11).isoformat(),
                     ends_at=_at(10, 13).isoformat())
    before = unchanged()
    r = client.post(EVENTS.format("alpha"), json=clash, headers=counselor)
    assert r.status_code == 409 and error_code(r) == "schedule_conflict", r.text
    assert r.json()["error"]["conflicts"] == [first["id"]]
    r = client.post(EVENTS.format("alpha"), json=clash | {"override_conflicts": True}, headers=counselor)
    assert r.status_code == 422 and error_code(r) == "override_reason_required"
    assert unchanged() == before
    r = client.post(EVENTS.format("alpha"), headers=counselor,
                    json=clash | {"override_conflicts": True, "override_reason": "co-animation"})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("body, code", [
    ({"type": "party"}, "unknown_type"),
    ({"starts_at": "2031-01-01T10:00:00", "ends_at": "2031-01-01T12:00:00"}, "naive_datetime"),
    ({"online_url": "javascript:alert(1)"}, "invalid_url"),
    ({"details": {"company": "X"}}, "invalid_details"),
    ({"title": "x"}, "invalid"),
    ({"colour": "red"}, "invalid"),
    ({"capacity": 0}, "invalid"),
])
def test_bad_event_input(client, world_a, body, code):
    counselor = bearer_for(world_a.counselor)
    before = unchanged()
    r = client.post(EVENTS.format("alpha"), json=workshop(world_a, **body), headers=counselor)
    assert r.status_code == 422 and error_code(r) == code, r.text
    assert unchanged() == before


def test_students_neither_see_nor_create_events(client, world_a):
    student = bearer_for(world_a.student)
    before = unchanged()
    r = client.post(EVENTS.format("alpha"), json=workshop(world_a), headers=student)
    assert r.status_code == 403 and error_code(r) == "forbidden"
    r = client.get(EVENTS.format("alpha"), headers=student,
                   params={"start": _at(0).isoformat(), "end": _at(30).isoformat()})
    assert r.status_code == 403
    assert unchanged() == before


# ---------------------------------------------------------------- listing

def test_list_pages_and_filters(client, world_a):
    a = world_a
    for day in range(1, 6):
        cal.do_create_event(a.counselor.actor, a.tenant_id, workshop(
            a, title=f"Atelier {day}", starts_at=_at(day), ends_at=_at(day, 11),
            audience={"fields": ["Droit" if day % 2 else "Informatique"]}))
    cal.do_create_event(a.manager.actor, a.tenant_id, workshop(
        a, type="monthly_management_meeting", title="Réunion", organiser_membership_id=a.manager.membership_id,
        starts_at=_at(2, 15), ends_at=_at(2, 16), audience={}, capacity=None, partners=[]))
    manager = bearer_for(a.manager)
    rng = {"start": _at(0).isoformat(), "end": _at(30).isoformat()}

    titles, offset = [], 0
    while offset is not None:
        r = client.get(EVENTS.format("alpha"), params=rng | {"limit": 2, "offset": offset}, headers=manager)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 2 and page["offset"] == offset
        titles += [x["title"] for x in page["items"]]
        offset = page["next_offset"]
    assert titles == ["Atelier 1", "Atelier 2", "Réunion", "Atelier 3", "Atelier 4", "Atelier 5"]

    def listed(**params) -> list[str]:
        r = client.get(EVENTS.format("alpha"), params=rng | params, headers=manager)
        assert r.status_code == 200, r.text
        return [x["title"] for x in r.json()["items"]]

    assert listed(type="monthly_management_meeting") == ["Réunion"]
    assert listed(type=["monthly_management_meeting", "workshop"], limit=3) == titles[:3]
    assert listed(status="published") == []
    assert listed(membership_id=a.manager.membership_id) == ["Réunion"]
    # the audience filter is applied before paging, so pages stay full; no audience means everyone
    assert listed(audience_field="Droit", limit=2) == ["Atelier 1", "Réunion"]
    droit = client.get(EVENTS.format("alpha"), params=rng | {"audience_field": "Droit", "limit": 2, "offset": 2},
                       headers=manager).json()
    assert [x["title"] for x in droit["items"]] == ["Atelier 3", "Atelier 5"] and droit["next_offset"] is None

    r = client.get(EVENTS.format("alpha") + "/view", params=rng | {"type": "workshop"}, headers=manager)
    assert r.status_code == 200
    rows = r.json()
    assert [x["title"] for x in rows] == ["Atelier 1", "Atelier 2", "Atelier 3", "Atelier 4", "Atelier 5"]
    assert set(rows[0]) == {"id", "type", "title", "status", "starts_at", "ends_at", "room_id",
                            "organiser_membership_id", "capacity", "registered_count"}


@pytest.mark.parametrize("params, code", [
    ({}, "invalid"),
    ({"start": "2031-01-01T00:00:00+00:00"}, "invalid"),
    ({"start": "2031-01-01T00:00:00", "end": "2031-02-01T00:00:00"}, "naive_datetime"),
    ({"start": "2031-02-01T00:00:00+00:00", "end": "2031-01-01T00:00:00+00:00"}, "end_before_start"),
    ({"start": "2031-01-01T00:00:00+00:00", "end": "2033-01-01T00:00:00+00:00"}, "range_too_long"),
    ({"start": "2031-01-01T00:00:00+00:00", "end": "2031-02-01T00:00:00+00:00", "type": "party"}, "invalid_filter"),
    ({"start": "2031-01-01T00:00:00+00:00", "end": "2031-02-01T00:00:00+00:00", "limit": 0}, "invalid"),
    ({"start": "2031-01-01T00:00:00+00:00", "end": "2031-02-01T00:00:00+00:00", "limit": 201}, "invalid"),
])
def test_list_refuses_bad_parameters(client, world_a, params, code):
    r = client.get(EVENTS.format("alpha"), params=params, headers=bearer_for(world_a.manager))
    assert r.status_code == 422 and error_code(r) == code, r.text


def test_another_centres_event_is_not_found(client, worlds):
    a, b = worlds
    e = cal.do_create_event(a.counselor.actor, a.tenant_id, workshop(a, starts_at=_at(3), ends_at=_at(3, 11)))
    manager_b = bearer_for(b.manager)
    before = unchanged()
    for method, suffix, body in [("GET", "", None), ("GET", ".ics", None), ("PATCH", "", {"title": "Pris"}),
                                 ("POST", "/transitions", {"action": "propose"})]:
        r = client.request(method, f"{EVENTS.format('beta')}/{e.id}{suffix}", json=body, headers=manager_b)
        assert r.status_code == 404 and error_code(r) == "not_found", (method, suffix, r.text)
    rng = {"start": _at(0).isoformat(), "end": _at(30).isoformat()}
    assert client.get(EVENTS.format("beta"), params=rng, headers=manager_b).json()["items"] == []
    assert client.get(EVENTS.format("beta") + "/view", params=rng, headers=manager_b).json() == []
    assert unchanged() == before


# ---------------------------------------------------------------- feeds

def test_feeds_are_listed_and_revoked(client, world_a):
    a = world_a
    counselor, manager = bearer_for(a.counselor), bearer_for(a.manager)
    feeds = "/api/v1/tenants/alpha/calendar/feeds"
    mine = client.post(feeds, json={}, headers=counselor).json()
    centre = client.post(feeds, json={"scope": "tenant"}, headers=counselor).json()
    assert client.post(feeds, json={"scope": "everyone"}, headers=counselor).status_code == 422
    listed = client.get(feeds, headers=counselor).json()
    assert [(f["id"], f["scope"]) for f in listed] == [(centre["id"], "tenant"), (mine["id"], "personal")]
    assert all("url" not in f for f in listed)
    assert client.get(feeds, headers=manager).json() == []

    e = cal.do_create_event(a.manager.actor, a.tenant_id, workshop(
        a, type="monthly_management_meeting", title="Réunion mensuelle",
        organiser_membership_id=a.manager.membership_id, audience={}, capacity=None, partners=[]))
    cal.do_transition(a.manager.actor, a.tenant_id, e.id, "publish")
    # the centre's feed has the manager's meeting, the counselor's own feed does not
    assert [str(c["UID"]) for c in feed_calendar(client, centre["url"]).walk("VEVENT")] == [e.uid]
    assert feed_calendar(client, mine["url"]).walk("VEVENT") == []

    # someone else's feed cannot be revoked
    r = client.delete(f"{feeds}/{mine['id']}", headers=manager)
    assert r.status_code == 404 and error_code(r) == "not_found"
    assert client.delete(f"{feeds}/{mine['id']}", headers=counselor).status_code == 204
    assert client.get(urlsplit(mine["url"]).path).status_code == 404
    assert client.delete(f"{feeds}/{mine['id']}", headers=counselor).status_code == 404
    assert [f["id"] for f in client.get(feeds, headers=counselor).json()] == [centre["id"]]
    r = client.get("/api/v1/calendar/feed/not-a-token.ics")
    assert r.status_code == 404 and error_code(r) == "not_found"


def test_activity_types_need_a_signed_in_caller(client, world_a):
    assert client.get("/api/v1/calendar/activity-types").status_code == 401
    r = client.get("/api/v1/calendar/activity-types", headers=bearer_for(world_a.student))
    types = {t["code"]: t for t in r.json()}
    assert types["company_visit"]["host_validation"] and types["company_visit"]["fields"] == ["company", "transport"]
    assert types["weekly_coordination_meeting"]["meeting"] and not types["weekly_coordination_meeting"]["public"]


# ---------------------------------------------------------------- academic calendar, rooms, series

def test_academic_year_and_weekly_meeting_series(client, world_a):
    manager, counselor = bearer_for(world_a.manager), bearer_for(world_a.counselor)
    today = utcnow().astimezone(CASA).date()
    first = today + timedelta(days=1)
    year = {"label": f"{first.year}-{first.year + 1}", "starts_on": str(first),
            "ends_on": str(first + timedelta(days=300)),
            "semesters": [{"starts_on": str(first), "ends_on": str(first + timedelta(days=140))}],
            "holidays": [{"name": "Vacances", "starts_on": str(first + timedelta(days=60)),
                          "ends_on": str(first + timedelta(days=74))}]}
    years = "/api/v1/tenants/alpha/academic-years"
    r = client.put(years, json=year, headers=counselor)
    assert r.status_code == 403
    r = client.put(years, json=year | {"ends_on": str(first - timedelta(days=1))}, headers=manager)
    assert r.status_code == 422 and error_code(r) == "end_before_start", r.text
    r = client.put(years, json=year, headers=manager)
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["holidays"][0]["name"] == "Vacances" and len(saved["semesters"]) == 1
    # the same label replaces the year's periods
    r = client.put(years, json=year | {"holidays": []}, headers=manager)
    assert r.json()["id"] == saved["id"] and r.json()["holidays"] == []
    r = client.put(years, json=year, headers=manager)
    assert [y["label"] for y in client.get(years, headers=counselor).json()] == [year["label"]]

    r = client.post("/api/v1/tenants/alpha/rooms", json={"name": " Salle  du conseil ", "capacity": 12},
                    headers=manager)
    assert r.status_code == 201 and r.json()["name"] == "Salle du conseil"
    room = r.json()["id"]
    r = client.post("/api/v1/tenants/alpha/rooms", json={"name": "Salle du conseil"}, headers=manager)
    assert r.status_code == 409 and error_code(r) == "room_exists"

    series = {"title": "Réunion de coordination", "academic_year_id": saved["id"], "weekday": 0,
              "local_start": "10:00", "duration_minutes": 60, "room_id": room}
    r = client.post("/api/v1/tenants/alpha/meeting-series", json=series, headers=counselor)
    assert r.status_code == 403
    r = client.post("/api/v1/tenants/alpha/meeting-series", json=series | {"type": "workshop"}, headers=manager)
    assert r.status_code == 422 and error_code(r) == "unknown_type"
    r = client.post("/api/v1/tenants/alpha/meeting-series", json=series, headers=manager)
    assert r.status_code == 201, r.text
    assert r.json()["rrule"] == "FREQ=WEEKLY;BYDAY=MO" and r.json()["timezone"] == "Africa/Casablanca"

    rng = {"start": datetime.combine(first, time(0), tzinfo=CASA).isoformat(),
           "end": datetime.combine(first + timedelta(days=301), time(0), tzinfo=CASA).isoformat(),
           "type": "weekly_coordination_meeting"}
    rows = client.get(EVENTS.format("alpha") + "/view", params=rng, headers=counselor).json()
    holiday = (first + timedelta(days=60), first + timedelta(days=74))
    days = [datetime.fromisoformat(x["starts_at"]).astimezone(CASA) for x in rows]
    assert len(days) >= 38
    assert all(d.weekday() == 0 and d.time() == time(10, 0) for d in days)  # 10:00 across DST changes
    assert not [d for d in days if holiday[0] <= d.date() <= holiday[1]]
    assert all(x["room_id"] == room for x in rows)


def test_monthly_planning_exports(worlds):
    """M32 over REST: the month's planning as PDF and XLSX, only with calendar access."""
    import io

    import openpyxl
    from fastapi.testclient import TestClient

    from cc_network.api import api_app
    from tenants.auth.services import do_create_api_token

    a, _ = worlds
    client = TestClient(api_app)
    token = do_create_api_token(a.counselor.actor, name="planning").secret
    h = {"Authorization": f"Bearer {token}"}
    r = client.get("/api/v1/tenants/alpha/planning", params={"start": "2026-12-01", "format": "xlsx"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert openpyxl.load_workbook(io.BytesIO(r.content)).active.max_row >= 1
    r = client.get("/api/v1/tenants/alpha/planning", params={"start": "2026-12-01", "lang": "ar"}, headers=h)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    r = client.get("/api/v1/tenants/alpha/planning", params={"start": "2026-12-01", "format": "doc"}, headers=h)
    assert r.status_code == 422
    student = do_create_api_token(a.student.actor, name="s").secret
    r = client.get("/api/v1/tenants/alpha/planning", params={"start": "2026-12-01"},
                   headers={"Authorization": f"Bearer {student}"})
    assert r.status_code == 403
