"""Statistics (T03, P24) over REST (issue 9 §3, §7): counts with filters and groupings, late
entries, their CSV/XLSX exports, the weekly cut-off settings and the dashboard. Every route
calls a service of workflows.reporting."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant, current_actor
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from workflows.reporting import dashboard_export as dx
from workflows.reporting import dashboards as dash
from workflows.reporting import statistics as st
from workflows.reporting.settings import do_update_reporting_settings, get_reporting_settings

router = APIRouter(tags=["statistics"], responses=ERROR_RESPONSES)
T = "/tenants/{tenant}"
Scope = Depends(actor_in_tenant)
TYPES = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


# ---------------------------------------------------------------- schemas

class StatsRowOut(BaseModel):
    keys: list[str] = Field(description="one value per group_by entry (ids, kinds, ISO days for periods)")
    labels: list[str] = Field(description="names of counselors, establishments and fields; else the key")
    count: int
    late: int = Field(description="of which entered after their week's cut-off")


class StatsOut(BaseModel):
    group_by: list[str]
    unit: str
    start: datetime
    end: datetime = Field(description="exclusive")
    rows: list[StatsRowOut]
    total: int
    late: int


class LateEntryOut(BaseModel):
    id: int
    kind: str
    at: datetime
    recorded_at: datetime
    counselor_name: str
    event_id: int | None
    source_id: int


class LatePageOut(BaseModel):
    items: list[LateEntryOut]
    total: int


class ReportingSettingsIO(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cutoff_weekday: int = Field(3, description="0 = Monday … 6 = Sunday; entries are due before it, 00:00")
    meeting_weekday: int = Field(4, description="the weekly coordination meeting")
    host_recipients: list[str] = Field(default_factory=list, description="e-mail addresses reports go to")


class DashboardOut(BaseModel):
    start: date
    end: date
    unit: str
    activity: list[dict] = Field(description='[{"period": "YYYY-MM-DD", "<kind>": n, …}]')
    plan: list[dict] = Field(description='[{"metric", "target", "actual"}] of the validated plan')
    plan_title: str
    plan_version: int | None
    satisfaction: list[dict] = Field(description='[{"period", "average", "count"}]')
    sourcing: dict[str, int]


def _filters(kind: str, counselor: int | None, establishment: int | None, field: int | None, level: str,
             gender: str) -> dict:
    return {"kind": kind, "counselor_membership_id": counselor, "establishment_id": establishment,
            "field_id": field, "level": level, "gender": gender}


class _Query:
    """The filters every statistics route takes."""

    def __init__(self,
                 start: date = Query(description="first day (the centre's local days)"),
                 end: date = Query(description="last day, included"),
                 group_by: str = Query("kind", description="comma-separated, at most 3 of period, kind, "
                                                           "counselor, establishment, field, level, gender"),
                 unit: str = Query("month", pattern="^(week|month)$", description="for group_by=period"),
                 kind: str = Query("", max_length=24),
                 counselor: int | None = Query(None, ge=1, le=MAX_ID),
                 establishment: int | None = Query(None, ge=1, le=MAX_ID),
                 field: int | None = Query(None, ge=1, le=MAX_ID),
                 level: str = Query("", max_length=20),
                 gender: str = Query("", max_length=10)):
        self.start, self.end, self.unit = start, end, unit
        self.group_by = [g.strip() for g in group_by.split(",") if g.strip()]
        self.filters = _filters(kind, counselor, establishment, field, level, gender)


# ---------------------------------------------------------------- routes

@router.get(T + "/statistics", response_model=StatsOut)
def statistics(q: _Query = Depends(), scope: tuple[Actor, int] = Scope) -> StatsOut:
    """Activities counted in the period (visits, attendance, sessions, events held), grouped."""
    actor, tenant_id = scope
    t = st.counts(actor, tenant_id, q.start, q.end, group_by=q.group_by, filters=q.filters, unit=q.unit)
    return StatsOut(group_by=list(t.group_by), unit=t.unit, start=t.start, end=t.end, total=t.total, late=t.late,
                    rows=[StatsRowOut(keys=list(r.keys), labels=list(r.labels), count=r.count, late=r.late)
                          for r in t.rows])


@router.get(T + "/statistics/export", response_class=Response,
            responses={200: {"content": {v: {} for v in TYPES.values()}}})
def statistics_export(q: _Query = Depends(), scope: tuple[Actor, int] = Scope,
                      format: str = Query("csv", pattern="^(csv|xlsx|pdf)$"),
                      lang: str = Query("fr", pattern="^(fr|en|ar)$")) -> Response:
    actor, tenant_id = scope
    body = st.export_table(actor, tenant_id, q.start, q.end, fmt=format, lang=lang, group_by=q.group_by,
                           filters=q.filters, unit=q.unit)
    name = f"statistiques-{q.start.isoformat()}-{q.end.isoformat()}.{format}"
    return Response(body, media_type=TYPES[format], headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(T + "/statistics/late", response_model=LatePageOut)
def statistics_late(scope: tuple[Actor, int] = Scope, start: date = Query(), end: date = Query(),
                    limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10**6)) -> LatePageOut:
    """Activities of the period entered after their week's cut-off (P24.2)."""
    actor, tenant_id = scope
    items, total = st.late_entries(actor, tenant_id, start, end, limit=limit, offset=offset)
    return LatePageOut(items=[LateEntryOut(**asdict(x)) for x in items], total=total)


