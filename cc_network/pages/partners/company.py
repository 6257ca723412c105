"""/staff/partners/[company_id]: one company's record (BD01): its fields, the people linked to
it (and their access to the company portal), the history of interactions with "add an
interaction", its job needs (read-only), and merging a duplicate into it after a confirmation.
A company merged into another opens the kept one."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.calendar.common import (
    input_field,
    local_text,
    parse_local,
    select_field,
    text_area,
)
from cc_network.pages.forms import as_id, form_str, id_or_zero
from cc_network.pages.partners.common import (
    INTERACTION_KINDS,
    fail,
    label_of,
    options,
    partners_nav,
)
from cc_network.pages.partners.companies import company_fields, company_form_data
from cc_network.pages.portal.common import section, zone_of
from cc_network.ui.components import confirm_dialog, empty, messages, pager
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, NotFound, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.sourcing.partners import access
from tenants.sourcing.partners import services as svc

_PATH = re.compile(r"^/staff/partners/(\d{1,12})/?$")
HISTORY_PER_PAGE = 10


@dataclasses.dataclass
class PersonRow:
    id: int = 0
    name: str = ""
    kind: str = ""
    email: str = ""
    phone: str = ""
    job_title: str = ""
    has_access: bool = False


@dataclasses.dataclass
class InteractionRow:
    id: int = 0
    kind: str = ""
    at: str = ""
    summary: str = ""
    person: str = ""
    by: str = ""


@dataclasses.dataclass
class NeedRow:
    id: int = 0
    title: str = ""
    kind: str = ""
    positions: int = 0
    status: str = ""
    deadline: str = ""
    received_at: str = ""


@dataclasses.dataclass
class CandidateRow:
    id: int = 0
    name: str = ""
    city: str = ""
    people: int = 0


class CompanyState(AppState):
    found: bool = False
    company_id: int = 0
    name: str = ""
    sector: str = ""
    size: str = ""
    city: str = ""
    website: str = ""
    relationship: str = ""
    key_partner: bool = False
    notes: str = ""
    people: list[PersonRow] = []
    history: list[InteractionRow] = []
    history_page: int = 1
    history_pages: int = 1
    needs: list[NeedRow] = []
    candidates: list[CandidateRow] = []
    merge_query: str = ""
    can_manage: bool = False
    edit_open: bool = False
    form_key: int = 0

    def _from_path(self) -> int:
        m = _PATH.match(str(self.router.url.path or ""))
        return id_or_zero(m.group(1) if m else None)

    def _clear(self) -> None:
        self.found, self.company_id, self.name, self.sector, self.size, self.city = False, 0, "", "", "", ""
        self.website, self.relationship, self.key_partner, self.notes = "", "", False, ""
        self.people, self.history, self.needs, self.candidates = [], [], [], []
        self.history_page, self.history_pages, self.merge_query, self.edit_open = 1, 1, "", False

    def _show(self, c: svc.CompanyView) -> None:
        self.found, self.company_id, self.name, self.sector, self.size = True, c.id, c.name, c.sector, c.size
        self.city, self.website, self.relationship = c.city, c.website, c.relationship
        self.key_partner, self.notes = c.key_partner, c.notes

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        c = svc.get_company(actor, tid, self._from_path())
        self._show(c)
        zone = zone_of(self.tenant_slug)
        self.people = [PersonRow(p.id, p.full_name, p.kind, p.email, p.phone, p.job_title, p.has_access)
                       for p in svc.list_people(actor, tid, company_id=c.id, per_page=200).items]
        hist = svc.list_interactions(actor, tid, c.id, page=self.history_page, per_page=HISTORY_PER_PAGE)
        self.history_pages = hist.pages
        self.history = [InteractionRow(i.id, i.kind, local_text(i.at, zone), i.summary, i.person_name, i.by_name)
                        for i in hist.items]
        self.needs = [NeedRow(n.id, n.title, n.kind, n.positions, n.status, n.deadline.isoformat(),
                              local_text(n.received_at, zone)) for n in svc.company_needs(actor, tid, c.id)]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self._clear()
        self.can_manage = actor.can(Perm.PARTNER_MANAGE)
        try:
            self._load(actor)
        except ServiceError as exc:
            self._clear()
            fail(self, exc)
        self.form_key += 1
        return None

    def _act(self):
        """The caller and the company of the address, looked up in the caller's centre (a
        company merged away answers the kept one), whatever the page showed before."""
        actor = self._actor()
        if actor is None:
            return None, 0, rx.redirect("/login")
        try:
            cid = svc.get_company(actor, actor.tenant_id or 0, self._from_path()).id
        except ServiceError as exc:
            fail(self, exc)
            return None, 0, None
        return actor, cid, None

    @rx.event
    def toggle_edit(self, value: bool):
        self.edit_open = value is True

    @rx.event
    def save(self, form: dict):
        actor, cid, redirect = self._act()
        if actor is None:
            return redirect
        try:
            c = svc.do_update_company(actor, actor.tenant_id or 0, cid, company_form_data(form))
            self.company_id = cid
        except ServiceError as exc:
            fail(self, exc)
            return None
        self._show(c)
        self.edit_open = False
        self.form_key += 1
        self._ok("ui.partners.saved")
        return None

    @rx.event
    def add_interaction(self, form: dict):
        actor, cid, redirect = self._act()
        if actor is None:
            return redirect
        try:
            person = form_str(form, "person_id", max_len=20)
            at = parse_local(form_str(form, "at", max_len=40), zone_of(self.tenant_slug), required=False)
            svc.do_add_interaction(actor, actor.tenant_id or 0, cid, {
                "kind": form_str(form, "kind", max_len=20), "summary": form_str(form, "summary", max_len=4000),
                "at": at, "person_id": as_id(person) if person else None})
            self.history_page, self.company_id = 1, cid
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.form_key += 1
        self._ok("ui.partners.interaction_added")
        return None

    @rx.event
    def next_history(self):
        self.history_page = min(self.history_page + 1, self.history_pages)
        return self._refresh()

    @rx.event
    def prev_history(self):
        self.history_page = max(self.history_page - 1, 1)
        return self._refresh()

    @rx.event
    def find_duplicates(self, form: dict):
        """Companies of the caller's centre whose name matches, to merge into this one."""
        actor, cid, redirect = self._act()
        if actor is None:
            return redirect
        try:
            query = form_str(form, "merge_query", max_len=200).strip()
            if not query:
                raise Invalid("type a name", code="name_required")
            found = svc.list_companies(actor, actor.tenant_id or 0, query=query, per_page=20).items
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.merge_query = query
        self.candidates = [CandidateRow(c.id, c.name, c.city, c.people) for c in found if c.id != cid]
        self.error = self.notice = ""
        return None

    @rx.event
    def merge(self, merge_id: int):
        actor, cid, redirect = self._act()
        if actor is None:
            return redirect
        try:
            svc.do_merge_companies(actor, actor.tenant_id or 0, cid, as_id(merge_id))
            self.candidates, self.company_id = [], cid
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self._ok("ui.partners.merged")
        return None

    @rx.event
    def give_access(self, person_id: int):
        """Invite a contact of this company to the company portal."""
        actor, cid, redirect = self._act()
        if actor is None:
            return redirect
        try:
            pid = as_id(person_id)
            if svc.get_person(actor, actor.tenant_id or 0, pid).company_id != cid:
                raise NotFound("not a contact of this company", code="not_found")
            access.do_invite_contact(actor, actor.tenant_id or 0, {"person_id": pid})
            self.company_id = cid
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self._ok("ui.partners.invited")
        return None


