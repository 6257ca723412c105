"""The counselor's sessions page (/staff/sessions) and the portal settings page
(/staff/portal/settings), their handlers run in-process as signed-in staff (issue 4 §3, P07)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlmodel import select

from integrations.db import system_session, utcnow
from tenants.calendar.services import do_set_availability
from tenants.portal.sessions.models import SessionBooking, StudentSuspension
from tenants.portal.sessions.services import do_book_session, free_slots
from tenants.portal.settings.services import do_update_portal_settings, get_portal_settings
from tests.conftest import create_person
from tests.ui.matrix_parts.staff_sessions import CASA, past_session
from tests.ui.test_handler_isolation import app_handlers, call, session_cookie

PAGE = "/staff/sessions"
SETTINGS = "/staff/portal/settings"


def _cookie(person) -> str:
    return session_cookie(person.account_id, person.tenant_id)


def _run(state, key: str, *args):
    result = app_handlers()[key][1].fn(state, *args)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def _hours(world) -> None:
    do_set_availability(world.counselor.actor, world.tenant_id, world.counselor.membership_id,
                        [{"weekday": d, "start_time": "09:00", "end_time": "12:00"} for d in range(7)])


def _request(world, need: str = "Préparer un entretien", days: int = 5):
    day = date.today() + timedelta(days=days)
    slot = free_slots(world.student.actor, world.tenant_id, world.counselor.membership_id, day_from=day,
                      day_to=day)[0]
    return do_book_session(world.student.actor, world.tenant_id, {
        "counselor_membership_id": world.counselor.membership_id, "starts_at": slot.starts_at, "need": need})


def _booking(booking_id: int) -> SessionBooking:
    with system_session("test") as s:
        return s.get(SessionBooking, booking_id)


# ---------------------------------------------------------------- /staff/sessions

def test_a_counselor_confirms_a_request_then_cancels_it_with_a_reason(world_a, run_outbox):
    _hours(world_a)
    v = _request(world_a)
    state, _ = call("StaffSessionsState.on_load", _cookie(world_a.counselor), PAGE, ())
    assert state.error == "" and state.allowed and not state.can_pick
    [row] = state.pending
    local = v.starts_at.astimezone(CASA)
    assert (row.id, row.student, row.need) == (v.id, "Student", "Préparer un entretien")
    assert row.when.startswith(local.strftime("%d/%m/%Y %H:%M")) and row.can_confirm and row.can_cancel
    assert state.upcoming == [] and state.past == []

    _run(state, "StaffSessionsState.confirm", v.id)
    assert state.error == "" and state.notice == "ui.staff_sessions.confirmed"
    assert _booking(v.id).status == "confirmed"
    assert state.pending == [] and [r.id for r in state.upcoming] == [v.id] and not state.upcoming[0].can_confirm

    _run(state, "StaffSessionsState.open_cancel", v.id)
    assert (state.editing_id, state.dialog) == (v.id, "cancel")
    # the reason is required: nothing changes without it
    _run(state, "StaffSessionsState.cancel", {"booking_id": str(v.id), "reason": "  "})
    assert state.error == "error.reason_required" and _booking(v.id).status == "confirmed"
    assert state.editing_id == v.id
    _run(state, "StaffSessionsState.cancel", {"booking_id": "abc", "reason": "Empêchement"})
    assert state.error == "error.invalid" and _booking(v.id).status == "confirmed"
    _run(state, "StaffSessionsState.cancel", {"booking_id": str(v.id), "reason": "Empêchement du conseiller"})
    b = _booking(v.id)
    assert (b.status, b.cancelled_by, b.cancel_reason) == ("cancelled", "counselor", "Empêchement du conseiller")
    assert state.error == "" and state.notice == "ui.staff_sessions.cancelled"
    assert state.editing_id == 0 and state.upcoming == []
    # a cancelled session cannot be confirmed any more
    _run(state, "StaffSessionsState.confirm", v.id)
    assert state.error == "error.session_status" and _booking(v.id).status == "cancelled"


def test_a_no_show_says_whether_the_student_is_now_suspended(world_a):
    _hours(world_a)
    do_update_portal_settings(world_a.manager.actor, world_a.tenant_id,
                              {"no_show_limit": 2, "no_show_suspension_days": 10})
    first, second = past_session(world_a, world_a.student, 2, 9), past_session(world_a, world_a.student, 1, 9)
    ahead = _request(world_a)
    state, _ = call("StaffSessionsState.on_load", _cookie(world_a.counselor), PAGE, ())
    assert [r.id for r in state.past] == [second, first] and all(r.can_no_show for r in state.past)
    # a session that has not started cannot be marked
    _run(state, "StaffSessionsState.mark_no_show", ahead.id)
    assert state.error == "error.session_status" and _booking(ahead.id).status == "requested"

    _run(state, "StaffSessionsState.mark_no_show", first)
    assert state.error == "" and state.notice == "ui.staff_sessions.no_show_marked"
    assert _booking(first).status == "no_show"
    assert (state.no_show_student, state.no_show_count, state.suspended_until) == ("Student", 1, "")
    assert not next(r for r in state.past if r.id == first).can_no_show

    _run(state, "StaffSessionsState.mark_no_show", second)
    with system_session("test") as s:
        [susp] = s.exec(select(StudentSuspension)).all()
    assert state.no_show_count == 2
    assert state.suspended_until == susp.ends_at.astimezone(CASA).strftime("%d/%m/%Y %H:%M")
    # twice is refused, and changes nothing
    _run(state, "StaffSessionsState.mark_no_show", second)
    assert state.error == "error.session_status"


def test_the_outcome_is_recorded_after_the_session_and_edited_later(world_a):
    _hours(world_a)
    past = past_session(world_a, world_a.student, 1, 10, 30)
    ahead = _request(world_a)
    state, _ = call("StaffSessionsState.on_load", _cookie(world_a.counselor), PAGE, ())
    # only a row on screen that may be written up opens the dialog
    _run(state, "StaffSessionsState.open_outcome", ahead.id)
    assert state.editing_id == 0
    _run(state, "StaffSessionsState.open_outcome", past)
    assert (state.editing_id, state.dialog, state.editing_notes) == (past, "outcome", "")

    _run(state, "StaffSessionsState.save_outcome", {"booking_id": str(past), "notes": " ", "next_action": "x"})
    assert state.error == "error.notes_required"
    assert (_booking(past).status, _booking(past).notes) == ("confirmed", "")
    _run(state, "StaffSessionsState.save_outcome", {"booking_id": str(ahead.id), "notes": "Bilan"})
    assert state.error == "error.session_status" and _booking(ahead.id).notes == ""

    _run(state, "StaffSessionsState.save_outcome", {"booking_id": str(past), "notes": "Projet : data analyst",
                                                    "next_action": "Atelier LinkedIn"})
    b = _booking(past)
    assert (b.status, b.notes, b.next_action) == ("done", "Projet : data analyst", "Atelier LinkedIn")
    assert state.error == "" and state.notice == "ui.staff_sessions.outcome_saved" and state.editing_id == 0
    [row] = [r for r in state.past if r.id == past]
    assert (row.status, row.notes, row.next_action, row.can_record, row.can_no_show) == (
        "done", "Projet : data analyst", "Atelier LinkedIn", True, False)

    _run(state, "StaffSessionsState.open_outcome", past)
    assert (state.editing_notes, state.editing_next) == ("Projet : data analyst", "Atelier LinkedIn")
    _run(state, "StaffSessionsState.save_outcome", {"booking_id": str(past), "notes": "Projet : data engineer",
                                                    "next_action": ""})
    assert (_booking(past).notes, _booking(past).next_action) == ("Projet : data engineer", "")


def test_the_manager_picks_a_counselor_and_pages_through_past_sessions(world_a):
    _hours(world_a)
    other = create_person("second@alpha.test", tenant_id=world_a.tenant_id, roles=["career_counselor"],
                          name="Second Counselor")
    slots = [(days, hh, mm) for days in range(1, 7) for hh, mm in ((9, 0), (9, 45), (10, 30), (11, 15))]
    ids = [past_session(world_a, world_a.student, *slot) for slot in slots[:21]]
    _request(world_a, need="Choisir un master")
    state, _ = call("StaffSessionsState.on_load", _cookie(world_a.manager), PAGE, ())
    assert state.error == "" and state.can_pick
    assert {o.label for o in state.counselors} == {"Counselor", "Second Counselor"}
    assert state.counselor == str(world_a.counselor.membership_id)
    # every pending request, with its counselor
    [pending] = state.pending
    assert (pending.counselor, pending.need) == ("Counselor", "Choisir un master")
    assert (state.past_total, state.past_pages, len(state.past)) == (21, 2, 20)
    # the latest first: yesterday's 11:15 (ids run from yesterday 09:00 onwards, day by day backwards)
    assert [r.id for r in state.past[:4]] == [ids[3], ids[2], ids[1], ids[0]]
    _run(state, "StaffSessionsState.past_next")
    assert state.past_page == 2 and [r.id for r in state.past] == [ids[20]]
    _run(state, "StaffSessionsState.past_prev")
    assert state.past_page == 1

    # a range that ends before it starts is refused and the range shown stays
    keep = state.past_from, state.past_to
    _run(state, "StaffSessionsState.set_past_range", {"past_from": "2031-01-10", "past_to": "2031-01-01"})
    assert state.error == "error.end_before_start" and (state.past_from, state.past_to) == keep
    _run(state, "StaffSessionsState.set_past_range", {"past_from": "2020-01-01", "past_to": "2024-01-01"})
    assert state.error == "error.range_too_long" and len(state.past) == 20
    yesterday = (utcnow().astimezone(CASA).date() - timedelta(days=1)).isoformat()
    _run(state, "StaffSessionsState.set_past_range", {"past_from": yesterday, "past_to": yesterday})
    assert state.error == "" and state.past_total == 4

    # another counselor's (empty) agenda; a value not listed is ignored
    _run(state, "StaffSessionsState.pick_counselor", str(other.membership_id))
    assert state.counselor == str(other.membership_id) and state.past == [] and state.upcoming == []
    _run(state, "StaffSessionsState.pick_counselor", "999999")
    assert state.counselor == str(other.membership_id)


def test_staff_without_the_permission_see_a_message_and_change_nothing(world_a):
    _hours(world_a)
    v = _request(world_a)
    bizdev = world_a.people["business_developer"]
    state, _ = call("StaffSessionsState.on_load", _cookie(bizdev), PAGE, ())
    assert not state.allowed and state.pending == [] and state.error == ""
    _run(state, "StaffSessionsState.confirm", v.id)
    assert state.error == "error.forbidden" and _booking(v.id).status == "requested"
    # another counselor of the centre cannot act on this counselor's session
    other = create_person("second@alpha.test", tenant_id=world_a.tenant_id, roles=["career_counselor"])
    state, _ = call("StaffSessionsState.on_load", _cookie(other), PAGE, ())
    assert state.allowed and state.pending == []
    _run(state, "StaffSessionsState.confirm", v.id)
    assert state.error == "error.not_your_session" and _booking(v.id).status == "requested"
    _run(state, "StaffSessionsState.confirm", "1; drop")
    assert state.error == "error.invalid"


def test_another_centre_sees_none_of_these_sessions(worlds):
    a, b = worlds
    _hours(a)
    v = _request(a, need="Alpha besoin secret")
    state, _ = call("StaffSessionsState.on_load", _cookie(b.manager), PAGE, ())
    assert state.pending == [] and state.counselors[0].label == "Counselor"
    assert str(a.counselor.membership_id) not in {o.value for o in state.counselors}
    _run(state, "StaffSessionsState.cancel", {"booking_id": str(v.id), "reason": "Pas à moi"})
    assert state.error == "error.not_found" and _booking(v.id).status == "requested"


# ---------------------------------------------------------------- /staff/portal/settings

FORM = {"session_minutes": "30", "cancellation_cutoff_hours": "12", "no_show_limit": "2",
        "no_show_suspension_days": "7", "waitlist_hold_hours": "6", "cv_max_kb": "2048"}


def _settings(tenant_id: int) -> tuple:
    p = get_portal_settings(tenant_id)
    return (p.auto_confirm_sessions, p.session_minutes, p.cancellation_cutoff_hours, p.no_show_limit,
            p.no_show_suspension_days, p.waitlist_hold_hours, p.cv_max_bytes)


def test_the_manager_reads_and_saves_the_portal_settings(worlds):
    a, b = worlds
    state, _ = call("PortalSettingsPageState.on_load", _cookie(a.manager), SETTINGS, ())
    assert state.error == "" and state.allowed and not state.auto_confirm
    assert state.values == {"session_minutes": "45", "cancellation_cutoff_hours": "24", "no_show_limit": "3",
                            "no_show_suspension_days": "30", "waitlist_hold_hours": "24", "cv_max_kb": "5120"}
    b_before = _settings(b.tenant_id)
    _run(state, "PortalSettingsPageState.save", FORM | {"auto_confirm_sessions": "on"})
    assert state.error == "" and state.notice == "ui.portal_settings.saved"
    assert _settings(a.tenant_id) == (True, 30, 12, 2, 7, 6, 2048 * 1024)
    assert state.auto_confirm and state.values["cv_max_kb"] == "2048" and state.values["session_minutes"] == "30"
    # unticked: automatic confirmation off again
    _run(state, "PortalSettingsPageState.save", FORM)
    assert _settings(a.tenant_id)[0] is False and not state.auto_confirm
    assert _settings(b.tenant_id) == b_before


def test_bad_settings_are_shown_by_field_and_nothing_is_saved(world_a):
    state, _ = call("PortalSettingsPageState.on_load", _cookie(world_a.manager), SETTINGS, ())
    before = _settings(world_a.tenant_id)
    _run(state, "PortalSettingsPageState.save", FORM | {"session_minutes": "5"})
    assert state.error == "error.invalid" and state.field_errors == ["session_minutes"]
    _run(state, "PortalSettingsPageState.save", FORM | {"no_show_limit": "deux", "cv_max_kb": "-3"})
    assert state.error == "error.invalid_number" and state.field_errors == ["no_show_limit", "cv_max_kb"]
    _run(state, "PortalSettingsPageState.save", FORM | {"cv_max_kb": "50", "waitlist_hold_hours": "1000"})
    assert state.error == "error.invalid" and set(state.field_errors) == {"cv_max_kb", "waitlist_hold_hours"}
    _run(state, "PortalSettingsPageState.save", "not a form")
    assert state.error == "error.invalid"
    assert _settings(world_a.tenant_id) == before and state.notice == ""
    # a good save clears the marks
    _run(state, "PortalSettingsPageState.save", FORM)
    assert state.error == "" and state.field_errors == []


def test_only_the_manager_changes_the_portal_settings(world_a):
    before = _settings(world_a.tenant_id)
    state, _ = call("PortalSettingsPageState.on_load", _cookie(world_a.counselor), SETTINGS, ())
    assert not state.allowed and state.values == {} and state.error == ""
    _run(state, "PortalSettingsPageState.save", FORM)
    assert state.error == "error.forbidden" and _settings(world_a.tenant_id) == before
