"""Evaluated assessments for the benchmark's tests: stored as the compute job stores them, then
the benchmark hook run in a system session as the job runs it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from integrations.db import system_session, tenant_session
from workflows.assessment import benchmark as bm
from workflows.assessment.models import Assessment, RefCriterion, RefDomain
from workflows.assessment.scoring import Answer, CriterionSpec, evaluate


def specs(model_id: int) -> list[CriterionSpec]:
    with system_session("test: model") as s:
        doms = {d.id: d.code for d in s.exec(select(RefDomain).where(RefDomain.model_id == model_id)).all()}
        crits = s.exec(select(RefCriterion).where(RefCriterion.model_id == model_id)
                       .order_by(RefCriterion.domain_id, RefCriterion.position)).all()
        return [CriterionSpec(c.code, doms[c.domain_id], c.tier, c.weight) for c in crits]


def evaluated(tid: int, model_id: int, values: dict[str, int | None] | int, *, mode: str = "self",
              when: datetime | None = None, kind: str = "", band: str = "small", status: str = "evaluated") -> int:
    """An evaluated assessment; `values` maps criterion codes to 0-3 (None: not applicable), or one
    value for every criterion."""
    sp = specs(model_id)
    vals = values if isinstance(values, dict) else {c.code: values for c in sp}
    answers = {code: (Answer(value=v) if v is not None else Answer(status="not_applicable"))
               for code, v in vals.items()}
    result = evaluate(sp, answers)
    with tenant_session(tid) as s:
        a = Assessment(tenant_id=tid, model_id=model_id, mode=mode, status=status, title=f"A {tid}",
                       evaluated_at=when or datetime.now(UTC), result=result, overall_score=result["overall"],
                       maturity=result["maturity"], must_unmet=len(result["must_unmet"]), peer_kind=kind,
                       size_band=band)
        s.add(a)
        s.commit()
    with system_session("test: the compute job") as s:
        bm.on_evaluated(s, a)
        s.commit()
    return a.id


def stats(model_id: int) -> dict[tuple[str, str], tuple]:
    from workflows.assessment.models import BenchmarkStat

    with system_session("test: read stats") as s:
        return {(r.peer_group, r.key): (r.n, round(r.median, 6), round(r.q1, 6), round(r.q3, 6),
                                        round(r.minimum, 6), round(r.maximum, 6))
                for r in s.exec(select(BenchmarkStat).where(BenchmarkStat.model_id == model_id)).all()}
