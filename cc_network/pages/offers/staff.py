"""/staff/offers: job and internship offers (P12). The registry of sources (P12.1-2); the
offers collected by the business developer (P12.3-5), filtered by stage and paged; each can
be edited, featured, published to the ambassadors first, then to every student, and closed;
the students interested in an offer are listed under it."""

from __future__ import annotations

import dataclasses
import math

import reflex as rx

from cc_network.pages.actions import act_and_reload
from cc_network.pages.calendar.common import Option, input_field, select_field, text_area
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.portal.common import section, zone_of
from cc_network.pages.staff_portal.students import fail, opt_id
from cc_network.ui.components import checkbox, empty, messages, pager
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.sourcing.offers import services as offers
from tenants.sourcing.offers.models import OfferStatus

PER_PAGE = 20
STATUSES = [x.value for x in OfferStatus]
KINDS = list(offers.KINDS)
SOURCE_KINDS = list(offers.SOURCE_KINDS)
STATUS_COLORS = {"collected": "gray", "ambassadors": "amber", "published": "green", "closed": "red"}


@dataclasses.dataclass
class SourceRow:
    id: int = 0
    name: str = ""
    kind: str = ""
    url: str = ""
    active: bool = True
    offers: int = 0


@dataclasses.dataclass
class OfferRow:
    id: int = 0
    title: str = ""
    kind: str = ""
    company: str = ""
    place: str = ""
    url: str = ""
    deadline: str = ""
    source: str = ""
    featured: bool = False
    status: str = ""
    interests: int = 0
    # for the edit form
    company_name: str = ""  # typed in (not a BD01 company)
    source_id: str = ""
    description: str = ""
    company_id: str = ""  # a BD01 company
    need_id: str = ""  # the need the offer advertises


@dataclasses.dataclass
class InterestRow:
    name: str = ""
    email: str = ""
    note: str = ""
    at: str = ""
    shortlisted: bool = False


def offer_fields(form: dict) -> dict:
    """The offer form's values, checked for shape (the service checks the rules)."""
    kind = form_str(form, "kind", max_len=12)
    if kind not in KINDS:
        raise Invalid("unknown kind", code="invalid_kind")
    return {"title": form_str(form, "title", max_len=200), "kind": kind,
            "company_name": form_str(form, "company_name", max_len=200),
            "place": form_str(form, "place", max_len=200), "url": form_str(form, "url", max_len=500).strip(),
            "deadline": form_str(form, "deadline", max_len=10).strip() or None,
            "source_id": opt_id(form_str(form, "source_id", max_len=20)),
            "company_id": opt_id(form_str(form, "company_id", max_len=20)),
            "need_id": opt_id(form_str(form, "need_id", max_len=20)),
            "description": form_str(form, "description", max_len=8000),
            "featured": form.get("featured") not in (None, "", False)}


