"""The calendar's triggers of the procedures (issue 6 §2): the start of the academic year,
its end, each semester, each month and each week start the procedures whose definition names
that trigger, once per period, in every centre with a current academic year.

Beat calls `start_due_procedures` every hour: a period's procedures start in its first hour
(in the centre's time zone), or at once in a centre that begins using the product mid-period.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from integrations.db import system_session, tenant_session, transaction, utcnow
from tenants.calendar.models import AcademicYear, Semester
from tenants.core.models import Tenant
from workflows.procedures.models import CANCELLED, ProcedureInstance
from workflows.procedures.services import _all_current, start_in

# the book: "end of academic year" — the procedures of the year's end start a month before it
YEAR_END_LEAD = timedelta(days=30)


def _periods(s: Session, year: AcademicYear, today: date) -> dict[str, tuple[date, str]]:
    """Trigger type → (first day of the period it belongs to, label), for the periods under way."""
    semesters = sorted(s.exec(select(Semester).where(Semester.academic_year_id == year.id)).all(),
                       key=lambda x: x.number)
    monday = today - timedelta(days=today.weekday())
    iso = today.isocalendar()
    out = {"academic_year_start": (year.starts_on, year.label),
           "month_start": (today.replace(day=1), today.strftime("%Y-%m")),
           "week": (monday, f"{iso.year}-W{iso.week:02d}")}
    if today >= year.ends_on - YEAR_END_LEAD:
        out["academic_year_end"] = (year.ends_on - YEAR_END_LEAD, year.label)
    current = next((x for x in semesters if x.starts_on <= today <= x.ends_on), None)
    if current is not None:
        out["semester_start"] = (current.starts_on, f"{year.label} S{current.number}")
    second = next((x for x in semesters if x.number == 2), None)
    if second is not None and today >= second.starts_on:
        out["semester_2_start"] = (second.starts_on, f"{year.label} S2")
    return out


def start_due_in(tenant_id: int, zone: ZoneInfo, *, now: datetime | None = None) -> list[ProcedureInstance]:
    """Start, in one centre, what the current periods call for and has not started yet."""
    now = now or utcnow()
    today = now.astimezone(zone).date()
    started: list[ProcedureInstance] = []
    with tenant_session(tenant_id) as s, transaction(s):
        year = s.exec(select(AcademicYear).where(AcademicYear.starts_on <= today, AcademicYear.ends_on >= today)
                      .order_by(AcademicYear.starts_on.desc())).first()
        if year is None:
            return started
        periods = _periods(s, year, today)
        for proc in _all_current(s):
            period = periods.get(proc.trigger.type)
            if period is None:
                continue
            first_day, label = period
            since = datetime.combine(first_day, time(0), tzinfo=zone)
            already = s.exec(select(ProcedureInstance.id).where(
                ProcedureInstance.code == proc.code, ProcedureInstance.status != CANCELLED,
                ProcedureInstance.started_at >= since)).first()
            if already is not None:
                continue
            # yearly ones are about the year (the inbox links to it); repeating ones stand alone,
            # so last month's instance still running does not stop this month's
            yearly = proc.trigger.type in ("academic_year_start", "academic_year_end")
            started.append(start_in(s, tenant_id, proc.code, trigger=proc.trigger.type,
                                    subject_type="academic_year" if yearly else "",
                                    subject_id=year.id if yearly else None, label=label, now=now))
    return started


def start_due_procedures(*, now: datetime | None = None) -> int:
    """Every active centre; returns how many instances started."""
    with system_session("procedures: centres with calendar triggers") as s:
        centres = s.exec(select(Tenant.id, Tenant.timezone).where(Tenant.active)).all()
    return sum(len(start_due_in(tid, ZoneInfo(tz), now=now)) for tid, tz in centres)
