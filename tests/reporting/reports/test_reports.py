"""Reports (P03.3, P25, P26; M44-M46): the monthly report's figures against what the portal
recorded, periods not ended, validated versions never edited, new versions, sending to the host
institution with the PDF, weekly individual reports and the meetings, semester compilation with
assigned sections, exports, and another centre's reports answering not_found."""

from __future__ import annotations

import base64
import io
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from integrations.db import system_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.outbox import OutboxMessage
from tenants.calendar import services as cal
from tenants.portal.sessions.models import SessionBooking
from tests.api.util import snapshot
from tests.portal.registrations.util import bulk_students
from tests.portal.surveys.util import held_workshop
from tests.reporting.reports.util import (
    CASA,
    after_month,
    held_session,
    local_today,
    log_visit,
    report_row,
    reports_count,
    sections_of,
)
from workflows.meetings import services as msvc
from workflows.reporting import reports as rep
from workflows.reporting.models import ReportingSettings


def _monthly(world, day: date | None = None):
    day = day or local_today()
    return rep.do_create_monthly_report(world.manager.actor, world.tenant_id, day.year, day.month,
                                        now=after_month(day))


def _sent_mails(prefix: str) -> list[OutboxMessage]:
    with system_session("test: outbox") as s:
        return [m for m in s.exec(select(OutboxMessage)).all() if m.idempotency_key.startswith(prefix)]


# ---------------------------------------------------------------- the monthly report (M44)

def test_a_month_not_ended_is_refused_and_nothing_is_written(world_a):
    a, today = world_a, local_today()
    before = snapshot(), reports_count()
    with pytest.raises(Invalid) as exc:
        rep.do_create_monthly_report(a.manager.actor, a.tenant_id, today.year, today.month)
    assert exc.value.code == "period_not_ended"
    nxt = after_month(today)
    with pytest.raises(Invalid) as exc:
        rep.do_create_monthly_report(a.manager.actor, a.tenant_id, nxt.year, nxt.month)
    assert exc.value.code == "period_not_ended"
    for year, month in ((2026, 13), (2026, 0), ("2026", 1)):
        with pytest.raises(Invalid) as exc:
            rep.do_create_monthly_report(a.manager.actor, a.tenant_id, year, month)
        assert exc.value.code == "invalid_month"
    assert (snapshot(), reports_count()) == before


def test_monthly_figures_match_the_visits_workshops_and_sessions_recorded(world_a, world_b):
    # the workshop is held 3 h ago and the session 2 h ago, the visits now: in the first hours
    # of a month they fall in two months, and no single month holds them all
    local_now = utcnow().astimezone(CASA)
    if local_now - datetime.combine(local_now.date().replace(day=1), time(0), tzinfo=CASA) < timedelta(hours=4):
        pytest.skip("the records made hours ago fall in the previous month during a month's first hours")
    a, b = world_a, world_b
    students = bulk_students(a.tenant_id, 3)
    log_visit(a, a.student)
    log_visit(a, students[0])
    held_workshop(a, students, attend=students[:2])  # 3 registered, 2 checked in
    held_session(a, a.student)
    log_visit(b, b.student)  # another centre's visit is never counted
    day = local_today()

    r = _monthly(a, day)

    counts = r.figures["counts"]
    assert (counts["visits"], counts["workshops_held"], counts["workshop_attendance"], counts["sessions_held"]) \
        == (2, 1, 2, 1)
    assert counts["students_served"] == 3  # the student and the two who came, each once
    assert r.kind == "monthly" and r.status == "draft" and r.version_no == 1
    assert r.period_start == day.replace(day=1) and r.period_end.month == day.month
    # the statistics module's T03 block, fed by the same records, agrees
    by_kind = r.figures["statistics"]["by_kind"]
    assert (by_kind["visit"], by_kind["workshop_attendance"], by_kind["individual_session"]) == (2, 2, 1)
    assert [x["title"] for x in r.sections] == ["Activités réalisées", "Faits marquants",
                                                "Leçons des activités facultaires", "Difficultés rencontrées",
                                                "Perspectives"]
    assert [e["type"] for e in r.figures["events"]] == ["workshop"] and r.figures["events"][0]["done"]
    # once per month
    with pytest.raises(Conflict) as exc:
        _monthly(a, day)
    assert exc.value.code == "report_exists"


