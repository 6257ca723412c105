"""The network's reference standard model over REST (issue 8 §1, P28): its versions and their
tree; network admins make a new version, edit a draft's domains, criteria and indicators,
publish and retire. Staff of a centre and external evaluators read the published versions.
Every route calls workflows.assessment.reference, which checks who may."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import current_actor
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID, ErrorOut
from tenants.core.actor import Actor
from workflows.assessment import reference as ref

router = APIRouter(tags=["reference model"], responses={**ERROR_RESPONSES, 409: {"model": ErrorOut, "description": "the version is not a draft, or a code is taken"}})
M = "/reference-models/{model_id}"
ModelId = Path(ge=1, le=MAX_ID, description="a version's id")
DomainId = Path(ge=1, le=MAX_ID)
CriterionId = Path(ge=1, le=MAX_ID)
IndicatorId = Path(ge=1, le=MAX_ID)
Caller = Depends(current_actor)
Texts = dict[str, str]
TEXTS = 'one text per language: {"fr": ..., "en": ..., "ar": ...}; French required'


class ModelOut(BaseModel):
    id: int
    version: int
    title: str
    notes: str
    status: str = Field(description="draft, published or retired")
    current: bool = Field(description="the newest published version: new assessments take it")
    based_on_id: int | None
    based_on_version: int | None
    created_by_name: str
    created_at: datetime
    published_at: datetime | None
    domains: int
    criteria: int
    musts: int
    indicators: int
    live_indicators: int


class IndicatorOut(BaseModel):
    id: int
    code: str
    position: int
    title: Texts
    live_key: str = Field(description="a figure the product computes; empty: entered by hand")
    unit: str
    target: float | None
    higher_is_better: bool


class CriterionOut(BaseModel):
    id: int
    code: str
    domain_id: int
    domain_code: str
    position: int
    title: Texts
    tier: str = Field(description="must (the minimum) or should (best practice)")
    evidence: Texts = Field(description="what a rater looks at")
    justification: str = Field(description="when a rating must say why: none, below_met or always")
    weight: float
    procedures: list[str]
    indicators: list[IndicatorOut] = []


class DomainOut(BaseModel):
    id: int
    code: str
    position: int
    family: str
    title: Texts
    criteria: list[CriterionOut] = []


class ModelTreeOut(BaseModel):
    model: ModelOut
    domains: list[DomainOut]


class NewVersionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=200, description="omitted: the source version's title")


class ModelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=4000)


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    retire_older: bool = Field(False, description="mark the older published versions retired")


class DomainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str | None = Field(None, max_length=20)
    title: dict[str, Any] | None = Field(None, description=TEXTS)
    family: str | None = Field(None, description=f"one of {', '.join(ref.FAMILIES + ref.DIMENSIONS)}, or empty")
    position: int | None = Field(None, ge=0, le=1000, description="0: first")


class CriterionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str | None = Field(None, max_length=20, description="omitted on creation: the next free <domain>.<n>")
    title: dict[str, Any] | None = Field(None, description=TEXTS)
    evidence: dict[str, Any] | None = Field(None, description=TEXTS)
    tier: str | None = Field(None, description="must or should")
    justification: str | None = Field(None, description="none, below_met or always")
    weight: float | None = Field(None, description="above 0, at most 10")
    procedures: list[str] | None = Field(None, max_length=31, description="procedure codes P01 … P31")
    position: int | None = Field(None, ge=0, le=1000)
    domain_id: int | None = Field(None, ge=1, le=MAX_ID, description="moves the criterion to this domain")


class IndicatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str | None = Field(None, max_length=24, description="omitted on creation: <criterion>.<letter>")
    title: dict[str, Any] | None = Field(None, description=TEXTS)
    live_key: str | None = Field(None, description=f"one of {', '.join(ref.LIVE_KEYS)}, or empty")
    unit: str | None = Field(None, description=f"one of {', '.join(ref.UNITS)}")
    target: float | None = None
    higher_is_better: bool | None = None
    position: int | None = Field(None, ge=0, le=1000)


def _given(body: BaseModel) -> dict:
    """The fields the caller sent (a PATCH keeps the others; a null target clears it)."""
    return body.model_dump(include=body.model_fields_set)


def _model(m: ref.ModelSummary) -> ModelOut:
    return ModelOut(**m.__dict__)


def _indicator(i: ref.IndicatorView) -> IndicatorOut:
    return IndicatorOut(**i.__dict__)


def _criterion(c: ref.CriterionView) -> CriterionOut:
    return CriterionOut(**{**c.__dict__, "procedures": list(c.procedures),
                           "indicators": [_indicator(i) for i in c.indicators]})


def _domain(d: ref.DomainView) -> DomainOut:
    return DomainOut(**{**d.__dict__, "criteria": [_criterion(c) for c in d.criteria]})


@router.get("/reference-models", response_model=list[ModelOut])
def list_models(actor: Actor = Caller) -> list[ModelOut]:
    """Every version, newest first (drafts: network admins only)."""
    return [_model(m) for m in ref.list_models(actor)]


@router.get(M, response_model=ModelTreeOut)
def get_model(model_id: int = ModelId, actor: Actor = Caller) -> ModelTreeOut:
    """A version as a tree: domains -> criteria -> indicators, in model order."""
    tree = ref.get_model(actor, model_id)
    return ModelTreeOut(model=_model(tree.model), domains=[_domain(d) for d in tree.domains])


@router.post(M + "/versions", response_model=ModelOut, status_code=201)
def new_version(body: NewVersionIn | None = None, model_id: int = ModelId, actor: Actor = Caller) -> ModelOut:
    """A draft copying this version in full (network admins)."""
    return _model(ref.do_new_version(actor, model_id, title=body.title if body else None))


@router.patch(M, response_model=ModelOut)
def update_model(body: ModelIn, model_id: int = ModelId, actor: Actor = Caller) -> ModelOut:
    return _model(ref.do_update_model(actor, model_id, _given(body)))


@router.delete(M, status_code=204, response_class=Response)
def delete_draft(model_id: int = ModelId, actor: Actor = Caller) -> Response:
    ref.do_delete_draft(actor, model_id)
    return Response(status_code=204)


@router.post(M + "/publish", response_model=ModelOut)
def publish(body: PublishIn | None = None, model_id: int = ModelId, actor: Actor = Caller) -> ModelOut:
    """Draft -> published: frozen, and taken by new assessments."""
    return _model(ref.do_publish(actor, model_id, retire_older=body.retire_older if body else False))


@router.post(M + "/retire", response_model=ModelOut)
def retire(model_id: int = ModelId, actor: Actor = Caller) -> ModelOut:
    return _model(ref.do_retire(actor, model_id))


@router.post(M + "/domains", response_model=DomainOut, status_code=201)
def add_domain(body: DomainIn, model_id: int = ModelId, actor: Actor = Caller) -> DomainOut:
    return _domain(ref.do_add_domain(actor, model_id, _given(body)))


@router.patch(M + "/domains/{domain_id}", response_model=DomainOut)
def update_domain(body: DomainIn, model_id: int = ModelId, domain_id: int = DomainId,
                  actor: Actor = Caller) -> DomainOut:
    return _domain(ref.do_update_domain(actor, model_id, domain_id, _given(body)))


@router.delete(M + "/domains/{domain_id}", status_code=204, response_class=Response)
def delete_domain(model_id: int = ModelId, domain_id: int = DomainId, actor: Actor = Caller) -> Response:
    """The domain with its criteria and their indicators."""
    ref.do_delete_domain(actor, model_id, domain_id)
    return Response(status_code=204)


@router.post(M + "/domains/{domain_id}/criteria", response_model=CriterionOut, status_code=201)
def add_criterion(body: CriterionIn, model_id: int = ModelId, domain_id: int = DomainId,
                  actor: Actor = Caller) -> CriterionOut:
    return _criterion(ref.do_add_criterion(actor, model_id, domain_id, _given(body)))


@router.patch(M + "/criteria/{criterion_id}", response_model=CriterionOut)
def update_criterion(body: CriterionIn, model_id: int = ModelId, criterion_id: int = CriterionId,
                     actor: Actor = Caller) -> CriterionOut:
    return _criterion(ref.do_update_criterion(actor, model_id, criterion_id, _given(body)))


@router.delete(M + "/criteria/{criterion_id}", status_code=204, response_class=Response)
def delete_criterion(model_id: int = ModelId, criterion_id: int = CriterionId, actor: Actor = Caller) -> Response:
    ref.do_delete_criterion(actor, model_id, criterion_id)
    return Response(status_code=204)


@router.post(M + "/criteria/{criterion_id}/indicators", response_model=IndicatorOut, status_code=201)
def add_indicator(body: IndicatorIn, model_id: int = ModelId, criterion_id: int = CriterionId,
                  actor: Actor = Caller) -> IndicatorOut:
    return _indicator(ref.do_add_indicator(actor, model_id, criterion_id, _given(body)))


@router.patch(M + "/indicators/{indicator_id}", response_model=IndicatorOut)
def update_indicator(body: IndicatorIn, model_id: int = ModelId, indicator_id: int = IndicatorId,
                     actor: Actor = Caller) -> IndicatorOut:
    return _indicator(ref.do_update_indicator(actor, model_id, indicator_id, _given(body)))


@router.delete(M + "/indicators/{indicator_id}", status_code=204, response_class=Response)
def delete_indicator(model_id: int = ModelId, indicator_id: int = IndicatorId, actor: Actor = Caller) -> Response:
    ref.do_delete_indicator(actor, model_id, indicator_id)
    return Response(status_code=204)
