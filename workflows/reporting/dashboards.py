"""Dashboards of the manager and the host institution, and the network's headline figures.

Each series is one aggregate statement over the statistics (or the source table it needs),
the year-long ones over the daily and student-month roll-ups (statistics.py), shaped for a
chart: a list of points with a `period` key (the first day of the week or month, local
time) and one numeric key per series.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func
from sqlmodel import Session, select

from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import Forbidden, Invalid
from integrations.settings import get_settings
from tenants.calendar.models import AcademicYear
from tenants.calendar.services import tenant_zone
from tenants.core.actor import Actor, require
from tenants.core.models import Tenant
from tenants.core.roles import Perm
from tenants.portal.surveys.models import SurveyAnswer, SurveyResponse
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.pipeline.models import Outcome, ShortlistEntry
from workflows.planning.models import ActionPlan, ActionPlanVersion, Metric, PlanStatus
from workflows.reporting.models import ActivityDaily as AD
from workflows.reporting.models import ActivityKind
from workflows.reporting.statistics import (
    AR,
    KINDS,
    STUDENT_KINDS,
    UNITS,
    VISIT_KINDS,
    WORKSHOP_TYPES,
    bounds,
    day_span,
    metric_actuals_rolled,
    period_expr,
    students_rolled,
)

METRICS = tuple(m.value for m in Metric)


@dataclass(frozen=True)
class Dashboard:
    start: date
    end: date
    unit: str
    activity: list[dict] = field(default_factory=list)  # [{"period", <kind>: n, ...}]
    plan: list[dict] = field(default_factory=list)  # [{"metric", "target", "actual"}]
    plan_title: str = ""
    plan_version: int | None = None
    satisfaction: list[dict] = field(default_factory=list)  # [{"period", "average", "count"}]
    sourcing: dict = field(default_factory=dict)  # {"received", "shortlisted", "sent", "hired"}


def activity_over_time(s: Session, tenant_id: int, lo: datetime, hi: datetime, unit: str) -> list[dict]:
    """Activities per week or month and kind. Whole local days (every dashboard) are read
    from the daily roll-up (a year: a few thousand rows); any other range from the records."""
    zone = tenant_zone(s, tenant_id)
    span = day_span(zone, lo, hi)
    if span is None:
        return activity_over_time_raw(s, tenant_id, lo, hi, unit)
    if unit not in UNITS:
        raise Invalid("group by week or month", code="invalid_unit")
    d0, d1 = span
    points: dict[str, dict] = {}
    for day, kind, n in s.exec(select(AD.day, AD.kind, func.sum(AD.n))
                               .where(AD.tenant_id == tenant_id, AD.day >= d0, AD.day < d1)
                               .group_by(AD.day, AD.kind)).all():
        first = day - timedelta(days=day.weekday()) if unit == "week" else day.replace(day=1)
        key = first.isoformat()
        p = points.setdefault(key, {"period": key, **{k: 0 for k in KINDS}})
        p[kind] += int(n)
    return [points[k] for k in sorted(points)]


def activity_over_time_raw(s: Session, tenant_id: int, lo: datetime, hi: datetime, unit: str) -> list[dict]:
    """The same series counted from the records (any range; the reference of the roll-up)."""
    zone = tenant_zone(s, tenant_id)
    expr, label = period_expr(s, zone, lo, hi, unit)
    b = expr.label("bucket")
    rows = s.exec(select(b, AR.kind, func.count()).where(AR.tenant_id == tenant_id, AR.at >= lo, AR.at < hi)
                  .group_by(b, AR.kind)).all()
    points: dict[str, dict] = {}
    for bucket, kind, n in rows:
        p = points.setdefault(label(bucket), {"period": label(bucket), **{k: 0 for k in KINDS}})
        p[kind] = int(n)
    return [points[k] for k in sorted(points)]


def satisfaction_over_time(s: Session, tenant_id: int, lo: datetime, hi: datetime, unit: str) -> list[dict]:
    zone = tenant_zone(s, tenant_id)
    expr, label = period_expr(s, zone, lo, hi, unit, column=SurveyResponse.submitted_at)
    b = expr.label("bucket")
    rows = s.exec(select(b, func.avg(SurveyAnswer.rating), func.count(SurveyAnswer.rating))
                  .select_from(SurveyResponse)
                  .join(SurveyAnswer, and_(SurveyAnswer.response_id == SurveyResponse.id,
                                           SurveyAnswer.tenant_id == SurveyResponse.tenant_id))
                  .where(SurveyResponse.tenant_id == tenant_id, SurveyResponse.submitted_at >= lo,
                         SurveyResponse.submitted_at < hi, SurveyAnswer.rating.is_not(None))
                  .group_by(b)).all()
    out = [{"period": label(bk), "average": round(float(avg), 2), "count": int(n)} for bk, avg, n in rows if n]
    return sorted(out, key=lambda p: p["period"])


def sourcing_results(s: Session, tenant_id: int, lo: datetime, hi: datetime) -> dict:
    """Needs received, students shortlisted, needs whose profiles were sent, hires (P22)."""
    def between(col):  # noqa: ANN001, ANN202
        return and_(col >= lo, col < hi)

    received = select(func.count(JobNeed.id)).where(JobNeed.tenant_id == tenant_id,
                                                     between(JobNeed.received_at)).scalar_subquery()
    sent = select(func.count(JobNeed.id)).where(JobNeed.tenant_id == tenant_id,
                                                 between(JobNeed.sent_at)).scalar_subquery()
    shortlisted = select(func.count(ShortlistEntry.id)).where(ShortlistEntry.tenant_id == tenant_id,
                                                              between(ShortlistEntry.created_at)).scalar_subquery()
    hired = select(func.count(ShortlistEntry.id)).where(ShortlistEntry.tenant_id == tenant_id,
                                                        ShortlistEntry.outcome == Outcome.HIRED.value,
                                                        between(ShortlistEntry.outcome_at)).scalar_subquery()
    r = s.exec(select(received, shortlisted, sent, hired)).one()
    return {"received": int(r[0]), "shortlisted": int(r[1]), "sent": int(r[2]), "hired": int(r[3])}


def current_year(s: Session, today: date) -> AcademicYear | None:
    return s.exec(select(AcademicYear).where(AcademicYear.starts_on <= today, AcademicYear.ends_on >= today)
                  .order_by(AcademicYear.starts_on.desc())).first()


def validated_plan(s: Session, year_id: int) -> tuple[ActionPlan, ActionPlanVersion] | None:
    """The plan version in force: the latest one the host institution validated."""
    plan = s.exec(select(ActionPlan).where(ActionPlan.academic_year_id == year_id)).first()
    if plan is None:
        return None
    v = s.exec(select(ActionPlanVersion).where(
        ActionPlanVersion.plan_id == plan.id,
        (ActionPlanVersion.host_validated_at.is_not(None)) | (ActionPlanVersion.status == PlanStatus.VALIDATED.value))
        .order_by(ActionPlanVersion.version_no.desc())).first()
    return (plan, v) if v is not None else None


def targets_of(content: dict) -> dict[str, float]:
    """Sum of every activity's targets (all semesters) per metric; non-numbers are skipped."""
    out: dict[str, float] = {}
    for act in (content or {}).get("activities") or []:
        if not isinstance(act, dict) or act.get("metric") not in METRICS:
            continue
        for v in (act.get("targets") or {}).values():
            if isinstance(v, int | float) and not isinstance(v, bool):
                out[act["metric"]] = out.get(act["metric"], 0.0) + float(v)
    return out


