"""The student portal pages' handlers, run in-process as a signed-in student: booking a
session, the waiver dialog, the CV upload kept out of Reflex's upload directory, the home."""

from __future__ import annotations

import asyncio
import io
from datetime import date, timedelta

from pypdf import PdfWriter
from starlette.datastructures import UploadFile as StarletteUpload

from tenants.calendar.services import do_set_availability
from tenants.portal.profiles.services import do_save_study_field, do_update_my_profile, open_cv
from tenants.portal.registrations import services as reg
from tests.portal.registrations.util import at, bulk_students, publish
from tests.ui.test_handler_isolation import app_handlers, call, session_cookie


def _cookie(person) -> str:
    return session_cookie(person.account_id, person.tenant_id)


def _run(state, key: str, *args):
    result = app_handlers()[key][1].fn(state, *args)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def _hours(world) -> None:
    do_set_availability(world.counselor.actor, world.tenant_id, world.counselor.membership_id,
                        [{"weekday": d, "start_time": "09:00", "end_time": "11:00"} for d in range(7)])


def test_a_student_finds_a_free_slot_books_it_and_cancels(world_a):
    _hours(world_a)
    state, _ = call("PortalSessionsState.on_load", _cookie(world_a.student), "/portal/sessions", ())
    assert state.error == "" and [o.value for o in state.counselors] == [str(world_a.counselor.membership_id)]
    day = (date.today() + timedelta(days=5)).isoformat()
    form = {"counselor": str(world_a.counselor.membership_id), "day_from": day, "day_to": day}
    _run(state, "PortalSessionsState.search_slots", form)
    assert state.error == "" and len(state.slots) >= 2
    # shown under one heading per day: that day, every slot once, times only
    [shown_day] = state.days
    target = date.fromisoformat(day)
    assert (shown_day.day, shown_day.month) == (str(target.day), str(target.month))
    assert shown_day.weekday == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[target.weekday()]
    assert [r.value for r in shown_day.slots] == [r.value for r in state.slots]
    assert shown_day.slots[0].label == "09:00"
    first = state.slots[0].value
    # a slot the page did not list is refused before reaching the service
    _run(state, "PortalSessionsState.book", {"slot": "2031-01-01T09:00:00+01:00", "need": "Mon CV"})
    assert state.error == "error.outside_availability" and state.bookings == []
    _run(state, "PortalSessionsState.book", {"slot": first, "need": "Préparer un entretien"})
    assert state.error == "" and state.notice == "ui.portal.session_booked"
    [booking] = state.bookings
    assert booking.status == "requested" and booking.open and first not in {s.value for s in state.slots}
    _run(state, "PortalSessionsState.cancel_booking", booking.id)
    assert state.error == "" and state.bookings[0].status == "cancelled" and not state.bookings[0].open


def test_a_counselor_of_another_centre_cannot_be_searched(worlds):
    a, b = worlds
    _hours(a)
    state, _ = call("PortalSessionsState.on_load", _cookie(b.student), "/portal/sessions", ())
    day = (date.today() + timedelta(days=5)).isoformat()
    _run(state, "PortalSessionsState.search_slots",
         {"counselor": str(a.counselor.membership_id), "day_from": day, "day_to": day})
    assert state.error == "error.unknown_counselor" and state.slots == []


def test_an_event_with_photos_asks_for_the_signed_waiver(world_a):
    eid = publish(world_a, title="Atelier photo", publishes_photos=True)
    state, _ = call("WorkshopsState.on_load", _cookie(world_a.student), "/portal/workshops", ())
    [row] = state.rows
    assert row.photos and row.registration_id == 0
    _run(state, "WorkshopsState.register", eid, "en")
    assert state.waiver_open and state.waiver_body and reg.my_registrations(world_a.student.actor,
                                                                            world_a.tenant_id) == []
    _run(state, "WorkshopsState.sign_waiver", {"accepted": "on", "signature": "Quelqu'un d'autre"})
    assert state.error == "error.waiver_signature_mismatch" and state.waiver_open
    _run(state, "WorkshopsState.sign_waiver", {"accepted": "on", "signature": "  student  "})
    assert state.error == "" and not state.waiver_open
    [mine] = reg.my_registrations(world_a.student.actor, world_a.tenant_id)
    assert mine.waiver_signed and state.rows[0].registration_id == mine.id