def test_only_the_manager_drafts_the_centres_reports(world_a):
    a = world_a
    day = local_today().replace(day=1) - timedelta(days=1)
    for role in ("counselor", "business_developer", "intern"):
        with pytest.raises(Forbidden):
            rep.do_create_monthly_report(a.people[role].actor, a.tenant_id, day.year, day.month)
    for role in ("student", "host_approver", "company_contact"):
        with pytest.raises(Forbidden):
            rep.do_create_report(a.people[role].actor, a.tenant_id, "weekly_individual", local_today())
    assert reports_count() == 0


# ---------------------------------------------------------------- editing, versions

def test_a_validated_report_is_never_edited_a_new_version_is_made(world_a):
    a = world_a
    m = a.manager.actor
    log_visit(a, a.student)
    r = _monthly(a)
    edited = rep.do_update_report(m, a.tenant_id, r.id, {
        "sections": [{"key": "highlights", "body": "  Forum de l'emploi réussi.  "}],
        "budget": [{"label": "Impression", "planned": "1200.50", "spent": 900, "currency": "MAD"}]})
    assert next(x["body"] for x in edited.sections if x["key"] == "highlights") == "Forum de l'emploi réussi."
    assert edited.budget == [{"label": "Impression", "planned": 1200.5, "spent": 900.0, "currency": "MAD"}]
    for bad, code in (({"sections": [{"key": "nope", "body": "x"}]}, "unknown_section"),
                      ({"budget": [{"label": "  ", "planned": 1}]}, "budget_label_required"),
                      ({"budget": [{"label": "x", "planned": "abc"}]}, "invalid"),
                      ({"budget": [{"label": "x", "planned": -1}]}, "invalid"),
                      ({"title": "x"}, "invalid")):
        with pytest.raises(Invalid) as exc:
            rep.do_update_report(m, a.tenant_id, r.id, bad)
        assert exc.value.code == code
    with pytest.raises(Forbidden):
        rep.do_update_report(a.counselor.actor, a.tenant_id, r.id, {"sections": []})

    v1 = rep.do_validate_report(m, a.tenant_id, r.id)
    assert v1.status == "validated" and v1.validated_at is not None
    before = snapshot(), report_row(r.id).sections
    for call in (lambda: rep.do_update_report(m, a.tenant_id, r.id, {"sections": [{"key": "outlook", "body": "x"}]}),
                 lambda: rep.do_validate_report(m, a.tenant_id, r.id)):
        with pytest.raises(Conflict) as exc:
            call()
        assert exc.value.code == "report_validated"
    assert (snapshot(), report_row(r.id).sections) == before

    log_visit(a, a.student)  # recorded since: the next version's figures are recomputed
    v2 = rep.do_new_version(m, a.tenant_id, r.id, now=after_month(local_today()))
    assert (v2.version_no, v2.status, v2.figures["counts"]["visits"]) == (2, "draft", 2)
    assert v2.sections == v1.sections and v2.budget == v1.budget
    assert report_row(r.id).figures["counts"]["visits"] == 1  # the archive keeps version 1 as it was
    assert [h.version_no for h in v2.history] == [2, 1]
    with pytest.raises(Conflict) as exc:
        rep.do_new_version(m, a.tenant_id, r.id)
    assert exc.value.code == "not_latest_version"
    with pytest.raises(Conflict) as exc:
        rep.do_new_version(m, a.tenant_id, v2.id)
    assert exc.value.code == "report_draft"
    (row,) = [x for x in rep.list_reports(m, a.tenant_id) if x.kind == "monthly"]
    assert (row.id, row.versions) == (v2.id, 2)


# ---------------------------------------------------------------- sending to the host institution

