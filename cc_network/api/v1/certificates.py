"""Public verification of a participation certificate (T05), as the QR code's page does."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from cc_network.api.v1.schemas import ERROR_RESPONSES
from integrations import ratelimit
from integrations.errors import RateLimited
from tenants.portal.certificates.services import verify_certificate

router = APIRouter(tags=["certificates"], responses=ERROR_RESPONSES)

# codes are unguessable (80 bits); the limit keeps anyone from trying many anyway
VERIFY_LIMIT = "30/minute"


class VerificationOut(BaseModel):
    valid: bool
    student_name: str
    event_title: str
    event_date: str


@router.get("/certificates/{code}", response_model=VerificationOut)
def verify(request: Request, code: str = Path(min_length=1, max_length=64)) -> VerificationOut:
    """No sign-in: only the name, the activity, its date and whether the certificate is valid."""
    client = request.client.host if request.client else "unknown"
    if not ratelimit.hit(VERIFY_LIMIT, "certificate-verify", client):
        raise RateLimited("too many verifications; wait a minute", code="rate_limited")
    v = verify_certificate(code)
    return VerificationOut(valid=v.valid, student_name=v.student_name, event_title=v.event_title,
                           event_date=v.event_date.isoformat())
