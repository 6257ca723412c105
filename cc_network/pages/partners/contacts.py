"""/staff/partners/contacts: the people of the partner map (BD01) — HR, managers, guest
speakers, alumni — filtered by kind and company, created and edited here. `?company=<id>`
opens the list of one company's contacts."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import Option, input_field, select_field, text_area
from cc_network.pages.forms import as_id, form_str, id_or_zero
from cc_network.pages.partners.common import (
    PERSON_KINDS,
    fail,
    form_bool,
    label_of,
    options,
    partners_nav,
)
from cc_network.ui.components import checkbox, confirm_dialog, empty, messages, pager
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.sourcing.partners.services import (
    PersonView,
    do_create_person,
    do_merge_people,
    do_update_person,
    get_company,
    list_companies,
    list_people,
)

PER_PAGE = 25
COMPANY_OPTIONS = 200


@dataclasses.dataclass
class ContactRow:
    id: int = 0
    name: str = ""
    kind: str = ""
    email: str = ""
    phone: str = ""
    job_title: str = ""
    company_id: str = ""
    company: str = ""
    notes: str = ""
    has_access: bool = False


def _row(p: PersonView) -> ContactRow:
    return ContactRow(p.id, p.full_name, p.kind, p.email, p.phone, p.job_title,
                      str(p.company_id) if p.company_id else "", p.company_name, p.notes, p.has_access)


def _person_data(form: object) -> dict:
    company = form_str(form, "company", max_len=20)
    return {"full_name": form_str(form, "full_name", max_len=400), "kind": form_str(form, "kind", max_len=20),
            "email": form_str(form, "email", max_len=254), "phone": form_str(form, "phone", max_len=60),
            "job_title": form_str(form, "job_title", max_len=300), "notes": form_str(form, "notes", max_len=4000),
            "company_id": as_id(company) if company else None}


class ContactsState(AppState):
    rows: list[ContactRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    query: str = ""
    kind: str = ""
    company: str = ""
    company_options: list[Option] = []
    can_manage: bool = False
    create_open: bool = False
    # the contact whose edit dialog is open (0: none); only a row on screen
    editing_id: int = 0
    editing: ContactRow = ContactRow()
    # a duplicate (another contact on screen) chosen to be merged into the one being edited
    merge_choice: int = 0
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        res = list_people(actor, actor.tenant_id or 0, query=self.query, kind=self.kind,
                          company_id=id_or_zero(self.company) or None,
                          page=self.page, per_page=PER_PAGE)
        self.rows = [_row(p) for p in res.items]
        self.total, self.pages = res.total, res.pages

    def _load_options(self, actor: Actor) -> None:
        found = list_companies(actor, actor.tenant_id or 0, per_page=COMPANY_OPTIONS).items
        self.company_options = [Option(str(c.id), c.name) for c in found]
        if self.company and self.company not in {o.value for o in self.company_options}:
            # a company further down the alphabet, asked for by the address
            try:
                c = get_company(actor, actor.tenant_id or 0, as_id(self.company))
                self.company_options.append(Option(str(c.id), c.name))
            except ServiceError:
                self.company = ""

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.total, self.page, self.pages = [], 0, 1, 1
        self.query, self.kind, self.editing_id, self.create_open = "", "", 0, False
        wanted = self.router.url.query_parameters.get("company", "")
        self.company = str(id_or_zero(wanted if isinstance(wanted, str) else "") or "")
        if self.company == "0":
            self.company = ""
        self.can_manage = actor.can(Perm.PARTNER_MANAGE)
        try:
            self._load_options(actor)
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
            kind = form_str(form, "kind", max_len=20)
            company = form_str(form, "company", max_len=20)
            if kind and kind not in PERSON_KINDS:
                raise Invalid("unknown kind", code="invalid_filter")
            if company:
                as_id(company)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.query, self.kind, self.company, self.page = query, kind, company, 1
        self.error = self.notice = ""
        try:
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
        return None

    @rx.event
    def clear_filters(self):
        self.query = self.kind = self.company = ""
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
    def toggle_create(self, value: bool):
        self.create_open = value is True

    @rx.event
    def create(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_create_person(actor, actor.tenant_id or 0, _person_data(form),
                             allow_duplicate=form_bool(form, "allow_duplicate"))
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.create_open = False
        self.form_key += 1
        self._ok("ui.partners.contact_saved")
        return None

    @rx.event
    def start_edit(self, person_id: int):
        """Open the edit dialog of a contact already on screen; reads nothing new."""
        row = next((r for r in self.rows if r.id == person_id), None)
        self.editing_id, self.editing = (row.id, row) if row is not None else (0, ContactRow())
        self.merge_choice = 0
        self.form_key += 1

    @rx.event
    def choose_merge(self, value: str):
        """The duplicate to merge into the contact being edited: another contact on screen."""
        wanted = id_or_zero(value if isinstance(value, str) else "")
        self.merge_choice = wanted if any(r.id == wanted != self.editing_id for r in self.rows) else 0

    @rx.event
    def merge_duplicate(self):
        """Merge the chosen duplicate into the contact being edited (its history and company
        portal access move; the duplicate disappears from the lists)."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            if not self.editing_id or not self.merge_choice:
                raise Invalid("choose the duplicate to merge", code="invalid")
            do_merge_people(actor, actor.tenant_id or 0, self.editing_id, self.merge_choice)
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.editing_id, self.merge_choice = 0, 0
        self._ok("ui.partners.contacts_merged")
        return None

    @rx.event
    def stop_edit(self, _open: bool = False):
        self.editing_id = 0

    @rx.event
    def save(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            person_id = as_id(form.get("person_id") if isinstance(form, dict) else None)
            do_update_person(actor, actor.tenant_id or 0, person_id, _person_data(form),
                             allow_duplicate=form_bool(form, "allow_duplicate"))
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.editing_id = 0
        self._ok("ui.partners.contact_saved")
        return None


def _person_fields(d: ContactRow | None = None) -> rx.Component:
    """The contact's fields: empty (the create form) or a contact's (the edit dialog, whose
    fields get their own ids: both forms can be on the page at once)."""
    s = ContactsState
    f = "edit" if d is not None else ""
    return rx.vstack(
        input_field(tr("ui.partners.person_name"), "full_name", form=f, required=True,
                    default=d.name if d is not None else ""),
        rx.flex(
            select_field(tr("ui.partners.kind"), "kind", options("ui.partners.kind", PERSON_KINDS),
                         default=d.kind if d is not None else "hr", form=f),
            select_field(tr("ui.partners.company"), "company", form=f, dynamic=s.company_options,
                         default=d.company_id if d is not None else s.company, blank=tr("ui.partners.no_company")),
            spacing="3", width="100%", direction={"initial": "column", "sm": "row"},
        ),
        rx.flex(
            input_field(tr("ui.partners.email"), "email", form=f, type="email", default=d.email if d is not None else ""),
            input_field(tr("ui.partners.phone"), "phone", form=f, type="tel", default=d.phone if d is not None else ""),
            spacing="3", width="100%", direction={"initial": "column", "sm": "row"},
        ),
        input_field(tr("ui.partners.job_title"), "job_title", form=f, default=d.job_title if d is not None else ""),
        text_area(tr("ui.partners.notes"), "notes", form=f, default=d.notes if d is not None else ""),
        checkbox(tr("ui.partners.allow_duplicate"), "allow_duplicate"),
        spacing="3", width="100%",
    )


def _buttons(cancel) -> rx.Component:
    return rx.hstack(
        rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray", on_click=cancel),
        rx.button(tr("ui.partners.save"), type="submit"),
        justify="end", width="100%",
    )


def _create_dialog() -> rx.Component:
    s = ContactsState
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(tr("ui.partners.new_contact"))),
        rx.dialog.content(
            rx.dialog.title(tr("ui.partners.new_contact")),
            rx.form(rx.vstack(messages(), _person_fields(), _buttons(s.toggle_create(False)), spacing="3",
                              width="100%"),
                    on_submit=s.create, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-new"),
        ),
        open=s.create_open, on_open_change=s.toggle_create,
    )


