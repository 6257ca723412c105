"""/staff/communications/plans: the communication plans (P29) of the centre and the form to
build one for a week, a month or several months; /staff/communications/plans/[id]: one plan,
its entries (an activity of the calendar, its channels and message) and its workflow: propose
(the communication counselor), validate or return, send to the host institution and fold into
the weekly plan (the manager). Every action calls workflows.communications.plans."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.actions import act_and_reload, field_or_fail, path_id
from cc_network.pages.calendar.common import (
    Option,
    input_field,
    parse_date,
    select_field,
    text_area,
)
from cc_network.pages.communications.items import ROUTE as ITEMS_ROUTE
from cc_network.pages.forms import as_id, form_str
from cc_network.ui.components import confirm_dialog, empty, field, messages, submit
from cc_network.ui.i18n import I18nState, tr, tr_var
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.communications import plans as svc

ROUTE = ITEMS_ROUTE + "/plans"
_PATH = re.compile(r"^/staff/communications/plans/(\d{1,18})/?$")
STATE_COLOURS = {"draft": "gray", "proposed": "blue", "validated": "green", "sent": "teal", "folded": "purple"}


@dataclasses.dataclass
class PlanRow:
    id: int = 0
    title: str = ""
    kind: str = ""
    period: str = ""
    state: str = ""
    n_entries: int = 0


@dataclasses.dataclass
class EntryRow:
    event_id: int = 0
    date: str = ""
    title: str = ""
    channels: str = ""
    message: str = ""
    item_id: int = 0


def plan_badge(state) -> rx.Component:  # noqa: ANN001
    return rx.match(state, *[(s, rx.badge(tr(f"ui.comm.plan_state.{s}"), color_scheme=c, variant="soft"))
                             for s, c in STATE_COLOURS.items()], rx.badge(state))


def _period(v: svc.PlanView) -> str:
    return f"{v.period_start:%d/%m/%Y} – {v.period_end:%d/%m/%Y}"


class CommPlansState(AppState):
    allowed: bool = False
    can_manage: bool = False
    rows: list[PlanRow] = []

    def _load(self, actor: Actor) -> None:
        self.allowed = False
        self.rows = [PlanRow(v.id, v.title, v.period_kind, _period(v), v.state, len(v.entries))
                     for v in svc.list_plans(actor, actor.tenant_id or 0)]
        self.can_manage = actor.can(Perm.COMM_MANAGE)
        self.allowed = True

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.allowed = [], False
        return self._refresh(actor)

    @rx.event
    def create(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            kind = form_str(form, "period_kind", max_len=10)
            start = parse_date(form_str(form, "start", max_len=10))
            end = parse_date(form_str(form, "end", max_len=10))
            v = svc.do_create_plan(actor, actor.tenant_id or 0, kind, start, end,
                                   title=form_str(form, "title", max_len=200) or None)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.error = ""
        return rx.redirect(f"{ROUTE}/{v.id}")


def _plan_row(r: PlanRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(r.title, href=ROUTE + "/" + r.id.to_string())),
        rx.table.cell(rx.match(r.kind, *[(k, tr(f"ui.comm.period.{k}")) for k in svc.KINDS], r.kind)),
        rx.table.cell(r.period),
        rx.table.cell(r.n_entries),
        rx.table.cell(plan_badge(r.state)),
    )


def plans_page() -> rx.Component:
    s = CommPlansState
    return area_page(
        "staff", "ui.comm.plans_title",
        rx.text(tr("ui.comm.plans_intro"), size="2", color_scheme="gray"),
        rx.link(tr("ui.comm.back_to_items"), href=ITEMS_ROUTE),
        messages(),
        rx.cond(s.allowed, rx.vstack(
            rx.cond(s.rows.length() > 0,
                    rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                            "ui.comm.title", "ui.comm.period", "ui.comm.dates", "ui.comm.entries", "ui.comm.state")])),
                        rx.table.body(rx.foreach(s.rows, _plan_row)), width="100%", variant="surface",
                        dir=I18nState.dir),
                    empty("ui.comm.plans_empty")),
            rx.cond(s.can_manage, rx.card(rx.form(rx.vstack(
                rx.heading(tr("ui.comm.new_plan"), size="4", as_="h2"),
                select_field(tr("ui.comm.period"), "period_kind",
                             [(k, tr(f"ui.comm.period.{k}")) for k in svc.KINDS], default="month", form="plan"),
                rx.hstack(input_field(tr("ui.comm.start"), "start", type="date", required=True, form="plan"),
                          input_field(tr("ui.comm.end"), "end", type="date", required=True, form="plan"),
                          width="100%"),
                input_field(tr("ui.comm.title"), "title", form="plan"),
                rx.text(tr("ui.comm.period_hint"), size="1", color_scheme="gray"),
                submit("ui.comm.build_plan"), spacing="3", width="100%"),
                on_submit=s.create, width="100%"), width="100%")),
            spacing="4", width="100%")),
    )


# ---------------------------------------------------------------- one plan

class CommPlanState(AppState):
    found: bool = False
    can_manage: bool = False
    can_approve: bool = False
    plan_id: int = 0
    title: str = ""
    kind: str = ""
    period: str = ""
    state: str = ""
    note: str = ""
    entries: list[EntryRow] = []
    dates: list[Option] = []  # validated, sent, folded

    def _load(self, actor: Actor) -> None:
        self.found = False
        v = svc.get_plan(actor, actor.tenant_id or 0, self.plan_id)
        self.title, self.kind, self.period, self.state, self.note = v.title, v.period_kind, _period(v), v.state, v.note
        self.entries = [EntryRow(int(e["event_id"]), str(e.get("date", "")), str(e.get("title", "")),
                                 ", ".join(e.get("channels") or []), str(e.get("message", "")),
                                 int(e.get("item_id") or 0)) for e in v.entries]
        self.dates = [Option(k, at.strftime("%d/%m/%Y %H:%M")) for k, at in (
            ("ui.comm.validated_at", v.validated_at), ("ui.comm.sent_at", v.sent_at),
            ("ui.comm.folded_at", v.folded_at)) if at]
        self.can_manage, self.can_approve = actor.can(Perm.COMM_MANAGE), actor.can(Perm.COMM_APPROVE)
        self.found = True

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.found, self.plan_id, self.entries = False, self._from_path(), []
        return self._refresh(actor)

    def _from_path(self) -> int:
        return path_id(self, _PATH)

    def _act(self, call, notice: str):  # noqa: ANN001
        self.plan_id = self._from_path()
        return act_and_reload(self, lambda a: call(a, a.tenant_id or 0), notice)

    @rx.event
    def save_entry(self, form: dict):
        try:
            if not isinstance(form, dict):
                raise Invalid("bad form", code="invalid")
            entry = {"event_id": as_id(form.get("event_id")), "message": form_str(form, "message", max_len=2000),
                     "channels": [c.strip() for c in form_str(form, "channels", max_len=500).split(",") if c.strip()]}
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._act(lambda a, t: svc.do_update_plan(a, t, self.plan_id, entries=[entry]), "ui.comm.saved")

    @rx.event
    def save_note(self, form: dict):
        return field_or_fail(self, form, "note", lambda note: self._act(
            lambda a, t: svc.do_update_plan(a, t, self.plan_id, note=note), "ui.comm.saved"), max_len=4000)

    @rx.event
    def refresh_plan(self):
        return self._act(lambda a, t: svc.do_refresh_plan(a, t, self.plan_id), "ui.comm.plan_refreshed")

    @rx.event
    def propose(self):
        return self._act(lambda a, t: svc.do_propose_plan(a, t, self.plan_id), "ui.comm.plan_proposed")

    @rx.event
    def return_plan(self, form: dict):
        return field_or_fail(self, form, "comment", lambda comment: self._act(
            lambda a, t: svc.do_return_plan(a, t, self.plan_id, comment), "ui.comm.plan_returned"), max_len=2000)

    @rx.event
    def validate_plan(self):
        return self._act(lambda a, t: svc.do_validate_plan(a, t, self.plan_id), "ui.comm.plan_validated")

    @rx.event
    def send_plan(self):
        return self._act(lambda a, t: svc.do_send_plan(a, t, self.plan_id), "ui.comm.plan_sent")

    @rx.event
    def fold_plan(self):
        return self._act(lambda a, t: svc.do_fold_plan(a, t, self.plan_id), "ui.comm.plan_folded")

    @rx.event
    def delete_plan(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            svc.do_delete_plan(actor, actor.tenant_id or 0, self._from_path())
        except ServiceError as exc:
            self._fail(exc)
            return None
        return rx.redirect(ROUTE)


def _entry(e: EntryRow) -> rx.Component:
    s = CommPlanState
    editable = s.can_manage & ((s.state == "draft") | (s.state == "proposed"))
    return rx.table.row(
        rx.table.cell(e.date),
        rx.table.row_header_cell(e.title),
        rx.table.cell(rx.cond(
            editable,
            rx.form(rx.hstack(
                rx.el.input(type="hidden", name="event_id", value=e.event_id),
                field("ui.comm.message", "message", required=False, default_value=e.message),
                field("ui.comm.channels", "channels", required=False, default_value=e.channels),
                submit("ui.comm.save", size="1", variant="soft"), align="end", wrap="wrap"),
                on_submit=s.save_entry, key=e.event_id.to_string() + e.message + e.channels),
            rx.vstack(rx.text(e.channels, size="2"), rx.text(e.message, size="2", color_scheme="gray"), spacing="1"))),
        rx.table.cell(rx.cond(e.item_id > 0,
                              rx.link(tr("ui.comm.open_item"), href=ITEMS_ROUTE + "/items/" + e.item_id.to_string()),
                              rx.text(tr("ui.comm.no_item"), size="2", color_scheme="gray"))),
    )


def plan_page() -> rx.Component:
    s = CommPlanState
    return area_page(
        "staff", "ui.comm.plan_title",
        rx.link(tr("ui.comm.back_to_plans"), href=ROUTE),
        messages(),
        rx.cond(s.found, rx.vstack(
            rx.hstack(rx.heading(s.title, size="5", as_="h2"), plan_badge(s.state), align="center", wrap="wrap"),
            rx.text(s.period, size="2"),
            rx.foreach(s.dates, lambda d: rx.text(tr_var(d.value), ": ", d.label, size="2")),
            rx.hstack(
                rx.cond(s.can_manage & (s.state == "draft"),
                        rx.fragment(rx.button(tr("ui.comm.propose"), on_click=s.propose),
                                    rx.button(tr("ui.comm.refresh"), on_click=s.refresh_plan, variant="soft"),
                                    confirm_dialog("ui.comm.delete", "ui.comm.delete_plan_title",
                                                   "ui.comm.delete_plan_text", s.delete_plan, subject=s.title))),
                rx.cond(s.can_approve & (s.state == "proposed"),
                        rx.button(tr("ui.comm.validate"), on_click=s.validate_plan)),
                rx.cond(s.can_approve & (s.state == "validated"),
                        confirm_dialog("ui.comm.send_plan", "ui.comm.send_plan_title", "ui.comm.send_plan_text",
                                       s.send_plan, subject=s.title, danger=False)),
                rx.cond(s.can_approve & (s.state == "sent"),
                        rx.button(tr("ui.comm.fold_plan"), on_click=s.fold_plan)),
                spacing="3", wrap="wrap"),
            rx.cond(s.can_approve & (s.state == "proposed"),
                    rx.form(rx.hstack(text_area(tr("ui.comm.comment"), "comment", rows="2", form="return"),
                                      submit("ui.comm.return_plan", variant="soft", color_scheme="amber"),
                                      align="end", width="100%"), on_submit=s.return_plan, width="100%")),
            rx.cond(s.entries.length() > 0,
                    rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                            "ui.comm.date", "ui.comm.activity", "ui.comm.channels_message", "ui.comm.item")])),
                        rx.table.body(rx.foreach(s.entries, _entry)), width="100%", variant="surface",
                        dir=I18nState.dir),
                    empty("ui.comm.plan_no_entries")),
            rx.text(tr("ui.comm.channels_hint"), size="1", color_scheme="gray"),
            rx.cond(s.can_manage & ((s.state == "draft") | (s.state == "proposed")),
                    rx.form(rx.vstack(text_area(tr("ui.comm.note"), "note", default=s.note, form="note"),
                                      submit("ui.comm.save", variant="soft"), width="100%"),
                            on_submit=s.save_note, width="100%", key=s.note),
                    rx.cond(s.note != "", rx.text(s.note, size="2"))),
            spacing="4", width="100%")),
    )


def register(app: rx.App) -> None:
    app.add_page(plans_page, route=ROUTE, on_load=CommPlansState.on_load, title="CC Network")
    app.add_page(plan_page, route=ROUTE + "/[plan_id]", on_load=CommPlanState.on_load, title="CC Network")
