"""Registrations of students to events open to registration (P08 and the like), with the
waitlist, and the image-rights waivers (M36) they sign when the event publishes photos."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index, text
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow

CONFIRMED = "confirmed"
PENDING = "pending_confirmation"
WAITLISTED = "waitlisted"
OFFERED = "offered"  # promoted from the waitlist, holding a seat until hold_expires_at
CANCELLED = "cancelled"
ATTENDED = "attended"
NO_SHOW = "no_show"
STATUSES = (CONFIRMED, PENDING, WAITLISTED, OFFERED, CANCELLED, ATTENDED, NO_SHOW)
# statuses that hold one of the event's seats (counted in Event.registered_count)
SEAT_STATUSES = (CONFIRMED, PENDING, OFFERED, ATTENDED, NO_SHOW)

_ACTIVE = text("status != 'cancelled'")
_QUEUED = text("waitlist_seq IS NOT NULL")


class Registration(TenantOwned, table=True):
    __tablename__ = "registration"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "event_id"], ["event.tenant_id", "event.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "student_membership_id"], ["membership.tenant_id", "membership.id"]),
        # one live registration per student and event; a cancelled one does not block a new one
        Index("uq_registration_active_student", "tenant_id", "event_id", "student_membership_id", unique=True,
              sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
        # the waitlist's arrival numbers are never given twice for one event
        Index("uq_registration_waitlist_seq", "tenant_id", "event_id", "waitlist_seq", unique=True,
              sqlite_where=_QUEUED, postgresql_where=_QUEUED),
        Index("ix_registration_event_status", "tenant_id", "event_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int
    student_membership_id: int = Field(index=True)
    status: str = Field(max_length=24)
    # arrival number on the event's waitlist (1, 2, 3, ...), kept after promotion
    waitlist_seq: int | None = None
    hold_expires_at: datetime | None = Field(default=None, sa_column=ts_column(index=True))
    # taken inside the event's lock, so it follows the order registrations committed in
    registered_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    confirmed_at: datetime | None = Field(default=None, sa_column=ts_column())
    offered_at: datetime | None = Field(default=None, sa_column=ts_column())
    cancelled_at: datetime | None = Field(default=None, sa_column=ts_column())
    cancel_reason: str = Field(default="", max_length=40)  # by_student | offer_expired
    checked_in_at: datetime | None = Field(default=None, sa_column=ts_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class ImageWaiver(TenantOwned, table=True):
    """An accepted image-rights release (M36): what text, for which uses, signed by whom."""

    __tablename__ = "image_waiver"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "registration_id"], ["registration.tenant_id", "registration.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "event_id"], ["event.tenant_id", "event.id"], ondelete="CASCADE"),
        Index("uq_image_waiver_registration", "tenant_id", "registration_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int
    event_id: int = Field(index=True)
    text_version: str = Field(max_length=40)
    # channels the photos may be used on, e.g. ["website", "social_networks", "print"]
    scope: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    signature: str = Field(max_length=200)  # the name the student typed
    accepted_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