def test_sending_mails_the_pdf_to_the_host_approver_and_the_host_sees_only_sent_versions(world_a, run_outbox):
    a = world_a
    m, approver = a.manager.actor, a.people["host_approver"]
    with system_session("test: settings") as s:
        s.add(ReportingSettings(tenant_id=a.tenant_id, host_recipients=["presidence@univ.test"]))
        s.commit()
    r = _monthly(a)
    with pytest.raises(NotFound):
        rep.get_report(approver.actor, a.tenant_id, r.id)  # a draft stays in the centre
    with pytest.raises(Conflict) as exc:
        rep.do_send_report(m, a.tenant_id, r.id)
    assert exc.value.code == "report_not_validated"
    rep.do_validate_report(m, a.tenant_id, r.id)
    with pytest.raises(Forbidden):
        rep.do_send_report(a.counselor.actor, a.tenant_id, r.id)

    sent = rep.do_send_report(m, a.tenant_id, r.id)

    assert sent.status == "sent" and sent.sent_at is not None
    assert set(sent.sent_to) == {approver.email, "presidence@univ.test"}
    mails = _sent_mails(f"report-sent:{r.id}:")
    assert {x.payload["to"] for x in mails} == {approver.email, "presidence@univ.test"}
    for mail in mails:
        (att,) = mail.payload["attachments"]
        assert att["content_type"] == "application/pdf" and att["filename"].endswith(".pdf")
        pdf = PdfReader(io.BytesIO(base64.b64decode(att["content_b64"])))
        text = "".join(p.extract_text() for p in pdf.pages)
        assert "Rapport mensuel" in text and "Visites" in text
    assert all(st == "sent" for st in run_outbox())
    with pytest.raises(Conflict) as exc:
        rep.do_send_report(m, a.tenant_id, r.id)
    assert exc.value.code == "report_already_sent"

    # the host sees the sent version; a new draft version stays hidden from it
    v2 = rep.do_new_version(m, a.tenant_id, r.id, now=after_month(local_today()))
    seen = rep.list_reports(approver.actor, a.tenant_id)
    assert [(x.id, x.status, x.versions) for x in seen] == [(r.id, "sent", 1)]
    assert [h.id for h in rep.get_report(approver.actor, a.tenant_id, r.id).history] == [r.id]
    with pytest.raises(NotFound):
        rep.get_report(approver.actor, a.tenant_id, v2.id)
    with pytest.raises(Forbidden):
        rep.get_report(a.student.actor, a.tenant_id, r.id)


# ---------------------------------------------------------------- weekly individual reports

def test_a_member_writes_their_weekly_report_prefilled_and_late_after_the_day_before_the_meeting(world_a):
    a = world_a
    c = a.counselor.actor
    booking_id = held_session(a, a.student)
    log_visit(a, a.student)
    today = local_today()
    monday = today - timedelta(days=today.weekday())
    r = rep.do_create_report(c, a.tenant_id, "weekly_individual", today)
    assert (r.period_start, r.period_end, r.member_membership_id) == (monday, monday + timedelta(days=6),
                                                                       a.counselor.membership_id)
    assert r.due_on == monday + timedelta(days=3)  # Thursday, the day before Friday's meeting
    member = r.figures["member"]
    with system_session("test: read booking") as s:
        held_on = s.get(SessionBooking, booking_id).starts_at.astimezone(CASA).date()
    # (two hours ago is last week early on a Monday morning)
    assert (member["sessions_held"], member["visits_logged"]) == (int(held_on >= monday), 1)
    assert "Visites enregistrées : 1" in r.sections[0]["body"]
    with pytest.raises(Invalid) as exc:
        rep.do_create_report(c, a.tenant_id, "weekly_individual", today + timedelta(days=8))
    assert exc.value.code == "period_not_started"
    # only its member (and the manager) reads it; it has no budget; it is not sent
    for role in ("business_developer", "ambassador", "host_approver"):
        with pytest.raises(NotFound):
            rep.get_report(a.people[role].actor, a.tenant_id, r.id)
    assert rep.get_report(a.manager.actor, a.tenant_id, r.id).owner is False
    with pytest.raises(Invalid) as exc:
        rep.do_update_report(c, a.tenant_id, r.id, {"budget": [{"label": "x"}]})
    assert exc.value.code == "no_budget"
    rep.do_update_report(c, a.tenant_id, r.id, {"sections": [{"key": "difficulties", "body": "Salle indisponible"}]})
    handed = rep.do_validate_report(c, a.tenant_id, r.id,
                                    now=datetime.combine(monday + timedelta(days=4), time(9), tzinfo=CASA))
    assert handed.status == "validated" and handed.late is True
    with pytest.raises(Invalid) as exc:
        rep.do_send_report(a.manager.actor, a.tenant_id, r.id)
    assert exc.value.code == "not_sendable"
    # on time: handed in on the Thursday
    last_week = rep.do_create_report(c, a.tenant_id, "weekly_individual", monday - timedelta(days=7))
    on_time = rep.do_validate_report(c, a.tenant_id, last_week.id,
                                     now=datetime.combine(monday - timedelta(days=4), time(17), tzinfo=CASA))
    assert on_time.late is False
    assert {x.id for x in rep.list_reports(c, a.tenant_id, mine=True)} == {r.id, last_week.id}
    assert rep.list_reports(a.people["ambassador"].actor, a.tenant_id) == []


