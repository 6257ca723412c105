"""The isolation matrix of the team evaluation pages (P27): /staff/performance and a review's
page /staff/performance/[review_id].

setup gives A's counselor reviews in each state the handlers need: on a past year (2017-2018,
its interviews over, so one can be finalised) and on the matrix's year 2030-2031 (a date still
to fix, in the future). The secrets are written in the filled form and the member's opinion."""

from __future__ import annotations

from datetime import UTC, datetime

from integrations.db import system_session
from tenants.calendar.services import do_set_academic_year
from tests.ui.matrix_cases import Probe, View
from workflows.assessment import performance as perf
from workflows.assessment.models import PerformanceReview

LIST = "/staff/performance"
PAST_NOW = datetime(2018, 6, 5, 9, tzinfo=UTC)
PAST_AT = datetime(2018, 6, 12, 9, tzinfo=UTC)
NEXT_NOW = datetime(2031, 6, 20, 9, tzinfo=UTC)
NEXT_AT = datetime(2031, 6, 25, 9, tzinfo=UTC)
SECRET_FORM = {"objectives": [{"title": "Alpha secret objective", "achievement": 3}],
               "competencies": [{"key": "teamwork", "rating": 3}], "strengths": "Alpha secret strengths",
               "overall": 3}


def setup(a, ids: dict, secrets: list) -> None:
    mgr = a.manager.actor
    bizdev = a.people["business_developer"]
    past = do_set_academic_year(mgr, a.tenant_id, {"label": "2017-2018", "starts_on": "2017-09-01",
                                                   "ends_on": "2018-06-30"}).id

    def review(member: int, year: int, now: datetime, at: datetime, upto: str) -> int:
        rid = perf.do_propose(mgr, a.tenant_id, member, [at], academic_year_id=year, now=now).id
        steps = [("scheduled", lambda: perf.do_schedule(mgr, a.tenant_id, rid, at, now=now)),
                 ("filled", lambda: perf.do_fill_form(mgr, a.tenant_id, rid, SECRET_FORM, now=now)),
                 ("finalised", lambda: perf.do_finalise(mgr, a.tenant_id, rid, now=at))]
        if upto != "proposed":
            for step, go in steps:
                go()
                if step == upto:
                    break
        return rid

    # the past year: a finalised review of the counselor, a filled one of the business developer
    done = review(a.counselor.membership_id, past, PAST_NOW, PAST_AT, "finalised")
    filled = review(bizdev.membership_id, past, PAST_NOW, PAST_AT, "filled")
    # the matrix's year 2030-2031: the counselor's dates proposed, the business developer's scheduled
    year = ids["year_id"]
    proposed = review(a.counselor.membership_id, year, NEXT_NOW, NEXT_AT, "proposed")
    scheduled = review(bizdev.membership_id, year, NEXT_NOW, NEXT_AT, "scheduled")
    ids.update(perf_done_id=done, perf_filled_id=filled, perf_proposed_id=proposed, perf_scheduled_id=scheduled,
               bizdev_mid=bizdev.membership_id)
    secrets += ["Alpha secret objective", "Alpha secret strengths"]


def _page(key: str):  # noqa: ANN202
    return lambda a: f"{LIST}/{a[key]}"


def _review(key: str):  # noqa: ANN202
    def snap(a: dict) -> tuple:
        with system_session("matrix snapshot") as s:
            r = s.get(PerformanceReview, a[key])
            return (r.status, repr(r.proposed_slots), r.interview_at, r.form_sent_at, repr(r.form),
                    r.member_comment, r.finalised_at)
    return snap


ENTRIES = {
    "PerformanceListState.on_load": View(LIST),
    # proposes only to a member of the caller's own centre (the service looks in it)
    "PerformanceListState.propose": View(LIST, lambda a: ({"membership_id": str(a["counselor_mid"]),
                                                           "slot_1": "2031-06-25T10:00"},)),
    "PerformanceReviewState.on_load": View(_page("perf_done_id")),
    "PerformanceReviewState.give_availability": Probe(_page("perf_proposed_id"), lambda a: ({"avail_0": "on"},),
                                                      _review("perf_proposed_id"), owner="counselor"),
    "PerformanceReviewState.schedule": Probe(_page("perf_proposed_id"), lambda a: ({"at": "2031-06-26T10:00"},),
                                             _review("perf_proposed_id")),
    "PerformanceReviewState.send_form": Probe(_page("perf_scheduled_id"), lambda a: (),
                                              _review("perf_scheduled_id")),
    "PerformanceReviewState.save_form": Probe(_page("perf_scheduled_id"), lambda a: (
        {"objectives": "Stolen | 2 | x", "c_teamwork": "1", "overall": "1"},), _review("perf_scheduled_id")),
    "PerformanceReviewState.finalise": Probe(_page("perf_filled_id"), lambda a: (), _review("perf_filled_id")),
    "PerformanceReviewState.comment": Probe(_page("perf_done_id"), lambda a: ({"comment": "Stolen opinion"},),
                                            _review("perf_done_id"), owner="counselor"),
}