class StaffOffersState(AppState):
    sources: list[SourceRow] = []
    source_options: list[Option] = []
    rows: list[OfferRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    status_filter: str = ""
    # the offer being edited (0: the form collects a new one) and its values
    editing_id: int = 0
    edit: dict[str, str] = {}
    edit_featured: bool = False
    # the offer whose interests are shown
    shown_id: int = 0
    shown_title: str = ""
    interests: list[InterestRow] = []
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        self.sources = [SourceRow(x.id, x.name, x.kind, x.url, x.active, x.offers)
                        for x in offers.list_sources(actor, tid)]
        self.source_options = [Option(str(x.id), x.name) for x in self.sources if x.active]
        res = offers.list_offers(actor, tid, {"status": self.status_filter, "page": self.page, "per_page": PER_PAGE})
        self.total = res.total
        self.pages = max(1, math.ceil(res.total / PER_PAGE))
        self.rows = [OfferRow(v.id, v.title, v.kind, v.company, v.place, v.url,
                              v.deadline.isoformat() if v.deadline else "", v.source, v.featured, v.status,
                              v.interests, "" if v.company_id else v.company, str(v.source_id or ""),
                              v.description, str(v.company_id or ""), str(v.need_id or "")) for v in res.items]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.sources, self.source_options, self.rows, self.total, self.page, self.pages = [], [], [], 0, 1, 1
        self.status_filter, self.editing_id, self.edit, self.edit_featured = "", 0, {}, False
        self.shown_id, self.shown_title, self.interests = 0, "", []
        try:
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
        self.form_key += 1
        return None

    def _do(self, action, notice: str):  # noqa: ANN001
        return act_and_reload(self, lambda a: action(a, a.tenant_id or 0), notice, fail, reset_form=True)

    # ---- sources

    @rx.event
    def add_source(self, form: dict):
        try:
            data = {"name": form_str(form, "src_name", max_len=150), "kind": form_str(form, "src_kind", max_len=20),
                    "url": form_str(form, "src_url", max_len=500).strip()}
        except ServiceError as exc:
            fail(self, exc)
            return None
        return self._do(lambda a, t: offers.do_create_source(a, t, data), "ui.offers.source_saved")

    @rx.event
    def set_source_active(self, source_id: int, active: bool):
        try:
            sid = as_id(source_id)
        except ServiceError as exc:
            fail(self, exc)
            return None
        return self._do(lambda a, t: offers.do_set_source_active(a, t, sid, bool(active)), "ui.offers.source_saved")

    # ---- offers

    @rx.event
    def filter_status(self, form: dict):
        try:
            status = form_str(form, "status", max_len=20)
            if status and status not in STATUSES:
                raise Invalid("unknown status", code="invalid_filter")
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.status_filter, self.page = status, 1
        self.error = self.notice = ""
        return self._refresh()

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        return self._refresh()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        return self._refresh()

    @rx.event
    def save_offer(self, form: dict):
        try:
            data = offer_fields(form)
            offer_id = as_id(form_str(form, "offer_id", max_len=20)) if form_str(form, "offer_id", max_len=20) \
                not in ("", "0") else 0
        except ServiceError as exc:
            fail(self, exc)
            return None
        if offer_id:
            result = self._do(lambda a, t: offers.do_update_offer(a, t, offer_id, data), "ui.offers.saved")
        else:
            result = self._do(lambda a, t: offers.do_collect_offer(a, t, data), "ui.offers.collected")
        if not self.error:
            self.editing_id, self.edit, self.edit_featured = 0, {}, False
        return result

    @rx.event
    def start_edit(self, offer_id: int):
        """Fill the form with an offer already on screen; reads nothing new."""
        r = next((x for x in self.rows if x.id == offer_id), None)
        if r is None:
            return
        self.editing_id = r.id
        self.edit = {"title": r.title, "kind": r.kind, "company_name": r.company_name, "place": r.place,
                     "url": r.url, "deadline": r.deadline, "source_id": r.source_id, "description": r.description,
                     "company_id": r.company_id, "need_id": r.need_id}
        self.edit_featured = r.featured
        self.form_key += 1

    @rx.event
    def stop_edit(self):
        self.editing_id, self.edit, self.edit_featured = 0, {}, False
        self.form_key += 1

    @rx.event
    def feature(self, offer_id: int, featured: bool):
        try:
            oid = as_id(offer_id)
        except ServiceError as exc:
            fail(self, exc)
            return None
        return self._do(lambda a, t: offers.do_set_featured(a, t, oid, bool(featured)), "ui.offers.saved")

    @rx.event
    def to_ambassadors(self, offer_id: int):
        try:
            oid = as_id(offer_id)
        except ServiceError as exc:
            fail(self, exc)
            return None
        return self._do(lambda a, t: offers.do_publish_to_ambassadors(a, t, oid), "ui.offers.sent_to_ambassadors")

    @rx.event
    def publish(self, offer_id: int):
        try:
            oid = as_id(offer_id)
        except ServiceError as exc:
            fail(self, exc)
            return None
        return self._do(lambda a, t: offers.do_publish_offer(a, t, oid), "ui.offers.published")

    @rx.event
    def close(self, offer_id: int):
        try:
            oid = as_id(offer_id)
        except ServiceError as exc:
            fail(self, exc)
            return None
        return self._do(lambda a, t: offers.do_close_offer(a, t, oid), "ui.offers.closed")

    @rx.event
    def show_interests(self, offer_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            oid = as_id(offer_id)
            rows = offers.offer_interests(actor, actor.tenant_id or 0, oid)
            title = offers.get_offer(actor, actor.tenant_id or 0, oid).title
        except ServiceError as exc:
            fail(self, exc)
            return None
        zone = zone_of(self.tenant_slug)
        self.shown_id, self.shown_title = oid, title
        self.interests = [InterestRow(i.full_name, i.email, i.note, i.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                                      i.shortlisted) for i in rows]
        return None

    @rx.event
    def hide_interests(self, _open: bool = False):
        self.shown_id, self.shown_title, self.interests = 0, "", []


# ---------------------------------------------------------------- the page

def _sources() -> rx.Component:
    s = StaffOffersState
    return section(
        "ui.offers.sources",
        rx.cond(s.sources.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(tr("ui.offers.source_name")),
                rx.table.column_header_cell(tr("ui.offers.source_kind")),
                rx.table.column_header_cell(tr("ui.offers.source_offers")),
                rx.table.column_header_cell(tr("ui.offers.actions")),
            )),
            rx.table.body(rx.foreach(s.sources, lambda x: rx.table.row(
                rx.table.row_header_cell(rx.cond(x.url != "", rx.link(x.name, href=x.url, is_external=True),
                                                 rx.text(x.name)),
                                         rx.cond(~x.active, rx.badge(tr("ui.offers.inactive"), variant="soft"))),
                rx.table.cell(I18nState.tx["ui.offers.source_kind." + x.kind]),
                rx.table.cell(x.offers.to_string()),
                rx.table.cell(rx.button(rx.cond(x.active, tr("ui.offers.deactivate"), tr("ui.offers.activate")),
                                        size="1", variant="soft", color_scheme="gray",
                                        on_click=s.set_source_active(x.id, ~x.active))),
            ))),
            width="100%", variant="surface"), empty("ui.offers.no_source")),
        rx.form(
            rx.flex(
                input_field(tr("ui.offers.source_name"), "src_name", required=True),
                select_field(tr("ui.offers.source_kind"), "src_kind",
                             [(k, tr(f"ui.offers.source_kind.{k}")) for k in SOURCE_KINDS], default="job_board"),
                input_field(tr("ui.offers.url"), "src_url", type="url"),
                rx.button(tr("ui.offers.add_source"), type="submit"),
                spacing="3", align="end", width="100%", direction={"initial": "column", "md": "row"}),
            on_submit=s.add_source, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-src"),
    )