def test_the_weekly_meeting_record_lists_the_individual_reports_due_the_day_before(world_a):
    a = world_a
    starts = (utcnow() + timedelta(hours=1)).replace(microsecond=0)
    e = cal.do_create_event(a.manager.actor, a.tenant_id, {"type": "weekly_coordination_meeting",
                                                           "title": "Coordination", "starts_at": starts,
                                                           "ends_at": starts + timedelta(hours=1)})
    day = starts.astimezone(CASA).date()
    mine = rep.do_create_report(a.counselor.actor, a.tenant_id, "weekly_individual", day, now=starts)
    rep.do_update_report(a.counselor.actor, a.tenant_id, mine.id,
                         {"sections": [{"key": "difficulties", "body": "Salle B indisponible"}]})
    rep.do_validate_report(a.counselor.actor, a.tenant_id, mine.id, now=starts)
    summary = rep.do_create_report(a.manager.actor, a.tenant_id, "weekly_summary", day, now=starts)
    assert [x["report_id"] for x in summary.figures["individual_reports"]] == [mine.id]
    # drafted from the individual reports, member by member
    assert next(x["body"] for x in summary.sections if x["key"] == "difficulties") == "Counselor\nSalle B indisponible"

    rec = msvc.do_open_meeting(a.manager.actor, a.tenant_id, e.id)

    listed = rec.snapshot["reports"]["individual"]
    assert [(x["report_id"], x["status"]) for x in listed["reports"]] == [(mine.id, "validated")]
    assert listed["due_on"] == (day - timedelta(days=day.weekday()) + timedelta(days=3)).isoformat()
    missing = set(listed["missing"])
    assert "Manager" in missing and "Counselor" not in missing and "Student" not in missing
    assert [x["report_id"] for x in rec.snapshot["reports"]["to_validate"]] == [summary.id]
    # validated in that meeting
    done = rep.do_validate_report(a.manager.actor, a.tenant_id, summary.id, meeting_id=rec.id)
    assert done.meeting_id == rec.id
    assert [c.id for c in rep.meetings_for(a.manager.actor, a.tenant_id, summary.id)] == [rec.id]


# ---------------------------------------------------------------- semester report (M45)

def _year(world, today: date) -> None:
    start = date(today.year - 1, 9, 1) if today.month < 9 else date(today.year, 9, 1)
    # the first semester ends before the current month: its reports can be compiled
    first_end = today.replace(day=1) - timedelta(days=1)
    cal.do_set_academic_year(world.manager.actor, world.tenant_id, {
        "label": f"{start.year}-{start.year + 1}", "starts_on": start.isoformat(),
        "ends_on": date(start.year + 1, 7, 31).isoformat(),
        "semesters": [{"starts_on": (first_end - timedelta(days=60)).replace(day=1).isoformat(),
                       "ends_on": first_end.isoformat()},
                      {"starts_on": today.replace(day=1).isoformat(),
                       "ends_on": date(start.year + 1, 7, 31).isoformat()}]})


