"""The staff questionnaire pages (T04) and the certificates of an event (T05), run in-process
as signed-in people: the editor of the questions per type, the results per event and per
counselor, downloading and revoking a certificate."""

from __future__ import annotations

import asyncio

from integrations.db import system_session
from tenants.portal.certificates.models import Certificate
from tenants.portal.certificates.services import list_certificates
from tenants.portal.surveys import services as sv
from tests.portal.registrations.util import bulk_students
from tests.portal.surveys.util import held_workshop
from tests.ui.test_handler_isolation import app_handlers, call, session_cookie, setting, shown  # noqa: F401

HOME = "/staff/surveys"


def _cookie(person) -> str:
    return session_cookie(person.account_id, person.tenant_id)


def _run(state, key: str, *args):
    result = app_handlers()[key][1].fn(state, *args)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def _labels(world, event_type: str = "workshop", lang: str = "fr") -> list[str] | None:
    view = sv.get_template(world.manager.actor, world.tenant_id, event_type, lang=lang)
    return None if view is None else [q.label for q in view.questions]


def _stored(world, event_type: str = "workshop") -> bool:
    view = sv.get_template(world.manager.actor, world.tenant_id, event_type)
    return bool(view and view.stored)


def test_the_manager_edits_the_questions_of_a_type_in_three_languages(world_a):
    a = world_a
    state, _ = call("SurveysState.on_load", _cookie(a.manager), HOME, ())
    assert state.error == "" and state.can_edit and state.event_type == "workshop" and not state.stored
    # the default questions, with their labels in every language ready to edit
    assert [q.kind for q in state.questions] == ["rating"] * 4 + ["text"]
    assert state.questions[0].fr and state.questions[0].en and state.questions[0].ar
    first, last = state.questions[0].uid, state.questions[-1].uid
    _run(state, "SurveysState.remove_question", first)
    _run(state, "SurveysState.move_question", last, -1)   # the comment goes up one place
    _run(state, "SurveysState.add_question", "rating")
    new = state.questions[-1].uid
    for name, value in (("fr", "Qualité des intervenants"), ("en", "Quality of the speakers"),
                        ("ar", "جودة المتدخلين"), ("required", False)):
        _run(state, "SurveysState.edit_question", new, name, value)
    _run(state, "SurveysState.edit_question", last, "kind", "rating")
    assert state.dirty and [q.kind for q in state.questions] == ["rating", "rating", "rating", "rating", "rating"]
    _run(state, "SurveysState.edit_question", last, "kind", "text")
    _run(state, "SurveysState.save_template")
    assert state.error == "" and state.notice == "ui.surveys.saved" and state.stored and not state.dirty
    saved = sv.get_template(a.manager.actor, a.tenant_id, "workshop", lang="en")
    assert [(q.kind, q.required) for q in saved.questions] == [
        ("rating", True), ("rating", True), ("text", False), ("rating", True), ("rating", False)]
    assert saved.questions[2].label == "Your comments and suggestions"  # the default's English kept
    assert saved.questions[-1].labels == {"fr": "Qualité des intervenants", "en": "Quality of the speakers",
                                          "ar": "جودة المتدخلين"}
    # a fresh visit shows what was saved
    again, _ = call("SurveysState.on_load", _cookie(a.manager), HOME, ())
    assert again.stored and [q.fr for q in again.questions][-1] == "Qualité des intervenants"


def test_bad_input_changes_nothing_and_says_why(world_a):
    a = world_a
    state, _ = call("SurveysState.on_load", _cookie(a.manager), HOME, ())
    before = _labels(a)
    uid = state.questions[0].uid
    _run(state, "SurveysState.edit_question", uid, "fr", "x")
    _run(state, "SurveysState.save_template")
    assert state.error == "error.survey_question_label" and state.notice == ""
    assert not _stored(a) and _labels(a) == before
    _run(state, "SurveysState.edit_question", uid, "fr", "Bon contenu")
    _run(state, "SurveysState.edit_question", uid, "en", "y" * 400)   # cut, still too long for the service
    _run(state, "SurveysState.save_template")
    assert state.error == "error.survey_question_label" and not _stored(a)
    for q in list(state.questions):
        _run(state, "SurveysState.remove_question", q.uid)
    _run(state, "SurveysState.save_template")
    assert state.error == "error.survey_question_count" and not _stored(a)
    # malformed payloads are ignored: no such row, field or kind
    _run(state, "SurveysState.discard_changes")
    rows = list(state.questions)
    for args in [("abc", "fr", "Titre"), (999999, "fr", "Titre"), (rows[0].uid, "label_key", "x"),
                 (rows[0].uid, "kind", "stars"), (rows[0].uid, "required", "yes"), (rows[0].uid, "fr", 12)]:
        _run(state, "SurveysState.edit_question", *args)
    _run(state, "SurveysState.add_question", "stars")
    _run(state, "SurveysState.move_question", rows[0].uid, 5)
    _run(state, "SurveysState.remove_question", {"uid": 1})
    assert state.questions == rows and not state.dirty
    # a type that is not open to registration is not offered
    _run(state, "SurveysState.choose_type", "weekly_coordination_meeting")
    assert state.event_type == "workshop" and state.questions == rows