def plan_vs_actual(s: Session, tenant_id: int, today: date) -> tuple[str, int | None, list[dict]]:
    year = current_year(s, today)
    if year is None:
        return "", None, []
    found = validated_plan(s, year.id)
    if found is None:
        return "", None, []
    plan, version = found
    targets = targets_of(version.content)
    actual = metric_actuals_rolled(s, tenant_id, year.starts_on, min(today, year.ends_on))
    return plan.title, version.version_no, [{"metric": m, "target": targets.get(m, 0.0), "actual": actual[m]}
                                             for m in METRICS if m in targets]


def _default_period(s: Session, today: date) -> tuple[date, date]:
    year = current_year(s, today)
    if year is not None:
        return year.starts_on, year.ends_on
    first = (today.replace(day=1) - timedelta(days=335)).replace(day=1)
    return first, today


def dashboard(actor: Actor, tenant_id: int, *, start: date | None = None, end: date | None = None,
              unit: str = "month") -> Dashboard:
    require(actor, Perm.STATS_VIEW, tenant_id=tenant_id)
    if unit not in UNITS:
        raise Invalid("group by week or month", code="invalid_unit")
    with tenant_session(tenant_id) as s:
        zone = tenant_zone(s, tenant_id)
        today = utcnow().astimezone(zone).date()
        if start is None or end is None:
            start, end = _default_period(s, today)
        lo, hi = bounds(zone, start, end)
        if hi - lo > timedelta(days=401):
            raise Invalid("at most 400 days at once", code="range_too_long")
        title, version, plan = plan_vs_actual(s, tenant_id, today)
        return Dashboard(start, end, unit, activity_over_time(s, tenant_id, lo, hi, unit), plan, title, version,
                         satisfaction_over_time(s, tenant_id, lo, hi, unit), sourcing_results(s, tenant_id, lo, hi))


