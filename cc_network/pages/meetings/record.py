"""/staff/meetings/[meeting_id]: one meeting's record. The agenda (the steps of the running
procedures reviewed in this kind of meeting), each decided by the manager with its outcome and
a note; the statistics of the period and each member's progress, as gathered when it opened;
the minutes, which any member of the team writes while it is open; "Close and send" (the
manager): the minutes to the team and, weekly, the next week's plan to the team and the host."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta

import reflex as rx

from cc_network.pages.calendar.common import local_text, text_area
from cc_network.pages.communications.meeting_part import CommRow, comm_rows, comm_section
from cc_network.pages.forms import as_id, form_str, id_or_zero
from cc_network.pages.meetings.listing import ROUTE, record_badge
from cc_network.pages.portal.common import zone_of
from cc_network.ui.components import confirm_dialog, empty, messages
from cc_network.ui.i18n import I18nState, tr, tr_var
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.meetings import services as meetings
from workflows.meetings.services import MINUTES_MAX

_PATH = re.compile(r"^/staff/meetings/(\d{1,18})/?$")
_EVENT_PATH = re.compile(r"^/staff/meetings/event/(\d{1,18})/?$")


@dataclasses.dataclass
class Outcome:
    key: str = ""
    label: str = ""


@dataclasses.dataclass
class AgendaRow:
    task_id: int = 0
    instance_id: int = 0
    instance_title: str = ""
    step_n: int = 0
    title: str = ""
    roles: str = ""
    due: str = ""
    overdue: bool = False
    branches: list[Outcome] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class DecidedRow:
    instance_title: str = ""
    step_n: int = 0
    title: str = ""
    outcome: str = ""
    note: str = ""
    by: str = ""
    at: str = ""


@dataclasses.dataclass
class StatRow:
    label_key: str = ""
    value: str = ""


@dataclasses.dataclass
class MemberRow:
    name: str = ""
    completed: int = 0
    completed_titles: str = ""
    overdue: int = 0
    overdue_titles: str = ""


@dataclasses.dataclass
class ReportRow:
    """A report before the meeting (issue 9): a member's weekly report, or one to validate."""

    report_id: int = 0
    label: str = ""  # the member's name, or the report's title
    status: str = ""
    late: bool = False


@dataclasses.dataclass
class DraftRow:
    """A draft of a new procedure version submitted for this weekly meeting's review (P31)."""

    code: str = ""
    version: int = 0
    title: str = ""
    change_note: str = ""


def _drafts(snap: dict) -> list[DraftRow]:
    return [DraftRow(str(x.get("code", "")), int(x.get("version") or 0), str(x.get("title", "")),
                     str(x.get("change_note", ""))) for x in snap.get("procedure_drafts") or []]


def _reports(snap: dict) -> tuple[list[ReportRow], str, list[ReportRow]]:
    got = snap.get("reports") or {}
    weekly = got.get("individual") or {}
    due = [ReportRow(int(x.get("report_id") or 0), str(x.get("name", "")), str(x.get("status", "")),
                     bool(x.get("late"))) for x in weekly.get("reports") or []]
    to_validate = [ReportRow(int(x.get("report_id") or 0), str(x.get("title", "")), "draft")
                   for x in got.get("to_validate") or []]
    return due, ", ".join(str(n) for n in weekly.get("missing") or []), to_validate


def _stats(snap: dict) -> list[StatRow]:
    v, reg, sess = snap.get("visits", {}), snap.get("registrations", {}), snap.get("sessions", {})
    rows = [StatRow("ui.meetings.stat.visits", str(v.get("total", 0))),
            StatRow("ui.meetings.stat.visitors", str(v.get("students", 0))),
            StatRow("ui.meetings.stat.activities", str(snap.get("activities_total", 0)))]
    rows += [StatRow("type." + k, str(n)) for k, n in sorted(snap.get("activities", {}).items())]
    rows += [StatRow("ui.meetings.stat.attendance", str(snap.get("attendance", 0))),
             StatRow("ui.meetings.stat.registrations", str(reg.get("total", 0))),
             StatRow("ui.meetings.stat.attended", str(reg.get("attended", 0))),
             StatRow("ui.meetings.stat.no_show", str(reg.get("no_show", 0))),
             StatRow("ui.meetings.stat.sessions", str(sess.get("done", 0))),
             StatRow("ui.meetings.stat.sessions_no_show", str(sess.get("no_show", 0)))]
    return rows


