"""The plan pages, their handlers run in-process as signed-in people of a centre: the manager
drafts and moves the plan, a counselor comments, the host institution decides, the mid-year
review ends in the S2 update, and versions are compared."""

from __future__ import annotations

import asyncio

from tests.planning.util import count_activity, make_year, utc
from tests.ui.test_handler_isolation import app_handlers, call, session_cookie
from workflows.planning import services as plans

STAFF, REVIEW, HOST = "/staff/plan", "/staff/plan/review", "/host/plan"


def _cookie(person) -> str:  # noqa: ANN001
    return session_cookie(person.account_id, person.tenant_id)


def _run(state, key: str, *args):  # noqa: ANN001, ANN202
    result = app_handlers()[key][1].fn(state, *args)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def _load(key: str, person, path: str):  # noqa: ANN001, ANN202
    state, _ = call(key, _cookie(person), path, ())
    assert state.error == "", state.error
    return state


ACTIVITY = {"act_key": "", "act_title": "Ateliers CV", "act_type": "workshop", "act_metric": "workshops",
            "act_s1": "6", "act_s2": "8", "act_owner": "", "act_period": "Octobre", "act_audience": "Licence",
            "act_budget": "", "act_description": ""}


def test_the_plan_from_draft_to_validation_on_the_pages(world_a):
    w = world_a
    make_year(w)
    s = _load("StaffPlanState.on_load", w.manager, STAFF)
    assert not s.has_plan and s.can_manage and s.year_id
    _run(s, "StaffPlanState.create_plan")
    assert s.has_plan and s.status == "draft" and s.version_label == "Avant-projet"

    _run(s, "StaffPlanState.add_objective", {"objective_title": "Insertion", "objective_description": ""})
    assert [o.title for o in s.objectives] == ["Insertion"]
    _run(s, "StaffPlanState.new_activity")
    assert s.act_open and s.act.objective_key == s.objectives[0].key
    # a target that is not a number: a clear message, the dialog stays open, nothing saved
    _run(s, "StaffPlanState.save_activity", ACTIVITY | {"act_objective": s.objectives[0].key, "act_s1": "six"})
    assert s.error == "error.target_not_a_number" and s.act_open and s.activities == []
    _run(s, "StaffPlanState.save_activity", ACTIVITY | {"act_objective": s.objectives[0].key,
                                                         "act_owner": str(w.counselor.membership_id)})
    assert s.error == "" and not s.act_open
    assert [(a.title, a.s1, a.s2, a.owner) for a in s.activities] == [("Ateliers CV", "6", "8", "Counselor")]
    _run(s, "StaffPlanState.edit_activity", s.activities[0].key)
    assert s.act_open and s.act.title == "Ateliers CV"
    _run(s, "StaffPlanState.save_activity", ACTIVITY | {"act_key": s.act.key, "act_objective": s.objectives[0].key,
                                                         "act_s1": "7"})
    assert [(a.title, a.s1) for a in s.activities] == [("Ateliers CV", "7")]
    # the year has not begun: the chart shows the target and nothing done yet
    assert s.chart == [{"label": "Ateliers CV", "target": 15.0, "actual": 0}]
    _run(s, "StaffPlanState.add_budget_line", {"budget_label": "Impression", "budget_amount": "300",
                                                "budget_currency": "MAD"})
    assert [(b.label, b.amount) for b in s.budget] == [("Impression", "300.00")]
    _run(s, "StaffPlanState.open_review")
    assert s.status == "in_review" and s.notice == "ui.plan.review_opened"

    c = _load("StaffPlanState.on_load", w.counselor, STAFF)
    assert c.can_comment and not c.can_manage
    _run(c, "StaffPlanState.add_comment", {"comment_item": c.activities[0].key, "comment_body": "Et un forum ?"})
    assert [(x.item, x.body) for x in c.comments] == [("Ateliers CV", "Et un forum ?")]
    # a counselor may not change the plan
    _run(c, "StaffPlanState.add_objective", {"objective_title": "Mine"})
    assert c.error == "error.forbidden"

    _run(s, "StaffPlanState.finalise")
    _run(s, "StaffPlanState.submit")
    assert s.status == "submitted"

    h = _load("HostPlanState.on_load", w.people["host_approver"], HOST)
    assert h.has_plan and h.can_decide and [a.title for a in h.activities] == ["Ateliers CV"]
    _run(h, "HostPlanState.open_decision", "return")
    _run(h, "HostPlanState.decide", {"decision_comment": ""})
    assert h.error == "error.comment_required" and h.deciding == "return"
    _run(h, "HostPlanState.open_decision", "validate")
    _run(h, "HostPlanState.decide", {"decision_comment": "Conforme"})
    assert h.error == "" and h.version_status == "validated" and not h.can_decide

    focal = _load("HostPlanState.on_load", w.people["host_focal_point"], HOST)
    assert focal.has_plan and not focal.can_decide

    s = _load("StaffPlanState.on_load", w.manager, STAFF)
    assert s.status == "validated"
    _run(s, "StaffPlanState.share")
    assert s.notice == "ui.plan.shared"
    # a change of the validated plan makes version 2
    _run(s, "StaffPlanState.remove_budget_line", s.budget[0].key)
    assert (s.status, s.version_no, [v.no for v in s.versions]) == ("updating", 2, [2, 1])
    _run(s, "StaffPlanState.show_version", 1)
    assert s.version_no == 1 and [b.label for b in s.budget] == ["Impression"]


