"""Who sees a team evaluation (P27): its member and the centre's manager only; and bad input
is refused with a clear code, nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.errors import Forbidden, Invalid, NotFound
from tenants.auth.services import actor_for
from tests.assessment.perf_util import OPEN, SLOTS, finalised, form, reviews, row, scheduled, year
from tests.conftest import create_person
from workflows.assessment import performance as perf


def test_only_the_manager_and_the_member_see_it(world_a, world_b, network_admin):
    a, b = world_a, world_b
    year(a)
    rid = finalised(a)
    assert perf.get_review(a.manager.actor, a.tenant_id, rid).is_manager
    assert perf.get_review(a.counselor.actor, a.tenant_id, rid).is_member
    assert perf.review_pdf(a.manager.actor, a.tenant_id, rid).startswith(b"%PDF")

    # another member of the staff: not found; their list holds only their own reviews
    bizdev = a.people["business_developer"].actor
    with pytest.raises(NotFound):
        perf.get_review(bizdev, a.tenant_id, rid)
    with pytest.raises(NotFound):
        perf.review_pdf(bizdev, a.tenant_id, rid)
    assert perf.list_reviews(bizdev, a.tenant_id) == []
    assert [x.id for x in perf.list_reviews(a.counselor.actor, a.tenant_id)] == [rid]
    assert [x.id for x in perf.list_reviews(a.manager.actor, a.tenant_id)] == [rid]
    with pytest.raises(Forbidden):
        perf.overview(bizdev, a.tenant_id, now=OPEN)

    # the host institution, ambassadors, students: refused
    for key in ("host_approver", "host_focal_point", "ambassador", "intern", "student"):
        actor = a.people[key].actor
        with pytest.raises(Forbidden):
            perf.list_reviews(actor, a.tenant_id)
        with pytest.raises(Forbidden):
            perf.get_review(actor, a.tenant_id, rid)

    # a network admin acting in the centre is not its manager
    admin = actor_for(network_admin.account_id, a.tenant_id)
    assert admin.tenant_id == a.tenant_id
    for call in (lambda: perf.list_reviews(admin, a.tenant_id), lambda: perf.get_review(admin, a.tenant_id, rid),
                 lambda: perf.overview(admin, a.tenant_id, now=OPEN),
                 lambda: perf.do_fill_form(admin, a.tenant_id, rid, form(), now=OPEN)):
        with pytest.raises((Forbidden, NotFound)):
            call()

    # an external evaluator: refused
    evaluator = create_person("eval@network.test", network_role="external_evaluator")
    with pytest.raises(Forbidden):
        perf.get_review(evaluator.actor, a.tenant_id, rid)

    # another centre: its manager cannot reach it, through their centre or alpha's
    with pytest.raises(NotFound):
        perf.get_review(b.manager.actor, b.tenant_id, rid)
    with pytest.raises(Forbidden):
        perf.get_review(b.manager.actor, a.tenant_id, rid)
    assert perf.list_reviews(b.manager.actor, b.tenant_id) == []


def test_member_actions_belong_to_the_member(world_a):
    a = world_a
    year(a)
    r = perf.do_propose(a.manager.actor, a.tenant_id, a.counselor.membership_id, SLOTS, now=OPEN)
    answers = [{"at": x.isoformat(), "available": True} for x in SLOTS]
    with pytest.raises(NotFound):
        perf.do_give_availability(a.people["business_developer"].actor, a.tenant_id, r.id, answers, now=OPEN)
    with pytest.raises(Forbidden):
        perf.do_give_availability(a.manager.actor, a.tenant_id, r.id, answers, now=OPEN)
    with pytest.raises(Forbidden):
        perf.do_schedule(a.counselor.actor, a.tenant_id, r.id, SLOTS[0].isoformat(), now=OPEN)
    assert row(r.id)[0] == "proposed"


def test_who_can_be_evaluated(world_a, world_b):
    a, b = world_a, world_b
    year(a)
    for mid in (a.manager.membership_id, a.people["ambassador"].membership_id, a.people["intern"].membership_id,
                a.student.membership_id, a.people["host_approver"].membership_id, b.counselor.membership_id,
                999_999, "1", None):
        with pytest.raises(Invalid) as err:
            perf.do_propose(a.manager.actor, a.tenant_id, mid, SLOTS, now=OPEN)
        assert err.value.code == "performance_not_team_member"
    assert reviews() == 0
    # counselors and the business developer only are proposed to; by the manager only
    with pytest.raises(Forbidden):
        perf.do_propose(a.counselor.actor, a.tenant_id, a.people["business_developer"].membership_id, SLOTS,
                        now=OPEN)
    assert perf.do_propose(a.manager.actor, a.tenant_id, a.people["business_developer"].membership_id, SLOTS,
                           now=OPEN).status == "proposed"


@pytest.mark.parametrize("slots, code", [
    ([], "performance_slots_required"),
    ([SLOTS[0] + timedelta(hours=i) for i in range(6)], "performance_too_many_slots"),
    (["2031-06-16T09:00:00"], "naive_datetime"),
    ([SLOTS[0], SLOTS[0]], "performance_duplicate_slot"),
    ([datetime(2031, 6, 1, 9, tzinfo=UTC)], "performance_slot_in_past"),
    ([datetime(2031, 9, 15, 9, tzinfo=UTC)], "performance_slot_out_of_year"),
    (["not a date"], "invalid"),
    ("2031-06-16T09:00:00+00:00", "invalid"),
])
def test_bad_slots(world_a, slots, code):
    year(world_a)
    with pytest.raises(Invalid) as err:
        perf.do_propose(world_a.manager.actor, world_a.tenant_id, world_a.counselor.membership_id, slots, now=OPEN)
    assert err.value.code == code
    assert reviews() == 0


def test_no_academic_year(world_a):
    with pytest.raises(Invalid) as err:
        perf.do_propose(world_a.manager.actor, world_a.tenant_id, world_a.counselor.membership_id, SLOTS, now=OPEN)
    assert err.value.code == "performance_no_academic_year"


@pytest.mark.parametrize("answers, code", [
    ([{"at": SLOTS[0].isoformat(), "available": True}], "performance_availability_mismatch"),
    ([{"at": SLOTS[0].isoformat(), "available": True}, {"at": SLOTS[0].isoformat(), "available": False}],
     "performance_availability_mismatch"),
    ([{"at": SLOTS[0].isoformat(), "available": True},
      {"at": (SLOTS[1] + timedelta(hours=1)).isoformat(), "available": True}], "performance_availability_mismatch"),
    ([{"at": SLOTS[0].isoformat(), "available": "maybe"}, {"at": SLOTS[1].isoformat(), "available": True}],
     "invalid"),
    ("yes", "performance_availability_mismatch"),
])
def test_bad_availability(world_a, answers, code):
    a = world_a
    year(a)
    r = perf.do_propose(a.manager.actor, a.tenant_id, a.counselor.membership_id, SLOTS, now=OPEN)
    before = row(r.id)
    with pytest.raises(Invalid) as err:
        perf.do_give_availability(a.counselor.actor, a.tenant_id, r.id, answers, now=OPEN)
    assert err.value.code == code
    assert row(r.id) == before


@pytest.mark.parametrize("bad, code", [
    ({"overall": 5}, "performance_rating_out_of_scale"),
    ({"overall": True}, "performance_rating_out_of_scale"),
    ({"objectives": [{"title": "X", "achievement": 5}]}, "performance_rating_out_of_scale"),
    ({"objectives": [{"title": "X", "achievement": -1}]}, "performance_rating_out_of_scale"),
    ({"objectives": [{"title": "  ", "achievement": 2}]}, "performance_objective_title_required"),
    ({"competencies": [{"key": "charisma", "rating": 3}]}, "performance_unknown_competency"),
    ({"competencies": [{"key": "teamwork", "rating": 0}]}, "performance_rating_out_of_scale"),
    ({"competencies": [{"key": "teamwork", "rating": 3}, {"key": "teamwork", "rating": 2}]},
     "performance_duplicate_competency"),
    ({"strengths": "x" * 4001}, "too_long"),
    ({"manager_comment": "a\x00b"}, "invalid"),
    ({"objectives": [{"title": "X" * 201, "achievement": 2}]}, "too_long"),
    ({"objectives": [{"title": f"O{i}", "achievement": 2} for i in range(21)]}, "invalid"),
    ({"next_objectives": [{"title": "X", "due_on": "tomorrow"}]}, "invalid"),
    ({"salary": 1}, "invalid"),
])
def test_bad_form(world_a, bad, code):
    a = world_a
    year(a)
    rid = scheduled(a)
    before = row(rid)
    with pytest.raises(Invalid) as err:
        perf.do_fill_form(a.manager.actor, a.tenant_id, rid, form(**bad), now=OPEN)
    assert err.value.code == code
    assert row(rid) == before


def test_bad_comment(world_a):
    a = world_a
    year(a)
    rid = finalised(a)
    before = row(rid)
    for text, code in (("   ", "performance_comment_required"), ("x" * 4001, "too_long"), (None, "performance_comment_required"),
                       (42, "invalid")):
        with pytest.raises(Invalid) as err:
            perf.do_comment(a.counselor.actor, a.tenant_id, rid, text, now=OPEN)
        assert err.value.code == code
    assert row(rid) == before


def test_an_id_that_is_not_one(world_a):
    year(world_a)
    for rid in (0, -1, True, "1", 2**40, None):
        with pytest.raises(NotFound):
            perf.get_review(world_a.manager.actor, world_a.tenant_id, rid)


def test_another_centres_year_is_not_found(world_a, world_b):
    year(world_a)
    theirs = year(world_b)
    for yid in (theirs, 999_999, "1", True):
        with pytest.raises(NotFound) as err:
            perf.do_propose(world_a.manager.actor, world_a.tenant_id, world_a.counselor.membership_id, SLOTS,
                            academic_year_id=yid, now=OPEN)
        assert err.value.code == "academic_year_not_found"
    assert reviews() == 0
