"""REST isolation case of the external evaluation's one centre route: the recommendations a centre
received. The network-level routes (/evaluations/…) are checked for the evaluator's scope in
tests/assessment/test_external_rest.py."""

from __future__ import annotations

from integrations.db import tenant_session, utcnow
from tenants.core.roles import Perm
from tests.assessment.factories import make_model
from tests.isolation.test_rest_matrix import PREFIX, Case
from workflows.assessment.models import Assessment, Recommendation


def _sent_external(ctx, w, role) -> dict:  # noqa: ANN001
    """One external assessment per centre whose recommendations were sent, built on first use."""
    key = ("evaluations", w.slug)
    if key not in ctx.extra:
        if "evaluations:model" not in ctx.extra:
            ctx.extra["evaluations:model"] = make_model(domains=1, criteria=1)
        with tenant_session(w.tenant_id) as s:
            a = Assessment(tenant_id=w.tenant_id, model_id=ctx.extra["evaluations:model"], mode="external",
                           status="closed", title="Évaluation externe", recommendations_sent_at=utcnow())
            s.add(a)
            s.flush()
            s.add(Recommendation(tenant_id=w.tenant_id, assessment_id=a.id, text="Formaliser le plan"))
            s.commit()
            ctx.extra[key] = a.id
    return {"assessment_id": ctx.extra[key]}


CASES: dict = {
    ("GET", PREFIX + "/external-assessments/{assessment_id}/recommendations"): Case(
        Perm.ASSESSMENT_VIEW, ids=_sent_external),
}