def test_the_catalogue_filters_and_pages(world_a):
    for i in range(12):
        publish(world_a, title=f"Atelier {i:02d}", starts_at=at(10 + i), ends_at=at(10 + i, 12))
    state, _ = call("WorkshopsState.on_load", _cookie(world_a.student), "/portal/workshops", ())
    assert state.total == 12 and state.pages == 2 and len(state.rows) == 10
    _run(state, "WorkshopsState.next_page")
    assert [r.title for r in state.rows] == ["Atelier 10", "Atelier 11"]
    _run(state, "WorkshopsState.apply_filters", {"text": "atelier 03", "type": "workshop"})
    assert [r.title for r in state.rows] == ["Atelier 03"] and state.page == 1
    _run(state, "WorkshopsState.apply_filters", {"type": "weekly_coordination_meeting"})
    assert state.error == "error.invalid_filter"


def test_the_home_shows_an_offer_to_accept_and_suggestions(world_a):
    full = publish(world_a, title="Atelier complet", capacity=1)
    other = bulk_students(world_a.tenant_id, 1)[0]
    first = reg.do_register(other, world_a.tenant_id, full)
    reg.do_register(world_a.student.actor, world_a.tenant_id, full)
    reg.do_cancel_registration(other, world_a.tenant_id, first.id)
    field = do_save_study_field(world_a.manager.actor, world_a.tenant_id, {"name": "Informatique"})
    do_update_my_profile(world_a.student.actor, world_a.tenant_id, {"field_id": field.id})
    publish(world_a, title="Atelier info", audience={"fields": ["Informatique"]}, starts_at=at(12),
            ends_at=at(12, 12))
    publish(world_a, title="Atelier droit", audience={"fields": ["Droit"]}, starts_at=at(13), ends_at=at(13, 12))
    state, _ = call("PortalHomeState.on_load", _cookie(world_a.student), "/portal", ())
    assert state.error == ""
    [offer] = state.upcoming_regs
    assert offer.status == "offered" and offer.hold_until != ""
    assert [s.title for s in state.suggestions] == ["Atelier info"]
    _run(state, "PortalHomeState.accept_offer", offer.id)
    assert state.error == "" and state.upcoming_regs[0].status == "confirmed"


def _pdf() -> bytes:
    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _upload(name: str, data: bytes):
    return StarletteUpload(file=io.BytesIO(data), filename=name, size=len(data))


def test_the_cv_goes_to_private_storage_and_consent_is_dated(world_a, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # Reflex's upload directory would be here: it must stay empty
    state, _ = call("ProfileState.on_load", _cookie(world_a.student), "/portal/profile", ())
    assert state.error == "" and state.cv_filename == "" and not state.consent_granted
    _run(state, "ProfileState.upload_cv", [_upload("cv.docx", b"PK\x03\x04 not a pdf")])
    assert state.error == "error.cv_not_pdf" and state.cv_filename == ""
    pdf = _pdf()
    _run(state, "ProfileState.upload_cv", [_upload("Mon CV.pdf", pdf)])
    assert state.error == "" and state.cv_filename == "Mon CV.pdf"
    assert open_cv(world_a.student.actor, world_a.tenant_id, world_a.student.membership_id) == ("Mon CV.pdf", pdf)
    assert list(tmp_path.iterdir()) == []
    _run(state, "ProfileState.set_consent", True)
    assert state.consent_granted and state.consent_at != ""
    _run(state, "ProfileState.set_consent", "yes")
    assert state.error == "error.invalid" and state.consent_granted
    result = _run(state, "ProfileState.export_data")
    assert "application/json" in str(result)


def test_the_profile_form_saves_lines_and_refuses_bad_ones(world_a):
    state, _ = call("ProfileState.on_load", _cookie(world_a.student), "/portal/profile", ())
    form = {"full_name": "Salma Benali", "phone": "+212 600 000 000", "level": "bac+3", "skills": "Python, SQL",
            "languages": "Arabe | native\nFrançais | C1", "experiences": "Stage | Atlas | 2025-06-01 | 2025-08-31",
            "graduation_year": "2027"}
    _run(state, "ProfileState.save", form)
    assert state.error == "" and state.full_name_value == "Salma Benali" and state.skills == "Python, SQL"
    assert state.languages == "Arabe | native\nFrançais | C1" and state.level == "bac+3"
    _run(state, "ProfileState.save", {**form, "languages": "Anglais | fluent"})
    assert state.error == "error.invalid_line" and state.languages == "Arabe | native\nFrançais | C1"
    _run(state, "ProfileState.request_deletion", {"reason": ""})
    assert state.error == "" and state.deletion_pending
