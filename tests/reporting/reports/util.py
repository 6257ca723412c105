"""Builders for the report tests: activity recorded through the portal's own services, and
reports and meetings put in place."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlmodel import select

from integrations.db import system_session, utcnow
from tenants.calendar import services as cal
from tenants.calendar.models import Event
from tenants.portal.sessions import services as sess
from tenants.portal.sessions.models import SessionBooking
from tenants.portal.visits import services as visits
from workflows.reporting.models import Report, ReportSection

CASA = ZoneInfo("Africa/Casablanca")
_SLOTS = itertools.count()


def local_today() -> date:
    return utcnow().astimezone(CASA).date()


def after_month(day: date) -> datetime:
    """A moment once the month holding `day` has ended (the 2nd of the next month)."""
    nxt = (day.replace(day=28) + timedelta(days=5)).replace(day=2)
    return datetime.combine(nxt, time(12), tzinfo=CASA)


def log_visit(world, student, **over) -> int:
    data = {"student_membership_id": student.membership_id, "channel": "walk_in", "needs": ["cv"], **over}
    return visits.do_log_visit(world.counselor.actor, world.tenant_id, data).id


def held_session(world, student) -> int:
    """A session booked by the student, confirmed, that took place an hour ago, its outcome
    recorded by the counselor (the session is then held)."""
    slots = [{"weekday": d, "start_time": "08:00", "end_time": "20:00"} for d in range(7)]
    cal.do_set_availability(world.manager.actor, world.tenant_id, world.counselor.membership_id, slots)
    n = next(_SLOTS)
    day = local_today() + timedelta(days=3 + n)
    start = datetime.combine(day, time(8), tzinfo=CASA)
    b = sess.do_book_session(student.actor, world.tenant_id, {"counselor_membership_id": world.counselor.membership_id,
                                                                "starts_at": start.isoformat(), "need": "Revoir mon CV"})
    sess.do_confirm_session(world.counselor.actor, world.tenant_id, b.id)
    past = (utcnow() - timedelta(hours=2 + n)).replace(microsecond=0)
    with system_session("test: a session that took place") as s:
        event_id = s.get(SessionBooking, b.id).event_id
        s.execute(update(SessionBooking).where(SessionBooking.id == b.id)
                  .values(starts_at=past, ends_at=past + timedelta(minutes=45)))
        s.execute(update(Event).where(Event.id == event_id).values(starts_at=past, ends_at=past + timedelta(minutes=45)))
        s.commit()
    sess.do_record_session_outcome(world.counselor.actor, world.tenant_id, b.id, notes="CV revu")
    return b.id


def reports_count() -> int:
    with system_session("test: count reports") as s:
        return int(s.exec(select(func.count()).select_from(Report)).one())


def report_row(report_id: int) -> Report:
    with system_session("test: read report") as s:
        return s.get(Report, report_id)


def sections_of(report_id: int) -> list[ReportSection]:
    with system_session("test: read sections") as s:
        return list(s.exec(select(ReportSection).where(ReportSection.report_id == report_id)).all())
