"""Isolation matrix of the action plan pages (M30, P01, P02): /staff/plan, /staff/plan/review
and /host/plan. The handlers that take an id from the browser (a gap to assign or explain, a
year or a plan to show) are called with centre A's ids; the others act on what the caller's own
page load found."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from integrations.db import system_session
from tenants.calendar.services import do_set_academic_year
from tests.ui.matrix_cases import Probe, Public, View
from workflows.planning import services as plans
from workflows.planning.models import GapItem

STAFF = "/staff/plan"
REVIEW = "/staff/plan/review"
HOST = "/host/plan"


def setup(a, ids: dict, secrets: list) -> None:  # noqa: ANN001
    """A's validated plan with its mid-year review open (one gap)."""
    mgr = a.manager.actor
    year = do_set_academic_year(mgr, a.tenant_id, {
        "label": "2032-2033", "starts_on": date(2032, 9, 1), "ends_on": date(2033, 6, 30),
        "semesters": [{"starts_on": date(2032, 9, 1), "ends_on": date(2033, 1, 31)},
                      {"starts_on": date(2033, 2, 1), "ends_on": date(2033, 6, 30)}]})
    p = plans.do_create_plan(mgr, a.tenant_id, year.id, title="Alpha secret plan")
    plans.do_save_draft(mgr, a.tenant_id, p.id, {
        "objectives": [{"key": "o", "title": "Alpha secret objective"}],
        "activities": [{"key": "x", "objective_key": "o", "title": "Alpha secret activity", "metric": "workshops",
                        "targets": {"S1": 4}}]})
    plans.do_open_review(mgr, a.tenant_id, p.id)
    plans.do_comment(a.counselor.actor, a.tenant_id, p.id, "Alpha secret remark")
    plans.do_finalise(mgr, a.tenant_id, p.id)
    plans.do_submit_to_host(mgr, a.tenant_id, p.id)
    plans.do_host_validate(a.people["host_approver"].actor, a.tenant_id, p.id, comment="Alpha secret approval")
    review = plans.do_start_mid_year_review(mgr, a.tenant_id, p.id)
    ids.update(plan_year_id=year.id, plan_id=p.id, gap_id=review.gaps[0].id,
               bizdev_mid=a.people["business_developer"].membership_id)
    secrets += ["Alpha secret plan", "Alpha secret objective", "Alpha secret activity", "Alpha secret remark",
                "Alpha secret approval"]


def _gap(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        g = s.exec(select(GapItem).where(GapItem.id == a["gap_id"])).one()
        return g.assignee_membership_id, g.explanation, g.new_action


ENTRIES: dict[str, Probe | View | Public] = {
    "StaffPlanState.on_load": View(STAFF),
    # a year of another centre is not among the caller's years: their current year is shown
    "StaffPlanState.choose_year": View(STAFF, lambda a: (str(a["plan_year_id"]),)),
    "StaffPlanState.show_version": View(STAFF, lambda a: (1,)),
    # every change below acts on the plan the caller's own page load found (none: not found)
    "StaffPlanState.create_plan": View(STAFF),
    "StaffPlanState.add_objective": View(STAFF, lambda a: ({"objective_title": "Injected"},)),
    "StaffPlanState.remove_objective": View(STAFF, lambda a: ("o",)),
    "StaffPlanState.add_budget_line": View(STAFF, lambda a: ({"budget_label": "Injected", "budget_amount": "1"},)),
    "StaffPlanState.remove_budget_line": View(STAFF, lambda a: ("o",)),
    "StaffPlanState.save_activity": View(STAFF, lambda a: ({"act_key": "x", "act_title": "Injected",
                                                             "act_objective": "o", "act_metric": "workshops"},)),
    "StaffPlanState.remove_activity": View(STAFF, lambda a: ("x",)),
    "StaffPlanState.add_comment": View(STAFF, lambda a: ({"comment_body": "Injected"},)),
    "StaffPlanState.open_review": View(STAFF),
    "StaffPlanState.finalise": View(STAFF),
    "StaffPlanState.submit": View(STAFF),
    "StaffPlanState.share": View(STAFF),
    "StaffPlanState.new_activity": Public("opens a dialog"),
    "StaffPlanState.edit_activity": Public("opens a dialog on an activity already on screen"),
    "StaffPlanState.close_activity": Public("closes a dialog"),
    "PlanReviewState.on_load": View(REVIEW),
    "PlanReviewState.choose_year": View(REVIEW, lambda a: (str(a["plan_year_id"]),)),
    "PlanReviewState.start_review": View(REVIEW),
    "PlanReviewState.make_version": View(REVIEW),
    "PlanReviewState.assign": Probe(REVIEW, lambda a: ({"gap_id": str(a["gap_id"]), "member": str(a["bizdev_mid"])},),
                                    _gap),
    "PlanReviewState.save_explain": Probe(REVIEW, lambda a: ({"gap_id": str(a["gap_id"]),
                                                              "explanation": "Injected", "new_action": "x"},), _gap),
    "PlanReviewState.open_explain": Public("opens a dialog on a gap already on screen"),
    "PlanReviewState.close_explain": Public("closes a dialog"),
    "HostPlanState.on_load": View(HOST),
    # a plan of another centre is not among the caller's plans: their first one is shown
    "HostPlanState.choose_plan": View(HOST, lambda a: (str(a["plan_id"]),)),
    "HostPlanState.show_version": View(HOST, lambda a: (1,)),
    "HostPlanState.compare": View(HOST, lambda a: ({"diff_a": "1", "diff_b": "1"},)),
    "HostPlanState.decide": View(HOST, lambda a: ({"decision_comment": "Injected"},)),
    "HostPlanState.open_decision": Public("opens a dialog"),
    "HostPlanState.close_decision": Public("closes a dialog"),
}
