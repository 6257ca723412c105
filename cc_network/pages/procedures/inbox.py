"""/staff/inbox and /host/inbox: the tasks procedures give people (issue 6 §3). Tabs: my
tasks, my team's tasks (the manager), overdue, due this week. A task says what to do, in which
procedure and instance, by when, and about which record; its holder marks it done (with a
note), chooses an outcome (approve, refuse…) or skips it with a reason. One state for both
areas: the host institution's approver decides from /host/inbox."""

from __future__ import annotations

import math

import reflex as rx

from cc_network.pages.calendar.common import text_area
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.portal.common import zone_of
from cc_network.pages.procedures import TaskRow, task_row
from cc_network.pages.procedures.instances import due_text, holder
from cc_network.ui.components import empty, messages, pager
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.procedures import services as proc

PER_PAGE = 25
# tab → (scope, when)
TABS = {"mine": ("mine", "all"), "team": ("team", "all"), "overdue": ("mine", "overdue"), "week": ("mine", "week")}


class InboxState(AppState):
    allowed: bool = False
    area: str = "staff"
    tab: str = "mine"
    can_team: bool = False
    items: list[TaskRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    overdue_count: int = 0
    week_count: int = 0
    # the open dialog: "complete", "decide" or "skip", about the task `editing_id`
    dialog: str = ""
    editing_id: int = 0
    editing_title: str = ""
    editing_branch: str = ""
    editing_branch_label: str = ""

    def _area(self) -> str:
        return "host" if str(self.router.url.path or "").startswith("/host") else "staff"

    def _load(self, actor: Actor) -> None:
        self.allowed = False
        self.can_team = actor.can(Perm.PROCEDURE_MANAGE)
        if self.tab == "team" and not self.can_team:
            self.tab = "mine"
        scope, when = TABS.get(self.tab, TABS["mine"])
        got = proc.inbox(actor, actor.tenant_id or 0, scope=scope, when=when, page=self.page, per_page=PER_PAGE)
        self.allowed = True
        self.total, self.pages = got.total, max(1, math.ceil(got.total / PER_PAGE))
        self.page = min(max(self.page, 1), self.pages)
        self.overdue_count, self.week_count = got.overdue, got.due_this_week
        zone = zone_of(self.tenant_slug)
        self.items = [task_row(t, zone) for t in got.items]

    @rx.event
    def on_load(self):
        area = self._area()
        actor, redirect = self._enter(area)
        if actor is None:
            return redirect
        self.area, self.tab, self.page, self.items, self.total, self.pages = area, "mine", 1, [], 0, 1
        self.allowed = False
        self._forget()
        return self._refresh(actor)

    def _forget(self) -> None:
        self.dialog, self.editing_id, self.editing_title = "", 0, ""
        self.editing_branch = self.editing_branch_label = ""

    @rx.event
    def choose_tab(self, tab: str):
        if not isinstance(tab, str) or tab not in TABS:
            return None
        self.tab, self.page = tab, 1
        self._forget()
        return self._refresh()

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        return self._refresh()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        return self._refresh()

    # ------------------------------------------------------------ dialogs (tasks already listed)

    def _open(self, dialog: str, task_id: object, branch: object = "") -> None:
        """Opens a dialog about a task the page listed; any other id does nothing."""
        try:
            tid = as_id(task_id)
        except ServiceError:
            return
        task = next((t for t in self.items if t.id == tid), None)
        if task is None:
            return
        label = ""
        if dialog == "decide":
            label = next((b.label for b in task.branches if b.key == branch), "")
            if not label:
                self._fail(Invalid("unknown branch", code="unknown_branch"))
                return
        self.error = ""
        self.dialog, self.editing_id, self.editing_title = dialog, task.id, task.title
        self.editing_branch, self.editing_branch_label = (str(branch), label) if dialog == "decide" else ("", "")

    @rx.event
    def open_complete(self, task_id: int):
        self._open("complete", task_id)

    @rx.event
    def open_decide(self, task_id: int, branch: str):
        self._open("decide", task_id, branch)

    @rx.event
    def open_skip(self, task_id: int):
        self._open("skip", task_id)

    @rx.event
    def close_dialog(self, _open: bool = False):
        self._forget()

    # ------------------------------------------------------------ actions (the service checks everything)

    def _act(self, form: dict, action) -> object:  # noqa: ANN001
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            task_id = as_id(form_str(form, "task_id", max_len=20))
            key = action(actor, actor.tenant_id or 0, task_id)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._forget()
        self._refresh(actor)
        self._ok(key)
        return None

    @rx.event
    def complete(self, form: dict):
        def run(actor: Actor, tid: int, task_id: int) -> str:
            proc.do_complete_task(actor, tid, task_id, note=form_str(form, "note", max_len=4000).strip())
            return "ui.proc.task_done"
        return self._act(form, run)

    @rx.event
    def decide(self, form: dict):
        def run(actor: Actor, tid: int, task_id: int) -> str:
            branch = form_str(form, "branch", max_len=40)
            proc.do_decide(actor, tid, task_id, branch, note=form_str(form, "note", max_len=4000).strip())
            return "ui.proc.decided"
        return self._act(form, run)

    @rx.event
    def skip(self, form: dict):
        def run(actor: Actor, tid: int, task_id: int) -> str:
            proc.do_skip_task(actor, tid, task_id, reason=form_str(form, "reason", max_len=1000).strip())
            return "ui.proc.skipped"
        return self._act(form, run)


# ---------------------------------------------------------------- the page

def _subject(t: TaskRow) -> rx.Component:
    s = InboxState
    label = rx.cond(t.subject_key != "", I18nState.tx[t.subject_key], t.subject_type)
    return rx.cond(
        t.subject_type != "",
        rx.cond((t.subject_href != "") & (s.area == "staff"),
                rx.link(label, " #", t.subject_id.to_string(), href=t.subject_href),
                rx.text(label, rx.cond(t.subject_id > 0, rx.fragment(" #", t.subject_id.to_string())), size="2")),
        "—",
    )


def _actions(t: TaskRow) -> rx.Component:
    s = InboxState
    return rx.cond(t.can_act, rx.flex(
        rx.cond(t.branches.length() > 0,
                rx.foreach(t.branches, lambda b: rx.button(
                    b.label, size="1", on_click=s.open_decide(t.id, b.key),
                    aria_label=b.label + " — " + t.title)),
                rx.button(tr("ui.proc.done"), size="1", color_scheme="green", on_click=s.open_complete(t.id),
                          aria_label=tr("ui.proc.done") + " — " + t.title)),
        rx.button(tr("ui.proc.skip"), size="1", variant="soft", color_scheme="gray", on_click=s.open_skip(t.id),
                  aria_label=tr("ui.proc.skip") + " — " + t.title),
        spacing="2", wrap="wrap", role="group", aria_label=tr("ui.team.actions")))


def _task(t: TaskRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(
            rx.text(t.title, weight="medium"),
            rx.flex(rx.badge(I18nState.tx["ui.proc.kind." + t.kind], variant="outline", size="1"),
                    rx.text(tr("ui.proc.step"), " ", t.step_n.to_string(), size="1", color_scheme="gray"),
                    spacing="2", align="center"),
            spacing="1")),
        rx.table.cell(rx.cond(InboxState.area == "staff",
                              rx.link(t.instance_title, size="2",
                                      href="/staff/procedures/instances/" + t.instance_id.to_string()),
                              rx.text(t.instance_title, size="2"))),
        rx.table.cell(holder(t)),
        rx.table.cell(due_text(t)),
        rx.table.cell(_subject(t)),
        rx.table.cell(_actions(t)),
    )


