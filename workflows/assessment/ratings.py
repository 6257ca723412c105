"""What a rating may be (one definition for the manager, the evaluators and the consensus)."""

from __future__ import annotations

from integrations.errors import Invalid
from workflows.assessment.models import SCALE, RatingStatus, RefCriterion

MAX_JUSTIFICATION = 4000


def clean_answer(criterion: RefCriterion, status: object, value: object,
                 justification: object) -> tuple[str, int | None, str]:
    """(status, value, justification) checked against the scale and the criterion's rule, or Invalid."""
    st = str(status or RatingStatus.RATED.value).strip()
    if st not in {s.value for s in RatingStatus}:
        raise Invalid("unknown rating status", code="rating_status_invalid")
    text = str(justification or "").strip()
    if len(text) > MAX_JUSTIFICATION:
        raise Invalid("justification too long", code="justification_too_long", max=MAX_JUSTIFICATION)
    if st != RatingStatus.RATED.value:
        # "not applicable" and "insufficient evidence" always say why: they leave the criterion out
        if not text:
            raise Invalid("a justification is required", code="justification_required",
                          criterion=criterion.code)
        return st, None, text
    if isinstance(value, bool) or value is None or value == "":
        raise Invalid("rating outside the scale", code="rating_out_of_scale", min=SCALE[0], max=SCALE[-1])
    try:
        v = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid("rating outside the scale", code="rating_out_of_scale", min=SCALE[0],
                      max=SCALE[-1]) from None
    if str(v) != str(value).strip() or v not in SCALE:
        raise Invalid("rating outside the scale", code="rating_out_of_scale", min=SCALE[0], max=SCALE[-1])
    rule = criterion.justification
    if not text and (rule == "always" or (rule == "below_met" and v < 2)):
        raise Invalid("a justification is required", code="justification_required", criterion=criterion.code)
    return st, v, text
