"""/staff/procedures/instances: the centre's procedure instances, running or done, with their
progress; /staff/procedures/instances/[instance_id]: one instance's tasks by step (status,
holder, due date, outcome). The manager cancels an instance (with a reason) and hands a task
to another member holding its role."""

from __future__ import annotations

import dataclasses
import math
import re

import reflex as rx

from cc_network.pages.calendar.common import Option, select_field, text_area
from cc_network.pages.forms import as_id, form_str, id_or_zero
from cc_network.pages.portal.common import zone_of
from cc_network.pages.procedures import INSTANCE_STATUSES, TaskRow, task_row, when_text
from cc_network.ui.components import empty, messages, pager
from cc_network.ui.i18n import I18nState, tr, tr_var
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.team.services import list_members
from workflows.procedures import services as proc

LIST = "/staff/procedures/instances"
PER_PAGE = 25
_PATH = re.compile(r"^/staff/procedures/instances/(\d{1,18})/?$")
_CODE = re.compile(r"^P\d{2}$")


@dataclasses.dataclass
class InstRow:
    id: int = 0
    code: str = ""
    title: str = ""
    status: str = ""
    started: str = ""
    completed: str = ""
    steps_done: int = 0
    steps_total: int = 0
    percent: int = 0
    open_tasks: int = 0


def inst_row(i, zone) -> InstRow:  # noqa: ANN001  (a views.InstanceView)
    pct = round(100 * i.steps_done / i.steps_total) if i.steps_total else 0
    return InstRow(i.id, i.code, i.title, i.status, when_text(i.started_at, zone), when_text(i.completed_at, zone),
                   i.steps_done, i.steps_total, pct, i.open_tasks)


