"""Mailings over REST (issue 7 §3, §8): create, schedule, cancel, the delivery log; and the public
routes a mail's reader reaches without signing in: tracked links, one-click unsubscribe and the
preference page's data. Every route calls workflows.communications.mailing."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from workflows.communications import mailing as mail

router = APIRouter(tags=["mailings"], responses=ERROR_RESPONSES)
T = "/tenants/{tenant}"
Scope = Depends(actor_in_tenant)
MailingId = Path(ge=1, le=MAX_ID)


class MailingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=200)
    subject: dict[str, str] = Field(description="per language (fr required, en, ar); may use {{ first_name }}…")
    body: dict[str, str] = Field(description="per language; variables: " + ", ".join(mail.VARIABLES))
    audience: dict = Field(description='{"kind": "students", "levels": [...], "field_ids": [...], '
                                       '"establishment_ids": [...]} | {"kind": "event_registrants", "event_id": n}'
                                       ' | {"kind": "companies"} | {"kind": "host"}')
    category: str = Field("events", pattern="^(" + "|".join(mail.CATEGORIES) + ")$")


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: datetime | None = Field(None, description="when to send (with a time zone); now when empty")


class MailingOut(BaseModel):
    id: int
    title: str
    state: str
    recipients: int
    scheduled_at: datetime | None
    counts: dict[str, int] = Field(description="deliveries per state")


class MailingPage(BaseModel):
    items: list[MailingOut]
    total: int
    page: int


class DeliveryOut(BaseModel):
    id: int
    email: str
    state: str = Field(description="queued, sending, sent, failed, bounced or skipped")
    reason: str
    sent_at: datetime | None
    attempts: int


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    total: int
    page: int


class ScheduledOut(BaseModel):
    id: int
    to_send: int = Field(description="recipients who will get it (the others are skipped, with the reason)")


class CancelledOut(BaseModel):
    id: int
    cancelled: int


@router.get(T + "/mailings", response_model=MailingPage)
def mailings(scope: tuple[Actor, int] = Scope, page: int = Query(1, ge=1, le=10_000),
             per_page: int = Query(20, ge=1, le=100)) -> MailingPage:
    actor, tid = scope
    rows, total = mail.list_mailings(actor, tid, page=page, per_page=per_page)
    return MailingPage(items=[MailingOut(**r.__dict__) for r in rows], total=total, page=page)


@router.post(T + "/mailings", response_model=MailingOut, status_code=201)
def create_mailing(body: MailingIn, scope: tuple[Actor, int] = Scope) -> MailingOut:
    actor, tid = scope
    mid = mail.do_create_mailing(actor, tid, title=body.title, subject=body.subject, body=body.body,
                                 audience=body.audience, category=body.category)
    return MailingOut(id=mid, title=body.title.strip(), state="draft", recipients=0, scheduled_at=None, counts={})


@router.post(T + "/mailings/{mailing_id}/schedule", response_model=ScheduledOut)
def schedule_mailing(scope: tuple[Actor, int] = Scope, mailing_id: int = MailingId,
                     body: ScheduleIn = Body(default_factory=ScheduleIn)) -> ScheduledOut:
    actor, tid = scope
    return ScheduledOut(id=mailing_id, to_send=mail.do_schedule_mailing(actor, tid, mailing_id, body.at))


@router.post(T + "/mailings/{mailing_id}/cancel", response_model=CancelledOut)
def cancel_mailing(scope: tuple[Actor, int] = Scope, mailing_id: int = MailingId) -> CancelledOut:
    actor, tid = scope
    return CancelledOut(id=mailing_id, cancelled=mail.do_cancel_mailing(actor, tid, mailing_id))


@router.get(T + "/mailings/{mailing_id}/deliveries", response_model=DeliveryPage)
def mailing_deliveries(scope: tuple[Actor, int] = Scope, mailing_id: int = MailingId,
                       state: str = Query("", max_length=12), page: int = Query(1, ge=1, le=100_000),
                       per_page: int = Query(50, ge=1, le=200)) -> DeliveryPage:
    actor, tid = scope
    rows, total = mail.delivery_log(actor, tid, mailing_id, state=state, page=page, per_page=per_page)
    return DeliveryPage(items=[DeliveryOut(**r.__dict__) for r in rows], total=total, page=page)


# ---------------------------------------------------------------- public: a mail's reader


class PreferencesOut(BaseModel):
    email: str
    centre: str
    unsubscribed_all: bool
    opted_out: list[str]
    categories: list[str]


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unsubscribed_all: bool = False
    opted_out: list[str] = Field(default_factory=list, max_length=10)


Token = Path(min_length=10, max_length=400)


@router.get("/public/r/{token}", include_in_schema=False)
def follow(token: str = Path(min_length=4, max_length=100), d: str = Query("", max_length=60)) -> RedirectResponse:
    return RedirectResponse(mail.follow_link(token, d), status_code=302)


@router.post("/public/unsubscribe/{token}", response_model=PreferencesOut)
def one_click_unsubscribe(token: str = Token) -> PreferencesOut:
    """RFC 8058: the mail client's one-click unsubscribe (List-Unsubscribe-Post)."""
    return PreferencesOut(**mail.do_update_preferences(token, unsubscribed_all=True))


