"""/staff/students/deletion-requests: students' requests to delete their data. Staff who manage
students approve one (the student's personal data is anonymised for good, after a warning)
or reject it with a note; the requests already handled are listed below."""

from __future__ import annotations

import dataclasses
import math

import reflex as rx

from cc_network.pages.calendar.common import local_text, text_area
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.portal.common import section, zone_of
from cc_network.pages.staff_portal.students import fail, students_nav
from cc_network.ui.components import confirm_dialog, empty, messages, pager
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.core.actor import Actor
from tenants.portal.profiles.services import (
    PENDING,
    DeletionRequestView,
    do_handle_deletion_request,
    list_deletion_requests,
)

PER_PAGE = 20


@dataclasses.dataclass
class RequestRow:
    id: int = 0
    student_id: int = 0
    name: str = ""
    email: str = ""
    requested_at: str = ""
    reason: str = ""
    status: str = ""
    handled_at: str = ""
    rejection_reason: str = ""


class DeletionRequestsState(AppState):
    pending: list[RequestRow] = []
    handled: list[RequestRow] = []
    handled_total: int = 0
    page: int = 1
    pages: int = 1
    # the request whose rejection dialog is open (0: none); only a pending row on screen
    editing_id: int = 0
    editing_name: str = ""

    def _load(self, actor: Actor) -> None:
        zone = zone_of(self.tenant_slug)

        def row(r: DeletionRequestView) -> RequestRow:
            return RequestRow(r.id, r.membership_id, r.student_name, r.student_email,
                              local_text(r.requested_at, zone), r.reason, r.status, local_text(r.handled_at, zone),
                              r.rejection_reason)

        every = list_deletion_requests(actor, actor.tenant_id or 0, status=None)
        self.pending = [row(r) for r in every if r.status == PENDING]
        done = sorted((r for r in every if r.status != PENDING),
                      key=lambda r: (r.handled_at or r.requested_at, r.id), reverse=True)
        self.handled_total = len(done)
        self.pages = max(1, math.ceil(len(done) / PER_PAGE))
        self.page = min(max(self.page, 1), self.pages)
        self.handled = [row(r) for r in done[(self.page - 1) * PER_PAGE:self.page * PER_PAGE]]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.pending, self.handled, self.handled_total, self.page, self.pages = [], [], 0, 1, 1
        self.editing_id, self.editing_name = 0, ""
        try:
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
        return None

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        return self._refresh()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        return self._refresh()

    @rx.event
    def approve(self, request_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_handle_deletion_request(actor, actor.tenant_id or 0, as_id(request_id), approve=True)
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self._ok("ui.deletions.approved")
        return None

    @rx.event
    def start_reject(self, request_id: int):
        """Open the rejection dialog for a pending request already on screen; reads nothing new."""
        row = next((r for r in self.pending if r.id == request_id), None)
        self.editing_id, self.editing_name = (row.id, row.name) if row is not None else (0, "")

    @rx.event
    def stop_reject(self, _open: bool = False):
        self.editing_id = 0

    @rx.event
    def reject(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            request_id = as_id(form.get("request_id") if isinstance(form, dict) else None)
            do_handle_deletion_request(actor, actor.tenant_id or 0, request_id, approve=False,
                                       rejection_reason=form_str(form, "reason", max_len=2000))
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.editing_id = 0
        self._ok("ui.deletions.rejected")
        return None


def _student(r: RequestRow) -> rx.Component:
    return rx.vstack(
        rx.link(r.name, href="/staff/students/" + r.student_id.to_string(), weight="medium"),
        rx.text(r.email, size="1", color_scheme="gray"), spacing="0")


def _pending_row(r: RequestRow) -> rx.Component:
    s = DeletionRequestsState
    return rx.table.row(
        rx.table.row_header_cell(_student(r)),
        rx.table.cell(r.requested_at),
        rx.table.cell(rx.cond(r.reason != "", rx.text(r.reason, white_space="pre-wrap", size="2"),
                              rx.text(tr("ui.deletions.no_reason"), color_scheme="gray", size="2"))),
        rx.table.cell(rx.hstack(
            confirm_dialog("ui.deletions.approve", "ui.deletions.approve_title", "ui.deletions.approve_text",
                           s.approve(r.id), subject=r.name, confirm_key="ui.deletions.approve_confirm"),
            rx.button(tr("ui.deletions.reject"), size="1", variant="soft", color_scheme="gray",
                      on_click=s.start_reject(r.id), aria_label=tr("ui.deletions.reject") + " — " + r.name),
            spacing="2", wrap="wrap")),
    )


def _pending() -> rx.Component:
    s = DeletionRequestsState
    return rx.cond(
        s.pending.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(tr("ui.students.name")),
                rx.table.column_header_cell(tr("ui.deletions.requested_at")),
                rx.table.column_header_cell(tr("ui.deletions.reason")),
                rx.table.column_header_cell(tr("ui.deletions.actions")),
            )),
            rx.table.body(rx.foreach(s.pending, _pending_row)),
            width="100%", variant="surface",
        ),
        empty("ui.deletions.none_pending"),
    )


