"""/staff/reports/[report_id]: one version of a report. Its figures (a snapshot taken when the
version was made), the narrative sections and the budget table — editable while a draft by its
member (weekly report) or the manager —, the sections assigned to members (the manager assigns,
the assignee writes), validation (the member hands in a weekly report; the manager validates in
the meeting of its kind), sending to the host institution, a new version of a validated one,
the versions, and the downloads (PDF, XLSX, CSV in fr/en/ar)."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.calendar.common import (
    Option,
    local_text,
    select_field,
    team_options,
    text_area,
)
from cc_network.pages.forms import as_id, form_str, id_or_zero
from cc_network.pages.portal.common import zone_of
from cc_network.pages.reports.common import (
    ROUTE,
    ReportRow,
    downloads,
    late_badge,
    period_text,
    row_of,
    status_badge,
    table,
)
from cc_network.ui.components import confirm_dialog, empty, messages
from cc_network.ui.i18n import I18nState, tr, tr_var
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.reporting import reports as rep
from workflows.reporting.render import COUNT_KEYS, MEMBER_KEYS

_PATH = re.compile(r"^/staff/reports/(\d{1,18})/?$")
_SECTION_FIELD = re.compile(r"^s_([a-z_]{1,40})$")


@dataclasses.dataclass
class FigRow:
    key: str = ""
    value: str = ""


@dataclasses.dataclass
class EventRow:
    day: str = ""
    title: str = ""
    done: bool = False


@dataclasses.dataclass
class PlanRow:
    title: str = ""
    target: str = ""
    actual: str = ""


@dataclasses.dataclass
class IndividualRow:
    report_id: int = 0
    name: str = ""
    status: str = ""
    late: bool = False


@dataclasses.dataclass
class SectionRow:
    key: str = ""
    body: str = ""


@dataclasses.dataclass
class BudgetRow:
    label: str = ""
    planned: str = ""
    spent: str = ""
    currency: str = ""


@dataclasses.dataclass
class AssignedRow:
    id: int = 0
    key: str = ""
    assignee: str = ""
    status: str = ""
    body: str = ""
    mine: bool = False


def _num(v: object) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v if v is not None else "—")


class ReportState(AppState):
    found: bool = False
    rid: int = 0
    kind: str = ""
    period: str = ""
    status: str = ""
    version_no: int = 1
    member_name: str = ""
    due: str = ""
    late: bool = False
    owner: bool = False
    editable: bool = False
    manageable: bool = False
    compiled: bool = False
    validated: str = ""
    sent: str = ""
    sent_to: str = ""
    figures: list[FigRow] = []
    events: list[EventRow] = []
    planned: list[PlanRow] = []
    individual: list[IndividualRow] = []
    sections: list[SectionRow] = []
    budget: list[BudgetRow] = []
    budget_text: str = ""
    assigned: list[AssignedRow] = []
    history: list[ReportRow] = []
    meetings: list[Option] = []
    team: list[Option] = []
    form_key: int = 0

    def _report_from_path(self) -> int:
        m = _PATH.match(str(self.router.url.path or ""))
        return id_or_zero(m.group(1) if m else None)

    def _show(self, actor: Actor, d: rep.ReportDetail) -> None:
        zone = zone_of(self.tenant_slug)
        f = d.figures or {}
        self.found, self.rid, self.kind, self.status, self.version_no = True, d.id, d.kind, d.status, d.version_no
        self.period = period_text(d.kind, d.period_start, d.period_end)
        self.member_name, self.late = d.member_name, d.late
        self.due = f"{d.due_on:%d/%m/%Y}" if d.due_on else ""
        self.owner, self.editable, self.manageable = d.owner, d.editable, d.manageable
        self.compiled = d.kind in rep.COMPILED_KINDS
        self.validated = (local_text(d.validated_at, zone, "%d/%m/%Y") + " — " + d.validated_by_name) \
            if d.validated_at else ""
        self.sent = local_text(d.sent_at, zone, "%d/%m/%Y %H:%M")
        self.sent_to = ", ".join(d.sent_to)
        counts, member = f.get("counts") or {}, f.get("member") or {}
        self.figures = [FigRow("ui.reports.figure." + k, _num(counts[k])) for k in COUNT_KEYS if k in counts] + \
            [FigRow("ui.reports.figure." + k, _num(member[k])) for k in MEMBER_KEYS if k in member]
        self.events = [EventRow(str(e.get("day", "")), str(e.get("title", "")), bool(e.get("done")))
                       for e in f.get("events") or []]
        self.planned = [PlanRow(str(p.get("title", "")), _num(p.get("target")), _num(p.get("actual")))
                        for p in f.get("planned") or []]
        self.individual = [IndividualRow(int(x.get("report_id") or 0), str(x.get("name", "")),
                                         str(x.get("status", "")), bool(x.get("late")))
                           for x in f.get("individual_reports") or []]
        self.sections = [SectionRow(str(x.get("key", "")), str(x.get("body", ""))) for x in d.sections]
        self.budget = [BudgetRow(str(b.get("label", "")), _num(b.get("planned")), _num(b.get("spent")),
                                 str(b.get("currency", ""))) for b in d.budget]
        self.budget_text = "\n".join(f"{b.label} | {b.planned} | {b.spent} | {b.currency}" for b in self.budget)
        self.assigned = [AssignedRow(x.id, x.key, x.assignee_name, x.status, x.body,
                                     x.assignee_membership_id == actor.membership_id) for x in d.assigned]
        self.history = [row_of(h) for h in d.history]
        self.form_key += 1

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        d = rep.get_report(actor, tid, self._report_from_path())
        self._show(actor, d)
        self.meetings, self.team = [], []
        if d.manageable and d.status == "draft":
            self.meetings = [Option(str(m.id), f"{local_text(m.starts_at, zone_of(self.tenant_slug), '%d/%m/%Y')} — "
                                    f"{m.title}") for m in rep.meetings_for(actor, tid, d.id)]
            if self.compiled and actor.can(Perm.TEAM_VIEW):
                self.team = team_options(actor, tid)[0]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.found, self.figures, self.sections, self.assigned, self.history = False, [], [], [], []
        return self._refresh(actor)

    def _act(self, do, notice: str):  # noqa: ANN001
        """Run a service call on the report of the page's path (looked up in the caller's centre)."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            d = do(actor, actor.tenant_id or 0, self._report_from_path())
            if d.id != self._report_from_path():  # a new version: its own page
                return rx.redirect(f"{ROUTE}/{d.id}")
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok(notice)
        return None

    @rx.event
    def save(self, form: dict):
        """The sections typed (fields s_<key>) and, for a centre's report, the budget lines
        ("label | planned | spent | currency", one a line)."""
        try:
            if not isinstance(form, dict):
                raise Invalid("bad form", code="invalid")
            sections = []
            for name in form:
                m = _SECTION_FIELD.match(str(name))
                if m:
                    sections.append({"key": m.group(1), "body": form_str(form, name, max_len=rep.BODY_MAX)})
            data: dict = {"sections": sections}
            if "budget" in form:
                data["budget"] = _budget(form_str(form, "budget", max_len=20_000))
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._act(lambda a, t, r: rep.do_update_report(a, t, r, data), "ui.reports.saved")

    @rx.event
    def validate(self, form: dict):
        try:
            raw = form_str(form, "meeting_id", max_len=12)
            meeting_id = as_id(raw) if raw else None
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._act(lambda a, t, r: rep.do_validate_report(a, t, r, meeting_id=meeting_id),
                         "ui.reports.validated_notice")

    @rx.event
    def send(self):
        return self._act(rep.do_send_report, "ui.reports.sent_notice")

    @rx.event
    def new_version(self):
        return self._act(rep.do_new_version, "ui.reports.new_version_notice")

    @rx.event
    def assign(self, form: dict):
        try:
            key = form_str(form, "key", max_len=40)
            assignee = as_id(form_str(form, "assignee", max_len=12))
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._act(lambda a, t, r: rep.do_assign_section(a, t, r, key, assignee), "ui.reports.assigned_notice")

    @rx.event
    def write_section(self, form: dict):
        """The assignee's text for an assigned section (the service checks it is theirs)."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            section_id = as_id(form_str(form, "section_id", max_len=12))
            rep.do_write_section(actor, actor.tenant_id or 0, section_id, form_str(form, "body", max_len=rep.BODY_MAX))
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.reports.section_saved")
        return None


def _budget(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) > 4:
            raise Invalid("budget line: label | planned | spent | currency", code="invalid_budget_line")
        parts += [""] * (4 - len(parts))
        out.append({"label": parts[0], "planned": parts[1] or "0", "spent": parts[2] or "0",
                    "currency": (parts[3] or "MAD").upper()})
    return out


# ---------------------------------------------------------------- components

def _fig(r: FigRow) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(tr_var(r.key)), rx.data_list.value(r.value))


def _event_row(r: EventRow) -> rx.Component:
    return rx.table.row(rx.table.cell(r.day), rx.table.row_header_cell(r.title),
                        rx.table.cell(rx.cond(r.done, tr("ui.reports.yes"), tr("ui.reports.no"))))


def _plan_row(r: PlanRow) -> rx.Component:
    return rx.table.row(rx.table.row_header_cell(r.title), rx.table.cell(r.target), rx.table.cell(r.actual))


def _individual_row(r: IndividualRow) -> rx.Component:
    return rx.table.row(rx.table.row_header_cell(rx.link(r.name, href=ROUTE + "/" + r.report_id.to_string())),
                        rx.table.cell(rx.flex(status_badge(r.status), late_badge(r.late), spacing="1")))


def _budget_row(r: BudgetRow) -> rx.Component:
    return rx.table.row(rx.table.row_header_cell(r.label), rx.table.cell(r.planned), rx.table.cell(r.spent),
                        rx.table.cell(r.currency))


def _history_row(r: ReportRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(tr("ui.reports.version"), " ", r.version_no.to_string(),
                                         href=ROUTE + "/" + r.id.to_string())),
        rx.table.cell(status_badge(r.status)), rx.table.cell(r.sent))


def _section_view(r: SectionRow) -> rx.Component:
    return rx.vstack(rx.heading(I18nState.tx["ui.reports.section." + r.key], size="3", as_="h3"),
                     rx.text(rx.cond(r.body != "", r.body, "—"), style={"whiteSpace": "pre-wrap"}, size="2"),
                     spacing="1", width="100%")


def _section_field(r: SectionRow) -> rx.Component:
    return rx.flex(
        rx.el.label(rx.text(I18nState.tx["ui.reports.section." + r.key], size="2", weight="medium", as_="span"),
                    html_for="rep-s-" + r.key),
        rx.text_area(name="s_" + r.key, id="rep-s-" + r.key, default_value=r.body, rows="5", width="100%"),
        direction="column", spacing="1", width="100%")


def _edit_form() -> rx.Component:
    s = ReportState
    return rx.form(rx.vstack(
        rx.foreach(s.sections, _section_field),
        rx.cond(s.kind != "weekly_individual",
                text_area(tr("ui.reports.budget"), "budget", default=s.budget_text, rows="4",
                          hint=tr("ui.reports.budget_hint"))),
        rx.button(tr("ui.reports.save"), type="submit", width="fit-content"),
        spacing="3", width="100%"), on_submit=s.save, reset_on_submit=False, width="100%",
        key=s.form_key.to_string())


def _assigned_row(r: AssignedRow) -> rx.Component:
    s = ReportState
    return rx.table.row(
        rx.table.row_header_cell(I18nState.tx["ui.reports.section." + r.key]),
        rx.table.cell(r.assignee),
        rx.table.cell(I18nState.tx["ui.reports.section_status." + r.status]),
        rx.table.cell(rx.cond(
            r.mine & (s.status == "draft"),
            rx.form(rx.vstack(
                rx.el.input(type="hidden", name="section_id", value=r.id.to_string()),
                rx.text_area(name="body", default_value=r.body, rows="5", width="100%",
                             aria_label=tr("ui.reports.write_section")),
                rx.button(tr("ui.reports.write_section"), type="submit", size="1"),
                spacing="2", width="100%"), on_submit=s.write_section, reset_on_submit=False, width="100%"),
            rx.text(r.body, size="1", color_scheme="gray", style={"whiteSpace": "pre-wrap"}))),
    )


def _assign_form() -> rx.Component:
    s = ReportState
    return rx.form(rx.flex(
        select_field(tr("ui.reports.col_section"), "key", dynamic=None,
                     options=[(k, tr("ui.reports.section." + k)) for k, _t in rep.DEFAULT_SECTIONS["semester"]]),
        select_field(tr("ui.reports.assignee"), "assignee", dynamic=s.team),
        rx.button(tr("ui.reports.assign"), type="submit"), spacing="3", align="end", wrap="wrap"),
        on_submit=s.assign, reset_on_submit=False, width="100%")


def _actions() -> rx.Component:
    s = ReportState
    return rx.flex(
        rx.cond((s.status == "draft") & s.owner,
                confirm_dialog("ui.reports.hand_in", "ui.reports.hand_in_title", "ui.reports.hand_in_text",
                               s.validate({}), danger=False)),
        rx.cond((s.status == "draft") & s.manageable,
                rx.form(rx.flex(
                    select_field(tr("ui.reports.meeting"), "meeting_id", dynamic=s.meetings,
                                 blank=tr("ui.reports.no_meeting"), width="18em"),
                    rx.button(tr("ui.reports.validate"), type="submit"), spacing="2", align="end"),
                    on_submit=s.validate, reset_on_submit=False)),
        rx.cond((s.status == "validated") & s.manageable,
                confirm_dialog("ui.reports.send", "ui.reports.send_title", "ui.reports.send_text", s.send,
                               danger=False)),
        rx.cond((s.status != "draft") & (s.manageable | s.owner),
                confirm_dialog("ui.reports.new_version", "ui.reports.new_version_title",
                               "ui.reports.new_version_text", s.new_version, danger=False)),
        spacing="3", align="end", wrap="wrap",
    )


def report_page() -> rx.Component:
    s = ReportState
    return area_page(
        "staff", "ui.reports.report", messages(),
        rx.link(tr("ui.reports.back"), href=ROUTE),
        rx.cond(s.found, rx.vstack(
            rx.flex(rx.heading(I18nState.tx["ui.reports.kind." + s.kind], " — ", s.period, size="5", as_="h2"),
                    status_badge(s.status), late_badge(s.late),
                    rx.text(tr("ui.reports.version"), " ", s.version_no.to_string(), size="2"),
                    spacing="3", align="center", wrap="wrap"),
            rx.cond(s.member_name != "", rx.text(tr("ui.reports.col_member"), " : ", s.member_name, size="2")),
            rx.cond(s.due != "", rx.text(tr("ui.reports.col_due"), " : ", s.due, size="2")),
            rx.cond(s.validated != "", rx.text(tr("ui.reports.validated_on"), " ", s.validated, size="2",
                                               color_scheme="gray")),
            rx.cond(s.sent != "", rx.text(tr("ui.reports.sent_on"), " ", s.sent, " — ", s.sent_to, size="2",
                                          color_scheme="gray")),
            rx.cond(s.status == "validated",
                    rx.callout(tr("ui.reports.frozen"), color_scheme="blue", size="1")),
            _actions(),
            downloads(s.rid),
            rx.heading(tr("ui.reports.figures"), size="4", as_="h3"),
            rx.cond(s.figures.length() > 0, rx.data_list.root(rx.foreach(s.figures, _fig), orientation="horizontal"),
                    empty("ui.reports.no_figures")),
            rx.cond(s.individual.length() > 0, rx.vstack(
                rx.heading(tr("ui.reports.individual"), size="4", as_="h3"),
                table(("ui.reports.col_member", "ui.reports.col_status"), s.individual, _individual_row),
                width="100%")),
            rx.cond(s.events.length() > 0, rx.vstack(
                rx.heading(tr("ui.reports.events"), size="4", as_="h3"),
                table(("ui.reports.col_day", "ui.reports.col_activity", "ui.reports.col_done"), s.events,
                      _event_row), width="100%")),
            rx.cond(s.planned.length() > 0, rx.vstack(
                rx.heading(tr("ui.reports.planned"), size="4", as_="h3"),
                table(("ui.reports.col_activity", "ui.reports.col_target", "ui.reports.col_actual"), s.planned,
                      _plan_row), width="100%")),
            rx.heading(tr("ui.reports.sections"), size="4", as_="h3"),
            rx.cond(s.editable, _edit_form(), rx.vstack(rx.foreach(s.sections, _section_view), width="100%")),
            rx.cond((s.kind != "weekly_individual") & ~s.editable, rx.vstack(
                rx.heading(tr("ui.reports.budget"), size="4", as_="h3"),
                rx.cond(s.budget.length() > 0,
                        table(("ui.reports.col_budget_line", "ui.reports.col_planned", "ui.reports.col_spent",
                               "ui.reports.col_currency"), s.budget, _budget_row),
                        empty("ui.reports.no_budget")),
                width="100%")),
            rx.cond(s.compiled, rx.vstack(
                rx.heading(tr("ui.reports.assigned"), size="4", as_="h3"),
                rx.cond(s.assigned.length() > 0,
                        table(("ui.reports.col_section", "ui.reports.assignee", "ui.reports.col_status",
                               "ui.reports.col_text"), s.assigned, _assigned_row),
                        empty("ui.reports.none_assigned")),
                rx.cond(s.manageable & (s.status == "draft"), _assign_form()),
                width="100%")),
            rx.heading(tr("ui.reports.versions"), size="4", as_="h3"),
            table(("ui.reports.version", "ui.reports.col_status", "ui.reports.sent_on"), s.history, _history_row),
            spacing="3", width="100%",
        )),
    )


def register(app: rx.App) -> None:
    app.add_page(report_page, route=ROUTE + "/[report_id]", on_load=ReportState.on_load, title="CC Network")
