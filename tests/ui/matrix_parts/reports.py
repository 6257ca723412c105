"""The isolation matrix of the report pages (issue 9): /staff/reports, a report's page
/staff/reports/[report_id] and /host/reports.

setup gives A a draft monthly report whose sections hold strings only A may see, a validated
one (to send, or to make a new version of), and a draft semester report with a section
assigned to A's counselor."""

from __future__ import annotations

from datetime import date

from sqlmodel import func, select

from integrations.db import system_session
from tenants.calendar.services import do_set_academic_year
from tests.ui.matrix_cases import Probe, View
from workflows.reporting import reports as rep
from workflows.reporting.models import Report, ReportSection

LIST = "/staff/reports"


def setup(a, ids: dict, secrets: list) -> None:
    mgr = a.manager.actor
    draft = rep.do_create_monthly_report(mgr, a.tenant_id, 2021, 3)
    rep.do_update_report(mgr, a.tenant_id, draft.id, {
        "sections": [{"key": "highlights", "body": "Alpha secret highlights"}],
        "budget": [{"label": "Alpha secret budget line", "planned": 10, "spent": 5}]})
    done = rep.do_create_monthly_report(mgr, a.tenant_id, 2021, 4)
    rep.do_validate_report(mgr, a.tenant_id, done.id)
    do_set_academic_year(mgr, a.tenant_id, {
        "label": "2019-2020", "starts_on": "2019-09-01", "ends_on": "2020-07-31",
        "semesters": [{"starts_on": "2019-09-01", "ends_on": "2020-01-31"},
                      {"starts_on": "2020-02-01", "ends_on": "2020-07-31"}]})
    sem = rep.do_create_report(mgr, a.tenant_id, "semester", date(2019, 10, 1))
    got = rep.do_assign_section(mgr, a.tenant_id, sem.id, "summary", a.counselor.membership_id)
    section_id = got.assigned[0].id
    rep.do_write_section(a.counselor.actor, a.tenant_id, section_id, "Alpha secret section")
    rep.do_assign_section(mgr, a.tenant_id, sem.id, "summary", a.counselor.membership_id)
    ids.update(report_draft_id=draft.id, report_done_id=done.id, report_semester_id=sem.id,
               report_section_id=section_id)
    secrets += ["Alpha secret highlights", "Alpha secret budget line", "Alpha secret section"]


def _page(key: str):  # noqa: ANN202
    return lambda a: f"{LIST}/{a[key]}"


def _draft(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        r = s.get(Report, a["report_draft_id"])
        return r.status, repr(r.sections), repr(r.budget)


def _done(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        r = s.get(Report, a["report_done_id"])
        versions = s.exec(select(func.count()).select_from(Report).where(
            Report.tenant_id == r.tenant_id, Report.kind == r.kind, Report.period_start == r.period_start)).one()
        return r.status, r.sent_at, versions


def _assignments(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        return tuple(s.exec(select(ReportSection.key, ReportSection.assignee_membership_id).where(
            ReportSection.report_id == a["report_semester_id"]).order_by(ReportSection.key)).all())


def _section(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        x = s.get(ReportSection, a["report_section_id"])
        return x.body, x.status


ENTRIES = {
    "ReportsState.on_load": View(LIST),
    "ReportsState.choose_kind": View(LIST, lambda a: ("monthly",)),
    # both create in the caller's own centre only (no id of another centre is taken)
    "ReportsState.create_mine": View(LIST, lambda a: ({"day": "2024-01-10"},)),
    "ReportsState.create": View(LIST, lambda a: ({"kind": "monthly", "period_day": "2021-03-10"},)),
    "ReportState.on_load": View(_page("report_draft_id")),
    "ReportState.save": Probe(_page("report_draft_id"), lambda a: ({"s_highlights": "Stolen",
                                                                    "budget": "Stolen | 1 | 1 | MAD"},), _draft),
    "ReportState.validate": Probe(_page("report_draft_id"), lambda a: ({"meeting_id": ""},), _draft),
    "ReportState.send": Probe(_page("report_done_id"), lambda a: (), _done),
    "ReportState.new_version": Probe(_page("report_done_id"), lambda a: (), _done),
    "ReportState.assign": Probe(_page("report_semester_id"),
                                lambda a: ({"key": "highlights", "assignee": str(a["counselor_mid"])},),
                                _assignments),
    "ReportState.write_section": Probe(_page("report_semester_id"),
                                       lambda a: ({"section_id": str(a["report_section_id"]), "body": "Stolen"},),
                                       _section, owner="counselor"),
    "HostReportsState.on_load": View("/host/reports"),
}