def _fields() -> rx.Component:
    s = CompanyState

    def line(key: str, value: rx.Component | rx.Var) -> rx.Component:
        return rx.hstack(rx.text(tr(key), weight="medium", size="2", min_width="10em"), rx.text(value, size="2"),
                         wrap="wrap")

    return rx.vstack(
        rx.cond(s.key_partner, rx.badge(tr("ui.partners.key_badge"), color_scheme="amber", variant="soft")),
        line("ui.partners.sector", s.sector),
        line("ui.partners.city", s.city),
        line("ui.partners.size", label_of("ui.partners.size", s.size)),
        line("ui.partners.relationship", label_of("ui.partners.relationship", s.relationship)),
        rx.hstack(rx.text(tr("ui.partners.website"), weight="medium", size="2", min_width="10em"),
                  rx.cond(s.website != "", rx.link(s.website, href=s.website, is_external=True, size="2")),
                  wrap="wrap"),
        rx.cond(s.notes != "", rx.text(s.notes, white_space="pre-wrap", size="2")),
        rx.cond(s.can_manage, _edit_dialog()),
        spacing="2", width="100%",
    )


def _edit_dialog() -> rx.Component:
    s = CompanyState
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(tr("ui.partners.edit"), variant="soft", size="2")),
        rx.dialog.content(
            rx.dialog.title(tr("ui.partners.edit"), " — ", s.name),
            rx.form(
                rx.vstack(
                    messages(),
                    company_fields(s),
                    rx.hstack(
                        rx.dialog.close(rx.button(tr("ui.cancel"), type="button", variant="soft",
                                                  color_scheme="gray")),
                        rx.button(tr("ui.partners.save"), type="submit"),
                        justify="end", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=s.save, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-edit",
            ),
        ),
        open=s.edit_open, on_open_change=s.toggle_edit,
    )


def _people() -> rx.Component:
    s = CompanyState
    return rx.vstack(
        rx.cond(
            s.people.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.partners.person_name")),
                    rx.table.column_header_cell(tr("ui.partners.job_title")),
                    rx.table.column_header_cell(tr("ui.partners.kind")),
                    rx.table.column_header_cell(tr("ui.partners.contact")),
                    rx.table.column_header_cell(tr("ui.partners.portal_access")),
                )),
                rx.table.body(rx.foreach(s.people, lambda p: rx.table.row(
                    rx.table.row_header_cell(p.name),
                    rx.table.cell(p.job_title),
                    rx.table.cell(label_of("ui.partners.kind", p.kind)),
                    rx.table.cell(rx.vstack(rx.text(p.email, size="2"), rx.text(p.phone, size="1"), spacing="0")),
                    rx.table.cell(rx.cond(
                        p.has_access, rx.badge(tr("ui.partners.has_access"), color_scheme="green", variant="soft"),
                        rx.cond(s.can_manage & (p.email != ""),
                                confirm_dialog("ui.partners.give_access", "ui.partners.give_access_title",
                                               "ui.partners.give_access_text", s.give_access(p.id),
                                               subject=p.name, danger=False)))),
                ))),
                width="100%", variant="surface",
            ),
            empty("ui.partners.no_people"),
        ),
        rx.link(tr("ui.partners.manage_contacts"), href="/staff/partners/contacts?company=" + s.company_id.to_string(),
                size="2"),
        spacing="2", width="100%",
    )


