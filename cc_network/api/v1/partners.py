"""The partner map and contacts (BD01) over REST, for staff: companies, people, the history of
interactions, merging duplicates, and company access to the company portal (invitations and
access requests). Reading needs partner.view, writing partner.manage. Every route calls a
service (tenants/sourcing/partners)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.errors import detailed_errors
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID, Page
from tenants.core.actor import Actor
from tenants.sourcing.partners import access
from tenants.sourcing.partners import services as svc
from tenants.sourcing.partners.models import CompanySize, InteractionKind, PersonKind, Relationship

# a duplicate names the existing row, so a client can open it instead
router = APIRouter(tags=["partners and contacts"], responses=ERROR_RESPONSES,
                   route_class=detailed_errors("existing_id", "existing_name"))
T = "/tenants/{tenant}/partners"
Scope = Depends(actor_in_tenant)
CompanyId = Path(ge=1, le=MAX_ID)
PersonId = Path(ge=1, le=MAX_ID)
RequestId = Path(ge=1, le=MAX_ID)
PerPage = Query(50, ge=1, le=svc.MAX_PAGE)
PageNo = Query(1, ge=1, le=100000)


# ---------------------------------------------------------------- schemas

class CompanyOut(BaseModel):
    id: int
    name: str
    sector: str
    size: str = Field(description=f"empty, or one of: {', '.join(s.value for s in CompanySize)}")
    city: str
    website: str
    relationship: str = Field(description=f"one of: {', '.join(r.value for r in Relationship)}")
    key_partner: bool
    notes: str
    people: int = Field(description="contacts linked to the company")
    created_at: datetime
    updated_at: datetime


class CompanyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=400)
    sector: str = Field("", max_length=400)
    size: str = Field("", max_length=20)
    city: str = Field("", max_length=400)
    website: str = Field("", max_length=600)
    relationship: str = Field(Relationship.PROSPECT.value, max_length=20)
    key_partner: bool = False
    notes: str = Field("", max_length=8000)
    allow_duplicate: bool = Field(False, description="create it even if a company of this name exists")


class CompanyPatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=400)
    sector: str | None = Field(None, max_length=400)
    size: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=400)
    website: str | None = Field(None, max_length=600)
    relationship: str | None = Field(None, max_length=20)
    key_partner: bool | None = None
    notes: str | None = Field(None, max_length=8000)
    allow_duplicate: bool = False


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    merge_id: int = Field(ge=1, le=MAX_ID, description="the duplicate, merged into the company of the path")


class PersonOut(BaseModel):
    id: int
    full_name: str
    kind: str = Field(description=f"one of: {', '.join(k.value for k in PersonKind)}")
    email: str
    phone: str
    job_title: str
    company_id: int | None
    company_name: str
    notes: str
    has_access: bool = Field(description="signs in to the company portal")
    created_at: datetime


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full_name: str = Field(max_length=400)
    kind: str = Field(PersonKind.HR.value, max_length=20)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=60)
    job_title: str = Field("", max_length=300)
    company_id: int | None = Field(None, ge=1, le=MAX_ID)
    notes: str = Field("", max_length=8000)
    allow_duplicate: bool = False


class PersonPatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full_name: str | None = Field(None, max_length=400)
    kind: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=60)
    job_title: str | None = Field(None, max_length=300)
    company_id: int | None = Field(None, ge=1, le=MAX_ID, description="null: no company")
    notes: str | None = Field(None, max_length=8000)
    allow_duplicate: bool = False


class InteractionOut(BaseModel):
    id: int
    company_id: int
    kind: str
    at: datetime
    summary: str
    person_id: int | None
    person_name: str
    by_name: str


class InteractionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=20, description=f"one of: {', '.join(k.value for k in InteractionKind)}")
    at: AwareDatetime | None = Field(None, description="default: now")
    summary: str = Field(max_length=8000)
    person_id: int | None = Field(None, ge=1, le=MAX_ID)


class NeedLineOut(BaseModel):
    id: int
    title: str
    kind: str
    positions: int
    status: str
    deadline: date
    received_at: datetime


class AccessRequestOut(BaseModel):
    id: int
    company_name: str
    full_name: str
    email: str
    phone: str
    job_title: str
    message: str
    status: str
    company_id: int | None
    requested_at: datetime
    handled_at: datetime | None
    rejection_reason: str


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company_id: int | None = Field(None, ge=1, le=MAX_ID,
                                   description="a company of the map; null: create one from the request's name")
    allow_duplicate: bool = False


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=2000)


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: int | None = Field(None, ge=1, le=MAX_ID, description="an existing contact; or name, e-mail, company")
    full_name: str = Field("", max_length=400)
    email: str = Field("", max_length=254)
    company_id: int | None = Field(None, ge=1, le=MAX_ID)
    job_title: str = Field("", max_length=300)


class InvitationOut(BaseModel):
    person_id: int
    company_id: int
    membership_id: int
    email: str
    new_account: bool = Field(description="false: the person had a password and was told to sign in")


def _page(model: type[BaseModel], res: svc.Page) -> Page:
    more = res.page * res.per_page < res.total
    return Page[model](items=[model.model_validate(asdict(x)) for x in res.items], page=res.page,
                       per_page=res.per_page, total=res.total, next_page=res.page + 1 if more else None)


# ---------------------------------------------------------------- companies

@router.get(T + "/companies", response_model=Page[CompanyOut])
def list_companies(q: str = Query("", max_length=200, description="words of the name"),
                   sector: str = Query("", max_length=150), city: str = Query("", max_length=100),
                   relationship: str = Query("", max_length=20), key_partner: bool | None = Query(None),
                   page: int = PageNo, per_page: int = PerPage, scope: tuple[Actor, int] = Scope) -> Page:
    """The partner map, by name; companies merged into another are left out."""
    actor, tenant_id = scope
    return _page(CompanyOut, svc.list_companies(actor, tenant_id, query=q, sector=sector, city=city,
                                                relationship=relationship, key_partner=key_partner,
                                                page=page, per_page=per_page))


@router.post(T + "/companies", response_model=CompanyOut, status_code=201)
def create_company(body: CompanyIn, scope: tuple[Actor, int] = Scope) -> CompanyOut:
    """409 duplicate_company (with `existing_id`) when the map has a company of this name,
    unless allow_duplicate."""
    actor, tenant_id = scope
    data = body.model_dump(exclude={"allow_duplicate"})
    return CompanyOut.model_validate(asdict(svc.do_create_company(actor, tenant_id, data,
                                                                  allow_duplicate=body.allow_duplicate)))


@router.get(T + "/companies/{company_id}", response_model=CompanyOut)
def get_company(company_id: int = CompanyId, scope: tuple[Actor, int] = Scope) -> CompanyOut:
    """A company merged into another answers the kept company (its `id` tells)."""
    actor, tenant_id = scope
    return CompanyOut.model_validate(asdict(svc.get_company(actor, tenant_id, company_id)))


@router.patch(T + "/companies/{company_id}", response_model=CompanyOut)
def update_company(body: CompanyPatchIn, company_id: int = CompanyId, scope: tuple[Actor, int] = Scope) -> CompanyOut:
    actor, tenant_id = scope
    data = body.model_dump(exclude_unset=True, exclude={"allow_duplicate"})
    return CompanyOut.model_validate(asdict(svc.do_update_company(actor, tenant_id, company_id, data,
                                                                  allow_duplicate=body.allow_duplicate)))


@router.post(T + "/companies/{company_id}/merge", response_model=CompanyOut)
def merge_company(body: MergeIn, company_id: int = CompanyId, scope: tuple[Actor, int] = Scope) -> CompanyOut:
    """Merge the duplicate `merge_id` into this company: people, interactions, job needs, offers
    and profile sendings move here; empty fields are filled from the duplicate."""
    actor, tenant_id = scope
    return CompanyOut.model_validate(asdict(svc.do_merge_companies(actor, tenant_id, company_id, body.merge_id)))


@router.get(T + "/companies/{company_id}/needs", response_model=list[NeedLineOut])
def company_needs(company_id: int = CompanyId, scope: tuple[Actor, int] = Scope) -> list[NeedLineOut]:
    actor, tenant_id = scope
    return [NeedLineOut.model_validate(asdict(n)) for n in svc.company_needs(actor, tenant_id, company_id)]


# ---------------------------------------------------------------- interactions

@router.get(T + "/companies/{company_id}/interactions", response_model=Page[InteractionOut])
def list_interactions(company_id: int = CompanyId, page: int = PageNo, per_page: int = Query(20, ge=1, le=200),
                      scope: tuple[Actor, int] = Scope) -> Page:
    """The company's history, newest first."""
    actor, tenant_id = scope
    return _page(InteractionOut, svc.list_interactions(actor, tenant_id, company_id, page=page, per_page=per_page))


