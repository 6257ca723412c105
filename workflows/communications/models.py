"""Tables of communications (P29, P30): the communication plan (M32's communication part), the
media library (BD04), communication items with their approval, mailings and their deliveries,
social posts' deliveries, preferences (unsubscribe), tracked links and the tenant's mail settings.

Deliveries are one row per (mailing, recipient) and per (item, channel), unique, written before
anything is sent: the row's state is what makes a send happen once, whatever the workers do.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index, Text, UniqueConstraint
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow


class PlanState(StrEnum):
    DRAFT = "draft"  # the communication counselor proposes it (P29.1)
    PROPOSED = "proposed"  # submitted to the manager
    VALIDATED = "validated"  # validated by the manager (P29.2)
    SENT = "sent"  # sent to the host institution (P29.3)
    FOLDED = "folded"  # folded into the weekly action plan (P29.4)


class CommPlan(TenantOwned, table=True):
    __tablename__ = "comm_plan"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "created_by_membership_id"], ["membership.tenant_id", "membership.id"]),
        Index("ix_comm_plan_period", "tenant_id", "period_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    period_kind: str = Field(default="month", max_length=10)  # week | month | months
    period_start: date
    period_end: date
    state: str = Field(default=PlanState.DRAFT.value, max_length=10)
    # [{"event_id", "title", "date", "channels": [...], "message", "item_id"}] built from the planned activities
    entries: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_by_membership_id: int | None = None
    validated_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    validated_at: datetime | None = Field(default=None, sa_column=ts_column())
    sent_at: datetime | None = Field(default=None, sa_column=ts_column())
    folded_at: datetime | None = Field(default=None, sa_column=ts_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class MediaAsset(TenantOwned, table=True):
    """BD04: the centre's source files of communication materials."""

    __tablename__ = "media_asset"
    __table_args__ = tenant_table_args()

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    storage_key: str = Field(max_length=300)
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size_bytes: int = 0
    width: int | None = None
    height: int | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    uploaded_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class ItemState(StrEnum):
    DRAFT = "draft"  # the communication counselor drafts (P30.1), 3 months ahead
    SUBMITTED = "submitted"  # to the manager
    CHECKED = "checked"  # checked by the manager (P30.2)
    VALIDATED = "validated"  # validated in the weekly coordination meeting (P30.3)
    PUBLISHING = "publishing"  # deliveries queued
    PUBLISHED = "published"  # every delivery ended
    WAITING = "waiting"  # a channel needs the tenant (expired token): the rest waits with it


