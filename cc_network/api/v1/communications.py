"""Communications over REST (issue 7, P29, P30, BD04): communication items and their approval,
their follow-up figures, the publication calendar, communication plans and their transitions,
and the media library. Every route calls workflows.communications.{items,plans,media}, which
check permission and centre."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from workflows.communications import items as svc
from workflows.communications import media as media_svc
from workflows.communications import plans as plan_svc

router = APIRouter(tags=["communications"], responses=ERROR_RESPONSES)
T = "/tenants/{tenant}"
Scope = Depends(actor_in_tenant)
ItemId = Path(ge=1, le=MAX_ID)
PlanId = Path(ge=1, le=MAX_ID)
MediaId = Path(ge=1, le=MAX_ID)
MAX_PER_PAGE = 100
STATE_PATTERN = "^(" + "|".join(svc.STATES) + ")$"
PLAN_STATE_PATTERN = "^(" + "|".join(plan_svc.STATES) + ")$"


# ---------------------------------------------------------------- items

class ItemOut(BaseModel):
    id: int
    title: str
    state: str = Field(description=" → ".join(svc.STATES[:6]) + ", or waiting (a channel needs the centre)")
    event_id: int | None
    event_title: str
    event_starts_at: datetime | None
    offer_id: int | None
    offer_title: str
    plan_id: int | None
    text: dict[str, str] = Field(description="per language: fr, ar, en")
    subject: dict[str, str] = Field(description="the e-mail subject per language")
    media_ids: list[int]
    channels: list[str] = Field(description='"email" and the ids (as text) of the centre\'s social channels')
    audience: dict[str, Any]
    publish_at: datetime | None
    draft_due_on: date | None = Field(description="three months before the event (P30.1)")
    late: bool = Field(description="created or submitted after draft_due_on, or still a draft past it")
    checked_at: datetime | None
    validated_in_meeting_id: int | None
    validated_at: datetime | None
    published_at: datetime | None
    last_error: str
    created_at: datetime
    updated_at: datetime
    sent_back_comment: str


class ItemPageOut(BaseModel):
    items: list[ItemOut]
    page: int
    per_page: int
    total: int
    next_page: int | None


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=200)
    event_id: int | None = Field(None, ge=1, le=MAX_ID)
    offer_id: int | None = Field(None, ge=1, le=MAX_ID)
    text: dict[str, str] = Field(default_factory=dict, description="fr, ar, en; variables as in mailings")
    subject: dict[str, str] = Field(default_factory=dict)
    media_ids: list[int] = Field(default_factory=list, max_length=10)
    channels: list[str] = Field(default_factory=list, max_length=50)
    audience: dict[str, Any] = Field(default_factory=dict, description=(
        '{"kind": "students", "field_ids": [..], "establishment_ids": [..], "levels": [..]}, '
        '{"kind": "event_registrants", "event_id": n}, {"kind": "companies"} or {"kind": "host"}'))
    publish_at: datetime | None = None


class ItemPatch(BaseModel):
    """Only the fields sent change. An edit after submission sends the item back to draft."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=200)
    event_id: int | None = Field(None, ge=1, le=MAX_ID)
    offer_id: int | None = Field(None, ge=1, le=MAX_ID)
    text: dict[str, str] | None = None
    subject: dict[str, str] | None = None
    media_ids: list[int] | None = Field(None, max_length=10)
    channels: list[str] | None = Field(None, max_length=50)
    audience: dict[str, Any] | None = None
    publish_at: datetime | None = None


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(max_length=2000)


class ValidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meeting_id: int = Field(ge=1, le=MAX_ID, description="the open weekly coordination meeting's record")


class FiguresOut(BaseModel):
    item_id: int
    emails: dict[str, int] = Field(description="e-mail deliveries per state")
    posts: dict[str, int] = Field(description="social posts per state")
    clicks: int
    links: int


def _item(v: svc.ItemView) -> ItemOut:
    return ItemOut.model_validate(asdict(v))


@router.get(T + "/communication-items", response_model=ItemPageOut)
def list_items(state: str | None = Query(None, pattern=STATE_PATTERN), late: bool = False,
               event_id: int | None = Query(None, ge=1, le=MAX_ID), q: str = Query("", max_length=100),
               page: int = Query(1, ge=1, le=100000), per_page: int = Query(25, ge=1, le=MAX_PER_PAGE),
               scope: tuple[Actor, int] = Scope) -> ItemPageOut:
    actor, tenant_id = scope
    got = svc.list_items(actor, tenant_id, state=state, late=late, event_id=event_id, search=q, page=page,
                         per_page=per_page)
    return ItemPageOut(items=[_item(x) for x in got.items], page=got.page, per_page=got.per_page, total=got.total,
                       next_page=got.page + 1 if got.page * got.per_page < got.total else None)


@router.post(T + "/communication-items", response_model=ItemOut, status_code=201)
def create_item(body: ItemIn, scope: tuple[Actor, int] = Scope) -> ItemOut:
    actor, tenant_id = scope
    return _item(svc.do_create_item(actor, tenant_id, body.model_dump()))