def test_a_semester_report_compiles_the_months_and_merges_the_assigned_sections(world_a):
    a, today = world_a, local_today()
    if today.month == 9:
        pytest.skip("the academic year starts this month")
    m = a.manager.actor
    _year(a, today)
    last = today.replace(day=1) - timedelta(days=1)
    earlier = last.replace(day=1) - timedelta(days=1)
    for day, text in ((earlier, "Atelier CV"), (last, "Salon de l'emploi")):
        r = rep.do_create_monthly_report(m, a.tenant_id, day.year, day.month)
        rep.do_update_report(m, a.tenant_id, r.id, {"sections": [{"key": "highlights", "body": text}],
                                                     "budget": [{"label": "Impression", "planned": 100, "spent": 40}]})
    with pytest.raises(Invalid) as exc:
        rep.do_create_report(m, a.tenant_id, "semester", today)
    assert exc.value.code == "period_not_ended"

    sem = rep.do_create_report(m, a.tenant_id, "semester", last)

    highlights = next(x["body"] for x in sem.sections if x["key"] == "highlights")
    assert highlights.index("Atelier CV") < highlights.index("Salon de l'emploi")
    assert sem.budget == [{"label": "Impression", "planned": 200.0, "spent": 80.0, "currency": "MAD"}]
    assert [x["period_start"][:7] for x in sem.figures["months"]] == [earlier.isoformat()[:7], last.isoformat()[:7]]

    with pytest.raises(Invalid) as exc:
        rep.do_assign_section(m, a.tenant_id, sem.id, "highlights", a.student.membership_id)
    assert exc.value.code == "unknown_member"
    got = rep.do_assign_section(m, a.tenant_id, sem.id, "highlights", a.counselor.membership_id)
    (sec,) = got.assigned
    assert (sec.assignee_membership_id, sec.status, sec.body) == (a.counselor.membership_id, "assigned", highlights)
    assert _sent_mails(f"report-section:{sec.id}:")[0].payload["to"] == a.counselor.email
    with pytest.raises(Conflict) as exc:
        rep.do_validate_report(m, a.tenant_id, sem.id)
    assert exc.value.code == "sections_pending"
    with pytest.raises(NotFound):  # not theirs
        rep.do_write_section(a.people["business_developer"].actor, a.tenant_id, sec.id, "x")

    rep.do_write_section(a.counselor.actor, a.tenant_id, sec.id, "Deux temps forts : atelier CV et salon.")

    merged = rep.get_report(m, a.tenant_id, sem.id)
    assert next(x["body"] for x in merged.sections if x["key"] == "highlights") \
        == "Deux temps forts : atelier CV et salon."
    e = cal.do_create_event(m, a.tenant_id, {"type": "monthly_management_meeting", "title": "Gestion",
                                             "starts_at": utcnow() + timedelta(hours=3),
                                             "ends_at": utcnow() + timedelta(hours=4)})
    wrong = msvc.do_open_meeting(m, a.tenant_id, e.id)
    with pytest.raises(Invalid) as exc:
        rep.do_validate_report(m, a.tenant_id, sem.id, meeting_id=wrong.id)
    assert exc.value.code == "wrong_meeting"
    assert rep.do_validate_report(m, a.tenant_id, sem.id).status == "validated"
    with pytest.raises(Conflict) as exc:
        rep.do_write_section(a.counselor.actor, a.tenant_id, sec.id, "late")
    assert exc.value.code == "report_validated"
    assert sections_of(sem.id)[0].body == "Deux temps forts : atelier CV et salon."


# ---------------------------------------------------------------- exports