def test_other_staff_read_the_questions_but_cannot_change_them(world_a):
    a = world_a
    for role in ("counselor", "ambassador"):
        state, _ = call("SurveysState.on_load", _cookie(a.people[role]), HOME, ())
        assert state.error == "" and not state.can_edit and len(state.questions) == 5
        rows = list(state.questions)
        _run(state, "SurveysState.add_question", "text")
        _run(state, "SurveysState.edit_question", rows[0].uid, "fr", "Changé en douce")
        assert state.questions == rows
        _run(state, "SurveysState.save_template")
        assert state.error == "error.forbidden" and not _stored(a)
    # a student is sent to their own area
    state, result = call("SurveysState.on_load", _cookie(a.student), HOME, ())
    assert state.questions == [] and "/portal" in str(result)


def test_a_type_without_questions_shows_an_empty_state_then_gets_some(world_a):
    a = world_a
    state, _ = call("SurveysState.on_load", _cookie(a.manager), HOME, ())
    _run(state, "SurveysState.choose_type", "job_fair")
    assert state.event_type == "job_fair" and state.questions == [] and not state.stored
    _run(state, "SurveysState.add_question", "text")
    _run(state, "SurveysState.edit_question", state.questions[0].uid, "fr", "Des entreprises utiles ?")
    _run(state, "SurveysState.save_template")
    assert state.error == "" and _labels(a, "job_fair") == ["Des entreprises utiles ?"]
    assert _labels(a, "job_fair", "ar") == ["Des entreprises utiles ?"]  # no Arabic label: the French one


def test_results_of_an_event_then_download_and_revoke_a_certificate(world_a):
    a = world_a
    s1, s2, s3 = bulk_students(a.tenant_id, 3)
    eid, _ = held_workshop(a, [s1, s2, s3], title="Atelier pitch")
    sv.do_submit_answers(s1, a.tenant_id, eid, {"q1": 5, "q2": 4, "q3": 4, "q4": 3, "q5": "Très utile"})
    sv.do_submit_answers(s2, a.tenant_id, eid, {"q1": 3, "q2": 2, "q3": 3, "q4": 1})
    home, _ = call("SurveysState.on_load", _cookie(a.manager), HOME, ())
    assert [(x.event_id, x.title, x.responses, x.attended) for x in home.closed] == [(eid, "Atelier pitch", 2, 3)]

    path = f"/staff/surveys/events/{eid}"
    state, _ = call("EventResultsState.on_load", _cookie(a.manager), path, ())
    assert state.error == "" and state.found and state.title == "Atelier pitch" and state.has_questionnaire
    assert (state.responses, state.attended) == (2, 3)
    q1 = state.results[0]
    assert (q1.kind, q1.answers, q1.average) == ("rating", 2, "4.00")
    assert [(b.rating, b.count, b.percent) for b in q1.bars] == [(5, 1, 50), (4, 0, 0), (3, 1, 50), (2, 0, 0),
                                                                 (1, 0, 0)]
    assert state.results[4].kind == "text" and state.results[4].texts == ["Très utile"]
    assert sorted(c.name for c in state.certificates) == sorted([s1.full_name, s2.full_name])
    assert state.show_certificates and state.can_revoke
    cert = state.certificates[0]
    result = _run(state, "EventResultsState.download_certificate", cert.id)
    assert f"attestation-{cert.code}.pdf" in str(result) and "application/pdf" in str(result)
    assert _run(state, "EventResultsState.download_certificate", "nope") is None and state.error == "error.invalid"

    _run(state, "EventResultsState.open_revoke", cert.id)
    assert state.revoking_id == cert.id and state.revoking_name == cert.name
    _run(state, "EventResultsState.type_reason", "  ")
    _run(state, "EventResultsState.revoke_certificate", state.revoking_id, state.reason)
    assert state.error == "error.revoke_reason_required"
    with system_session("test") as s:
        assert s.get(Certificate, cert.id).revoked_at is None
    _run(state, "EventResultsState.type_reason", "Présence saisie par erreur")
    _run(state, "EventResultsState.revoke_certificate", state.revoking_id, state.reason)
    assert state.error == "" and state.notice == "ui.surveys.revoked_done" and state.revoking_id == 0
    with system_session("test") as s:
        c = s.get(Certificate, cert.id)
        assert c.revoked_at is not None and c.revoke_reason == "Présence saisie par erreur"
    shown = next(c for c in state.certificates if c.id == cert.id)
    assert not shown.valid and shown.reason == "Présence saisie par erreur"
    # twice: the service says so
    _run(state, "EventResultsState.revoke_certificate", cert.id, "encore une fois")
    assert state.error == "error.certificate_revoked"
    # a certificate of another event of the centre is not one of this page
    other, _ = held_workshop(a, [s3], title="Autre atelier")
    sv.do_submit_answers(s3, a.tenant_id, other, {"q1": 5, "q2": 5, "q3": 5, "q4": 5})
    [foreign] = list_certificates(a.manager.actor, a.tenant_id, other)
    _run(state, "EventResultsState.revoke_certificate", foreign.id, "pas sur cette page")
    assert state.error == "error.not_found"
    assert list_certificates(a.manager.actor, a.tenant_id, other)[0].valid


