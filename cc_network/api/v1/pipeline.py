"""The sourcing pipeline over REST (P22): staff search students, keep a need's shortlist,
send candidates for preparation and their profiles to the company, follow the sendings and
the metrics; a company contact (their bearer token) reads the candidates sent for their
company's need and records outcomes. The secure link a company receives by e-mail also
serves the files (the PDF bundle, a profile's page, the CVs) under /api/v1/shared/…: the
secret is the only key there, every opening is logged. Every route calls
tenants.sourcing.pipeline / search; the rules live there."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cc_network.api.deps import SESSION_COOKIE, actor_in_tenant
from cc_network.api.errors import detailed_errors
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID, Page
from tenants.auth.services import session_actor
from tenants.core.actor import Actor
from tenants.portal.profiles.models import Level
from tenants.sourcing.pipeline import services as pipe
from tenants.sourcing.search import services as search

router = APIRouter(tags=["sourcing pipeline"], responses=ERROR_RESPONSES, route_class=detailed_errors("status"))
S = "/tenants/{tenant}/sourcing"
C = "/tenants/{tenant}/company"
Scope = Depends(actor_in_tenant)


def Id() -> int:  # noqa: N802  (a fresh Path per parameter: FastAPI keeps the name on it)
    return Path(ge=1, le=MAX_ID)


PDF = "application/pdf"
MAX_LIST = 200


# ---------------------------------------------------------------- schemas

class StudentHitOut(BaseModel):
    membership_id: int
    full_name: str
    field: str
    level: str
    establishment: str
    graduation_year: int | None
    skills: list[str]
    languages: list[str]
    consent: bool = Field(description="the student's latest consent to share with companies")
    in_shortlist: bool = Field(description="already on the shortlist of the need given as need_id")
    score: float


class EntryOut(BaseModel):
    id: int
    need_id: int
    student_membership_id: int
    student_name: str
    field: str
    level: str
    establishment: str
    graduation_year: int | None
    skills: list[str]
    origin: str
    note: str
    rank: int | None
    status: str
    consent: bool
    preparer_membership_id: int | None
    booking_id: int | None
    registration_id: int | None
    outcome: str
    outcome_note: str
    outcome_at: datetime | None
    added_by: str
    created_at: datetime


class ShortlistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    student_membership_id: int = Field(ge=1, le=MAX_ID)
    note: str = Field("", max_length=2000)


class EntryPatch(BaseModel):
    """The note (sourcing staff); rank and status need the business developer's permission."""

    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=2000)
    rank: int | None = Field(None, ge=1, le=10000)
    status: Literal["proposed", "selected", "excluded"] | None = None


class RankingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entry_ids: list[int] = Field(max_length=500, description="the candidates in order; the others lose their rank")


class CandidateOut(BaseModel):
    membership_id: int
    full_name: str
    field: str
    level: str
    establishment: str
    consent: bool
    in_shortlist: bool
    score: float
    reasons: list[str]


class PreparationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entry_ids: list[int] = Field(min_length=1, max_length=200)
    counselor_membership_id: int = Field(ge=1, le=MAX_ID)
    kind: Literal["session", "workshop"]
    starts_at: AwareDatetime | None = Field(None, description="session: the counselor's slot")
    event_id: int | None = Field(None, ge=1, le=MAX_ID, description="workshop: the activity")


class SendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entry_ids: list[int] = Field(min_length=1, max_length=200)
    valid_days: int = Field(14, ge=1, le=90)


class SkippedOut(BaseModel):
    entry_id: int
    student_name: str
    reason: str


class SendOut(BaseModel):
    share_id: int
    included: list[int]
    skipped: list[SkippedOut] = Field(description="candidates left out: no current consent")
    recipients: list[str]
    expires_at: datetime
    pdf_attached: bool


class ViewLogOut(BaseModel):
    at: datetime
    kind: str
    student_name: str
    viewer: str
    ip: str


class ShareOut(BaseModel):
    id: int
    need_id: int
    company_id: int
    company_name: str
    sent_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    sent_by: str
    students: list[str]
    views: list[ViewLogOut]


class FillRateOut(BaseModel):
    key: str
    positions: int
    hired: int
    rate: float


