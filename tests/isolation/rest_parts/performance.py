"""REST isolation cases of the team evaluation (P27, M14).

A review is between the manager and one member, so each case builds a fresh review, on a
fresh academic year (one review per member and year), in the state the route needs. The
years end yesterday: proposals are open (interviews may follow the year's end shortly) and no
other area takes them for the year in course. A route of the member (availability, comment)
is called on the caller's own review; the manager is never evaluated, so theirs is made by
hand (the service refuses to make it)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from integrations.db import tenant_session, utcnow
from tenants.calendar.services import do_set_academic_year
from tenants.core.roles import ROLE_PERMISSIONS, Perm, Role
from tests.conftest import World
from tests.isolation.test_rest_matrix import PERSON_KEY, PREFIX, Case, Ctx
from workflows.assessment import performance as perf
from workflows.assessment.models import PerformanceReview


def _year(ctx: Ctx, w: World) -> int:
    today = utcnow().date()
    ends = today - timedelta(days=1)
    return do_set_academic_year(w.manager.actor, w.tenant_id, {
        "label": f"perf-{next(ctx.seq)}", "starts_on": ends - timedelta(days=300), "ends_on": ends}).id


def _review(ctx: Ctx, w: World, state: str, member: str = "counselor") -> int:
    """A review of `member` (a key of w.people, "manager" included: made as a counselor's, then
    handed to the manager) brought to `state`. The clock is set three hours back, so the
    interview is over by now and may be finalised."""
    mgr = w.manager.actor
    now = utcnow() - timedelta(hours=3)
    at = now + timedelta(hours=2)
    subject = "counselor" if member == "manager" else member
    rid = perf.do_propose(mgr, w.tenant_id, w.people[subject].membership_id, [at],
                          academic_year_id=_year(ctx, w), now=now).id
    for step, go in (("proposed", None), ("scheduled", lambda: perf.do_schedule(mgr, w.tenant_id, rid, at, now=now)),
                     ("filled", lambda: perf.do_fill_form(mgr, w.tenant_id, rid, _form(), now=now)),
                     ("finalised", lambda: perf.do_finalise(mgr, w.tenant_id, rid, now=at))):
        if go is not None:
            go()
        if step == state:
            break
    if member == "manager":
        with tenant_session(w.tenant_id) as s:
            r = s.get(PerformanceReview, rid)
            r.membership_id = w.manager.membership_id
            s.add(r)
            s.commit()
    return rid


def _form() -> dict:
    return {"objectives": [{"title": "Ateliers", "achievement": 3}], "competencies": [{"key": "teamwork", "rating": 3}],
            "overall": 3}


def _member_of(role: str) -> str:
    """Whose review the caller's case uses: their own when they may see reviews."""
    if Perm.PERFORMANCE_SELF not in ROLE_PERMISSIONS[Role(role)]:
        return "counselor"  # refused before any lookup: any review will do
    return PERSON_KEY.get(role, role)


def _own(state: str):  # noqa: ANN202
    def ids(ctx: Ctx, w: World, role: str) -> dict:
        return {"review_id": _review(ctx, w, state, _member_of(role))}
    return ids


def _any(state: str):  # noqa: ANN202
    def ids(ctx: Ctx, w: World, role: str) -> dict:
        return {"review_id": _review(ctx, w, state)}
    return ids


def _read(ctx: Ctx, w: World, role: str) -> dict:
    """Read-only routes: one finalised review per person, made once."""
    key = ("performance.read", w.slug, _member_of(role))
    if key not in ctx.extra:
        ctx.extra[key] = _review(ctx, w, "finalised", _member_of(role))
    return {"review_id": ctx.extra[key]}


def _new_year(ctx: Ctx, w: World, role: str) -> dict:
    ctx.extra[("performance.year", w.slug)] = _year(ctx, w)
    return {}


def _availability(ctx: Ctx, w: World) -> dict:
    # the review built by _own("proposed") has one date: answer the latest review's dates
    with tenant_session(w.tenant_id) as s:
        r = s.exec(select(PerformanceReview).order_by(PerformanceReview.id.desc())).first()
        return {"availability": [{"at": x["at"], "available": True} for x in r.proposed_slots]}


P = PREFIX + "/performance-reviews"
CASES = {
    ("GET", P): Case(Perm.PERFORMANCE_SELF),
    ("POST", P): Case(Perm.PERFORMANCE_MANAGE, ok=201, ids=_new_year, body=lambda ctx, w: {
        "membership_id": w.counselor.membership_id, "academic_year_id": ctx.extra[("performance.year", w.slug)],
        "slots": [(utcnow() + timedelta(days=2)).isoformat()]}),
    ("GET", P + "/{review_id}"): Case(Perm.PERFORMANCE_SELF, ids=_read),
    ("GET", P + "/{review_id}/pdf"): Case(Perm.PERFORMANCE_SELF, ids=_read, params={"lang": "ar"}),
    ("PUT", P + "/{review_id}/availability"): Case(Perm.PERFORMANCE_SELF, ids=_own("proposed"), body=_availability),
    ("POST", P + "/{review_id}/schedule"): Case(Perm.PERFORMANCE_MANAGE, ids=_any("proposed"), body=lambda ctx, w: {
        "at": (utcnow() + timedelta(days=1)).isoformat()}),
    ("POST", P + "/{review_id}/send-form"): Case(Perm.PERFORMANCE_MANAGE, ids=_any("scheduled")),
    ("PUT", P + "/{review_id}/form"): Case(Perm.PERFORMANCE_MANAGE, ids=_any("scheduled"),
                                           body=lambda ctx, w: {"form": _form()}),
    ("POST", P + "/{review_id}/finalise"): Case(Perm.PERFORMANCE_MANAGE, ids=_any("filled")),
    ("POST", P + "/{review_id}/comment"): Case(Perm.PERFORMANCE_SELF, ids=_own("finalised"),
                                               body=lambda ctx, w: {"comment": "Mon avis"}),
}
