"""The calendar starts the procedures (issue 6 §2): the academic year's start, its end, each
semester, month and week, once per period, in the centre's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from integrations.db import system_session
from tenants.calendar.services import do_set_academic_year
from workflows.procedures.models import ProcedureInstance
from workflows.procedures.schedule import start_due_procedures


def _year(world) -> None:
    do_set_academic_year(world.manager.actor, world.tenant_id, {
        "label": "2030-2031", "starts_on": "2030-09-01", "ends_on": "2031-07-15",
        "semesters": [{"starts_on": "2030-09-01", "ends_on": "2031-01-31"},
                      {"starts_on": "2031-02-01", "ends_on": "2031-07-15"}]})


def _started(tenant_id: int) -> list[tuple[str, str, str]]:
    with system_session("test: instances") as s:
        rows = s.exec(select(ProcedureInstance).where(ProcedureInstance.tenant_id == tenant_id)
                      .order_by(ProcedureInstance.id)).all()
        return [(r.code, r.trigger, r.title) for r in rows]


def _at(y: int, m: int, d: int, h: int = 9) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def test_each_period_starts_its_procedures_once(worlds):
    a, b = worlds
    _year(a)  # centre B has no academic year: nothing starts there

    first = start_due_procedures(now=_at(2030, 9, 2))
    got = _started(a.tenant_id)
    triggers = {t for _, t, _ in got}
    assert first == len(got) and {"academic_year_start", "month_start", "semester_start", "week"} <= triggers
    assert "academic_year_end" not in triggers and "semester_2_start" not in triggers
    assert all(code != "P02" for code, _, _ in got)  # the second semester has not begun
    assert _started(b.tenant_id) == []

    # the same day, an hour later: nothing new
    assert start_due_procedures(now=_at(2030, 9, 2, 10)) == 0

    # a new month (and a new week): the monthly and weekly ones again, not the yearly ones
    start_due_procedures(now=_at(2030, 10, 1))
    new = _started(a.tenant_id)[len(got):]
    assert {t for _, t, _ in new} == {"month_start", "week"}
    assert any("2030-10" in title for _, t, title in new if t == "month_start")

    # the second semester: P02 (review of the action plan) and the semester's procedures
    before = len(_started(a.tenant_id))
    start_due_procedures(now=_at(2031, 2, 3))
    new = _started(a.tenant_id)[before:]
    assert {"semester_2_start", "semester_start"} <= {t for _, t, _ in new}
    assert "P02" in {c for c, _, _ in new}

    # a month before the year's end: the year-end procedures (P01, next year's action plan)
    before = len(_started(a.tenant_id))
    start_due_procedures(now=_at(2031, 6, 20))
    new = _started(a.tenant_id)[before:]
    assert "P01" in {c for c, t, _ in new if t == "academic_year_end"}
    assert start_due_procedures(now=_at(2031, 6, 21)) in (0, 1)  # only a new week may start
