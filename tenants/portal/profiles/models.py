"""Tables of student profiles (BD02) and the centre's study lists (BD05)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index, UniqueConstraint, text
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


class Level(StrEnum):
    BAC_1 = "bac+1"
    BAC_2 = "bac+2"
    BAC_3 = "bac+3"
    BAC_4 = "bac+4"
    BAC_5 = "bac+5"
    DOCTORATE = "doctorate"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"


class LanguageLevel(StrEnum):
    """CEFR levels, plus mother tongue."""

    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"
    NATIVE = "native"


class Establishment(TenantOwned, table=True):
    """The host institution or an affiliated one (a faculty, a school) students come from."""

    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "name"))

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    city: str = Field(default="", max_length=100)
    is_host: bool = False  # the centre's own institution, as opposed to an affiliated one
    active: bool = True


class StudyField(TenantOwned, table=True):
    """A field of study with its training tracks (filières), BD05; edited by staff."""

    __tablename__ = "study_field"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "name"))

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=150)
    sector: str = Field(default="", max_length=150)
    tracks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True


class StudentProfile(TenantOwned, table=True):
    """One student's profile in one centre.

    `membership_id` becomes NULL when a deletion request is approved: the row stays, scrubbed of
    everything personal, so the centre's statistics (level, field, establishment) still add up.
    """

    __tablename__ = "student_profile"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "establishment_id"], ["establishment.tenant_id", "establishment.id"]),
        ForeignKeyConstraint(["tenant_id", "field_id"], ["study_field.tenant_id", "study_field.id"]),
        UniqueConstraint("tenant_id", "membership_id"),
        UniqueConstraint("tenant_id", "qr_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    membership_id: int | None = Field(default=None)
    full_name: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=30)
    establishment_id: int | None = Field(default=None, index=True)
    field_id: int | None = Field(default=None, index=True)
    track: str = Field(default="", max_length=150)
    level: str | None = Field(default=None, max_length=20)
    # "female" | "male" | "" (not said): the statistics count by gender (T03)
    gender: str = Field(default="", max_length=10)
    graduation_year: int | None = None
    graduation_month: int | None = None
    # [{"language": "Français", "level": "C1"}]
    languages: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    skills: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # [{"title", "organisation", "start": "YYYY-MM-DD", "end": "YYYY-MM-DD"|None, "description"}]
    experiences: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # the value of the student's personal QR code (kiosk check-in); random, NULL once anonymised
    qr_code: str | None = Field(default=None, max_length=64)
    cv_key: str | None = Field(default=None, max_length=200)
    cv_filename: str = Field(default="", max_length=200)
    cv_size: int | None = None
    cv_uploaded_at: datetime | None = Field(default=None, sa_column=ts_column())
    anonymised_at: datetime | None = Field(default=None, sa_column=ts_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class ConsentRecord(TenantOwned, table=True):
    """One grant or revocation; the latest row for (membership, purpose) is the current state."""

    __tablename__ = "consent_record"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "membership_id"], ["membership.tenant_id", "membership.id"],
                             ondelete="CASCADE"),
        Index("ix_consent_record_member", "tenant_id", "membership_id", "purpose", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    membership_id: int
    purpose: str = Field(max_length=60)
    granted: bool
    # which wording the student saw, so a later change of the text is traceable
    text_version: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class DeletionRequest(TenantOwned, table=True):
    __tablename__ = "deletion_request"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "handled_by_membership_id"], ["membership.tenant_id", "membership.id"]),
        # at most one open request per student: a second click answers "already requested"
        Index("uq_deletion_request_open", "tenant_id", "membership_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    membership_id: int = Field(index=True)
    status: str = Field(default="pending", max_length=20, index=True)  # pending | approved | rejected
    reason: str = Field(default="", max_length=2000)
    requested_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    handled_at: datetime | None = Field(default=None, sa_column=ts_column())
    handled_by_membership_id: int | None = None
    rejection_reason: str = Field(default="", max_length=2000)
