"""REST isolation cases of job needs: the company portal's routes (a company contact's own
needs) and the staff's need routes (P22). Each centre gets, on first use, a company linked to
its company contact and a need whose job sheet was sent (host roles read only those); actions
that end or move a need get a fresh one per call."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from integrations.db import tenant_session, utcnow
from tenants.core.roles import Perm
from tenants.sourcing.partners.models import Person
from tests.conftest import World
from tests.isolation.test_rest_matrix import PREFIX, Case, Ctx
from tests.sourcing.util import link_company_contact, make_company, make_need

C = PREFIX + "/company/needs"
N = PREFIX + "/needs"


def _shared(ctx: Ctx, w: World) -> dict:
    store = ctx.extra.setdefault("needs", {})
    if w.slug not in store:
        mid = w.people["company_contact"].membership_id
        with tenant_session(w.tenant_id) as s:
            linked = s.exec(select(Person).where(Person.membership_id == mid, Person.merged_into_id.is_(None),
                                                 Person.company_id.is_not(None))).first()
            company_id = linked.company_id if linked is not None else None
        if company_id is None:
            company_id = make_company(w, f"Needs Corp {w.slug.title()}")
            link_company_contact(w, company_id)
        sent = make_need(w, company_id, title="Fiche envoyée", status="sourcing", sheet="Fiche de poste",
                         sheet_sent_at=utcnow())
        store[w.slug] = {"company_id": company_id, "sent_need_id": sent}
    return store[w.slug]


def _setup(ctx: Ctx, w: World, role: str) -> dict:
    _shared(ctx, w)
    return {}


def _sent_need(ctx: Ctx, w: World, role: str) -> dict:
    return {"need_id": _shared(ctx, w)["sent_need_id"]}


def _fresh_need(ctx: Ctx, w: World, role: str) -> dict:
    return {"need_id": make_need(w, _shared(ctx, w)["company_id"], title=f"Besoin {next(ctx.seq)}")}


def _fresh_with_sheet(ctx: Ctx, w: World, role: str) -> dict:
    return {"need_id": make_need(w, _shared(ctx, w)["company_id"], title=f"Besoin {next(ctx.seq)}",
                                 status="sheet_ready", sheet="Fiche de poste")}


def _need_body(ctx: Ctx, w: World) -> dict:
    return {"title": f"Stagiaire {next(ctx.seq)}", "kind": "internship", "positions": 2,
            "deadline": (date.today() + timedelta(days=20)).isoformat()}


def _entry_body(ctx: Ctx, w: World) -> dict:
    return _need_body(ctx, w) | {"company_id": _shared(ctx, w)["company_id"], "source": "email"}


CASES = {
    ("GET", C): Case(Perm.COMPANY_SELF, ids=_setup),
    ("POST", C): Case(Perm.COMPANY_SELF, ok=201, ids=_setup, body=_need_body),
    ("GET", C + "/{need_id}"): Case(Perm.COMPANY_SELF, ids=_sent_need),
    ("GET", C + "/{need_id}/shares"): Case(Perm.COMPANY_SELF, ids=_sent_need),
    ("POST", C + "/{need_id}/cancel"): Case(Perm.COMPANY_SELF, ids=_fresh_need, body=lambda ctx, w: {"reason": ""}),
    ("GET", N): Case(Perm.NEED_VIEW, ids=_setup, params={"per_page": 100}),
    ("POST", N): Case(Perm.NEED_MANAGE, ok=201, ids=_setup, body=_entry_body),
    ("GET", N + "/{need_id}"): Case(Perm.NEED_VIEW, ids=_sent_need),
    ("POST", N + "/{need_id}/take"): Case(Perm.NEED_MANAGE, ids=_fresh_need),
    ("PUT", N + "/{need_id}/sheet"): Case(Perm.NEED_MANAGE, ids=_fresh_need,
                                          body=lambda ctx, w: {"sheet": "Fiche de poste"}),
    ("POST", N + "/{need_id}/send-sheet"): Case(Perm.NEED_MANAGE, ids=_fresh_with_sheet),
    ("POST", N + "/{need_id}/request-publication"): Case(Perm.NEED_MANAGE, ids=_fresh_with_sheet),
    ("POST", N + "/{need_id}/cancel"): Case(Perm.NEED_MANAGE, ids=_fresh_need,
                                            body=lambda ctx, w: {"reason": "Doublon"}),
    ("POST", N + "/{need_id}/close"): Case(Perm.NEED_MANAGE, ids=_fresh_need),
}
