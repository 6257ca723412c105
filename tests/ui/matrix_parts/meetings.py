"""The isolation matrix of the meeting pages (issue 6 §4): /staff/meetings and a meeting's
record /staff/meetings/[meeting_id].

setup puts two weekly coordination meetings in A's calendar, titled with strings only A may
see: one whose record is opened (minutes written, and on its agenda step 3 of a P01 instance,
"built in the meeting"), one not opened yet."""

from __future__ import annotations

from sqlmodel import select

from integrations.db import system_session
from tenants.calendar.services import do_create_event
from tests.ui.matrix_cases import Probe, Public, View
from tests.ui.matrix_parts.procedures import open_task
from workflows.meetings import services as meetings
from workflows.meetings.models import MeetingItem, MeetingRecord
from workflows.procedures import services as proc
from workflows.procedures.models import ProcedureTask

LIST = "/staff/meetings"
W = "weekly_coordination_meeting"


def setup(a, ids: dict, secrets: list) -> None:
    manager = a.manager.actor
    held = do_create_event(manager, a.tenant_id, {
        "type": W, "title": "Alpha secret meeting", "starts_at": "2031-05-05T10:00:00+01:00",
        "ends_at": "2031-05-05T11:00:00+01:00"})
    fresh = do_create_event(manager, a.tenant_id, {
        "type": W, "title": "Alpha secret next meeting", "starts_at": "2031-05-12T10:00:00+01:00",
        "ends_at": "2031-05-12T11:00:00+01:00"})
    inst = proc.do_start_instance(manager, a.tenant_id, "P01", label="Alpha secret meeting plan")
    proc.do_complete_task(manager, a.tenant_id, open_task(a, inst.id, 1, "manager"))
    for key, role in (("counselor", "career_counselor"), ("business_developer", "business_developer")):
        proc.do_complete_task(a.people[key].actor, a.tenant_id, open_task(a, inst.id, 2, role))
    rec = meetings.do_open_meeting(manager, a.tenant_id, held.id)
    meetings.do_save_minutes(manager, a.tenant_id, rec.id, "Alpha secret minutes")
    ids["meeting_id"], ids["meeting_event_id"] = rec.id, fresh.id
    ids["meeting_task_id"] = open_task(a, inst.id, 3, "manager")
    secrets += ["Alpha secret meeting", "Alpha secret minutes", "Alpha secret meeting plan"]


def _record(a: dict) -> str:
    return f"{LIST}/{a['meeting_id']}"


def _records(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        return tuple(s.exec(select(MeetingRecord.id).where(MeetingRecord.event_id == a["meeting_event_id"])).all())


def _meeting(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        r = s.get(MeetingRecord, a["meeting_id"])
        return r.status, r.minutes, r.closed_at


def _decision(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        t = s.get(ProcedureTask, a["meeting_task_id"])
        items = s.exec(select(MeetingItem.id).where(MeetingItem.meeting_id == a["meeting_id"])).all()
        return t.status, t.note, len(items)


ENTRIES: dict[str, Probe | View | Public] = {
    "MeetingsState.on_load": View(LIST),
    "MeetingsState.choose_when": View(LIST, lambda a: ("past",)),
    "MeetingsState.apply_filters": View(LIST, lambda a: ({"kind": W},)),
    "MeetingsState.next_page": View(LIST),
    "MeetingsState.prev_page": View(LIST),
    "MeetingsState.open_record": Probe(LIST, lambda a: (a["meeting_event_id"],), _records),
    "MeetingState.on_load": View(_record),
    "EventMeetingState.on_load": View(lambda a: f"{LIST}/event/{a['meeting_event_id']}"),
    "MeetingState.save_minutes": Probe(_record, lambda a: ({"minutes": "Stolen minutes"},), _meeting,
                                       owner="counselor"),
    "MeetingState.open_decide": Probe(_record, lambda a: (a["meeting_task_id"], ""), _decision, expect="nothing"),
    "MeetingState.close_decide": Public("closes a dialog"),
    "MeetingState.decide": Probe(_record, lambda a: ({"task_id": str(a["meeting_task_id"]), "branch": "",
                                                      "note": "Stolen"},), _decision),
    "MeetingState.close_meeting": Probe(_record, lambda a: (), _meeting),
}
