"""REST isolation cases of the annual action plan (M30, P01) and its mid-year review (P02).

Each case builds a fresh plan (on a fresh academic year: one plan per year) in the state the
route needs, so a transition never finds the plan already moved by an earlier call."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from integrations.db import tenant_session
from tenants.calendar.services import do_set_academic_year
from tenants.core.roles import ROLE_PERMISSIONS, Perm, Role
from tests.conftest import World
from tests.isolation.test_rest_matrix import PERSON_KEY, PREFIX, Case, Ctx
from workflows.planning import services as plans
from workflows.planning.models import GapItem

STATES = ("draft", "in_review", "finalised", "submitted", "validated", "review")


def _year(ctx: Ctx, w: World) -> int:
    n = 2100 + next(ctx.seq)
    return do_set_academic_year(w.manager.actor, w.tenant_id, {
        "label": f"{n}-{n + 1}", "starts_on": date(n, 9, 1), "ends_on": date(n + 1, 6, 30),
        "semesters": [{"starts_on": date(n, 9, 1), "ends_on": date(n + 1, 1, 31)},
                      {"starts_on": date(n + 1, 2, 1), "ends_on": date(n + 1, 6, 30)}]}).id


def _content(w: World) -> dict:
    return {"objectives": [{"key": "insertion", "title": "Insertion"}],
            "activities": [{"key": "ateliers", "objective_key": "insertion", "type": "workshop",
                            "title": "Ateliers CV", "metric": "workshops", "targets": {"S1": 5, "S2": 5},
                            "owner_membership_id": w.counselor.membership_id}],
            "budget_lines": []}


def _plan(ctx: Ctx, w: World, state: str) -> dict:
    """{"plan_id", "review_id"?, "item_id"?} of a plan of `w` brought to `state`."""
    mgr, approver = w.manager.actor, w.people["host_approver"].actor
    pid = plans.do_create_plan(mgr, w.tenant_id, _year(ctx, w)).id
    plans.do_save_draft(mgr, w.tenant_id, pid, _content(w))
    out = {"plan_id": pid}
    if state == "draft":
        return out
    plans.do_open_review(mgr, w.tenant_id, pid)
    if state == "in_review":
        return out
    plans.do_finalise(mgr, w.tenant_id, pid)
    if state == "finalised":
        return out
    plans.do_submit_to_host(mgr, w.tenant_id, pid)
    if state == "submitted":
        return out
    plans.do_host_validate(approver, w.tenant_id, pid)
    if state == "validated":
        return out
    r = plans.do_start_mid_year_review(mgr, w.tenant_id, pid)
    return out | {"review_id": r.id, "item_id": r.gaps[0].id}


def _ids(state: str, *, keep: tuple[str, ...] = ("plan_id",), **extra: object):
    def ids(ctx: Ctx, w: World, role: str) -> dict:
        made = _plan(ctx, w, state)
        return {k: made[k] for k in keep} | extra
    return ids


def _new_year(ctx: Ctx, w: World, role: str) -> dict:
    ctx.extra[("plans.year", w.slug)] = _year(ctx, w)
    return {}


def _gap_of_role(ctx: Ctx, w: World, role: str) -> dict:
    """A gap of an open review, assigned to the caller when they are of the team (the one who
    writes its explanation)."""
    made = _plan(ctx, w, "review")
    if Perm.PLAN_COMMENT in ROLE_PERMISSIONS[Role(role)]:
        with tenant_session(w.tenant_id) as s:
            g = s.exec(select(GapItem).where(GapItem.id == made["item_id"])).one()
            g.assignee_membership_id = w.people[PERSON_KEY.get(role, role)].membership_id
            s.add(g)
            s.commit()
    return {"item_id": made["item_id"]}


P = PREFIX + "/plans"
CASES = {
    ("GET", P): Case(Perm.PLAN_VIEW),
    ("POST", P): Case(Perm.PLAN_MANAGE, ok=201, ids=_new_year,
                      body=lambda ctx, w: {"academic_year_id": ctx.extra[("plans.year", w.slug)]}),
    ("GET", P + "/{plan_id}"): Case(Perm.PLAN_VIEW, ids=_ids("submitted"), params={"version": 1}),
    ("GET", P + "/{plan_id}/diff"): Case(Perm.PLAN_VIEW, ids=_ids("submitted"), params={"a": 1, "b": 1}),
    ("GET", P + "/{plan_id}/progress"): Case(Perm.PLAN_VIEW, ids=_ids("submitted")),
    ("GET", P + "/{plan_id}/export"): Case(Perm.PLAN_VIEW, ids=_ids("submitted"), params={"format": "csv"}),
    ("PUT", P + "/{plan_id}/draft"): Case(Perm.PLAN_MANAGE, ids=_ids("draft"),
                                          body=lambda ctx, w: {"content": _content(w)}),
    ("POST", P + "/{plan_id}/comments"): Case(Perm.PLAN_COMMENT, ok=201, ids=_ids("in_review"),
                                              body=lambda ctx, w: {"body": "matrice", "item_key": "ateliers"}),
    ("POST", P + "/{plan_id}/review"): Case(Perm.PLAN_MANAGE, ids=_ids("draft")),
    ("POST", P + "/{plan_id}/finalise"): Case(Perm.PLAN_MANAGE, ids=_ids("in_review"), body=lambda ctx, w: {}),
    ("POST", P + "/{plan_id}/submit"): Case(Perm.PLAN_MANAGE, ids=_ids("finalised")),
    ("POST", P + "/{plan_id}/validate"): Case(Perm.PLAN_HOST_VALIDATE, ids=_ids("submitted"),
                                              body=lambda ctx, w: {"comment": "Validé"}),
    ("POST", P + "/{plan_id}/return"): Case(Perm.PLAN_HOST_VALIDATE, ids=_ids("submitted"),
                                            body=lambda ctx, w: {"comment": "À revoir"}),
    ("POST", P + "/{plan_id}/share"): Case(Perm.PLAN_MANAGE, ids=_ids("validated")),
    ("GET", P + "/{plan_id}/mid-year-review"): Case(Perm.PLAN_COMMENT, ids=_ids("validated")),
    ("POST", P + "/{plan_id}/mid-year-review"): Case(Perm.PLAN_MANAGE, ok=201, ids=_ids("validated")),
    ("PUT", PREFIX + "/gap-items/{item_id}"): Case(
        Perm.PLAN_COMMENT, ids=_gap_of_role, body=lambda ctx, w: {"explanation": "matrice", "new_action": "x"}),
    ("POST", PREFIX + "/mid-year-reviews/{review_id}/updated-version"): Case(
        Perm.PLAN_MANAGE, ok=201, ids=_ids("review", keep=("review_id",)), body=lambda ctx, w: {}),
}
