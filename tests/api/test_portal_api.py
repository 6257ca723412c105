"""The student portal over REST (issue 4 §8): sessions, registrations, profile and CV, visits;
the happy paths and the refusals a client meets, each leaving the data as it was."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfWriter
from sqlalchemy import func, update
from sqlmodel import select

from integrations.db import system_session, utcnow
from tenants.calendar import services as cal
from tenants.portal.registrations import services as reg
from tenants.portal.registrations.models import Registration
from tenants.portal.sessions.models import SessionBooking, StudentSuspension
from tenants.portal.settings.services import do_update_portal_settings
from tests.api.util import bearer_for, error_code, snapshot
from tests.portal.registrations.util import at, bulk_students, publish, set_event

CASA = ZoneInfo("Africa/Casablanca")
PORTAL = "/api/v1/tenants/{}/portal"


def local(days: int, hh: int = 9, mm: int = 0) -> datetime:
    d = (utcnow() + timedelta(days=days)).astimezone(CASA).date()
    return datetime.combine(d, time(hh, mm), tzinfo=CASA)


def hours(world) -> None:
    slots = [{"weekday": wd, "start_time": "09:00", "end_time": "12:00"} for wd in range(7)]
    cal.do_set_availability(world.manager.actor, world.tenant_id, world.counselor.membership_id, slots)


def make_pdf(pad: int = 0) -> bytes:
    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    if pad:
        w.add_metadata({"/Padding": "x" * pad})
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def count(model, **where) -> int:
    with system_session("test count") as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.exec(q).one()


def shift_booking(booking_id: int, starts_at: datetime) -> None:
    """Move a booking (and its event) to the past, as if the session had taken place."""
    with system_session("test: move booking") as s:
        b = s.get(SessionBooking, booking_id)
        length = b.ends_at - b.starts_at
        s.execute(update(SessionBooking).where(SessionBooking.id == booking_id)
                  .values(starts_at=starts_at, ends_at=starts_at + length))
        s.commit()
        event_id = b.event_id
    set_event(event_id, starts_at=starts_at, ends_at=starts_at + length)


# ---------------------------------------------------------------- sessions

def test_session_from_free_slot_to_outcome(client, world_a):
    a = world_a
    hours(a)
    student, counselor = bearer_for(a.student), bearer_for(a.counselor)
    url = PORTAL.format(a.slug)

    r = client.get(f"{url}/counselors", headers=student)
    assert r.status_code == 200, r.text
    assert [c["membership_id"] for c in r.json()] == [a.counselor.membership_id]

    day = local(3).date().isoformat()
    r = client.get(f"{url}/counselors/{a.counselor.membership_id}/slots", params={"from": day, "to": day},
                   headers=student)
    assert r.status_code == 200, r.text
    slots = r.json()
    assert len(slots) == 4  # 09:00-12:00 in 45-minute sessions
    assert datetime.fromisoformat(slots[0]["starts_at"]) == local(3, 9)

    r = client.post(f"{url}/bookings", headers=student, json={
        "counselor_membership_id": a.counselor.membership_id, "starts_at": slots[1]["starts_at"],
        "need": "Préparer un entretien"})
    assert r.status_code == 201, r.text
    booking = r.json()
    assert booking["status"] == "requested" and booking["notes"] is None

    # the slot is no longer free
    r = client.get(f"{url}/counselors/{a.counselor.membership_id}/slots", params={"from": day, "to": day},
                   headers=student)
    assert slots[1] not in r.json() and len(r.json()) == 3

    r = client.get(f"{url}/bookings", params={"status": "requested"}, headers=counselor)
    assert [b["id"] for b in r.json()] == [booking["id"]]
    assert r.json()[0]["student_membership_id"] == a.student.membership_id

    r = client.post(f"{url}/bookings/{booking['id']}/confirm", headers=counselor)
    assert r.status_code == 200 and r.json()["status"] == "confirmed", r.text

    # not yet held: no outcome
    r = client.post(f"{url}/bookings/{booking['id']}/outcome", headers=counselor, json={"notes": "Bien"})
    assert r.status_code == 409 and error_code(r) == "session_not_started"

    shift_booking(booking["id"], utcnow() - timedelta(hours=2))
    r = client.post(f"{url}/bookings/{booking['id']}/outcome", headers=counselor,
                    json={"notes": "CV revu, lettre à reprendre", "next_action": "Revenir dans 2 semaines"})
    assert r.status_code == 200 and r.json()["status"] == "done", r.text

    # the student's list never carries the counselor's notes
    r = client.get(f"{url}/bookings", headers=student)
    (mine,) = r.json()
    assert mine["status"] == "done" and mine["notes"] is None and mine["next_action"] is None
    assert "CV revu" not in r.text


def test_booking_in_the_past_or_suspended_is_refused_and_changes_nothing(client, world_a):
    a = world_a
    hours(a)
    student = bearer_for(a.student)
    url = f"{PORTAL.format(a.slug)}/bookings"
    body = {"counselor_membership_id": a.counselor.membership_id, "need": "Préparer un entretien"}
    before = snapshot()

    r = client.post(url, headers=student, json=body | {"starts_at": local(-1, 9).isoformat()})
    assert r.status_code == 422 and error_code(r) == "in_the_past", r.text
    r = client.post(url, headers=student, json=body | {"starts_at": "2030-01-01T09:00:00"})
    assert r.status_code == 422 and error_code(r) == "naive_datetime", r.text

    now = utcnow()
    with system_session("test: suspend") as s:
        s.add(StudentSuspension(tenant_id=a.tenant_id, student_membership_id=a.student.membership_id,
                                starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=5),
                                no_show_count=3))
        s.commit()
    r = client.post(url, headers=student, json=body | {"starts_at": local(3, 9).isoformat()})
    assert r.status_code == 409 and error_code(r) == "booking_suspended", r.text
    assert r.json()["error"]["until"]
    assert count(SessionBooking) == 0 and snapshot() == before


def test_cancellation_by_student_and_by_staff(client, world_a):
    a = world_a
    hours(a)
    student, counselor = bearer_for(a.student), bearer_for(a.counselor)
    url = PORTAL.format(a.slug)
    ids = []
    for hh, mm in ((9, 0), (10, 30)):
        r = client.post(f"{url}/bookings", headers=student, json={
            "counselor_membership_id": a.counselor.membership_id, "starts_at": local(4, hh, mm).isoformat(),
            "need": "Orientation"})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])

    r = client.post(f"{url}/bookings/{ids[0]}/cancel", headers=student, json={})
    assert r.status_code == 200 and r.json()["cancelled_by"] == "student", r.text
    r = client.post(f"{url}/bookings/{ids[1]}/cancel", headers=counselor, json={})
    assert r.status_code == 422 and error_code(r) == "reason_required"
    r = client.post(f"{url}/bookings/{ids[1]}/cancel", headers=counselor, json={"reason": "Absence imprévue"})
    assert r.status_code == 200 and r.json()["cancelled_by"] == "counselor", r.text


# ---------------------------------------------------------------- registrations

def test_full_workshop_puts_the_student_on_the_waitlist_then_offers_the_seat(client, world_a):
    a = world_a
    eid = publish(a, capacity=1)
    (other,) = bulk_students(a.tenant_id, 1)
    first = reg.do_register(other, a.tenant_id, eid)
    student = bearer_for(a.student)
    url = PORTAL.format(a.slug)

    r = client.post(f"{url}/registrations", headers=student, json={"event_id": eid})
    assert r.status_code == 201, r.text
    mine = r.json()
    assert (mine["status"], mine["position"], mine["waitlist_seq"]) == ("waitlisted", 1, 1)

    r = client.post(f"{url}/registrations", headers=student, json={"event_id": eid})
    assert r.status_code == 409 and error_code(r) == "already_registered"

    reg.do_cancel_registration(other, a.tenant_id, first.id)
    r = client.get(f"{url}/registrations", headers=student)
    assert [(x["id"], x["status"]) for x in r.json()] == [(mine["id"], "offered")]
    r = client.post(f"{url}/registrations/{mine['id']}/accept-offer", headers=student)
    assert r.status_code == 200 and r.json()["status"] == "confirmed", r.text

    # staff: the attendance sheet, then check-in once the activity is about to start
    counselor = bearer_for(a.counselor)
    r = client.get(f"/api/v1/tenants/{a.slug}/events/{eid}/registrations", headers=counselor)
    assert [(x["registration_id"], x["status"]) for x in r.json()][0] == (mine["id"], "confirmed")
    r = client.post(f"{url}/registrations/{mine['id']}/check-in", headers=counselor)
    assert r.status_code == 409 and error_code(r) == "check_in_not_open"
    set_event(eid, starts_at=utcnow() + timedelta(minutes=30), ends_at=utcnow() + timedelta(hours=2))
    r = client.post(f"{url}/registrations/{mine['id']}/check-in", headers=counselor)
    assert r.status_code == 200 and r.json()["status"] == "attended", r.text


def test_closed_window_other_centre_event_and_bad_filter(client, worlds):
    a, b = worlds
    student = bearer_for(a.student)
    url = PORTAL.format(a.slug)
    closed = publish(a, registration_closes_at=at(1))
    set_event(closed, registration_closes_at=utcnow() - timedelta(hours=1))
    later = publish(a, starts_at=at(12), ends_at=at(12, 12), registration_opens_at=at(5))
    theirs = publish(b)
    before = count(Registration), snapshot()

    r = client.post(f"{url}/registrations", headers=student, json={"event_id": closed})
    assert r.status_code == 409 and error_code(r) == "registration_closed", r.text
    r = client.post(f"{url}/registrations", headers=student, json={"event_id": later})
    assert r.status_code == 409 and error_code(r) == "registration_not_open" and r.json()["error"]["opens_at"]
    r = client.post(f"{url}/registrations", headers=student, json={"event_id": theirs})
    assert r.status_code == 404 and error_code(r) == "not_found"
    r = client.get(f"{url}/catalogue", params={"type": "team_meeting"}, headers=student)
    assert r.status_code == 422 and error_code(r) == "invalid_filter"
    assert (count(Registration), snapshot()) == before

    # the catalogue: this centre's open or upcoming activities, paged
    r = client.get(f"{url}/catalogue", params={"per_page": 1}, headers=student)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 1 and page["next_page"] is None
    assert page["items"][0]["id"] == later and page["items"][0]["open_now"] is False


# ---------------------------------------------------------------- profile and CV

def test_profile_cv_consent_export_and_deletion_request(client, world_a):
    a = world_a
    student, counselor = bearer_for(a.student), bearer_for(a.counselor)
    url = f"{PORTAL.format(a.slug)}/profile"

    r = client.patch(url, headers=student, json={"phone": "+212 600 000 000", "skills": ["Python", "python"]})
    assert r.status_code == 200 and r.json()["skills"] == ["Python"], r.text
    r = client.patch(url, headers=student, json={"level": "bac+9"})
    assert r.status_code == 422

    pdf = make_pdf()
    r = client.post(f"{url}/cv", headers=student, files={"file": ("Mon CV é.pdf", pdf, "application/pdf")})
    assert r.status_code == 200 and r.json()["has_cv"] and r.json()["cv_size"] == len(pdf), r.text
    r = client.get(f"{url}/cv", headers=student)
    assert r.status_code == 200 and r.content == pdf and r.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''Mon%20CV%20%C3%A9.pdf" in r.headers["content-disposition"]

    # staff see consenting students only when asked, and read the CV
    students = f"{PORTAL.format(a.slug)}/students"
    assert client.get(students, params={"consented": True}, headers=counselor).json()["items"] == []
    r = client.post(f"{url}/consent", headers=student)
    assert r.status_code == 200 and r.json()["granted"] is True
    r = client.get(students, params={"consented": True}, headers=counselor)
    assert [x["membership_id"] for x in r.json()["items"]] == [a.student.membership_id]
    r = client.get(f"{students}/{a.student.membership_id}/cv", headers=counselor)
    assert r.status_code == 200 and r.content == pdf
    r = client.delete(f"{url}/consent", headers=student)
    assert r.json()["granted"] is False

    r = client.get(f"{url}/export", headers=student)
    assert r.status_code == 200 and r.json()["profile"]["phone"] == "+212 600 000 000"
    assert [c["granted"] for c in r.json()["consents"]] == [True, False]

    r = client.post(f"{url}/deletion-request", headers=student, json={"reason": "Je quitte le centre"})
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    r = client.post(f"{url}/deletion-request", headers=student)
    assert r.status_code == 409 and error_code(r) == "deletion_already_requested"


@pytest.mark.parametrize("name, data, code", [
    ("cv.pdf", b"PK\x03\x04 a word document", "cv_not_pdf"),
    ("cv.pdf", b"", "cv_empty"),
    ("big.pdf", None, "cv_too_large"),
])
def test_bad_cv_is_refused_and_the_old_one_kept(client, world_a, name, data, code):
    a = world_a
    do_update_portal_settings(a.manager.actor, a.tenant_id, {"cv_max_bytes": 100 * 1024})
    student = bearer_for(a.student)
    url = f"{PORTAL.format(a.slug)}/profile/cv"
    good = make_pdf()
    assert client.post(url, headers=student, files={"file": ("cv.pdf", good, "application/pdf")}).status_code == 200
    before = snapshot()
    data = make_pdf(pad=200 * 1024) if data is None else data
    r = client.post(url, headers=student, files={"file": (name, data, "application/pdf")})
    assert r.status_code == 422 and error_code(r) == code, r.text
    assert client.get(url, headers=student).content == good
    assert snapshot() == before


# ---------------------------------------------------------------- visits

def test_visit_sheets(client, worlds):
    a, b = worlds
    intern = bearer_for(a.people["intern"])
    url = f"{PORTAL.format(a.slug)}/visits"
    r = client.post(url, headers=intern, json={"student_membership_id": a.student.membership_id,
                                               "channel": "walk_in", "needs": ["cv", "cv"]})
    assert r.status_code == 201 and r.json()["needs"] == ["cv"], r.text
    before = snapshot()
    r = client.post(url, headers=intern, json={"student_membership_id": b.student.membership_id,
                                               "channel": "walk_in"})
    assert r.status_code == 404 and error_code(r) == "student_not_found"
    r = client.post(url, headers=intern, json={"student_membership_id": a.student.membership_id,
                                               "channel": "kiosk"})
    assert r.status_code == 422 and error_code(r) == "invalid_channel"
    assert snapshot() == before
    r = client.get(url, params={"student": a.student.membership_id}, headers=intern)
    assert [v["channel"] for v in r.json()] == ["walk_in"]
    r = client.get(url, headers=bearer_for(a.student))
    assert r.status_code == 403