@router.post(T + "/companies/{company_id}/interactions", response_model=InteractionOut, status_code=201)
def add_interaction(body: InteractionIn, company_id: int = CompanyId,
                    scope: tuple[Actor, int] = Scope) -> InteractionOut:
    actor, tenant_id = scope
    return InteractionOut.model_validate(asdict(svc.do_add_interaction(actor, tenant_id, company_id,
                                                                       body.model_dump())))


# ---------------------------------------------------------------- people

@router.get(T + "/people", response_model=Page[PersonOut])
def list_people(q: str = Query("", max_length=200, description="words of the name, or the e-mail"),
                kind: str = Query("", max_length=20), company_id: int | None = Query(None, ge=1, le=MAX_ID),
                page: int = PageNo, per_page: int = PerPage, scope: tuple[Actor, int] = Scope) -> Page:
    actor, tenant_id = scope
    return _page(PersonOut, svc.list_people(actor, tenant_id, query=q, kind=kind, company_id=company_id,
                                            page=page, per_page=per_page))


@router.post(T + "/people", response_model=PersonOut, status_code=201)
def create_person(body: PersonIn, scope: tuple[Actor, int] = Scope) -> PersonOut:
    """409 duplicate_person (with `existing_id`) for the same e-mail, or the same name in the
    same company, unless allow_duplicate."""
    actor, tenant_id = scope
    data = body.model_dump(exclude={"allow_duplicate"})
    return PersonOut.model_validate(asdict(svc.do_create_person(actor, tenant_id, data,
                                                                allow_duplicate=body.allow_duplicate)))