@router.get(T + "/statistics/late/export", response_class=Response,
            responses={200: {"content": {v: {} for v in TYPES.values()}}})
def statistics_late_export(scope: tuple[Actor, int] = Scope, start: date = Query(), end: date = Query(),
                           format: str = Query("csv", pattern="^(csv|xlsx|pdf)$"),
                           lang: str = Query("fr", pattern="^(fr|en|ar)$")) -> Response:
    actor, tenant_id = scope
    body = st.export_late(actor, tenant_id, start, end, fmt=format, lang=lang)
    name = f"saisies-tardives-{start.isoformat()}-{end.isoformat()}.{format}"
    return Response(body, media_type=TYPES[format], headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(T + "/reporting-settings", response_model=ReportingSettingsIO)
def reporting_settings(scope: tuple[Actor, int] = Scope) -> ReportingSettingsIO:
    actor, tenant_id = scope
    v = get_reporting_settings(actor, tenant_id)
    return ReportingSettingsIO(cutoff_weekday=v.cutoff_weekday, meeting_weekday=v.meeting_weekday,
                               host_recipients=list(v.host_recipients))


@router.put(T + "/reporting-settings", response_model=ReportingSettingsIO)
def update_reporting_settings(body: dict, scope: tuple[Actor, int] = Scope) -> ReportingSettingsIO:
    """The weekly cut-off, the meeting day and the host institution's addresses (the manager).
    The body is checked by the service (codes invalid_weekday, cutoff_after_meeting, invalid_email)."""
    actor, tenant_id = scope
    v = do_update_reporting_settings(actor, tenant_id, body)
    return ReportingSettingsIO(cutoff_weekday=v.cutoff_weekday, meeting_weekday=v.meeting_weekday,
                               host_recipients=list(v.host_recipients))


@router.get(T + "/dashboard", response_model=DashboardOut)
def dashboard(scope: tuple[Actor, int] = Scope, start: date | None = Query(None), end: date | None = Query(None),
              unit: str = Query("month", pattern="^(week|month)$")) -> DashboardOut:
    """The charts' data: activity over time, plan vs actual (the validated plan of the current
    academic year), satisfaction, sourcing results. Without dates: the current academic year."""
    actor, tenant_id = scope
    d = dash.dashboard(actor, tenant_id, start=start, end=end, unit=unit)
    return DashboardOut(**asdict(d))


def _attachment(body: bytes, fmt: str, name: str) -> Response:
    return Response(body, media_type=TYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(T + "/dashboard/export", response_class=Response,
            responses={200: {"content": {v: {} for v in TYPES.values()}}})
def dashboard_export(scope: tuple[Actor, int] = Scope, start: date | None = Query(None),
                     end: date | None = Query(None), unit: str = Query("month", pattern="^(week|month)$"),
                     format: str = Query("csv", pattern="^(csv|xlsx|pdf)$"),
                     lang: str = Query("fr", pattern="^(fr|en|ar)$")) -> Response:
    """The dashboard's series as a file: one section (PDF) or sheet (XLSX) per chart; a CSV
    holds one row per value (series, period, indicator, value, target)."""
    actor, tenant_id = scope
    body = dx.export_dashboard(actor, tenant_id, fmt=format, lang=lang, start=start, end=end, unit=unit)
    span = f"-{start.isoformat()}-{end.isoformat()}" if start and end else ""
    return _attachment(body, format, f"tableau-de-bord{span}.{format}")


class FigureOut(BaseModel):
    name: str = Field(description="the centre; empty for the network's totals")
    total: int
    visits: int
    workshops: int
    events: int
    sessions: int
    attendance: int
    students: int


class FiguresOut(BaseModel):
    start: date
    end: date
    centres: list[FigureOut]
    network: FigureOut


@router.get("/network/figures", response_model=FiguresOut)
def figures(start: date = Query(), end: date = Query(), actor: Actor = Depends(current_actor)) -> FiguresOut:
    """Every centre's headline figures and the network's totals (network admins)."""
    rows, total = dx.figures(actor, start, end)
    fields = ("name", "total", "visits", "workshops", "events", "sessions", "attendance", "students")
    return FiguresOut(start=start, end=end, centres=[FigureOut(**{f: getattr(r, f) for f in fields}) for r in rows],
                      network=FigureOut(**{f: getattr(total, f) for f in fields}))


@router.get("/network/figures/export", response_class=Response,
            responses={200: {"content": {v: {} for v in TYPES.values()}}})
def figures_export(start: date = Query(), end: date = Query(), actor: Actor = Depends(current_actor),
                   format: str = Query("csv", pattern="^(csv|xlsx|pdf)$"),
                   lang: str = Query("fr", pattern="^(fr|en|ar)$")) -> Response:
    body = dx.export_figures(actor, start, end, fmt=format, lang=lang)
    return _attachment(body, format, f"chiffres-reseau-{start.isoformat()}-{end.isoformat()}.{format}")
