"""The student's questionnaire page and certificates, and the staff attendance sheet on the
event sheet, run in-process as signed-in people."""

from __future__ import annotations

import asyncio

from tenants.portal.certificates.services import my_certificates
from tenants.portal.registrations import services as reg
from tests.portal.registrations.util import at, bulk_students
from tests.portal.surveys.util import held_workshop
from tests.ui.test_handler_isolation import app_handlers, call, session_cookie


def _cookie(person) -> str:
    return session_cookie(person.account_id, person.tenant_id)


def _run(state, key: str, *args):
    result = app_handlers()[key][1].fn(state, *args)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def _survey_path(world, eid: int) -> str:
    return f"/portal/{world.slug}/surveys/{eid}"


def test_the_student_answers_once_then_downloads_the_certificate(world_a):
    eid, _ = held_workshop(world_a, [world_a.student.actor], title="Atelier entretien")
    home, _ = call("PortalHomeState.on_load", _cookie(world_a.student), "/portal", ())
    assert home.error == "" and [(q.title, q.href) for q in home.surveys] == [
        ("Atelier entretien", _survey_path(world_a, eid))] and home.certificates == []
    state, _ = call("SurveyState.on_load", _cookie(world_a.student), _survey_path(world_a, eid), ())
    assert state.error == "" and state.found and state.title == "Atelier entretien" and not state.answered
    assert [q.kind for q in state.questions] == ["rating"] * 4 + ["text"]
    # nothing to download before answering
    assert _run(state, "SurveyState.download_certificate") is None
    _run(state, "SurveyState.submit", {"q_q1": "5", "q_q2": "4"})
    assert state.error == "error.survey_answer_required" and not state.answered
    _run(state, "SurveyState.submit", {"q_q1": "5", "q_q2": "4", "q_q3": "9", "q_q4": "3"})
    assert state.error == "error.survey_invalid_rating" and not state.answered
    _run(state, "SurveyState.submit", {"q_q1": "5", "q_q2": "4", "q_q3": "5", "q_q4": "3", "q_q5": "Très utile",
                                       "q_other": "ignored"})
    assert state.error == "" and state.notice == "ui.survey.thanks" and state.answered and state.has_certificate
    [cert] = my_certificates(world_a.student.actor, world_a.tenant_id)
    result = _run(state, "SurveyState.download_certificate")
    assert f"attestation-{cert.code}.pdf" in str(result) and "application/pdf" in str(result)
    # a second visit: already answered, the certificate still offered
    again, _ = call("SurveyState.on_load", _cookie(world_a.student), _survey_path(world_a, eid), ())
    assert again.answered and again.has_certificate and again.error == ""
    home, _ = call("PortalHomeState.on_load", _cookie(world_a.student), "/portal", ())
    assert home.surveys == [] and [c.title for c in home.certificates] == ["Atelier entretien"]
    result = _run(home, "PortalHomeState.download_certificate", home.certificates[0].id)
    assert f"attestation-{cert.code}.pdf" in str(result)


def test_a_student_who_did_not_attend_or_another_centre_gets_no_questionnaire(world_a):
    present, absent = bulk_students(world_a.tenant_id, 2)
    eid, _ = held_workshop(world_a, [present, absent], attend=[present])
    state, _ = call("SurveyState.on_load", _cookie(world_a.student), _survey_path(world_a, eid), ())
    assert state.error == "error.survey_not_attended" and not state.found
    # the link of another centre's slug is not this centre's activity
    state, _ = call("SurveyState.on_load", _cookie(world_a.student), f"/portal/beta/surveys/{eid}", ())
    assert state.error == "error.event_not_found" and not state.found


def test_a_student_cannot_download_someone_elses_certificate(world_a):
    eid, _ = held_workshop(world_a, [world_a.student.actor])
    state, _ = call("SurveyState.on_load", _cookie(world_a.student), _survey_path(world_a, eid), ())
    _run(state, "SurveyState.submit", {"q_q1": "5", "q_q2": "5", "q_q3": "5", "q_q4": "5"})
    [cert] = my_certificates(world_a.student.actor, world_a.tenant_id)
    other = world_a.people["intern"]  # signed in, but not the certificate's student
    home, _ = call("PortalHomeState.on_load", _cookie(world_a.student), "/portal", ())
    home_other, _ = call("PortalHomeState.download_certificate", _cookie(other), "/portal", (cert.id,))
    assert home_other.error in {"error.forbidden", "error.certificate_not_found"}
    assert _run(home, "PortalHomeState.download_certificate", "not-an-id") is None and home.error == "error.invalid"


def test_the_attendance_sheet_confirms_checks_in_and_prefills_the_closing(world_a):
    eid, regs = held_workshop(world_a, [world_a.student.actor], attend=[], close=False, starts_at=at(20),
                              ends_at=at(20, 12))
    rid = regs[world_a.student.membership_id]
    path = f"/staff/calendar/events/{eid}"
    state, _ = call("SheetState.on_load", _cookie(world_a.counselor), path, ())
    assert state.error == "" and state.has_registrations and state.attended == 0
    assert [(r.id, r.status) for r in state.registrations] == [(rid, "confirmed")]
    _run(state, "SheetState.registration_action", "check_in", rid)
    assert state.error == "" and state.notice == "ui.attendance.done.check_in"
    assert state.registrations[0].status == "attended" and state.attended == 1
    _run(state, "SheetState.registration_action", "no_show", rid)
    assert state.registrations[0].status == "no_show" and state.attended == 0
    _run(state, "SheetState.registration_action", "confirm", rid)
    assert state.error == "error.not_pending"
    _run(state, "SheetState.registration_action", "delete", rid)
    assert state.error == "error.unknown_action"
    # a registration of another event is refused before reaching the service
    other_eid = held_workshop(world_a, [bulk_students(world_a.tenant_id, 1)[0]], attend=[], close=False,
                              starts_at=at(25), ends_at=at(25, 12))[1]
    _run(state, "SheetState.registration_action", "check_in", next(iter(other_eid.values())))
    assert state.error == "error.registration_not_found"
    _run(state, "SheetState.registration_action", "check_in", rid)
    assert reg.attendance_count(world_a.tenant_id, eid) == 1 and state.attended == 1


def test_the_sheet_of_a_meeting_has_no_attendance_section(world_a):
    from tenants.calendar.services import do_create_event

    e = do_create_event(world_a.counselor.actor, world_a.tenant_id, {
        "type": "weekly_coordination_meeting", "title": "Réunion", "starts_at": at(5), "ends_at": at(5, 11)})
    state, _ = call("SheetState.on_load", _cookie(world_a.counselor), f"/staff/calendar/events/{e.id}", ())
    assert state.error == "" and not state.has_registrations and state.registrations == []
