"""What happened that the statistics count (P24's triggers), announced to whoever listens.

The sources (a visit sheet, a kiosk check-in, a workshop's attendance sheet, a session held, an
event held or closed) call `emit(session, tenant_id, trigger, row)` inside their own
transaction, after the row is flushed. The statistics (workflows.reporting.statistics) register
a hook here on import; tenants/ imports none of them (imports only go down).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

VISIT_LOGGED = "visit_logged"  # row: Visit (a visit sheet or a kiosk check-in)
CHECKED_IN = "checked_in"  # row: Registration (status attended)
CHECK_IN_WITHDRAWN = "check_in_withdrawn"  # row: Registration (marked absent after a check-in)
SESSION_HELD = "session_held"  # row: SessionBooking (outcome recorded, status done)
EVENT_HELD = "event_held"  # row: Event (marked held or closed)
TRIGGERS = (VISIT_LOGGED, CHECKED_IN, CHECK_IN_WITHDRAWN, SESSION_HELD, EVENT_HELD)

# hook(session, tenant_id, trigger, row), called in the source's transaction: a hook that
# raises rolls the source back, so a hook only writes what the same transaction may write.
ACTIVITY_HOOKS: list[Callable[[Session, int, str, object], object]] = []


def emit(s: Session, tenant_id: int, trigger: str, row: object) -> None:
    for hook in list(ACTIVITY_HOOKS):
        hook(s, tenant_id, trigger, row)