class MetricsOut(BaseModel):
    median_days_to_shortlist: float | None
    needs_shortlisted: int
    by_company: list[FillRateOut]
    by_sector: list[FillRateOut]


class SharedProfileOut(BaseModel):
    entry_id: int
    student_membership_id: int
    full_name: str
    field: str
    track: str
    level: str
    establishment: str
    graduation_year: int | None
    graduation_month: int | None
    languages: list[str]
    skills: list[str]
    experiences: list[dict]
    has_cv: bool
    outcome: str
    outcome_note: str


class SharedProfilesOut(BaseModel):
    share_id: int
    need_title: str
    company_name: str
    centre_name: str
    sent_at: datetime
    expires_at: datetime
    profiles: list[SharedProfileOut]


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["contacted", "interview", "hired", "not_retained"]
    note: str = Field("", max_length=2000)


def _entry(v: pipe.EntryView) -> EntryOut:
    return EntryOut.model_validate(asdict(v))


def _share(v: pipe.ShareView) -> ShareOut:
    return ShareOut.model_validate(asdict(v))


def _profiles(v: pipe.SharedProfiles) -> SharedProfilesOut:
    return SharedProfilesOut(share_id=v.share_id, need_title=v.need_title, company_name=v.company_name,
                             centre_name=v.centre_name, sent_at=v.sent_at, expires_at=v.expires_at,
                             profiles=[SharedProfileOut.model_validate(asdict(p)) for p in v.profiles])


def _rate(r: pipe.FillRate) -> FillRateOut:
    return FillRateOut(key=r.key, positions=r.positions, hired=r.hired, rate=round(r.rate, 4))


def _file(filename: str, body: bytes) -> Response:
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "") or "document.pdf"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=PDF, headers={"Content-Disposition": disposition,
                                                   "X-Content-Type-Options": "nosniff",
                                                   "Cache-Control": "private, no-store",
                                                   "Referrer-Policy": "no-referrer"})


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


# ---------------------------------------------------------------- staff: search and shortlist

@router.get(S + "/students", response_model=Page[StudentHitOut])
def search_students(
    q: str = Query("", max_length=200, description="words of the profile (name, skills, experiences…)"),
    field_id: int | None = Query(None, ge=1, le=MAX_ID),
    level: Level | None = None,
    establishment_id: int | None = Query(None, ge=1, le=MAX_ID),
    graduation_year: int | None = Query(None, ge=1980, le=2100),
    language: str = Query("", max_length=60),
    consent_only: bool = False,
    need_id: int | None = Query(None, ge=1, le=MAX_ID, description="mark who is on this need's shortlist"),
    page: int = Query(1, ge=1, le=10000),
    per_page: int = Query(20, ge=1, le=100),
    scope: tuple[Actor, int] = Scope,
) -> Page[StudentHitOut]:
    actor, tenant_id = scope
    filters = {"field_id": field_id, "level": level, "establishment_id": establishment_id,
               "graduation_year": graduation_year, "language": language, "consent_only": consent_only,
               "need_id": need_id}
    res = search.search_students(actor, tenant_id, q, filters, page, per_page)
    items = [StudentHitOut.model_validate(asdict(h)) for h in res.rows]
    return Page[StudentHitOut](items=items, page=res.page, per_page=res.per_page, total=res.total,
                               next_page=res.page + 1 if res.page < res.pages else None)


@router.get(S + "/needs/{need_id}/candidates", response_model=list[CandidateOut])
def need_candidates(need_id: int = Id(), limit: int = Query(50, ge=1, le=MAX_LIST),
                    scope: tuple[Actor, int] = Scope) -> list[CandidateOut]:
    """Students scored against the need, best first, with the reasons of each score."""
    actor, tenant_id = scope
    return [CandidateOut.model_validate(asdict(c)) for c in pipe.rank_candidates(actor, tenant_id, need_id, limit)]


@router.get(S + "/needs/{need_id}/shortlist", response_model=list[EntryOut])
def shortlist(need_id: int = Id(), scope: tuple[Actor, int] = Scope) -> list[EntryOut]:
    actor, tenant_id = scope
    return [_entry(v) for v in pipe.list_shortlist(actor, tenant_id, need_id)]