def _add_interaction() -> rx.Component:
    s = CompanyState
    return rx.form(
        rx.vstack(
            rx.flex(
                select_field(tr("ui.partners.interaction_kind"), "kind",
                             options("ui.partners.interaction", INTERACTION_KINDS), default="meeting"),
                input_field(tr("ui.partners.interaction_at"), "at", type="datetime-local"),
                rx.flex(
                    rx.el.label(rx.text(tr("ui.partners.interaction_person"), size="2", weight="medium", as_="span"),
                                html_for="cal-person_id"),
                    rx.el.select(rx.el.option(tr("ui.partners.nobody"), value=""),
                                 rx.foreach(s.people, lambda p: rx.el.option(p.name, value=p.id.to_string())),
                                 name="person_id", id="cal-person_id",
                                 style={"padding": "0.35em 0.4em", "borderRadius": "6px", "width": "100%"}),
                    direction="column", spacing="1", width="100%",
                ),
                spacing="3", width="100%", direction={"initial": "column", "md": "row"},
            ),
            text_area(tr("ui.partners.interaction_summary"), "summary"),
            rx.button(tr("ui.partners.add_interaction"), type="submit"),
            spacing="3", width="100%",
        ),
        on_submit=s.add_interaction, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-int",
    )


def _history() -> rx.Component:
    s = CompanyState
    return rx.vstack(
        rx.cond(s.can_manage, _add_interaction()),
        rx.cond(
            s.history.length() > 0,
            rx.vstack(
                rx.foreach(s.history, lambda i: rx.box(
                    rx.hstack(rx.badge(I18nState.tx["ui.partners.interaction." + i.kind], variant="soft"),
                              rx.text(i.at, size="2", weight="medium"),
                              rx.cond(i.person != "", rx.text("· ", i.person, size="2")),
                              rx.cond(i.by != "", rx.text("· ", tr("ui.partners.by"), " ", i.by, size="1",
                                                          color_scheme="gray")),
                              wrap="wrap", align="center"),
                    rx.text(i.summary, white_space="pre-wrap", size="2"),
                    border_bottom=f"1px solid {rx.color('gray', 4)}", padding_y="0.5em", width="100%",
                )),
                rx.cond(s.history_pages > 1, pager(s.history_page, s.history_pages, s.prev_history, s.next_history)),
                spacing="1", width="100%",
            ),
            empty("ui.partners.no_history"),
        ),
        spacing="3", width="100%",
    )