def _merge_section() -> rx.Component:
    """Merge a duplicate of the contact being edited into it, after a confirmation."""
    s = ContactsState
    others = rx.foreach(s.rows, lambda r: rx.cond(r.id != s.editing_id,
                                                  rx.el.option(r.name, " — ", r.email, value=r.id.to_string())))
    return rx.vstack(
        rx.separator(size="4"),
        rx.text(tr("ui.partners.merge_contact_intro"), size="2"),
        rx.flex(
            rx.el.label(rx.text(tr("ui.partners.merge_contact_choose"), size="2", weight="medium", as_="span"),
                        html_for="cal-merge-person"),
            rx.el.select(rx.el.option(tr("ui.partners.choose"), value=""), others, id="cal-merge-person",
                         on_change=s.choose_merge, key=s.form_key.to_string() + "-merge",
                         style={"padding": "0.35em 0.4em", "borderRadius": "6px", "width": "100%"}),
            direction="column", spacing="1", width="100%"),
        rx.cond(s.merge_choice > 0,
                confirm_dialog("ui.partners.merge", "ui.partners.merge_contact_title", "ui.partners.merge_contact_text",
                               s.merge_duplicate, subject=s.editing.name, confirm_key="ui.partners.merge_confirm")),
        spacing="2", width="100%", margin_top="1em")