def _tab(key: str, label_key: str, count: rx.Var | None = None) -> rx.Component:
    s = InboxState
    return rx.button(tr(label_key), *([" (", count.to_string(), ")"] if count is not None else []),
                     variant=rx.cond(s.tab == key, "solid", "soft"), on_click=s.choose_tab(key),
                     aria_pressed=rx.cond(s.tab == key, "true", "false"))


def _form(handler, field: str) -> rx.Component:  # noqa: ANN001
    s = InboxState
    return rx.form(rx.vstack(
        rx.el.input(type="hidden", name="task_id", value=s.editing_id.to_string()),
        rx.el.input(type="hidden", name="branch", value=s.editing_branch),
        text_area(tr("ui.proc." + field), field),
        rx.hstack(
            rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                      on_click=s.close_dialog(False)),
            rx.button(tr("ui.proc.confirm"), type="submit"),
            justify="end", width="100%"),
        spacing="3", width="100%"), on_submit=handler, reset_on_submit=True, width="100%")


def _dialog() -> rx.Component:
    s = InboxState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.match(s.dialog, ("decide", s.editing_branch_label), ("skip", tr("ui.proc.skip")),
                                     tr("ui.proc.done"))),
            rx.dialog.description(
                rx.match(s.dialog, ("decide", tr("ui.proc.decide_text")), ("skip", tr("ui.proc.skip_text")),
                         tr("ui.proc.complete_text")), " ", rx.text.strong(s.editing_title), size="2"),
            rx.match(s.dialog, ("decide", _form(s.decide, "note")), ("skip", _form(s.skip, "reason")),
                     _form(s.complete, "note")),
        ),
        open=s.dialog != "", on_open_change=s.close_dialog,
    )


def inbox_body() -> rx.Component:
    s = InboxState
    return rx.cond(s.allowed, rx.vstack(
        rx.flex(
            _tab("mine", "ui.proc.tab_mine"),
            rx.cond(s.can_team, _tab("team", "ui.proc.tab_team")),
            _tab("overdue", "ui.proc.tab_overdue", s.overdue_count),
            _tab("week", "ui.proc.tab_week", s.week_count),
            spacing="2", wrap="wrap", role="group", aria_label=tr("ui.proc.tabs"),
        ),
        rx.cond(s.items.length() > 0, rx.vstack(
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                    "ui.proc.col_task", "ui.proc.col_instance", "ui.proc.col_holder", "ui.proc.due",
                    "ui.proc.col_subject", "ui.team.actions")])),
                rx.table.body(rx.foreach(s.items, _task)),
                width="100%", variant="surface"), overflow_x="auto", width="100%"),
            rx.text(s.total.to_string(), " ", tr("ui.proc.tasks_suffix"), size="2", color_scheme="gray"),
            pager(s.page, s.pages, s.prev_page, s.next_page),
            spacing="3", width="100%",
        ), empty("ui.proc.inbox_empty")),
        _dialog(),
        spacing="3", width="100%",
    ))


def staff_inbox_page() -> rx.Component:
    return area_page("staff", "ui.proc.inbox", messages(), inbox_body())


def host_inbox_page() -> rx.Component:
    return area_page("host", "ui.proc.inbox", messages(), inbox_body())


def register(app: rx.App) -> None:
    app.add_page(staff_inbox_page, route="/staff/inbox", on_load=InboxState.on_load, title="CC Network")
    app.add_page(host_inbox_page, route="/host/inbox", on_load=InboxState.on_load, title="CC Network")
