"""External evaluation (P28, second variant): assignments, the evaluator's scope, interviews,
independent ratings hidden until submitted, differences, consensus, completion, recommendations."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from integrations.db import system_session, tenant_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.outbox import OutboxMessage
from tenants.core.models import AuditEvent
from tests.assessment.factories import make_model
from tests.conftest import create_person
from workflows.assessment import external as ext
from workflows.assessment.models import (
    Assessment,
    AssessmentRating,
    EvaluationInterview,
    Recommendation,
    RefCriterion,
)

CODES = ["D1.1", "D1.2", "D2.1", "D2.2"]


@pytest.fixture
def model_id() -> int:
    return make_model(domains=2, criteria=2)


@pytest.fixture
def evaluators():
    return (create_person("eva@eval.test", network_role="external_evaluator", name="Eva Luator"),
            create_person("omar@eval.test", network_role="external_evaluator", name="Omar Rater"))


@pytest.fixture
def evaluated(run_outbox):
    """Run the compute job queued by the completion (the outbox relay's work)."""
    def _run(aid: int) -> None:
        run_outbox()
        with system_session("test read") as s:
            a = s.get(Assessment, aid)
            assert a.status == "evaluated", "services.do_compute must evaluate external assessments"
            assert a.overall_score is not None

    return _run


def self_assessment(tenant_id: int, model_id: int, values: dict[str, int]) -> int:
    """An evaluated self-assessment of the centre, as the compute job leaves it."""
    with tenant_session(tenant_id) as s:
        a = Assessment(tenant_id=tenant_id, model_id=model_id, mode="self", status="evaluated", title="Auto",
                       overall_score=50.0)
        s.add(a)
        s.flush()
        crit = {c.code: c.id for c in s.exec(select(RefCriterion).where(RefCriterion.model_id == model_id)).all()}
        for code, v in values.items():
            s.add(AssessmentRating(tenant_id=tenant_id, assessment_id=a.id, criterion_id=crit[code], rater="self",
                                   value=v, justification="pourquoi"))
        s.commit()
        return a.id


def rows(model, where=None) -> list:
    with system_session("test read") as s:
        qy = select(model)
        if where is not None:
            qy = qy.where(where)
        return list(s.exec(qy).all())


def started(admin, centre_id: int) -> int:
    d = ext.do_start_external(admin.actor, centre_id, title="Évaluation externe 2026", period_label="2026-2027",
                              framing_note="Présentation de la démarche")
    ext.do_plan_external(admin.actor, d.id, meeting_on="2026-12-03", until="2026-12-20", note="Réunion ad hoc")
    return d.id


def rate_all(person, aid: int, values: dict[str, int]) -> None:
    for code, v in values.items():
        ext.do_rate(person.actor, aid, code, value=v, justification="" if v >= 2 else "preuves partielles")


# ---------------------------------------------------------------- assignments


def test_admin_assigns_and_unassigns_and_access_follows_at_once(worlds, network_admin, evaluators, model_id):
    a, b = worlds
    eva, _ = evaluators
    assert ext.assigned_centres(eva.actor) == []
    asg = ext.do_assign(network_admin.actor, a.tenant_id, eva.account_id)
    assert (asg.centre_id, asg.evaluator_account_id, asg.active) == (a.tenant_id, eva.account_id, True)
    assert [c.id for c in ext.assigned_centres(eva.actor)] == [a.tenant_id]
    assert [x.id for x in ext.list_assignments(network_admin.actor)] == [asg.id]
    assert [v.account_id for v in ext.list_evaluators(network_admin.actor)] == sorted(
        [x.account_id for x in evaluators])
    aid = ext.do_start_external(eva.actor, a.tenant_id, title="Externe").id
    assert ext.get_external(eva.actor, aid).status == "framing"

    with pytest.raises(Conflict) as e:
        ext.do_assign(network_admin.actor, a.tenant_id, eva.account_id)
    assert e.value.code == "already_assigned"

    ext.do_unassign(network_admin.actor, asg.id)
    assert ext.assigned_centres(eva.actor) == []
    with pytest.raises(NotFound):
        ext.get_external(eva.actor, aid)
    with pytest.raises(NotFound):
        ext.list_centre_assessments(eva.actor, a.tenant_id)
    assert ext.list_external_assessments(eva.actor) == []
    with pytest.raises(NotFound):
        ext.do_unassign(network_admin.actor, asg.id)

    again = ext.do_assign(network_admin.actor, a.tenant_id, eva.account_id)
    assert again.id == asg.id and again.active
    assert ext.get_external(eva.actor, aid).id == aid
    actions = [x.action for x in rows(AuditEvent, AuditEvent.tenant_id == a.tenant_id)]
    assert actions.count("assessment.evaluator_assigned") == 2
    assert "assessment.evaluator_unassigned" in actions


def test_only_network_admins_assign_and_only_evaluators_are_assigned(worlds, network_admin, evaluators):
    a, _ = worlds
    eva, _ = evaluators
    for who in (eva, a.manager):
        with pytest.raises(Forbidden):
            ext.do_assign(who.actor, a.tenant_id, eva.account_id)
        with pytest.raises(Forbidden):
            ext.list_assignments(who.actor)
    with pytest.raises(Invalid) as e:
        ext.do_assign(network_admin.actor, a.tenant_id, a.manager.account_id)
    assert e.value.code == "unknown_evaluator"
    for bad in ("1", None, True, -3):
        with pytest.raises((Invalid, NotFound)):
            ext.do_assign(network_admin.actor, bad, eva.account_id)
    with pytest.raises(NotFound):
        ext.do_assign(network_admin.actor, 2**31 - 2, eva.account_id)
    assert rows(ext.EvaluatorAssignment) == []


# ---------------------------------------------------------------- scope


def test_an_evaluator_never_reaches_a_centre_they_are_not_assigned_to(worlds, network_admin, evaluators, model_id):
    a, b = worlds
    eva, omar = evaluators
    ext.do_assign(network_admin.actor, a.tenant_id, eva.account_id)
    ext.do_assign(network_admin.actor, b.tenant_id, omar.account_id)
    self_assessment(b.tenant_id, model_id, dict.fromkeys(CODES, 2))
    bid = started(network_admin, b.tenant_id)
    rate_all(omar, bid, dict.fromkeys(CODES, 2))
    before = (rows(Assessment), rows(AssessmentRating), rows(EvaluationInterview), rows(Recommendation))

    calls = [
        lambda: ext.check_centre(eva.actor, b.tenant_id),
        lambda: ext.list_centre_assessments(eva.actor, b.tenant_id),
        lambda: ext.centre_team(eva.actor, b.tenant_id),
        lambda: ext.do_start_external(eva.actor, b.tenant_id, title="Intrusion"),
        lambda: ext.get_external(eva.actor, bid),
        lambda: ext.do_plan_external(eva.actor, bid, meeting_on="2026-12-05"),
        lambda: ext.do_record_interview(eva.actor, bid, membership_id=b.manager.membership_id,
                                        held_on="2026-12-05"),
        lambda: ext.do_rate(eva.actor, bid, "D1.1", value=3),
        lambda: ext.do_submit_ratings(eva.actor, bid),
        lambda: ext.differences(eva.actor, bid),
        lambda: ext.do_open_consensus(eva.actor, bid),
        lambda: ext.do_set_consensus(eva.actor, bid, "D1.1", value=3),
        lambda: ext.do_complete_external(eva.actor, bid),
        lambda: ext.do_add_recommendation(eva.actor, bid, text="x"),
        lambda: ext.do_send_recommendations(eva.actor, bid),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    # an id that exists nowhere answers the same
    with pytest.raises(NotFound):
        ext.get_external(eva.actor, 2**31 - 2)
    assert [c.id for c in ext.assigned_centres(eva.actor)] == [a.tenant_id]
    assert ext.list_external_assessments(eva.actor) == []
    assert ext.assigned_centre_ids(eva.actor) == {a.tenant_id}
    assert ext.assigned_centre_ids(network_admin.actor) is None
    assert (rows(Assessment), rows(AssessmentRating), rows(EvaluationInterview), rows(Recommendation)) == before


def test_a_centres_staff_never_reach_the_evaluator_services(worlds, network_admin, evaluators, model_id):
    a, _ = worlds
    eva, _ = evaluators
    ext.do_assign(network_admin.actor, a.tenant_id, eva.account_id)
    aid = started(network_admin, a.tenant_id)
    for role in ("manager", "counselor", "business_developer", "student"):
        actor = a.people[role].actor
        for call, args in ((ext.assigned_centres, ()), (ext.get_external, (aid,)),
                           (ext.list_centre_assessments, (a.tenant_id,)), (ext.do_submit_ratings, (aid,)),
                           (ext.do_open_consensus, (aid,)), (ext.do_send_recommendations, (aid,))):
            with pytest.raises(Forbidden):
                call(actor, *args)
        with pytest.raises(Forbidden):
            ext.do_rate(actor, aid, "D1.1", value=2)
        with pytest.raises(Forbidden):
            ext.do_start_external(actor, a.tenant_id, title="x")


# ---------------------------------------------------------------- the whole evaluation


def test_external_evaluation_from_framing_to_consensus(worlds, network_admin, evaluators, model_id):
    a, b = worlds
    eva, omar = evaluators
    for p in evaluators:
        ext.do_assign(network_admin.actor, a.tenant_id, p.account_id)
    self_id = self_assessment(a.tenant_id, model_id, {"D1.1": 3, "D1.2": 2, "D2.1": 1, "D2.2": 2})

    d = ext.do_start_external(eva.actor, a.tenant_id, title="Évaluation externe", framing_note="Démarche")
    assert (d.mode, d.status, d.self_assessment_id, d.model_id) == ("external", "framing", self_id, model_id)
    assert [c.code for c in d.criteria] == CODES
    d = ext.do_plan_external(eva.actor, d.id, meeting_on=date(2026, 12, 3), note="Réunion ad hoc")
    assert (d.status, d.planned_start, d.planning_note) == ("collecting", date(2026, 12, 3), "Réunion ad hoc")
    aid = d.id

    team = {mid for mid, _name, _roles in ext.centre_team(eva.actor, a.tenant_id)}
    assert a.counselor.membership_id in team and a.student.membership_id not in team
    d = ext.do_record_interview(eva.actor, aid, membership_id=a.counselor.membership_id, held_on="2026-12-04",
                                notes="Entretien sur les ateliers", criteria=["D1.2", "D1.2", "D2.1"])
    assert [(i.member_name, i.criteria) for i in d.interviews] == [("Counselor", ["D1.2", "D2.1"])]
    for bad in (b.counselor.membership_id, a.student.membership_id, "1"):
        with pytest.raises(Invalid) as e:
            ext.do_record_interview(eva.actor, aid, membership_id=bad, held_on="2026-12-04")
        assert e.value.code == "unknown_member"

    # independent ratings: nobody sees a draft but its author
    rate_all(eva, aid, {"D1.1": 3, "D1.2": 2, "D2.1": 2, "D2.2": 1})
    rate_all(omar, aid, {"D1.1": 3, "D1.2": 1, "D2.1": 2})
    seen_by_omar = ext.get_external(omar.actor, aid)
    assert seen_by_omar.status == "rating"
    assert set(seen_by_omar.my_ratings) == {"D1.1", "D1.2", "D2.1"}
    assert seen_by_omar.visible_ratings == []
    assert ext.get_external(network_admin.actor, aid).visible_ratings == []
    with pytest.raises(Conflict) as e:
        ext.differences(omar.actor, aid)
    assert e.value.code == "ratings_not_submitted"

    with pytest.raises(Invalid) as e:
        ext.do_submit_ratings(omar.actor, aid)
    assert e.value.code == "criteria_unanswered" and e.value.params["missing"] == ["D2.2"]
    ext.do_submit_ratings(eva.actor, aid)
    # eva submitted: she still does not see omar's draft; omar does not see hers before submitting
    assert ext.get_external(eva.actor, aid).visible_ratings == []
    assert ext.get_external(omar.actor, aid).visible_ratings == []
    with pytest.raises(Conflict) as e:
        ext.do_rate(eva.actor, aid, "D2.2", value=3)
    assert e.value.code == "ratings_submitted"
    with pytest.raises(Conflict) as e:
        ext.do_open_consensus(network_admin.actor, aid)
    assert e.value.code == "ratings_pending"

    ext.do_rate(omar.actor, aid, "D2.2", value=1, justification="pas de bilan")
    ext.do_submit_ratings(omar.actor, aid)
    assert {(r.rater, r.criterion) for r in ext.get_external(omar.actor, aid).visible_ratings} == {
        (f"evaluator:{eva.account_id}", c) for c in CODES}

    diff = {r.criterion: r for r in ext.differences(eva.actor, aid)}
    assert diff["D1.2"].between_evaluators and not diff["D1.2"].agreed and diff["D1.2"].spread == 1
    assert diff["D1.1"].agreed and diff["D1.1"].proposal == ("rated", 3)
    # the self-assessment rated D2.1 at 1, both evaluators at 2
    assert diff["D2.1"].delta_self == 1 and diff["D2.1"].vs_self
    assert diff["D1.1"].delta_self == 0 and not diff["D1.1"].vs_self
    assert diff["D2.2"].delta_self == -1 and diff["D2.2"].vs_self

    d = ext.do_open_consensus(eva.actor, aid)
    assert d.status == "consensus"
    assert {c: (r.status, r.value) for c, r in d.consensus.items()} == {
        "D1.1": ("rated", 3), "D2.1": ("rated", 2), "D2.2": ("rated", 1)}
    assert "pas de bilan" in d.consensus["D2.2"].justification
    with pytest.raises(Invalid) as e:
        ext.do_complete_external(eva.actor, aid)
    assert e.value.code == "criteria_unanswered" and e.value.params["missing"] == ["D1.2"]
    d = ext.do_set_consensus(network_admin.actor, aid, "D1.2", value=1, justification="à consolider")
    assert d.consensus["D1.2"].value == 1
    diff = {r.criterion: r for r in ext.differences(omar.actor, aid)}
    assert diff["D1.2"].consensus == ("rated", 1) and diff["D1.2"].delta_self == -1 and diff["D1.2"].vs_self
    # the admin coordinates but never rates
    with pytest.raises(Forbidden):
        ext.do_rate(network_admin.actor, aid, "D1.1", value=3)


def test_an_administrator_is_not_a_rater(worlds, network_admin, evaluators, model_id):
    a, _ = worlds
    ext.do_assign(network_admin.actor, a.tenant_id, evaluators[0].account_id)
    aid = started(network_admin, a.tenant_id)
    with pytest.raises(Forbidden) as e:
        ext.do_rate(network_admin.actor, aid, "D1.1", value=3)
    assert e.value.code == "not_an_evaluator"


# ---------------------------------------------------------------- bad input


def test_bad_ratings_are_refused_and_change_nothing(worlds, network_admin, evaluators, model_id):
    a, _ = worlds
    eva, _ = evaluators
    ext.do_assign(network_admin.actor, a.tenant_id, eva.account_id)
    aid = started(network_admin, a.tenant_id)
    ext.do_rate(eva.actor, aid, "D1.1", value=3)
    before = rows(AssessmentRating)
    cases = [
        ({"value": 4}, "rating_out_of_scale"),
        ({"value": -1}, "rating_out_of_scale"),
        ({"value": "abc"}, "rating_out_of_scale"),
        ({"value": 2.5}, "rating_out_of_scale"),
        ({"value": True}, "rating_out_of_scale"),
        ({"value": 1}, "justification_required"),
        ({"status": "not_applicable"}, "justification_required"),
        ({"status": "perhaps", "value": 2}, "rating_status_invalid"),
    ]
    for kwargs, code in cases:
        with pytest.raises(Invalid) as e:
            ext.do_rate(eva.actor, aid, "D1.2", **kwargs)
        assert e.value.code == code, kwargs
    for crit in ("D9.9", "", None, 12):
        with pytest.raises(Invalid) as e:
            ext.do_rate(eva.actor, aid, crit, value=2)
        assert e.value.code == "unknown_criterion"
    assert rows(AssessmentRating) == before
    other = started(network_admin, a.tenant_id)
    for kwargs, code in [({"meeting_on": None}, "meeting_date_required"),
                         ({"meeting_on": "03/12/2026"}, "invalid_date"),
                         ({"meeting_on": "2026-12-03", "until": "2026-12-01"}, "evaluation_period_invalid"),
                         ({"meeting_on": "2026-12-03", "meeting_id": 2**31 - 2}, "unknown_meeting")]:
        with pytest.raises(Invalid) as e:
            ext.do_plan_external(network_admin.actor, other, **kwargs)
        assert e.value.code == code
    with pytest.raises(Invalid) as e:
        ext.do_start_external(network_admin.actor, a.tenant_id, title="  ")
    assert e.value.code == "assessment_title_required"


def test_no_external_assessment_without_a_published_model(worlds, network_admin, evaluators):
    a, _ = worlds
    make_model(published=False)
    with pytest.raises(Invalid) as e:
        ext.do_start_external(network_admin.actor, a.tenant_id, title="Externe")
    assert e.value.code == "no_published_model"
    assert rows(Assessment) == []


def test_the_assessment_keeps_its_model_version(worlds, network_admin, evaluators, model_id):
    a, _ = worlds
    eva, _ = evaluators
    ext.do_assign(network_admin.actor, a.tenant_id, eva.account_id)
    aid = started(network_admin, a.tenant_id)
    newer = make_model(domains=1, criteria=1)
    assert newer != model_id
    d = ext.do_rate(eva.actor, aid, "D2.2", value=2)
    assert d.model_id == model_id and [c.code for c in d.criteria] == CODES


# ---------------------------------------------------------------- completion, recommendations


def consensus_done(network_admin, eva, centre_id: int, model_id: int) -> int:
    self_assessment(centre_id, model_id, dict.fromkeys(CODES, 2))
    aid = started(network_admin, centre_id)
    rate_all(eva, aid, {"D1.1": 3, "D1.2": 2, "D2.1": 1, "D2.2": 2})
    ext.do_submit_ratings(eva.actor, aid)
    ext.do_open_consensus(eva.actor, aid)
    return aid


def test_completion_locks_the_assessment(worlds, network_admin, evaluators, model_id):
    a, _ = worlds
    eva, _ = evaluators
    ext.do_assign(network_admin.actor, a.tenant_id, eva.account_id)
    aid = consensus_done(network_admin, eva, a.tenant_id, model_id)
    d = ext.do_complete_external(eva.actor, aid)
    assert d.status in ("completed", "evaluated") and d.completed_at is not None
    before = rows(AssessmentRating)
    for call in (lambda: ext.do_set_consensus(eva.actor, aid, "D1.1", value=0, justification="non"),
                 lambda: ext.do_rate(eva.actor, aid, "D1.1", value=0, justification="non"),
                 lambda: ext.do_plan_external(eva.actor, aid, meeting_on="2026-12-24"),
                 lambda: ext.do_record_interview(eva.actor, aid, membership_id=a.manager.membership_id,
                                                 held_on="2026-12-24"),
                 lambda: ext.do_complete_external(eva.actor, aid)):
        with pytest.raises(Conflict) as e:
            call()
        assert e.value.code == "assessment_locked"
    assert rows(AssessmentRating) == before


def test_recommendations_are_sent_to_the_centre(worlds, network_admin, evaluators, model_id, evaluated):
    a, b = worlds
    eva, _ = evaluators
    ext.do_assign(network_admin.actor, a.tenant_id, eva.account_id)
    aid = consensus_done(network_admin, eva, a.tenant_id, model_id)
    d = ext.do_add_recommendation(eva.actor, aid, text="Formaliser le plan d'action", priority="high",
                                  criterion="D2.1")
    d = ext.do_add_recommendation(eva.actor, aid, text="Mesurer la satisfaction", priority="low")
    gone = ext.do_add_recommendation(eva.actor, aid, text="À retirer").recommendations[-1].id
    d = ext.do_delete_recommendation(eva.actor, aid, gone)
    assert [(r.criterion, r.priority) for r in d.recommendations] == [("D2.1", "high"), ("", "low")]
    for kwargs, code in [({"text": " "}, "recommendation_text_required"),
                         ({"text": "x", "priority": "urgent"}, "invalid_priority"),
                         ({"text": "x", "criterion": "Z1"}, "unknown_criterion")]:
        with pytest.raises(Invalid) as e:
            ext.do_add_recommendation(eva.actor, aid, **kwargs)
        assert e.value.code == code

    with pytest.raises(Conflict) as e:
        ext.do_send_recommendations(eva.actor, aid)
    assert e.value.code == "assessment_not_evaluated"
    ext.do_complete_external(eva.actor, aid)
    evaluated(aid)
    # nothing reaches the centre before it is sent
    assert ext.recommendations_for_centre(a.manager.actor, aid) == []
    d = ext.do_send_recommendations(eva.actor, aid)
    assert d.status == "closed" and d.recommendations_sent_at is not None
    mails = [m.payload for m in rows(OutboxMessage) if m.origin_tenant_id == a.tenant_id and m.kind == "email"]
    assert [m["to"] for m in mails] == [a.manager.email]
    assert "Évaluation externe 2026" in mails[0]["text"]

    assert [(x.id, x.status) for x in ext.external_assessments_for_centre(a.manager.actor)] == [(aid, "closed")]
    assert ext.external_assessments_for_centre(b.manager.actor) == []
    seen = ext.recommendations_for_centre(a.manager.actor, aid)
    assert [r.text for r in seen] == ["Formaliser le plan d'action", "Mesurer la satisfaction"]
    assert [r.text for r in ext.recommendations_for_centre(a.counselor.actor, aid)] == [r.text for r in seen]
    with pytest.raises(NotFound):
        ext.recommendations_for_centre(b.manager.actor, aid)
    with pytest.raises(Forbidden):
        ext.recommendations_for_centre(a.student.actor, aid)
    with pytest.raises(Conflict) as e:
        ext.do_send_recommendations(eva.actor, aid)
    assert e.value.code == "recommendations_sent"
    with pytest.raises(Conflict) as e:
        ext.do_add_recommendation(eva.actor, aid, text="Trop tard")
    assert e.value.code == "assessment_locked"
