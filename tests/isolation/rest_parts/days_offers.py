"""REST isolation cases of recruitment days (P19) and offers (P12). Each centre gets, on first
use, a company with a need of 12 positions and its proposed day, an offer source and a
collected offer; actions that move a day or an offer get a fresh one per call (a day at its
own date, so the events never conflict)."""

from __future__ import annotations

from datetime import date, timedelta

from integrations.db import utcnow
from tenants.core.roles import Perm
from tenants.portal.registrations import services as reg
from tenants.sourcing.offers import services as offers
from tenants.sourcing.recruitment_days import services as days
from tests.conftest import World
from tests.isolation.test_rest_matrix import PREFIX, Case, Ctx
from tests.portal.registrations.util import set_event
from tests.sourcing.util import make_company, make_need

D = PREFIX + "/recruitment-days"
O = PREFIX + "/offers"  # noqa: E741
S = PREFIX + "/offer-sources"
P = PREFIX + "/portal/offers"


def _store(ctx: Ctx) -> dict:
    return ctx.extra.setdefault("days_offers", {})


def _bizdev(w: World):
    return w.people["business_developer"].actor


def _shared(ctx: Ctx, w: World) -> dict:
    store = _store(ctx)
    if w.slug not in store:
        company_id = make_company(w, f"Days Corp {w.slug.title()}")
        day = days.do_propose_day(_bizdev(w), w.tenant_id, make_need(w, company_id, positions=12), mode="closed_door")
        source = offers.do_create_source(_bizdev(w), w.tenant_id, {"name": "Rekrute", "kind": "job_board"})
        offer = offers.do_collect_offer(_bizdev(w), w.tenant_id, {"title": "Stage data", "kind": "internship",
                                                                  "company_name": "Acme"})
        store[w.slug] = {"company_id": company_id, "day_id": day.id, "source_id": source.id, "offer_id": offer.id}
    return store[w.slug]


def _setup(ctx: Ctx, w: World, role: str) -> dict:
    _shared(ctx, w)
    return {}


# ---------------------------------------------------------------- days

def _next_date(ctx: Ctx) -> str:
    d = (date.today() + timedelta(days=20 + next(ctx.seq))).isoformat()
    _store(ctx)["date"] = d
    return d


def _fresh_proposed(ctx: Ctx, w: World, *, mode: str = "closed_door") -> int:
    nid = make_need(w, _shared(ctx, w)["company_id"], positions=12, title=f"Journée {next(ctx.seq)}")
    return days.do_propose_day(_bizdev(w), w.tenant_id, nid, mode=mode).id


def _with_common_date(ctx: Ctx, w: World, role: str) -> dict:
    day_id = _fresh_proposed(ctx, w)
    d = _next_date(ctx)
    days.do_set_dates(_bizdev(w), w.tenant_id, day_id, side="host", dates=[d])
    days.do_set_dates(_bizdev(w), w.tenant_id, day_id, side="company", dates=[d])
    return {"day_id": day_id}


def _scheduled(ctx: Ctx, w: World, role: str = "") -> dict:
    ids = _with_common_date(ctx, w, role)
    days.do_schedule_day(_bizdev(w), w.tenant_id, ids["day_id"], _schedule_body(ctx, w))
    return ids


def _held(ctx: Ctx, w: World, role: str) -> dict:
    ids = _started(ctx, w, role)
    days.do_mark_day_held(_bizdev(w), w.tenant_id, ids["day_id"])
    return ids


def _started(ctx: Ctx, w: World, role: str) -> dict:
    """Published, the world's student invited, and begun half an hour ago."""
    ids = _scheduled(ctx, w)
    v = days.do_publish_day(w.manager.actor, w.tenant_id, ids["day_id"])
    reg.do_invite_student(_bizdev(w), w.tenant_id, v.event_id, w.student.membership_id)
    start = utcnow() - timedelta(minutes=30)
    set_event(v.event_id, starts_at=start, ends_at=start + timedelta(hours=4), registration_closes_at=None)
    return ids


def _schedule_body(ctx: Ctx, w: World) -> dict:
    return {"date": _store(ctx).get("date") or _next_date(ctx), "start": "09:00", "end": "12:00", "capacity": 20}


def _shared_day(ctx: Ctx, w: World, role: str) -> dict:
    return {"day_id": _shared(ctx, w)["day_id"]}


def _propose_body(ctx: Ctx, w: World) -> dict:
    nid = make_need(w, _shared(ctx, w)["company_id"], positions=15, title=f"Besoin {next(ctx.seq)}")
    return {"need_id": nid, "mode": "open_door"}


def _dates_body(ctx: Ctx, w: World) -> dict:
    return {"side": "host", "dates": [(date.today() + timedelta(days=9)).isoformat()]}


def _result_body(ctx: Ctx, w: World) -> dict:
    return {"student_membership_id": w.student.membership_id, "outcome": "hired"}


# ---------------------------------------------------------------- offers

def _offer_body(ctx: Ctx, w: World) -> dict:
    return {"title": f"Offre {next(ctx.seq)}", "kind": "job", "company_name": "Acme", "place": "Rabat",
            "source_id": _shared(ctx, w)["source_id"]}