def _offer_form() -> rx.Component:
    s = StaffOffersState
    return section(
        "ui.offers.collect",
        rx.cond(s.editing_id > 0, rx.hstack(
            rx.text(tr("ui.offers.editing"), " ", rx.text.strong(s.edit["title"]), size="2"),
            rx.button(tr("ui.cancel"), size="1", variant="soft", color_scheme="gray", on_click=s.stop_edit))),
        rx.form(
            rx.vstack(
                rx.el.input(type="hidden", name="offer_id", value=s.editing_id.to_string()),
                rx.el.input(type="hidden", name="company_id", value=s.edit["company_id"]),
                rx.el.input(type="hidden", name="need_id", value=s.edit["need_id"]),
                rx.flex(
                    input_field(tr("ui.offers.title_field"), "title", default=s.edit["title"], required=True),
                    select_field(tr("ui.offers.kind"), "kind", [(k, tr(f"ui.offers.kind.{k}")) for k in KINDS],
                                 default=rx.cond(s.edit["kind"], s.edit["kind"], "internship"), width="14em"),
                    spacing="3", width="100%", direction={"initial": "column", "md": "row"}),
                rx.flex(
                    input_field(tr("ui.offers.company"), "company_name", default=s.edit["company_name"]),
                    input_field(tr("ui.offers.place"), "place", default=s.edit["place"]),
                    input_field(tr("ui.offers.deadline"), "deadline", type="date", default=s.edit["deadline"]),
                    spacing="3", width="100%", direction={"initial": "column", "md": "row"}),
                rx.flex(
                    input_field(tr("ui.offers.url"), "url", type="url", default=s.edit["url"]),
                    select_field(tr("ui.offers.source"), "source_id", dynamic=s.source_options,
                                 default=s.edit["source_id"], blank=tr("ui.offers.no_source_choice")),
                    spacing="3", width="100%", direction={"initial": "column", "md": "row"}),
                text_area(tr("ui.offers.description"), "description", default=s.edit["description"]),
                checkbox(tr("ui.offers.featured"), "featured", checked=s.edit_featured),
                rx.button(rx.cond(s.editing_id > 0, tr("ui.offers.save"), tr("ui.offers.collect_button")),
                          type="submit"),
                spacing="3", width="100%"),
            on_submit=s.save_offer, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-offer"),
    )


def _actions(r: OfferRow) -> rx.Component:
    s = StaffOffersState
    open_ = r.status != "closed"
    return rx.flex(
        rx.cond(open_, rx.button(tr("ui.offers.edit"), size="1", variant="soft", on_click=s.start_edit(r.id),
                                 aria_label=tr("ui.offers.edit") + " — " + r.title)),
        rx.cond(open_, rx.button(rx.cond(r.featured, tr("ui.offers.unfeature"), tr("ui.offers.feature")), size="1",
                                 variant="soft", color_scheme="amber", on_click=s.feature(r.id, ~r.featured))),
        rx.cond(r.status == "collected",
                rx.button(tr("ui.offers.to_ambassadors"), size="1", on_click=s.to_ambassadors(r.id))),
        rx.cond((r.status == "ambassadors") | ((r.status == "collected") & ~r.featured),
                rx.button(tr("ui.offers.publish"), size="1", color_scheme="green", on_click=s.publish(r.id))),
        rx.cond(open_, rx.button(tr("ui.offers.close"), size="1", variant="soft", color_scheme="red",
                                 on_click=s.close(r.id))),
        rx.button(tr("ui.offers.interests"), " (", r.interests.to_string(), ")", size="1", variant="ghost",
                  on_click=s.show_interests(r.id)),
        spacing="2", wrap="wrap")


def _offers() -> rx.Component:
    s = StaffOffersState
    return section(
        "ui.offers.list",
        rx.form(rx.flex(
            select_field(tr("ui.offers.stage"), "status", [(x, tr(f"ui.offers.status.{x}")) for x in STATUSES],
                         default=s.status_filter, blank=tr("ui.offers.all"), width="16em"),
            rx.button(tr("ui.offers.filter"), type="submit", variant="soft"), spacing="3", align="end"),
            on_submit=s.filter_status, reset_on_submit=False, key=s.form_key.to_string() + "-filter"),
        rx.cond(s.rows.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(tr("ui.offers.title_field")),
                rx.table.column_header_cell(tr("ui.offers.company")),
                rx.table.column_header_cell(tr("ui.offers.deadline")),
                rx.table.column_header_cell(tr("ui.offers.stage")),
                rx.table.column_header_cell(tr("ui.offers.actions")),
            )),
            rx.table.body(rx.foreach(s.rows, lambda r: rx.table.row(
                rx.table.row_header_cell(
                    rx.text(r.title, weight="medium", size="2"),
                    rx.text(I18nState.tx["ui.offers.kind." + r.kind], " · ", r.place, " · ", r.source, size="1",
                            color_scheme="gray"),
                    rx.cond(r.featured, rx.badge(tr("ui.offers.featured_badge"), color_scheme="amber",
                                                 variant="soft"))),
                rx.table.cell(r.company),
                rx.table.cell(r.deadline),
                rx.table.cell(rx.badge(I18nState.tx["ui.offers.status." + r.status],
                                       color_scheme=rx.match(r.status, *STATUS_COLORS.items(), "gray"),
                                       variant="soft")),
                rx.table.cell(_actions(r)),
            ))),
            width="100%", variant="surface"), empty("ui.offers.none")),
        rx.cond(s.pages > 1, pager(s.page, s.pages, s.prev_page, s.next_page)),
    )


