"""/host/plan: the action plans the Career Center submitted to the host institution (P01.5,
P02.8). The approver validates the submitted version (with an optional comment, e.g. how the
closing meeting's orientations were followed) or sends it back with a comment; the validated
versions are kept, and two versions can be compared."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import Option, text_area
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.plan.common import (
    ActivityRow,
    ObjectiveRow,
    VersionRow,
    content_rows,
    exports,
    fail,
    metric_label,
    status_badge,
    type_label,
    version_row,
)
from cc_network.pages.portal.common import section
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, NotFound, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.planning import services as plans


@dataclasses.dataclass
class DiffRow:
    kind: str = ""  # added | removed | changed | budget
    title: str = ""
    detail: str = ""


def _fmt(v: object) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k} {x:g}" if isinstance(x, float) else f"{k} {x}" for k, x in v.items())
    return "—" if v in (None, "") else str(v)


class HostPlanState(AppState):
    plans: list[Option] = []
    plan_value: str = ""
    has_plan: bool = False
    plan_id: int = 0
    title: str = ""
    year: str = ""
    version_no: int = 0
    version_label: str = ""
    version_status: str = ""
    host_comment: str = ""
    objectives: list[ObjectiveRow] = []
    activities: list[ActivityRow] = []
    versions: list[VersionRow] = []
    version_options: list[Option] = []
    can_decide: bool = False
    diff_rows: list[DiffRow] = []
    diff_shown: bool = False
    # the decision dialog: "", "validate" or "return"
    deciding: str = ""
    _plan: int = 0
    _shown: int = 0

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        self.can_decide = actor.can(Perm.PLAN_HOST_VALIDATE)
        found = plans.list_plans(actor, tid)
        self.plans = [Option(str(p.id), f"{p.title} ({p.year_label})") for p in found]
        if self._plan not in {p.id for p in found}:
            self._plan, self._shown = (found[0].id if found else 0), 0
        self.plan_value = str(self._plan or "")
        self.has_plan = bool(self._plan)
        if not self._plan:
            self.objectives, self.activities, self.versions, self.version_options = [], [], [], []
            return
        view = plans.get_plan(actor, tid, self._plan, self._shown or None)
        self.plan_id, self.title, self.year = view.id, view.title, view.year_label
        self.version_no, self.version_label, self.version_status = view.version_no, view.version_label, \
            view.version_status
        self.host_comment = view.host_comment
        self.objectives, self.activities, _budget = content_rows(view)
        self.versions = [version_row(v) for v in reversed(view.versions)]
        self.version_options = [Option(str(v.version_no), f"{v.version_no} — {v.label}") for v in view.versions]
        # only the version in force at the top decides; a past version shown is for reading
        latest = view.versions[-1]
        self.can_decide = self.can_decide and latest.status == "submitted" and view.version_no == latest.version_no

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("host")
        if actor is None:
            return redirect
        self.deciding, self.diff_rows, self.diff_shown, self._shown = "", [], False, 0
        try:
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
        return None

    @rx.event
    def choose_plan(self, plan_id: str):
        try:
            self._plan = as_id(plan_id)
        except Invalid:
            return None
        self._shown, self.diff_rows, self.diff_shown = 0, [], False
        return self._refresh()

    @rx.event
    def show_version(self, version_no: int):
        if not isinstance(version_no, int) or isinstance(version_no, bool) or not 0 <= version_no < 10_000:
            return None
        self._shown = version_no
        return self._refresh()

    @rx.event
    def compare(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            if not self._plan:
                raise NotFound(code="not_found")
            a = as_id(form.get("diff_a") if isinstance(form, dict) else None)
            b = as_id(form.get("diff_b") if isinstance(form, dict) else None)
            d = plans.diff_versions(actor, actor.tenant_id or 0, self._plan, a, b)
        except ServiceError as exc:
            fail(self, exc)
            return None
        rows = [DiffRow("added", x["title"], _fmt(x.get("targets"))) for x in d.added]
        rows += [DiffRow("removed", x["title"], _fmt(x.get("targets"))) for x in d.removed]
        rows += [DiffRow("changed", c["title"], "; ".join(f"{f}: {_fmt(v[0])} → {_fmt(v[1])}"
                                                         for f, v in c["changes"].items())) for c in d.changed]
        rows += [DiffRow("objective_added", t, "") for t in d.objectives_added]
        rows += [DiffRow("objective_removed", t, "") for t in d.objectives_removed]
        rows += [DiffRow("budget", x["label"], f"{_fmt(x['before'])} → {_fmt(x['after'])}") for x in d.budget_changed]
        self.diff_rows, self.diff_shown = rows, True
        return None

    @rx.event
    def open_decision(self, which: str):
        self.deciding = which if which in ("validate", "return") else ""

    @rx.event
    def close_decision(self, _open: bool = False):
        self.deciding = ""

    @rx.event
    def decide(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        which = self.deciding
        comment = form_str(form, "decision_comment", max_len=4000)
        try:
            if not self._plan or which not in ("validate", "return"):
                raise NotFound(code="not_found")
            if which == "validate":
                plans.do_host_validate(actor, actor.tenant_id or 0, self._plan, comment=comment)
            else:
                plans.do_host_return(actor, actor.tenant_id or 0, self._plan, comment=comment)
            self._shown = 0
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.deciding = ""
        self._ok("ui.plan.host_validated" if which == "validate" else "ui.plan.host_returned")
        return None


def _decision_dialog() -> rx.Component:
    s = HostPlanState
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(rx.cond(s.deciding == "validate", tr("ui.plan.do_validate"), tr("ui.plan.do_return")),
                        " — ", s.title),
        rx.dialog.description(rx.cond(s.deciding == "validate", tr("ui.plan.confirm_validate"),
                                      tr("ui.plan.confirm_return")), size="2"),
        rx.form(rx.vstack(
            text_area(tr("ui.plan.host_comment"), "decision_comment"),
            rx.hstack(rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                                on_click=s.close_decision(False)),
                      rx.button(rx.cond(s.deciding == "validate", tr("ui.plan.do_validate"), tr("ui.plan.do_return")),
                                type="submit"), justify="end", width="100%"),
            spacing="3", width="100%"), on_submit=s.decide, reset_on_submit=False, width="100%"),
    ), open=s.deciding != "", on_open_change=s.close_decision)


def _content() -> rx.Component:
    s = HostPlanState
    return rx.vstack(
        section("ui.plan.objectives", rx.cond(s.objectives.length() > 0, rx.el.ul(rx.foreach(
            s.objectives, lambda o: rx.el.li(rx.text(rx.text.strong(o.title), " ", o.description, size="2")))),
            empty("ui.plan.no_objectives"))),
        section("ui.plan.activities", rx.cond(s.activities.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(f"ui.plan.col.{c}")) for c in
                                           ("objective", "activity", "type", "owner", "period", "metric", "s1",
                                            "s2", "budget_line")])),
            rx.table.body(rx.foreach(s.activities, lambda a: rx.table.row(
                rx.table.cell(a.objective), rx.table.row_header_cell(a.title), rx.table.cell(type_label(a.type)),
                rx.table.cell(a.owner), rx.table.cell(a.period), rx.table.cell(metric_label(a.metric)),
                rx.table.cell(a.s1), rx.table.cell(a.s2), rx.table.cell(a.budget_label)))),
            width="100%", variant="surface"), empty("ui.plan.no_activities"))),
        spacing="4", width="100%")


def _versions() -> rx.Component:
    s = HostPlanState
    select = lambda name, label: rx.flex(  # noqa: E731
        rx.el.label(rx.text(label, size="2", weight="medium", as_="span"), html_for=f"host-{name}"),
        rx.el.select(rx.foreach(s.version_options, lambda o: rx.el.option(o.label, value=o.value)), name=name,
                     id=f"host-{name}", style={"padding": "0.35em 0.4em"}), direction="column", spacing="1")
    return section(
        "ui.plan.versions",
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(f"ui.plan.col.{c}")) for c in
                                           ("version", "status", "submitted", "validated", "host_comment")])),
            rx.table.body(rx.foreach(s.versions, lambda v: rx.table.row(
                rx.table.row_header_cell(rx.button(v.no.to_string(), " — ", v.label, size="1", variant="ghost",
                                                   on_click=s.show_version(v.no))),
                rx.table.cell(I18nState.tx["ui.plan.status." + v.status]), rx.table.cell(v.submitted),
                rx.table.cell(v.validated), rx.table.cell(v.host_comment)))),
            width="100%", variant="surface"),
        rx.cond(s.version_options.length() > 1, rx.form(rx.hstack(
            select("diff_a", tr("ui.plan.diff_from")), select("diff_b", tr("ui.plan.diff_to")),
            rx.button(tr("ui.plan.compare"), type="submit"), align="end", spacing="2"),
            on_submit=s.compare, reset_on_submit=False)),
        rx.cond(s.diff_shown, rx.cond(s.diff_rows.length() > 0, rx.table.root(
            rx.table.body(rx.foreach(s.diff_rows, lambda d: rx.table.row(
                rx.table.cell(rx.badge(I18nState.tx["ui.plan.diff." + d.kind], variant="soft")),
                rx.table.row_header_cell(d.title), rx.table.cell(d.detail)))),
            width="100%", variant="surface"), empty("ui.plan.no_difference"))),
    )


def host_plan_page() -> rx.Component:
    s = HostPlanState
    return area_page(
        "host", "ui.plan.host_title", messages(),
        rx.text(tr("ui.plan.host_intro"), size="2"),
        rx.cond(s.has_plan, rx.vstack(
            rx.hstack(
                rx.el.label(rx.text(tr("ui.plan.plan"), size="2", weight="medium", as_="span"), html_for="host-plan"),
                rx.el.select(rx.foreach(s.plans, lambda o: rx.el.option(o.label, value=o.value)), id="host-plan",
                             value=s.plan_value, on_change=s.choose_plan, style={"padding": "0.35em 0.4em"}),
                spacing="2", align="center"),
            rx.hstack(rx.heading(s.title, size="5", as_="h2"), status_badge(s.version_status), spacing="3",
                      align="center"),
            rx.text(tr("ui.plan.version"), " ", s.version_no.to_string(), " — ", s.version_label, size="2",
                    color_scheme="gray"),
            rx.cond(s.host_comment != "", rx.callout(rx.text(tr("ui.plan.host_comment"), ": ", s.host_comment),
                                                     width="100%")),
            exports(s.plan_id),
            rx.cond(s.can_decide, rx.hstack(
                rx.button(tr("ui.plan.do_validate"), on_click=s.open_decision("validate")),
                rx.button(tr("ui.plan.do_return"), variant="soft", color_scheme="orange",
                          on_click=s.open_decision("return")), spacing="2")),
            _content(), _versions(), _decision_dialog(), spacing="4", width="100%"),
            empty("ui.plan.host_none")),
    )


def register(app: rx.App) -> None:
    app.add_page(host_plan_page, route="/host/plan", on_load=HostPlanState.on_load, title="CC Network")
