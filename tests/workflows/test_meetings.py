"""The team's meetings (issue 6 §4, P03): the agenda gathered across running instances,
decisions that complete steps, minutes, closing that mails the minutes and the next week's
plan (M32) to the team and the host institution, and the refusals."""

from __future__ import annotations

import base64
import itertools
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.outbox import OutboxMessage
from tenants.calendar import services as cal
from tests.workflows.engine_helpers import by_step, procedure, publish, snapshot, step, task_of
from workflows.meetings import services as msvc
from workflows.meetings.models import MeetingItem, MeetingRecord
from workflows.procedures import services as svc
from workflows.procedures.models import DONE, OPEN, SKIPPED, WAITING

W = "weekly_coordination_meeting"
_SLOTS = itertools.count()  # each event its own hours: the calendar refuses overlaps


def reviewed_procedure(code: str = "P90"):
    """1 manager → 2 reviewed in the weekly meeting (ok / rework → 1) → 3 plain task in the
    weekly meeting → 4 manager."""
    return procedure(code,
                     step(1, "manager"),
                     step(2, "career_counselor", "business_developer", mode="all", kind="review_in_weekly_meeting", meeting=W,
                          branches=[{"key": "ok", "label_en": "Accepted"},
                                    {"key": "rework", "label_en": "Rework", "goto": 1}]),
                     step(3, "manager", meeting=W),
                     step(4, "manager"))


def meeting_event(world, *, kind: str = W, days: int = 1, title: str = "Réunion hebdo"):
    starts = (utcnow() + timedelta(days=days, hours=2 * next(_SLOTS))).replace(microsecond=0)
    return cal.do_create_event(world.manager.actor, world.tenant_id, {
        "type": kind, "title": title, "starts_at": starts, "ends_at": starts + timedelta(hours=1)})


def running_at_review(world, code: str = "P90"):
    """An instance whose step 2 (the weekly review) is open."""
    inst = svc.do_start_instance(world.manager.actor, world.tenant_id, code)
    svc.do_complete_task(world.manager.actor, world.tenant_id, task_of(world.tenant_id, inst.id, 1).id)
    return inst


@pytest.fixture
def setup_a(world_a):
    publish(world_a.tenant_id, reviewed_procedure())
    return world_a


def test_list_shows_meetings_with_their_record_status(setup_a):
    a = setup_a
    e = meeting_event(a)
    meeting_event(a, kind="workshop", title="Atelier CV")
    past = meeting_event(a, kind="monthly_management_meeting", days=-10, title="Mensuelle")
    page = msvc.list_meetings(a.counselor.actor, a.tenant_id)
    assert [(i.event_id, i.status) for i in page.items] == [(e.id, "")] and page.total == 1
    rec = msvc.do_open_meeting(a.manager.actor, a.tenant_id, e.id)
    assert msvc.list_meetings(a.counselor.actor, a.tenant_id).items[0].meeting_id == rec.id
    assert [i.event_id for i in msvc.list_meetings(a.counselor.actor, a.tenant_id, when="past").items] == [past.id]
    assert msvc.list_meetings(a.counselor.actor, a.tenant_id, kind="semester_meeting").total == 0
    with pytest.raises(Invalid):
        msvc.list_meetings(a.counselor.actor, a.tenant_id, kind="workshop")
    with pytest.raises(Forbidden):
        msvc.list_meetings(a.student.actor, a.tenant_id)


def test_open_is_idempotent_and_snapshots_the_week_and_progress(setup_a):
    a = setup_a
    inst = svc.do_start_instance(a.manager.actor, a.tenant_id, "P90")
    svc.do_complete_task(a.manager.actor, a.tenant_id, task_of(a.tenant_id, inst.id, 1).id)
    e = meeting_event(a)
    rec = msvc.do_open_meeting(a.manager.actor, a.tenant_id, e.id)
    again = msvc.do_open_meeting(a.manager.actor, a.tenant_id, e.id)
    assert again.id == rec.id and rec.status == "open" and rec.kind == W
    snap = rec.snapshot
    assert {"period", "visits", "activities", "registrations", "sessions", "members"} <= set(snap)
    mine = next(m for m in snap["members"] if m["membership_id"] == a.manager.membership_id)
    assert mine["completed"] == 1 and mine["completed_titles"] == ["Étape 1"]
    with tenant_session(a.tenant_id) as s:
        assert len(s.exec(select(MeetingRecord)).all()) == 1
    with pytest.raises(Forbidden):
        msvc.do_open_meeting(a.counselor.actor, a.tenant_id, e.id)
    workshop = meeting_event(a, kind="workshop", title="Atelier")
    with pytest.raises(NotFound):
        msvc.do_open_meeting(a.manager.actor, a.tenant_id, workshop.id)


