"""Revising procedures over REST (issue 6 §5, P31): a procedure's versions, drafts edited,
submitted for the weekly meeting's review, approved and published; the diff between two
versions; incidents logged and decided. Every route calls workflows.procedures.revisions,
which checks the permission and the centre."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from workflows.procedures import revisions as rev

router = APIRouter(tags=["procedures"], responses=ERROR_RESPONSES)
T = "/tenants/{tenant}"
Scope = Depends(actor_in_tenant)
Code = Path(pattern=r"^P\d{2}$", description="P01 … P31")
VersionNo = Path(ge=1, le=10000, description="the version number (1: the book's)")
VersionId = Path(ge=1, le=MAX_ID, description="a stored version's id (drafts and the centre's own versions)")
IncidentId = Path(ge=1, le=MAX_ID)
MAX_PER_PAGE = 100


class VersionOut(BaseModel):
    id: int = Field(description="0 for the book's version 1, which is not stored")
    code: str
    version: int
    status: str = Field(description="draft, in_review, published or retired")
    title: str
    steps: int
    change_note: str
    created_by_name: str
    approved_by_name: str
    created_at: datetime | None
    published_at: datetime | None
    incident_ids: list[int]


class VersionDetailOut(VersionOut):
    definition: dict[str, Any] = Field(description="the procedure definition (workflows/procedures/schema.py)")


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incident_ids: list[int] = Field(default_factory=list, max_length=100,
                                    description="accepted incidents this revision answers")


class DefinitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    definition: dict[str, Any]


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    change_note: str = Field(max_length=2000)


class DiffLineOut(BaseModel):
    step: int | None = Field(description="null: the procedure itself")
    field: str = Field(description='"step" when the step was added (before "") or removed (after "")')
    before: str
    after: str


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(None, pattern=r"^P\d{2}$", description="the procedure concerned; null: a missing one")
    description: str = Field(max_length=4000)
    meeting_id: int | None = Field(None, ge=1, le=MAX_ID, description="the monthly meeting (a calendar event)")


class DecideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept: bool
    note: str = Field(max_length=4000)


class IncidentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str | None
    description: str
    status: str = Field(description="open, accepted, dismissed or addressed")
    raised_by_name: str
    raised_at: datetime
    meeting_id: int | None
    decision_note: str
    decided_at: datetime | None
    version_id: int | None


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    page: int
    per_page: int
    total: int
    next_page: int | None


def _version(v: rev.VersionView) -> VersionOut:
    return VersionOut(id=v.id, code=v.code, version=v.version, status=v.status, title=v.title, steps=v.steps,
                      change_note=v.change_note, created_by_name=v.created_by_name,
                      approved_by_name=v.approved_by_name, created_at=v.created_at, published_at=v.published_at,
                      incident_ids=list(v.incident_ids))


def _detail(v: rev.VersionView) -> VersionDetailOut:
    return VersionDetailOut(**_version(v).model_dump(), definition=v.definition)


@router.get(T + "/procedures/{code}/versions", response_model=list[VersionOut])
def list_versions(code: str = Code, scope: tuple[Actor, int] = Scope) -> list[VersionOut]:
    actor, tenant_id = scope
    return [_version(v) for v in rev.list_versions(actor, tenant_id, code)]


@router.get(T + "/procedures/{code}/versions/{version_no}", response_model=VersionDetailOut)
def get_version(code: str = Code, version_no: int = VersionNo, scope: tuple[Actor, int] = Scope) -> VersionDetailOut:
    actor, tenant_id = scope
    return _detail(rev.get_version(actor, tenant_id, code, version_no))


@router.get(T + "/procedures/{code}/diff", response_model=list[DiffLineOut])
def diff(code: str = Code, a: int = Query(ge=1, le=10000), b: int = Query(ge=1, le=10000),
         scope: tuple[Actor, int] = Scope) -> list[DiffLineOut]:
    actor, tenant_id = scope
    return [DiffLineOut(step=x.step, field=x.field, before=x.before, after=x.after)
            for x in rev.diff_versions(actor, tenant_id, code, a, b)]


@router.post(T + "/procedures/{code}/drafts", response_model=VersionDetailOut, status_code=201)
def create_draft(body: DraftIn, code: str = Code, scope: tuple[Actor, int] = Scope) -> VersionDetailOut:
    actor, tenant_id = scope
    return _detail(rev.do_create_draft(actor, tenant_id, code, incident_ids=list(body.incident_ids)))


@router.put(T + "/procedure-versions/{version_id}", response_model=VersionDetailOut)
def update_draft(body: DefinitionIn, version_id: int = VersionId, scope: tuple[Actor, int] = Scope) -> VersionDetailOut:
    actor, tenant_id = scope
    return _detail(rev.do_update_draft(actor, tenant_id, version_id, body.definition))


@router.post(T + "/procedure-versions/{version_id}/submit", response_model=VersionOut)
def submit_draft(version_id: int = VersionId, scope: tuple[Actor, int] = Scope) -> VersionOut:
    actor, tenant_id = scope
    return _version(rev.do_submit_draft(actor, tenant_id, version_id))


@router.post(T + "/procedure-versions/{version_id}/publish", response_model=VersionOut)
def publish(body: PublishIn, version_id: int = VersionId, scope: tuple[Actor, int] = Scope) -> VersionOut:
    actor, tenant_id = scope
    return _version(rev.do_approve_and_publish(actor, tenant_id, version_id, change_note=body.change_note))


@router.post(T + "/procedure-incidents", response_model=IncidentOut, status_code=201)
def log_incident(body: IncidentIn, scope: tuple[Actor, int] = Scope) -> IncidentOut:
    actor, tenant_id = scope
    return IncidentOut.model_validate(rev.do_log_incident(actor, tenant_id, code=body.code,
                                                          description=body.description, meeting_id=body.meeting_id))


@router.get(T + "/procedure-incidents", response_model=IncidentPage)
def list_incidents(status: str | None = Query(None, pattern="^(open|accepted|dismissed|addressed)$"),
                   page: int = Query(1, ge=1, le=100000), per_page: int = Query(25, ge=1, le=MAX_PER_PAGE),
                   scope: tuple[Actor, int] = Scope) -> IncidentPage:
    actor, tenant_id = scope
    items, total = rev.list_incidents(actor, tenant_id, status=status, page=page, per_page=per_page)
    return IncidentPage(items=[IncidentOut.model_validate(i) for i in items], page=page, per_page=per_page,
                        total=total, next_page=page + 1 if page * per_page < total else None)


@router.post(T + "/procedure-incidents/{incident_id}/decide", response_model=IncidentOut)
def decide_incident(body: DecideIn, incident_id: int = IncidentId, scope: tuple[Actor, int] = Scope) -> IncidentOut:
    actor, tenant_id = scope
    return IncidentOut.model_validate(rev.do_decide_incident(actor, tenant_id, incident_id, accept=body.accept,
                                                             note=body.note))
