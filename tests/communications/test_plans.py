"""The communication plan (P29): built from the calendar, edited, proposed, validated, sent to
the host institution, folded into the weekly plan; overlapping periods refused."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from integrations import outbox
from integrations.db import system_session, tenant_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from tests.communications.flow_util import channel, event, item_data, weekly_meeting
from workflows.communications import items
from workflows.communications import plans as svc
from workflows.communications.models import CommPlan
from workflows.meetings import services as meetings

ZONE = ZoneInfo("Africa/Casablanca")
MONTH = (date(2031, 3, 1), date(2031, 3, 31))


def _at(d: date, hour: int = 10) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=ZONE)


def _count(tenant_id: int) -> int:
    with tenant_session(tenant_id) as s:
        return s.exec(select(func.count()).select_from(CommPlan)).one()


def _march(w) -> dict:
    ids = {"workshop": event(w, starts_at=_at(date(2031, 3, 10)), title="Atelier CV"),
           "conference": event(w, starts_at=_at(date(2031, 3, 20)), type_="host_conference", title="Conférence"),
           "faculty": event(w, starts_at=_at(date(2031, 3, 21)), type_="faculty_activity", title="Avec les enseignants")}
    event(w, starts_at=_at(date(2031, 3, 12)), status="draft", title="Pas encore planifié")
    event(w, starts_at=_at(date(2031, 3, 13)), status="cancelled", title="Annulé")
    event(w, starts_at=_at(date(2031, 3, 14)), type_="weekly_coordination_meeting", title="Réunion")
    event(w, starts_at=_at(date(2031, 4, 2)), title="Avril")
    return ids


def test_plan_is_built_from_the_planned_activities_of_the_period(world_a):
    w = world_a
    ch = channel(w)
    ids = _march(w)
    it = items.do_create_item(w.counselor.actor, w.tenant_id, item_data(event_id=ids["workshop"]))
    p = svc.do_create_plan(w.counselor.actor, w.tenant_id, "month", *MONTH)
    assert p.state == "draft" and p.title
    assert [e["event_id"] for e in p.entries] == [ids["workshop"], ids["conference"], ids["faculty"]]
    by_id = {e["event_id"]: e for e in p.entries}
    # students register for workshops and conferences: e-mail suggested with the social accounts
    assert by_id[ids["workshop"]]["channels"] == [str(ch), "email"]
    assert by_id[ids["faculty"]]["channels"] == [str(ch)]
    assert by_id[ids["workshop"]]["item_id"] == it.id and by_id[ids["conference"]]["item_id"] is None
    assert by_id[ids["workshop"]]["date"] == "2031-03-10"


@pytest.mark.parametrize("kind, start, end", [
    ("year", date(2031, 3, 1), date(2031, 3, 31)),
    ("week", date(2031, 3, 4), date(2031, 3, 10)),   # a Tuesday
    ("week", date(2031, 3, 3), date(2031, 3, 12)),
    ("month", date(2031, 3, 2), date(2031, 3, 31)),
    ("month", date(2031, 3, 1), date(2031, 4, 30)),
    ("months", date(2031, 3, 1), date(2031, 3, 31)),
    ("months", date(2031, 1, 1), date(2032, 6, 30)),
    ("month", "bientôt", date(2031, 3, 31)),
    ("month", date(2031, 3, 31), date(2031, 3, 1)),
])
def test_bad_period_is_refused(world_a, kind, start, end):
    w = world_a
    with pytest.raises(Invalid) as exc:
        svc.do_create_plan(w.counselor.actor, w.tenant_id, kind, start, end)
    assert exc.value.code == "comm_plan_bad_period"
    assert _count(w.tenant_id) == 0


def test_week_and_several_months(world_a):
    w = world_a
    assert svc.do_create_plan(w.counselor.actor, w.tenant_id, "week", date(2031, 3, 3), date(2031, 3, 9)).id
    assert svc.do_create_plan(w.counselor.actor, w.tenant_id, "months", "2031-04-01", "2031-06-30").id


def test_overlapping_plans_are_refused_per_centre(worlds):
    a, b = worlds
    svc.do_create_plan(a.counselor.actor, a.tenant_id, "month", *MONTH)
    with pytest.raises(Conflict) as exc:
        svc.do_create_plan(a.counselor.actor, a.tenant_id, "week", date(2031, 3, 31), date(2031, 4, 6))
    assert exc.value.code == "comm_plan_overlap"
    with pytest.raises(Conflict):
        svc.do_create_plan(a.counselor.actor, a.tenant_id, "months", date(2031, 2, 1), date(2031, 4, 30))
    assert _count(a.tenant_id) == 1
    # another centre plans its own March
    assert svc.do_create_plan(b.counselor.actor, b.tenant_id, "month", *MONTH).id


def test_edit_entries(world_a):
    w = world_a
    ids = _march(w)
    p = svc.do_create_plan(w.counselor.actor, w.tenant_id, "month", *MONTH)
    got = svc.do_update_plan(w.counselor.actor, w.tenant_id, p.id, note="Priorité aux ateliers",
                             entries=[{"event_id": ids["workshop"], "message": "Affiche + e-mail aux L3",
                                       "channels": ["email"]}])
    e = next(x for x in got.entries if x["event_id"] == ids["workshop"])
    assert e["message"] == "Affiche + e-mail aux L3" and e["channels"] == ["email"]
    assert got.note == "Priorité aux ateliers"
    for bad in ([{"event_id": 999999, "message": "x"}], [{"event_id": ids["workshop"], "colour": 1}], "x",
                [{"event_id": ids["workshop"], "channels": ["fax"]}]):
        with pytest.raises(Invalid):
            svc.do_update_plan(w.counselor.actor, w.tenant_id, p.id, entries=bad)
    again = svc.get_plan(w.manager.actor, w.tenant_id, p.id)
    assert next(x for x in again.entries if x["event_id"] == ids["workshop"])["channels"] == ["email"]


def test_refresh_keeps_what_was_written(world_a):
    w = world_a
    ids = _march(w)
    p = svc.do_create_plan(w.counselor.actor, w.tenant_id, "month", *MONTH)
    svc.do_update_plan(w.counselor.actor, w.tenant_id, p.id,
                       entries=[{"event_id": ids["workshop"], "message": "gardé"}])
    new = event(w, starts_at=_at(date(2031, 3, 25)), title="Nouveau")
    got = svc.do_refresh_plan(w.counselor.actor, w.tenant_id, p.id)
    assert new in [e["event_id"] for e in got.entries]
    assert next(e for e in got.entries if e["event_id"] == ids["workshop"])["message"] == "gardé"


def test_full_workflow_and_who_may_do_each_step(world_a, run_outbox):
    w = world_a
    ids = _march(w)
    p = svc.do_create_plan(w.counselor.actor, w.tenant_id, "month", *MONTH)
    with pytest.raises(Forbidden):
        svc.do_propose_plan(w.people["business_developer"].actor, w.tenant_id, p.id)
    assert svc.do_propose_plan(w.counselor.actor, w.tenant_id, p.id).state == "proposed"
    with pytest.raises(Forbidden):
        svc.do_validate_plan(w.counselor.actor, w.tenant_id, p.id)
    with pytest.raises(Conflict):  # not validated yet
        svc.do_send_plan(w.manager.actor, w.tenant_id, p.id)
    got = svc.do_validate_plan(w.manager.actor, w.tenant_id, p.id)
    assert got.state == "validated" and got.validated_at is not None
    with pytest.raises(Conflict):  # validated: no more edits
        svc.do_update_plan(w.counselor.actor, w.tenant_id, p.id, note="x")
    with pytest.raises(Forbidden):
        svc.do_send_plan(w.counselor.actor, w.tenant_id, p.id)
    sent = svc.do_send_plan(w.manager.actor, w.tenant_id, p.id)
    assert sent.state == "sent" and sent.sent_at is not None
    with system_session("test: outbox") as s:
        msgs = s.exec(select(outbox.OutboxMessage).where(
            outbox.OutboxMessage.idempotency_key.like(f"comm-plan-sent:{p.id}:%"))).all()
    assert sorted(m.payload["to"] for m in msgs) == sorted([w.people["host_approver"].email,
                                                            w.people["host_focal_point"].email])
    assert "Atelier CV" in msgs[0].payload["text"]
    run_outbox()
    folded = svc.do_fold_plan(w.manager.actor, w.tenant_id, p.id)
    assert folded.state == "folded" and folded.folded_at is not None
    assert ids["workshop"] in [e["event_id"] for e in folded.entries]


def test_return_to_draft_with_a_comment(world_a):
    w = world_a
    _march(w)
    p = svc.do_create_plan(w.counselor.actor, w.tenant_id, "month", *MONTH)
    svc.do_propose_plan(w.counselor.actor, w.tenant_id, p.id)
    with pytest.raises(Invalid):
        svc.do_return_plan(w.manager.actor, w.tenant_id, p.id, "")
    assert svc.do_return_plan(w.manager.actor, w.tenant_id, p.id, "Ajoutez le forum").state == "draft"
    # editing a proposed plan brings it back to draft as well
    svc.do_propose_plan(w.counselor.actor, w.tenant_id, p.id)
    assert svc.do_update_plan(w.counselor.actor, w.tenant_id, p.id, note="revu").state == "draft"


def test_an_empty_plan_is_not_proposed(world_a):
    w = world_a
    p = svc.do_create_plan(w.counselor.actor, w.tenant_id, "month", *MONTH)
    with pytest.raises(Invalid) as exc:
        svc.do_propose_plan(w.counselor.actor, w.tenant_id, p.id)
    assert exc.value.code == "comm_plan_empty"


def test_sending_needs_someone_at_the_host_institution(world_a):
    w = world_a
    _march(w)
    from tenants.team.services import do_set_member_active

    for key in ("host_approver", "host_focal_point"):
        do_set_member_active(w.manager.actor, w.tenant_id, w.people[key].membership_id, active=False)
    p = svc.do_create_plan(w.counselor.actor, w.tenant_id, "month", *MONTH)
    svc.do_propose_plan(w.counselor.actor, w.tenant_id, p.id)
    svc.do_validate_plan(w.manager.actor, w.tenant_id, p.id)
    with pytest.raises(Conflict) as exc:
        svc.do_send_plan(w.manager.actor, w.tenant_id, p.id)
    assert exc.value.code == "comm_plan_no_host_recipient"
    assert svc.get_plan(w.manager.actor, w.tenant_id, p.id).state == "validated"


def test_the_weekly_meeting_sees_the_coming_week_of_validated_plans(world_a):
    w = world_a
    from integrations.db import utcnow

    today = utcnow().astimezone(ZONE).date()
    monday = today + timedelta(days=7 - today.weekday())  # the week after this week's meeting
    first = monday.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    eid = event(w, starts_at=_at(monday + timedelta(days=1)), title="Atelier de la semaine prochaine")
    p = svc.do_create_plan(w.counselor.actor, w.tenant_id, "month", first, last)
    mid = weekly_meeting(w, days=0)
    rec = meetings.get_meeting(w.manager.actor, w.tenant_id, mid)
    held = rec.starts_at.astimezone(ZONE).date()
    assert held + timedelta(days=7 - held.weekday()) == monday
    assert rec.communications["plan_entries"] == []  # a draft plan is not folded in
    svc.do_propose_plan(w.counselor.actor, w.tenant_id, p.id)
    svc.do_validate_plan(w.manager.actor, w.tenant_id, p.id)
    rec = meetings.get_meeting(w.manager.actor, w.tenant_id, mid)
    assert [e["event_id"] for e in rec.communications["plan_entries"]] == [eid]


def test_another_centre_sees_nothing(worlds):
    a, b = worlds
    p = svc.do_create_plan(a.counselor.actor, a.tenant_id, "month", *MONTH)
    for call in (lambda: svc.get_plan(b.manager.actor, b.tenant_id, p.id),
                 lambda: svc.do_propose_plan(b.counselor.actor, b.tenant_id, p.id),
                 lambda: svc.do_update_plan(b.counselor.actor, b.tenant_id, p.id, note="x"),
                 lambda: svc.do_delete_plan(b.counselor.actor, b.tenant_id, p.id)):
        with pytest.raises(NotFound):
            call()
    assert svc.list_plans(b.manager.actor, b.tenant_id) == []
    assert [x.id for x in svc.list_plans(a.people["business_developer"].actor, a.tenant_id)] == [p.id]
    with pytest.raises(Forbidden):
        svc.list_plans(a.student.actor, a.tenant_id)