def test_agenda_gathers_reviewed_steps_across_running_instances(setup_a):
    a = setup_a
    one, two = running_at_review(a), running_at_review(a)
    svc.do_start_instance(a.manager.actor, a.tenant_id, "P90")  # still at step 1: not on the agenda
    rec = msvc.do_open_meeting(a.manager.actor, a.tenant_id, meeting_event(a).id)
    assert [g.instance_id for g in rec.agenda] == [one.id, two.id]
    item = rec.agenda[0].items[0]
    assert item.step_n == 2 and item.roles == ["business_developer", "career_counselor"]
    assert [k for k, _ in item.branches] == ["ok", "rework"]
    monthly = msvc.do_open_meeting(a.manager.actor, a.tenant_id,
                                   meeting_event(a, kind="monthly_management_meeting").id)
    assert monthly.agenda == []


def test_a_decision_completes_the_whole_step_and_moves_the_instance_on(setup_a):
    a = setup_a
    inst = running_at_review(a)
    rec = msvc.do_open_meeting(a.manager.actor, a.tenant_id, meeting_event(a).id)
    task_id = rec.agenda[0].items[0].task_id
    out = msvc.do_decide_item(a.manager.actor, a.tenant_id, rec.id, task_id, branch="ok", note="validé")
    assert by_step(a.tenant_id, inst.id)[2] == [("career_counselor", DONE), ("business_developer", DONE)]
    assert by_step(a.tenant_id, inst.id)[3] == [("manager", OPEN)]
    assert [(d.task_id, d.outcome, d.note) for d in out.decided] == [(task_id, "ok", "validé")]
    # the plain task of step 3, now on the agenda, is marked done
    plain = out.agenda[0].items[0]
    assert plain.step_n == 3 and plain.branches == []
    with pytest.raises(Invalid) as exc:
        msvc.do_decide_item(a.manager.actor, a.tenant_id, rec.id, plain.task_id, branch="ok")
    assert exc.value.code == "unknown_branch"
    out = msvc.do_decide_item(a.manager.actor, a.tenant_id, rec.id, plain.task_id)
    assert by_step(a.tenant_id, inst.id)[4] == [("manager", OPEN)]
    assert [d.outcome for d in out.decided] == ["ok", "done"]


def test_rework_goes_back_and_bad_decisions_change_nothing(setup_a):
    a = setup_a
    inst = running_at_review(a)
    rec = msvc.do_open_meeting(a.manager.actor, a.tenant_id, meeting_event(a).id)
    task_id = rec.agenda[0].items[0].task_id
    before = snapshot(a.tenant_id)
    for branch, code in ((None, "branch_required"), ("nope", "unknown_branch")):
        with pytest.raises(Invalid) as exc:
            msvc.do_decide_item(a.manager.actor, a.tenant_id, rec.id, task_id, branch=branch)
        assert exc.value.code == code
    with pytest.raises(Forbidden):
        msvc.do_decide_item(a.counselor.actor, a.tenant_id, rec.id, task_id, branch="ok")
    with pytest.raises(NotFound):
        msvc.do_decide_item(a.manager.actor, a.tenant_id, rec.id, 999_999, branch="ok")
    step1 = task_of(a.tenant_id, inst.id, 1).id  # done, not on this agenda
    with pytest.raises(Invalid) as exc:
        msvc.do_decide_item(a.manager.actor, a.tenant_id, rec.id, step1)
    assert exc.value.code == "not_on_agenda"
    assert snapshot(a.tenant_id) == before
    msvc.do_decide_item(a.manager.actor, a.tenant_id, rec.id, task_id, branch="rework")
    steps = by_step(a.tenant_id, inst.id)
    assert steps[1] == [("manager", OPEN)] and {s for _, s in steps[2]} == {WAITING}
    with pytest.raises(Conflict):
        msvc.do_decide_item(a.manager.actor, a.tenant_id, rec.id, task_id, branch="ok")
    assert SKIPPED not in {s for _, s in steps[3]}


def test_minutes_then_close_mails_the_team_and_the_plan_to_the_host(setup_a, run_outbox):
    a = setup_a
    rec = msvc.do_open_meeting(a.manager.actor, a.tenant_id, meeting_event(a).id)
    saved = msvc.do_save_minutes(a.counselor.actor, a.tenant_id, rec.id, "  Point 1 : plan validé.  ")
    assert saved.minutes == "Point 1 : plan validé."
    with pytest.raises(Invalid):
        msvc.do_save_minutes(a.counselor.actor, a.tenant_id, rec.id, "x" * 50_001)
    with pytest.raises(Forbidden):
        msvc.do_close_meeting(a.counselor.actor, a.tenant_id, rec.id)
    closed = msvc.do_close_meeting(a.manager.actor, a.tenant_id, rec.id)
    assert closed.status == "closed" and closed.plan_sent_at is not None and closed.agenda == []
    with system_session("test") as s:
        msgs = [m for m in s.exec(select(OutboxMessage)).all() if m.idempotency_key.startswith(f"meeting-closed:{rec.id}:")]
    to = {m.payload["to"] for m in msgs}
    people = a.people
    for role in ("manager", "counselor", "business_developer", "ambassador", "intern", "host_approver",
                 "host_focal_point"):
        assert people[role].email in to, role
    assert people["student"].email not in to and people["company_contact"].email not in to
    for m in msgs:
        (att,) = m.payload["attachments"]
        assert att["filename"].endswith(".pdf") and base64.b64decode(att["content_b64"]).startswith(b"%PDF")
    minutes_mail = next(m for m in msgs if m.payload["to"] == people["counselor"].email)
    assert "plan validé" in minutes_mail.payload["text"]
    assert all(st == "sent" for st in run_outbox())
    for call in (lambda: msvc.do_close_meeting(a.manager.actor, a.tenant_id, rec.id),
                 lambda: msvc.do_save_minutes(a.manager.actor, a.tenant_id, rec.id, "late")):
        with pytest.raises(Conflict) as exc:
            call()
        assert exc.value.code == "meeting_closed"
    assert msvc.get_meeting(people["intern"].actor, a.tenant_id,
                            rec.id).minutes == "Point 1 : plan validé."


