"""Profile sourcing (P22): shortlists, preparation, profiles sent to a company through a
secure link, and the log of every view of a profile by the company."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKeyConstraint, Index, UniqueConstraint
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


class EntryStatus(StrEnum):
    PROPOSED = "proposed"  # added by a counselor
    SELECTED = "selected"  # ranked and kept by the business developer
    PREPARING = "preparing"  # sent to a counselor for preparation (session or workshop)
    PREPARED = "prepared"
    SENT = "sent"  # the profile went to the company
    EXCLUDED = "excluded"


class Outcome(StrEnum):
    """What the company records per candidate."""

    CONTACTED = "contacted"
    INTERVIEW = "interview"
    HIRED = "hired"
    NOT_RETAINED = "not_retained"


class ShortlistEntry(TenantOwned, table=True):
    __tablename__ = "shortlist_entry"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "need_id"], ["job_need.tenant_id", "job_need.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "student_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "added_by_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "preparer_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "booking_id"], ["session_booking.tenant_id", "session_booking.id"]),
        ForeignKeyConstraint(["tenant_id", "registration_id"], ["registration.tenant_id", "registration.id"]),
        UniqueConstraint("tenant_id", "need_id", "student_membership_id"),
        Index("ix_shortlist_entry_student", "tenant_id", "student_membership_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    need_id: int
    student_membership_id: int
    added_by_membership_id: int | None = None
    # "counselor" | "interest" (the student expressed interest in an offer, P12) | "staff"
    origin: str = Field(default="counselor", max_length=12)
    note: str = Field(default="", max_length=2000)
    rank: int | None = None  # 1 = first; set by the business developer
    status: str = Field(default=EntryStatus.PROPOSED.value, max_length=12)
    preparer_membership_id: int | None = None
    booking_id: int | None = None  # the individual session created for the preparation
    registration_id: int | None = None  # or the workshop registration
    outcome: str = Field(default="", max_length=14)
    outcome_note: str = Field(default="", max_length=2000)
    outcome_at: datetime | None = Field(default=None, sa_column=ts_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class ProfileShare(TenantOwned, table=True):
    """One sending of profiles to a company: a secret link valid until `expires_at`."""

    __tablename__ = "profile_share"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "need_id"], ["job_need.tenant_id", "job_need.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "company_id"], ["company.tenant_id", "company.id"]),
        ForeignKeyConstraint(["tenant_id", "sent_by_membership_id"], ["membership.tenant_id", "membership.id"]),
        UniqueConstraint("token_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    need_id: int
    company_id: int
    # sha256 of the secret in the link; the secret itself is only in the e-mail
    token_hash: str = Field(max_length=64)
    expires_at: datetime = Field(sa_column=ts_column(nullable=False))
    sent_by_membership_id: int | None = None
    sent_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column())


class ProfileShareItem(TenantOwned, table=True):
    """One profile in a sending, with the consent the student had given at that moment."""

    __tablename__ = "profile_share_item"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "share_id"], ["profile_share.tenant_id", "profile_share.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "entry_id"], ["shortlist_entry.tenant_id", "shortlist_entry.id"]),
        ForeignKeyConstraint(["tenant_id", "student_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "consent_record_id"], ["consent_record.tenant_id", "consent_record.id"]),
        UniqueConstraint("tenant_id", "share_id", "student_membership_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    share_id: int
    entry_id: int
    student_membership_id: int
    consent_record_id: int


class ProfileViewLog(TenantOwned, table=True):
    """Every view of a shared profile by a company (P22, security)."""

    __tablename__ = "profile_view_log"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "share_id"], ["profile_share.tenant_id", "profile_share.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "student_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "viewer_membership_id"], ["membership.tenant_id", "membership.id"]),
        Index("ix_profile_view_log_student", "tenant_id", "student_membership_id", "at"),
        Index("ix_profile_view_log_share", "tenant_id", "share_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    share_id: int
    # NULL for the list page or the PDF bundle of the whole sending
    student_membership_id: int | None = None
    # the signed-in company contact, or NULL when the secret link was opened without signing in
    viewer_membership_id: int | None = None
    kind: str = Field(max_length=10)  # list | profile | cv | pdf
    ip: str = Field(default="", max_length=45)
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