class InstancesState(AppState):
    allowed: bool = False
    rows: list[InstRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    f_status: str = ""
    f_code: str = ""
    filters_key: int = 0

    def _load(self, actor: Actor) -> None:
        self.allowed = False
        tid = actor.tenant_id or 0
        found, total = proc.list_instances(actor, tid, status=self.f_status or None, code=self.f_code or None,
                                           page=self.page, per_page=PER_PAGE)
        self.allowed = True
        self.total, self.pages = total, max(1, math.ceil(total / PER_PAGE))
        zone = zone_of(self.tenant_slug)
        self.rows = [inst_row(i, zone) for i in found]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.total, self.page, self.pages, self.allowed = [], 0, 1, 1, False
        self.f_status = self.f_code = ""
        return self._refresh(actor)

    @rx.event
    def apply_filters(self, form: dict):
        try:
            status = form_str(form, "status", max_len=20)
            code = form_str(form, "code", max_len=3).strip().upper()
            if status and status not in INSTANCE_STATUSES:
                raise Invalid("unknown status", code="invalid")
            if code and not _CODE.match(code):
                raise Invalid("unknown procedure", code="invalid")
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.error = ""
        self.f_status, self.f_code, self.page = status, code, 1
        self.filters_key += 1
        return self._refresh()

    @rx.event
    def clear_filters(self):
        self.f_status = self.f_code = ""
        self.page = 1
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


class InstanceState(AppState):
    found: bool = False
    shown_id: int = 0
    title: str = ""
    proc_code: str = ""
    version: int = 0
    status: str = ""
    started: str = ""
    completed: str = ""
    steps_done: int = 0
    steps_total: int = 0
    percent: int = 0
    tasks: list[TaskRow] = []
    can_manage: bool = False
    dialog: str = ""  # "cancel" or "reassign"
    editing_id: int = 0  # the task being reassigned
    editing_title: str = ""
    members: list[Option] = []

    def _instance_from_path(self) -> int:
        m = _PATH.match(str(self.router.url.path or ""))
        return id_or_zero(m.group(1) if m else None)

    def _load(self, actor: Actor) -> None:
        d = proc.get_instance(actor, actor.tenant_id or 0, self._instance_from_path())
        zone = zone_of(self.tenant_slug)
        r = inst_row(d.instance, zone)
        self.found, self.shown_id, self.title, self.proc_code, self.version = True, r.id, r.title, r.code, \
            d.instance.version
        self.status, self.started, self.completed = r.status, r.started, r.completed
        self.steps_done, self.steps_total, self.percent = r.steps_done, r.steps_total, r.percent
        self.tasks = [task_row(t, zone) for t in d.tasks]
        self.can_manage = actor.can(Perm.PROCEDURE_MANAGE)

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.found, self.tasks, self.dialog, self.editing_id, self.members = False, [], "", 0, []
        return self._refresh(actor)

    @rx.event
    def open_cancel(self):
        self.error = ""
        self.dialog = "cancel"

    @rx.event
    def close_dialog(self, _open: bool = False):
        self.dialog = ""
        self.editing_id, self.editing_title, self.members = 0, "", []

    @rx.event
    def cancel(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            reason = form_str(form, "reason", max_len=1000).strip()
            # the instance of the page's path, looked up by the service in the caller's centre only
            proc.do_cancel_instance(actor, actor.tenant_id or 0, self._instance_from_path(), reason=reason)
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.dialog = ""
        self._ok("ui.proc.cancelled")
        return None

    @rx.event
    def open_reassign(self, task_id: int):
        """Opens the dialog for a task the page listed (any other id does nothing), with the
        members who hold its role."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            tid = as_id(task_id)
        except ServiceError:
            return None
        task = next((t for t in self.tasks if t.id == tid), None)
        if task is None:
            return None  # only a task the page listed
        try:
            page = list_members(actor, actor.tenant_id or 0, per_page=500, include_inactive=False)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.error = ""
        self.members = [Option(str(m.membership_id), m.full_name or m.email) for m in page.items
                        if task.role in m.roles]
        self.dialog, self.editing_id, self.editing_title = "reassign", task.id, task.title
        return None

    @rx.event
    def reassign(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            task_id = as_id(form_str(form, "task_id", max_len=20))
            member = as_id(form_str(form, "membership_id", max_len=20))
            # the service looks both up in the caller's centre and checks the member holds the role
            proc.do_reassign_task(actor, actor.tenant_id or 0, task_id, member)
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.dialog, self.editing_id, self.members = "", 0, []
        self._ok("ui.proc.reassigned")
        return None


# ---------------------------------------------------------------- components

STATUS_COLORS = {"running": "blue", "completed": "green", "cancelled": "gray", "waiting": "gray", "open": "amber",
                 "done": "green", "skipped": "gray"}


def status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(I18nState.tx["ui.proc.status." + status], variant="soft",
                    color_scheme=rx.match(status, *[(k, v) for k, v in STATUS_COLORS.items()], "gray"))


def holder(t: TaskRow) -> rx.Component:
    return rx.vstack(
        rx.text(rx.cond(t.role_key != "", tr_var(t.role_key), t.role),
                rx.cond(t.resp_key != "", rx.fragment(" — ", tr_var(t.resp_key))), size="2"),
        rx.cond(t.assignee != "", rx.text(t.assignee, size="1", weight="medium")),
        spacing="0",
    )


def due_text(t: TaskRow) -> rx.Component:
    return rx.cond(t.due != "", rx.text(
        t.due, rx.cond(t.overdue, rx.fragment(" — ", tr("ui.proc.overdue_badge"))),
        color_scheme=rx.cond(t.overdue, "red", "gray"), weight=rx.cond(t.overdue, "bold", "regular"), size="2"),
        "—")


def progress(done: rx.Var, total: rx.Var, pct: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.progress(value=pct, max=100, width="8em", aria_label=tr("ui.proc.progress")),
        rx.text(done.to_string(), " / ", total.to_string(), " ", tr("ui.proc.steps_done"), size="1"),
        spacing="1",
    )


def _inst_row(r: InstRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(r.title, href="/staff/procedures/instances/" + r.id.to_string())),
        rx.table.cell(status_badge(r.status)),
        rx.table.cell(progress(r.steps_done, r.steps_total, r.percent)),
        rx.table.cell(r.open_tasks.to_string()),
        rx.table.cell(r.started),
        rx.table.cell(rx.cond(r.completed != "", r.completed, "—")),
    )


def _filters() -> rx.Component:
    s = InstancesState
    return rx.form(
        rx.flex(
            select_field(tr("ui.proc.col_status"), "status",
                         [(x, tr("ui.proc.status." + x)) for x in INSTANCE_STATUSES], default=s.f_status,
                         blank=tr("ui.proc.all"), width="12em"),
            select_field(tr("ui.proc.col_code"), "code", [(f"P{n:02d}", f"P{n:02d}") for n in range(1, 32)],
                         default=s.f_code, blank=tr("ui.proc.all"), width="8em"),
            rx.button(tr("ui.calendar.apply_filters"), type="submit", variant="soft"),
            rx.button(tr("ui.calendar.clear_filters"), type="button", variant="ghost", on_click=s.clear_filters),
            spacing="3", align="end", wrap="wrap", width="100%",
        ),
        on_submit=s.apply_filters, reset_on_submit=False, width="100%", role="search",
        key=s.filters_key.to_string(),
    )


def instances_page() -> rx.Component:
    s = InstancesState
    return area_page(
        "staff", "ui.proc.instances", messages(),
        rx.link(tr("ui.proc.back"), href="/staff/procedures"),
        rx.cond(s.allowed, rx.vstack(
            _filters(),
            rx.cond(s.rows.length() > 0, rx.vstack(
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                        "ui.proc.col_instance", "ui.proc.col_status", "ui.proc.progress", "ui.proc.col_open",
                        "ui.proc.col_started", "ui.proc.col_completed")])),
                    rx.table.body(rx.foreach(s.rows, _inst_row)),
                    width="100%", variant="surface",
                ),
                rx.text(s.total.to_string(), " ", tr("ui.proc.total_suffix"), size="2", color_scheme="gray"),
                pager(s.page, s.pages, s.prev_page, s.next_page),
                spacing="3", width="100%",
            ), empty("ui.proc.no_instances")),
            spacing="3", width="100%",
        )),
    )


def _task_row(t: TaskRow) -> rx.Component:
    s = InstanceState
    return rx.table.row(
        rx.table.cell(t.step_n.to_string()),
        rx.table.row_header_cell(rx.vstack(
            rx.text(t.title, weight="medium"),
            rx.badge(I18nState.tx["ui.proc.kind." + t.kind], variant="outline", size="1"), spacing="1")),
        rx.table.cell(status_badge(t.status)),
        rx.table.cell(holder(t)),
        rx.table.cell(due_text(t)),
        rx.table.cell(rx.vstack(
            rx.cond(t.branch != "", rx.text(t.branch, weight="medium", size="2")),
            rx.cond(t.completed != "", rx.text(t.completed, " — ", t.completed_by, size="1")),
            rx.cond(t.note != "", rx.text(t.note, size="1", color_scheme="gray", style={"whiteSpace": "pre-wrap"})),
            spacing="0")),
        rx.table.cell(rx.cond(
            s.can_manage & (s.status == "running") & ((t.status == "open") | (t.status == "waiting")),
            rx.button(tr("ui.proc.reassign"), size="1", variant="soft", on_click=s.open_reassign(t.id),
                      aria_label=tr("ui.proc.reassign") + " — " + t.title))),
    )


def _cancel_dialog() -> rx.Component:
    s = InstanceState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.proc.cancel_title")),
            rx.dialog.description(tr("ui.proc.cancel_text"), " ", rx.text.strong(s.title), size="2"),
            rx.form(rx.vstack(
                text_area(tr("ui.proc.reason"), "reason"),
                rx.hstack(
                    rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                              on_click=s.close_dialog(False)),
                    rx.button(tr("ui.proc.cancel_confirm"), type="submit", color_scheme="red"),
                    justify="end", width="100%"),
                spacing="3", width="100%"), on_submit=s.cancel, reset_on_submit=True, width="100%"),
        ),
        open=s.dialog == "cancel", on_open_change=s.close_dialog,
    )


def _reassign_dialog() -> rx.Component:
    s = InstanceState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.proc.reassign")),
            rx.dialog.description(rx.text.strong(s.editing_title), size="2"),
            rx.form(rx.vstack(
                rx.el.input(type="hidden", name="task_id", value=s.editing_id.to_string()),
                rx.cond(s.members.length() > 0,
                        select_field(tr("ui.proc.reassign_to"), "membership_id", dynamic=s.members),
                        rx.text(tr("ui.proc.no_holder"), size="2", color_scheme="gray")),
                rx.hstack(
                    rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                              on_click=s.close_dialog(False)),
                    rx.button(tr("ui.proc.reassign_confirm"), type="submit", disabled=s.members.length() == 0),
                    justify="end", width="100%"),
                spacing="3", width="100%"), on_submit=s.reassign, reset_on_submit=True, width="100%"),
        ),
        open=s.dialog == "reassign", on_open_change=s.close_dialog,
    )


def instance_page() -> rx.Component:
    s = InstanceState
    return area_page(
        "staff", "ui.proc.instance", messages(),
        rx.link(tr("ui.proc.instances"), href=LIST),
        rx.cond(s.found, rx.vstack(
            rx.flex(rx.heading(s.title, size="5", as_="h2"), status_badge(s.status),
                    rx.link(s.proc_code, " v", s.version.to_string(), href="/staff/procedures/" + s.proc_code),
                    spacing="3", align="center", wrap="wrap"),
            rx.flex(progress(s.steps_done, s.steps_total, s.percent),
                    rx.text(tr("ui.proc.col_started"), ": ", s.started, size="2"),
                    rx.cond(s.completed != "", rx.text(tr("ui.proc.col_completed"), ": ", s.completed, size="2")),
                    spacing="5", align="center", wrap="wrap"),
            rx.cond(s.can_manage & (s.status == "running"), rx.button(
                tr("ui.proc.cancel_instance"), color_scheme="red", variant="soft", on_click=s.open_cancel,
                width="fit-content")),
            rx.cond(s.tasks.length() > 0, rx.box(rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                    "ui.proc.step", "ui.proc.col_task", "ui.proc.col_status", "ui.proc.col_holder", "ui.proc.due",
                    "ui.proc.col_outcome", "ui.team.actions")])),
                rx.table.body(rx.foreach(s.tasks, _task_row)),
                width="100%", variant="surface"), overflow_x="auto", width="100%"),
                empty("ui.proc.no_tasks")),
            _cancel_dialog(), _reassign_dialog(),
            spacing="3", width="100%",
        )),
    )


def register(app: rx.App) -> None:
    app.add_page(instances_page, route=LIST, on_load=InstancesState.on_load, title="CC Network")
    app.add_page(instance_page, route=LIST + "/[instance_id]", on_load=InstanceState.on_load, title="CC Network")
