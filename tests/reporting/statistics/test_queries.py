"""What the statistics answer (T03): grouped counts, late entries, the figures of a report and
the actuals of the plan's metrics; only ever the centre's own rows."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import update

from integrations.db import tenant_session, transaction
from integrations.errors import Forbidden, Invalid
from tenants.portal.registrations.models import Registration
from tenants.portal.surveys.models import Questionnaire, SurveyAnswer, SurveyResponse
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.partners.models import Interaction
from tests.conftest import create_person
from tests.portal.registrations.util import publish
from tests.reporting.statistics.util import CASA, dims, put
from tests.sourcing.util import make_company, make_need
from workflows.reporting import statistics as st

NOV = datetime(2025, 11, 3, 10, tzinfo=CASA)  # a Monday
DEC = datetime(2025, 12, 2, 10, tzinfo=CASA)


def _seed(world) -> dict:
    """Two students with different profiles, two counselors; visits in November and December,
    a workshop held, a session; one visit entered late."""
    a = world
    other = create_person(f"s2@{a.slug}.test", tenant_id=a.tenant_id, roles=["student"])
    c2 = create_person(f"c2@{a.slug}.test", tenant_id=a.tenant_id, roles=["career_counselor"], name="Karim Alaoui")
    est, fld = dims(a)
    est2, fld2 = dims(a, membership_id=other.membership_id, establishment="ENCG", field="Gestion", level="bac+5",
                      gender="male")
    me, him = a.student.membership_id, other.membership_id
    c1 = a.counselor.membership_id
    put(a, "visit", 1, NOV, student=me, counselor=c1, recorded_at=NOV)
    put(a, "visit", 2, NOV + timedelta(days=1), student=him, counselor=c2.membership_id, recorded_at=NOV)
    put(a, "visit", 3, NOV + timedelta(days=8), student=me, counselor=c1, recorded_at=NOV + timedelta(days=30))
    put(a, "workshop_attendance", 4, NOV + timedelta(days=2), student=him, counselor=c1, event_type="workshop",
        recorded_at=NOV + timedelta(days=2))
    put(a, "event_held", 5, NOV + timedelta(days=2), counselor=c1, event_type="workshop", recorded_at=NOV)
    put(a, "event_held", 6, NOV + timedelta(days=3), counselor=c1, event_type="company_visit", recorded_at=NOV)
    put(a, "individual_session", 7, NOV + timedelta(days=4), student=me, counselor=c2.membership_id,
        recorded_at=NOV + timedelta(days=4))
    put(a, "visit", 8, DEC, student=him, counselor=c1, recorded_at=DEC)
    return {"est": est, "est2": est2, "fld": fld, "fld2": fld2, "c2": c2.membership_id, "other": him}


def test_counts_by_kind_give_the_months_totals(world_a):
    a = world_a
    _seed(a)
    t = st.counts(a.manager.actor, a.tenant_id, date(2025, 11, 1), date(2025, 11, 30), group_by=["kind"])
    assert {r.keys[0]: r.count for r in t.rows} == {"visit": 3, "workshop_attendance": 1, "event_held": 2,
                                                     "individual_session": 1}
    assert (t.total, t.late) == (7, 1)


def test_counts_by_counselor_and_establishment_show_names(world_a):
    a = world_a
    ids = _seed(a)
    t = st.counts(a.people["host_approver"].actor, a.tenant_id, date(2025, 11, 1), date(2025, 12, 31), group_by=["counselor"],
                  filters={"kind": "visit"})
    assert sorted((r.labels[0], r.count) for r in t.rows) == [("Counselor", 3), ("Karim Alaoui", 1)]
    t = st.counts(a.manager.actor, a.tenant_id, date(2025, 11, 1), date(2025, 12, 31),
                  group_by=["establishment", "gender"])
    got = {(r.labels[0], r.keys[1]): r.count for r in t.rows}
    assert got == {("FST Tanger", "female"): 3, ("ENCG", "male"): 3, ("", ""): 2}
    t = st.counts(a.manager.actor, a.tenant_id, date(2025, 11, 1), date(2025, 12, 31), group_by=["level"],
                  filters={"field_id": ids["fld2"]})
    assert [(r.keys[0], r.count) for r in t.rows] == [("bac+5", 3)]


def test_counts_by_week_and_month_use_the_centres_calendar(world_a):
    a = world_a
    _seed(a)
    t = st.counts(a.manager.actor, a.tenant_id, date(2025, 11, 1), date(2025, 12, 31), group_by=["period"],
                  unit="month")
    assert [(r.keys[0], r.count) for r in t.rows] == [("2025-11-01", 7), ("2025-12-01", 1)]
    t = st.counts(a.manager.actor, a.tenant_id, date(2025, 11, 1), date(2025, 11, 30), group_by=["period", "kind"],
                  unit="week", filters={"kind": "visit"})
    assert [(r.keys, r.count) for r in t.rows] == [(("2025-11-03", "visit"), 2), (("2025-11-10", "visit"), 1)]
    # a visit at 00:30 local on Monday belongs to that Monday's week, not the previous one (UTC)
    put(a, "visit", 99, datetime(2025, 11, 17, 0, 30, tzinfo=CASA))
    t = st.counts(a.manager.actor, a.tenant_id, date(2025, 11, 1), date(2025, 11, 30), group_by=["period"],
                  unit="week", filters={"kind": "visit"})
    assert ("2025-11-17", 1) in [(r.keys[0], r.count) for r in t.rows]


def test_bad_questions_get_clear_errors(world_a):
    a = world_a
    m = a.manager.actor
    for kwargs, code in [({"group_by": ["colour"]}, "invalid_group_by"),
                         ({"group_by": ["kind", "level", "gender", "field"]}, "invalid_group_by"),
                         ({"filters": {"kind": "party"}}, "invalid_filter"),
                         ({"filters": {"tenant_id": 2}}, "invalid"),
                         ({"unit": "day", "group_by": ["period"]}, "invalid_unit")]:
        with pytest.raises(Invalid) as exc:
            st.counts(m, a.tenant_id, date(2025, 11, 1), date(2025, 11, 30), **kwargs)
        assert exc.value.code.startswith(code), (kwargs, exc.value.code)
    with pytest.raises(Invalid) as exc:
        st.counts(m, a.tenant_id, date(2025, 11, 30), date(2025, 11, 1))
    assert exc.value.code == "end_before_start"
    with pytest.raises(Invalid) as exc:
        st.counts(m, a.tenant_id, date(2024, 1, 1), date(2025, 11, 1))
    assert exc.value.code == "range_too_long"


def test_who_may_see_the_statistics(worlds):
    a, b = worlds
    for key in ("student", "company_contact", "ambassador"):
        with pytest.raises(Forbidden):
            st.counts(a.people[key].actor, a.tenant_id, date(2025, 11, 1), date(2025, 11, 30))
    with pytest.raises(Forbidden):
        st.counts(b.manager.actor, a.tenant_id, date(2025, 11, 1), date(2025, 11, 30))
    assert st.counts(a.people["host_focal_point"].actor, a.tenant_id, date(2025, 11, 1), date(2025, 11, 30)).total == 0


def test_another_centres_records_are_never_counted(worlds):
    a, b = worlds
    _seed(a)
    put(b, "visit", 1, NOV, recorded_at=NOV)
    assert st.counts(b.manager.actor, b.tenant_id, date(2025, 11, 1), date(2025, 12, 31)).total == 1
    assert st.counts(a.manager.actor, a.tenant_id, date(2025, 11, 1), date(2025, 12, 31)).total == 8
    with tenant_session(b.tenant_id) as s:
        fig = st.figures_for_period(s, b.tenant_id, date(2025, 11, 1), date(2025, 11, 30))
    assert (fig["total"], fig["by_kind"]["visit"], fig["late"]) == (1, 1, 0)


def test_late_entries_are_listed_with_who_entered_them(world_a):
    a = world_a
    _seed(a)
    rows, total = st.late_entries(a.manager.actor, a.tenant_id, date(2025, 11, 1), date(2025, 11, 30))
    assert total == 1
    assert [(r.kind, r.source_id, r.counselor_name) for r in rows] == [("visit", 3, "Counselor")]


def test_figures_for_a_month_are_the_t03_block(world_a):
    a = world_a
    ids = _seed(a)
    # a questionnaire answered in November: ratings 4 and 5
    eid = publish(a)
    with tenant_session(a.tenant_id) as s, transaction(s):
        q = Questionnaire(tenant_id=a.tenant_id, event_id=eid, questions=[])
        s.add(q)
        s.flush()
        r = Registration(tenant_id=a.tenant_id, event_id=eid, student_membership_id=a.student.membership_id,
                         status="attended")
        s.add(r)
        s.flush()
        resp = SurveyResponse(tenant_id=a.tenant_id, questionnaire_id=q.id, registration_id=r.id,
                              student_membership_id=a.student.membership_id, submitted_at=NOV)
        s.add(resp)
        s.flush()
        s.add(SurveyAnswer(tenant_id=a.tenant_id, response_id=resp.id, questionnaire_id=q.id, question_key="q1",
                           rating=4))
        s.add(SurveyAnswer(tenant_id=a.tenant_id, response_id=resp.id, questionnaire_id=q.id, question_key="q2",
                           rating=5))
        s.add(SurveyAnswer(tenant_id=a.tenant_id, response_id=resp.id, questionnaire_id=q.id, question_key="q3",
                           text="Très utile"))
    with tenant_session(a.tenant_id) as s:
        fig = st.figures_for_period(s, a.tenant_id, date(2025, 11, 1), date(2025, 11, 30))
    assert fig["total"] == 7 and fig["late"] == 1
    assert fig["by_kind"] == {"visit": 3, "event_visit": 0, "workshop_attendance": 1, "event_attendance": 0,
                              "individual_session": 1, "event_held": 2}
    assert {x["label"]: x["count"] for x in fig["by_counselor"]} == {"Counselor": 5, "Karim Alaoui": 2}
    assert {x["label"]: x["count"] for x in fig["by_field"]} == {"Informatique": 3, "Gestion": 2, "": 2}
    assert {x["key"]: x["count"] for x in fig["by_gender"]} == {"female": 3, "male": 2, "": 2}
    assert {x["key"]: x["count"] for x in fig["by_establishment"]} == {ids["est"]: 3, ids["est2"]: 2, "": 2}
    assert fig["satisfaction"] == {"average": 4.5, "ratings": 2, "responses": 1}
    assert fig["metrics"]["students_served"] == 2.0
    json.dumps(fig)  # a report keeps it as its snapshot


def test_metric_actuals_count_what_the_plan_targets(world_a):
    a = world_a
    _seed(a)
    acme, beta, gamma = make_company(a, "Acme"), make_company(a, "Beta"), make_company(a, "Gamma")
    in_nov = datetime(2025, 11, 20, 9, tzinfo=CASA)
    with tenant_session(a.tenant_id) as s, transaction(s):
        s.add(Interaction(tenant_id=a.tenant_id, company_id=acme, kind="meeting", at=in_nov, summary="Rencontre"))
        s.add(Interaction(tenant_id=a.tenant_id, company_id=gamma, kind="call", at=DEC, summary="Appel"))
    n1 = make_need(a, beta)
    n2 = make_need(a, acme, title="Développeur")
    with tenant_session(a.tenant_id) as s, transaction(s):
        s.execute(update(JobNeed).where(JobNeed.id == n1).values(received_at=in_nov, sent_at=in_nov))
        s.execute(update(JobNeed).where(JobNeed.id == n2).values(received_at=DEC, sent_at=None))
    with tenant_session(a.tenant_id) as s:
        got = st.metric_actuals(s, a.tenant_id, date(2025, 11, 1), date(2025, 11, 30))
    assert got == {"workshops": 1.0, "students_served": 2.0, "individual_sessions": 1.0, "companies_engaged": 2.0,
                   "job_needs_answered": 1.0, "events": 1.0, "visits": 3.0}
