"""REST isolation cases of the self-assessment (P28, first variant). Read-only and repeatable
routes share one assessment per centre and state; completion gets a fresh one each call."""

from __future__ import annotations

from tenants.core.roles import Perm
from tests.assessment.factories import make_model
from tests.conftest import World
from tests.isolation.test_rest_matrix import PREFIX, Case, Ctx
from workflows.assessment import services as sa

PDF = b"%PDF-1.4\n%%EOF\n"


def _model(ctx: Ctx) -> None:
    if "assessments:model" not in ctx.extra:
        ctx.extra["assessments:model"] = make_model(domains=1, criteria=2, live_keys={"D1.1": "workshops_held"})


def _collecting(w: World, *, rated: bool = False) -> int:
    mgr = w.manager.actor
    aid = sa.do_start(mgr, title="Auto-évaluation (matrice)").summary.id
    d = sa.do_plan(mgr, aid)
    if rated:
        for dom in d.domains:
            for c in dom.criteria:
                sa.do_rate(mgr, aid, c.code, value=3)
    return aid


def _shared(ctx: Ctx, w: World, state: str) -> dict:
    key = ("assessments", state, w.slug)
    if key not in ctx.extra:
        _model(ctx)
        if state == "collecting":
            aid = _collecting(w)
            code = sa.get_assessment(w.manager.actor, aid).domains[0].criteria[0].code
            ev = sa.do_add_file(w.manager.actor, aid, filename="pv.pdf", data=PDF)
            ctx.extra[key] = {"assessment_id": aid, "criterion_code": code, "evidence_id": ev.id}
        else:
            aid = _collecting(w, rated=True)
            sa.do_complete(w.manager.actor, aid)
            sa.do_compute(aid)
            action = sa.list_actions(w.manager.actor, aid)[0].id
            ctx.extra[key] = {"assessment_id": aid, "action_id": action}
    return ctx.extra[key]


def _ids(state: str, *keys: str):  # noqa: ANN202
    def ids(ctx: Ctx, w: World, role: str) -> dict:
        made = _shared(ctx, w, state)
        return {k: made[k] for k in ("assessment_id", *keys)}
    return ids


def _fresh_rated(ctx: Ctx, w: World, role: str) -> dict:
    _model(ctx)
    return {"assessment_id": _collecting(w, rated=True)}


def _with_model(ctx: Ctx, w: World, role: str) -> dict:
    _model(ctx)
    return {}


A = PREFIX + "/assessments"
ONE = A + "/{assessment_id}"
CASES: dict = {
    ("GET", A): Case(Perm.ASSESSMENT_VIEW),
    ("POST", A): Case(Perm.ASSESSMENT_MANAGE, ok=201, ids=_with_model,
                      body=lambda ctx, w: {"title": "Auto-évaluation (matrice)"}),
    ("GET", ONE): Case(Perm.ASSESSMENT_VIEW, ids=_ids("collecting")),
    ("POST", ONE + "/plan"): Case(Perm.ASSESSMENT_MANAGE, ids=_ids("collecting"),
                                body=lambda ctx, w: {"planned_start": "2026-01-05"}),
    ("PUT", ONE + "/ratings/{criterion_code}"): Case(Perm.ASSESSMENT_MANAGE, ids=_ids("collecting", "criterion_code"),
                                                   body=lambda ctx, w: {"value": 2}),
    ("POST", ONE + "/evidence"): Case(Perm.ASSESSMENT_CONTRIBUTE, ok=201, ids=_ids("collecting"),
                                    body=lambda ctx, w: {"kind": "note", "note": "Compte rendu"}),
    ("POST", ONE + "/evidence/file"): Case(Perm.ASSESSMENT_CONTRIBUTE, ok=201, ids=_ids("collecting"),
                                         files=lambda ctx, w: {"file": ("pv.pdf", PDF, "application/pdf")}),
    ("POST", ONE + "/evidence/live"): Case(Perm.ASSESSMENT_CONTRIBUTE, ids=_ids("collecting")),
    ("GET", ONE + "/evidence/{evidence_id}/file"): Case(Perm.ASSESSMENT_VIEW, ids=_ids("collecting", "evidence_id")),
    ("POST", ONE + "/complete"): Case(Perm.ASSESSMENT_MANAGE, ids=_fresh_rated),
    ("GET", ONE + "/result"): Case(Perm.ASSESSMENT_VIEW, ids=_ids("evaluated")),
    ("GET", ONE + "/report.pdf"): Case(Perm.ASSESSMENT_VIEW, ids=_ids("evaluated")),
    ("GET", ONE + "/actions"): Case(Perm.ASSESSMENT_VIEW, ids=_ids("evaluated")),
    ("POST", ONE + "/actions"): Case(Perm.ASSESSMENT_MANAGE, ok=201, ids=_ids("evaluated"),
                                   body=lambda ctx, w: {"kind": "improvement", "text": "Former l'équipe"}),
    ("PATCH", ONE + "/actions/{action_id}"): Case(Perm.ASSESSMENT_MANAGE, ids=_ids("evaluated", "action_id"),
                                                body=lambda ctx, w: {"done": True}),
}
