"""REST isolation cases of the partner map and contacts (BD01) and of company portal access.
Each centre gets, on first use, one company and one contact; merges, approvals, rejections and
invitations get fresh rows (written directly, so building them changes no snapshot)."""

from __future__ import annotations

from integrations.db import tenant_session
from tenants.core.roles import Perm
from tenants.sourcing.needs.models import CompanyAccessRequest
from tenants.sourcing.partners.models import Person
from tests.conftest import World
from tests.isolation.test_rest_matrix import PREFIX, Case, Ctx
from tests.sourcing.util import make_company

P = PREFIX + "/partners"


def _shared(ctx: Ctx, w: World) -> dict:
    store = ctx.extra.setdefault("partners", {})
    if w.slug not in store:
        cid = make_company(w, "Partenaire Commun")
        store[w.slug] = {"company_id": cid, "person_id": _person(ctx, w, cid)}
    return store[w.slug]


def _person(ctx: Ctx, w: World, company_id: int | None) -> int:
    n = next(ctx.seq)
    with tenant_session(w.tenant_id) as s:
        p = Person(tenant_id=w.tenant_id, full_name=f"Contact {n}", name_key=f"contact {n}",
                   email=f"contact{n}@{w.slug}.test", company_id=company_id)
        s.add(p)
        s.commit()
        return p.id


def _request(ctx: Ctx, w: World) -> int:
    n = next(ctx.seq)
    with tenant_session(w.tenant_id) as s:
        r = CompanyAccessRequest(tenant_id=w.tenant_id, company_name=f"Demandeur {n}", full_name=f"Demandeur {n}",
                                 email=f"requester{n}@{w.slug}.test")
        s.add(r)
        s.commit()
        return r.id


def _company(ctx: Ctx, w: World, role: str) -> dict:
    return {"company_id": _shared(ctx, w)["company_id"]}


def _fresh_company(ctx: Ctx, w: World, role: str) -> dict:
    return {"company_id": make_company(w, f"Garde {next(ctx.seq)}")}


def _person_ids(ctx: Ctx, w: World, role: str) -> dict:
    return {"person_id": _shared(ctx, w)["person_id"]}


def _fresh_request(ctx: Ctx, w: World, role: str) -> dict:
    return {"request_id": _request(ctx, w)}


def _merge_body(ctx: Ctx, w: World) -> dict:
    return {"merge_id": make_company(w, f"Doublon {next(ctx.seq)}")}


def _approve_body(ctx: Ctx, w: World) -> dict:
    return {"company_id": _shared(ctx, w)["company_id"]}


def _invite_body(ctx: Ctx, w: World) -> dict:
    return {"person_id": _person(ctx, w, _shared(ctx, w)["company_id"])}


CASES = {
    ("GET", P + "/companies"): Case(Perm.PARTNER_VIEW, params={"per_page": 200}),
    ("POST", P + "/companies"): Case(Perm.PARTNER_MANAGE, ok=201,
                                     body=lambda ctx, w: {"name": f"Nouvelle {next(ctx.seq)}", "city": "Rabat"}),
    ("GET", P + "/companies/{company_id}"): Case(Perm.PARTNER_VIEW, ids=_company),
    ("PATCH", P + "/companies/{company_id}"): Case(Perm.PARTNER_MANAGE, ids=_company,
                                                   body=lambda ctx, w: {"sector": "Industrie"}),
    ("POST", P + "/companies/{company_id}/merge"): Case(Perm.PARTNER_MANAGE, ids=_fresh_company, body=_merge_body),
    ("GET", P + "/companies/{company_id}/needs"): Case(Perm.PARTNER_VIEW, ids=_company),
    ("GET", P + "/companies/{company_id}/interactions"): Case(Perm.PARTNER_VIEW, ids=_company),
    ("POST", P + "/companies/{company_id}/interactions"): Case(
        Perm.PARTNER_MANAGE, ok=201, ids=_company, body=lambda ctx, w: {"kind": "call", "summary": "Relance"}),
    ("GET", P + "/people"): Case(Perm.PARTNER_VIEW, params={"per_page": 200}),
    ("POST", P + "/people"): Case(Perm.PARTNER_MANAGE, ok=201,
                                  body=lambda ctx, w: {"full_name": f"Nouveau {next(ctx.seq)}"}),
    ("PATCH", P + "/people/{person_id}"): Case(Perm.PARTNER_MANAGE, ids=_person_ids,
                                               body=lambda ctx, w: {"job_title": "DRH"}),
    ("GET", P + "/access-requests"): Case(Perm.PARTNER_VIEW, params={"status": "all", "per_page": 200}),
    ("POST", P + "/access-requests/{request_id}/approve"): Case(Perm.PARTNER_MANAGE, ids=_fresh_request,
                                                                body=_approve_body),
    ("POST", P + "/access-requests/{request_id}/reject"): Case(
        Perm.PARTNER_MANAGE, ids=_fresh_request, body=lambda ctx, w: {"reason": "Hors de notre région"}),
    ("POST", P + "/invitations"): Case(Perm.PARTNER_MANAGE, ok=201, body=_invite_body),
}
