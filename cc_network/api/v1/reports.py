"""Reports over REST (P03.3, P25, P26; M44-M46): weekly individual reports, the weekly summary,
the monthly, semester and annual reports; editing drafts, validation (in a meeting), sending to
the host institution, new versions, assigned sections and exports. Every route calls
workflows.reporting.reports, which checks permission, centre and who may see which report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from workflows.reporting import reports as rep

router = APIRouter(tags=["reports"], responses=ERROR_RESPONSES)
T = "/tenants/{tenant}"
Scope = Depends(actor_in_tenant)
ReportId = Path(ge=1, le=MAX_ID)
KIND_PATTERN = "^(" + "|".join(rep.KINDS) + ")$"


class ReportSummaryOut(BaseModel):
    id: int
    kind: str
    period_start: date
    period_end: date = Field(description="inclusive")
    member_membership_id: int | None = Field(description="the member of a weekly individual report")
    member_name: str
    version_no: int
    status: str = Field(description="draft, validated or sent")
    title: str
    due_on: date | None = Field(description="weekly individual reports: the day before the coordination meeting")
    late: bool
    created_at: datetime
    validated_at: datetime | None
    sent_at: datetime | None
    versions: int = Field(description="how many versions the archive holds")


class SectionOut(BaseModel):
    key: str
    title: str
    body: str


class BudgetLineOut(BaseModel):
    label: str
    planned: float
    spent: float
    currency: str


class AssignedSectionOut(BaseModel):
    id: int
    report_id: int
    key: str
    title: str
    assignee_membership_id: int | None
    assignee_name: str
    body: str
    status: str = Field(description="assigned or written")
    updated_at: datetime


class ReportOut(ReportSummaryOut):
    figures: dict[str, Any] = Field(description="the snapshot taken when the version was made")
    sections: list[SectionOut]
    budget: list[BudgetLineOut]
    author_name: str
    validated_by_name: str
    meeting_id: int | None = Field(description="the meeting record it was validated in")
    sent_to: list[str]
    assigned: list[AssignedSectionOut]
    history: list[ReportSummaryOut] = Field(description="every version the caller may see, newest first")


class CreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(pattern=KIND_PATTERN)
    period_start: date = Field(description="any day of the week, month, semester or academic year")


class SectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(max_length=40)
    body: str = Field("", max_length=rep.BODY_MAX)


class BudgetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(max_length=200)
    planned: float = Field(0, ge=0)
    spent: float = Field(0, ge=0)
    currency: str = Field("MAD", min_length=3, max_length=3)


class EditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sections: list[SectionIn] | None = Field(None, max_length=40)
    budget: list[BudgetIn] | None = Field(None, max_length=rep.BUDGET_MAX_LINES)


class ValidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meeting_id: int | None = Field(None, ge=1, le=MAX_ID, description="the meeting record it is validated in")


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(max_length=40)
    assignee_membership_id: int = Field(ge=1, le=MAX_ID)


class WriteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(max_length=rep.BODY_MAX)


def _summary(v: rep.ReportView) -> ReportSummaryOut:
    return ReportSummaryOut(
        id=v.id, kind=v.kind, period_start=v.period_start, period_end=v.period_end,
        member_membership_id=v.member_membership_id, member_name=v.member_name, version_no=v.version_no,
        status=v.status, title=v.title, due_on=v.due_on, late=v.late, created_at=v.created_at,
        validated_at=v.validated_at, sent_at=v.sent_at, versions=v.versions)


def _section(x: rep.AssignedSection) -> AssignedSectionOut:
    return AssignedSectionOut(**vars(x))


def _out(d: rep.ReportDetail) -> ReportOut:
    return ReportOut(
        **_summary(d).model_dump(), figures=d.figures,
        sections=[SectionOut(key=str(x.get("key", "")), title=str(x.get("title", "")), body=str(x.get("body", "")))
                  for x in d.sections],
        budget=[BudgetLineOut(label=str(b.get("label", "")), planned=float(b.get("planned") or 0),
                              spent=float(b.get("spent") or 0), currency=str(b.get("currency", "")))
                for b in d.budget],
        author_name=d.author_name, validated_by_name=d.validated_by_name, meeting_id=d.meeting_id,
        sent_to=d.sent_to, assigned=[_section(x) for x in d.assigned], history=[_summary(h) for h in d.history])


@router.get(T + "/reports", response_model=list[ReportSummaryOut])
def list_reports(kind: str | None = Query(None, pattern=KIND_PATTERN),
                 mine: bool = Query(False, description="only the caller's weekly individual reports"),
                 period: date | None = Query(None, description="the reports whose period holds this day"),
                 scope: tuple[Actor, int] = Scope) -> list[ReportSummaryOut]:
    """The latest version of each report the caller may see, newest period first."""
    actor, tenant_id = scope
    return [_summary(v) for v in rep.list_reports(actor, tenant_id, kind=kind, mine=mine, day=period)]


@router.post(T + "/reports", response_model=ReportOut, status_code=201)
def create_report(body: CreateIn, scope: tuple[Actor, int] = Scope) -> ReportOut:
    """A weekly individual report (the caller's own) or, for the manager, a centre's report of
    a period that has ended (weekly: started)."""
    actor, tenant_id = scope
    return _out(rep.do_create_report(actor, tenant_id, body.kind, body.period_start))


@router.get(T + "/reports/{report_id}", response_model=ReportOut)
def get_report(report_id: int = ReportId, scope: tuple[Actor, int] = Scope) -> ReportOut:
    actor, tenant_id = scope
    return _out(rep.get_report(actor, tenant_id, report_id))


@router.put(T + "/reports/{report_id}", response_model=ReportOut)
def update_report(body: EditIn, report_id: int = ReportId, scope: tuple[Actor, int] = Scope) -> ReportOut:
    """Sections (by key) and budget of a draft; a validated version answers 409 report_validated."""
    actor, tenant_id = scope
    return _out(rep.do_update_report(actor, tenant_id, report_id, body.model_dump(exclude_none=True)))


@router.post(T + "/reports/{report_id}/validate", response_model=ReportOut)
def validate_report(report_id: int = ReportId, body: ValidateIn | None = Body(None),
                    scope: tuple[Actor, int] = Scope) -> ReportOut:
    actor, tenant_id = scope
    return _out(rep.do_validate_report(actor, tenant_id, report_id, meeting_id=body.meeting_id if body else None))


@router.post(T + "/reports/{report_id}/send", response_model=ReportOut)
def send_report(report_id: int = ReportId, scope: tuple[Actor, int] = Scope) -> ReportOut:
    """E-mail the validated report (PDF) to the host institution."""
    actor, tenant_id = scope
    return _out(rep.do_send_report(actor, tenant_id, report_id))


@router.post(T + "/reports/{report_id}/new-version", response_model=ReportOut, status_code=201)
def new_version(report_id: int = ReportId, scope: tuple[Actor, int] = Scope) -> ReportOut:
    actor, tenant_id = scope
    return _out(rep.do_new_version(actor, tenant_id, report_id))


@router.post(T + "/reports/{report_id}/assignments", response_model=ReportOut)
def assign_section(body: AssignIn, report_id: int = ReportId, scope: tuple[Actor, int] = Scope) -> ReportOut:
    """Give a section of a draft semester or annual report to a member to write."""
    actor, tenant_id = scope
    return _out(rep.do_assign_section(actor, tenant_id, report_id, body.key, body.assignee_membership_id))


@router.put(T + "/report-sections/{section_id}", response_model=AssignedSectionOut)
def write_section(body: WriteIn, section_id: int = Path(ge=1, le=MAX_ID),
                  scope: tuple[Actor, int] = Scope) -> AssignedSectionOut:
    actor, tenant_id = scope
    return _section(rep.do_write_section(actor, tenant_id, section_id, body.body))


@router.get(T + "/reports/{report_id}/export", response_class=Response,
            responses={200: {"content": {t: {} for t in rep.EXPORT_TYPES.values()}}})
def export_report(report_id: int = ReportId, format: str = Query("pdf", pattern="^(pdf|xlsx|csv)$"),
                  lang: str = Query("fr", pattern="^(fr|en|ar)$"), scope: tuple[Actor, int] = Scope) -> Response:
    """The report as PDF, XLSX or CSV, in French, English or Arabic (right to left)."""
    actor, tenant_id = scope
    body, name, ctype = rep.export_report(actor, tenant_id, report_id, format, lang)
    return Response(body, media_type=ctype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