def _edit_dialog() -> rx.Component:
    s = ContactsState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.partners.edit_contact"), " — ", s.editing.name),
            rx.form(rx.vstack(messages(), rx.el.input(type="hidden", name="person_id", value=s.editing_id.to_string()),
                              _person_fields(s.editing), _buttons(s.stop_edit(False)), spacing="3", width="100%"),
                    on_submit=s.save, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-edit"),
            _merge_section(),
        ),
        open=s.editing_id > 0, on_open_change=s.stop_edit,
    )


def _filters() -> rx.Component:
    s = ContactsState
    return rx.form(
        rx.flex(
            input_field(tr("ui.partners.search_people"), "query", default=s.query, type="search"),
            select_field(tr("ui.partners.kind"), "kind", options("ui.partners.kind", PERSON_KINDS), default=s.kind,
                         blank=tr("ui.partners.all"), form="filter"),
            select_field(tr("ui.partners.company"), "company", dynamic=s.company_options, default=s.company,
                         blank=tr("ui.partners.all"), form="filter"),
            spacing="3", width="100%", direction={"initial": "column", "md": "row"},
        ),
        rx.flex(
            rx.button(tr("ui.partners.filter"), type="submit"),
            rx.button(tr("ui.partners.clear"), type="button", variant="soft", color_scheme="gray",
                      on_click=s.clear_filters),
            spacing="3", align="center", wrap="wrap", margin_top="0.8em",
        ),
        on_submit=s.apply_filters, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-filters",
    )


def _table() -> rx.Component:
    s = ContactsState
    return rx.cond(
        s.rows.length() > 0,
        rx.vstack(
            rx.text(tr("ui.partners.found"), " ", s.total.to_string(), size="2", color_scheme="gray"),
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.partners.person_name")),
                    rx.table.column_header_cell(tr("ui.partners.company")),
                    rx.table.column_header_cell(tr("ui.partners.kind")),
                    rx.table.column_header_cell(tr("ui.partners.contact")),
                    rx.table.column_header_cell(tr("ui.partners.actions")),
                )),
                rx.table.body(rx.foreach(s.rows, lambda r: rx.table.row(
                    rx.table.row_header_cell(rx.vstack(
                        rx.text(r.name, weight="medium", size="2"), rx.text(r.job_title, size="1", color_scheme="gray"),
                        spacing="0")),
                    rx.table.cell(rx.cond(r.company_id != "",
                                          rx.link(r.company, href="/staff/partners/" + r.company_id, size="2"))),
                    rx.table.cell(label_of("ui.partners.kind", r.kind),
                                  rx.cond(r.has_access, rx.badge(tr("ui.partners.has_access"), color_scheme="green",
                                                                 variant="soft", margin_inline_start="0.4em"))),
                    rx.table.cell(rx.vstack(rx.text(r.email, size="2"), rx.text(r.phone, size="1"), spacing="0")),
                    rx.table.cell(rx.cond(s.can_manage, rx.button(
                        tr("ui.partners.edit"), size="1", variant="soft", on_click=s.start_edit(r.id),
                        aria_label=tr("ui.partners.edit") + " — " + r.name))),
                ))),
                width="100%", variant="surface",
            ),
            rx.cond(s.pages > 1, pager(s.page, s.pages, s.prev_page, s.next_page)),
            spacing="3", width="100%",
        ),
        empty("ui.partners.no_people"),
    )


def contacts_page() -> rx.Component:
    s = ContactsState
    return area_page(
        "staff", "ui.partners.contacts_title", partners_nav(), messages(),
        rx.cond(s.can_manage, rx.box(_create_dialog())),
        rx.card(_filters(), width="100%"),
        _table(),
        _edit_dialog(),
    )


def register(app: rx.App) -> None:
    app.add_page(contacts_page, route="/staff/partners/contacts", on_load=ContactsState.on_load, title="CC Network")
