"""A centre's peer group for the benchmark: its kind (university, business school, vocational
institute) and a size band from its active students. One definition, stored on an assessment
when it is evaluated and read by the benchmark."""

from __future__ import annotations

from sqlmodel import Session, select

from tenants.core.models import Membership, Tenant
from tenants.core.roles import Role

SIZE_BANDS = ("small", "medium", "large")
SMALL_BELOW, LARGE_FROM = 500, 2000


def size_band(students: int) -> str:
    if students < SMALL_BELOW:
        return "small"
    return "medium" if students < LARGE_FROM else "large"


def centre_profile(session: Session, tenant_id: int) -> tuple[str, str]:
    """The centre's kind and size band today."""
    kind = session.exec(select(Tenant.kind).where(Tenant.id == tenant_id)).one_or_none() or ""
    members = session.exec(select(Membership.roles).where(Membership.tenant_id == tenant_id,
                                                          Membership.active)).all()
    students = sum(1 for roles in members if Role.STUDENT.value in (roles or []))
    return kind, size_band(students)