def _shared_offer(ctx: Ctx, w: World, role: str) -> dict:
    return {"offer_id": _shared(ctx, w)["offer_id"]}


def _fresh_offer(ctx: Ctx, w: World, role: str) -> dict:
    return {"offer_id": offers.do_collect_offer(_bizdev(w), w.tenant_id, _offer_body(ctx, w)).id}


def _published_offer(ctx: Ctx, w: World, role: str) -> dict:
    ids = _fresh_offer(ctx, w, role)
    offers.do_publish_offer(_bizdev(w), w.tenant_id, ids["offer_id"])
    return ids


def _my_interest(ctx: Ctx, w: World, role: str) -> dict:
    ids = _published_offer(ctx, w, role)
    if role == "student":
        offers.do_express_interest(w.student.actor, w.tenant_id, ids["offer_id"])
    return ids


def _shared_source(ctx: Ctx, w: World, role: str) -> dict:
    return {"source_id": _shared(ctx, w)["source_id"]}


CASES = {
    ("GET", D): Case(Perm.NEED_VIEW, ids=_setup),
    ("POST", D): Case(Perm.NEED_MANAGE, ok=201, ids=_setup, body=_propose_body),
    ("GET", D + "/{day_id}"): Case(Perm.NEED_VIEW, ids=_shared_day),
    ("PUT", D + "/{day_id}/dates"): Case(Perm.NEED_MANAGE, ids=_shared_day, body=_dates_body),
    ("POST", D + "/{day_id}/schedule"): Case(Perm.NEED_MANAGE, ids=_with_common_date, body=_schedule_body),
    ("POST", D + "/{day_id}/publish"): Case(Perm.NEED_MANAGE, ids=_scheduled, action_perm=Perm.CALENDAR_VALIDATE,
                                            action_denied_code="transition_forbidden"),
    ("POST", D + "/{day_id}/invite-prioritised"): Case(Perm.NEED_MANAGE, ids=_scheduled),
    ("GET", D + "/{day_id}/participants"): Case(Perm.NEED_VIEW, ids=_shared_day),
    ("POST", D + "/{day_id}/held"): Case(Perm.NEED_MANAGE, ids=_started),
    ("POST", D + "/{day_id}/results"): Case(Perm.NEED_MANAGE, ids=_held, body=_result_body),
    ("POST", D + "/{day_id}/close"): Case(Perm.NEED_MANAGE, ids=_held, body=lambda ctx, w: {"notes": "Bilan"}),
    ("GET", S): Case(Perm.OFFER_MANAGE, ids=_setup),
    ("POST", S): Case(Perm.OFFER_MANAGE, ok=201, ids=_setup,
                      body=lambda ctx, w: {"name": f"Source {next(ctx.seq)}", "kind": "network"}),
    ("PUT", S + "/{source_id}"): Case(Perm.OFFER_MANAGE, ids=_shared_source, not_found_code="source_not_found",
                                      body=lambda ctx, w: {"name": "Rekrute", "kind": "job_board"}),
    ("GET", O): Case(Perm.OFFER_MANAGE, ids=_setup),
    ("POST", O): Case(Perm.OFFER_MANAGE, ok=201, ids=_setup, body=_offer_body),
    ("GET", O + "/{offer_id}"): Case(Perm.OFFER_MANAGE, ids=_shared_offer, not_found_code="offer_not_found"),
    ("PUT", O + "/{offer_id}"): Case(Perm.OFFER_MANAGE, ids=_shared_offer, not_found_code="offer_not_found",
                                     body=lambda ctx, w: {"title": "Stage data", "kind": "internship",
                                                          "company_name": "Acme"}),
    ("POST", O + "/{offer_id}/featured"): Case(Perm.OFFER_MANAGE, ids=_shared_offer, not_found_code="offer_not_found",
                                               body=lambda ctx, w: {"featured": False}),
    ("POST", O + "/{offer_id}/ambassadors"): Case(Perm.OFFER_MANAGE, ids=_fresh_offer,
                                                  not_found_code="offer_not_found"),
    ("POST", O + "/{offer_id}/publish"): Case(Perm.OFFER_MANAGE, ids=_fresh_offer, not_found_code="offer_not_found"),
    ("POST", O + "/{offer_id}/close"): Case(Perm.OFFER_MANAGE, ids=_fresh_offer, not_found_code="offer_not_found"),
    ("GET", O + "/{offer_id}/interests"): Case(Perm.OFFER_MANAGE, ids=_shared_offer,
                                               not_found_code="offer_not_found"),
    ("GET", P): Case((Perm.PORTAL_SELF, Perm.OFFER_PREVIEW), ids=_setup),
    ("POST", P + "/{offer_id}/interest"): Case(Perm.PORTAL_SELF, ok=201, ids=_published_offer,
                                               not_found_code="offer_not_found", body=lambda ctx, w: {"note": ""}),
    ("DELETE", P + "/{offer_id}/interest"): Case(Perm.PORTAL_SELF, ok=204, ids=_my_interest,
                                                 not_found_code="not_interested"),
}
