"""/staff/partners/access: companies' access to the company portal. The requests waiting for a
decision, approved by linking them to a company of the map (or creating it from the name the
requester gave) or rejected with a reason the requester receives; and inviting a company's
contact directly."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import (
    Option,
    input_field,
    local_text,
    select_field,
    text_area,
)
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.partners.common import fail, form_bool, partners_nav
from cc_network.pages.portal.common import section, zone_of
from cc_network.ui.components import checkbox, empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Conflict, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.sourcing.partners import access
from tenants.sourcing.partners.services import list_companies

COMPANY_OPTIONS = 200


@dataclasses.dataclass
class RequestRow:
    id: int = 0
    company_name: str = ""
    full_name: str = ""
    email: str = ""
    phone: str = ""
    job_title: str = ""
    message: str = ""
    requested_at: str = ""
    status: str = ""
    handled_at: str = ""
    rejection_reason: str = ""


def _row(r: access.AccessRequestView, zone) -> RequestRow:  # noqa: ANN001
    return RequestRow(r.id, r.company_name, r.full_name, r.email, r.phone, r.job_title, r.message,
                      local_text(r.requested_at, zone), r.status, local_text(r.handled_at, zone), r.rejection_reason)


class AccessState(AppState):
    pending: list[RequestRow] = []
    handled: list[RequestRow] = []
    can_manage: bool = False
    company_options: list[Option] = []
    # the request whose approval or rejection dialog is open (0: none); only a pending row on screen
    editing_id: int = 0
    dialog: str = ""  # approve | reject
    current_name: str = ""
    current_company: str = ""
    # companies whose name matches the request's, offered first
    matches: list[Option] = []
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        zone = zone_of(self.tenant_slug)
        self.pending = [_row(r, zone) for r in access.list_access_requests(actor, tid, per_page=200).items]
        self.handled = [_row(r, zone) for r in access.list_access_requests(actor, tid, status=None, per_page=50).items
                        if r.status != access.PENDING]
        self.company_options = [Option(str(c.id), c.name)
                                for c in list_companies(actor, tid, per_page=COMPANY_OPTIONS).items]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.pending, self.handled, self.company_options, self.matches = [], [], [], []
        self.editing_id, self.dialog = 0, ""
        self.can_manage = actor.can(Perm.PARTNER_MANAGE)
        try:
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
        return None

    def _pending_row(self, request_id: object) -> RequestRow | None:
        return next((r for r in self.pending if r.id == request_id), None)

    @rx.event
    def start_approve(self, request_id: int):
        """Open the approval dialog of a pending request on screen, with the companies of its name."""
        row = self._pending_row(request_id)
        if row is None:
            self.editing_id, self.dialog = 0, ""
            return None
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            found = list_companies(actor, actor.tenant_id or 0, query=row.company_name, per_page=10).items
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.matches = [Option(str(c.id), c.name) for c in found]
        self.editing_id, self.dialog = row.id, "approve"
        self.current_name, self.current_company = row.full_name, row.company_name
        self.form_key += 1
        return None

    @rx.event
    def start_reject(self, request_id: int):
        row = self._pending_row(request_id)
        self.editing_id, self.dialog, self.current_name, self.current_company = (
            (row.id, "reject", row.full_name, row.company_name) if row is not None else (0, "", "", ""))
        self.form_key += 1

    @rx.event
    def stop_dialog(self, _open: bool = False):
        self.editing_id, self.dialog = 0, ""

    @rx.event
    def approve(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            request_id = as_id(form.get("request_id") if isinstance(form, dict) else None)
            company = form_str(form, "company", max_len=20)
            access.do_approve_access_request(actor, actor.tenant_id or 0, request_id,
                                             company_id=as_id(company) if company else None,
                                             allow_duplicate=form_bool(form, "allow_duplicate"))
            self._load(actor)
        except Conflict as exc:
            if exc.code == "duplicate_company" and exc.params.get("existing_id"):
                # offer the company found first in the list
                eid, ename = str(exc.params["existing_id"]), str(exc.params.get("existing_name") or "")
                self.matches = [Option(eid, ename)] + [m for m in self.matches if m.value != eid]
                self.form_key += 1
            fail(self, exc)
            return None
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.editing_id, self.dialog = 0, ""
        self._ok("ui.partners.access_approved")
        return None

    @rx.event
    def reject(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            request_id = as_id(form.get("request_id") if isinstance(form, dict) else None)
            access.do_reject_access_request(actor, actor.tenant_id or 0, request_id,
                                            reason=form_str(form, "reason", max_len=2000))
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.editing_id, self.dialog = 0, ""
        self._ok("ui.partners.access_rejected")
        return None

    @rx.event
    def invite(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            company = form_str(form, "company", max_len=20)
            access.do_invite_contact(actor, actor.tenant_id or 0, {
                "full_name": form_str(form, "full_name", max_len=400), "email": form_str(form, "email", max_len=254),
                "job_title": form_str(form, "job_title", max_len=300),
                "company_id": as_id(company) if company else None})
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.form_key += 1
        self._ok("ui.partners.invited")
        return None


def _requester(r: RequestRow) -> rx.Component:
    return rx.vstack(
        rx.text(r.full_name, weight="medium", size="2"),
        rx.text(r.job_title, size="1", color_scheme="gray"),
        rx.text(r.email, size="1"), rx.text(r.phone, size="1"),
        spacing="0")


def _pending() -> rx.Component:
    s = AccessState
    return rx.cond(
        s.pending.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(tr("ui.partners.company")),
                rx.table.column_header_cell(tr("ui.partners.requester")),
                rx.table.column_header_cell(tr("ui.partners.message")),
                rx.table.column_header_cell(tr("ui.partners.requested_at")),
                rx.table.column_header_cell(tr("ui.partners.actions")),
            )),
            rx.table.body(rx.foreach(s.pending, lambda r: rx.table.row(
                rx.table.row_header_cell(r.company_name),
                rx.table.cell(_requester(r)),
                rx.table.cell(rx.text(r.message, white_space="pre-wrap", size="2")),
                rx.table.cell(r.requested_at),
                rx.table.cell(rx.cond(s.can_manage, rx.hstack(
                    rx.button(tr("ui.partners.approve"), size="1", on_click=s.start_approve(r.id),
                              aria_label=tr("ui.partners.approve") + " — " + r.full_name),
                    rx.button(tr("ui.partners.reject"), size="1", variant="soft", color_scheme="gray",
                              on_click=s.start_reject(r.id), aria_label=tr("ui.partners.reject") + " — " + r.full_name),
                    spacing="2", wrap="wrap"))),
            ))),
            width="100%", variant="surface",
        ),
        empty("ui.partners.no_requests"),
    )


def _handled() -> rx.Component:
    s = AccessState
    return rx.cond(
        s.handled.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(tr("ui.partners.company")),
                rx.table.column_header_cell(tr("ui.partners.requester")),
                rx.table.column_header_cell(tr("ui.partners.decision")),
                rx.table.column_header_cell(tr("ui.partners.handled_at")),
            )),
            rx.table.body(rx.foreach(s.handled, lambda r: rx.table.row(
                rx.table.row_header_cell(r.company_name),
                rx.table.cell(rx.text(r.full_name, size="2"), rx.text(r.email, size="1", color_scheme="gray")),
                rx.table.cell(rx.badge(I18nState.tx["ui.partners.request_status." + r.status],
                                       color_scheme=rx.cond(r.status == "approved", "green", "gray"), variant="soft"),
                              rx.text(r.rejection_reason, size="1", white_space="pre-wrap")),
                rx.table.cell(r.handled_at),
            ))),
            width="100%", variant="surface",
        ),
        empty("ui.partners.no_handled"),
    )


def _approve_dialog() -> rx.Component:
    s = AccessState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.partners.approve_title"), " — ", s.current_name),
            rx.dialog.description(tr("ui.partners.approve_text"), " ", rx.text.strong(s.current_company), size="2"),
            rx.form(
                rx.vstack(
                    messages(),
                    rx.el.input(type="hidden", name="request_id", value=s.editing_id.to_string()),
                    rx.flex(
                        rx.el.label(rx.text(tr("ui.partners.link_company"), size="2", weight="medium", as_="span"),
                                    html_for="cal-approve-company"),
                        rx.el.select(
                            rx.el.option(tr("ui.partners.create_from_request"), value=""),
                            rx.foreach(s.matches, lambda o: rx.el.option(o.label, value=o.value)),
                            rx.foreach(s.company_options, lambda o: rx.el.option(o.label, value=o.value)),
                            name="company", id="cal-approve-company",
                            style={"padding": "0.35em 0.4em", "borderRadius": "6px", "width": "100%"}),
                        direction="column", spacing="1", width="100%",
                    ),
                    checkbox(tr("ui.partners.allow_duplicate"), "allow_duplicate"),
                    rx.hstack(
                        rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                                  on_click=s.stop_dialog(False)),
                        rx.button(tr("ui.partners.approve_confirm"), type="submit"),
                        justify="end", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=s.approve, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-approve",
            ),
        ),
        open=(s.editing_id > 0) & (s.dialog == "approve"), on_open_change=s.stop_dialog,
    )


def _reject_dialog() -> rx.Component:
    s = AccessState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.partners.reject_title"), " — ", s.current_name),
            rx.dialog.description(tr("ui.partners.reject_text"), size="2"),
            rx.form(
                rx.vstack(
                    messages(),
                    rx.el.input(type="hidden", name="request_id", value=s.editing_id.to_string()),
                    text_area(tr("ui.partners.reject_reason"), "reason"),
                    rx.hstack(
                        rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                                  on_click=s.stop_dialog(False)),
                        rx.button(tr("ui.partners.reject_confirm"), type="submit", color_scheme="red"),
                        justify="end", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=s.reject, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-reject",
            ),
        ),
        open=(s.editing_id > 0) & (s.dialog == "reject"), on_open_change=s.stop_dialog,
    )


def _invite() -> rx.Component:
    s = AccessState
    return rx.form(
        rx.vstack(
            rx.text(tr("ui.partners.invite_intro"), size="2"),
            rx.flex(
                input_field(tr("ui.partners.person_name"), "full_name", required=True),
                input_field(tr("ui.partners.email"), "email", type="email", required=True),
                spacing="3", width="100%", direction={"initial": "column", "sm": "row"},
            ),
            rx.flex(
                input_field(tr("ui.partners.job_title"), "job_title"),
                select_field(tr("ui.partners.company"), "company", dynamic=s.company_options,
                             blank=tr("ui.partners.choose_company")),
                spacing="3", width="100%", direction={"initial": "column", "sm": "row"},
            ),
            rx.button(tr("ui.partners.invite"), type="submit"),
            spacing="3", width="100%",
        ),
        on_submit=s.invite, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-invite",
    )


def access_page() -> rx.Component:
    s = AccessState
    return area_page(
        "staff", "ui.partners.access_title", partners_nav(), messages(),
        section("ui.partners.pending_requests", _pending()),
        rx.cond(s.can_manage, section("ui.partners.invite_section", _invite())),
        section("ui.partners.handled_requests", _handled()),
        _approve_dialog(), _reject_dialog(),
    )


def register(app: rx.App) -> None:
    app.add_page(access_page, route="/staff/partners/access", on_load=AccessState.on_load, title="CC Network")
