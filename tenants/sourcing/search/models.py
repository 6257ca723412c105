"""The searchable text of each student profile (P22 sourcing), one row per profile.

The migration adds the engine's index beside it: on PostgreSQL a stored tsvector column
(French configuration) with a GIN index; on SQLite an FTS5 external-content table kept in
step by triggers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


class StudentSearchDoc(TenantOwned, table=True):
    __tablename__ = "student_search_doc"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "profile_id"], ["student_profile.tenant_id", "student_profile.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "profile_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int
    membership_id: int | None = Field(default=None, index=True)
    # name, field, track, skills, languages, experiences: what a counselor types in the box
    body: str = ""
    # copied here so one indexed query answers "consenting students only" (kept in step by the
    # consent, membership and profile services' hooks)
    consenting: bool = False
    active: bool = True
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
