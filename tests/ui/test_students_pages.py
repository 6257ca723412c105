"""The staff's students pages, run in-process: the directory (search, filters, pages), a
student's record (profile, consent history, sessions with notes, visits, the CV sent to the
browser only), the deletion requests (approve anonymises, reject needs a note) and the study
lists (add, rename, deactivate, reactivate)."""

from __future__ import annotations

import asyncio
import base64
import io
from datetime import timedelta

import pytest
from pypdf import PdfWriter
from sqlmodel import select

from integrations.db import system_session
from integrations.settings import reset_settings
from tenants.core.models import Membership
from tenants.portal.profiles import services as prof
from tenants.portal.profiles.models import (
    DeletionRequest,
    Establishment,
    StudentProfile,
    StudyField,
)
from tenants.portal.sessions import services as sess
from tenants.portal.visits.services import do_log_visit
from tests.conftest import create_person
from tests.portal.registrations.util import bulk_students
from tests.portal.sessions.test_sessions import hours, local
from tests.ui.test_handler_isolation import app_handlers, call, session_cookie, shown


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    """Stored CVs outlive the database wipe: each test keeps its own private folder."""
    monkeypatch.setenv("CC_DATA_DIR", str(tmp_path / "data"))
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def _cookie(person) -> str:
    return session_cookie(person.account_id, person.tenant_id)


def _run(state, key: str, *args):
    result = app_handlers()[key][1].fn(state, *args)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def _pdf() -> bytes:
    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


@pytest.fixture
def lists(world_a):
    mgr, tid = world_a.manager.actor, world_a.tenant_id
    host = prof.do_save_establishment(mgr, tid, {"name": "Faculté des Sciences", "city": "Rabat", "is_host": True})
    ensa = prof.do_save_establishment(mgr, tid, {"name": "ENSA"})
    info = prof.do_save_study_field(mgr, tid, {"name": "Informatique", "tracks": ["Génie logiciel", "Réseaux"]})
    law = prof.do_save_study_field(mgr, tid, {"name": "Droit"})
    return host, ensa, info, law


# ---------------------------------------------------------------- the directory

def test_the_directory_searches_filters_and_pages(world_a, lists):
    host, ensa, info, law = lists
    tid = world_a.tenant_id
    many = bulk_students(tid, 30, prefix="bulk")
    prof.do_update_my_profile(world_a.student.actor, tid, {"full_name": "Salma Idrissi", "establishment_id": host.id,
                                                           "field_id": info.id, "track": "Réseaux", "level": "bac+3"})
    prof.do_set_consent(world_a.student.actor, tid, granted=True)
    prof.do_update_my_profile(many[0], tid, {"establishment_id": ensa.id, "field_id": law.id, "level": "bac+5"})
    prof.do_request_deletion(many[1], tid, reason="Je pars")

    state, _ = call("StudentsState.on_load", _cookie(world_a.counselor), "/staff/students", ())
    assert state.error == "" and len(state.rows) == 25 and state.has_next and state.page == 1
    assert state.can_manage and state.pending_requests == 1
    assert {o.label for o in state.field_options} == {"Informatique", "Droit"}
    # staff are not listed, only students
    assert world_a.manager.email not in shown(state)
    _run(state, "StudentsState.next_page")
    assert state.page == 2 and len(state.rows) == 6 and not state.has_next
    _run(state, "StudentsState.next_page")  # no page beyond the last
    assert state.page == 2

    _run(state, "StudentsState.apply_filters", {"query": "salma"})
    [salma] = state.rows
    assert state.page == 1 and salma.id == world_a.student.membership_id and salma.consent
    assert salma.establishment == "Faculté des Sciences" and salma.field == "Informatique — Réseaux"
    _run(state, "StudentsState.apply_filters", {"field": str(law.id)})
    assert [r.id for r in state.rows] == [many[0].membership_id]
    _run(state, "StudentsState.apply_filters", {"establishment": str(host.id), "level": "bac+3"})
    assert [r.id for r in state.rows] == [world_a.student.membership_id]
    _run(state, "StudentsState.apply_filters", {"consenting": "on"})
    assert [r.id for r in state.rows] == [world_a.student.membership_id] and state.consenting_only
    # a bad filter says so and keeps what was shown
    _run(state, "StudentsState.apply_filters", {"level": "bac+9"})
    assert state.error == "error.invalid_filter" and [r.id for r in state.rows] == [world_a.student.membership_id]
    _run(state, "StudentsState.apply_filters", {"field": "not-an-id"})
    assert state.error == "error.invalid" and state.level_filter == ""
    _run(state, "StudentsState.apply_filters", "not a form")
    assert state.error == "error.invalid"
    _run(state, "StudentsState.clear_filters")
    assert state.error == "" and len(state.rows) == 25 and not state.consenting_only
    pending = next(r for r in state.rows if r.id == many[1].membership_id)
    assert pending.deletion_pending


