"""The isolation matrix of /staff/sessions and /staff/portal/settings (issue 4 §3).

setup adds to centre A a session of its counselor that has started (confirmed, to mark or
to write up) and one already written up, with a student and notes only A may see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from integrations.db import system_session, utcnow
from tenants.portal.sessions.models import SessionBooking
from tenants.portal.sessions.services import (
    do_book_session,
    do_confirm_session,
    do_record_session_outcome,
)
from tests.conftest import create_person
from tests.ui.matrix_cases import Probe, Public, View

PAGE = "/staff/sessions"
SETTINGS = "/staff/portal/settings"
CASA = ZoneInfo("Africa/Casablanca")


def past_session(world, student, days_ago: int, hh: int, mm: int = 0) -> int:
    """A session of the world's counselor that started `days_ago` days ago, confirmed."""
    day = (utcnow() - timedelta(days=days_ago)).astimezone(CASA).date()
    start = datetime.combine(day, time(hh, mm), tzinfo=CASA)
    b = do_book_session(student.actor, world.tenant_id, {
        "counselor_membership_id": world.counselor.membership_id, "starts_at": start,
        "need": "Alpha staff-side need"}, now=start - timedelta(days=2))
    do_confirm_session(world.counselor.actor, world.tenant_id, b.id, now=start - timedelta(days=1))
    return b.id


def setup(a, ids: dict, secrets: list) -> None:
    student = create_person("sessions-student@alpha.test", tenant_id=a.tenant_id, roles=["student"],
                            name="Alpha Sessions Student")
    ids["staff_sessions_past_id"] = past_session(a, student, 2, 10, 30)
    done = past_session(a, student, 3, 10, 30)
    do_record_session_outcome(a.counselor.actor, a.tenant_id, done, notes="Alpha secret session notes",
                              next_action="Alpha secret next action", now=utcnow())
    secrets += ["Alpha Sessions Student", "Alpha staff-side need", "Alpha secret session notes",
                "Alpha secret next action"]


def _booking(key: str) -> Callable[[dict], tuple]:
    def snap(a: dict) -> tuple:
        with system_session("matrix snapshot") as s:
            b = s.get(SessionBooking, a[key])
            return b.status, b.cancelled_by, b.cancel_reason, b.notes, b.next_action
    return snap


ENTRIES: dict[str, Probe | View | Public] = {
    "StaffSessionsState.on_load": View(PAGE),
    # only a counselor already listed to the caller (their own centre's) is opened
    "StaffSessionsState.pick_counselor": View(PAGE, lambda a: (str(a["counselor_mid"]),)),
    "StaffSessionsState.set_past_range": View(PAGE, lambda a: ({"past_from": "2020-01-01", "past_to": "2020-12-31"},)),
    "StaffSessionsState.past_next": View(PAGE),
    "StaffSessionsState.past_prev": View(PAGE),
    "StaffSessionsState.confirm": Probe(PAGE, lambda a: (a["booking_id"],), _booking("booking_id"), owner="counselor"),
    "StaffSessionsState.open_cancel": Probe(PAGE, lambda a: (a["booking_id"],), _booking("booking_id"),
                                            expect="nothing", owner="counselor"),
    "StaffSessionsState.open_outcome": Probe(PAGE, lambda a: (a["staff_sessions_past_id"],),
                                             _booking("staff_sessions_past_id"), expect="nothing",
                                             owner="counselor"),
    "StaffSessionsState.close_dialog": Public("closes a dialog"),
    "StaffSessionsState.cancel": Probe(PAGE, lambda a: ({"booking_id": str(a["booking_id"]),
                                                         "reason": "Stolen reason"},),
                                       _booking("booking_id"), owner="counselor"),
    "StaffSessionsState.mark_no_show": Probe(PAGE, lambda a: (a["staff_sessions_past_id"],),
                                             _booking("staff_sessions_past_id"), owner="counselor"),
    "StaffSessionsState.save_outcome": Probe(PAGE, lambda a: ({"booking_id": str(a["staff_sessions_past_id"]),
                                                               "notes": "Stolen notes", "next_action": ""},),
                                             _booking("staff_sessions_past_id"), owner="counselor"),
    "PortalSettingsPageState.on_load": View(SETTINGS),
    # changes the caller's own centre only (tests/ui/test_staff_sessions_pages.py checks A stays unchanged)
    "PortalSettingsPageState.save": View(SETTINGS, lambda a: ({
        "session_minutes": "30", "cancellation_cutoff_hours": "12", "no_show_limit": "2",
        "no_show_suspension_days": "7", "waitlist_hold_hours": "12", "cv_max_kb": "2048"},)),
}
