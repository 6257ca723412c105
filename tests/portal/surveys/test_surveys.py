"""Satisfaction questionnaires (T04, issue 4 §5): templates per event type, opening when a
workshop is closed (invitations by e-mail), answering once, results per event and counselor."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from integrations.db import system_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.mail import DevMail
from integrations.outbox import OutboxMessage
from tenants.portal.certificates.models import Certificate
from tenants.portal.surveys import services as sv
from tenants.portal.surveys.models import SurveyAnswer, SurveyResponse
from tests.portal.registrations.util import bulk_students
from tests.portal.surveys.util import held_workshop

GOOD = {"q1": 5, "q2": 4, "q3": 4, "q4": 3, "q5": "Très utile, merci"}


def _count(model, **where) -> int:
    with system_session("test: count") as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.execute(q).scalar_one()


def test_closing_opens_the_default_workshop_questionnaire_and_invites_attendees(world_a, run_outbox):
    a = world_a
    s1, s2, s3 = bulk_students(a.tenant_id, 3)
    # closing the workshop (in held_workshop) opened the questionnaire and queued the invitations
    eid, _ = held_workshop(a, [s1, s2, s3], attend=[s1, s2])
    assert _count(OutboxMessage) == 2
    q = sv.do_open_questionnaire(a.counselor.actor, a.tenant_id, eid)
    assert q is not None and q.invitations_sent == 2
    assert [(x.key, x.kind, x.required) for x in q.questions] == [
        ("q1", "rating", True), ("q2", "rating", True), ("q3", "rating", True), ("q4", "rating", True),
        ("q5", "text", False)]
    # opening again changes nothing and sends nothing more
    again = sv.do_open_questionnaire(a.counselor.actor, a.tenant_id, eid)
    assert again.id == q.id and _count(OutboxMessage) == 2
    run_outbox()
    with system_session("test: mailbox") as s:
        mails = s.exec(select(DevMail)).scalars().all()
    assert sorted(m.to_email for m in mails) == sorted([s1.email, s2.email])  # not the absent one
    assert all(f"/surveys/{eid}" in m.body_text for m in mails)


def test_questionnaire_of_an_unclosed_event_is_refused(world_a):
    a = world_a
    (s1,) = bulk_students(a.tenant_id, 1)
    eid, _ = held_workshop(a, [s1], close=False)
    with pytest.raises(Conflict) as exc:
        sv.do_open_questionnaire(a.counselor.actor, a.tenant_id, eid)
    assert exc.value.code == "event_not_closed"
    with pytest.raises(Conflict) as exc:
        sv.do_submit_answers(s1, a.tenant_id, eid, GOOD)
    assert exc.value.code == "event_not_closed"
    assert _count(SurveyResponse) == 0


def test_student_answers_once_and_gets_a_certificate(world_a):
    a = world_a
    (s1,) = bulk_students(a.tenant_id, 1)
    eid, regs = held_workshop(a, [s1])
    sv.do_open_questionnaire(a.counselor.actor, a.tenant_id, eid)
    pending = sv.my_pending_questionnaires(s1, a.tenant_id)
    assert [p.event_id for p in pending] == [eid]
    mine = sv.get_my_questionnaire(s1, a.tenant_id, eid)
    assert mine.submitted_at is None and mine.questions[0].label != "survey.default.content"

    done = sv.do_submit_answers(s1, a.tenant_id, eid, GOOD)
    assert done.certificate is not None and done.certificate.registration_id == regs[s1.membership_id]
    assert done.certificate.student_name == s1.full_name and done.certificate.valid
    assert sv.get_my_questionnaire(s1, a.tenant_id, eid).submitted_at is not None
    assert sv.my_pending_questionnaires(s1, a.tenant_id) == []

    with pytest.raises(Conflict) as exc:
        sv.do_submit_answers(s1, a.tenant_id, eid, GOOD)
    assert exc.value.code == "survey_already_answered"
    assert (_count(SurveyResponse), _count(SurveyAnswer), _count(Certificate)) == (1, 5, 1)


def test_a_student_who_did_not_attend_cannot_answer(world_a):
    a = world_a
    s1, s2 = bulk_students(a.tenant_id, 2)
    eid, _ = held_workshop(a, [s1, s2], attend=[s1])
    sv.do_open_questionnaire(a.counselor.actor, a.tenant_id, eid)
    for who in (s2, a.student.actor):  # registered but absent; never registered
        with pytest.raises(Forbidden) as exc:
            sv.do_submit_answers(who, a.tenant_id, eid, GOOD)
        assert exc.value.code == "survey_not_attended"
    with pytest.raises(Forbidden):  # staff do not answer students' questionnaires
        sv.do_submit_answers(a.counselor.actor, a.tenant_id, eid, GOOD)
    assert (_count(SurveyResponse), _count(Certificate)) == (0, 0)


@pytest.mark.parametrize("answers,code", [
    ({"q1": 5}, "survey_answer_required"),
    ({**GOOD, "q1": 6}, "survey_invalid_rating"),
    ({**GOOD, "q2": 0}, "survey_invalid_rating"),
    ({**GOOD, "q3": True}, "survey_invalid_rating"),
    ({**GOOD, "q4": "bien"}, "survey_invalid_rating"),
    ({**GOOD, "q9": 3}, "survey_unknown_question"),
    ({**GOOD, "q5": "x" * 2001}, "survey_text_too_long"),
    ({**GOOD, "q5": 12}, "survey_invalid_answers"),
    (["q1", 5], "survey_invalid_answers"),
])
def test_answers_are_checked_against_the_questionnaire(world_a, answers, code):
    a = world_a
    (s1,) = bulk_students(a.tenant_id, 1)
    eid, _ = held_workshop(a, [s1])
    sv.do_open_questionnaire(a.counselor.actor, a.tenant_id, eid)
    with pytest.raises(Invalid) as exc:
        sv.do_submit_answers(s1, a.tenant_id, eid, answers)
    assert exc.value.code == code
    assert (_count(SurveyResponse), _count(Certificate)) == (0, 0)
    # the optional comment may be left out; ratings posted by a form as strings are accepted
    sv.do_submit_answers(s1, a.tenant_id, eid, {"q1": "5", "q2": 4, "q3": 4, "q4": 2})
    assert _count(SurveyAnswer) == 4


def test_staff_define_questions_per_type_and_open_questionnaires_keep_theirs(world_a):
    a = world_a
    body = {"questions": [{"kind": "rating", "label": "Qualité des intervenants"},
                          {"kind": "text", "label": "Ce que vous retenez", "required": True}]}
    for who in (a.counselor.actor, a.student.actor):  # no settings permission
        with pytest.raises(Forbidden):
            sv.do_set_template(who, a.tenant_id, "workshop", body)
    with pytest.raises(Invalid) as exc:
        sv.do_set_template(a.manager.actor, a.tenant_id, "weekly_coordination_meeting", body)
    assert exc.value.code == "survey_unknown_event_type"
    with pytest.raises(Invalid):
        sv.do_set_template(a.manager.actor, a.tenant_id, "workshop", {"questions": [{"kind": "stars",
                                                                                     "label": "Note"}]})
    assert sv.get_template(a.counselor.actor, a.tenant_id, "workshop").stored is False
    assert sv.get_template(a.counselor.actor, a.tenant_id, "job_fair") is None
    # a recruitment day has its own evaluation form (P19) by default
    day_form = sv.get_template(a.counselor.actor, a.tenant_id, "recruitment_day")
    assert day_form.stored is False
    assert day_form.questions[0].label == "Les entreprises rencontrées correspondaient à mon profil"

    (s1, s2) = bulk_students(a.tenant_id, 2)
    first, _ = held_workshop(a, [s1], title="Atelier un")
    sv.do_open_questionnaire(a.counselor.actor, a.tenant_id, first)   # default questions, copied
    view = sv.do_set_template(a.manager.actor, a.tenant_id, "workshop", body)
    assert [(q.key, q.kind, q.label) for q in view.questions] == [
        ("q1", "rating", "Qualité des intervenants"), ("q2", "text", "Ce que vous retenez")]
    second, _ = held_workshop(a, [s2], title="Atelier deux")
    sv.do_open_questionnaire(a.counselor.actor, a.tenant_id, second)
    assert len(sv.get_my_questionnaire(s1, a.tenant_id, first).questions) == 5
    with pytest.raises(Invalid) as exc:
        sv.do_submit_answers(s2, a.tenant_id, second, {"q1": 4})
    assert exc.value.code == "survey_answer_required"
    sv.do_submit_answers(s2, a.tenant_id, second, {"q1": 4, "q2": "Le pitch"})
    sv.do_submit_answers(s1, a.tenant_id, first, GOOD)


def test_results_per_event_and_per_counselor(world_a, world_b):
    a = world_a
    s1, s2, s3 = bulk_students(a.tenant_id, 3)
    eid, _ = held_workshop(a, [s1, s2, s3])
    sv.do_open_questionnaire(a.counselor.actor, a.tenant_id, eid)
    sv.do_submit_answers(s1, a.tenant_id, eid, GOOD)
    sv.do_submit_answers(s2, a.tenant_id, eid, {"q1": 2, "q2": 2, "q3": 3, "q4": 1, "q5": "Trop court"})
    res = sv.event_results(a.counselor.actor, a.tenant_id, eid)
    assert (res.attended, res.responses) == (3, 2)
    q1 = res.questions[0]
    assert (q1.answers, q1.average, q1.distribution) == (2, 3.5, {1: 0, 2: 1, 3: 0, 4: 0, 5: 1})
    assert res.questions[4].texts == ["Très utile, merci", "Trop court"]

    by = sv.counselor_results(a.manager.actor, a.tenant_id, a.counselor.membership_id)
    assert [(x.event_id, x.responses) for x in by.events] == [(eid, 2)]
    assert by.responses == 2 and by.average == pytest.approx((5 + 4 + 4 + 3 + 2 + 2 + 3 + 1) / 8, abs=0.01)
    assert sv.counselor_results(a.manager.actor, a.tenant_id, a.manager.membership_id).events == []

    with pytest.raises(Forbidden):
        sv.event_results(s1, a.tenant_id, eid)
    # another centre's event, member or questionnaire answers "not found"
    b = world_b
    with pytest.raises(NotFound):
        sv.event_results(b.counselor.actor, b.tenant_id, eid)
    with pytest.raises(NotFound):
        sv.counselor_results(b.manager.actor, b.tenant_id, a.counselor.membership_id)
    with pytest.raises(NotFound):
        sv.do_open_questionnaire(b.counselor.actor, b.tenant_id, eid)
    with pytest.raises(NotFound):
        sv.do_submit_answers(b.student.actor, b.tenant_id, eid, GOOD)
    with pytest.raises(Forbidden):  # acting in a centre one is not a member of
        sv.event_results(b.counselor.actor, a.tenant_id, eid)


def test_staff_labels_in_three_languages_and_clear_validation_codes(world_a):
    a = world_a
    body = {"questions": [{"kind": "rating", "label": "Qualité", "label_en": "Quality", "label_ar": "الجودة"},
                          {"kind": "text", "label": "Remarques", "required": False}]}
    view = sv.do_set_template(a.manager.actor, a.tenant_id, "workshop", body, lang="ar")
    assert [q.label for q in view.questions] == ["الجودة", "Remarques"]  # no Arabic label: the French one
    assert view.questions[0].labels == {"fr": "Qualité", "en": "Quality", "ar": "الجودة"}
    assert sv.get_template(a.counselor.actor, a.tenant_id, "workshop", lang="en").questions[0].label == "Quality"
    # the default's labels come in every language too (what the editor starts from)
    default = sv.get_template(a.counselor.actor, a.tenant_id, "debate_workshop")
    assert default is None or default.questions[0].labels["ar"]
    for bad, code in [({"questions": []}, "survey_question_count"),
                      ({"questions": [{"kind": "rating", "label": "x"}]}, "survey_question_label"),
                      ({"questions": [{"kind": "rating", "label": "Bien", "label_en": "y" * 301}]},
                       "survey_question_label"),
                      ({"questions": [{"kind": "rating", "label": "Bien"}] * (sv.MAX_QUESTIONS + 1)},
                       "survey_question_count")]:
        with pytest.raises(Invalid) as exc:
            sv.do_set_template(a.manager.actor, a.tenant_id, "workshop", bad)
        assert exc.value.code == code
    assert [q.label for q in sv.get_template(a.manager.actor, a.tenant_id, "workshop").questions] == [
        "Qualité", "Remarques"]
    assert sv.can_define_questionnaires(a.manager.actor) and not sv.can_define_questionnaires(a.counselor.actor)


def test_list_questionnaires_of_closed_events(world_a, world_b):
    a = world_a
    s1, s2 = bulk_students(a.tenant_id, 2)
    assert sv.list_questionnaires(a.counselor.actor, a.tenant_id).items == []
    first, _ = held_workshop(a, [s1, s2], title="Atelier un")
    held_workshop(a, [s1], title="Pas encore clos", close=False)
    sv.do_submit_answers(s1, a.tenant_id, first, GOOD)
    page = sv.list_questionnaires(a.counselor.actor, a.tenant_id)
    assert [(x.event_id, x.event_title, x.attended, x.responses) for x in page.items] == [
        (first, "Atelier un", 2, 1)] and (page.total, page.pages) == (1, 1)
    assert sv.list_questionnaires(world_b.manager.actor, world_b.tenant_id).items == []
    with pytest.raises(Forbidden):
        sv.list_questionnaires(s1, a.tenant_id)
