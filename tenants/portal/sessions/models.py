"""Individual sessions (P07): bookings of a counselor's time, and no-show suspensions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, UniqueConstraint, text
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow

REQUESTED, CONFIRMED, DONE, NO_SHOW, CANCELLED = "requested", "confirmed", "done", "no_show", "cancelled"
STATUSES = (REQUESTED, CONFIRMED, DONE, NO_SHOW, CANCELLED)
OPEN_STATUSES = (REQUESTED, CONFIRMED)  # still ahead: can be confirmed, cancelled, marked
# A cancelled booking frees its slot; every other one holds it (the partial indexes below
# and, on PostgreSQL, the exclusion constraint in tenants.portal.sessions.ddl use this).
HOLDS_SLOT_SQL = "status <> 'cancelled'"


class SessionBooking(TenantOwned, table=True):
    """One individual session: who, with whom, when, why; and what came of it.

    The counselor's time is also a calendar Event of type individual_session (event_id),
    so it shows in their planning and ICS feed and blocks other activities."""

    __tablename__ = "session_booking"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "event_id"], ["event.tenant_id", "event.id"]),
        ForeignKeyConstraint(["tenant_id", "student_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "counselor_membership_id"],
                             ["membership.tenant_id", "membership.id"]),
        UniqueConstraint("tenant_id", "event_id"),
        # two students can never hold the same slot of a counselor
        Index("uq_session_booking_counselor_slot", "tenant_id", "counselor_membership_id", "starts_at",
              unique=True, sqlite_where=text(HOLDS_SLOT_SQL), postgresql_where=text(HOLDS_SLOT_SQL)),
        Index("ix_session_booking_student", "tenant_id", "student_membership_id", "starts_at"),
        Index("ix_session_booking_status_starts", "status", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int
    student_membership_id: int
    counselor_membership_id: int
    starts_at: datetime = Field(sa_column=ts_column(nullable=False))
    ends_at: datetime = Field(sa_column=ts_column(nullable=False))
    need: str = Field(max_length=2000)  # what the student wants to work on (P07.2)
    status: str = Field(default=REQUESTED, max_length=20)
    # after the session (P07.6-7): staff only, never shown to the student
    notes: str = ""
    next_action: str = Field(default="", max_length=1000)
    cancelled_by: str = Field(default="", max_length=20)  # student | counselor
    cancel_reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    confirmed_at: datetime | None = Field(default=None, sa_column=ts_column())
    cancelled_at: datetime | None = Field(default=None, sa_column=ts_column())
    marked_at: datetime | None = Field(default=None, sa_column=ts_column())  # done / no_show recorded
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class StudentSuspension(TenantOwned, table=True):
    """The no-show policy at work: no bookings for this student until ends_at."""

    __tablename__ = "student_suspension"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "student_membership_id"], ["membership.tenant_id", "membership.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "booking_id"], ["session_booking.tenant_id", "session_booking.id"]),
        Index("ix_student_suspension_student_ends", "tenant_id", "student_membership_id", "ends_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    student_membership_id: int
    starts_at: datetime = Field(sa_column=ts_column(nullable=False))
    ends_at: datetime = Field(sa_column=ts_column(nullable=False))
    no_show_count: int
    # the booking whose no-show triggered it
    booking_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
