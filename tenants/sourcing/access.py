"""Which company a signed-in company contact speaks for, and the one order of a need's
statuses. Shared by every sourcing area so each rule is written once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from integrations.db import utcnow
from integrations.errors import Forbidden
from tenants.core.actor import Actor
from tenants.sourcing.needs.models import JobNeed, NeedStatus
from tenants.sourcing.partners.models import Company, Person

# the board's columns, in the order a need moves through them
PIPELINE = (NeedStatus.RECEIVED, NeedStatus.SHEET_READY, NeedStatus.SOURCING, NeedStatus.SHORTLISTED,
            NeedStatus.PREPARING, NeedStatus.SENT, NeedStatus.OUTCOMES)
_ORDER = {st.value: i for i, st in enumerate(PIPELINE)}
ENDED = (NeedStatus.CLOSED.value, NeedStatus.CANCELLED.value)


def company_person(s: Session, actor: Actor) -> Person:
    """The contact record of the signed-in company contact, with the company it belongs to.
    Refused (no_company) when the membership is linked to no company (yet)."""
    p = s.exec(select(Person).where(Person.membership_id == actor.membership_id,
                                    Person.merged_into_id.is_(None))).first() \
        if actor.membership_id is not None else None
    if p is None or p.company_id is None:
        raise Forbidden("this account is linked to no company", code="no_company")
    company = s.get(Company, p.company_id)
    if company is None or company.merged_into_id is not None:
        raise Forbidden("this account is linked to no company", code="no_company")
    return p


def advance(need: JobNeed, status: NeedStatus, *, now: datetime | None = None) -> bool:
    """Moves a need forward to `status` (never back; an ended need stays ended) and stamps
    the milestone the metrics read. Returns whether it moved."""
    if need.status in ENDED or _ORDER.get(need.status, -1) >= _ORDER[status.value]:
        return False
    now = now or utcnow()
    need.status = status.value
    need.updated_at = now
    if status == NeedStatus.SHEET_READY and need.sheet_ready_at is None:
        need.sheet_ready_at = now
    if status == NeedStatus.SHORTLISTED and need.first_shortlisted_at is None:
        need.first_shortlisted_at = now
    if status == NeedStatus.SENT and need.sent_at is None:
        need.sent_at = now
    return True
