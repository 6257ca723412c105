"""/staff/communications/media: the media library (BD04). Upload images and PDFs (checked by
content, 10 MB at most), filter by tag and kind, rename and tag, delete after confirming (refused
while an unpublished item uses the file). Files are shown through the checked REST route, never
from /_upload. Every action calls workflows.communications.media."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import Option, select_field
from cc_network.pages.communications.items import ROUTE as ITEMS_ROUTE
from cc_network.pages.forms import as_id, as_page, form_str
from cc_network.ui.components import confirm_dialog, empty, field, messages, pager, submit
from cc_network.ui.i18n import tr
from cc_network.ui.layout import api_url, area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.communications import media as svc

ROUTE = ITEMS_ROUTE + "/media"
UPLOAD_ID = "comm-media-upload"
PER_PAGE = 24
MAX_FILES = 10


@dataclasses.dataclass
class MediaRow:
    id: int = 0
    title: str = ""
    filename: str = ""
    is_image: bool = False
    size: str = ""
    dims: str = ""
    tags: str = ""


class CommMediaState(AppState):
    allowed: bool = False
    can_manage: bool = False
    rows: list[MediaRow] = []
    tags: list[Option] = []
    f_tag: str = ""
    f_kind: str = ""
    page: int = 1
    pages: int = 1

    def _load(self, actor: Actor) -> None:
        self.allowed = False
        tid = actor.tenant_id or 0
        got = svc.list_media(actor, tid, tag=self.f_tag or None, kind=self.f_kind or None, page=self.page,
                             per_page=PER_PAGE)
        self.rows = [MediaRow(v.id, v.title, v.filename, v.is_image, f"{max(1, v.size_bytes // 1024)} Ko",
                              f"{v.width}×{v.height}" if v.width else "", ", ".join(v.tags)) for v in got.items]
        self.pages = max(1, -(-got.total // PER_PAGE))
        self.tags = [Option(t, t) for t in svc.all_tags(actor, tid)]
        self.can_manage = actor.can(Perm.COMM_MANAGE)
        self.allowed = True

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.allowed, self.f_tag, self.f_kind, self.page = [], False, "", "", 1
        return self._refresh(actor)

    @rx.event
    def filter(self, form: dict):
        try:
            tag, kind = form_str(form, "tag", max_len=40), form_str(form, "kind", max_len=10)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.f_tag, self.f_kind, self.page = tag, kind if kind in ("image", "pdf") else "", 1
        return self._refresh()

    @rx.event
    def next_page(self):
        self.page = min(as_page(self.page + 1), self.pages)
        return self._refresh()

    @rx.event
    def prev_page(self):
        self.page = max(1, self.page - 1)
        return self._refresh()

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            if not isinstance(files, list) or not files or len(files) > MAX_FILES:
                raise Invalid("choose the files", code="media_bad_file")
            for f in files:
                # one byte past the limit is enough for the service to refuse a file too large
                data = await f.read(svc.MAX_BYTES + 1)
                svc.do_upload_media(actor, actor.tenant_id or 0, filename=f.filename or "file", data=data)
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return rx.clear_selected_files(UPLOAD_ID)
        self._ok("ui.comm.media_uploaded")
        return rx.clear_selected_files(UPLOAD_ID)

    @rx.event
    def save(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            if not isinstance(form, dict):
                raise Invalid("bad form", code="invalid")
            svc.do_update_media(actor, actor.tenant_id or 0, as_id(form.get("media_id")),
                                title=form_str(form, "title", max_len=200), tags=form_str(form, "tags", max_len=1000))
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.comm.saved")
        return None

    @rx.event
    def delete(self, media_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            svc.do_delete_media(actor, actor.tenant_id or 0, as_id(media_id), confirm=True)
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.comm.media_deleted")
        return None


def _file_url(m: MediaRow) -> rx.Var:
    return f"{api_url()}/api/v1/tenants/" + AppState.tenant_slug + "/media/" + m.id.to_string() + "/file"


def _card(m: MediaRow) -> rx.Component:
    s = CommMediaState
    return rx.card(rx.vstack(
        rx.cond(m.is_image,
                rx.image(src=_file_url(m), alt=m.title, max_height="10em", object_fit="contain", width="100%"),
                rx.badge("PDF", size="2")),
        rx.link(m.filename, href=_file_url(m), is_external=True, size="2"),
        rx.text(m.size, " ", m.dims, size="1", color_scheme="gray"),
        rx.cond(s.can_manage,
                rx.form(rx.vstack(
                    rx.el.input(type="hidden", name="media_id", value=m.id),
                    field("ui.comm.media_title_field", "title", default_value=m.title),
                    field("ui.comm.tags", "tags", required=False, default_value=m.tags),
                    rx.hstack(submit("ui.comm.save", size="1", variant="soft"),
                              confirm_dialog("ui.comm.delete", "ui.comm.delete_media_title",
                                             "ui.comm.delete_media_text", s.delete(m.id), subject=m.filename)),
                    spacing="2", width="100%"), on_submit=s.save, key=m.id.to_string() + m.title + m.tags,
                    width="100%"),
                rx.vstack(rx.text(m.title, weight="medium"), rx.text(m.tags, size="1"), spacing="1")),
        spacing="2", width="100%"), width="16em")


def media_page() -> rx.Component:
    s = CommMediaState
    return area_page(
        "staff", "ui.comm.media_title",
        rx.text(tr("ui.comm.media_intro"), size="2", color_scheme="gray"),
        rx.link(tr("ui.comm.back_to_items"), href=ITEMS_ROUTE),
        messages(),
        rx.cond(s.allowed, rx.vstack(
            rx.cond(s.can_manage, rx.vstack(
                rx.upload.root(
                    rx.vstack(rx.button(tr("ui.comm.media_choose"), type="button", variant="soft"),
                              rx.text(tr("ui.comm.media_hint"), size="1", color_scheme="gray"), spacing="1"),
                    id=UPLOAD_ID, max_files=MAX_FILES, multiple=True,
                    accept={"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/gif": [".gif"],
                            "image/webp": [".webp"], "application/pdf": [".pdf"]},
                    border="1px dashed var(--gray-7)", padding="1em", width="100%"),
                rx.text(rx.foreach(rx.selected_files(UPLOAD_ID), lambda f: rx.text(f, as_="span")), size="2"),
                rx.button(tr("ui.comm.media_upload"), on_click=s.upload(rx.upload_files(upload_id=UPLOAD_ID))),
                spacing="2", width="100%")),
            rx.form(rx.hstack(
                select_field(tr("ui.comm.tag"), "tag", dynamic=s.tags, blank=tr("ui.comm.all_tags"), width="12em",
                             form="mfilter"),
                select_field(tr("ui.comm.kind"), "kind", [("", tr("ui.comm.kind.all")), ("image", tr("ui.comm.kind.image")),
                                                          ("pdf", tr("ui.comm.kind.pdf"))], width="10em", form="mfilter"),
                submit("ui.comm.filter", variant="soft"), align="end", wrap="wrap"), on_submit=s.filter, width="100%"),
            rx.cond(s.rows.length() > 0,
                    rx.vstack(rx.flex(rx.foreach(s.rows, _card), wrap="wrap", gap="1em"),
                              pager(s.page, s.pages, s.prev_page, s.next_page), width="100%"),
                    empty("ui.comm.media_empty")),
            spacing="4", width="100%")),
    )


def register(app: rx.App) -> None:
    app.add_page(media_page, route=ROUTE, on_load=CommMediaState.on_load, title="CC Network")
