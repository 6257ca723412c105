"""/staff/partners: the partner map (BD01). Companies searched by name and filtered by sector,
relationship, key partner and city, a page at a time; a new company is checked against the
map first ("a company with this name exists: open it, or create it anyway")."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import input_field, select_field, text_area
from cc_network.pages.forms import form_str
from cc_network.pages.partners.common import (
    RELATIONSHIPS,
    SIZES,
    fail,
    form_bool,
    label_of,
    options,
    partners_nav,
)
from cc_network.ui.components import checkbox, empty, messages, pager
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Conflict, Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.sourcing.partners.services import CompanyView, do_create_company, list_companies

PER_PAGE = 25
_FIELDS = ("name", "sector", "size", "city", "website", "relationship", "notes")


@dataclasses.dataclass
class CompanyRow:
    id: int = 0
    name: str = ""
    sector: str = ""
    city: str = ""
    size: str = ""
    relationship: str = ""
    key_partner: bool = False
    people: int = 0


def company_row(c: CompanyView) -> CompanyRow:
    return CompanyRow(c.id, c.name, c.sector, c.city, c.size, c.relationship, c.key_partner, c.people)


def company_form_data(form: object) -> dict:
    """The company fields of a submitted form, checked for type and size (the service checks the rest)."""
    data = {f: form_str(form, f, max_len=4000 if f == "notes" else 400) for f in _FIELDS}
    data["key_partner"] = form_bool(form, "key_partner")
    if not data["relationship"]:
        data.pop("relationship")
    return data


class CompaniesState(AppState):
    rows: list[CompanyRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    query: str = ""
    sector: str = ""
    city: str = ""
    relationship: str = ""
    key_only: bool = False
    can_manage: bool = False
    create_open: bool = False
    # the company of the same name found when creating (0: none)
    dup_id: int = 0
    dup_name: str = ""
    form_key: int = 0
    # the form waiting for "create anyway"
    _pending: dict = {}

    def _load(self, actor: Actor) -> None:
        res = list_companies(actor, actor.tenant_id or 0, query=self.query, sector=self.sector, city=self.city,
                             relationship=self.relationship, key_partner=True if self.key_only else None,
                             page=self.page, per_page=PER_PAGE)
        if res.total and not res.items and self.page > 1:
            self.page = res.pages
            res = list_companies(actor, actor.tenant_id or 0, query=self.query, sector=self.sector, city=self.city,
                                 relationship=self.relationship, key_partner=True if self.key_only else None,
                                 page=self.page, per_page=PER_PAGE)
        self.rows = [company_row(c) for c in res.items]
        self.total, self.pages = res.total, res.pages

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.total, self.page, self.pages = [], 0, 1, 1
        self.query = self.sector = self.city = self.relationship = ""
        self.key_only, self.create_open, self.dup_id, self.dup_name, self._pending = False, False, 0, "", {}
        self.can_manage = actor.can(Perm.PARTNER_MANAGE)
        try:
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
        self.form_key += 1
        return None

    @rx.event
    def apply_filters(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            query = form_str(form, "query", max_len=200).strip()
            sector = form_str(form, "sector", max_len=150).strip()
            city = form_str(form, "city", max_len=100).strip()
            relationship = form_str(form, "relationship", max_len=20)
            if relationship and relationship not in RELATIONSHIPS:
                raise Invalid("unknown relationship", code="invalid_filter")
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.query, self.sector, self.city, self.relationship = query, sector, city, relationship
        self.key_only = form_bool(form, "key_only")
        self.page = 1
        self.error = self.notice = ""
        try:
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
        return None

    @rx.event
    def clear_filters(self):
        self.query = self.sector = self.city = self.relationship = ""
        self.key_only, self.page = False, 1
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
    def toggle_create(self, value: bool):
        self.create_open = value is True
        self.dup_id, self.dup_name, self._pending = 0, "", {}

    def _create(self, data: dict, *, allow_duplicate: bool):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            c = do_create_company(actor, actor.tenant_id or 0, data, allow_duplicate=allow_duplicate)
        except Conflict as exc:
            if exc.code == "duplicate_company":
                self._pending = data
                self.dup_id = int(exc.params.get("existing_id") or 0)
                self.dup_name = str(exc.params.get("existing_name") or "")
            fail(self, exc)
            return None
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.create_open, self.dup_id, self.dup_name, self._pending = False, 0, "", {}
        return rx.redirect(f"/staff/partners/{c.id}")

    @rx.event
    def create(self, form: dict):
        try:
            data = company_form_data(form)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.dup_id, self.dup_name = 0, ""
        return self._create(data, allow_duplicate=False)

    @rx.event
    def create_anyway(self):
        """Create the company shown as a possible duplicate: only the form this person sent."""
        if not self._pending:
            return None
        return self._create(dict(self._pending), allow_duplicate=True)


def company_fields(defaults=None) -> rx.Component:
    """The company's form fields; `defaults`: a state holding the current values (edit)."""
    d = defaults
    return rx.vstack(
        input_field(tr("ui.partners.name"), "name", required=True, default=d.name if d is not None else ""),
        rx.flex(
            input_field(tr("ui.partners.sector"), "sector", default=d.sector if d is not None else ""),
            input_field(tr("ui.partners.city"), "city", default=d.city if d is not None else ""),
            spacing="3", width="100%", direction={"initial": "column", "sm": "row"},
        ),
        rx.flex(
            select_field(tr("ui.partners.size"), "size", options("ui.partners.size", SIZES),
                         default=d.size if d is not None else "", blank=tr("ui.partners.unknown")),
            select_field(tr("ui.partners.relationship"), "relationship",
                         options("ui.partners.relationship", RELATIONSHIPS),
                         default=d.relationship if d is not None else "prospect"),
            spacing="3", width="100%", direction={"initial": "column", "sm": "row"},
        ),
        input_field(tr("ui.partners.website"), "website", default=d.website if d is not None else "",
                    placeholder="https://"),
        checkbox(tr("ui.partners.key_partner"), "key_partner", checked=d.key_partner if d is not None else False),
        text_area(tr("ui.partners.notes"), "notes", default=d.notes if d is not None else ""),
        spacing="3", width="100%",
    )