def test_the_mid_year_review_on_the_page(world_a):
    w = world_a
    year = make_year(w)
    p = plans.do_create_plan(w.manager.actor, w.tenant_id, year)
    plans.do_save_draft(w.manager.actor, w.tenant_id, p.id, {
        "objectives": [{"key": "o", "title": "Insertion"}],
        "activities": [{"key": "ateliers", "objective_key": "o", "title": "Ateliers CV", "metric": "workshops",
                        "targets": {"S1": 5}, "owner_membership_id": w.counselor.membership_id},
                       {"key": "visites", "objective_key": "o", "title": "Accueil", "metric": "visits",
                        "targets": {"S1": 1}}]})
    for step in (plans.do_open_review, plans.do_finalise, plans.do_submit_to_host):
        step(w.manager.actor, w.tenant_id, p.id)
    plans.do_host_validate(w.people["host_approver"].actor, w.tenant_id, p.id)
    count_activity(w, "visit", utc(2030, 10, 1), 2)

    r = _load("PlanReviewState.on_load", w.manager, REVIEW)
    assert r.has_plan and not r.has_review
    _run(r, "PlanReviewState.start_review")
    assert r.has_review and [(g.activity, g.target, g.actual, g.assignee) for g in r.gaps] == [
        ("Ateliers CV", "5", "0", "Counselor")]
    gap = r.gaps[0].id
    _run(r, "PlanReviewState.assign", {"gap_id": str(gap), "member": str(w.people["business_developer"].membership_id)})
    assert r.error == "" and r.gaps[0].assignee == "Bizdev"

    biz = _load("PlanReviewState.on_load", w.people["business_developer"], REVIEW)
    assert biz.gaps[0].mine and not biz.can_manage
    _run(biz, "PlanReviewState.open_explain", gap)
    assert biz.editing_id == gap
    _run(biz, "PlanReviewState.save_explain", {"gap_id": str(gap), "explanation": "Salle fermée",
                                               "new_action": "Ateliers en ligne"})
    assert biz.error == "" and biz.editing_id == 0 and biz.gaps[0].explanation == "Salle fermée"
    other = _load("PlanReviewState.on_load", w.counselor, REVIEW)
    _run(other, "PlanReviewState.save_explain", {"gap_id": str(gap), "explanation": "Moi aussi"})
    assert other.error == "error.gap_not_yours"

    _run(r, "PlanReviewState.make_version")
    assert r.review_status == "closed" and r.status == "updating"
    s = _load("StaffPlanState.on_load", w.manager, STAFF)
    assert (s.version_no, s.version_label) == (2, "Mise à jour S2")

    # the host institution compares once the update is submitted
    plans.do_submit_to_host(w.manager.actor, w.tenant_id, p.id)
    h = _load("HostPlanState.on_load", w.people["host_approver"], HOST)
    assert [v.no for v in h.versions] == [2, 1] and h.can_decide
    _run(h, "HostPlanState.compare", {"diff_a": "1", "diff_b": "2"})
    assert h.diff_shown and h.diff_rows == []


def test_people_without_the_plan_meet_forbidden_and_students_are_sent_away(world_a):
    w = world_a
    make_year(w)
    state, redirect = call("StaffPlanState.on_load", _cookie(w.people["ambassador"]), STAFF, ())
    assert state.error == "error.forbidden" and not state.has_plan
    state, redirect = call("StaffPlanState.on_load", _cookie(w.student), STAFF, ())
    assert redirect and not state.has_plan
    state, redirect = call("HostPlanState.on_load", _cookie(w.manager), HOST, ())
    assert redirect and not state.has_plan