@router.patch(T + "/people/{person_id}", response_model=PersonOut)
def update_person(body: PersonPatchIn, person_id: int = PersonId, scope: tuple[Actor, int] = Scope) -> PersonOut:
    actor, tenant_id = scope
    data = body.model_dump(exclude_unset=True, exclude={"allow_duplicate"})
    return PersonOut.model_validate(asdict(svc.do_update_person(actor, tenant_id, person_id, data,
                                                                allow_duplicate=body.allow_duplicate)))


# ---------------------------------------------------------------- company portal access

@router.get(T + "/access-requests", response_model=Page[AccessRequestOut])
def list_access_requests(status: str = Query("pending", pattern="^(pending|approved|rejected|all)$"),
                         page: int = PageNo, per_page: int = PerPage, scope: tuple[Actor, int] = Scope) -> Page:
    actor, tenant_id = scope
    res = access.list_access_requests(actor, tenant_id, status=None if status == "all" else status,
                                      page=page, per_page=per_page)
    return _page(AccessRequestOut, res)


@router.post(T + "/access-requests/{request_id}/approve", response_model=InvitationOut)
def approve_access_request(body: ApproveIn, request_id: int = RequestId,
                           scope: tuple[Actor, int] = Scope) -> InvitationOut:
    """Link the request to a company (or create it), then invite the person to the company portal."""
    actor, tenant_id = scope
    return InvitationOut.model_validate(asdict(access.do_approve_access_request(
        actor, tenant_id, request_id, company_id=body.company_id, allow_duplicate=body.allow_duplicate)))


@router.post(T + "/access-requests/{request_id}/reject", response_model=AccessRequestOut)
def reject_access_request(body: RejectIn, request_id: int = RequestId,
                          scope: tuple[Actor, int] = Scope) -> AccessRequestOut:
    """The reason is e-mailed to the requester."""
    actor, tenant_id = scope
    return AccessRequestOut.model_validate(asdict(access.do_reject_access_request(actor, tenant_id, request_id,
                                                                                  reason=body.reason)))


@router.post(T + "/invitations", response_model=InvitationOut, status_code=201)
def invite_contact(body: InviteIn, scope: tuple[Actor, int] = Scope) -> InvitationOut:
    """Give a company's contact access to the company portal (role company_contact)."""
    actor, tenant_id = scope
    return InvitationOut.model_validate(asdict(access.do_invite_contact(actor, tenant_id, body.model_dump())))