@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_exports_open_in_every_language(world_a, lang):
    a = world_a
    log_visit(a, a.student)
    r = _monthly(a)
    rep.do_update_report(a.manager.actor, a.tenant_id, r.id, {"sections": [{"key": "outlook", "body": "Suite"}]})
    body, name, ctype = rep.export_report(a.manager.actor, a.tenant_id, r.id, "pdf", lang)
    assert ctype == "application/pdf" and name.endswith(f"-{lang}.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    assert "Suite" in text
    xbody, _n, _c = rep.export_report(a.manager.actor, a.tenant_id, r.id, "xlsx", lang)
    wb = load_workbook(io.BytesIO(xbody))
    assert wb.worksheets[0].sheet_view.rightToLeft is (lang == "ar")
    cbody, _n, _c = rep.export_report(a.manager.actor, a.tenant_id, r.id, "csv", lang)
    assert cbody.startswith(b"\xef\xbb\xbf") and len(cbody.decode("utf-8-sig").splitlines()) > 5
    for fmt, lg, code in (("doc", lang, "invalid_format"), ("pdf", "de", "invalid_language")):
        with pytest.raises(Invalid) as exc:
            rep.export_report(a.manager.actor, a.tenant_id, r.id, fmt, lg)
        assert exc.value.code == code


# ---------------------------------------------------------------- another centre

def test_another_centres_report_is_not_found_and_unchanged(worlds):
    a, b = worlds
    r = _monthly(a)
    own = rep.do_create_report(a.counselor.actor, a.tenant_id, "weekly_individual", local_today())
    before = snapshot(), report_row(r.id).sections
    bm = b.manager.actor
    calls = [lambda: rep.get_report(bm, b.tenant_id, r.id),
             lambda: rep.do_update_report(bm, b.tenant_id, r.id, {"sections": []}),
             lambda: rep.do_validate_report(bm, b.tenant_id, r.id),
             lambda: rep.do_send_report(bm, b.tenant_id, r.id),
             lambda: rep.do_new_version(bm, b.tenant_id, r.id),
             lambda: rep.export_report(bm, b.tenant_id, r.id, "pdf", "fr"),
             lambda: rep.do_validate_report(b.counselor.actor, b.tenant_id, own.id)]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    with pytest.raises(Forbidden):  # the tenant asked for is not the actor's
        rep.get_report(bm, a.tenant_id, r.id)
    assert rep.list_reports(bm, b.tenant_id) == []
    assert (snapshot(), report_row(r.id).sections) == before


# ---------------------------------------------------------------- reminders

def test_members_without_their_weekly_report_are_reminded_once_on_its_due_day(world_a):
    a = world_a
    today = local_today()
    monday = today - timedelta(days=today.weekday())
    thursday = datetime.combine(monday + timedelta(days=3), time(10), tzinfo=CASA)
    handed = rep.do_create_report(a.counselor.actor, a.tenant_id, "weekly_individual", monday, now=thursday)
    rep.do_validate_report(a.counselor.actor, a.tenant_id, handed.id, now=thursday)
    assert rep.enqueue_weekly_reminders(now=thursday - timedelta(days=1)) == 0  # not due yet

    sent = rep.enqueue_weekly_reminders(now=thursday)

    to = {m.payload["to"] for m in _sent_mails("report-reminder:")}
    team = {a.people[k].email for k in ("manager", "business_developer", "ambassador", "intern")}
    assert sent == 4 and to == team  # not the counselor (handed in), nor students, host or companies
    assert rep.enqueue_weekly_reminders(now=thursday + timedelta(hours=2)) == 0


def test_the_annual_report_is_validated_in_the_annual_closing_meeting(world_a):
    a = world_a
    m = a.manager.actor
    cal.do_set_academic_year(m, a.tenant_id, {
        "label": "2023-2024", "starts_on": "2023-09-01", "ends_on": "2024-07-31",
        "semesters": [{"starts_on": "2023-09-01", "ends_on": "2024-01-31"},
                      {"starts_on": "2024-02-01", "ends_on": "2024-07-31"}]})
    annual = rep.do_create_report(m, a.tenant_id, "annual", date(2024, 3, 1))

    def meeting(kind: str, hours: int):  # noqa: ANN202
        e = cal.do_create_event(m, a.tenant_id, {"type": kind, "title": kind,
                                                 "starts_at": utcnow() + timedelta(hours=hours),
                                                 "ends_at": utcnow() + timedelta(hours=hours + 1)})
        return msvc.do_open_meeting(m, a.tenant_id, e.id)

    with pytest.raises(Invalid) as exc:
        rep.do_validate_report(m, a.tenant_id, annual.id, meeting_id=meeting("semester_meeting", 3).id)
    assert exc.value.code == "wrong_meeting"
    closing = meeting("annual_closing_meeting", 6)
    assert closing.kind == "annual_closing_meeting"
    got = rep.do_validate_report(m, a.tenant_id, annual.id, meeting_id=closing.id)
    assert got.status == "validated"