def _interests_dialog() -> rx.Component:
    s = StaffOffersState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.offers.interests"), " — ", s.shown_title),
            rx.cond(s.interests.length() > 0, rx.vstack(rx.foreach(s.interests, lambda i: rx.box(
                rx.hstack(rx.text(i.name, weight="medium", size="2"), rx.text(i.email, size="1", color_scheme="gray"),
                          rx.cond(i.shortlisted, rx.badge(tr("ui.offers.shortlisted"), variant="soft")),
                          spacing="2", wrap="wrap"),
                rx.text(i.at, size="1", color_scheme="gray"),
                rx.cond(i.note != "", rx.text(i.note, size="2", white_space="pre-wrap")))), spacing="3"),
                empty("ui.offers.no_interest")),
            rx.dialog.close(rx.button(tr("ui.offers.close_dialog"), variant="soft", margin_top="1em")),
        ),
        open=s.shown_id > 0, on_open_change=s.hide_interests,
    )


def staff_offers_page() -> rx.Component:
    return area_page(
        "staff", "ui.offers.title", messages(),
        rx.text(tr("ui.offers.intro"), size="2"),
        _offer_form(), _offers(), _sources(), _interests_dialog(),
    )


def register(app: rx.App) -> None:
    app.add_page(staff_offers_page, route="/staff/offers", on_load=StaffOffersState.on_load, title="CC Network")