class MeetingState(AppState):
    found: bool = False
    shown_id: int = 0
    title: str = ""
    kind: str = ""
    when: str = ""
    status: str = ""
    period: str = ""
    minutes: str = ""
    minutes_key: int = 0
    closed: str = ""
    plan_sent: str = ""
    agenda: list[AgendaRow] = []
    decided: list[DecidedRow] = []
    stats: list[StatRow] = []
    members: list[MemberRow] = []
    reports_due: list[ReportRow] = []
    reports_missing: str = ""
    reports_to_validate: list[ReportRow] = []
    drafts: list[DraftRow] = []
    comms: list[CommRow] = []  # weekly: communication items and plan entries
    can_manage: bool = False
    # the decision being confirmed: a listed agenda item and one of its outcomes ("" : done)
    editing_id: int = 0
    pending_title: str = ""
    pending_branch: str = ""
    pending_label: str = ""
    deciding: bool = False

    def _meeting_from_path(self) -> int:
        m = _PATH.match(str(self.router.url.path or ""))
        return id_or_zero(m.group(1) if m else None)

    def _show(self, d: meetings.MeetingDetail) -> None:
        zone = zone_of(self.tenant_slug)
        fmt = "%d/%m/%Y %H:%M"
        self.found, self.shown_id, self.title, self.kind, self.status = True, d.id, d.title, d.kind, d.status
        self.when = local_text(d.starts_at, zone, fmt)
        self.minutes = d.minutes
        self.minutes_key += 1
        self.closed = local_text(d.closed_at, zone, fmt)
        self.plan_sent = local_text(d.plan_sent_at, zone, fmt)
        period = d.snapshot.get("period", {})
        try:
            since = datetime.fromisoformat(period["since"]).astimezone(zone)
            until = datetime.fromisoformat(period["until"]).astimezone(zone) - timedelta(seconds=1)
            self.period = f"{since:%d/%m/%Y} – {until:%d/%m/%Y}"
        except (KeyError, TypeError, ValueError):
            self.period = ""
        self.agenda = [AgendaRow(i.task_id, g.instance_id, g.instance_title, i.step_n, i.title, ", ".join(i.roles),
                                 local_text(i.due_at, zone, "%d/%m/%Y"), i.overdue,
                                 [Outcome(k, label) for k, label in i.branches])
                       for g in d.agenda for i in g.items]
        self.decided = [DecidedRow(x.instance_title, x.step_n, x.title, x.outcome, x.note, x.decided_by_name,
                                   local_text(x.decided_at, zone, fmt)) for x in d.decided]
        self.stats = _stats(d.snapshot)
        self.reports_due, self.reports_missing, self.reports_to_validate = _reports(d.snapshot)
        self.drafts = _drafts(d.snapshot)
        self.comms = comm_rows(d.communications)
        self.members = [MemberRow(m.get("name", ""), int(m.get("completed", 0)),
                                  "; ".join(m.get("completed_titles", [])), int(m.get("overdue", 0)),
                                  "; ".join(m.get("overdue_titles", []))) for m in d.snapshot.get("members", [])]

    def _load(self, actor: Actor) -> None:
        self._show(meetings.get_meeting(actor, actor.tenant_id or 0, self._meeting_from_path()))
        self.can_manage = actor.can(Perm.PROCEDURE_MANAGE)

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.found, self.agenda, self.decided, self.stats, self.members = False, [], [], [], []
        self.deciding, self.editing_id = False, 0
        return self._refresh(actor)

    @rx.event
    def save_minutes(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            text = form_str(form, "minutes", max_len=MINUTES_MAX)
            # the meeting of the page's path, looked up by the service in the caller's centre only
            self._show(meetings.do_save_minutes(actor, actor.tenant_id or 0, self._meeting_from_path(), text))
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.meetings.minutes_saved")
        return None

    @rx.event
    def open_decide(self, task_id: int, branch: str):
        """Asks to confirm an outcome of an item the page listed (anything else does nothing)."""
        try:
            tid = as_id(task_id)
        except ServiceError:
            return
        item = next((r for r in self.agenda if r.task_id == tid), None)
        if item is None or not isinstance(branch, str):
            return
        labels = {b.key: b.label for b in item.branches}
        if (branch or labels) and branch not in labels:
            return
        self.error = ""
        self.editing_id, self.pending_title = item.task_id, item.title
        self.pending_branch, self.pending_label = branch, labels.get(branch, "")
        self.deciding = True

    @rx.event
    def close_decide(self, _open: bool = False):
        self.deciding, self.editing_id, self.pending_branch, self.pending_label = False, 0, "", ""

    @rx.event
    def decide(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            task_id = as_id(form_str(form, "task_id", max_len=20))
            branch = form_str(form, "branch", max_len=40) or None
            note = form_str(form, "note", max_len=4000)
            self._show(meetings.do_decide_item(actor, actor.tenant_id or 0, self._meeting_from_path(), task_id,
                                               branch=branch, note=note))
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.deciding, self.editing_id = False, 0
        self._ok("ui.meetings.decided")
        return None

    @rx.event
    def close_meeting(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            self._show(meetings.do_close_meeting(actor, actor.tenant_id or 0, self._meeting_from_path()))
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.meetings.closed_notice")
        return None


class EventMeetingState(AppState):
    """/staff/meetings/event/[event_id] (linked from a meeting's sheet in the calendar): goes to
    the meeting's record when opened, else to the list, where the manager opens it."""

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        m = _EVENT_PATH.match(str(self.router.url.path or ""))
        try:
            meeting_id = meetings.meeting_of_event(actor, actor.tenant_id or 0, id_or_zero(m.group(1) if m else None))
        except ServiceError as exc:
            self._fail(exc)
            return None
        return rx.redirect(f"{ROUTE}/{meeting_id}" if meeting_id else ROUTE)


# ---------------------------------------------------------------- components

def _outcome_button(r: AgendaRow, b: Outcome) -> rx.Component:
    s = MeetingState
    return rx.button(b.label, size="1", variant="soft", on_click=s.open_decide(r.task_id, b.key),
                     aria_label=b.label + " — " + r.title)


def _agenda_row(r: AgendaRow) -> rx.Component:
    s = MeetingState
    return rx.table.row(
        rx.table.cell(rx.link(r.instance_title, href="/staff/procedures/instances/" + r.instance_id.to_string())),
        rx.table.row_header_cell(rx.text(r.step_n.to_string(), ". ", r.title)),
        rx.table.cell(r.roles),
        rx.table.cell(rx.cond(r.due != "", rx.text(r.due, color_scheme=rx.cond(r.overdue, "red", "gray"),
                                                   size="2"), "—")),
        rx.table.cell(rx.cond(
            s.can_manage & (s.status == "open"),
            rx.cond(r.branches.length() > 0,
                    rx.flex(rx.foreach(r.branches, lambda b: _outcome_button(r, b)), spacing="2", wrap="wrap"),
                    rx.button(tr("ui.meetings.done"), size="1", variant="soft", on_click=s.open_decide(r.task_id, ""),
                              aria_label=tr("ui.meetings.done") + " — " + r.title)))),
    )


def _decide_dialog() -> rx.Component:
    s = MeetingState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.meetings.decide_title")),
            rx.dialog.description(
                rx.text.strong(s.pending_title), " — ",
                rx.cond(s.pending_label != "", s.pending_label, tr("ui.meetings.done")), size="2"),
            rx.text(tr("ui.meetings.decide_text"), size="2", color_scheme="gray"),
            rx.form(rx.vstack(
                rx.el.input(type="hidden", name="task_id", value=s.editing_id.to_string()),
                rx.el.input(type="hidden", name="branch", value=s.pending_branch),
                text_area(tr("ui.meetings.note"), "note"),
                rx.hstack(
                    rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                              on_click=s.close_decide(False)),
                    rx.button(tr("ui.meetings.decide_confirm"), type="submit"),
                    justify="end", width="100%"),
                spacing="3", width="100%"), on_submit=s.decide, reset_on_submit=True, width="100%"),
        ),
        open=s.deciding, on_open_change=s.close_decide,
    )


