"""Job and internship offers over REST (P12). Staff: the sources registry, collecting and
editing offers, featuring them, publishing to the ambassadors first then to every student,
closing them, and who is interested. Students: the published offers (ambassadors also see
the preview) and "je suis intéressé(e)". Every route calls a service."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID, Page
from tenants.core.actor import Actor
from tenants.sourcing.offers import services as offers
from tenants.sourcing.offers.services import OfferInput, SourceInput

router = APIRouter(tags=["offers"], responses=ERROR_RESPONSES)
T = "/tenants/{tenant}"
O = T + "/offers"  # noqa: E741
Scope = Depends(actor_in_tenant)
OfferId = Path(ge=1, le=MAX_ID)


class SourceOut(BaseModel):
    id: int
    name: str
    kind: str
    url: str
    active: bool
    offers: int = Field(description="offers collected from it")


class OfferOut(BaseModel):
    id: int
    title: str
    kind: str = Field(description="job or internship")
    company_id: int | None
    company: str
    place: str
    url: str
    deadline: date | None
    source_id: int | None
    source: str
    description: str
    featured: bool
    status: str = Field(description="collected, ambassadors, published or closed")
    need_id: int | None
    collected_at: datetime
    ambassadors_at: datetime | None
    published_at: datetime | None
    closed_at: datetime | None
    interests: int


class FeaturedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    featured: bool


class InterestOut(BaseModel):
    offer_id: int
    student_membership_id: int
    full_name: str
    email: str
    note: str
    at: datetime
    shortlisted: bool = Field(description="on the shortlist of the need the offer advertises")


class PortalOfferOut(BaseModel):
    id: int
    title: str
    kind: str
    company: str
    place: str
    url: str
    deadline: date | None
    description: str
    preview: bool = Field(description="published to ambassadors first (en avant-première)")
    interested: bool
    my_note: str


class InterestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=1000)


def _page(p, model):  # noqa: ANN001, ANN202
    nxt = p.page + 1 if p.page * p.per_page < p.total else None
    return Page[model](items=[model.model_validate(asdict(i)) for i in p.items], page=p.page, per_page=p.per_page,
                       total=p.total, next_page=nxt)


# ---------------------------------------------------------------- sources

@router.get(T + "/offer-sources", response_model=list[SourceOut])
def list_sources(scope: tuple[Actor, int] = Scope) -> list[SourceOut]:
    actor, tenant_id = scope
    return [SourceOut.model_validate(asdict(x)) for x in offers.list_sources(actor, tenant_id)]


@router.post(T + "/offer-sources", response_model=SourceOut, status_code=201)
def create_source(body: SourceInput, scope: tuple[Actor, int] = Scope) -> SourceOut:
    """A place offers are found (P12.1); names are unique in the centre (source_exists)."""
    actor, tenant_id = scope
    return SourceOut.model_validate(asdict(offers.do_create_source(actor, tenant_id, body)))


@router.put(T + "/offer-sources/{source_id}", response_model=SourceOut)
def update_source(body: SourceInput, source_id: int = Path(ge=1, le=MAX_ID),
                  scope: tuple[Actor, int] = Scope) -> SourceOut:
    actor, tenant_id = scope
    return SourceOut.model_validate(asdict(offers.do_update_source(actor, tenant_id, source_id, body)))


# ---------------------------------------------------------------- offers (staff)

@router.get(O, response_model=Page[OfferOut])
def list_offers(status: str = Query(default="", max_length=12), kind: str = Query(default="", max_length=12),
                text: str = Query(default="", max_length=100), page: int = Query(default=1, ge=1, le=100000),
                per_page: int = Query(default=20, ge=1, le=100), scope: tuple[Actor, int] = Scope) -> Page[OfferOut]:
    actor, tenant_id = scope
    res = offers.list_offers(actor, tenant_id, {"status": status, "kind": kind, "text": text, "page": page,
                                                "per_page": per_page})
    return _page(res, OfferOut)


@router.post(O, response_model=OfferOut, status_code=201)
def collect_offer(body: OfferInput, scope: tuple[Actor, int] = Scope) -> OfferOut:
    """An offer found by the business developer (deadline not past, known source and company)."""
    actor, tenant_id = scope
    return OfferOut.model_validate(asdict(offers.do_collect_offer(actor, tenant_id, body)))


@router.get(O + "/{offer_id}", response_model=OfferOut)
def get_offer(offer_id: int = OfferId, scope: tuple[Actor, int] = Scope) -> OfferOut:
    actor, tenant_id = scope
    return OfferOut.model_validate(asdict(offers.get_offer(actor, tenant_id, offer_id)))


@router.put(O + "/{offer_id}", response_model=OfferOut)
def update_offer(body: OfferInput, offer_id: int = OfferId, scope: tuple[Actor, int] = Scope) -> OfferOut:
    actor, tenant_id = scope
    return OfferOut.model_validate(asdict(offers.do_update_offer(actor, tenant_id, offer_id, body)))


@router.post(O + "/{offer_id}/featured", response_model=OfferOut)
def set_featured(body: FeaturedIn, offer_id: int = OfferId, scope: tuple[Actor, int] = Scope) -> OfferOut:
    actor, tenant_id = scope
    return OfferOut.model_validate(asdict(offers.do_set_featured(actor, tenant_id, offer_id, body.featured)))


@router.post(O + "/{offer_id}/ambassadors", response_model=OfferOut)
def publish_to_ambassadors(offer_id: int = OfferId, scope: tuple[Actor, int] = Scope) -> OfferOut:
    """P12.6: the ambassadors first (they are e-mailed)."""
    actor, tenant_id = scope
    return OfferOut.model_validate(asdict(offers.do_publish_to_ambassadors(actor, tenant_id, offer_id)))


@router.post(O + "/{offer_id}/publish", response_model=OfferOut)
def publish_offer(offer_id: int = OfferId, scope: tuple[Actor, int] = Scope) -> OfferOut:
    """On the portal for every student (a featured offer goes to the ambassadors first)."""
    actor, tenant_id = scope
    return OfferOut.model_validate(asdict(offers.do_publish_offer(actor, tenant_id, offer_id)))


@router.post(O + "/{offer_id}/close", response_model=OfferOut)
def close_offer(offer_id: int = OfferId, scope: tuple[Actor, int] = Scope) -> OfferOut:
    actor, tenant_id = scope
    return OfferOut.model_validate(asdict(offers.do_close_offer(actor, tenant_id, offer_id)))


@router.get(O + "/{offer_id}/interests", response_model=list[InterestOut])
def interests(offer_id: int = OfferId, scope: tuple[Actor, int] = Scope) -> list[InterestOut]:
    actor, tenant_id = scope
    return [InterestOut.model_validate(asdict(i)) for i in offers.offer_interests(actor, tenant_id, offer_id)]


# ---------------------------------------------------------------- the portal

@router.get(T + "/portal/offers", response_model=Page[PortalOfferOut])
def browse(kind: str = Query(default="", max_length=12), place: str = Query(default="", max_length=100),
           text: str = Query(default="", max_length=100), page: int = Query(default=1, ge=1, le=100000),
           per_page: int = Query(default=20, ge=1, le=100), scope: tuple[Actor, int] = Scope) -> Page[PortalOfferOut]:
    """Published offers, newest first; ambassadors also see the preview."""
    actor, tenant_id = scope
    res = offers.browse_offers(actor, tenant_id, {"kind": kind, "place": place, "text": text, "page": page,
                                                  "per_page": per_page})
    return _page(res, PortalOfferOut)


@router.post(T + "/portal/offers/{offer_id}/interest", response_model=InterestOut, status_code=201)
def express_interest(body: InterestIn, offer_id: int = OfferId, scope: tuple[Actor, int] = Scope) -> InterestOut:
    """"Je suis intéressé(e)" (once: already_interested); joins the shortlist of the offer's need."""
    actor, tenant_id = scope
    return InterestOut.model_validate(asdict(offers.do_express_interest(actor, tenant_id, offer_id,
                                                                        note=body.note)))


@router.delete(T + "/portal/offers/{offer_id}/interest", status_code=204)
def withdraw_interest(offer_id: int = OfferId, scope: tuple[Actor, int] = Scope) -> Response:
    actor, tenant_id = scope
    offers.do_withdraw_interest(actor, tenant_id, offer_id)
    return Response(status_code=204)
