"""The automatic evaluation (P28.5, BR-34): scores per criterion, per domain and overall, the
"must" criteria not met, and a maturity level. Pure functions over plain values, so the Celery
job, the benchmark and the tests share one definition.

- A criterion rated 0-3 scores value / 3 x 100. "Not applicable" and "insufficient evidence"
  count in no average (they are reported as such).
- A domain scores the weighted mean of its counted criteria; the overall score is the mean of
  the domains that have one, so a domain with many criteria does not outweigh the others.
- A "must" criterion rated below 2 (met) is flagged; one without enough evidence is listed apart.
- Maturity: initial < 40 or a "must" rated 0; developing < 60 or any "must" unmet;
  established < 80; advanced from 80.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean

from workflows.assessment.models import SCALE, RatingStatus, Tier

MATURITY_LEVELS = ("initial", "developing", "established", "advanced")
MET = 2


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    domain: str
    tier: str = Tier.SHOULD.value
    weight: float = 1.0


@dataclass(frozen=True)
class Answer:
    status: str = RatingStatus.RATED.value
    value: int | None = None


def criterion_score(answer: Answer | None) -> float | None:
    if answer is None or answer.status != RatingStatus.RATED.value or answer.value is None:
        return None
    if answer.value not in SCALE:
        raise ValueError(f"rating outside the scale: {answer.value}")
    return round(answer.value / SCALE[-1] * 100, 2)


def maturity(overall: float | None, must_zero: bool, must_unmet: bool) -> str:
    if overall is None:
        return ""
    if overall < 40 or must_zero:
        return MATURITY_LEVELS[0]
    if overall < 60 or must_unmet:
        return MATURITY_LEVELS[1]
    if overall < 80:
        return MATURITY_LEVELS[2]
    return MATURITY_LEVELS[3]


def evaluate(criteria: list[CriterionSpec], answers: dict[str, Answer]) -> dict:
    """The evaluation of one set of answers, as stored in Assessment.result."""
    crit_scores: dict[str, float | None] = {}
    by_domain: dict[str, list[tuple[float, float]]] = {}
    must_unmet: list[str] = []
    must_unverified: list[str] = []
    counts = {"rated": 0, RatingStatus.NOT_APPLICABLE.value: 0, RatingStatus.INSUFFICIENT.value: 0,
              "unanswered": 0}
    must_zero = False
    domains_seen: list[str] = []
    for c in criteria:
        if c.domain not in domains_seen:
            domains_seen.append(c.domain)
        a = answers.get(c.code)
        score = criterion_score(a)
        crit_scores[c.code] = score
        if a is None:
            counts["unanswered"] += 1
        elif a.status == RatingStatus.RATED.value:
            counts["rated"] += 1
        else:
            counts[a.status] = counts.get(a.status, 0) + 1
        if score is not None and c.weight > 0:
            by_domain.setdefault(c.domain, []).append((score, c.weight))
        if c.tier == Tier.MUST.value:
            if score is not None and a is not None and a.value is not None and a.value < MET:
                must_unmet.append(c.code)
                must_zero = must_zero or a.value == 0
            elif a is not None and a.status == RatingStatus.INSUFFICIENT.value:
                must_unverified.append(c.code)
    domain_scores: dict[str, float | None] = {}
    for d in domains_seen:
        pairs = by_domain.get(d)
        domain_scores[d] = (round(sum(s * w for s, w in pairs) / sum(w for _, w in pairs), 2)
                            if pairs else None)
    present = [v for v in domain_scores.values() if v is not None]
    overall = round(fmean(present), 2) if present else None
    return {
        "overall": overall,
        "domains": domain_scores,
        "criteria": crit_scores,
        "must_unmet": must_unmet,
        "must_unverified": must_unverified,
        "maturity": maturity(overall, must_zero, bool(must_unmet)),
        "counts": counts,
    }


def suggest_rating(value: float | None, target: float | None, higher_is_better: bool = True) -> int | None:
    """A live indicator's hint for the rater (never a rating by itself): met at the target, fully met
    a quarter beyond it, partly met from half of it."""
    if value is None or target is None or target <= 0:
        return None
    ratio = value / target if higher_is_better else (target / value if value > 0 else 2.0)
    if ratio >= 1.25:
        return 3
    if ratio >= 1:
        return 2
    if ratio >= 0.5:
        return 1
    return 0
