"""/staff/meetings: the team's meetings, upcoming or past, filtered by kind, with the status of
their record. The manager opens a meeting's record; everyone follows the link to an opened one."""

from __future__ import annotations

import dataclasses
import math

import reflex as rx

from cc_network.pages.calendar.common import local_text, select_field
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.portal.common import zone_of
from cc_network.ui.components import empty, messages, pager
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.meetings import services as meetings
from workflows.meetings.models import MEETING_KINDS

ROUTE = "/staff/meetings"
PER_PAGE = 20
WHENS = ("upcoming", "past")


@dataclasses.dataclass
class MeetingRow:
    event_id: int = 0
    title: str = ""
    kind: str = ""
    when: str = ""
    meeting_id: int = 0
    status: str = ""  # "", open, closed


class MeetingsState(AppState):
    allowed: bool = False
    can_manage: bool = False
    rows: list[MeetingRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    when: str = "upcoming"
    f_kind: str = ""
    filters_key: int = 0

    def _load(self, actor: Actor) -> None:
        self.allowed = False
        got = meetings.list_meetings(actor, actor.tenant_id or 0, kind=self.f_kind or None, when=self.when,
                                     page=self.page, per_page=PER_PAGE)
        self.allowed = True
        self.can_manage = actor.can(Perm.PROCEDURE_MANAGE)
        self.total, self.pages = got.total, max(1, math.ceil(got.total / PER_PAGE))
        zone = zone_of(self.tenant_slug)
        self.rows = [MeetingRow(i.event_id, i.title, i.kind, local_text(i.starts_at, zone, "%d/%m/%Y %H:%M"),
                                i.meeting_id or 0, i.status) for i in got.items]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.total, self.page, self.pages, self.allowed = [], 0, 1, 1, False
        self.when, self.f_kind = "upcoming", ""
        return self._refresh(actor)

    @rx.event
    def choose_when(self, when: str | list[str]):
        if when not in WHENS:
            return None
        self.when, self.page = when, 1
        return self._refresh()

    @rx.event
    def apply_filters(self, form: dict):
        try:
            kind = form_str(form, "kind", max_len=40)
            if kind and kind not in MEETING_KINDS:
                raise Invalid("unknown meeting kind", code="invalid_filter")
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.error = ""
        self.f_kind, self.page = kind, 1
        self.filters_key += 1
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
    def open_record(self, event_id: int):
        """The manager opens the record of a meeting event (the service looks the event up in
        the caller's centre only), then goes to it."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            rec = meetings.do_open_meeting(actor, actor.tenant_id or 0, as_id(event_id))
        except ServiceError as exc:
            self._fail(exc)
            return None
        return rx.redirect(f"{ROUTE}/{rec.id}")


# ---------------------------------------------------------------- components

STATUS_COLORS = (("open", "amber"), ("closed", "green"))


def record_badge(status: rx.Var) -> rx.Component:
    return rx.cond(status != "",
                   rx.badge(I18nState.tx["ui.meetings.status." + status], variant="soft",
                            color_scheme=rx.match(status, *STATUS_COLORS, "gray")),
                   rx.badge(tr("ui.meetings.status.none"), variant="outline", color_scheme="gray"))


def _row(r: MeetingRow) -> rx.Component:
    s = MeetingsState
    return rx.table.row(
        rx.table.cell(r.when),
        rx.table.row_header_cell(r.title),
        rx.table.cell(I18nState.tx["type." + r.kind]),
        rx.table.cell(record_badge(r.status)),
        rx.table.cell(rx.cond(
            r.meeting_id > 0,
            rx.link(tr("ui.meetings.view_record"), href=ROUTE + "/" + r.meeting_id.to_string()),
            rx.cond(s.can_manage, rx.button(tr("ui.meetings.open_record"), size="1", variant="soft",
                                            on_click=s.open_record(r.event_id),
                                            aria_label=tr("ui.meetings.open_record") + " — " + r.title)))),
    )


def _filters() -> rx.Component:
    s = MeetingsState
    return rx.flex(
        rx.segmented_control.root(
            rx.segmented_control.item(tr("ui.meetings.upcoming"), value="upcoming"),
            rx.segmented_control.item(tr("ui.meetings.past"), value="past"),
            value=s.when, on_change=s.choose_when, aria_label=tr("ui.meetings.when"),
        ),
        rx.form(
            rx.flex(
                select_field(tr("ui.meetings.kind"), "kind", [(k, tr("type." + k)) for k in MEETING_KINDS],
                             default=s.f_kind, blank=tr("ui.meetings.all_kinds"), width="16em"),
                rx.button(tr("ui.calendar.apply_filters"), type="submit", variant="soft"),
                spacing="3", align="end"),
            on_submit=s.apply_filters, reset_on_submit=False, role="search", key=s.filters_key.to_string(),
        ),
        spacing="4", align="end", wrap="wrap", width="100%",
    )


def meetings_page() -> rx.Component:
    s = MeetingsState
    return area_page(
        "staff", "ui.meetings.title", messages(),
        rx.cond(s.allowed, rx.vstack(
            rx.text(tr("ui.meetings.intro"), size="2", color_scheme="gray"),
            _filters(),
            rx.cond(s.rows.length() > 0, rx.vstack(
                rx.box(rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                        "ui.meetings.col_when", "ui.meetings.col_title", "ui.meetings.kind",
                        "ui.meetings.col_record", "ui.team.actions")])),
                    rx.table.body(rx.foreach(s.rows, _row)),
                    width="100%", variant="surface"), overflow_x="auto", width="100%"),
                pager(s.page, s.pages, s.prev_page, s.next_page),
                spacing="3", width="100%",
            ), empty("ui.meetings.none")),
            spacing="3", width="100%",
        )),
    )


def register(app: rx.App) -> None:
    app.add_page(meetings_page, route=ROUTE, on_load=MeetingsState.on_load, title="CC Network")