class CommItem(TenantOwned, table=True):
    __tablename__ = "comm_item"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "event_id"], ["event.tenant_id", "event.id"]),
        ForeignKeyConstraint(["tenant_id", "offer_id"], ["offer.tenant_id", "offer.id"]),
        ForeignKeyConstraint(["tenant_id", "plan_id"], ["comm_plan.tenant_id", "comm_plan.id"]),
        ForeignKeyConstraint(["tenant_id", "validated_in_meeting_id"], ["meeting_record.tenant_id", "meeting_record.id"]),
        Index("ix_comm_item_state", "tenant_id", "state", "publish_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int | None = None
    offer_id: int | None = None
    plan_id: int | None = None
    title: str = Field(max_length=200)
    # {"fr": ..., "en": ..., "ar": ...}: the post text and the e-mail body per language
    text: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    subject: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    media_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # social channel ids, plus "email"
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # the e-mail segment: {"kind": "students", "fields": [...], "levels": [...], "establishments": [...],
    #                      "event_id": ..} | {"kind": "companies"} | {"kind": "host"}
    audience: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    publish_at: datetime | None = Field(default=None, sa_column=ts_column())
    draft_due_on: date | None = None  # three months before the event (P30.1)
    state: str = Field(default=ItemState.DRAFT.value, max_length=12)
    created_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    checked_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    checked_at: datetime | None = Field(default=None, sa_column=ts_column())
    validated_in_meeting_id: int | None = None
    validated_at: datetime | None = Field(default=None, sa_column=ts_column())
    published_at: datetime | None = Field(default=None, sa_column=ts_column())
    last_error: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class MailingState(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"


class Mailing(TenantOwned, table=True):
    __tablename__ = "mailing"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "item_id"], ["comm_item.tenant_id", "comm_item.id"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int | None = None
    title: str = Field(max_length=200)
    subject: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    body: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    audience: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    category: str = Field(default="events", max_length=30)  # what a recipient can opt out of
    state: str = Field(default=MailingState.DRAFT.value, max_length=10)
    scheduled_at: datetime | None = Field(default=None, sa_column=ts_column())
    recipients: int = 0
    created_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    started_at: datetime | None = Field(default=None, sa_column=ts_column())
    finished_at: datetime | None = Field(default=None, sa_column=ts_column())


class DeliveryState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"
    SKIPPED = "skipped"  # unsubscribed, or over the weekly cap
    WAITING = "waiting"  # social: the channel needs the tenant (expired token)


class MailDelivery(TenantOwned, table=True):
    __tablename__ = "mail_delivery"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "mailing_id"], ["mailing.tenant_id", "mailing.id"], ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "mailing_id", "email"),
        Index("ix_mail_delivery_state", "tenant_id", "mailing_id", "state"),
        Index("ix_mail_delivery_account_week", "tenant_id", "account_id", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mailing_id: int
    account_id: int | None = Field(default=None, foreign_key="account.id")
    email: str = Field(max_length=254)
    full_name: str = Field(default="", max_length=200)
    lang: str = Field(default="fr", max_length=8)
    state: str = Field(default=DeliveryState.QUEUED.value, max_length=10)
    message_id: str = Field(default="", max_length=200)  # our Message-ID: bounces are matched on it
    attempts: int = 0
    locked_at: datetime | None = Field(default=None, sa_column=ts_column())
    reason: str = Field(default="", max_length=1000)
    sent_at: datetime | None = Field(default=None, sa_column=ts_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class PostDelivery(TenantOwned, table=True):
    __tablename__ = "post_delivery"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "item_id"], ["comm_item.tenant_id", "comm_item.id"], ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "item_id", "channel_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int
    channel_id: int
    state: str = Field(default=DeliveryState.QUEUED.value, max_length=10)
    provider_post_id: str = Field(default="", max_length=200)
    url: str = Field(default="", max_length=1000)
    attempts: int = 0
    locked_at: datetime | None = Field(default=None, sa_column=ts_column())
    reason: str = Field(default="", max_length=1000)
    sent_at: datetime | None = Field(default=None, sa_column=ts_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class CommPreference(TenantOwned, table=True):
    """A recipient's choices, honoured by every mailing of the centre (keyed on the e-mail, so a
    company contact without an account can unsubscribe too)."""

    __tablename__ = "comm_preference"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "email"))

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    unsubscribed_all: bool = False
    # categories opted out of ("events", "offers", "newsletter")
    opted_out: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    bounced: bool = False  # a hard bounce: no more mail until the address is confirmed again
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class TrackedLink(TenantOwned, table=True):
    __tablename__ = "tracked_link"
    __table_args__ = tenant_table_args(
        UniqueConstraint("token_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # the redirect URL carries a random token; only its keyed hash is stored (integrations.crypto)
    token_hash: str = Field(max_length=64)
    url: str = Field(max_length=2000)
    item_id: int | None = None
    mailing_id: int | None = None
    clicks: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class LinkClick(TenantOwned, table=True):
    __tablename__ = "link_click"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "link_id"], ["tracked_link.tenant_id", "tracked_link.id"],
                             ondelete="CASCADE"),
    )

    id: int | None = Field(default=None, primary_key=True)
    link_id: int = Field(index=True)
    delivery_id: int | None = None
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class MailSettings(TenantOwned, table=True):
    """The centre's SMTP (empty host: the platform's CC_SMTP_URL, or the dev mailbox) and its cap."""

    __tablename__ = "mail_settings"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id"))

    id: int | None = Field(default=None, primary_key=True)
    smtp_host: str = Field(default="", max_length=200)
    smtp_port: int = 587
    smtp_username: str = Field(default="", max_length=200)
    smtp_password_enc: str = Field(default="", max_length=1000)
    smtp_starttls: bool = True
    from_address: str = Field(default="", max_length=254)
    from_name: str = Field(default="", max_length=200)
    # at most this many mailings reach one student in a week (0: no cap)
    weekly_cap: int = 3
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