@router.post(S + "/needs/{need_id}/shortlist", response_model=EntryOut, status_code=201)
def add_to_shortlist(body: ShortlistIn, need_id: int = Id(), scope: tuple[Actor, int] = Scope) -> EntryOut:
    """Add a student (again: the existing entry is answered)."""
    actor, tenant_id = scope
    return _entry(pipe.do_shortlist(actor, tenant_id, need_id, body.student_membership_id, body.note))


@router.patch(S + "/shortlist/{entry_id}", response_model=EntryOut)
def update_entry(body: EntryPatch, entry_id: int = Id(), scope: tuple[Actor, int] = Scope) -> EntryOut:
    actor, tenant_id = scope
    return _entry(pipe.do_update_entry(actor, tenant_id, entry_id, body.model_dump(exclude_unset=True)))


@router.delete(S + "/shortlist/{entry_id}", status_code=204, response_class=Response)
def remove_entry(entry_id: int = Id(), scope: tuple[Actor, int] = Scope) -> Response:
    actor, tenant_id = scope
    pipe.do_remove_entry(actor, tenant_id, entry_id)
    return Response(status_code=204)


@router.put(S + "/needs/{need_id}/ranking", response_model=list[EntryOut])
def rank(body: RankingIn, need_id: int = Id(), scope: tuple[Actor, int] = Scope) -> list[EntryOut]:
    actor, tenant_id = scope
    return [_entry(v) for v in pipe.do_rank(actor, tenant_id, need_id, body.entry_ids)]


@router.post(S + "/preparation", response_model=list[EntryOut])
def send_for_preparation(body: PreparationIn, scope: tuple[Actor, int] = Scope) -> list[EntryOut]:
    """A session booked with the counselor (one candidate) or a workshop registration."""
    actor, tenant_id = scope
    return [_entry(v) for v in pipe.do_send_for_preparation(
        actor, tenant_id, body.entry_ids, counselor_membership_id=body.counselor_membership_id, kind=body.kind,
        starts_at=body.starts_at, event_id=body.event_id)]


@router.post(S + "/shortlist/{entry_id}/prepared", response_model=EntryOut)
def mark_prepared(entry_id: int = Id(), scope: tuple[Actor, int] = Scope) -> EntryOut:
    actor, tenant_id = scope
    return _entry(pipe.do_mark_prepared(actor, tenant_id, entry_id))


# ---------------------------------------------------------------- staff: sendings and metrics

@router.post(S + "/needs/{need_id}/sendings", response_model=SendOut, status_code=201)
def send_profiles(body: SendIn, need_id: int = Id(), scope: tuple[Actor, int] = Scope) -> SendOut:
    """Only the students who consent now are sent; the others come back in `skipped`."""
    actor, tenant_id = scope
    r = pipe.do_send_profiles(actor, tenant_id, need_id, body.entry_ids, valid_days=body.valid_days)
    return SendOut(share_id=r.share_id, included=list(r.included),
                   skipped=[SkippedOut.model_validate(asdict(x)) for x in r.skipped],
                   recipients=list(r.recipients), expires_at=r.expires_at, pdf_attached=r.pdf_attached)


@router.get(S + "/needs/{need_id}/sendings", response_model=list[ShareOut])
def sendings(need_id: int = Id(), scope: tuple[Actor, int] = Scope) -> list[ShareOut]:
    """The need's sendings with the log of every view by the company."""
    actor, tenant_id = scope
    return [_share(v) for v in pipe.list_shares(actor, tenant_id, need_id)]


@router.post(S + "/sendings/{share_id}/revoke", response_model=ShareOut)
def revoke_sending(share_id: int = Id(), scope: tuple[Actor, int] = Scope) -> ShareOut:
    actor, tenant_id = scope
    return _share(pipe.do_revoke_share(actor, tenant_id, share_id))


@router.get(S + "/metrics", response_model=MetricsOut)
def metrics(scope: tuple[Actor, int] = Scope) -> MetricsOut:
    actor, tenant_id = scope
    m = pipe.pipeline_metrics(actor, tenant_id)
    return MetricsOut(median_days_to_shortlist=m.median_days_to_shortlist, needs_shortlisted=m.needs_shortlisted,
                      by_company=[_rate(r) for r in m.by_company], by_sector=[_rate(r) for r in m.by_sector])