def test_who_sees_results_and_who_may_revoke(world_a):
    a = world_a
    (s1,) = bulk_students(a.tenant_id, 1)
    eid, _ = held_workshop(a, [s1])
    sv.do_submit_answers(s1, a.tenant_id, eid, {"q1": 5, "q2": 5, "q3": 5, "q4": 5})
    [cert] = list_certificates(a.manager.actor, a.tenant_id, eid)
    path = f"/staff/surveys/events/{eid}"
    # the ambassador reads the satisfaction, not the students' certificates
    state, _ = call("EventResultsState.on_load", _cookie(a.people["ambassador"]), path, ())
    assert state.found and state.responses == 1 and not state.show_certificates and state.certificates == []
    _run(state, "EventResultsState.revoke_certificate", cert.id, "Je n'ai pas le droit")
    assert state.error == "error.forbidden"
    # the business developer sees them but does not revoke
    state, _ = call("EventResultsState.on_load", _cookie(a.people["business_developer"]), path, ())
    assert state.show_certificates and not state.can_revoke and len(state.certificates) == 1
    _run(state, "EventResultsState.open_revoke", cert.id)
    assert state.revoking_id == 0
    _run(state, "EventResultsState.revoke_certificate", cert.id, "Je n'ai pas le droit")
    assert state.error == "error.forbidden"
    assert list_certificates(a.manager.actor, a.tenant_id, eid)[0].valid
    # the counselor does
    state, _ = call("EventResultsState.revoke_certificate", _cookie(a.counselor), path, (cert.id, "Doublon"))
    assert state.error == "" and not list_certificates(a.manager.actor, a.tenant_id, eid)[0].valid


def test_empty_states_and_an_unknown_event(world_a):
    a = world_a
    home, _ = call("SurveysState.on_load", _cookie(a.manager), HOME, ())
    assert home.closed == [] and home.pages == 1
    eid, _ = held_workshop(a, [], close=False, title="Pas encore clos")
    state, _ = call("EventResultsState.on_load", _cookie(a.manager), f"/staff/surveys/events/{eid}", ())
    assert state.found and not state.has_questionnaire and state.results == [] and state.certificates == []
    state, _ = call("EventResultsState.on_load", _cookie(a.manager), "/staff/surveys/events/999999", ())
    assert not state.found and state.error == "error.not_found"
    state, _ = call("CounselorResultsState.on_load", _cookie(a.manager),
                    f"/staff/surveys/counselors/{a.manager.membership_id}", ())
    assert state.found and state.events == [] and state.average == "—"


def test_results_per_counselor(world_a):
    a = world_a
    s1, s2 = bulk_students(a.tenant_id, 2)
    eid, _ = held_workshop(a, [s1, s2], title="Atelier entretien")
    sv.do_submit_answers(s1, a.tenant_id, eid, {"q1": 5, "q2": 4, "q3": 5, "q4": 4})
    home, _ = call("SurveysState.on_load", _cookie(a.manager), HOME, ())
    assert str(a.counselor.membership_id) in {o.value for o in home.counselors}
    result = _run(home, "SurveysState.open_counselor", {"counselor": str(a.counselor.membership_id)})
    assert f"/staff/surveys/counselors/{a.counselor.membership_id}" in str(result)
    assert _run(home, "SurveysState.open_counselor", {"counselor": "999999"}) is None
    assert home.error == "error.member_not_found"
    state, _ = call("CounselorResultsState.on_load", _cookie(a.manager),
                    f"/staff/surveys/counselors/{a.counselor.membership_id}", ())
    assert state.error == "" and state.name
    assert [(x.event_id, x.title, x.responses, x.average) for x in state.events] == [
        (eid, "Atelier entretien", 1, "4.50")]
    assert (state.responses, state.average) == (1, "4.50")


def test_the_matrix_views_show_centre_a_its_own_secrets(setting):  # noqa: F811 (the fixture)
    """Positive control of this area's views in the isolation matrix: A's manager does see them."""
    a, _b, ids, secrets = setting
    cookie = _cookie(a.manager)
    state, _ = call("SurveysState.choose_type", cookie, HOME, ("debate_workshop",))
    assert "Alpha secret question" in shown(state)
    state, _ = call("EventResultsState.on_load", cookie, f"/staff/surveys/events/{ids['survey_event_id']}", ())
    with system_session("test") as s:
        code = s.get(Certificate, ids["certificate_id"]).code
    assert code in secrets and {"Alpha attended workshop", code} <= {x for x in secrets if x in shown(state)}
    state, _ = call("CounselorResultsState.on_load", cookie, f"/staff/surveys/counselors/{ids['counselor_mid']}",
                    ())
    assert "Alpha attended workshop" in shown(state)
