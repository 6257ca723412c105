"""P27 (M14, BR-33): the annual interview from the proposed dates to the member's opinion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from integrations.db import system_session
from integrations.errors import Conflict, Invalid, NotFound
from tenants.calendar.models import Event, EventStaff
from tenants.calendar.services import calendar_view
from tests.assessment.perf_util import (
    EARLY,
    OPEN,
    SLOTS,
    finalised,
    form,
    mails,
    reviews,
    row,
    scheduled,
    year,
)
from workflows.assessment import performance as perf


def test_the_whole_interview(world_a, run_outbox):
    w = world_a
    year(w)
    mgr, me = w.manager.actor, w.counselor.actor

    # P27.1 the manager proposes dates; the member is e-mailed
    r = perf.do_propose(mgr, w.tenant_id, w.counselor.membership_id, SLOTS, now=OPEN)
    assert r.status == "proposed" and [x.at for x in r.slots] == SLOTS
    assert [x.available for x in r.slots] == [None, None]
    assert len(mails(f"performance-proposed:{r.id}:")) == 1

    # P27.2 the member answers per date; the manager is e-mailed
    r = perf.do_give_availability(me, w.tenant_id, r.id, [{"at": SLOTS[0].isoformat(), "available": False},
                                                          {"at": SLOTS[1].isoformat(), "available": True}], now=OPEN)
    assert r.status == "confirmed" and [x.available for x in r.slots] == [False, True]
    assert r.actions == ("availability",)
    assert len(mails(f"performance-availability:{r.id}:")) == 1

    # P27.3 the final date goes into both people's calendar
    r = perf.do_schedule(mgr, w.tenant_id, r.id, SLOTS[1].isoformat(), now=OPEN)
    assert r.status == "scheduled" and r.interview_at == SLOTS[1]
    with system_session("test") as s:
        e = s.exec(select(Event).where(Event.type == "performance_interview")).one()
        assert e.organiser_membership_id == w.manager.membership_id and e.starts_at == SLOTS[1]
        assert s.exec(select(EventStaff.membership_id).where(EventStaff.event_id == e.id)).all() == \
            [w.counselor.membership_id]
    rng = {"start": SLOTS[0] - timedelta(days=2), "end": SLOTS[1] + timedelta(days=2)}
    for person in (w.manager, w.counselor):
        mine = calendar_view(person.actor, w.tenant_id, rng | {"membership_id": person.membership_id})
        assert [x.type for x in mine] == ["performance_interview"]

    # P27.5 the beat job sends M14 three days before, once
    assert perf.enqueue_due_forms(now=SLOTS[1] - timedelta(days=4)) == 0
    assert perf.enqueue_due_forms(now=SLOTS[1] - timedelta(days=2)) == 1
    assert perf.enqueue_due_forms(now=SLOTS[1] - timedelta(days=1)) == 0
    sent = mails(f"performance-form:{w.tenant_id}:{r.id}")
    assert len(sent) == 1 and sent[0].payload["attachments"][0]["filename"] == f"m14-{r.id}.pdf"
    assert perf.get_review(me, w.tenant_id, r.id).status == "form_sent"
    assert "sent" in run_outbox()

    # P27.6 filled in during the interview (saved again before finalising)
    perf.do_fill_form(mgr, w.tenant_id, r.id, form(overall=None), now=SLOTS[1])
    with pytest.raises(Invalid) as err:
        perf.do_finalise(mgr, w.tenant_id, r.id, now=SLOTS[1] + timedelta(hours=1))
    assert err.value.code == "performance_form_incomplete" and err.value.params["missing"] == ["overall"]
    r = perf.do_fill_form(mgr, w.tenant_id, r.id, form(), now=SLOTS[1])
    assert r.status == "filled" and r.form["overall"] == 3 and r.form["next_objectives"][0]["due_on"] == "2032-04-30"

    # P27.7 finalised after the interview, sent to the member, who gives their opinion once
    r = perf.do_finalise(mgr, w.tenant_id, r.id, now=SLOTS[1] + timedelta(hours=1))
    assert r.status == "finalised" and len(mails(f"performance-finalised:{r.id}")) == 1
    assert perf.get_review(me, w.tenant_id, r.id).actions == ("comment",)
    r = perf.do_comment(me, w.tenant_id, r.id, "  D'accord avec l'évaluation.  ", now=SLOTS[1] + timedelta(days=1))
    assert r.status == "commented" and r.member_comment == "D'accord avec l'évaluation."
    assert len(mails(f"performance-commented:{r.id}")) == 1
    assert perf.get_review(mgr, w.tenant_id, r.id).actions == ()
    assert perf.review_pdf(me, w.tenant_id, r.id, lang="ar").startswith(b"%PDF")


def test_proposals_open_one_month_before_the_year_ends(world_a):
    w = world_a
    year(w)
    with pytest.raises(Invalid) as err:
        perf.do_propose(w.manager.actor, w.tenant_id, w.counselor.membership_id, SLOTS, now=EARLY)
    assert err.value.code == "performance_too_early"
    assert err.value.params["opens_on"] == "2031-05-30" and "2031-05-30" in err.value.message
    assert reviews() == 0
    ov = perf.overview(w.manager.actor, w.tenant_id, now=EARLY)
    assert (ov.opens_on.isoformat(), ov.open_now) == ("2031-05-30", False)
    # the day it opens (Casablanca time), it is allowed
    opening = datetime(2031, 5, 30, 8, 0, tzinfo=UTC)
    perf.do_propose(w.manager.actor, w.tenant_id, w.counselor.membership_id, SLOTS, now=opening)
    assert reviews() == 1


def test_overview_lists_the_team_to_evaluate(world_a):
    w = world_a
    year(w)
    rid = perf.do_propose(w.manager.actor, w.tenant_id, w.counselor.membership_id, SLOTS, now=OPEN).id
    ov = perf.overview(w.manager.actor, w.tenant_id, now=OPEN)
    assert ov.open_now and ov.year_label == "2030-2031"
    got = {x.membership_id: x for x in ov.rows}
    # counselors and the business developer; not the manager, ambassadors, interns, students
    assert set(got) == {w.counselor.membership_id, w.people["business_developer"].membership_id}
    assert got[w.counselor.membership_id].review.id == rid
    assert got[w.people["business_developer"].membership_id].review is None


def test_the_manager_may_move_the_dates_until_the_date_is_fixed(world_a):
    w = world_a
    year(w)
    mgr = w.manager.actor
    r = perf.do_propose(mgr, w.tenant_id, w.counselor.membership_id, SLOTS, now=OPEN)
    perf.do_give_availability(w.counselor.actor, w.tenant_id, r.id,
                              [{"at": x.isoformat(), "available": True} for x in SLOTS], now=OPEN)
    again = perf.do_propose(mgr, w.tenant_id, w.counselor.membership_id, SLOTS[:1], now=OPEN)
    assert again.id == r.id and again.status == "proposed" and [x.available for x in again.slots] == [None]
    # a new final date moves the calendar event, it does not add one
    perf.do_schedule(mgr, w.tenant_id, r.id, SLOTS[0].isoformat(), now=OPEN)
    perf.do_schedule(mgr, w.tenant_id, r.id, SLOTS[1].isoformat(), now=OPEN)
    with system_session("test") as s:
        events = s.exec(select(Event).where(Event.type == "performance_interview")).all()
        assert [(e.starts_at, e.sequence) for e in events] == [(SLOTS[1], 1)]
    with pytest.raises(Conflict) as err:
        perf.do_propose(mgr, w.tenant_id, w.counselor.membership_id, SLOTS, now=OPEN)
    assert err.value.code == "performance_wrong_state"


def test_the_manager_sends_the_form_by_hand_once(world_a):
    w = world_a
    year(w)
    rid = scheduled(w)
    assert perf.do_send_form(w.manager.actor, w.tenant_id, rid, now=OPEN).status == "form_sent"
    with pytest.raises(Conflict) as err:
        perf.do_send_form(w.manager.actor, w.tenant_id, rid, now=OPEN)
    assert err.value.code == "performance_form_already_sent"
    # the beat job does not send it again
    assert perf.enqueue_due_forms(now=SLOTS[0] - timedelta(days=1)) == 0
    assert len(mails(f"performance-form:{w.tenant_id}:{rid}")) == 1


def test_finalised_is_locked_for_both(world_a):
    w = world_a
    year(w)
    rid = finalised(w)
    mgr, me = w.manager.actor, w.counselor.actor
    before = row(rid)
    for call in (lambda: perf.do_fill_form(mgr, w.tenant_id, rid, form(overall=1), now=OPEN),
                 lambda: perf.do_schedule(mgr, w.tenant_id, rid, SLOTS[1].isoformat(), now=OPEN),
                 lambda: perf.do_send_form(mgr, w.tenant_id, rid, now=OPEN),
                 lambda: perf.do_finalise(mgr, w.tenant_id, rid, now=OPEN),
                 lambda: perf.do_give_availability(me, w.tenant_id, rid, [], now=OPEN)):
        with pytest.raises((Conflict, Invalid)) as err:
            call()
        assert err.value.code in ("performance_locked", "performance_availability_mismatch")
    assert row(rid) == before
    perf.do_comment(me, w.tenant_id, rid, "Merci", now=OPEN)
    with pytest.raises(Conflict) as err:
        perf.do_comment(me, w.tenant_id, rid, "Autre avis", now=OPEN)
    assert err.value.code == "performance_already_commented"
    with pytest.raises(Conflict) as err:
        perf.do_fill_form(mgr, w.tenant_id, rid, form(), now=OPEN)
    assert err.value.code == "performance_locked"
    assert perf.get_review(me, w.tenant_id, rid).member_comment == "Merci"


def test_finalised_only_after_the_interview(world_a):
    w = world_a
    year(w)
    rid = scheduled(w)
    perf.do_fill_form(w.manager.actor, w.tenant_id, rid, form(), now=OPEN)
    with pytest.raises(Invalid) as err:
        perf.do_finalise(w.manager.actor, w.tenant_id, rid, now=SLOTS[0] - timedelta(minutes=1))
    assert err.value.code == "performance_before_interview"
    assert row(rid)[0] == "filled"


def test_schedule_names_a_real_coordination_meeting(world_a):
    w = world_a
    year(w)
    r = perf.do_propose(w.manager.actor, w.tenant_id, w.counselor.membership_id, SLOTS, now=OPEN)
    with pytest.raises(NotFound) as err:
        perf.do_schedule(w.manager.actor, w.tenant_id, r.id, SLOTS[0].isoformat(), meeting_id=999_999, now=OPEN)
    assert err.value.code == "meeting_not_found"
    assert row(r.id)[0] == "proposed"


def test_the_interview_may_fall_shortly_after_the_year(world_a):
    w = world_a
    year(w)
    late = datetime(2031, 7, 20, 9, tzinfo=UTC)
    r = perf.do_propose(w.manager.actor, w.tenant_id, w.counselor.membership_id, [late], now=OPEN)
    assert r.slots[0].at == late
    with pytest.raises(Invalid) as err:
        perf.do_propose(w.manager.actor, w.tenant_id, w.counselor.membership_id, [late + timedelta(days=60)],
                        now=OPEN)
    assert err.value.code == "performance_slot_out_of_year"


def test_beat_runs_the_form_job():
    from cc_network.worker import celery_app

    entry = celery_app.conf.beat_schedule["performance-forms"]
    assert entry["task"] == "workflows.assessment.send_performance_forms"
    assert entry["task"] in celery_app.tasks


def test_the_final_date_records_the_coordination_meeting(world_a):
    from tenants.calendar.services import do_create_event
    from workflows.meetings.services import do_open_meeting

    w = world_a
    year(w)
    mgr = w.manager.actor

    def meeting(kind: str, hour: int) -> int:
        start = datetime(2031, 6, 6, hour, tzinfo=UTC)
        e = do_create_event(mgr, w.tenant_id, {"type": kind, "title": kind, "starts_at": start.isoformat(),
                                               "ends_at": (start + timedelta(hours=1)).isoformat()})
        return do_open_meeting(mgr, w.tenant_id, e.id).id

    weekly, monthly = meeting("weekly_coordination_meeting", 9), meeting("monthly_management_meeting", 11)
    r = perf.do_propose(mgr, w.tenant_id, w.counselor.membership_id, SLOTS, now=OPEN)
    with pytest.raises(Invalid) as err:
        perf.do_schedule(mgr, w.tenant_id, r.id, SLOTS[0].isoformat(), meeting_id=monthly, now=OPEN)
    assert err.value.code == "performance_meeting_kind"
    r = perf.do_schedule(mgr, w.tenant_id, r.id, SLOTS[0].isoformat(), meeting_id=weekly, now=OPEN)
    assert r.fixed_in_meeting_id == weekly