def _filters() -> rx.Component:
    s = CompaniesState
    return rx.form(
        rx.flex(
            input_field(tr("ui.partners.search"), "query", form="filter", default=s.query, type="search"),
            input_field(tr("ui.partners.sector"), "sector", form="filter", default=s.sector),
            input_field(tr("ui.partners.city"), "city", form="filter", default=s.city),
            select_field(tr("ui.partners.relationship"), "relationship",
                         options("ui.partners.relationship", RELATIONSHIPS), default=s.relationship,
                         blank=tr("ui.partners.all"), form="filter"),
            spacing="3", width="100%", direction={"initial": "column", "md": "row"},
        ),
        rx.flex(
            checkbox(tr("ui.partners.key_only"), "key_only", checked=s.key_only),
            rx.button(tr("ui.partners.filter"), type="submit"),
            rx.button(tr("ui.partners.clear"), type="button", variant="soft", color_scheme="gray",
                      on_click=s.clear_filters),
            spacing="3", align="center", wrap="wrap", margin_top="0.8em",
        ),
        on_submit=s.apply_filters, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-filters",
    )


def _row(r: CompanyRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(r.name, href="/staff/partners/" + r.id.to_string(), weight="medium"),
                                 rx.cond(r.key_partner, rx.badge(tr("ui.partners.key_badge"), color_scheme="amber",
                                                                 variant="soft", margin_inline_start="0.5em"))),
        rx.table.cell(r.sector),
        rx.table.cell(r.city),
        rx.table.cell(label_of("ui.partners.size", r.size)),
        rx.table.cell(label_of("ui.partners.relationship", r.relationship)),
        rx.table.cell(r.people.to_string()),
    )


def _table() -> rx.Component:
    s = CompaniesState
    return rx.cond(
        s.rows.length() > 0,
        rx.vstack(
            rx.text(tr("ui.partners.found"), " ", s.total.to_string(), size="2", color_scheme="gray"),
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.partners.name")),
                    rx.table.column_header_cell(tr("ui.partners.sector")),
                    rx.table.column_header_cell(tr("ui.partners.city")),
                    rx.table.column_header_cell(tr("ui.partners.size")),
                    rx.table.column_header_cell(tr("ui.partners.relationship")),
                    rx.table.column_header_cell(tr("ui.partners.people_count")),
                )),
                rx.table.body(rx.foreach(s.rows, _row)),
                width="100%", variant="surface",
            ),
            rx.cond(s.pages > 1, pager(s.page, s.pages, s.prev_page, s.next_page)),
            spacing="3", width="100%",
        ),
        empty("ui.partners.no_companies"),
    )


def _duplicate() -> rx.Component:
    s = CompaniesState
    return rx.cond(
        s.dup_id > 0,
        rx.callout(
            rx.vstack(
                rx.text(tr("ui.partners.duplicate_found"), " ", rx.text.strong(s.dup_name)),
                rx.hstack(
                    rx.link(tr("ui.partners.open_existing"), href="/staff/partners/" + s.dup_id.to_string()),
                    rx.button(tr("ui.partners.create_anyway"), type="button", size="1", variant="soft",
                              on_click=s.create_anyway),
                    spacing="3", align="center",
                ),
                spacing="2",
            ),
            color_scheme="amber", width="100%",
        ),
    )


def _create_dialog() -> rx.Component:
    s = CompaniesState
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(tr("ui.partners.new_company"))),
        rx.dialog.content(
            rx.dialog.title(tr("ui.partners.new_company")),
            rx.form(
                rx.vstack(
                    messages(),
                    _duplicate(),
                    company_fields(),
                    rx.hstack(
                        rx.dialog.close(rx.button(tr("ui.cancel"), type="button", variant="soft",
                                                  color_scheme="gray")),
                        rx.button(tr("ui.partners.create"), type="submit"),
                        justify="end", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=s.create, reset_on_submit=False, width="100%",
            ),
        ),
        open=s.create_open, on_open_change=s.toggle_create,
    )


def companies_page() -> rx.Component:
    s = CompaniesState
    return area_page(
        "staff", "ui.partners.title", partners_nav(), messages(),
        rx.cond(s.can_manage, rx.box(_create_dialog())),
        rx.card(_filters(), width="100%"),
        _table(),
    )


def register(app: rx.App) -> None:
    app.add_page(companies_page, route="/staff/partners", on_load=CompaniesState.on_load, title="CC Network")