def test_monthly_close_sends_minutes_without_plan(setup_a):
    a = setup_a
    rec = msvc.do_open_meeting(a.manager.actor, a.tenant_id,
                               meeting_event(a, kind="monthly_management_meeting").id)
    closed = msvc.do_close_meeting(a.manager.actor, a.tenant_id, rec.id)
    assert closed.plan_sent_at is None
    with system_session("test") as s:
        msgs = [m for m in s.exec(select(OutboxMessage)).all() if m.idempotency_key.startswith(f"meeting-closed:{rec.id}:")]
    assert msgs and all("attachments" not in m.payload for m in msgs)
    assert a.people["host_approver"].email not in {m.payload["to"] for m in msgs}


def test_another_centres_ids_are_not_found(worlds):
    a, b = worlds
    publish(a.tenant_id, reviewed_procedure())
    running_at_review(a)
    e = meeting_event(a)
    rec = msvc.do_open_meeting(a.manager.actor, a.tenant_id, e.id)
    task_id = rec.agenda[0].items[0].task_id
    rec_b = msvc.do_open_meeting(b.manager.actor, b.tenant_id, meeting_event(b).id)
    for call in (lambda: msvc.do_open_meeting(b.manager.actor, b.tenant_id, e.id),
                 lambda: msvc.get_meeting(b.manager.actor, b.tenant_id, rec.id),
                 lambda: msvc.do_save_minutes(b.manager.actor, b.tenant_id, rec.id, "x"),
                 lambda: msvc.do_close_meeting(b.manager.actor, b.tenant_id, rec.id),
                 lambda: msvc.do_decide_item(b.manager.actor, b.tenant_id, rec_b.id, task_id, branch="ok")):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(Forbidden):
        msvc.get_meeting(b.manager.actor, a.tenant_id, rec.id)
    with tenant_session(a.tenant_id) as s:
        assert s.exec(select(MeetingItem)).all() == [] and s.get(MeetingRecord, rec.id).minutes == ""


def test_the_snapshot_counts_what_was_held_in_the_period(setup_a):
    a = setup_a
    held = meeting_event(a, kind="workshop", days=-3, title="Atelier CV")
    for action in ("propose", "validate", "publish", "mark_held"):
        cal.do_transition(a.manager.actor, a.tenant_id, held.id, action)
    old = meeting_event(a, kind="workshop", days=-20, title="Atelier ancien")
    for action in ("propose", "validate", "publish", "mark_held"):
        cal.do_transition(a.manager.actor, a.tenant_id, old.id, action)
    weekly = msvc.do_open_meeting(a.manager.actor, a.tenant_id, meeting_event(a).id)
    assert weekly.snapshot["activities"] == {"workshop": 1} and weekly.snapshot["activities_total"] == 1
    e = meeting_event(a, kind="monthly_management_meeting", days=0)
    monthly = msvc.do_open_meeting(a.manager.actor, a.tenant_id, e.id)
    since = monthly.snapshot["period"]["since"][:10]
    first = e.starts_at.astimezone(ZoneInfo(e.timezone)).date().replace(day=1)  # the centre's month
    assert since == (first - timedelta(days=1)).replace(day=1).isoformat()
    assert monthly.snapshot["period"]["until"][:10] == first.isoformat()


def test_the_weekly_meeting_lists_the_procedure_drafts_submitted_for_review(setup_a):
    from workflows.procedures import revisions

    a = setup_a
    m = a.manager.actor
    draft = revisions.do_create_draft(m, a.tenant_id, "P05")
    revisions.do_submit_draft(m, a.tenant_id, draft.id)
    revisions.do_create_draft(m, a.tenant_id, "P06")  # still a draft: not for review yet
    rec = msvc.do_open_meeting(m, a.tenant_id, meeting_event(a).id)
    assert [(d["code"], d["version"]) for d in rec.snapshot["procedure_drafts"]] == [("P05", draft.version)]
    monthly = msvc.do_open_meeting(m, a.tenant_id, meeting_event(a, kind="monthly_management_meeting").id)
    assert monthly.snapshot["procedure_drafts"] == []
