"""REST isolation cases of the reports (P03.3, P25, P26; M44-M46).

Who sees a report depends on the role (workflows/reporting/reports.py): each role is handed a
report it may see — staff and the host institution a report sent to the host, ambassadors and
interns their own weekly report. Transitions get a fresh report in the state they need
(monthly reports of distinct past months, weekly reports of distinct past weeks)."""

from __future__ import annotations

from datetime import date, timedelta

from tenants.calendar.services import do_set_academic_year
from tenants.core.roles import ROLE_PERMISSIONS, Perm, Role
from tests.conftest import World
from tests.isolation.test_rest_matrix import PERSON_KEY, PREFIX, Case, Ctx
from workflows.reporting import reports as rep

# the semester report's sections each writer is given (one key per person)
SECTION_OF = {"manager": "summary", "career_counselor": "activities", "business_developer": "faculty_lessons",
              "ambassador": "difficulties", "intern": "outlook"}
READ = (Perm.REPORT_VIEW, Perm.REPORT_WRITE)


def _n(ctx: Ctx) -> int:
    return next(ctx.extra.setdefault("reports_seq", iter(range(10**6))))


def _week(ctx: Ctx) -> date:
    return date(2024, 1, 1) + timedelta(days=7 * _n(ctx))


def _month(ctx: Ctx) -> date:
    n = _n(ctx)
    return date(2005 + n // 12, n % 12 + 1, 1)


def _perms(role: str) -> frozenset[Perm]:
    return ROLE_PERMISSIONS[Role(role)]


def _person(w: World, role: str):  # noqa: ANN202
    return w.people[PERSON_KEY.get(role, role)]


def _monthly(ctx: Ctx, w: World, state: str = "draft") -> int:
    day, mgr = _month(ctx), w.manager.actor
    rid = rep.do_create_monthly_report(mgr, w.tenant_id, day.year, day.month).id
    if state in ("validated", "sent"):
        rep.do_validate_report(mgr, w.tenant_id, rid)
    if state == "sent":
        rep.do_send_report(mgr, w.tenant_id, rid)
    return rid


def _weekly(ctx: Ctx, w: World, role: str, *, validated: bool = False) -> int:
    actor = _person(w, role).actor
    rid = rep.do_create_report(actor, w.tenant_id, "weekly_individual", _week(ctx)).id
    if validated:
        rep.do_validate_report(actor, w.tenant_id, rid)
    return rid


def _shared(ctx: Ctx, w: World) -> dict:
    """Per centre: a report sent to the host, and a draft semester report with one section
    assigned to each writer."""
    key = ("reports", w.slug)
    if key not in ctx.extra:
        mgr = w.manager.actor
        do_set_academic_year(mgr, w.tenant_id, {
            "label": "2019-2020", "starts_on": "2019-09-01", "ends_on": "2020-07-31",
            "semesters": [{"starts_on": "2019-09-01", "ends_on": "2020-01-31"},
                          {"starts_on": "2020-02-01", "ends_on": "2020-07-31"}]})
        sem = rep.do_create_report(mgr, w.tenant_id, "semester", date(2019, 10, 1))
        sections = {}
        for role, section in SECTION_OF.items():
            got = rep.do_assign_section(mgr, w.tenant_id, sem.id, section, _person(w, role).membership_id)
            sections[role] = next(x.id for x in got.assigned if x.key == section)
        ctx.extra[key] = {"sent": _monthly(ctx, w, "sent"), "semester": sem.id, "sections": sections,
                          "weekly": {}}
    return ctx.extra[key]


def _readable(ctx: Ctx, w: World, role: str) -> dict:
    shared = _shared(ctx, w)
    perms = _perms(role)
    if Perm.REPORT_WRITE in perms and Perm.REPORT_VIEW not in perms:
        if role not in shared["weekly"]:
            shared["weekly"][role] = _weekly(ctx, w, role)
        return {"report_id": shared["weekly"][role]}
    return {"report_id": shared["sent"]}


def _own_draft(ctx: Ctx, w: World, role: str) -> dict:
    if Perm.REPORT_WRITE not in _perms(role):
        return {"report_id": _shared(ctx, w)["sent"]}
    shared = _shared(ctx, w)
    if role not in shared["weekly"]:
        shared["weekly"][role] = _weekly(ctx, w, role)
    return {"report_id": shared["weekly"][role]}


def _to_validate(ctx: Ctx, w: World, role: str) -> dict:
    if Perm.REPORT_MANAGE in _perms(role):
        return {"report_id": _monthly(ctx, w)}
    if Perm.REPORT_WRITE in _perms(role):
        return {"report_id": _weekly(ctx, w, role)}
    return {"report_id": _shared(ctx, w)["sent"]}


def _validated(ctx: Ctx, w: World, role: str) -> dict:
    if Perm.REPORT_MANAGE in _perms(role):
        return {"report_id": _monthly(ctx, w, "validated")}
    if Perm.REPORT_WRITE in _perms(role):
        return {"report_id": _weekly(ctx, w, role, validated=True)}
    return {"report_id": _shared(ctx, w)["sent"]}


def _semester(ctx: Ctx, w: World, role: str) -> dict:
    return {"report_id": _shared(ctx, w)["semester"]}


def _section(ctx: Ctx, w: World, role: str) -> dict:
    sections = _shared(ctx, w)["sections"]
    return {"section_id": sections.get(role, sections["manager"])}


def _new_weekly(ctx: Ctx, w: World) -> dict:
    return {"kind": "weekly_individual", "period_start": _week(ctx).isoformat()}


CASES = {
    ("GET", PREFIX + "/reports"): Case(READ, ids=lambda ctx, w, role: _shared(ctx, w) and {}),
    ("POST", PREFIX + "/reports"): Case(Perm.REPORT_WRITE, ok=201, body=_new_weekly),
    ("GET", PREFIX + "/reports/{report_id}"): Case(READ, ids=_readable),
    ("GET", PREFIX + "/reports/{report_id}/export"): Case(READ, ids=_readable,
                                                          params={"format": "csv", "lang": "ar"}),
    ("PUT", PREFIX + "/reports/{report_id}"): Case(
        Perm.REPORT_WRITE, ids=_own_draft,
        body=lambda ctx, w: {"sections": [{"key": "difficulties", "body": "Rien à signaler"}]}),
    ("POST", PREFIX + "/reports/{report_id}/validate"): Case(Perm.REPORT_WRITE, ids=_to_validate),
    ("POST", PREFIX + "/reports/{report_id}/send"): Case(Perm.REPORT_MANAGE,
                                                         ids=lambda ctx, w, role: _validated(ctx, w, "manager")
                                                         if Perm.REPORT_MANAGE in _perms(role)
                                                         else {"report_id": _shared(ctx, w)["sent"]}),
    ("POST", PREFIX + "/reports/{report_id}/new-version"): Case(Perm.REPORT_WRITE, ok=201, ids=_validated),
    ("POST", PREFIX + "/reports/{report_id}/assignments"): Case(
        Perm.REPORT_MANAGE, ids=_semester,
        body=lambda ctx, w: {"key": "highlights", "assignee_membership_id": w.counselor.membership_id}),
    ("PUT", PREFIX + "/report-sections/{section_id}"): Case(Perm.REPORT_WRITE, ids=_section,
                                                            body=lambda ctx, w: {"body": "Rubrique rédigée"}),
}
