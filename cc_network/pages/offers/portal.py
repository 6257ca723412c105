"""/portal/offers: the job and internship offers of the centre (P12), newest first, filtered
by kind, place and words, a page at a time. Ambassadors also see the offers published to them
first, marked "en avant-première". A student says "je suis intéressé(e)", with a note if they
like, and may withdraw it."""

from __future__ import annotations

import dataclasses
import math

import reflex as rx

from cc_network.pages.calendar.common import input_field, select_field
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.staff_portal.students import fail
from cc_network.ui.components import empty, messages, pager
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.sourcing.offers import services as offers

PER_PAGE = 10
KINDS = list(offers.KINDS)


@dataclasses.dataclass
class PortalRow:
    id: int = 0
    title: str = ""
    kind: str = ""
    company: str = ""
    place: str = ""
    url: str = ""
    deadline: str = ""
    description: str = ""
    preview: bool = False
    interested: bool = False
    note: str = ""


class PortalOffersState(AppState):
    rows: list[PortalRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    kind_filter: str = ""
    place_filter: str = ""
    text_filter: str = ""
    can_apply: bool = False  # a student: may say they are interested
    # the offer whose "interested" form is open (only one on screen)
    editing_id: int = 0
    editing_title: str = ""
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        res = offers.browse_offers(actor, actor.tenant_id or 0, {
            "kind": self.kind_filter, "place": self.place_filter, "text": self.text_filter, "page": self.page,
            "per_page": PER_PAGE})
        self.total = res.total
        self.pages = max(1, math.ceil(res.total / PER_PAGE))
        self.rows = [PortalRow(i.id, i.title, i.kind, i.company, i.place, i.url,
                               i.deadline.strftime("%d/%m/%Y") if i.deadline else "", i.description, i.preview,
                               i.interested, i.my_note) for i in res.items]
        self.can_apply = actor.can(Perm.PORTAL_SELF)

    @rx.event
    def on_load(self):
        # students (the portal) and ambassadors (the staff area) both read this page
        actor, redirect = self._enter(None)
        if actor is None:
            return redirect
        self.rows, self.total, self.page, self.pages, self.can_apply = [], 0, 1, 1, False
        self.kind_filter = self.place_filter = self.text_filter = ""
        self.editing_id, self.editing_title = 0, ""
        try:
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
        self.form_key += 1
        return None

    @rx.event
    def apply_filters(self, form: dict):
        try:
            kind = form_str(form, "kind", max_len=12)
            if kind and kind not in KINDS:
                raise Invalid("unknown kind", code="invalid_filter")
            place = form_str(form, "place", max_len=100).strip()
            text = form_str(form, "text", max_len=100).strip()
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.kind_filter, self.place_filter, self.text_filter, self.page = kind, place, text, 1
        self.error = self.notice = ""
        return self._refresh()

    @rx.event
    def clear_filters(self):
        self.kind_filter = self.place_filter = self.text_filter = ""
        self.page = 1
        self.error = self.notice = ""
        self.form_key += 1
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
    def start_interest(self, offer_id: int):
        """Open the note form of an offer already on screen; reads nothing new."""
        row = next((r for r in self.rows if r.id == offer_id), None)
        self.editing_id, self.editing_title = (row.id, row.title) if row is not None else (0, "")

    @rx.event
    def stop_interest(self, _open: bool = False):
        self.editing_id, self.editing_title = 0, ""

    @rx.event
    def express_interest(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            offer_id = as_id(form_str(form, "offer_id", max_len=20))
            offers.do_express_interest(actor, actor.tenant_id or 0, offer_id,
                                       note=form_str(form, "note", max_len=1000))
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.editing_id, self.editing_title = 0, ""
        self._ok("ui.portal_offers.interest_sent")
        return None

    @rx.event
    def withdraw(self, offer_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            offers.do_withdraw_interest(actor, actor.tenant_id or 0, as_id(offer_id))
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self._ok("ui.portal_offers.withdrawn")
        return None


def _filters() -> rx.Component:
    s = PortalOffersState
    return rx.form(
        rx.flex(
            select_field(tr("ui.offers.kind"), "kind", [(k, tr(f"ui.offers.kind.{k}")) for k in KINDS],
                         default=s.kind_filter, blank=tr("ui.offers.all"), width="14em"),
            input_field(tr("ui.offers.place"), "place", default=s.place_filter),
            input_field(tr("ui.portal_offers.search"), "text", default=s.text_filter, type="search"),
            spacing="3", width="100%", direction={"initial": "column", "md": "row"}),
        rx.flex(
            rx.button(tr("ui.offers.filter"), type="submit"),
            rx.button(tr("ui.students.clear"), type="button", variant="soft", color_scheme="gray",
                      on_click=s.clear_filters),
            spacing="3", margin_top="0.8em"),
        on_submit=s.apply_filters, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-filters",
    )


def _card(r: PortalRow) -> rx.Component:
    s = PortalOffersState
    return rx.card(rx.vstack(
        rx.flex(
            rx.heading(r.title, size="4", as_="h2"),
            rx.badge(I18nState.tx["ui.offers.kind." + r.kind], variant="soft"),
            rx.cond(r.preview, rx.badge(tr("ui.portal_offers.preview"), color_scheme="amber", variant="solid")),
            spacing="2", align="center", wrap="wrap"),
        rx.text(r.company, rx.cond(r.place != "", " · " + r.place, ""), size="2", weight="medium"),
        rx.cond(r.deadline != "", rx.text(tr("ui.offers.deadline"), " : ", r.deadline, size="2",
                                          color_scheme="gray")),
        rx.cond(r.description != "", rx.text(r.description, size="2", white_space="pre-wrap")),
        rx.flex(
            rx.cond(r.url != "", rx.link(tr("ui.portal_offers.see_offer"), href=r.url, is_external=True,
                                         size="2")),
            rx.cond(s.can_apply, rx.cond(
                r.interested,
                rx.flex(rx.badge(tr("ui.portal_offers.you_are_interested"), color_scheme="green", variant="soft"),
                        rx.button(tr("ui.portal_offers.withdraw"), size="1", variant="soft", color_scheme="gray",
                                  on_click=s.withdraw(r.id),
                                  aria_label=tr("ui.portal_offers.withdraw") + " — " + r.title),
                        spacing="2", align="center"),
                rx.button(tr("ui.portal_offers.interested"), size="2", on_click=s.start_interest(r.id),
                          aria_label=tr("ui.portal_offers.interested") + " — " + r.title))),
            spacing="4", align="center", wrap="wrap"),
        spacing="2", width="100%"), width="100%")


def _interest_dialog() -> rx.Component:
    s = PortalOffersState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.portal_offers.interested"), " — ", s.editing_title),
            rx.dialog.description(tr("ui.portal_offers.note_help"), size="2"),
            rx.form(rx.vstack(
                rx.el.input(type="hidden", name="offer_id", value=s.editing_id.to_string()),
                rx.el.label(rx.text(tr("ui.portal_offers.note"), size="2", weight="medium"),
                            rx.text_area(name="note", rows="3", width="100%"), style={"width": "100%"}),
                rx.hstack(
                    rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                              on_click=s.stop_interest(False)),
                    rx.button(tr("ui.portal_offers.send_interest"), type="submit"),
                    justify="end", width="100%"),
                spacing="3", width="100%"),
                on_submit=s.express_interest, reset_on_submit=True, width="100%"),
        ),
        open=s.editing_id > 0, on_open_change=s.stop_interest,
    )


def portal_offers_page() -> rx.Component:
    s = PortalOffersState
    return area_page(
        "portal", "ui.portal_offers.title", messages(),
        rx.card(_filters(), width="100%"),
        rx.cond(s.rows.length() > 0,
                rx.vstack(rx.text(s.total.to_string(), " ", tr("ui.portal_offers.found"), size="2"),
                          rx.foreach(s.rows, _card), spacing="3", width="100%"),
                empty("ui.portal_offers.none")),
        rx.cond(s.pages > 1, pager(s.page, s.pages, s.prev_page, s.next_page)),
        _interest_dialog(),
    )


def register(app: rx.App) -> None:
    app.add_page(portal_offers_page, route="/portal/offers", on_load=PortalOffersState.on_load, title="CC Network")
