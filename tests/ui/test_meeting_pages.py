"""The meeting pages (issue 6 §4): the list of the team's meetings, opening a record, the
agenda decided from the page, the minutes, closing — handlers run in-process as signed-in
people of a centre."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from integrations.db import system_session
from integrations.outbox import OutboxMessage
from tests.ui.test_handler_isolation import app_handlers, call, session_cookie
from tests.workflows.engine_helpers import by_step, publish
from tests.workflows.test_meetings import meeting_event, reviewed_procedure, running_at_review
from workflows.meetings.models import MeetingItem, MeetingRecord
from workflows.procedures.models import DONE, OPEN

LIST = "/staff/meetings"


def _cookie(person) -> str:
    return session_cookie(person.account_id, person.tenant_id)


def _run(state, key: str, *args):
    result = app_handlers()[key][1].fn(state, *args)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def _records() -> list[MeetingRecord]:
    with system_session("test") as s:
        return list(s.exec(select(MeetingRecord).order_by(MeetingRecord.id)).all())


def test_the_list_filters_and_the_manager_opens_a_record(world_a):
    a = world_a
    e = meeting_event(a, title="Hebdo lundi")
    meeting_event(a, kind="monthly_management_meeting", title="Mensuelle")
    state, _ = call("MeetingsState.on_load", _cookie(a.counselor), LIST, ())
    assert state.error == "" and state.allowed and not state.can_manage
    assert [r.title for r in state.rows] == ["Hebdo lundi", "Mensuelle"] and state.rows[0].status == ""
    _run(state, "MeetingsState.apply_filters", {"kind": "monthly_management_meeting"})
    assert [r.title for r in state.rows] == ["Mensuelle"]
    _run(state, "MeetingsState.apply_filters", {"kind": "workshop"})
    assert state.error == "error.invalid_filter" and [r.title for r in state.rows] == ["Mensuelle"]
    _run(state, "MeetingsState.choose_when", "past")
    assert state.rows == [] and state.when == "past"
    _run(state, "MeetingsState.choose_when", "tomorrow")  # not a choice: nothing changes
    assert state.when == "past"
    # a counselor may not open a record
    _run(state, "MeetingsState.open_record", e.id)
    assert state.error == "error.forbidden" and _records() == []

    state, _ = call("MeetingsState.on_load", _cookie(a.manager), LIST, ())
    assert state.can_manage
    _run(state, "MeetingsState.open_record", "not an id")
    assert state.error == "error.invalid" and _records() == []
    redirect = _run(state, "MeetingsState.open_record", e.id)
    [rec] = _records()
    assert rec.event_id == e.id and redirect is not None
    state, _ = call("MeetingsState.on_load", _cookie(a.manager), LIST, ())
    assert (state.rows[0].meeting_id, state.rows[0].status) == (rec.id, "open")


def test_a_meeting_decides_its_agenda_writes_minutes_and_closes(world_a, run_outbox):
    a = world_a
    publish(a.tenant_id, reviewed_procedure())
    inst = running_at_review(a)
    e = meeting_event(a)
    state, _ = call("MeetingsState.on_load", _cookie(a.manager), LIST, ())
    _run(state, "MeetingsState.open_record", e.id)
    [rec] = _records()
    path = f"{LIST}/{rec.id}"

    # a counselor sees the record and writes the minutes, but does not decide nor close
    state, _ = call("MeetingState.on_load", _cookie(a.counselor), path, ())
    assert state.error == "" and state.found and state.status == "open" and not state.can_manage
    [item] = state.agenda
    assert item.instance_id == inst.id and [b.key for b in item.branches] == ["ok", "rework"]
    assert any(r.label_key == "ui.meetings.stat.visits" for r in state.stats)
    assert {m.name for m in state.members} >= {"Manager"}
    _run(state, "MeetingState.save_minutes", {"minutes": "Plan validé en réunion."})
    assert state.notice == "ui.meetings.minutes_saved" and _records()[0].minutes == "Plan validé en réunion."
    _run(state, "MeetingState.save_minutes", {"minutes": "x" * 50_001})
    assert state.error == "error.invalid" and _records()[0].minutes == "Plan validé en réunion."
    _run(state, "MeetingState.decide", {"task_id": str(item.task_id), "branch": "ok", "note": ""})
    assert state.error == "error.forbidden" and by_step(a.tenant_id, inst.id)[2][0][1] == OPEN

    state, _ = call("MeetingState.on_load", _cookie(a.manager), path, ())
    assert state.can_manage
    _run(state, "MeetingState.open_decide", 999_999, "ok")  # not listed: nothing opens
    assert not state.deciding
    _run(state, "MeetingState.open_decide", item.task_id, "maybe")  # not one of its outcomes
    assert not state.deciding
    _run(state, "MeetingState.open_decide", item.task_id, "ok")
    assert state.deciding and state.editing_id == item.task_id and state.pending_branch == "ok"
    _run(state, "MeetingState.decide", {"task_id": str(item.task_id), "branch": "nope", "note": ""})
    assert state.error == "error.unknown_branch" and by_step(a.tenant_id, inst.id)[2][0][1] == OPEN
    _run(state, "MeetingState.decide", {"task_id": str(item.task_id), "branch": "ok", "note": "Validé"})
    assert state.error == "" and state.notice == "ui.meetings.decided" and not state.deciding
    assert by_step(a.tenant_id, inst.id)[2] == [("career_counselor", DONE), ("business_developer", DONE)]
    assert [(d.outcome, d.note) for d in state.decided] == [("ok", "Validé")]
    assert [r.step_n for r in state.agenda] == [3]  # the next step, also reviewed weekly
    with system_session("test") as s:
        assert len(s.exec(select(MeetingItem)).all()) == 1

    _run(state, "MeetingState.close_meeting")
    assert state.notice == "ui.meetings.closed_notice" and state.status == "closed" and state.plan_sent != ""
    assert state.agenda == []
    with system_session("test") as s:
        sent = [m for m in s.exec(select(OutboxMessage)).all() if m.idempotency_key.startswith("meeting-closed:")]
    assert a.people["host_approver"].email in {m.payload["to"] for m in sent}
    _run(state, "MeetingState.close_meeting")
    assert state.error == "error.meeting_closed"
    _run(state, "MeetingState.save_minutes", {"minutes": "trop tard"})
    assert state.error == "error.meeting_closed" and _records()[0].minutes == "Plan validé en réunion."


def test_a_student_is_sent_away_and_an_unknown_record_is_not_found(world_a):
    a = world_a
    state, redirect = call("MeetingsState.on_load", _cookie(a.student), LIST, ())
    assert redirect and not state.allowed
    state, _ = call("MeetingState.on_load", _cookie(a.manager), f"{LIST}/424242", ())
    assert state.error == "error.not_found" and not state.found


def test_the_calendar_sheet_of_a_meeting_leads_to_its_record(world_a):
    a = world_a
    e = meeting_event(a)
    path = f"{LIST}/event/{e.id}"
    state, redirect = call("EventMeetingState.on_load", _cookie(a.counselor), path, ())
    assert state.error == "" and f"{LIST}/" not in str(redirect) and LIST in str(redirect)
    state, _ = call("MeetingsState.on_load", _cookie(a.manager), LIST, ())
    _run(state, "MeetingsState.open_record", e.id)
    [rec] = _records()
    state, redirect = call("EventMeetingState.on_load", _cookie(a.counselor), path, ())
    assert f"{LIST}/{rec.id}" in str(redirect)
    workshop = meeting_event(a, kind="workshop", title="Atelier")
    state, _ = call("EventMeetingState.on_load", _cookie(a.counselor), f"{LIST}/event/{workshop.id}", ())
    assert state.error == "error.not_found"