@router.get(T + "/communication-items/{item_id}", response_model=ItemOut)
def get_item(item_id: int = ItemId, scope: tuple[Actor, int] = Scope) -> ItemOut:
    actor, tenant_id = scope
    return _item(svc.get_item(actor, tenant_id, item_id))


@router.patch(T + "/communication-items/{item_id}", response_model=ItemOut)
def update_item(body: ItemPatch, item_id: int = ItemId, scope: tuple[Actor, int] = Scope) -> ItemOut:
    actor, tenant_id = scope
    return _item(svc.do_update_item(actor, tenant_id, item_id, body.model_dump(exclude_unset=True)))


@router.delete(T + "/communication-items/{item_id}", status_code=204)
def delete_item(item_id: int = ItemId, scope: tuple[Actor, int] = Scope) -> Response:
    actor, tenant_id = scope
    svc.do_delete_item(actor, tenant_id, item_id)
    return Response(status_code=204)


@router.post(T + "/communication-items/{item_id}/submit", response_model=ItemOut)
def submit_item(item_id: int = ItemId, scope: tuple[Actor, int] = Scope) -> ItemOut:
    actor, tenant_id = scope
    return _item(svc.do_submit_item(actor, tenant_id, item_id))


@router.post(T + "/communication-items/{item_id}/check", response_model=ItemOut)
def check_item(item_id: int = ItemId, scope: tuple[Actor, int] = Scope) -> ItemOut:
    actor, tenant_id = scope
    return _item(svc.do_check_item(actor, tenant_id, item_id))


@router.post(T + "/communication-items/{item_id}/send-back", response_model=ItemOut)
def send_back_item(body: CommentIn, item_id: int = ItemId, scope: tuple[Actor, int] = Scope) -> ItemOut:
    actor, tenant_id = scope
    return _item(svc.do_send_back_item(actor, tenant_id, item_id, body.comment))


@router.post(T + "/communication-items/{item_id}/validate", response_model=ItemOut)
def validate_item(body: ValidateIn, item_id: int = ItemId, scope: tuple[Actor, int] = Scope) -> ItemOut:
    actor, tenant_id = scope
    return _item(svc.do_validate_item(actor, tenant_id, item_id, body.meeting_id))


@router.get(T + "/communication-items/{item_id}/figures", response_model=FiguresOut)
def item_figures(item_id: int = ItemId, scope: tuple[Actor, int] = Scope) -> FiguresOut:
    actor, tenant_id = scope
    return FiguresOut.model_validate(asdict(svc.item_figures(actor, tenant_id, item_id)))


@router.get(T + "/publications", response_model=list[ItemOut])
def publications(start: date, end: date, scope: tuple[Actor, int] = Scope) -> list[ItemOut]:
    """Items whose publish_at falls in [start, end), at most two months."""
    actor, tenant_id = scope
    return [_item(x) for x in svc.publications(actor, tenant_id, start, end)]


# ---------------------------------------------------------------- plans

class PlanOut(BaseModel):
    id: int
    title: str
    period_kind: str
    period_start: date
    period_end: date
    state: str = Field(description=" → ".join(plan_svc.STATES))
    entries: list[dict[str, Any]] = Field(description="{event_id, title, type, date, channels, message, item_id}")
    note: str
    validated_at: datetime | None
    sent_at: datetime | None
    folded_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period_kind: str = Field(pattern="^(week|month|months)$")
    start: date
    end: date
    title: str | None = Field(None, max_length=200)


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: int = Field(ge=1, le=MAX_ID)
    message: str | None = Field(None, max_length=2000)
    channels: list[str] | None = Field(None, max_length=50)


class PlanPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[EntryIn] | None = Field(None, max_length=500)
    note: str | None = Field(None, max_length=4000)
    title: str | None = Field(None, max_length=200)


def _plan(v: plan_svc.PlanView) -> PlanOut:
    return PlanOut.model_validate(asdict(v))


@router.get(T + "/communication-plans", response_model=list[PlanOut])
def list_plans(state: str | None = Query(None, pattern=PLAN_STATE_PATTERN),
               scope: tuple[Actor, int] = Scope) -> list[PlanOut]:
    actor, tenant_id = scope
    return [_plan(p) for p in plan_svc.list_plans(actor, tenant_id, state=state)]


@router.post(T + "/communication-plans", response_model=PlanOut, status_code=201)
def create_plan(body: PlanIn, scope: tuple[Actor, int] = Scope) -> PlanOut:
    actor, tenant_id = scope
    return _plan(plan_svc.do_create_plan(actor, tenant_id, body.period_kind, body.start, body.end, title=body.title))