# ---------------------------------------------------------------- company contact

@router.get(C + "/needs/{need_id}/candidates", response_model=list[SharedProfileOut])
def company_candidates(need_id: int = Id(), scope: tuple[Actor, int] = Scope) -> list[SharedProfileOut]:
    """The profiles sent for the company's need that it may still see (open sendings, the
    student still consenting)."""
    actor, tenant_id = scope
    return [SharedProfileOut.model_validate(asdict(p)) for p in pipe.company_candidates(actor, tenant_id, need_id)]


@router.post(C + "/candidates/{entry_id}/outcome", response_model=SharedProfileOut)
def record_outcome(body: OutcomeIn, entry_id: int = Id(), scope: tuple[Actor, int] = Scope) -> SharedProfileOut:
    actor, tenant_id = scope
    return SharedProfileOut.model_validate(asdict(pipe.do_record_outcome(actor, tenant_id, entry_id, body.outcome,
                                                                         body.note)))


@router.get(C + "/shares/{share_id}", response_model=SharedProfilesOut)
def company_share(request: Request, share_id: int = Id(), scope: tuple[Actor, int] = Scope) -> SharedProfilesOut:
    actor, tenant_id = scope
    return _profiles(pipe.share_for_company(actor, tenant_id, share_id, ip=_ip(request)))


@router.get(C + "/shares/{share_id}/pdf", response_class=Response, responses={200: {"content": {PDF: {}}}})
def company_share_pdf(request: Request, share_id: int = Id(), scope: tuple[Actor, int] = Scope) -> Response:
    actor, tenant_id = scope
    return _file(*pipe.company_share_file(actor, tenant_id, share_id, "pdf", ip=_ip(request)))


@router.get(C + "/shares/{share_id}/students/{student_id}/cv", response_class=Response,
            responses={200: {"content": {PDF: {}}}})
def company_share_cv(request: Request, share_id: int = Id(), student_id: int = Id(),
                     scope: tuple[Actor, int] = Scope) -> Response:
    actor, tenant_id = scope
    return _file(*pipe.company_share_file(actor, tenant_id, share_id, "cv", student_id, ip=_ip(request)))


@router.get(C + "/shares/{share_id}/students/{student_id}/profile", response_class=Response,
            responses={200: {"content": {PDF: {}}}})
def company_share_profile(request: Request, share_id: int = Id(), student_id: int = Id(),
                          scope: tuple[Actor, int] = Scope) -> Response:
    """One candidate's page of the bundle."""
    actor, tenant_id = scope
    return _file(*pipe.company_share_file(actor, tenant_id, share_id, "profile", student_id, ip=_ip(request)))


# ---------------------------------------------------------------- the secure link



def Secret() -> str:  # noqa: N802
    return Query(min_length=10, max_length=200, description="the secret of the link the company received")



def _viewer(request: Request) -> Actor | None:
    return session_actor(request.cookies.get(SESSION_COOKIE))


@router.get("/shared/profiles", response_model=SharedProfilesOut)
def shared_profiles(request: Request, t: str = Secret()) -> SharedProfilesOut:
    """The profiles behind a secure link (expired, withdrawn or unknown: 404 link_expired)."""
    return _profiles(pipe.open_share(t, viewer=_viewer(request), ip=_ip(request)))


@router.get("/shared/profiles/pdf", response_class=Response, responses={200: {"content": {PDF: {}}}})
def shared_pdf(request: Request, t: str = Secret()) -> Response:
    return _file(*pipe.shared_file(t, "pdf", viewer=_viewer(request), ip=_ip(request)))


@router.get("/shared/profiles/{student_id}/cv", response_class=Response, responses={200: {"content": {PDF: {}}}})
def shared_cv(request: Request, student_id: int = Id(), t: str = Secret()) -> Response:
    return _file(*pipe.shared_file(t, "cv", student_id, viewer=_viewer(request), ip=_ip(request)))


@router.get("/shared/profiles/{student_id}/profile", response_class=Response,
            responses={200: {"content": {PDF: {}}}})
def shared_profile_page(request: Request, student_id: int = Id(), t: str = Secret()) -> Response:
    return _file(*pipe.shared_file(t, "profile", student_id, viewer=_viewer(request), ip=_ip(request)))
