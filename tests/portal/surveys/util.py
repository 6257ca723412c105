"""Builders shared by the questionnaire and certificate tests: a workshop that took place,
with students checked in, closed through the calendar's real lifecycle."""

from __future__ import annotations

from datetime import timedelta

from integrations.db import system_session, utcnow
from tenants.calendar import services as cal
from tenants.core.models import Account
from tenants.portal.registrations import services as reg
from tests.portal.registrations.util import publish, set_event


def held_workshop(world, students, *, attend=None, close: bool = True, **over) -> tuple[int, dict[int, int]]:
    """A workshop the students registered for; those in `attend` (default: all) were checked
    in. Returns the event id and {membership_id: registration_id}."""
    eid = publish(world, capacity=max(len(students), 1) + 2, **over)
    regs = {a.membership_id: reg.do_register(a, world.tenant_id, eid).id for a in students}
    start = utcnow() - timedelta(hours=3)
    set_event(eid, starts_at=start, ends_at=start + timedelta(hours=2), registration_closes_at=None)
    staff = world.counselor.actor
    for a in students if attend is None else attend:
        reg.do_check_in(staff, world.tenant_id, regs[a.membership_id])
    cal.do_transition(staff, world.tenant_id, eid, "mark_held")
    if close:
        cal.do_transition(staff, world.tenant_id, eid, "close",
                          closing={"attendance_count": reg.attendance_count(world.tenant_id, eid)})
    return eid, regs


def set_account(account_id: int, **values) -> None:
    with system_session("test: edit account") as s:
        acc = s.get(Account, account_id)
        for k, v in values.items():
            setattr(acc, k, v)
        s.add(acc)
        s.commit()