def _stat(r: StatRow) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(tr_var(r.label_key)), rx.data_list.value(r.value))


def _member(r: MemberRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(r.name),
        rx.table.cell(rx.tooltip(rx.text(r.completed.to_string()), content=rx.cond(r.completed_titles != "",
                                                                                   r.completed_titles, "—"))),
        rx.table.cell(rx.text(r.overdue.to_string(), color_scheme=rx.cond(r.overdue > 0, "red", "gray"))),
        rx.table.cell(rx.text(r.overdue_titles, size="1", color_scheme="gray")),
    )


def _report_due(r: ReportRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(r.label, href="/staff/reports/" + r.report_id.to_string())),
        rx.table.cell(rx.badge(I18nState.tx["ui.reports.status." + r.status], variant="soft")),
        rx.table.cell(rx.cond(r.late, rx.badge(tr("ui.reports.late"), color_scheme="red", variant="soft"))),
    )


def _report_to_validate(r: ReportRow) -> rx.Component:
    return rx.link(r.label, href="/staff/reports/" + r.report_id.to_string())


def _procedure_drafts() -> rx.Component:
    """P31: the drafts of new procedure versions this weekly meeting reviews (each opens its
    revision page, where the diff is)."""
    s = MeetingState
    return rx.cond(s.drafts.length() > 0, rx.vstack(
        rx.heading(tr("ui.meetings.procedure_drafts"), size="4", as_="h3"),
        rx.el.ul(rx.foreach(s.drafts, lambda d: rx.el.li(rx.hstack(
            rx.link(d.code, " — ", d.title, " (v", d.version.to_string(), ")",
                    href="/staff/procedures/" + d.code + "/revisions"),
            rx.cond(d.change_note != "", rx.text(d.change_note, size="1", color_scheme="gray")),
            spacing="2", align="center", wrap="wrap"))), style={"paddingInlineStart": "1em"}),
        spacing="2", width="100%"))


