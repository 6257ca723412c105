"""Live indicators (P28.3) from the centre's own data, captured as evidence; and an improvement
carried into the annual action plan."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import update

from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.errors import Conflict, Invalid
from tenants.core.roles import Role
from tenants.portal.registrations.models import Registration
from tenants.portal.surveys.models import Questionnaire, SurveyAnswer, SurveyResponse
from tenants.sourcing.needs.models import JobNeed
from tests.assessment.factories import make_model
from tests.conftest import create_person
from tests.planning.util import count_activity, make_year, validated_plan
from tests.portal.registrations.util import publish
from tests.sourcing.util import make_company, make_need
from workflows.assessment import indicators
from workflows.assessment import services as sa
from workflows.assessment.reference import LIVE_KEYS
from workflows.planning import services as plans

EXPECTED_KEYS = {
    "plan_validated", "midyear_review_done", "weekly_meetings_held", "ambassadors_active", "workshops_held",
    "individual_sessions_held", "students_served", "satisfaction_average", "companies_engaged",
    "needs_shortlisted_within_14_days", "recruitment_days_held", "offers_published",
    "monthly_reports_sent_on_time", "statistics_late_share", "performance_reviews_done", "procedure_revisions",
    "certificates_issued",
}


def _period():
    return indicators.default_period(date.today())


def _value(world, key):
    start, end = _period()
    with tenant_session(world.tenant_id) as s:
        return indicators.compute(s, world.tenant_id, key, start, end)


def test_every_live_key_of_the_reference_model_has_a_function():
    assert set(LIVE_KEYS) == EXPECTED_KEYS
    assert set(indicators.INDICATORS) == set(LIVE_KEYS)


def test_every_indicator_answers_on_an_empty_centre(world_a):
    for key in sorted(indicators.INDICATORS):
        value, detail = _value(world_a, key)
        assert value is None or value >= 0, key
        assert detail["period"]["from"] < detail["period"]["to"]


def test_workshops_held_counts_the_statistics_of_the_period(worlds):
    a, b = worlds
    recent = utcnow() - timedelta(days=20)
    count_activity(a, "event_held", recent, 3, event_type="workshop")
    count_activity(a, "event_held", recent, 1, event_type="conference")
    count_activity(a, "event_held", utcnow() - timedelta(days=400), 2, event_type="workshop")  # too old
    count_activity(b, "event_held", recent, 5, event_type="workshop")  # another centre
    assert _value(a, "workshops_held")[0] == 3
    assert _value(b, "workshops_held")[0] == 5


def test_satisfaction_average_over_the_centre_answers(world_a):
    eid = publish(world_a)
    with tenant_session(world_a.tenant_id) as s, transaction(s):
        q = Questionnaire(tenant_id=world_a.tenant_id, event_id=eid, questions=[])
        s.add(q)
        s.flush()
        r = Registration(tenant_id=world_a.tenant_id, event_id=eid,
                         student_membership_id=world_a.student.membership_id, status="attended")
        s.add(r)
        s.flush()
        resp = SurveyResponse(tenant_id=world_a.tenant_id, questionnaire_id=q.id, registration_id=r.id,
                              student_membership_id=world_a.student.membership_id,
                              submitted_at=utcnow() - timedelta(days=5))
        s.add(resp)
        s.flush()
        for key, rating in (("q1", 4), ("q2", 5), ("q3", 3)):
            s.add(SurveyAnswer(tenant_id=world_a.tenant_id, response_id=resp.id, questionnaire_id=q.id,
                               question_key=key, rating=rating))
    value, detail = _value(world_a, "satisfaction_average")
    assert value == 4.0 and detail["ratings"] == 3 and detail["responses"] == 1


def test_needs_shortlisted_within_14_days(world_a):
    company = make_company(world_a)
    now = utcnow()

    def need(received_days_ago, shortlisted_after_days=None, status="sourcing"):
        nid = make_need(world_a, company)
        received = now - timedelta(days=received_days_ago)
        short = received + timedelta(days=shortlisted_after_days) if shortlisted_after_days is not None else None
        with system_session("test") as s:
            s.execute(update(JobNeed).where(JobNeed.id == nid)
                      .values(received_at=received, first_shortlisted_at=short, status=status))
            s.commit()

    need(60, 3)  # on time
    need(60, 14)  # on time, at the limit
    need(60, 20)  # late
    need(40)  # never shortlisted, past its 14 days: late
    need(5)  # still inside its 14 days: not counted yet
    need(50, None, "cancelled")  # cancelled before any shortlist: not counted
    need(500, 2)  # outside the period
    value, detail = _value(world_a, "needs_shortlisted_within_14_days")
    assert (detail["numerator"], detail["denominator"]) == (2, 4) and value == 50.0


def test_ambassadors_and_performance_reviews(world_a):
    create_person("amb2@a.test", tenant_id=world_a.tenant_id, roles=[Role.AMBASSADOR.value])
    assert _value(world_a, "ambassadors_active")[0] == 2
    value, detail = _value(world_a, "performance_reviews_done")
    assert value == 0.0 and detail["denominator"] == 2  # the counselor and the business developer


def test_capture_live_stores_one_evidence_per_indicator_with_its_suggestion(world_a):
    make_model(live_keys={"D1.1": "workshops_held", "D1.2": "satisfaction_average", "D2.1": "workshops_held"})
    count_activity(world_a, "event_held", utcnow() - timedelta(days=3), 2, event_type="workshop")
    d = sa.do_start(world_a.manager.actor, title="Auto-évaluation")
    sa.do_plan(world_a.manager.actor, d.summary.id)
    live = sa.do_capture_live(world_a.counselor.actor, d.summary.id)
    by_code = {e.criterion_code: e for e in live}
    assert set(by_code) == {"D1.1", "D1.2", "D2.1"}
    assert by_code["D1.1"].live_value == 2 and by_code["D1.1"].suggested == 3  # target 1: well beyond
    assert by_code["D1.2"].live_value is None and by_code["D1.2"].suggested is None  # no answer yet
    # capturing again replaces the figures (no duplicates)
    count_activity(world_a, "event_held", utcnow() - timedelta(days=2), 1, event_type="workshop")
    again = sa.do_capture_live(world_a.counselor.actor, d.summary.id)
    assert len(again) == 3 and {e.criterion_code: e.live_value for e in again}["D1.1"] == 3
    assert len(sa.get_assessment(world_a.manager.actor, d.summary.id).evidence) == 3


def test_capture_live_period_is_the_last_twelve_months(world_a):
    make_model(live_keys={"D1.1": "workshops_held"})
    count_activity(world_a, "event_held", datetime(2025, 3, 1, 10, tzinfo=utcnow().tzinfo), 4,
                   event_type="workshop")
    d = sa.do_start(world_a.manager.actor, title="Auto-évaluation")
    sa.do_plan(world_a.manager.actor, d.summary.id)
    live = sa.do_capture_live(world_a.manager.actor, d.summary.id, today=date(2025, 12, 31))
    assert live[0].live_value == 4 and live[0].live_detail["period"] == {"from": "2025-01-01", "to": "2025-12-31"}
    live = sa.do_capture_live(world_a.manager.actor, d.summary.id, today=date(2026, 6, 1))
    assert live[0].live_value == 0


def _evaluated(world):
    make_model()
    d = sa.do_start(world.manager.actor, title="Auto-évaluation")
    aid = d.summary.id
    sa.do_plan(world.manager.actor, aid)
    for dom in (1, 2, 3):
        for c in (1, 2, 3):
            sa.do_rate(world.manager.actor, aid, f"D{dom}.{c}", value=1 if c == 1 else 3, justification="faible")
    sa.do_complete(world.manager.actor, aid)
    sa.do_compute(aid)
    return aid


@pytest.mark.parametrize("validated", [False, True])
def test_carry_an_improvement_into_the_annual_action_plan(world_a, validated):
    year = make_year(world_a, 2026)
    if validated:
        plan_id = validated_plan(world_a, year)
    else:
        plan_id = plans.do_create_plan(world_a.manager.actor, world_a.tenant_id, year).id
    aid = _evaluated(world_a)
    actions = sa.list_actions(world_a.manager.actor, aid)
    imp = next(x for x in actions if x.kind == "improvement")
    strength = next(x for x in actions if x.kind == "strength")
    sa.do_update_action(world_a.manager.actor, imp.id, owner_membership_id=world_a.counselor.membership_id)
    carried = sa.do_carry_to_annual_plan(world_a.manager.actor, imp.id)
    assert carried.plan_activity_key == f"sa-{imp.id}"
    view = plans.get_plan(world_a.manager.actor, world_a.tenant_id, plan_id)
    act = next(a for a in view.content["activities"] if a["key"] == carried.plan_activity_key)
    assert act["title"] == imp.text and act["owner_membership_id"] == world_a.counselor.membership_id
    assert any(o["key"] == sa.SELF_ASSESSMENT_OBJECTIVE for o in view.content["objectives"])
    if validated:  # a validated plan gets it in its next version
        assert view.status == "updating" and view.current_version_no == 2
    with pytest.raises(Conflict) as e:
        sa.do_carry_to_annual_plan(world_a.manager.actor, imp.id)
    assert e.value.code == "action_already_in_plan"
    with pytest.raises(Invalid) as e:
        sa.do_carry_to_annual_plan(world_a.manager.actor, strength.id)
    assert e.value.code == "action_not_improvement"
    with pytest.raises(Conflict) as e:
        sa.do_delete_action(world_a.manager.actor, imp.id)
    assert e.value.code == "action_in_plan"


def test_carry_without_a_plan_is_a_clear_conflict(world_a):
    aid = _evaluated(world_a)
    imp = next(x for x in sa.list_actions(world_a.manager.actor, aid) if x.kind == "improvement")
    with pytest.raises(Conflict) as e:
        sa.do_carry_to_annual_plan(world_a.manager.actor, imp.id)
    assert e.value.code == "no_current_plan"
    assert sa.list_actions(world_a.manager.actor, aid)[0].plan_activity_key == ""
