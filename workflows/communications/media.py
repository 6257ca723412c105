"""The media library (BD04): the centre's source files of communication materials.

Files are kept in private storage and read back only through `read_media`, which checks the
actor and the centre (never through /_upload). An image is recognised by decoding it with
Pillow, not by its name or declared type; its size is recorded for the social networks'
limits. A file still used by an item that is not yet published cannot be deleted.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PIL import Image, UnidentifiedImageError
from sqlalchemy import func
from sqlmodel import Session, select

from integrations import storage
from integrations.db import tenant_session, transaction
from integrations.errors import Conflict, Invalid, NotFound
from tenants.core.actor import Actor, require
from tenants.core.roles import Perm
from tenants.core.services import audit
from workflows.communications.models import CommItem, ItemState, MediaAsset

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a decompression bomb is refused before it is decoded
# Pillow format -> (content type, extension)
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "GIF": ("image/gif", "gif"),
                 "WEBP": ("image/webp", "webp")}
PDF = ("application/pdf", "pdf")
MAX_TAGS, TAG_MAX = 20, 40
MAX_PER_PAGE = 100
# items whose files must stay: everything before the publication ended
UNPUBLISHED = tuple(s.value for s in ItemState if s != ItemState.PUBLISHED)


@dataclass(frozen=True)
class MediaView:
    id: int
    title: str
    filename: str
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    tags: list[str]
    created_at: datetime

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass(frozen=True)
class MediaPage:
    items: list[MediaView]
    total: int
    page: int
    per_page: int


def _view(m: MediaAsset) -> MediaView:
    return MediaView(m.id, m.title, m.filename, m.content_type, m.size_bytes, m.width, m.height,
                     list(m.tags or []), m.created_at)


def _int_id(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise NotFound("no such file", code="media_not_found")
    return value


def _load(s: Session, media_id: Any) -> MediaAsset:
    m = s.exec(select(MediaAsset).where(MediaAsset.id == _int_id(media_id))).first()
    if m is None:
        raise NotFound("no such file", code="media_not_found")
    return m


def clean_tags(tags: Any) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        raise Invalid("tags: a list of words", code="media_bad_tags")
    out: list[str] = []
    for t in tags:
        v = " ".join(t.split()).lower()
        if not v:
            continue
        if len(v) > TAG_MAX or not v.isprintable():
            raise Invalid(f"a tag has at most {TAG_MAX} characters", code="media_bad_tags")
        if v not in out:
            out.append(v)
    if len(out) > MAX_TAGS:
        raise Invalid(f"at most {MAX_TAGS} tags", code="media_bad_tags")
    return out


def _title(value: Any, fallback: str) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid("title: text expected", code="media_bad_title")
    v = " ".join(value.split()) or fallback
    if len(v) > 200 or not v.isprintable():
        raise Invalid("title: at most 200 printable characters", code="media_bad_title")
    return v


def _filename(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("file name expected", code="media_bad_file")
    # only the last path part, printable, shortened: it is shown and offered on download
    name = value.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')[:200]
    return name or "file"


def sniff(data: bytes) -> tuple[str, str, int | None, int | None]:
    """(content type, extension, width, height) of an accepted file, else Invalid."""
    if data.startswith(b"%PDF-"):
        return PDF[0], PDF[1], None, None
    try:
        with Image.open(io.BytesIO(data)) as im:
            fmt = im.format
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise Invalid("image too large in pixels", code="media_too_large", max_bytes=MAX_BYTES)
            im.verify()  # a truncated or forged file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise Invalid("not an image (JPEG, PNG, GIF, WebP) or a PDF", code="media_bad_type") from None
    if fmt not in IMAGE_FORMATS:
        raise Invalid("not an image (JPEG, PNG, GIF, WebP) or a PDF", code="media_bad_type")
    ctype, ext = IMAGE_FORMATS[fmt]
    return ctype, ext, w, h


# ---------------------------------------------------------------- services

def do_upload_media(actor: Actor, tenant_id: int, *, filename: Any, data: Any, title: Any = "",
                    tags: Any = None) -> MediaView:
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    if not isinstance(data, bytes | bytearray) or not data:
        raise Invalid("the file is empty", code="media_bad_file")
    if len(data) > MAX_BYTES:
        raise Invalid("file larger than 10 MB", code="media_too_large", max_bytes=MAX_BYTES)
    name = _filename(filename)
    label = _title(title, name.rsplit(".", 1)[0][:200] or name)
    tag_list = clean_tags(tags)
    ctype, ext, w, h = sniff(bytes(data))
    key = storage.save_private(tenant_id, "media", bytes(data), ext=ext)
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            m = MediaAsset(tenant_id=tenant_id, title=label, storage_key=key, filename=name, content_type=ctype,
                           size_bytes=len(data), width=w, height=h, tags=tag_list,
                           uploaded_by_account_id=actor.account_id)
            s.add(m)
            s.flush()
            audit(s, actor, "media.uploaded", tenant_id=tenant_id, target_type="media_asset", target_id=m.id,
                  filename=name, size=len(data), content_type=ctype)
            return _view(m)
    except BaseException:
        storage.delete_private(tenant_id, key)  # no orphan file when the row is refused
        raise


def do_update_media(actor: Actor, tenant_id: int, media_id: Any, *, title: Any = None, tags: Any = None) -> MediaView:
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        m = _load(s, media_id)
        if title is not None:
            m.title = _title(title, m.filename)
        if tags is not None:
            m.tags = clean_tags(tags)
        s.add(m)
        audit(s, actor, "media.updated", tenant_id=tenant_id, target_type="media_asset", target_id=m.id)
        s.flush()
        return _view(m)


def list_media(actor: Actor, tenant_id: int, *, tag: Any = None, kind: Any = None, page: Any = 1,
               per_page: Any = 24) -> MediaPage:
    """Newest first; `tag` keeps the files carrying it, `kind` "image" or "pdf"."""
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    if tag is not None and not isinstance(tag, str) or kind not in (None, "", "image", "pdf"):
        raise Invalid("unknown filter", code="invalid_filter")
    page = page if isinstance(page, int) and not isinstance(page, bool) and page >= 1 else 1
    per_page = per_page if isinstance(per_page, int) and not isinstance(per_page, bool) else 24
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    tag = " ".join((tag or "").split()).lower()
    with tenant_session(tenant_id) as s:
        rows = list(s.exec(select(MediaAsset).order_by(MediaAsset.created_at.desc(), MediaAsset.id.desc())).all())
    # tags are a JSON list: filtered here (a centre's library is hundreds of files, not millions)
    if tag:
        rows = [m for m in rows if tag in (m.tags or [])]
    if kind == "image":
        rows = [m for m in rows if m.content_type.startswith("image/")]
    elif kind == "pdf":
        rows = [m for m in rows if m.content_type == PDF[0]]
    start = (page - 1) * per_page
    return MediaPage([_view(m) for m in rows[start:start + per_page]], len(rows), page, per_page)


def all_tags(actor: Actor, tenant_id: int) -> list[str]:
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        tags = {t for row in s.exec(select(MediaAsset.tags)).all() for t in (row or [])}
    return sorted(tags)


def get_media(actor: Actor, tenant_id: int, media_id: Any) -> MediaView:
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return _view(_load(s, media_id))


def read_media(actor: Actor, tenant_id: int, media_id: Any) -> tuple[MediaView, bytes]:
    """The file itself, for the checked download route."""
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        m = _load(s, media_id)
        key, view = m.storage_key, _view(m)
    try:
        return view, storage.read_private(tenant_id, key)
    except (FileNotFoundError, ValueError):
        raise NotFound("the file is missing from storage", code="media_not_found") from None


def media_files(tenant_id: int, media_ids: list[int]) -> list[tuple[MediaView, bytes]]:
    """System use by the publication (the item's approval was the permission): the files of an
    item, in its order; a file removed since is left out."""
    ids = [i for i in media_ids or [] if isinstance(i, int) and not isinstance(i, bool)]
    if not ids:
        return []
    with tenant_session(tenant_id) as s:
        rows = {m.id: m for m in s.exec(select(MediaAsset).where(MediaAsset.id.in_(ids))).all()}
    out = []
    for i in ids:
        m = rows.get(i)
        if m is not None and storage.exists_private(tenant_id, m.storage_key):
            out.append((_view(m), storage.read_private(tenant_id, m.storage_key)))
    return out


def items_using(s: Session, media_id: int) -> list[int]:
    """Ids of the unpublished items that use this file (JSON lists: checked here)."""
    rows = s.exec(select(CommItem.id, CommItem.media_ids).where(CommItem.state.in_(UNPUBLISHED))).all()
    return [iid for iid, ids in rows if media_id in (ids or [])]


def do_delete_media(actor: Actor, tenant_id: int, media_id: Any, *, confirm: Any = False) -> None:
    """Delete a file once confirmed; refused while an unpublished item uses it."""
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        m = _load(s, media_id)
        if confirm is not True:
            raise Invalid("confirm the deletion", code="confirmation_required")
        using = items_using(s, m.id)
        if using:
            raise Conflict("an item not yet published uses this file", code="media_in_use", items=using)
        key = m.storage_key
        audit(s, actor, "media.deleted", tenant_id=tenant_id, target_type="media_asset", target_id=m.id,
              filename=m.filename)
        s.delete(m)
    storage.delete_private(tenant_id, key)


def count_media(s: Session) -> int:
    return int(s.exec(select(func.count()).select_from(MediaAsset)).one() or 0)