def _meeting_reports() -> rx.Component:
    """The weekly individual reports due the day before, and the reports to validate here."""
    s = MeetingState
    return rx.fragment(
        rx.cond(s.kind == "weekly_coordination_meeting", rx.vstack(
            rx.heading(tr("ui.meetings.individual_reports"), size="4", as_="h3"),
            rx.cond(s.reports_due.length() > 0,
                    _table(("ui.meetings.col_member", "ui.reports.col_status", "ui.reports.late"), s.reports_due,
                           _report_due),
                    empty("ui.meetings.no_individual_reports")),
            rx.cond(s.reports_missing != "", rx.text(tr("ui.meetings.reports_missing"), " ", s.reports_missing,
                                                     size="2", color_scheme="gray")),
            spacing="2", width="100%")),
        rx.cond(s.reports_to_validate.length() > 0, rx.vstack(
            rx.heading(tr("ui.meetings.reports_to_validate"), size="4", as_="h3"),
            rx.foreach(s.reports_to_validate, _report_to_validate),
            spacing="1", width="100%")),
    )


def _decided(r: DecidedRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r.instance_title),
        rx.table.row_header_cell(rx.text(r.step_n.to_string(), ". ", r.title)),
        rx.table.cell(rx.badge(r.outcome, variant="soft")),
        rx.table.cell(rx.text(r.note, size="2", style={"whiteSpace": "pre-wrap"})),
        rx.table.cell(rx.text(r.by, " — ", r.at, size="1")),
    )


