"""The communication plan folded into the weekly action plan (P29.4 into M32): the entries of
validated, sent or folded plans appear in the planning of their week or month (PDF, XLSX and
the calendar page), never those of a draft or proposed plan, of another period or of another
centre, and only for those who may see the communication plans."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tenants.calendar import planning as plan
from tests.communications.flow_util import channel, event
from tests.conftest import World
from tests.ui.test_handler_isolation import app_handlers, call, session_cookie
from workflows.communications import plans as svc

# 31 March 2031 is a Monday: its week runs into April
LAST_WEEK = date(2031, 3, 31)
MID_WEEK = date(2031, 3, 10)


def _at(d: date) -> datetime:
    return datetime.combine(d, time(10), tzinfo=ZoneInfo("Africa/Casablanca"))


def _plan(w: World, start: date, end: date, messages: dict[int, str], *, to: str) -> int:
    """A month plan of `w` with these messages, moved along its workflow up to state `to`."""
    p = svc.do_create_plan(w.counselor.actor, w.tenant_id, "month", start, end)
    svc.do_update_plan(w.counselor.actor, w.tenant_id, p.id,
                       entries=[{"event_id": eid, "message": m} for eid, m in messages.items()])
    steps = {"proposed": lambda: svc.do_propose_plan(w.counselor.actor, w.tenant_id, p.id),
             "validated": lambda: svc.do_validate_plan(w.manager.actor, w.tenant_id, p.id),
             "sent": lambda: svc.do_send_plan(w.manager.actor, w.tenant_id, p.id),
             "folded": lambda: svc.do_fold_plan(w.manager.actor, w.tenant_id, p.id)}
    for state, step in list(steps.items())[:list(steps).index(to) + 1]:
        assert step().state == state
    return p.id


@pytest.fixture
def setting(worlds):
    a, b = worlds
    ch = channel(a)
    march = {event(a, starts_at=_at(date(2031, 3, 11)), title="Atelier CV"): "MSG-cv-week",
             event(a, starts_at=_at(date(2031, 3, 25)), title="Conférence métiers"): "MSG-outside-week",
             event(a, starts_at=_at(date(2031, 3, 31)), title="Forum des stages"): "MSG-forum"}
    april = {event(a, starts_at=_at(date(2031, 4, 2)), title="Atelier entretien"): "MSG-proposed-april"}
    _plan(a, date(2031, 3, 1), date(2031, 3, 31), march, to="folded")
    _plan(a, date(2031, 4, 1), date(2031, 4, 30), april, to="proposed")
    # the other centre: a plan only validated (enough to be in its planning), same days
    beta = {event(b, starts_at=_at(date(2031, 3, 31)), title="Forum bêta"): "MSG-beta"}
    _plan(b, date(2031, 3, 1), date(2031, 3, 31), beta, to="validated")
    return a, b, ch


def _pdf_words(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def _comm_sheet(data: bytes, name: str = "Plan de communication") -> list[tuple]:
    wb = load_workbook(io.BytesIO(data))
    if name not in wb.sheetnames:
        return []
    ws = wb[name]
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "Date")
    return [r for r in rows[header + 1:] if any(r)]


def test_the_week_lists_the_folded_entries_of_its_days_only(setting):
    a, _b, ch = setting
    actor = a.manager.actor
    words = _pdf_words(plan.export_planning_pdf(actor, a.tenant_id, "week", LAST_WEEK))
    assert "Plan de communication" in words and "MSG-forum" in words
    # the activity of the proposed April plan is in the calendar, its message is not
    assert "Atelier entretien" in words and "MSG-proposed-april" not in words
    assert "MSG-outside-week" not in words and "MSG-cv-week" not in words and "MSG-beta" not in words
    rows = _comm_sheet(plan.export_planning_xlsx(actor, a.tenant_id, "week", LAST_WEEK))
    [row] = rows
    assert row[0] == "lun. 31/03/2031" and row[1] == "Forum des stages" and row[2] == "MSG-forum"
    assert row[3] == f"mastodon {a.slug}, E-mail" and ch
    assert row[4].endswith("(Intégré au plan hebdomadaire)")


def test_the_month_lists_every_entry_of_the_month(setting):
    a, _b, _ch = setting
    p = plan.planning(a.counselor.actor, a.tenant_id, period="month", start=MID_WEEK)
    [sec] = p.sections
    assert sec.key == "communication"
    assert [r[2] for r in sec.rows] == ["MSG-cv-week", "MSG-outside-week", "MSG-forum"]
    words = _pdf_words(plan.export_planning_pdf(a.counselor.actor, a.tenant_id, "month", MID_WEEK, "en"))
    assert "Communication plan" in words and "MSG-outside-week" in words and "Folded into the weekly plan" in words
    assert [r[2] for r in _comm_sheet(plan.export_planning_xlsx(a.counselor.actor, a.tenant_id, "month",
                                                                MID_WEEK, "en"), "Communication plan")] \
        == ["MSG-cv-week", "MSG-outside-week", "MSG-forum"]


def test_a_week_without_entries_has_no_section(setting):
    a, _b, _ch = setting
    assert plan.planning(a.manager.actor, a.tenant_id, period="week", start=date(2031, 3, 3)).sections == []
    words = _pdf_words(plan.export_planning_pdf(a.manager.actor, a.tenant_id, "week", date(2031, 3, 3)))
    assert "Plan de communication" not in words
    wb = load_workbook(io.BytesIO(plan.export_planning_xlsx(a.manager.actor, a.tenant_id, "week", date(2031, 3, 3))))
    assert wb.sheetnames == ["Planning"]


def test_another_centre_sees_only_its_own_plan(setting):
    a, b, _ch = setting
    words = _pdf_words(plan.export_planning_pdf(b.manager.actor, b.tenant_id, "week", LAST_WEEK))
    assert "MSG-beta" in words and "MSG-forum" not in words
    assert [r[2] for r in _comm_sheet(plan.export_planning_xlsx(b.manager.actor, b.tenant_id, "week",
                                                                LAST_WEEK))] == ["MSG-beta"]


@pytest.mark.parametrize("who", ["intern", "ambassador", "host_approver", "host_focal_point"])
def test_who_sees_the_calendar_but_not_the_communication_plans_gets_no_section(setting, who):
    a, _b, _ch = setting
    actor = a.people[who].actor
    words = _pdf_words(plan.export_planning_pdf(actor, a.tenant_id, "week", LAST_WEEK))
    assert "Forum des stages" in words and "MSG-forum" not in words and "Plan de communication" not in words
    assert _comm_sheet(plan.export_planning_xlsx(actor, a.tenant_id, "week", LAST_WEEK)) == []


def test_the_arabic_planning_names_the_section_in_arabic(setting):
    a, _b, _ch = setting
    [sec] = plan.planning(a.manager.actor, a.tenant_id, period="week", start=LAST_WEEK, lang="ar").sections
    assert sec.title == "خطة التواصل" and sec.rows[0][3].endswith("البريد الإلكتروني")
    assert "MSG-forum" in _pdf_words(plan.export_planning_pdf(a.manager.actor, a.tenant_id, "week", LAST_WEEK, "ar"))


def test_the_calendar_page_shows_the_section_under_the_week(setting):
    a, _b, _ch = setting
    handlers = app_handlers()
    for person, expected in ((a.people["business_developer"], ["MSG-forum"]), (a.people["intern"], None)):
        state, _ = call("CalendarState.on_load", session_cookie(person.account_id, a.tenant_id), "/staff/calendar",
                        ())
        handlers["CalendarState.open_day"][1].fn(state, LAST_WEEK.isoformat())
        assert state.sections == []  # the day view is no planning period
        handlers["CalendarState.choose_view"][1].fn(state, "week")
        assert state.error == ""
        if expected is None:
            assert state.sections == []
            continue
        [sec] = state.sections
        assert sec.title == "Plan de communication" and sec.columns[2] == "Message"
        assert [r[2] for r in sec.rows] == expected
        handlers["CalendarState.choose_view"][1].fn(state, "month")  # March: the whole month's entries
        assert [r[2] for r in state.sections[0].rows] == ["MSG-cv-week", "MSG-outside-week", "MSG-forum"]
        handlers["CalendarState.choose_view"][1].fn(state, "agenda")
        assert state.sections == []
