"""The cross-centre benchmark over REST (issue 8 §4, §6). Every route calls
workflows.assessment.benchmark, which checks who may see what:

- GET /benchmark, GET /benchmark/centres/{centre_id}: network admins (every centre) and external
  evaluators (figures over every centre, but names and scores only of the centres assigned to
  them; another centre's detail answers 404). Browser session of a network account.
- GET /tenants/{tenant}/benchmark: a centre's staff (assessment.view), their centre against
  anonymous peers: aggregates only, never another centre's id, name or score.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from cc_network.api.deps import actor_in_tenant, current_actor
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from workflows.assessment import benchmark as bm

router = APIRouter(tags=["benchmark"], responses=ERROR_RESPONSES)
Caller = Depends(current_actor)
Scope = Depends(actor_in_tenant)
CentreId = Path(ge=1, le=MAX_ID)
GROUP_PATTERN = r"^[a-z_:|]{1,80}$"
GROUP_DOC = 'all, kind:<university|business_school|vocational_institute|other>, size:<small|medium|large>, or kind:<k>|size:<b>'


class ModelOut(BaseModel):
    id: int
    version: int
    title: str


class StatOut(BaseModel):
    n: int
    median: float | None
    q1: float | None
    q3: float | None
    min: float | None = None
    max: float | None = None


class DomainOut(BaseModel):
    code: str
    title: str


class GroupOut(BaseModel):
    group: str
    n: int | None


class CentreRowOut(BaseModel):
    id: int
    name: str
    kind: str
    size_band: str
    overall: float | None
    overall_rag: str = Field(description="red | amber | green | none")
    domains: dict[str, float | None]
    rag: dict[str, str]


class NetworkOut(BaseModel):
    model: ModelOut | None
    models: list[ModelOut] = Field(description="versions with scores, newest first")
    peer_group: str
    peer_groups: list[GroupOut]
    domains: list[DomainOut]
    stats: dict[str, StatOut] = Field(description="the peer group's figures per key (overall, domain codes)")
    centres: list[CentreRowOut] = Field(description="the centres the caller may name")
    n: int = Field(description="centres in the peer group (all count in the figures)")
    hidden: int = Field(description="centres of the group counted in the figures but not named to the caller")


class LineOut(BaseModel):
    code: str
    title: str
    score: float | None
    n: int
    q1: float | None
    median: float | None
    q3: float | None
    network_median: float | None
    rag: str
    domain: str | None = None
    tier: str | None = None


class RadarOut(BaseModel):
    domain: str
    label: str
    centre: float | None
    median: float | None = Field(description="network median")
    peer: float | None = Field(description="peer group median")


class TrendOut(BaseModel):
    date: str
    period: str
    title: str
    mode: str
    overall: float | None
    maturity: str
    model_version: int
    network_median: float | None


class CentreOut(BaseModel):
    id: int
    name: str
    kind: str
    size_band: str


class DetailOut(BaseModel):
    centre: CentreOut
    model: ModelOut | None
    models: list[ModelOut]
    peer_group: str
    peer_groups: list[GroupOut]
    overall: LineOut | None
    radar: list[RadarOut]
    domains: list[LineOut]
    criteria: list[LineOut]
    trend: list[TrendOut]


def _detail(d: dict) -> DetailOut:
    return DetailOut(**{**d, "centre": {"name": "", **d["centre"]}})


@router.get("/benchmark", response_model=NetworkOut)
def network(model_id: int | None = Query(None, ge=1, le=MAX_ID),
            peer_group: str = Query(bm.ALL, pattern=GROUP_PATTERN, description=GROUP_DOC),
            lang: str = Query("fr", pattern="^(fr|en|ar)$"), actor: Actor = Caller) -> NetworkOut:
    """Each centre the caller may name against the peer group's median and quartiles per domain."""
    return NetworkOut(**bm.network_benchmark(actor, model_id=model_id, peer_group=peer_group, locale=lang))


@router.get("/benchmark/centres/{centre_id}", response_model=DetailOut)
def centre(centre_id: int = CentreId, model_id: int | None = Query(None, ge=1, le=MAX_ID),
           peer_group: str | None = Query(None, pattern=GROUP_PATTERN, description=GROUP_DOC),
           lang: str = Query("fr", pattern="^(fr|en|ar)$"), actor: Actor = Caller) -> DetailOut:
    """One centre (assigned to the evaluator): radar, criteria with quartiles and RAG, trend."""
    return _detail(bm.centre_benchmark(actor, centre_id, model_id=model_id, peer_group=peer_group, locale=lang))


@router.get("/tenants/{tenant}/benchmark", response_model=DetailOut)
def mine(model_id: int | None = Query(None, ge=1, le=MAX_ID),
         peer_group: str | None = Query(None, pattern=GROUP_PATTERN, description=GROUP_DOC),
         lang: str = Query("fr", pattern="^(fr|en|ar)$"), scope: tuple[Actor, int] = Scope) -> DetailOut:
    """The centre against anonymous peers (its own peer groups only)."""
    actor, _tenant_id = scope
    return _detail(bm.my_benchmark(actor, model_id=model_id, peer_group=peer_group, locale=lang))
