"""The pages of the team evaluation (P27) driven through their states, as the browser would: the
manager's table and proposal form, the member's page with their availability and opinion."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from integrations.db import utcnow
from tenants.calendar.services import do_set_academic_year
from tests.assessment.perf_util import row
from tests.ui.test_handler_isolation import call, session_cookie
from workflows.assessment import performance as perf


def _cookie(person) -> str:  # noqa: ANN001
    return session_cookie(person.account_id, person.tenant_id)


def test_manager_proposes_and_member_answers_from_the_pages(world_a):
    w = world_a
    ends = utcnow().date() - timedelta(days=1)  # the year just ended: proposals open, interviews follow
    do_set_academic_year(w.manager.actor, w.tenant_id, {"label": "2025-2026", "starts_on": ends - timedelta(days=300),
                                                        "ends_on": ends})
    state, _ = call("PerformanceListState.on_load", _cookie(w.manager), "/staff/performance", ())
    assert state.error == "" and state.is_manager and state.open_now
    assert {r.name for r in state.rows} == {"Counselor", "Bizdev"}
    assert all(r.status == "" for r in state.rows)

    day = (utcnow() + timedelta(days=3)).astimezone(ZoneInfo("Africa/Casablanca")).strftime("%Y-%m-%d")
    form = {"membership_id": str(w.counselor.membership_id), "slot_1": f"{day}T10:00", "slot_2": f"{day}T15:00",
            "slot_3": ""}
    state, _ = call("PerformanceListState.propose", _cookie(w.manager), "/staff/performance", (form,))
    assert state.error == "" and state.notice == "ui.performance.proposed_notice"
    rid = next(r.review_id for r in state.rows if r.membership_id == w.counselor.membership_id)
    assert row(rid)[0] == "proposed"

    # a bad date is refused with its message, nothing made
    bad = dict(form, membership_id=str(w.people["business_developer"].membership_id), slot_1="demain")
    state, _ = call("PerformanceListState.propose", _cookie(w.manager), "/staff/performance", (bad,))
    assert state.error == "error.invalid_datetime"
    assert len(perf.list_reviews(w.manager.actor, w.tenant_id)) == 1

    # the member: their own review on their list, then the dates on the review's page
    page = f"/staff/performance/{rid}"
    state, _ = call("PerformanceListState.on_load", _cookie(w.counselor), "/staff/performance", ())
    assert not state.is_manager and [m.review_id for m in state.mine] == [rid]
    state, _ = call("PerformanceReviewState.on_load", _cookie(w.counselor), page, ())
    assert state.found and state.actions == ["availability"] and len(state.slots) == 2
    state, _ = call("PerformanceReviewState.give_availability", _cookie(w.counselor), page, ({"avail_1": "on"},))
    assert state.error == "" and [s.answer for s in state.slots] == ["no", "yes"]

    # another member of the team meets "not found"
    state, _ = call("PerformanceReviewState.on_load", _cookie(w.people["business_developer"]), page, ())
    assert not state.found and state.error == "error.not_found"