def _handled() -> rx.Component:
    s = DeletionRequestsState
    return rx.cond(
        s.handled.length() > 0,
        rx.vstack(
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.students.name")),
                    rx.table.column_header_cell(tr("ui.deletions.requested_at")),
                    rx.table.column_header_cell(tr("ui.deletions.decision")),
                    rx.table.column_header_cell(tr("ui.deletions.handled_at")),
                    rx.table.column_header_cell(tr("ui.deletions.note")),
                )),
                rx.table.body(rx.foreach(s.handled, lambda r: rx.table.row(
                    rx.table.row_header_cell(rx.vstack(rx.text(r.name, weight="medium", size="2"),
                                                       rx.text(r.email, size="1", color_scheme="gray"),
                                                       spacing="0")),
                    rx.table.cell(r.requested_at),
                    rx.table.cell(rx.badge(I18nState.tx["ui.deletions.status." + r.status],
                                           color_scheme=rx.cond(r.status == "approved", "red", "gray"),
                                           variant="soft")),
                    rx.table.cell(r.handled_at),
                    rx.table.cell(rx.text(r.rejection_reason, white_space="pre-wrap", size="2")),
                ))),
                width="100%", variant="surface",
            ),
            rx.cond(s.pages > 1, pager(s.page, s.pages, s.prev_page, s.next_page)),
            spacing="3", width="100%",
        ),
        empty("ui.deletions.none_handled"),
    )


def _reject_dialog() -> rx.Component:
    s = DeletionRequestsState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.deletions.reject_title"), " — ", s.editing_name),
            rx.dialog.description(tr("ui.deletions.reject_text"), size="2"),
            rx.form(
                rx.vstack(
                    rx.el.input(type="hidden", name="request_id", value=s.editing_id.to_string()),
                    text_area(tr("ui.deletions.reject_reason"), "reason"),
                    rx.hstack(
                        rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                                  on_click=s.stop_reject(False)),
                        rx.button(tr("ui.deletions.reject_confirm"), type="submit"),
                        justify="end", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=s.reject, reset_on_submit=False, width="100%",
            ),
        ),
        open=s.editing_id > 0,
        on_open_change=s.stop_reject,
    )


def deletions_page() -> rx.Component:
    return area_page(
        "staff", "ui.deletions.title", students_nav(), messages(),
        rx.text(tr("ui.deletions.intro"), size="2"),
        section("ui.deletions.pending", _pending()),
        section("ui.deletions.handled", _handled()),
        _reject_dialog(),
    )


def register(app: rx.App) -> None:
    app.add_page(deletions_page, route="/staff/students/deletion-requests", on_load=DeletionRequestsState.on_load,
                 title="CC Network")