@router.get("/public/unsubscribe/{token}", include_in_schema=False)
def unsubscribe_page(token: str = Token) -> RedirectResponse:
    from integrations.settings import get_settings

    mail.get_preferences(token)  # an unknown link answers 404 here rather than on the page
    return RedirectResponse(f"{get_settings().base_url}/preferences/{token}", status_code=303)


@router.get("/public/preferences/{token}", response_model=PreferencesOut)
def preferences(token: str = Token) -> PreferencesOut:
    return PreferencesOut(**mail.get_preferences(token))


@router.put("/public/preferences/{token}", response_model=PreferencesOut)
def update_preferences(body: PreferencesIn, token: str = Token) -> PreferencesOut:
    return PreferencesOut(**mail.do_update_preferences(token, unsubscribed_all=body.unsubscribed_all,
                                                       opted_out=body.opted_out))


# ---------------------------------------------------------------- the centre's mail settings; an item's deliveries


class MailSettingsIO(BaseModel):
    model_config = ConfigDict(extra="forbid")
    smtp_host: str = Field("", max_length=200, description="empty: the platform's SMTP (or the dev mailbox)")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_username: str = Field("", max_length=200)
    smtp_password: str | None = Field(None, max_length=500, description="write only; empty keeps the current one")
    smtp_starttls: bool = True
    from_address: str = Field("", max_length=254)
    from_name: str = Field("", max_length=200)
    weekly_cap: int = Field(3, ge=0, le=50, description="mailings one student receives in a week at most (0: none)")


class MailSettingsOut(BaseModel):
    smtp_host: str
    smtp_port: int
    smtp_username: str
    has_password: bool
    smtp_starttls: bool
    from_address: str
    from_name: str
    weekly_cap: int


@router.get(T + "/mail-settings", response_model=MailSettingsOut)
def mail_settings(scope: tuple[Actor, int] = Scope) -> MailSettingsOut:
    actor, tid = scope
    return MailSettingsOut(**mail.get_mail_settings(actor, tid).__dict__)


@router.put(T + "/mail-settings", response_model=MailSettingsOut)
def update_mail_settings(body: MailSettingsIO, scope: tuple[Actor, int] = Scope) -> MailSettingsOut:
    actor, tid = scope
    return MailSettingsOut(**mail.do_update_mail_settings(actor, tid, body.model_dump()).__dict__)


class PostDeliveryOut(BaseModel):
    id: int
    channel_id: int
    channel: str
    state: str = Field(description="queued, sending, sent, failed or waiting (the channel must be reconnected)")
    reason: str
    url: str
    attempts: int
    sent_at: datetime | None


class ItemDeliveriesOut(BaseModel):
    posts: list[PostDeliveryOut]
    mailing_id: int | None = Field(description="its per-recipient log: /mailings/{id}/deliveries")
    mail_counts: dict[str, int]


@router.get(T + "/communication-items/{item_id}/deliveries", response_model=ItemDeliveriesOut)
def item_deliveries(scope: tuple[Actor, int] = Scope, item_id: int = Path(ge=1, le=MAX_ID)) -> ItemDeliveriesOut:
    from workflows.communications.delivery import item_deliveries as deliveries

    actor, tid = scope
    d = deliveries(actor, tid, item_id)
    return ItemDeliveriesOut(posts=[PostDeliveryOut(**p.__dict__) for p in d.posts], mailing_id=d.mailing_id,
                             mail_counts=d.mail_counts)