# ---------------------------------------------------------------- the network (admins)

@dataclass(frozen=True)
class CentreFigures:
    tenant_id: int
    name: str
    total: int
    visits: int
    workshops: int
    events: int
    sessions: int
    attendance: int
    students: int


def _centre_counts(rolled: bool):  # noqa: ANN202
    """The six counted columns of CentreFigures before the students, over the records or
    over the daily roll-up (where a row stands for n records)."""
    t = AD if rolled else AR
    one = t.n if rolled else 1
    held = t.kind == ActivityKind.EVENT_HELD.value
    workshop = t.event_type.in_(tuple(WORKSHOP_TYPES))
    attendance = t.kind.in_((ActivityKind.WORKSHOP_ATTENDANCE.value, ActivityKind.EVENT_ATTENDANCE.value))
    if rolled:
        def add(cond):  # noqa: ANN001, ANN202
            return func.coalesce(func.sum(case((cond, one), else_=0)), 0)
        total = func.coalesce(func.sum(t.n), 0)
    else:
        def add(cond):  # noqa: ANN001, ANN202
            return func.count(case((cond, 1)))
        total = func.count()
    return (total, add(t.kind.in_(VISIT_KINDS)), add(and_(held, workshop)), add(and_(held, ~workshop)),
            add(t.kind == ActivityKind.INDIVIDUAL_SESSION.value), add(attendance))


def network_figures(actor: Actor, start: date, end: date) -> tuple[list[CentreFigures], CentreFigures]:
    """The headline figures of every centre and the network's totals (network admins), read
    in a system session: the one place that looks across centres. The days are the
    network's (default) zone: a centre in that zone is read from the roll-ups, another one
    from its records. A membership belongs to one centre, so the network's students are the
    sum of the centres' distinct students."""
    require(actor, Perm.NETWORK_ADMIN)
    if not actor.is_network_admin:
        raise Forbidden("network admins only", code="forbidden")
    zone = ZoneInfo(get_settings().default_timezone)
    lo, hi = bounds(zone, start, end)
    span = day_span(zone, lo, hi)
    with system_session("network figures: headline statistics of every centre (admin)") as s:
        tenants = s.exec(select(Tenant.id, Tenant.name, Tenant.timezone)).all()
        names = {tid: name for tid, name, _tz in tenants}
        rolled = [tid for tid, _n, tz in tenants if span is not None and tz == zone.key]
        others = [tid for tid in names if tid not in rolled]
        rows: dict[int, tuple] = {}
        if rolled:
            d0, d1 = span
            for r in s.exec(select(AD.tenant_id, *_centre_counts(True))
                            .where(AD.tenant_id.in_(rolled), AD.day >= d0, AD.day < d1).group_by(AD.tenant_id)):
                rows[r[0]] = (*r[1:], students_rolled(s, r[0], zone, d0, d1))
        if others:
            students = func.count(func.distinct(case((AR.kind.in_(STUDENT_KINDS), AR.student_membership_id))))
            for r in s.exec(select(AR.tenant_id, *_centre_counts(False), students)
                            .where(AR.tenant_id.in_(others), AR.at >= lo, AR.at < hi).group_by(AR.tenant_id)):
                rows[r[0]] = tuple(r[1:])
    out = [CentreFigures(tid, name, *(int(x) for x in rows.get(tid, (0,) * 7)))
           for tid, name in sorted(names.items(), key=lambda x: x[1])]
    total = [sum(int(v[i]) for v in rows.values()) for i in range(7)]
    return out, CentreFigures(0, "", *total)


def network_figures_raw(start: date, end: date) -> tuple[dict[int, tuple[int, ...]], tuple[int, ...]]:
    """The same figures counted from the records only (the roll-ups' reference, for tests)."""
    lo, hi = bounds(ZoneInfo(get_settings().default_timezone), start, end)
    cols = (*_centre_counts(False),
            func.count(func.distinct(case((AR.kind.in_(STUDENT_KINDS), AR.student_membership_id)))))
    with system_session("network figures from the records (reference)") as s:
        rows = {r[0]: tuple(int(x) for x in r[1:]) for r in s.exec(select(AR.tenant_id, *cols)
                                                                   .where(AR.at >= lo, AR.at < hi)
                                                                   .group_by(AR.tenant_id)).all()}
        total = tuple(int(x) for x in s.exec(select(*cols).where(AR.at >= lo, AR.at < hi)).one())
    return rows, total
