"""Reports (P03.3, P24.5, P25, P26; M44, M45, M46): the weekly individual report of each member
(compte-rendu individualisé), the weekly activity summary, the monthly report (M44), the
semester (M45) and annual (M46) reports compiled from the monthly ones; validation in the right
meeting, sending to the host institution (an e-mail with the PDF) and an archive of versions.

Rules kept here:
- a report covers a period: a week (Monday-Sunday), a calendar month, a semester or an
  academic year of the tenant's calendar. A monthly, semester or annual report is made once the
  period has ended ("period_not_ended"); a weekly one once its week has started.
- figures are a snapshot taken when the version is made: the counts of the source records
  (visits, workshops and their attendance, sessions held, events) and, when the statistics
  module is there, its T03 block (`workflows.reporting.statistics.figures_for_period`).
- a weekly individual report is written by its member and handed in ("validated"); it is due
  the day before the coordination meeting (ReportingSettings.meeting_weekday - 1) of its
  week, and flagged late when handed in after that day (or not handed in by then).
- the centre's reports are drafted, validated (in the meeting of their kind) and sent by the
  manager (REPORT_MANAGE). A validated or sent version is never edited: "report_validated";
  `do_new_version` copies it as the next draft version with its figures recomputed.
- who sees what: the manager every report; a staff member (REPORT_VIEW and REPORT_WRITE) the
  centre's reports and their own weekly reports; an ambassador or intern (REPORT_WRITE only)
  their own weekly reports and the reports a section of which is assigned to them; the host
  institution (REPORT_VIEW only) the versions sent to it. Anything else answers not_found.
"""

from __future__ import annotations

import calendar as pycal
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import tenant_session, transaction, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.i18n import LANGS, t
from integrations.mail import EMAIL_KIND, attachment
from integrations.settings import get_settings
from integrations.validation import parse
from tenants.calendar.models import AcademicYear, Event, Semester
from tenants.calendar.services import CANCELLED as EVENT_CANCELLED
from tenants.calendar.services import CLOSED as EVENT_CLOSED
from tenants.calendar.services import DRAFT as EVENT_DRAFT
from tenants.calendar.services import HELD as EVENT_HELD
from tenants.calendar.services import tenant_zone
from tenants.calendar.types import ACTIVITY_TYPES
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm, Role
from tenants.core.services import audit
from tenants.portal.registrations.models import ATTENDED, Registration
from tenants.portal.sessions.models import DONE as SESSION_DONE
from tenants.portal.sessions.models import NO_SHOW as SESSION_NO_SHOW
from tenants.portal.sessions.models import SessionBooking
from tenants.portal.visits.models import Visit
from tenants.sourcing.needs.models import JobNeed
from workflows.meetings.models import MeetingRecord
from workflows.planning.models import (
    ActionPlan,
    ActionPlanVersion,
    GapItem,
    MidYearReview,
    PlanStatus,
)
from workflows.procedures import queries as q
from workflows.reporting.models import (
    Report,
    ReportingSettings,
    ReportKind,
    ReportSection,
    ReportStatus,
)

KINDS = tuple(k.value for k in ReportKind)
CENTRE_KINDS = tuple(k for k in KINDS if k != ReportKind.WEEKLY_INDIVIDUAL.value)
WEEKLY_KINDS = (ReportKind.WEEKLY_INDIVIDUAL.value, ReportKind.WEEKLY_SUMMARY.value)
COMPILED_KINDS = (ReportKind.SEMESTER.value, ReportKind.ANNUAL.value)
DRAFT, VALIDATED, SENT = ReportStatus.DRAFT.value, ReportStatus.VALIDATED.value, ReportStatus.SENT.value
ASSIGNED, WRITTEN = "assigned", "written"
# the team: the members who write weekly reports and sections
TEAM_ROLES = (Role.MANAGER.value, Role.CAREER_COUNSELOR.value, Role.BUSINESS_DEVELOPER.value,
              Role.AMBASSADOR.value, Role.INTERN.value)
# the meeting each kind of report is validated in (MeetingRecord kinds)
MEETING_OF = {ReportKind.WEEKLY_SUMMARY.value: "weekly_coordination_meeting",
              ReportKind.MONTHLY.value: "monthly_management_meeting",
              ReportKind.SEMESTER.value: "semester_meeting", ReportKind.ANNUAL.value: "annual_closing_meeting"}
WORKSHOP = "workshop"
# meetings and individual sessions are not activities held (sessions are counted apart)
NOT_ACTIVITIES = (*(c for c, a in ACTIVITY_TYPES.items() if a.meeting), "individual_session")
BODY_MAX = 20_000
BUDGET_MAX_LINES = 100
LIST_MAX = 500

# default narrative sections, French titles from the procedure book (M44, M45, M46, P03.3)
_MONTHLY_SECTIONS = (("activities", "Activités réalisées"), ("highlights", "Faits marquants"),
                     ("faculty_lessons", "Leçons des activités facultaires"),
                     ("difficulties", "Difficultés rencontrées"), ("outlook", "Perspectives"))
DEFAULT_SECTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    ReportKind.WEEKLY_INDIVIDUAL.value: (("activities", "Activités réalisées"), ("difficulties", "Difficultés"),
                                         ("next_week", "Programme de la semaine prochaine")),
    ReportKind.WEEKLY_SUMMARY.value: (("activities", "Activités réalisées"), ("highlights", "Faits marquants"),
                                      ("difficulties", "Difficultés rencontrées"),
                                      ("next_week", "Programme de la semaine prochaine")),
    ReportKind.MONTHLY.value: _MONTHLY_SECTIONS,
    ReportKind.SEMESTER.value: (("summary", "Synthèse"), *_MONTHLY_SECTIONS,
                                ("plan_gaps", "Écarts par rapport au plan d'action")),
    ReportKind.ANNUAL.value: (("summary", "Synthèse"), *_MONTHLY_SECTIONS,
                              ("plan_gaps", "Écarts par rapport au plan d'action")),
}
_MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre")


# ---------------------------------------------------------------- input

class SectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=40)
    body: str = Field(default="", max_length=BODY_MAX)


class BudgetLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(max_length=200)
    planned: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("1e12"))
    spent: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("1e12"))
    currency: str = Field(default="MAD", min_length=3, max_length=3, pattern="^[A-Z]{3}$")

    @field_validator("label")
    @classmethod
    def _label(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v:
            raise ValueError("budget_label_required:a budget line needs a label")
        return v


class ReportEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sections: list[SectionIn] | None = Field(default=None, max_length=40)
    budget: list[BudgetLineIn] | None = Field(default=None, max_length=BUDGET_MAX_LINES)


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class AssignedSection:
    id: int
    report_id: int
    key: str
    title: str
    assignee_membership_id: int | None
    assignee_name: str
    body: str
    status: str  # assigned | written
    updated_at: datetime


@dataclass(frozen=True)
class ReportView:
    id: int
    kind: str
    period_start: date
    period_end: date
    member_membership_id: int | None
    member_name: str
    version_no: int
    status: str
    title: str
    due_on: date | None  # weekly individual reports
    late: bool
    created_at: datetime
    validated_at: datetime | None
    sent_at: datetime | None
    versions: int = 1  # how many versions the archive holds (the list's rows: the latest)


@dataclass(frozen=True)
class ReportDetail(ReportView):
    figures: dict = field(default_factory=dict)
    sections: list[dict] = field(default_factory=list)
    budget: list[dict] = field(default_factory=list)
    author_name: str = ""
    validated_by_name: str = ""
    meeting_id: int | None = None
    sent_to: list[str] = field(default_factory=list)
    assigned: list[AssignedSection] = field(default_factory=list)
    history: list[ReportView] = field(default_factory=list)  # every version the caller may see
    editable: bool = False  # a draft the caller may edit
    manageable: bool = False  # the caller validates, sends, assigns, makes versions
    owner: bool = False  # the member of a weekly individual report


@dataclass(frozen=True)
class MeetingChoice:
    id: int
    title: str
    starts_at: datetime
    status: str


# ---------------------------------------------------------------- helpers

def _int_id(value: Any, what: str = "report") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise NotFound(f"no such {what}")
    return value


def _today(s: Session, tenant_id: int, now: datetime | None) -> tuple[date, ZoneInfo]:
    zone = tenant_zone(s, tenant_id)
    return (now or utcnow()).astimezone(zone).date(), zone


def _local(d: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=zone)


def _settings(s: Session) -> tuple[int, int, list[str]]:
    row = s.exec(select(ReportingSettings)).first()
    if row is None:
        return 3, 4, []
    return row.cutoff_weekday, row.meeting_weekday, [str(x) for x in row.host_recipients or []]


def due_on(kind: str, period_start: date, meeting_weekday: int) -> date | None:
    """A weekly individual report is due the day before its week's coordination meeting."""
    if kind != ReportKind.WEEKLY_INDIVIDUAL.value:
        return None
    return period_start + timedelta(days=max(meeting_weekday - 1, 0))


def is_late(r: Report, due: date | None, today: date, zone: ZoneInfo) -> bool:
    if due is None:
        return False
    if r.validated_at is not None:
        return r.validated_at.astimezone(zone).date() > due
    return today > due


def _period(s: Session, kind: str, day: date) -> tuple[date, date]:
    if kind in WEEKLY_KINDS:
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if kind == ReportKind.MONTHLY.value:
        return day.replace(day=1), day.replace(day=pycal.monthrange(day.year, day.month)[1])
    if kind == ReportKind.SEMESTER.value:
        sem = s.exec(select(Semester).where(Semester.starts_on <= day, Semester.ends_on >= day)).first()
        if sem is None:
            raise Invalid("no semester of the academic calendar holds this day", code="no_semester")
        return sem.starts_on, sem.ends_on
    year = s.exec(select(AcademicYear).where(AcademicYear.starts_on <= day, AcademicYear.ends_on >= day)).first()
    if year is None:
        raise Invalid("no academic year holds this day", code="no_academic_year")
    return year.starts_on, year.ends_on


def _title(kind: str, start: date, end: date, member_name: str = "") -> str:
    """The stored (French) title; the pages and documents translate from kind and period."""
    if kind == ReportKind.MONTHLY.value:
        return f"Rapport mensuel — {_MONTHS_FR[start.month - 1]} {start.year}"
    if kind == ReportKind.SEMESTER.value:
        return f"Rapport semestriel — {start:%d/%m/%Y} – {end:%d/%m/%Y}"
    if kind == ReportKind.ANNUAL.value:
        return f"Rapport annuel — {start.year}-{end.year}"
    if kind == ReportKind.WEEKLY_SUMMARY.value:
        return f"Bilan d'activités hebdomadaire — semaine du {start:%d/%m/%Y}"
    return f"Compte-rendu individualisé — {member_name} — semaine du {start:%d/%m/%Y}"[:200]


def period_label(kind: str, start: date, end: date, lang: str) -> str:
    if kind == ReportKind.MONTHLY.value:
        return t("report.period.month", lang, month=t(f"planning.month.{start.month}", lang), year=start.year)
    if kind in WEEKLY_KINDS:
        return t("report.period.week", lang, start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}")
    return f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"


def _is_manager(actor: Actor) -> bool:
    return actor.can(Perm.REPORT_MANAGE)


def _assigned_report_ids(s: Session, actor: Actor) -> set[int]:
    if actor.membership_id is None:
        return set()
    return set(s.exec(select(ReportSection.report_id).where(
        ReportSection.assignee_membership_id == actor.membership_id)).all())


def _visible_where(s: Session, actor: Actor) -> list:
    """SQL conditions on Report for what the actor may see (see the module's docstring)."""
    if _is_manager(actor):
        return []
    own = and_(Report.kind == ReportKind.WEEKLY_INDIVIDUAL.value,
               Report.member_membership_id == (actor.membership_id or -1))
    if actor.can(Perm.REPORT_WRITE) and actor.can(Perm.REPORT_VIEW):
        return [or_(Report.kind != ReportKind.WEEKLY_INDIVIDUAL.value, own)]
    if actor.can(Perm.REPORT_WRITE):
        assigned = _assigned_report_ids(s, actor)
        return [or_(own, Report.id.in_(assigned or {-1}))]
    return [Report.status == SENT, Report.kind != ReportKind.WEEKLY_INDIVIDUAL.value]


def _report(s: Session, actor: Actor, report_id: Any, *, lock: bool = False) -> Report:
    qy = select(Report).where(Report.id == _int_id(report_id), *_visible_where(s, actor))
    if lock:
        qy = qy.with_for_update().execution_options(populate_existing=True)
    r = s.exec(qy).first()
    if r is None:
        raise NotFound("no such report")
    return r


def _may_act(actor: Actor, r: Report) -> None:
    """Editing, handing in and new versions: the member for their weekly report, else the manager."""
    if r.kind == ReportKind.WEEKLY_INDIVIDUAL.value:
        if r.member_membership_id != actor.membership_id and not _is_manager(actor):
            raise Forbidden("only its member writes a weekly report", code="forbidden")
        return
    if not _is_manager(actor):
        raise Forbidden("missing permission report.manage", code="forbidden", permission=Perm.REPORT_MANAGE.value)


def _ensure_draft(r: Report) -> None:
    if r.status != DRAFT:
        raise Conflict("this version is validated: make a new version to change it", code="report_validated",
                       report_id=r.id)


def _latest_version(s: Session, r: Report) -> int:
    return int(s.exec(select(func.max(Report.version_no)).where(
        Report.kind == r.kind, Report.period_start == r.period_start, Report.member_key == r.member_key)).one() or 0)


def _view(r: Report, names: dict[int, str], meeting_weekday: int, today: date, zone: ZoneInfo,
          versions: int = 1) -> ReportView:
    due = due_on(r.kind, r.period_start, meeting_weekday)
    return ReportView(r.id, r.kind, r.period_start, r.period_end, r.member_membership_id,
                      names.get(r.member_membership_id or 0, ""), r.version_no, r.status, r.title, due,
                      is_late(r, due, today, zone), r.created_at, r.validated_at, r.sent_at, versions)


# ---------------------------------------------------------------- figures

def _range(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return _local(start, zone), _local(end + timedelta(days=1), zone)


def source_counts(s: Session, since: datetime, until: datetime) -> dict[str, int]:
    """What the centre did in [since, until), counted from the source records (P24's three
    triggers and the individual sessions). The tenant session scopes every query."""
    visit_rng = (Visit.at >= since, Visit.at < until)
    visits = int(s.exec(select(func.count()).select_from(Visit).where(*visit_rng)).one() or 0)
    event_visits = int(s.exec(select(func.count()).select_from(Visit)
                              .where(*visit_rng, Visit.event_id.is_not(None))).one() or 0)
    held = (Event.starts_at >= since, Event.starts_at < until, Event.status.in_((EVENT_HELD, EVENT_CLOSED)),
            Event.type.not_in(NOT_ACTIVITIES))
    by_type = dict(s.exec(select(Event.type, func.count()).where(*held).group_by(Event.type)).all())
    att_by_type = dict(s.exec(select(Event.type, func.count()).select_from(Registration)
                              .join(Event, and_(Event.tenant_id == Registration.tenant_id,
                                                Event.id == Registration.event_id))
                              .where(*held, Registration.status == ATTENDED).group_by(Event.type)).all())
    att = {True: att_by_type.get(WORKSHOP, 0), False: sum(att_by_type.values()) - att_by_type.get(WORKSHOP, 0)}
    B = SessionBooking
    sess = dict(s.exec(select(B.status, func.count()).where(B.starts_at >= since, B.starts_at < until,
                                                               B.status.in_((SESSION_DONE, SESSION_NO_SHOW)))
                       .group_by(B.status)).all())
    students = set(s.exec(select(Visit.student_membership_id).where(
        *visit_rng, Visit.student_membership_id.is_not(None)).distinct()).all())
    students |= set(s.exec(select(B.student_membership_id).where(
        B.starts_at >= since, B.starts_at < until, B.status == SESSION_DONE).distinct()).all())
    students |= set(s.exec(select(Registration.student_membership_id)
                           .join(Event, and_(Event.tenant_id == Registration.tenant_id,
                                             Event.id == Registration.event_id))
                           .where(*held, Registration.status == ATTENDED).distinct()).all())
    needs_received = int(s.exec(select(func.count()).select_from(JobNeed).where(
        JobNeed.received_at >= since, JobNeed.received_at < until)).one() or 0)
    needs_answered = int(s.exec(select(func.count()).select_from(JobNeed).where(
        JobNeed.sent_at >= since, JobNeed.sent_at < until)).one() or 0)
    workshops = int(by_type.get(WORKSHOP, 0))
    return {
        "visits": visits, "event_visits": event_visits, "workshops_held": workshops,
        "workshop_attendance": int(att.get(True, 0)), "events_held": int(sum(by_type.values()) - workshops),
        "event_attendance": int(att.get(False, 0)), "sessions_held": int(sess.get(SESSION_DONE, 0)),
        "sessions_no_show": int(sess.get(SESSION_NO_SHOW, 0)), "students_served": len(students - {None}),
        "needs_received": needs_received, "needs_answered": needs_answered,
    }


def _statistics(s: Session, tenant_id: int, since: datetime, until: datetime) -> dict:
    """The T03 block of the statistics module (helper E's), when it is installed."""
    try:
        from workflows.reporting.statistics import figures_for_period
    except ImportError:
        return {}
    return _jsonable(figures_for_period(s, tenant_id, since, until))


def _actuals(s: Session, tenant_id: int, since: datetime, until: datetime) -> dict[str, float]:
    try:
        from workflows.reporting.statistics import metric_actuals
    except ImportError:
        return {}
    return {str(k): float(v) for k, v in metric_actuals(s, tenant_id, since, until).items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _events(s: Session, since: datetime, until: datetime, zone: ZoneInfo) -> list[dict]:
    rows = s.exec(select(Event).where(Event.starts_at >= since, Event.starts_at < until,
                                      Event.status.not_in((EVENT_DRAFT, EVENT_CANCELLED)),
                                      Event.type.not_in(NOT_ACTIVITIES))
                  .order_by(Event.starts_at, Event.id).limit(500)).all()
    return [{"event_id": e.id, "title": e.title, "type": e.type, "day": e.starts_at.astimezone(zone).date().isoformat(),
             "status": e.status, "done": e.status in (EVENT_HELD, EVENT_CLOSED),
             "attendance": e.attendance_count} for e in rows]


def _plan_content(s: Session, start: date, end: date) -> tuple[ActionPlan | None, dict]:
    """The plan in force over the period: the latest validated version of the academic year
    holding the period's first day (else the plan's current version)."""
    year = s.exec(select(AcademicYear).where(AcademicYear.starts_on <= start, AcademicYear.ends_on >= start)).first()
    if year is None:
        return None, {}
    plan = s.exec(select(ActionPlan).where(ActionPlan.academic_year_id == year.id)).first()
    if plan is None:
        return None, {}
    V = ActionPlanVersion
    v = s.exec(select(V).where(V.plan_id == plan.id, V.status == PlanStatus.VALIDATED.value)
               .order_by(V.version_no.desc())).first() \
        or s.exec(select(V).where(V.plan_id == plan.id, V.version_no == plan.current_version_no)).first()
    return plan, dict(v.content or {}) if v else {}


def _semester_keys(s: Session, start: date, end: date) -> list[str]:
    sems = s.exec(select(Semester).where(Semester.starts_on <= end, Semester.ends_on >= start)
                  .order_by(Semester.starts_on)).all()
    return [f"S{x.number}" for x in sems]


def _plan_vs_actual(s: Session, tenant_id: int, start: date, end: date, since: datetime,
                    until: datetime) -> tuple[list[dict], list[dict]]:
    """Planned activities with the target of the semesters the period falls in and what was
    done (the statistics' metric actuals); and the gap explanations of the mid-year review."""
    plan, content = _plan_content(s, start, end)
    if plan is None:
        return [], []
    keys = _semester_keys(s, start, end)
    actuals = _actuals(s, tenant_id, since, until)
    planned = []
    for a in content.get("activities", []) or []:
        if not isinstance(a, dict):
            continue
        targets = a.get("targets") or {}
        target = sum(float(targets.get(k) or 0) for k in keys if isinstance(targets.get(k), int | float))
        metric = str(a.get("metric") or "")
        planned.append({"key": str(a.get("key") or ""), "title": str(a.get("title") or ""),
                        "type": str(a.get("type") or ""), "metric": metric, "target": target,
                        "actual": actuals.get(metric) if metric else None})
    gaps = []
    reviews = [r.id for r in s.exec(select(MidYearReview).where(MidYearReview.plan_id == plan.id)).all()]
    if reviews:
        titles = {p["key"]: p["title"] for p in planned}
        for g in s.exec(select(GapItem).where(GapItem.review_id.in_(reviews)).order_by(GapItem.id)).all():
            gaps.append({"activity_key": g.activity_key, "title": titles.get(g.activity_key, g.activity_key),
                         "metric": g.metric, "target": g.target, "actual": g.actual,
                         "explanation": g.explanation, "new_action": g.new_action})
    return planned, gaps


def _member_week(s: Session, member_id: int, since: datetime, until: datetime, zone: ZoneInfo) -> dict:
    """What a member's own records say they did in the week (pre-fills their weekly report)."""
    B = SessionBooking
    sessions = int(s.exec(select(func.count()).select_from(B).where(
        B.counselor_membership_id == member_id, B.status == SESSION_DONE, B.starts_at >= since,
        B.starts_at < until)).one() or 0)
    events = s.exec(select(Event).where(Event.organiser_membership_id == member_id, Event.starts_at >= since,
                                        Event.starts_at < until, Event.status.in_((EVENT_HELD, EVENT_CLOSED)),
                                        Event.type.not_in(NOT_ACTIVITIES)).order_by(Event.starts_at)).all()
    visits = int(s.exec(select(func.count()).select_from(Visit).where(
        Visit.logged_by_membership_id == member_id, Visit.at >= since, Visit.at < until)).one() or 0)
    needs = s.exec(select(JobNeed).where(JobNeed.owner_membership_id == member_id, JobNeed.updated_at >= since,
                                         JobNeed.updated_at < until).order_by(JobNeed.id).limit(50)).all()
    return {"sessions_held": sessions, "workshops_organised": sum(1 for e in events if e.type == WORKSHOP),
            "events_organised": len(events), "visits_logged": visits, "needs_handled": len(needs),
            "events": [{"title": e.title, "type": e.type, "day": e.starts_at.astimezone(zone).date().isoformat()}
                       for e in events],
            "needs": [{"title": n.title, "status": n.status} for n in needs]}


def _prefill(figures: dict) -> str:
    """The weekly report's "activities done" pre-filled from the member's records (French)."""
    m = figures.get("member", {})
    lines = [f"- Séances individuelles tenues : {m.get('sessions_held', 0)}",
             f"- Visites enregistrées : {m.get('visits_logged', 0)}",
             f"- Activités organisées : {m.get('events_organised', 0)}"
             f" (dont ateliers : {m.get('workshops_organised', 0)})",
             f"- Besoins d'entreprises traités : {m.get('needs_handled', 0)}"]
    lines += [f"  • {e['day']} — {e['title']}" for e in m.get("events", [])]
    lines += [f"  • {n['title']} ({n['status']})" for n in m.get("needs", [])]
    return "\n".join(lines)


def _individuals_of_week(s: Session, monday: date, meeting_weekday: int, today: date, zone: ZoneInfo) -> list[dict]:
    rows = s.exec(select(Report).where(Report.kind == ReportKind.WEEKLY_INDIVIDUAL.value,
                                       Report.period_start == monday)
                  .order_by(Report.member_key, Report.version_no.desc())).all()
    latest: dict[int, Report] = {}
    for r in rows:
        latest.setdefault(r.member_key, r)
    names = q.names(s, set(latest))
    due = due_on(ReportKind.WEEKLY_INDIVIDUAL.value, monday, meeting_weekday)
    return [{"report_id": r.id, "member_membership_id": r.member_membership_id,
             "name": names.get(r.member_key, ""), "status": r.status, "version_no": r.version_no,
             "late": is_late(r, due, today, zone)} for r in latest.values()]


def _month_reports(s: Session, start: date, end: date) -> list[Report]:
    rows = s.exec(select(Report).where(Report.kind == ReportKind.MONTHLY.value, Report.period_start >= start,
                                       Report.period_start <= end)
                  .order_by(Report.period_start, Report.version_no.desc())).all()
    latest: dict[date, Report] = {}
    for r in rows:
        latest.setdefault(r.period_start, r)
    return list(latest.values())


def _figures(s: Session, tenant_id: int, kind: str, start: date, end: date, member_id: int | None,
             zone: ZoneInfo, today: date, meeting_weekday: int) -> dict:
    since, until = _range(start, end, zone)
    out: dict[str, Any] = {"period": {"start": start.isoformat(), "end": end.isoformat()},
                           "computed_at": utcnow().isoformat()}
    if kind == ReportKind.WEEKLY_INDIVIDUAL.value:
        out["member"] = _member_week(s, member_id or 0, since, until, zone)
        return out
    out["counts"] = source_counts(s, since, until)
    out["statistics"] = _statistics(s, tenant_id, since, until)
    if kind == ReportKind.WEEKLY_SUMMARY.value:
        out["individual_reports"] = _individuals_of_week(s, start, meeting_weekday, today, zone)
        # publications of the week and their follow-up (P30)
        from workflows.communications.items import week_figures

        out["communications"] = week_figures(s, since, until)
        return out
    out["events"] = _events(s, since, until, zone)
    out["planned"], out["gaps"] = _plan_vs_actual(s, tenant_id, start, end, since, until)
    if kind in COMPILED_KINDS:
        out["months"] = [{"report_id": r.id, "period_start": r.period_start.isoformat(), "version_no": r.version_no,
                          "status": r.status, "counts": dict((r.figures or {}).get("counts", {}))}
                         for r in _month_reports(s, start, end)]
    return out


def _compiled_sections(s: Session, kind: str, start: date, end: date, figures: dict) -> list[dict]:
    """A semester or annual report's sections: each monthly section concatenated by month;
    the plan's gaps with their explanations."""
    months = _month_reports(s, start, end)
    out = []
    for key, title in DEFAULT_SECTIONS[kind]:
        parts = []
        if key == "plan_gaps":
            parts = [f"- {g['title']} ({g['metric']}) : cible {g['target']:g}, réalisé {g['actual']:g}."
                     + (f" {g['explanation']}" if g["explanation"] else "")
                     + (f" Action : {g['new_action']}" if g["new_action"] else "") for g in figures.get("gaps", [])]
        else:
            for r in months:
                body = next((x.get("body", "") for x in r.sections or [] if x.get("key") == key), "")
                if body.strip():
                    parts.append(f"{_MONTHS_FR[r.period_start.month - 1].capitalize()} {r.period_start.year}\n"
                                 f"{body.strip()}")
        out.append({"key": key, "title": title, "body": "\n\n".join(parts)[:BODY_MAX]})
    return out


def _summary_sections(s: Session, monday: date) -> list[dict]:
    """The weekly summary's sections drafted from the week's individual reports (latest
    version of each member's), member by member."""
    rows = s.exec(select(Report).where(Report.kind == ReportKind.WEEKLY_INDIVIDUAL.value,
                                       Report.period_start == monday)
                  .order_by(Report.member_key, Report.version_no.desc())).all()
    latest: dict[int, Report] = {}
    for r in rows:
        latest.setdefault(r.member_key, r)
    names = q.names(s, set(latest))
    people = sorted(latest.values(), key=lambda r: names.get(r.member_key, ""))
    out = []
    for key, title in DEFAULT_SECTIONS[ReportKind.WEEKLY_SUMMARY.value]:
        parts = []
        for r in people:
            body = next((x.get("body", "") for x in r.sections or [] if x.get("key") == key), "")
            if body.strip():
                parts.append(f"{names.get(r.member_key, '')}\n{body.strip()}")
        out.append({"key": key, "title": title, "body": "\n\n".join(parts)[:BODY_MAX]})
    return out


def _merged_budget(s: Session, start: date, end: date) -> list[dict]:
    lines: dict[tuple[str, str], dict] = {}
    for r in _month_reports(s, start, end):
        for b in r.budget or []:
            k = (str(b.get("label", "")), str(b.get("currency", "MAD")))
            line = lines.setdefault(k, {"label": k[0], "planned": 0.0, "spent": 0.0, "currency": k[1]})
            line["planned"] += float(b.get("planned") or 0)
            line["spent"] += float(b.get("spent") or 0)
    return list(lines.values())[:BUDGET_MAX_LINES]


# ---------------------------------------------------------------- reading

def list_reports(actor: Actor, tenant_id: int, *, kind: str | None = None, mine: bool = False,
                 day: date | None = None, now: datetime | None = None) -> list[ReportView]:
    """The latest visible version of each report, newest period first, with how many versions
    the archive holds. `mine`: only the caller's weekly reports; `day`: the reports whose
    period holds that day."""
    actor = _reader(actor, tenant_id)
    if kind not in (None, "", *KINDS) or not isinstance(mine, bool) \
            or (day is not None and (not isinstance(day, date) or isinstance(day, datetime))):
        raise Invalid("unknown report filter", code="invalid_filter")
    with tenant_session(tenant_id) as s:
        today, zone = _today(s, tenant_id, now)
        _cut, meeting_weekday, _rcpt = _settings(s)
        where = _visible_where(s, actor)
        if kind:
            where.append(Report.kind == kind)
        if day is not None:
            where += [Report.period_start <= day, Report.period_end >= day]
        if mine:
            where += [Report.kind == ReportKind.WEEKLY_INDIVIDUAL.value,
                      Report.member_membership_id == (actor.membership_id or -1)]
        rows = s.exec(select(Report).where(*where).order_by(Report.period_start.desc(), Report.kind,
                                                            Report.member_key, Report.version_no.desc())
                      .limit(LIST_MAX)).all()
        groups: dict[tuple, list[Report]] = {}
        for r in rows:
            groups.setdefault((r.kind, r.period_start, r.member_key), []).append(r)
        names = q.names(s, {r.member_membership_id for r in rows if r.member_membership_id})
        return [_view(g[0], names, meeting_weekday, today, zone, len(g)) for g in groups.values()]


def _reader(actor: Actor, tenant_id: int) -> Actor:
    require(actor, Perm.TENANT_VIEW, tenant_id=tenant_id)
    if not (actor.can(Perm.REPORT_VIEW) or actor.can(Perm.REPORT_WRITE)):
        raise Forbidden(f"missing permission {Perm.REPORT_VIEW.value}", code="forbidden",
                        permission=Perm.REPORT_VIEW.value)
    return actor


def _detail(s: Session, actor: Actor, r: Report, tenant_id: int, now: datetime | None = None) -> ReportDetail:
    today, zone = _today(s, tenant_id, now)
    _cut, meeting_weekday, _rcpt = _settings(s)
    history = s.exec(select(Report).where(Report.kind == r.kind, Report.period_start == r.period_start,
                                          Report.member_key == r.member_key, *_visible_where(s, actor))
                     .order_by(Report.version_no.desc())).all()
    sections = s.exec(select(ReportSection).where(ReportSection.report_id == r.id)
                      .order_by(ReportSection.id)).all()
    names = q.names(s, {r.member_membership_id, r.author_membership_id, r.validated_by_membership_id,
                        *(x.assignee_membership_id for x in sections)} - {None})
    base = _view(r, names, meeting_weekday, today, zone, len(history))
    owner = r.kind == ReportKind.WEEKLY_INDIVIDUAL.value and r.member_membership_id == actor.membership_id
    manageable = _is_manager(actor) and r.kind != ReportKind.WEEKLY_INDIVIDUAL.value
    return ReportDetail(
        **vars(base), figures=dict(r.figures or {}), sections=[dict(x) for x in r.sections or []],
        budget=[dict(x) for x in r.budget or []], author_name=names.get(r.author_membership_id or 0, ""),
        validated_by_name=names.get(r.validated_by_membership_id or 0, ""), meeting_id=r.meeting_id,
        sent_to=list(r.sent_to or []) if actor.can(Perm.REPORT_WRITE) else [],
        assigned=[AssignedSection(x.id, x.report_id, x.key, x.title, x.assignee_membership_id,
                                  names.get(x.assignee_membership_id or 0, ""), x.body, x.status, x.updated_at)
                  for x in sections],
        history=[_view(h, names, meeting_weekday, today, zone, len(history)) for h in history],
        editable=r.status == DRAFT and (owner or (_is_manager(actor))), manageable=manageable, owner=owner)


def get_report(actor: Actor, tenant_id: int, report_id: int, *, now: datetime | None = None) -> ReportDetail:
    actor = _reader(actor, tenant_id)
    with tenant_session(tenant_id) as s:
        return _detail(s, actor, _report(s, actor, report_id), tenant_id, now)


def my_sections(actor: Actor, tenant_id: int) -> list[AssignedSection]:
    """The sections of semester and annual reports assigned to the caller, open ones first."""
    require(actor, Perm.REPORT_WRITE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        rows = s.exec(select(ReportSection).where(ReportSection.assignee_membership_id == (actor.membership_id or -1))
                      .order_by(ReportSection.status, ReportSection.id.desc()).limit(100)).all()
        name = q.names(s, {actor.membership_id} - {None})
        return [AssignedSection(x.id, x.report_id, x.key, x.title, x.assignee_membership_id,
                                name.get(x.assignee_membership_id or 0, ""), x.body, x.status, x.updated_at)
                for x in rows]


def meetings_for(actor: Actor, tenant_id: int, report_id: int) -> list[MeetingChoice]:
    """The meetings of the report's kind it may be validated in (recorded ones, latest first)."""
    require(actor, Perm.REPORT_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        r = _report(s, actor, report_id)
        kind = MEETING_OF.get(r.kind)
        if kind is None:
            return []
        rows = s.exec(select(MeetingRecord, Event).join(Event, and_(Event.tenant_id == MeetingRecord.tenant_id,
                                                                    Event.id == MeetingRecord.event_id))
                      .where(MeetingRecord.kind == kind).order_by(Event.starts_at.desc()).limit(20)).all()
        return [MeetingChoice(m.id, e.title, e.starts_at, m.status) for m, e in rows]


# ---------------------------------------------------------------- creating

def do_create_report(actor: Actor, tenant_id: int, kind: str, day: date, *,
                     now: datetime | None = None) -> ReportDetail:
    """The report of `kind` for the period holding `day` (its first version, a draft). A weekly
    individual report is the caller's own (REPORT_WRITE); the centre's reports need
    REPORT_MANAGE. A period not ended (not started, for a week) is refused, nothing written."""
    require(actor, Perm.REPORT_WRITE, tenant_id=tenant_id)
    if kind not in KINDS:
        raise Invalid("unknown report kind", code="invalid_report_kind", field="kind")
    if not isinstance(day, date) or isinstance(day, datetime):
        raise Invalid("a day is expected", code="invalid", field="period_start")
    individual = kind == ReportKind.WEEKLY_INDIVIDUAL.value
    if not individual:
        require(actor, Perm.REPORT_MANAGE, tenant_id=tenant_id)
    elif actor.membership_id is None:
        raise Invalid("only a member of the centre writes a weekly report", code="not_a_member")
    with tenant_session(tenant_id) as s, transaction(s):
        today, zone = _today(s, tenant_id, now)
        _cut, meeting_weekday, _rcpt = _settings(s)
        start, end = _period(s, kind, day)
        if kind in WEEKLY_KINDS:
            if start > today:
                raise Invalid("this week has not started", code="period_not_started")
        elif end >= today:
            raise Invalid("this period has not ended yet", code="period_not_ended", end=end.isoformat())
        member_key = actor.membership_id if individual else 0
        existing = s.exec(select(Report.id).where(Report.kind == kind, Report.period_start == start,
                                                  Report.member_key == member_key)).first()
        if existing is not None:
            raise Conflict("this report exists already", code="report_exists", report_id=existing)
        member_name = q.names(s, {actor.membership_id}).get(actor.membership_id, "") if individual else ""
        figures = _figures(s, tenant_id, kind, start, end, actor.membership_id if individual else None, zone, today,
                           meeting_weekday)
        if kind in COMPILED_KINDS:
            sections = _compiled_sections(s, kind, start, end, figures)
            budget = _merged_budget(s, start, end)
        elif kind == ReportKind.WEEKLY_SUMMARY.value:
            sections, budget = _summary_sections(s, start), []
        else:
            sections = [{"key": k, "title": title, "body": ""} for k, title in DEFAULT_SECTIONS[kind]]
            budget = []
            if individual:
                sections[0]["body"] = _prefill(figures)
        r = Report(tenant_id=tenant_id, kind=kind, period_start=start, period_end=end,
                   member_membership_id=actor.membership_id if individual else None, member_key=member_key,
                   version_no=1, status=DRAFT, title=_title(kind, start, end, member_name), figures=figures,
                   sections=sections, budget=budget, author_membership_id=actor.membership_id)
        s.add(r)
        s.flush()
        audit(s, actor, "report.created", tenant_id=tenant_id, target_type="report", target_id=r.id, kind=kind,
              period_start=start.isoformat())
        return _detail(s, actor, r, tenant_id, now)


def do_create_monthly_report(actor: Actor, tenant_id: int, year: int, month: int, *,
                             now: datetime | None = None) -> ReportDetail:
    """M44 for a month that has ended (REPORT_MANAGE); "period_not_ended" otherwise."""
    require(actor, Perm.REPORT_MANAGE, tenant_id=tenant_id)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (year, month)) or not 1 <= month <= 12 \
            or not 2000 <= year <= 2100:
        raise Invalid("a month is expected", code="invalid_month", field="month")
    return do_create_report(actor, tenant_id, ReportKind.MONTHLY.value, date(year, month, 1), now=now)


# ---------------------------------------------------------------- editing

def do_update_report(actor: Actor, tenant_id: int, report_id: int, data: dict | ReportEdit, *,
                     now: datetime | None = None) -> ReportDetail:
    """Narrative sections (by key) and the budget table of a draft."""
    require(actor, Perm.REPORT_WRITE, tenant_id=tenant_id)
    inp = parse(ReportEdit, data)
    with tenant_session(tenant_id) as s, transaction(s):
        r = _report(s, actor, report_id, lock=True)
        _may_act(actor, r)
        _ensure_draft(r)
        if inp.sections is not None:
            current = [dict(x) for x in r.sections or []]
            keys = {x.get("key") for x in current}
            for sec in inp.sections:
                if sec.key not in keys:
                    raise Invalid(f"no section {sec.key!r} in this report", code="unknown_section", field="sections")
            bodies = {sec.key: sec.body.strip() for sec in inp.sections}
            r.sections = [{**x, "body": bodies.get(x.get("key"), x.get("body", ""))} for x in current]
        if inp.budget is not None:
            if r.kind == ReportKind.WEEKLY_INDIVIDUAL.value and inp.budget:
                raise Invalid("a weekly report has no budget", code="no_budget", field="budget")
            r.budget = [{"label": b.label, "planned": float(b.planned), "spent": float(b.spent),
                         "currency": b.currency} for b in inp.budget]
        r.updated_at = utcnow()
        s.add(r)
        audit(s, actor, "report.updated", tenant_id=tenant_id, target_type="report", target_id=r.id,
              sections=inp.sections is not None, budget=inp.budget is not None)
        s.flush()
        return _detail(s, actor, r, tenant_id, now)


def _member_of_team(s: Session, membership_id: Any) -> int:
    mid = membership_id if isinstance(membership_id, int) and not isinstance(membership_id, bool) else 0
    member = next((m for m in q.members_holding(s, set(TEAM_ROLES)) if m.id == mid), None)
    if member is None:
        raise Invalid("not a member of the team", code="unknown_member", field="assignee_membership_id")
    return member.id


def do_assign_section(actor: Actor, tenant_id: int, report_id: int, key: str, assignee_membership_id: int,
                      *, now: datetime | None = None) -> ReportDetail:
    """A section of a draft semester or annual report given to a member to write (P25.8-9,
    P25.14-15); given again to someone else while unwritten. The member is e-mailed."""
    require(actor, Perm.REPORT_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        r = _report(s, actor, report_id, lock=True)
        _ensure_draft(r)
        if r.kind not in COMPILED_KINDS:
            raise Invalid("sections are assigned in semester and annual reports", code="not_compiled_report")
        current = {x.get("key"): x for x in r.sections or []}
        if not isinstance(key, str) or key not in current:
            raise Invalid("no such section in this report", code="unknown_section", field="key")
        mid = _member_of_team(s, assignee_membership_id)
        sec = s.exec(select(ReportSection).where(ReportSection.report_id == r.id, ReportSection.key == key)).first()
        if sec is None:
            sec = ReportSection(tenant_id=tenant_id, report_id=r.id, key=key, title=current[key].get("title", key),
                                body=current[key].get("body", ""))
        sec.assignee_membership_id, sec.status, sec.updated_at = mid, ASSIGNED, utcnow()
        s.add(sec)
        s.flush()
        acc = s.exec(select(Account).join(Membership, Membership.account_id == Account.id)
                     .where(Membership.id == mid)).first()
        tenant = s.get(Tenant, tenant_id)
        if acc is not None and acc.active:
            lang = acc.locale or tenant.locale or "fr"
            values = {"name": acc.full_name, "section": t(f"report.section.{key}", lang), "report": r.title,
                      "link": f"{get_settings().base_url}/staff/reports/{r.id}", "tenant": tenant.name}
            outbox.enqueue(s, EMAIL_KIND, {"to": acc.email, "subject": t("mail.report_section.subject", lang, **values),
                                           "text": t("mail.report_section.body", lang, **values)},
                           key=f"report-section:{sec.id}:{mid}:{sec.updated_at.isoformat()}", tenant_id=tenant_id)
        audit(s, actor, "report.section_assigned", tenant_id=tenant_id, target_type="report", target_id=r.id,
              key=key, assignee=mid)
        return _detail(s, actor, r, tenant_id, now)


def _merge(r: Report, sections: list[ReportSection]) -> None:
    written = {x.key: x.body for x in sections if x.status == WRITTEN}
    r.sections = [{**x, "body": written.get(x.get("key"), x.get("body", ""))} for x in r.sections or []]
    r.updated_at = utcnow()


def do_write_section(actor: Actor, tenant_id: int, section_id: int, body: str, *,
                     now: datetime | None = None) -> AssignedSection:
    """The assignee (or the manager) writes an assigned section; once every assigned section is
    written they are merged into the report."""
    require(actor, Perm.REPORT_WRITE, tenant_id=tenant_id)
    if not isinstance(body, str) or len(body) > BODY_MAX:
        raise Invalid("section: text expected", code="invalid", field="body", max=BODY_MAX)
    with tenant_session(tenant_id) as s, transaction(s):
        sec = s.exec(select(ReportSection).where(ReportSection.id == _int_id(section_id, "section"))
                     .with_for_update().execution_options(populate_existing=True)).first()
        if sec is None or (sec.assignee_membership_id != actor.membership_id and not _is_manager(actor)):
            raise NotFound("no such section")
        r = s.exec(select(Report).where(Report.id == sec.report_id).with_for_update()
                   .execution_options(populate_existing=True)).one()
        _ensure_draft(r)
        sec.body, sec.status, sec.updated_at = body.strip(), WRITTEN, utcnow()
        s.add(sec)
        s.flush()
        every = s.exec(select(ReportSection).where(ReportSection.report_id == r.id)).all()
        if all(x.status == WRITTEN for x in every):
            _merge(r, list(every))
            s.add(r)
        audit(s, actor, "report.section_written", tenant_id=tenant_id, target_type="report", target_id=r.id,
              key=sec.key, length=len(sec.body))
        name = q.names(s, {sec.assignee_membership_id} - {None})
        return AssignedSection(sec.id, sec.report_id, sec.key, sec.title, sec.assignee_membership_id,
                               name.get(sec.assignee_membership_id or 0, ""), sec.body, sec.status, sec.updated_at)


def do_merge_sections(actor: Actor, tenant_id: int, report_id: int, *, now: datetime | None = None) -> ReportDetail:
    """Merge the sections written so far into the report, on demand."""
    require(actor, Perm.REPORT_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        r = _report(s, actor, report_id, lock=True)
        _ensure_draft(r)
        _merge(r, list(s.exec(select(ReportSection).where(ReportSection.report_id == r.id)).all()))
        s.add(r)
        audit(s, actor, "report.sections_merged", tenant_id=tenant_id, target_type="report", target_id=r.id)
        s.flush()
        return _detail(s, actor, r, tenant_id, now)


# ---------------------------------------------------------------- validating, versions

def do_validate_report(actor: Actor, tenant_id: int, report_id: int, *, meeting_id: int | None = None,
                       now: datetime | None = None) -> ReportDetail:
    """A weekly individual report handed in by its member; a centre's report validated by the
    manager, in the meeting of its kind when given (semester and annual: every assigned
    section written first, then merged)."""
    require(actor, Perm.REPORT_WRITE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        r = _report(s, actor, report_id, lock=True)
        _may_act(actor, r)
        _ensure_draft(r)
        if meeting_id is not None:
            if r.kind not in MEETING_OF:
                raise Invalid("this report is not validated in a meeting", code="wrong_meeting", field="meeting_id")
            rec = s.exec(select(MeetingRecord).where(MeetingRecord.id == _int_id(meeting_id, "meeting"))).first()
            if rec is None:
                raise NotFound("no such meeting", code="meeting_not_found")
            if rec.kind != MEETING_OF[r.kind]:
                raise Invalid("this report is validated in another kind of meeting", code="wrong_meeting",
                              field="meeting_id")
            r.meeting_id = rec.id
        if r.kind in COMPILED_KINDS:
            sections = list(s.exec(select(ReportSection).where(ReportSection.report_id == r.id)).all())
            if any(x.status != WRITTEN for x in sections):
                raise Conflict("some assigned sections are not written", code="sections_pending")
            _merge(r, sections)
        r.status, r.validated_at, r.validated_by_membership_id = VALIDATED, now or utcnow(), actor.membership_id
        r.updated_at = utcnow()
        s.add(r)
        audit(s, actor, "report.validated", tenant_id=tenant_id, target_type="report", target_id=r.id,
              meeting_id=r.meeting_id)
        s.flush()
        return _detail(s, actor, r, tenant_id, now)


def do_new_version(actor: Actor, tenant_id: int, report_id: int, *, now: datetime | None = None) -> ReportDetail:
    """The next version of a validated (or sent) report: a draft with its sections and budget
    copied and its figures recomputed. Only the latest version makes a next one."""
    require(actor, Perm.REPORT_WRITE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        r = _report(s, actor, report_id, lock=True)
        _may_act(actor, r)
        if r.status == DRAFT:
            raise Conflict("this version is still a draft: edit it", code="report_draft")
        latest = _latest_version(s, r)
        if latest != r.version_no:
            raise Conflict("a newer version exists", code="not_latest_version", version_no=latest)
        today, zone = _today(s, tenant_id, now)
        _cut, meeting_weekday, _rcpt = _settings(s)
        n = Report(tenant_id=tenant_id, kind=r.kind, period_start=r.period_start, period_end=r.period_end,
                   member_membership_id=r.member_membership_id, member_key=r.member_key, version_no=latest + 1,
                   status=DRAFT, title=r.title,
                   figures=_figures(s, tenant_id, r.kind, r.period_start, r.period_end, r.member_membership_id, zone,
                                    today, meeting_weekday),
                   sections=[dict(x) for x in r.sections or []], budget=[dict(x) for x in r.budget or []],
                   author_membership_id=actor.membership_id)
        s.add(n)
        s.flush()
        audit(s, actor, "report.new_version", tenant_id=tenant_id, target_type="report", target_id=n.id,
              previous_id=r.id, version_no=n.version_no)
        return _detail(s, actor, n, tenant_id, now)


# ---------------------------------------------------------------- sending

def _host_recipients(s: Session, extra: list[str], default_lang: str) -> list[tuple[str, str, str]]:
    """(e-mail, name, language) of the host approvers' active accounts and the settings' extra
    addresses, each address once."""
    approvers = q.members_holding(s, {Role.HOST_APPROVER.value})
    out: dict[str, tuple[str, str, str]] = {}
    if approvers:
        for acc in s.exec(select(Account).join(Membership, Membership.account_id == Account.id)
                          .where(Membership.id.in_([m.id for m in approvers]), Account.active.is_(True))).all():
            out.setdefault(acc.email.lower(), (acc.email, acc.full_name, acc.locale or default_lang))
    for email in extra:
        if isinstance(email, str) and "@" in email:
            out.setdefault(email.strip().lower(), (email.strip(), "", default_lang))
    return list(out.values())


def do_send_report(actor: Actor, tenant_id: int, report_id: int, *, now: datetime | None = None) -> ReportDetail:
    """E-mail a validated report, as PDF, to the host institution (its approvers and the
    addresses of the reporting settings); stamps when and to whom."""
    from workflows.reporting import render

    require(actor, Perm.REPORT_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:  # the PDFs are drawn outside the write transaction
        r = _report(s, actor, report_id)
        _check_sendable(r)
        tenant = s.get(Tenant, tenant_id)
        default_lang = tenant.locale or "fr"
        _cut, _meet, extra = _settings(s)
        recipients = _host_recipients(s, extra, default_lang)
        if not recipients:
            raise Invalid("the host institution has no approver nor address to send to", code="no_recipients")
        detail = _detail(s, actor, r, tenant_id, now)
    pdfs = {lang: render.report_pdf(detail, lang, tenant.name) for lang in sorted({x[2] for x in recipients})}
    base = get_settings().base_url
    with tenant_session(tenant_id) as s, transaction(s):
        r = _report(s, actor, report_id, lock=True)
        _check_sendable(r)
        for email, name, lang in recipients:
            values = {"name": name or email, "report": r.title, "tenant": tenant.name,
                      "period": period_label(r.kind, r.period_start, r.period_end, lang),
                      "version": r.version_no, "link": f"{base}/host/reports"}
            payload = {"to": email, "subject": t("mail.report_sent.subject", lang, **values),
                       "text": t("mail.report_sent.body", lang, **values),
                       "attachments": [attachment(f"{render.filename(r.kind, r.period_start, r.version_no)}.pdf",
                                                  "application/pdf", pdfs[lang])]}
            outbox.enqueue(s, EMAIL_KIND, payload, key=f"report-sent:{r.id}:{email.lower()}", tenant_id=tenant_id)
        r.status, r.sent_at, r.sent_to = SENT, now or utcnow(), [x[0] for x in recipients]
        s.add(r)
        audit(s, actor, "report.sent", tenant_id=tenant_id, target_type="report", target_id=r.id,
              recipients=len(recipients))
        s.flush()
        return _detail(s, actor, r, tenant_id, now)


def _check_sendable(r: Report) -> None:
    if r.kind == ReportKind.WEEKLY_INDIVIDUAL.value:
        raise Invalid("a weekly individual report stays in the centre", code="not_sendable")
    if r.status == DRAFT:
        raise Conflict("validate the report before sending it", code="report_not_validated")
    if r.status == SENT:
        raise Conflict("this version was sent already", code="report_already_sent")


# ---------------------------------------------------------------- exports

EXPORT_TYPES = {"pdf": "application/pdf",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "csv": "text/csv; charset=utf-8"}


def export_report(actor: Actor, tenant_id: int, report_id: int, fmt: str, lang: str) -> tuple[bytes, str, str]:
    """(body, file name, content type) of a report as PDF, XLSX or CSV; the download is audited."""
    from workflows.reporting import render

    actor = _reader(actor, tenant_id)
    if fmt not in EXPORT_TYPES:
        raise Invalid("unknown format", code="invalid_format", field="format")
    if lang not in LANGS:
        raise Invalid("unknown language", code="invalid_language", field="lang")
    with tenant_session(tenant_id) as s:
        r = _report(s, actor, report_id)
        detail = _detail(s, actor, r, tenant_id)
        centre = s.get(Tenant, tenant_id).name
    body = {"pdf": render.report_pdf, "xlsx": render.report_xlsx, "csv": render.report_csv}[fmt](detail, lang, centre)
    with tenant_session(tenant_id) as s, transaction(s):
        audit(s, actor, "report.downloaded", tenant_id=tenant_id, target_type="report", target_id=detail.id,
              format=fmt, lang=lang)
    return body, f"{render.filename(detail.kind, detail.period_start, detail.version_no)}-{lang}.{fmt}", \
        EXPORT_TYPES[fmt]


# ---------------------------------------------------------------- the meetings' view

def reports_before_meeting(s: Session, kind: str, day: date, team: list[tuple[int, str]],
                           zone: ZoneInfo) -> dict:
    """What a meeting has before it (its record's snapshot, workflows.meetings): the weekly
    coordination meeting, the individual reports of its week (due the day before) and who has
    none yet; every meeting, the drafts of the reports validated in it."""
    _cut, meeting_weekday, _rcpt = _settings(s)
    out: dict[str, Any] = {}
    if kind == "weekly_coordination_meeting":
        monday = day - timedelta(days=day.weekday())
        rows = _individuals_of_week(s, monday, meeting_weekday, day, zone)
        have = {x["member_membership_id"] for x in rows}
        due = due_on(ReportKind.WEEKLY_INDIVIDUAL.value, monday, meeting_weekday)
        out["individual"] = {"week": monday.isoformat(), "due_on": due.isoformat() if due else "",
                             "reports": sorted(rows, key=lambda x: x["name"]),
                             "missing": [name for mid, name in team if mid not in have]}
    kinds = [k for k, m in MEETING_OF.items() if m == kind]
    drafts = s.exec(select(Report).where(Report.kind.in_(kinds or ["-"]), Report.status == DRAFT,
                                         Report.period_start <= day)
                    .order_by(Report.period_start.desc(), Report.id.desc()).limit(20)).all()
    out["to_validate"] = [{"report_id": r.id, "kind": r.kind, "title": r.title, "version_no": r.version_no,
                           "period_start": r.period_start.isoformat()} for r in drafts]
    return out


# ---------------------------------------------------------------- reminders (beat)

def enqueue_weekly_reminders(*, now: datetime | None = None) -> int:
    """On the day a weekly individual report is due (the day before the coordination meeting),
    each active member of a centre's team who has not handed in theirs for the week is
    e-mailed once (outbox key report-reminder:<tenant>:<member>:<monday>). Runs from beat."""
    from integrations.db import system_session

    now = now or utcnow()
    with system_session("weekly report reminders: list centres") as s:
        tenants = [(x.id, x.name, x.locale or "fr") for x in s.exec(select(Tenant)).all()]
    sent = 0
    base = get_settings().base_url
    for tenant_id, tenant_name, default_lang in tenants:
        with tenant_session(tenant_id) as s, transaction(s):
            today, _zone = _today(s, tenant_id, now)
            _cut, meeting_weekday, _rcpt = _settings(s)
            monday = today - timedelta(days=today.weekday())
            if due_on(ReportKind.WEEKLY_INDIVIDUAL.value, monday, meeting_weekday) != today:
                continue
            handed = set(s.exec(select(Report.member_key).where(
                Report.kind == ReportKind.WEEKLY_INDIVIDUAL.value, Report.period_start == monday,
                Report.status != DRAFT)).all())
            team = [m.id for m in q.members_holding(s, set(TEAM_ROLES)) if m.id not in handed]
            if not team:
                continue
            for mid, acc in s.exec(select(Membership.id, Account).join(Account, Account.id == Membership.account_id)
                                   .where(Membership.id.in_(team), Account.active.is_(True))).all():
                key = f"report-reminder:{tenant_id}:{mid}:{monday.isoformat()}"
                if s.exec(select(outbox.OutboxMessage.id).where(outbox.OutboxMessage.idempotency_key == key)).first():
                    continue
                lang = acc.locale or default_lang
                values = {"name": acc.full_name, "week": f"{monday:%d/%m/%Y}", "tenant": tenant_name,
                          "link": f"{base}/staff/reports"}
                outbox.enqueue(s, EMAIL_KIND, {"to": acc.email,
                                               "subject": t("mail.report_reminder.subject", lang, **values),
                                               "text": t("mail.report_reminder.body", lang, **values)},
                               key=key, tenant_id=tenant_id)
                sent += 1
    return sent
