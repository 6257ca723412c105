"""The evaluation job (P28.5), thin: the rules are in workflows.assessment.services.

Completing an assessment writes an outbox row of kind "assessment.compute" in the same
transaction; the outbox relay (a Celery task) runs its handler, `services.do_compute`. Importing
this module in the worker registers that handler, and the listeners of an evaluation (the
benchmark's hook). `compute_assessment` runs the same work by id
(a re-run by hand, or after a restore); both are idempotent.
"""

from __future__ import annotations

from celery import shared_task

import workflows.assessment.benchmark  # noqa: F401  (its EVALUATED hook must run in the worker that evaluates)
from workflows.assessment import services


@shared_task(name="workflows.assessment.compute_assessment", ignore_result=True, acks_late=True)
def compute_assessment(assessment_id: int) -> bool:
    """True when the assessment is evaluated (now or before)."""
    if not isinstance(assessment_id, int) or isinstance(assessment_id, bool) or assessment_id <= 0:
        return False
    return services.do_compute(assessment_id) is not None