def _table(headers: tuple[str, ...], rows, render) -> rx.Component:  # noqa: ANN001
    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in headers])),
        rx.table.body(rx.foreach(rows, render)), width="100%", variant="surface"), overflow_x="auto", width="100%")


def meeting_page() -> rx.Component:
    s = MeetingState
    return area_page(
        "staff", "ui.meetings.record", messages(),
        rx.link(tr("ui.meetings.back"), href=ROUTE),
        rx.cond(s.found, rx.vstack(
            rx.flex(rx.heading(s.title, size="5", as_="h2"), record_badge(s.status),
                    rx.text(I18nState.tx["type." + s.kind], " — ", s.when, size="2"),
                    spacing="3", align="center", wrap="wrap"),
            rx.cond(s.closed != "", rx.text(tr("ui.meetings.closed_at"), " ", s.closed,
                                            rx.cond(s.plan_sent != "", rx.fragment(" — ", tr("ui.meetings.plan_sent"))),
                                            size="2", color_scheme="gray")),
            rx.heading(tr("ui.meetings.agenda"), size="4", as_="h3"),
            rx.cond(s.agenda.length() > 0,
                    _table(("ui.meetings.col_procedure", "ui.meetings.col_step", "ui.meetings.col_roles",
                            "ui.proc.due", "ui.meetings.col_decision"), s.agenda, _agenda_row),
                    empty("ui.meetings.no_agenda")),
            rx.cond(s.decided.length() > 0, rx.vstack(
                rx.heading(tr("ui.meetings.decided_title"), size="4", as_="h3"),
                _table(("ui.meetings.col_procedure", "ui.meetings.col_step", "ui.meetings.col_outcome",
                        "ui.meetings.note", "ui.meetings.col_by"), s.decided, _decided),
                spacing="2", width="100%")),
            rx.heading(tr("ui.meetings.stats"), size="4", as_="h3"),
            rx.text(tr("ui.meetings.period"), " ", s.period, size="2", color_scheme="gray"),
            rx.data_list.root(rx.foreach(s.stats, _stat), orientation="horizontal"),
            rx.heading(tr("ui.meetings.progress"), size="4", as_="h3"),
            rx.text(tr("ui.meetings.progress_hint"), size="1", color_scheme="gray"),
            rx.cond(s.members.length() > 0,
                    _table(("ui.meetings.col_member", "ui.meetings.col_completed", "ui.meetings.col_overdue",
                            "ui.meetings.col_overdue_tasks"), s.members, _member),
                    empty("ui.meetings.no_members")),
            _procedure_drafts(),
            comm_section(s.comms),
            _meeting_reports(),
            rx.heading(tr("ui.meetings.minutes"), size="4", as_="h3"),
            rx.cond(s.status == "open",
                    rx.form(rx.vstack(
                        text_area(tr("ui.meetings.minutes"), "minutes", default=s.minutes, rows="10"),
                        rx.button(tr("ui.meetings.save_minutes"), type="submit", width="fit-content"),
                        spacing="2", width="100%"),
                        on_submit=s.save_minutes, reset_on_submit=False, width="100%",
                        key=s.minutes_key.to_string()),
                    rx.text(rx.cond(s.minutes != "", s.minutes, "—"), style={"whiteSpace": "pre-wrap"})),
            rx.cond(s.can_manage & (s.status == "open"),
                    confirm_dialog("ui.meetings.close", "ui.meetings.close_title", "ui.meetings.close_text",
                                   s.close_meeting, subject=s.title, danger=False)),
            _decide_dialog(),
            spacing="3", width="100%",
        )),
    )


def event_meeting_page() -> rx.Component:
    return area_page("staff", "ui.meetings.record", messages(), rx.link(tr("ui.meetings.back"), href=ROUTE))


def register(app: rx.App) -> None:
    app.add_page(meeting_page, route=ROUTE + "/[meeting_id]", on_load=MeetingState.on_load, title="CC Network")
    app.add_page(event_meeting_page, route=ROUTE + "/event/[event_id]", on_load=EventMeetingState.on_load,
                 title="CC Network")