@router.get(T + "/communication-plans/{plan_id}", response_model=PlanOut)
def get_plan(plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> PlanOut:
    actor, tenant_id = scope
    return _plan(plan_svc.get_plan(actor, tenant_id, plan_id))


@router.patch(T + "/communication-plans/{plan_id}", response_model=PlanOut)
def update_plan(body: PlanPatch, plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> PlanOut:
    actor, tenant_id = scope
    entries = None if body.entries is None else [e.model_dump(exclude_none=True) for e in body.entries]
    return _plan(plan_svc.do_update_plan(actor, tenant_id, plan_id, entries=entries, note=body.note, title=body.title))


@router.delete(T + "/communication-plans/{plan_id}", status_code=204)
def delete_plan(plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> Response:
    actor, tenant_id = scope
    plan_svc.do_delete_plan(actor, tenant_id, plan_id)
    return Response(status_code=204)


@router.post(T + "/communication-plans/{plan_id}/refresh", response_model=PlanOut)
def refresh_plan(plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> PlanOut:
    actor, tenant_id = scope
    return _plan(plan_svc.do_refresh_plan(actor, tenant_id, plan_id))


@router.post(T + "/communication-plans/{plan_id}/propose", response_model=PlanOut)
def propose_plan(plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> PlanOut:
    actor, tenant_id = scope
    return _plan(plan_svc.do_propose_plan(actor, tenant_id, plan_id))


@router.post(T + "/communication-plans/{plan_id}/return", response_model=PlanOut)
def return_plan(body: CommentIn, plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> PlanOut:
    actor, tenant_id = scope
    return _plan(plan_svc.do_return_plan(actor, tenant_id, plan_id, body.comment))


@router.post(T + "/communication-plans/{plan_id}/validate", response_model=PlanOut)
def validate_plan(plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> PlanOut:
    actor, tenant_id = scope
    return _plan(plan_svc.do_validate_plan(actor, tenant_id, plan_id))


@router.post(T + "/communication-plans/{plan_id}/send", response_model=PlanOut)
def send_plan(plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> PlanOut:
    actor, tenant_id = scope
    return _plan(plan_svc.do_send_plan(actor, tenant_id, plan_id))


@router.post(T + "/communication-plans/{plan_id}/fold", response_model=PlanOut)
def fold_plan(plan_id: int = PlanId, scope: tuple[Actor, int] = Scope) -> PlanOut:
    actor, tenant_id = scope
    return _plan(plan_svc.do_fold_plan(actor, tenant_id, plan_id))


# ---------------------------------------------------------------- media library

class MediaOut(BaseModel):
    id: int
    title: str
    filename: str
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    tags: list[str]
    created_at: datetime


class MediaPageOut(BaseModel):
    items: list[MediaOut]
    page: int
    per_page: int
    total: int
    next_page: int | None


def _media(v: media_svc.MediaView) -> MediaOut:
    return MediaOut.model_validate(asdict(v))


@router.get(T + "/media", response_model=MediaPageOut)
def list_media(tag: str | None = Query(None, max_length=40), kind: str | None = Query(None, pattern="^(image|pdf)$"),
               page: int = Query(1, ge=1, le=100000), per_page: int = Query(24, ge=1, le=MAX_PER_PAGE),
               scope: tuple[Actor, int] = Scope) -> MediaPageOut:
    actor, tenant_id = scope
    got = media_svc.list_media(actor, tenant_id, tag=tag, kind=kind, page=page, per_page=per_page)
    return MediaPageOut(items=[_media(x) for x in got.items], page=got.page, per_page=got.per_page, total=got.total,
                        next_page=got.page + 1 if got.page * got.per_page < got.total else None)


@router.post(T + "/media", response_model=MediaOut, status_code=201)
def upload_media(file: UploadFile = File(description="an image (JPEG, PNG, GIF, WebP) or a PDF, 10 MB at most"),
                 title: str = Form("", max_length=200), tags: str = Form("", max_length=1000),
                 scope: tuple[Actor, int] = Scope) -> MediaOut:
    actor, tenant_id = scope
    # one byte past the limit and no more: enough for the service to refuse an oversized file
    data = file.file.read(media_svc.MAX_BYTES + 1)
    return _media(media_svc.do_upload_media(actor, tenant_id, filename=file.filename or "file", data=data,
                                            title=title, tags=tags))


@router.get(T + "/media/{media_id}", response_model=MediaOut)
def get_media(media_id: int = MediaId, scope: tuple[Actor, int] = Scope) -> MediaOut:
    actor, tenant_id = scope
    return _media(media_svc.get_media(actor, tenant_id, media_id))


@router.get(T + "/media/{media_id}/file", response_class=Response,
            responses={200: {"content": {"image/png": {}, "image/jpeg": {}, "application/pdf": {}}}})
def download_media(media_id: int = MediaId, scope: tuple[Actor, int] = Scope) -> Response:
    actor, tenant_id = scope
    view, data = media_svc.read_media(actor, tenant_id, media_id)
    ascii_name = view.filename.encode("ascii", "ignore").decode().replace('"', "") or "file"
    # images shown inline; a PDF is downloaded (never rendered in the app's origin)
    how = "inline" if view.is_image else "attachment"
    return Response(data, media_type=view.content_type, headers={
        "Content-Disposition": f"{how}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(view.filename)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox"})


@router.delete(T + "/media/{media_id}", status_code=204)
def delete_media(media_id: int = MediaId, confirm: bool = Query(False, description="must be true"),
                 scope: tuple[Actor, int] = Scope) -> Response:
    actor, tenant_id = scope
    media_svc.do_delete_media(actor, tenant_id, media_id, confirm=confirm)
    return Response(status_code=204)
