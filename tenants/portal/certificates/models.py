"""Participation certificates (T05). The name, title and date are copied at issue time: a
certificate states what was true when it was delivered, whatever is renamed later."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


class Certificate(TenantOwned, table=True):
    __tablename__ = "certificate"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "registration_id"], ["registration.tenant_id", "registration.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "event_id"], ["event.tenant_id", "event.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "student_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "response_id"], ["survey_response.tenant_id", "survey_response.id"],
                             ondelete="SET NULL"),
        UniqueConstraint("tenant_id", "registration_id"),
        UniqueConstraint("tenant_id", "code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int
    event_id: int = Field(index=True)
    student_membership_id: int = Field(index=True)
    response_id: int | None = None
    # printed on the certificate and in its QR code; looked up by its hash, which is
    # unique across the network because /verify/<code> names no centre
    code: str = Field(max_length=32)
    code_hash: str = Field(max_length=64, unique=True)
    student_name: str = Field(max_length=200)
    event_title: str = Field(max_length=200)
    event_date: date  # the local date of the activity
    duration_minutes: int
    lang: str = Field(default="fr", max_length=5)
    issued_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column())
    revoked_by_membership_id: int | None = None
    revoke_reason: str = Field(default="", max_length=500)