def test_the_directory_needs_student_view(world_a):
    state, _ = call("StudentsState.on_load", _cookie(world_a.people["ambassador"]), "/staff/students", ())
    assert state.error == "error.forbidden" and state.rows == []
    # a business developer reads the students but does not manage them
    state, _ = call("StudentsState.on_load", _cookie(world_a.people["business_developer"]), "/staff/students", ())
    assert state.error == "" and [r.id for r in state.rows] == [world_a.student.membership_id]
    assert not state.can_manage and state.pending_requests == 0


# ---------------------------------------------------------------- the record

def _record(mid) -> str:
    return f"/staff/students/{mid}"


def test_the_record_shows_profile_consent_sessions_visits_and_sends_the_cv(world_a, lists, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # Reflex's upload directory would be here: it must stay empty
    host, _ensa, info, _law = lists
    st, tid = world_a.student.actor, world_a.tenant_id
    prof.do_update_my_profile(st, tid, {
        "full_name": "Salma Idrissi", "phone": "+212 600 000 000", "establishment_id": host.id, "field_id": info.id,
        "track": "Réseaux", "level": "bac+3", "graduation_year": 2027, "graduation_month": 6,
        "languages": [{"language": "Anglais", "level": "B2"}], "skills": ["Python"],
        "experiences": [{"title": "Stage", "organisation": "OCP", "start": "2025-07-01", "end": "2025-08-31"}]})
    prof.do_set_consent(st, tid, granted=True)
    prof.do_set_consent(st, tid, granted=False)
    pdf = _pdf()
    prof.do_upload_cv(st, tid, filename="Mon CV.pdf", data=pdf)
    hours(world_a, ("09:00", "12:00"))
    booking = sess.do_book_session(st, tid, {"counselor_membership_id": world_a.counselor.membership_id,
                                             "starts_at": local(2, 9), "need": "Préparer un entretien"})
    sess.do_confirm_session(world_a.counselor.actor, tid, booking.id)
    sess.do_record_session_outcome(world_a.counselor.actor, tid, booking.id, notes="Projet : data analyst",
                                   next_action="Atelier LinkedIn", now=booking.starts_at + timedelta(hours=1))
    do_log_visit(world_a.people["ambassador"].actor, tid, {
        "student_membership_id": world_a.student.membership_id, "channel": "walk_in", "needs": ["cv", "internship"],
        "orientation": "Atelier CV jeudi"})

    path = _record(world_a.student.membership_id)
    state, _ = call("StudentRecordState.on_load", _cookie(world_a.people["business_developer"]), path, ())
    assert state.error == "" and state.found and state.student_name == "Salma Idrissi"
    lines = {ln.label: ln.value for ln in state.lines}
    assert lines["ui.portal.establishment"] == "Faculté des Sciences (Rabat)"
    assert lines["ui.students.establishment_kind"] == "ui.students.host"
    assert lines["ui.portal.track"] == "Réseaux" and lines["ui.students.graduation"] == "06/2027"
    assert state.level == "bac+3" and state.languages == ["Anglais — B2"] and state.skills == ["Python"]
    assert state.experiences[0].organisation == "OCP"
    # consent withdrawn, with its dated history, latest first
    assert not state.consent_granted and state.consent_at != ""
    assert [c.granted for c in state.consents] == [False, True] and state.consents[0].version
    [session] = state.sessions
    assert session.status == "done" and session.notes == "Projet : data analyst" and session.next_action
    [visit] = state.visits
    assert visit.channel == "walk_in" and visit.needs == ["cv", "internship"] and state.can_see_visits
    assert state.cv_filename == "Mon CV.pdf"

    result = _run(state, "StudentRecordState.download_cv")
    text = str(result)
    assert "application/pdf" in text and "Mon CV.pdf" in text and base64.b64encode(pdf).decode() in text
    assert "/_upload" not in text and list(tmp_path.iterdir()) == [tmp_path / "data"]


def test_a_record_without_cv_says_so(world_a):
    state, _ = call("StudentRecordState.on_load", _cookie(world_a.manager), _record(world_a.student.membership_id), ())
    assert state.found and state.cv_filename == "" and state.sessions == [] and state.consents == []
    assert _run(state, "StudentRecordState.download_cv") is None and state.error == "error.no_cv"


def test_another_centres_student_or_a_non_student_is_not_found(worlds):
    a, b = worlds
    prof.do_update_my_profile(a.student.actor, a.tenant_id, {"full_name": "Alpha Secret Student"})
    prof.do_upload_cv(a.student.actor, a.tenant_id, filename="alpha.pdf", data=_pdf())
    path = _record(a.student.membership_id)
    state, _ = call("StudentRecordState.on_load", _cookie(b.manager), path, ())
    assert not state.found and state.error == "error.not_found" and "Alpha Secret" not in shown(state)
    assert _run(state, "StudentRecordState.download_cv") is None and state.error == "error.not_found"
    # a staff member is not a student; a path without an id neither
    for bad in (_record(a.counselor.membership_id), "/staff/students/abc", _record(10**17)):
        state, _ = call("StudentRecordState.on_load", _cookie(a.manager), bad, ())
        assert not state.found and state.error == "error.not_found", bad
    # an ambassador of the same centre may not read records
    state, _ = call("StudentRecordState.on_load", _cookie(a.people["ambassador"]), path, ())
    assert not state.found and state.error == "error.forbidden" and "Alpha Secret" not in shown(state)
    assert _run(state, "StudentRecordState.download_cv") is None and state.error == "error.forbidden"


# ---------------------------------------------------------------- deletion requests

REQUESTS = "/staff/students/deletion-requests"


def _status(request_id: int) -> str:
    with system_session("test") as s:
        return s.get(DeletionRequest, request_id).status


def test_deletion_requests_are_approved_with_anonymisation_or_rejected_with_a_note(world_a):
    tid = world_a.tenant_id
    leaving = create_person("leaving@alpha.test", tenant_id=tid, roles=["student"], name="Leaving Student")
    prof.do_update_my_profile(leaving.actor, tid, {"full_name": "Leaving Student", "phone": "0611111111"})
    prof.do_upload_cv(leaving.actor, tid, filename="cv.pdf", data=_pdf())
    gone = prof.do_request_deletion(leaving.actor, tid, reason="Je quitte le pays")
    kept = prof.do_request_deletion(world_a.student.actor, tid, reason="")

    state, _ = call("DeletionRequestsState.on_load", _cookie(world_a.counselor), REQUESTS, ())
    assert state.error == "" and [r.id for r in state.pending] == [gone.id, kept.id] and state.handled == []
    assert state.pending[0].reason == "Je quitte le pays" and state.pending[0].name == "Leaving Student"

    # a rejection needs a note: nothing changes without one
    _run(state, "DeletionRequestsState.start_reject", kept.id)
    assert state.editing_id == kept.id
    _run(state, "DeletionRequestsState.reject", {"request_id": str(kept.id), "reason": "   "})
    assert state.error == "error.reason_required" and _status(kept.id) == "pending" and state.editing_id == kept.id
    _run(state, "DeletionRequestsState.reject", {"request_id": "x", "reason": "Non"})
    assert state.error == "error.invalid" and _status(kept.id) == "pending"
    _run(state, "DeletionRequestsState.reject", {"request_id": str(kept.id), "reason": "Stage en cours"})
    assert state.error == "" and state.notice == "ui.deletions.rejected" and state.editing_id == 0
    assert _status(kept.id) == "rejected" and [r.id for r in state.pending] == [gone.id]
    assert state.handled[0].rejection_reason == "Stage en cours"

    _run(state, "DeletionRequestsState.approve", "not-an-id")
    assert state.error == "error.invalid" and _status(gone.id) == "pending"
    _run(state, "DeletionRequestsState.approve", gone.id)
    assert state.error == "" and state.notice == "ui.deletions.approved" and state.pending == []
    assert {r.status for r in state.handled} == {"approved", "rejected"} and state.handled_total == 2
    with system_session("test") as s:
        assert s.get(Membership, leaving.membership_id).active is False
        profile = s.exec(select(StudentProfile).where(StudentProfile.tenant_id == tid,
                                                      StudentProfile.anonymised_at.is_not(None))).one()
        assert profile.membership_id is None and profile.full_name == "" and profile.phone == ""
        assert profile.cv_key is None
    # handled once only
    _run(state, "DeletionRequestsState.approve", gone.id)
    assert state.error == "error.deletion_already_handled"
    # the anonymised student left the directory
    directory, _ = call("StudentsState.on_load", _cookie(world_a.counselor), "/staff/students", ())
    assert leaving.membership_id not in [r.id for r in directory.rows]


def test_deletion_requests_need_student_manage(worlds):
    a, b = worlds
    req = prof.do_request_deletion(a.student.actor, a.tenant_id, reason="Alpha secret reason")
    for role in ("business_developer", "ambassador"):
        state, _ = call("DeletionRequestsState.on_load", _cookie(a.people[role]), REQUESTS, ())
        assert state.error == "error.forbidden" and state.pending == []
        _run(state, "DeletionRequestsState.approve", req.id)
        assert state.error == "error.forbidden" and _status(req.id) == "pending"
    # another centre's manager meets "not found" and sees nothing
    state, _ = call("DeletionRequestsState.on_load", _cookie(b.manager), REQUESTS, ())
    assert state.pending == [] and "Alpha secret reason" not in shown(state)
    _run(state, "DeletionRequestsState.approve", req.id)
    assert state.error == "error.not_found" and _status(req.id) == "pending"
    _run(state, "DeletionRequestsState.start_reject", req.id)
    assert state.editing_id == 0


# ---------------------------------------------------------------- study lists

LISTS = "/staff/students/lists"


def _establishments(tid: int) -> dict[str, tuple]:
    with system_session("test") as s:
        return {e.name: (e.city, e.is_host, e.active) for e in s.exec(
            select(Establishment).where(Establishment.tenant_id == tid)).all()}


def _fields(tid: int) -> dict[str, tuple]:
    with system_session("test") as s:
        return {f.name: (tuple(f.tracks), f.active) for f in s.exec(
            select(StudyField).where(StudyField.tenant_id == tid)).all()}


def test_establishments_are_added_renamed_deactivated_and_reactivated(world_a):
    tid = world_a.tenant_id
    state, _ = call("StudyListsState.on_load", _cookie(world_a.manager), LISTS, ())
    assert state.error == "" and state.can_manage and state.establishments == []
    _run(state, "StudyListsState.add_establishment", {"est_name": "  ", "est_city": "Rabat"})
    assert state.error == "error.name_required" and _establishments(tid) == {}
    _run(state, "StudyListsState.add_establishment", {"est_name": "Faculté des Sciences", "est_city": "Rabat",
                                                      "est_is_host": "on"})
    assert state.error == "" and state.notice == "ui.lists.establishment_added"
    assert _establishments(tid) == {"Faculté des Sciences": ("Rabat", True, True)}
    _run(state, "StudyListsState.add_establishment", {"est_name": "ENSA"})
    _run(state, "StudyListsState.add_establishment", {"est_name": "ENSA", "est_city": "Kénitra"})
    assert state.error == "error.establishment_exists" and _establishments(tid)["ENSA"] == ("", False, True)
    ensa = next(e for e in state.establishments if e.name == "ENSA")

    _run(state, "StudyListsState.set_establishment_active", ensa.id, False)
    assert state.error == "" and _establishments(tid)["ENSA"] == ("", False, False)
    assert [e.name for e in prof.list_establishments(world_a.student.actor, tid)] == ["Faculté des Sciences"]
    # a rename keeps the item deactivated
    _run(state, "StudyListsState.start_edit_establishment", ensa.id)
    assert state.editing_id == ensa.id and state.editing_kind == "establishment" and state.edit_name == "ENSA"
    _run(state, "StudyListsState.save_establishment", {"item_id": str(ensa.id), "edit_est_name": "Faculté des Sciences"})
    assert state.error == "error.establishment_exists" and "ENSA" in _establishments(tid)
    _run(state, "StudyListsState.save_establishment", {"item_id": str(ensa.id), "edit_est_name": "ENSA Kénitra",
                                                       "edit_est_city": "Kénitra"})
    assert state.error == "" and state.editing_id == 0
    assert _establishments(tid)["ENSA Kénitra"] == ("Kénitra", False, False) and "ENSA" not in _establishments(tid)
    _run(state, "StudyListsState.set_establishment_active", ensa.id, True)
    assert state.notice == "ui.lists.reactivated" and _establishments(tid)["ENSA Kénitra"][2] is True
    _run(state, "StudyListsState.set_establishment_active", ensa.id, "no")
    assert state.error == "error.invalid" and _establishments(tid)["ENSA Kénitra"][2] is True


def test_fields_of_study_keep_their_tracks(world_a):
    tid = world_a.tenant_id
    state, _ = call("StudyListsState.on_load", _cookie(world_a.counselor), LISTS, ())
    _run(state, "StudyListsState.add_study_field", {"fld_name": "Informatique", "fld_sector": "Numérique",
                                                     "fld_tracks": "Génie logiciel\n\n Réseaux \nGénie logiciel"})
    assert state.error == "" and _fields(tid) == {"Informatique": (("Génie logiciel", "Réseaux"), True)}
    _run(state, "StudyListsState.add_study_field", {"fld_name": "Informatique"})
    assert state.error == "error.field_exists" and len(_fields(tid)) == 1
    _run(state, "StudyListsState.add_study_field", {"fld_name": "D"})
    assert state.error == "error.name_required" and len(_fields(tid)) == 1
    [field] = state.fields
    _run(state, "StudyListsState.start_edit_study_field", field.id)
    assert state.editing_kind == "field" and state.edit_tracks == "Génie logiciel\nRéseaux"
    _run(state, "StudyListsState.save_study_field", {"item_id": str(field.id), "edit_fld_name": "Informatique",
                                                      "edit_fld_tracks": "Génie logiciel\nData"})
    assert state.error == "" and _fields(tid)["Informatique"] == (("Génie logiciel", "Data"), True)
    _run(state, "StudyListsState.set_study_field_active", field.id, False)
    assert _fields(tid)["Informatique"] == (("Génie logiciel", "Data"), False) and not state.fields[0].active


def test_the_lists_are_edited_only_by_who_manages_students_of_the_centre(worlds):
    a, b = worlds
    est = prof.do_save_establishment(a.manager.actor, a.tenant_id, {"name": "Alpha Faculty"})
    for role in ("business_developer", "intern"):
        state, _ = call("StudyListsState.on_load", _cookie(a.people[role]), LISTS, ())
        assert state.error == "" and not state.can_manage and [e.name for e in state.establishments] == ["Alpha Faculty"]
        _run(state, "StudyListsState.add_establishment", {"est_name": "Nouvelle"})
        assert state.error == "error.forbidden" and set(_establishments(a.tenant_id)) == {"Alpha Faculty"}
        _run(state, "StudyListsState.set_establishment_active", est.id, False)
        assert state.error == "error.forbidden" and _establishments(a.tenant_id)["Alpha Faculty"][2] is True
    state, _ = call("StudyListsState.on_load", _cookie(b.manager), LISTS, ())
    assert "Alpha Faculty" not in shown(state)
    _run(state, "StudyListsState.save_establishment", {"item_id": str(est.id), "edit_est_name": "Stolen"})
    assert state.error == "error.not_found" and set(_establishments(a.tenant_id)) == {"Alpha Faculty"}
    _run(state, "StudyListsState.start_edit_establishment", est.id)
    assert state.editing_id == 0