def _needs() -> rx.Component:
    s = CompanyState
    return rx.cond(
        s.needs.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(tr("ui.partners.need_title")),
                rx.table.column_header_cell(tr("ui.partners.need_positions")),
                rx.table.column_header_cell(tr("ui.partners.need_status")),
                rx.table.column_header_cell(tr("ui.partners.need_received")),
                rx.table.column_header_cell(tr("ui.partners.need_deadline")),
            )),
            rx.table.body(rx.foreach(s.needs, lambda n: rx.table.row(
                rx.table.row_header_cell(n.title),
                rx.table.cell(n.positions.to_string()),
                rx.table.cell(rx.badge(I18nState.tx["ui.partners.need_status." + n.status], variant="soft")),
                rx.table.cell(n.received_at),
                rx.table.cell(n.deadline),
            ))),
            width="100%", variant="surface",
        ),
        empty("ui.partners.no_needs"),
    )


def _merge() -> rx.Component:
    s = CompanyState
    return rx.vstack(
        rx.text(tr("ui.partners.merge_intro"), size="2"),
        rx.form(
            rx.hstack(
                input_field(tr("ui.partners.merge_search"), "merge_query", default=s.merge_query, type="search"),
                rx.button(tr("ui.partners.find"), type="submit"),
                align="end", width="100%",
            ),
            on_submit=s.find_duplicates, reset_on_submit=False, width="100%",
        ),
        rx.foreach(s.candidates, lambda c: rx.hstack(
            rx.link(c.name, href="/staff/partners/" + c.id.to_string(), weight="medium"),
            rx.text(c.city, size="2", color_scheme="gray"),
            rx.text(c.people.to_string(), " ", tr("ui.partners.people_count"), size="1", color_scheme="gray"),
            confirm_dialog("ui.partners.merge", "ui.partners.merge_title", "ui.partners.merge_text", s.merge(c.id),
                           subject=c.name, confirm_key="ui.partners.merge_confirm"),
            align="center", wrap="wrap", spacing="3",
        )),
        spacing="3", width="100%",
    )


def company_page() -> rx.Component:
    s = CompanyState
    return area_page(
        "staff", "ui.partners.company_title", partners_nav(), messages(),
        rx.cond(
            s.found,
            rx.vstack(
                rx.heading(s.name, size="5", as_="h2"),
                _fields(),
                section("ui.partners.people", _people()),
                section("ui.partners.history", _history()),
                section("ui.partners.needs", _needs()),
                rx.cond(s.can_manage, section("ui.partners.merge_section", _merge())),
                spacing="4", width="100%",
            ),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(company_page, route="/staff/partners/[company_id]", on_load=CompanyState.on_load,
                 title="CC Network")
