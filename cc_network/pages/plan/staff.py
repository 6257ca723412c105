"""/staff/plan: the annual action plan of an academic year (M30, P01).

The manager creates the year's draft (pre-filled from last year's validated plan, beside what
last year said: last year's objectives and activities, the annual report, the annual closing
meeting's minutes), edits objectives, activities (targets per semester, metric, owner, budget
line) and budget lines, and moves the plan through its workflow (review by the team, finalised
in the internal meeting, submitted to the host institution, shared once validated).
Counselors and the business developer comment while it is in review. Everyone of the team sees
its versions and each activity's target against what was done so far."""

from __future__ import annotations

import copy
import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import Option, input_field, select_field, text_area
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.plan.common import (
    ActivityRow,
    BudgetRow,
    ObjectiveRow,
    VersionRow,
    content_rows,
    exports,
    fail,
    metric_label,
    num,
    status_badge,
    type_label,
    version_row,
    year_options,
)
from cc_network.pages.portal.common import section
from cc_network.ui.components import confirm_dialog, empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, NotFound, ServiceError
from tenants.calendar.services import list_academic_years
from tenants.calendar.types import ACTIVITY_TYPES
from tenants.core.actor import Actor
from tenants.core.roles import STAFF_ROLES, Perm
from tenants.team.services import list_members
from workflows.planning import services as plans
from workflows.planning.models import Metric

TYPES = ["other", *sorted(c for c, t in ACTIVITY_TYPES.items() if not t.meeting)]
METRICS = [m.value for m in Metric]
# who may own an activity of the plan: the team
OWNER_ROLES = {r.value for r in STAFF_ROLES} | {"ambassador", "intern"}


@dataclasses.dataclass
class CommentRow:
    item: str = ""
    author: str = ""
    body: str = ""
    at: str = ""
    version_no: int = 0


@dataclasses.dataclass
class SectionRow:
    title: str = ""
    body: str = ""


def plan_year(state: AppState, actor: Actor, wanted: int = 0) -> tuple[list[Option], int]:
    """The centre's academic years and the one to show: `wanted`, else the current one."""
    years = list_academic_years(actor, actor.tenant_id or 0)
    ids = {y.id for y in years}
    if wanted in ids:
        return year_options(years), wanted
    current = plans.current_academic_year(actor.tenant_id or 0)
    return year_options(years), (current.id if current is not None else 0)


class StaffPlanState(AppState):
    years: list[Option] = []
    year_id: str = ""
    has_plan: bool = False
    plan_id: int = 0
    title: str = ""
    status: str = ""
    current_version_no: int = 0
    version_no: int = 0
    version_label: str = ""
    version_status: str = ""
    host_comment: str = ""
    objectives: list[ObjectiveRow] = []
    activities: list[ActivityRow] = []
    budget: list[BudgetRow] = []
    # target of the year against done so far, per activity (the chart)
    chart: list[dict] = []
    versions: list[VersionRow] = []
    comments: list[CommentRow] = []
    items: list[Option] = []
    owners: list[Option] = []
    can_manage: bool = False
    can_comment: bool = False
    # what last year said (shown beside the draft)
    ly_year: str = ""
    ly_objectives: list[str] = []
    ly_activities: list[str] = []
    ly_report: str = ""
    ly_sections: list[SectionRow] = []
    ly_minutes: str = ""
    # the activity dialog: "" closed, "new", or the key of the activity edited
    act_open: bool = False
    act: ActivityRow = ActivityRow()
    _year: int = 0
    _plan: int = 0
    _shown: int = 0  # a past version shown (0: the current one)

    def _clear(self) -> None:
        self.has_plan, self.plan_id, self.title, self.status = False, 0, "", ""
        self.current_version_no, self.version_no, self.version_label, self.version_status = 0, 0, "", ""
        self.host_comment = ""
        self.objectives, self.activities, self.budget, self.versions, self.comments = [], [], [], [], []
        self.chart = []
        self.items = []
        self.ly_year, self.ly_objectives, self.ly_activities = "", [], []
        self.ly_report, self.ly_sections, self.ly_minutes = "", [], ""
        self._plan = 0

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        self.can_manage, self.can_comment = actor.can(Perm.PLAN_MANAGE), actor.can(Perm.PLAN_COMMENT)
        self.years, self._year = plan_year(self, actor, self._year)
        self.year_id = str(self._year or "")
        self._clear()
        if not self._year:
            return
        view = plans.plan_for_year(actor, tid, self._year)
        if view is None:
            if self.can_manage:
                self._last_year(actor)
            return
        if self._shown and self._shown != view.version_no:
            view = plans.get_plan(actor, tid, view.id, self._shown)
        else:
            self._shown = 0
        self._show(actor, view)

    def _show(self, actor: Actor, view: plans.PlanView) -> None:
        self.has_plan, self._plan, self.plan_id = True, view.id, view.id
        self.title, self.status, self.current_version_no = view.title, view.status, view.current_version_no
        self.version_no, self.version_label, self.version_status = view.version_no, view.version_label, \
            view.version_status
        self.host_comment = view.host_comment
        self.objectives, self.activities, self.budget = content_rows(view)
        progress = {p.activity_key: p for p in plans.plan_progress(actor, actor.tenant_id or 0, view.id)}
        self.chart = []
        for a in self.activities:
            p = progress.get(a.key)
            if p is not None:
                a.actual_s1, a.actual_s2 = num(p.actual_s1), num(p.actual_s2)
                self.chart.append({"label": a.title, "target": (p.target_s1 or 0) + (p.target_s2 or 0),
                                   "actual": (p.actual_s1 or 0) + (p.actual_s2 or 0)})
        self.versions = [version_row(v) for v in reversed(view.versions)]
        titles = {o.key: o.title for o in self.objectives} | {a.key: a.title for a in self.activities} | \
            {b.key: b.label for b in self.budget}
        self.items = [Option(k, t) for k, t in titles.items()]
        self.comments = [CommentRow(titles.get(c.item_key, ""), c.author_name, c.body, c.at.strftime("%Y-%m-%d %H:%M"),
                                    c.version_no) for c in reversed(view.comments)]
        if self.can_manage:
            members = list_members(actor, actor.tenant_id or 0, per_page=500, include_inactive=False).items
            self.owners = [Option(str(m.membership_id), m.full_name or m.email) for m in members
                           if set(m.roles) & OWNER_ROLES]
        if self.can_manage and self.status in ("draft", "in_review"):
            self._last_year(actor)

    def _last_year(self, actor: Actor) -> None:
        said = plans.last_year(actor, actor.tenant_id or 0, self._year)
        if said is None:
            return
        self.ly_year = said.year_label
        self.ly_objectives = [o["title"] for o in said.objectives]
        self.ly_activities = [a["title"] + "".join(f" · {k} {num(v)}" for k, v in a.get("targets", {}).items())
                              for a in said.activities]
        self.ly_report = said.report_title
        self.ly_sections = [SectionRow(x.get("title", ""), x.get("body", "")) for x in said.report_sections]
        self.ly_minutes = said.closing_minutes

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self._shown, self.act_open = 0, False
        try:
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
        return None

    @rx.event
    def choose_year(self, year_id: str):
        try:
            self._year = as_id(year_id)
        except Invalid:
            return None
        self._shown = 0
        return self._refresh()

    @rx.event
    def show_version(self, version_no: int):
        if not isinstance(version_no, int) or isinstance(version_no, bool) or not 0 <= version_no < 10_000:
            return None
        self._shown = version_no
        return self._refresh()

    # ------------------------------------------------------------ actions

    def _do(self, fn, notice: str, *, needs_plan: bool = True):  # noqa: ANN001
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            if needs_plan and not self._plan:
                raise NotFound(code="not_found")
            fn(actor)
            self._shown = 0
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self._ok(notice)
        return None

    def _create(self, actor: Actor) -> None:
        if not self._year:
            raise NotFound(code="academic_year_not_found")
        plans.do_create_plan(actor, actor.tenant_id or 0, self._year)

    def _edit(self, change) -> None:  # noqa: ANN001
        """Apply `change(content)` to the plan's current content and save it (a validated
        plan: its next version)."""
        actor = self._actor()
        if actor is None:
            raise NotFound(code="not_found")
        view = plans.get_plan(actor, actor.tenant_id or 0, self._plan)
        content = copy.deepcopy(view.content)
        change(content)
        plans.do_save_draft(actor, actor.tenant_id or 0, self._plan, content)

    @rx.event
    def create_plan(self):
        return self._do(self._create, "ui.plan.created", needs_plan=False)

    @rx.event
    def add_objective(self, form: dict):
        title = form_str(form, "objective_title", max_len=200)
        description = form_str(form, "objective_description", max_len=4000)
        return self._do(lambda a: self._edit(lambda c: c.setdefault("objectives", []).append(
            {"title": title, "description": description})), "ui.plan.saved")

    @rx.event
    def remove_objective(self, key: str):
        key = str(key)[:40]
        return self._do(lambda a: self._edit(lambda c: c.update(
            objectives=[o for o in c.get("objectives", []) if o["key"] != key])), "ui.plan.saved")

    @rx.event
    def add_budget_line(self, form: dict):
        line = {"label": form_str(form, "budget_label", max_len=200),
                "amount": form_str(form, "budget_amount", max_len=30) or "0",
                "currency": form_str(form, "budget_currency", max_len=3) or "MAD"}
        return self._do(lambda a: self._edit(lambda c: c.setdefault("budget_lines", []).append(line)),
                        "ui.plan.saved")

    @rx.event
    def remove_budget_line(self, key: str):
        key = str(key)[:40]
        return self._do(lambda a: self._edit(lambda c: c.update(
            budget_lines=[b for b in c.get("budget_lines", []) if b["key"] != key])), "ui.plan.saved")

    @rx.event
    def new_activity(self):
        self.act = ActivityRow(objective_key=self.objectives[0].key if self.objectives else "", type="other",
                               metric=METRICS[0])
        self.act_open = True

    @rx.event
    def edit_activity(self, key: str):
        """Open the dialog on an activity already on screen; reads nothing new."""
        row = next((a for a in self.activities if a.key == key), None)
        if row is not None:
            self.act, self.act_open = row, True

    @rx.event
    def close_activity(self, _open: bool = False):
        self.act_open = False

    @rx.event
    def save_activity(self, form: dict):
        key = form_str(form, "act_key", max_len=40)
        owner = form_str(form, "act_owner", max_len=12)
        item = {"title": form_str(form, "act_title", max_len=200),
                "objective_key": form_str(form, "act_objective", max_len=40),
                "type": form_str(form, "act_type", max_len=40) or "other",
                "description": form_str(form, "act_description", max_len=4000),
                "audience": form_str(form, "act_audience", max_len=200),
                "period": form_str(form, "act_period", max_len=200),
                "metric": form_str(form, "act_metric", max_len=24),
                "owner_membership_id": int(owner) if owner.isdigit() and len(owner) < 11 else None,
                "targets": {"S1": form_str(form, "act_s1", max_len=20), "S2": form_str(form, "act_s2", max_len=20)},
                "budget_line": form_str(form, "act_budget", max_len=40)}

        def change(c: dict) -> None:
            acts = c.setdefault("activities", [])
            for n, a in enumerate(acts):
                if key and a["key"] == key:
                    acts[n] = {**item, "key": key}
                    return
            acts.append(item)

        out = self._do(lambda a: self._edit(change), "ui.plan.saved")
        if not self.error:
            self.act_open = False
        return out

    @rx.event
    def remove_activity(self, key: str):
        key = str(key)[:40]
        return self._do(lambda a: self._edit(lambda c: c.update(
            activities=[x for x in c.get("activities", []) if x["key"] != key])), "ui.plan.saved")

    @rx.event
    def add_comment(self, form: dict):
        body = form_str(form, "comment_body", max_len=4000)
        item = form_str(form, "comment_item", max_len=40)
        return self._do(lambda a: plans.do_comment(a, a.tenant_id or 0, self._plan, body, item_key=item),
                        "ui.plan.commented")

    @rx.event
    def open_review(self):
        return self._do(lambda a: plans.do_open_review(a, a.tenant_id or 0, self._plan), "ui.plan.review_opened")

    @rx.event
    def finalise(self):
        return self._do(lambda a: plans.do_finalise(a, a.tenant_id or 0, self._plan), "ui.plan.finalised")

    @rx.event
    def submit(self):
        return self._do(lambda a: plans.do_submit_to_host(a, a.tenant_id or 0, self._plan), "ui.plan.submitted")

    @rx.event
    def share(self):
        return self._do(lambda a: plans.do_share_with_team(a, a.tenant_id or 0, self._plan), "ui.plan.shared")


# ---------------------------------------------------------------- the page

def _year_picker() -> rx.Component:
    s = StaffPlanState
    return rx.hstack(
        rx.el.label(rx.text(tr("ui.plan.year"), size="2", weight="medium", as_="span"), html_for="plan-year"),
        rx.el.select(rx.foreach(s.years, lambda o: rx.el.option(o.label, value=o.value)), id="plan-year",
                     value=s.year_id, on_change=s.choose_year,
                     style={"padding": "0.35em 0.4em", "borderRadius": "6px"}),
        rx.link(tr("ui.plan.review_link"), href="/staff/plan/review", size="2"),
        spacing="3", align="center", wrap="wrap")


def _header() -> rx.Component:
    s = StaffPlanState
    return rx.vstack(
        rx.hstack(rx.heading(s.title, size="5", as_="h2"), status_badge(s.status), spacing="3", align="center",
                  wrap="wrap"),
        rx.text(tr("ui.plan.version"), " ", s.version_no.to_string(), " — ", s.version_label, " (",
                I18nState.tx["ui.plan.status." + s.version_status], ")", size="2", color_scheme="gray"),
        rx.cond(s.version_no != s.current_version_no,
                rx.callout(tr("ui.plan.old_version"), color_scheme="orange", width="100%")),
        rx.cond(s.host_comment != "", rx.callout(rx.text(tr("ui.plan.host_comment"), ": ", s.host_comment),
                                                 color_scheme="blue", width="100%")),
        rx.cond(s.can_manage & (s.status == "validated"),
                rx.text(tr("ui.plan.validated_edit_hint"), size="2", color_scheme="gray")),
        exports(s.plan_id),
        _workflow(),
        spacing="2", width="100%")


def _workflow() -> rx.Component:
    s = StaffPlanState
    button = lambda label, title, text, handler: confirm_dialog(  # noqa: E731
        label, title, text, handler, subject=s.title, danger=False)
    return rx.cond(s.can_manage, rx.hstack(
        rx.cond((s.status == "draft") | (s.status == "updating"),
                button("ui.plan.do_review", "ui.plan.do_review", "ui.plan.confirm_review", s.open_review)),
        rx.cond((s.status == "in_review") | (s.status == "updating"),
                button("ui.plan.do_finalise", "ui.plan.do_finalise", "ui.plan.confirm_finalise", s.finalise)),
        rx.cond((s.status == "finalised") | (s.status == "updating"),
                button("ui.plan.do_submit", "ui.plan.do_submit", "ui.plan.confirm_submit", s.submit)),
        rx.cond(s.status == "validated",
                button("ui.plan.do_share", "ui.plan.do_share", "ui.plan.confirm_share", s.share)),
        spacing="2", wrap="wrap"))


def _editable() -> rx.Var:
    s = StaffPlanState
    return s.can_manage & (s.version_no == s.current_version_no) & \
        ((s.status == "draft") | (s.status == "in_review") | (s.status == "updating") | (s.status == "validated"))


def _objectives() -> rx.Component:
    s = StaffPlanState
    return section(
        "ui.plan.objectives",
        rx.cond(s.objectives.length() > 0, rx.vstack(rx.foreach(s.objectives, lambda o: rx.hstack(
            rx.vstack(rx.text(o.title, weight="medium"), rx.text(o.description, size="2", color_scheme="gray"),
                      spacing="0", flex="1"),
            rx.cond(_editable(), rx.button(tr("ui.plan.remove"), size="1", variant="soft", color_scheme="red",
                                           on_click=s.remove_objective(o.key),
                                           aria_label=tr("ui.plan.remove") + " — " + o.title)),
            width="100%", align="start")), width="100%"), empty("ui.plan.no_objectives")),
        rx.cond(_editable(), rx.form(rx.hstack(
            input_field(tr("ui.plan.objective_title"), "objective_title", required=True, width="40%"),
            input_field(tr("ui.plan.objective_description"), "objective_description", width="40%"),
            rx.button(tr("ui.plan.add_objective"), type="submit"), align="end", spacing="2", width="100%",
            wrap="wrap"), on_submit=s.add_objective, reset_on_submit=True, width="100%")),
    )


def _activity_row(a: ActivityRow) -> rx.Component:
    s = StaffPlanState
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(rx.text(a.title, weight="medium"),
                                           rx.text(a.objective, size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(type_label(a.type)),
        rx.table.cell(a.owner),
        rx.table.cell(a.period),
        rx.table.cell(metric_label(a.metric)),
        rx.table.cell(a.s1, " / ", a.actual_s1),
        rx.table.cell(a.s2, " / ", a.actual_s2),
        rx.table.cell(a.budget_label),
        rx.table.cell(rx.cond(_editable(), rx.hstack(
            rx.button(tr("ui.plan.edit"), size="1", variant="soft", on_click=s.edit_activity(a.key),
                      aria_label=tr("ui.plan.edit") + " — " + a.title),
            rx.button(tr("ui.plan.remove"), size="1", variant="soft", color_scheme="red",
                      on_click=s.remove_activity(a.key), aria_label=tr("ui.plan.remove") + " — " + a.title),
            spacing="1"))),
    )


def _activities() -> rx.Component:
    s = StaffPlanState
    return section(
        "ui.plan.activities",
        rx.text(tr("ui.plan.target_actual_hint"), size="1", color_scheme="gray"),
        rx.cond(s.activities.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(f"ui.plan.col.{c}")) for c in
                                           ("activity", "type", "owner", "period", "metric", "s1", "s2",
                                            "budget_line")],
                                         rx.table.column_header_cell(tr("ui.plan.col.actions")))),
            rx.table.body(rx.foreach(s.activities, _activity_row)), width="100%", variant="surface"),
            empty("ui.plan.no_activities")),
        rx.cond(_editable() & (s.objectives.length() > 0),
                rx.button(tr("ui.plan.add_activity"), on_click=s.new_activity, width="fit-content")),
        _activity_dialog(),
        rx.cond(s.chart.length() > 0, _chart()),
    )


def _chart() -> rx.Component:
    s = StaffPlanState
    return rx.box(rx.recharts.bar_chart(
        rx.recharts.bar(data_key="target", fill="#8D8D8D", name=tr("ui.plan.chart_target")),
        rx.recharts.bar(data_key="actual", fill="#3E63DD", name=tr("ui.plan.chart_actual")),
        rx.recharts.x_axis(data_key="label"), rx.recharts.y_axis(allow_decimals=False), rx.recharts.tooltip(),
        rx.recharts.legend(), data=s.chart, width="100%", height=280),
        width="100%", role="figure", aria_label=tr("ui.plan.chart"))


def _activity_dialog() -> rx.Component:
    s = StaffPlanState
    a = s.act
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(tr("ui.plan.activity")),
        rx.form(rx.vstack(
            rx.el.input(type="hidden", name="act_key", value=a.key),
            input_field(tr("ui.plan.col.activity"), "act_title", default=a.title, required=True),
            rx.flex(
                rx.el.label(rx.text(tr("ui.plan.col.objective"), size="2", weight="medium", as_="span"),
                            html_for="plan-act-objective"),
                rx.el.select(rx.foreach(s.objectives, lambda o: rx.el.option(o.title, value=o.key)),
                             name="act_objective", id="plan-act-objective", default_value=a.objective_key,
                             style={"padding": "0.35em 0.4em", "borderRadius": "6px"}),
                direction="column", spacing="1", width="100%"),
            select_field(tr("ui.plan.col.type"), "act_type",
                         [(c, tr("ui.plan.type_other") if c == "other" else tr(f"ui.calendar.type.{c}"))
                          for c in TYPES], default=a.type),
            select_field(tr("ui.plan.col.metric"), "act_metric", [(m, tr(f"ui.plan.metric.{m}")) for m in METRICS],
                         default=a.metric),
            rx.hstack(input_field(tr("ui.plan.col.s1"), "act_s1", default=a.s1, width="50%"),
                      input_field(tr("ui.plan.col.s2"), "act_s2", default=a.s2, width="50%"), width="100%"),
            select_field(tr("ui.plan.col.owner"), "act_owner", dynamic=s.owners, default=a.owner_id,
                         blank=tr("ui.plan.nobody")),
            input_field(tr("ui.plan.col.period"), "act_period", default=a.period),
            input_field(tr("ui.plan.col.audience"), "act_audience", default=a.audience),
            rx.flex(
                rx.el.label(rx.text(tr("ui.plan.col.budget_line"), size="2", weight="medium", as_="span"),
                            html_for="plan-act-budget"),
                rx.el.select(rx.el.option(tr("ui.plan.none"), value=""),
                             rx.foreach(s.budget, lambda b: rx.el.option(b.label, value=b.key)),
                             name="act_budget", id="plan-act-budget", default_value=a.budget_line,
                             style={"padding": "0.35em 0.4em", "borderRadius": "6px"}),
                direction="column", spacing="1", width="100%"),
            text_area(tr("ui.plan.col.description"), "act_description", default=a.description),
            rx.hstack(rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                                on_click=s.close_activity(False)),
                      rx.button(tr("ui.plan.save"), type="submit"), justify="end", width="100%"),
            spacing="3", width="100%"), on_submit=s.save_activity, reset_on_submit=False, width="100%"),
    ), open=s.act_open, on_open_change=s.close_activity)


def _budget() -> rx.Component:
    s = StaffPlanState
    return section(
        "ui.plan.budget",
        rx.cond(s.budget.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(rx.table.column_header_cell(tr("ui.plan.col.budget_line")),
                                         rx.table.column_header_cell(tr("ui.plan.col.amount")),
                                         rx.table.column_header_cell(tr("ui.plan.col.actions")))),
            rx.table.body(rx.foreach(s.budget, lambda b: rx.table.row(
                rx.table.row_header_cell(b.label), rx.table.cell(b.amount, " ", b.currency),
                rx.table.cell(rx.cond(_editable(), rx.button(
                    tr("ui.plan.remove"), size="1", variant="soft", color_scheme="red",
                    on_click=s.remove_budget_line(b.key), aria_label=tr("ui.plan.remove") + " — " + b.label)))))),
            width="100%", variant="surface"), empty("ui.plan.no_budget")),
        rx.cond(_editable(), rx.form(rx.hstack(
            input_field(tr("ui.plan.col.budget_line"), "budget_label", required=True, width="40%"),
            input_field(tr("ui.plan.col.amount"), "budget_amount", required=True, width="20%"),
            input_field(tr("ui.plan.col.currency"), "budget_currency", default="MAD", width="10%"),
            rx.button(tr("ui.plan.add_budget_line"), type="submit"), align="end", spacing="2", width="100%",
            wrap="wrap"), on_submit=s.add_budget_line, reset_on_submit=True, width="100%")),
    )


def _comments() -> rx.Component:
    s = StaffPlanState
    return section(
        "ui.plan.comments",
        rx.cond(s.can_comment & (s.status == "in_review"), rx.form(rx.vstack(
            select_field(tr("ui.plan.comment_on"), "comment_item", dynamic=s.items, blank=tr("ui.plan.whole_plan")),
            text_area(tr("ui.plan.comment"), "comment_body"),
            rx.button(tr("ui.plan.add_comment"), type="submit", width="fit-content"),
            spacing="2", width="100%"), on_submit=s.add_comment, reset_on_submit=True, width="100%")),
        rx.cond(s.comments.length() > 0, rx.vstack(rx.foreach(s.comments, lambda c: rx.box(
            rx.text(rx.text.strong(c.author), " · ", c.at, " · v", c.version_no.to_string(),
                    rx.cond(c.item != "", rx.text.span(" · ", c.item)), size="1", color_scheme="gray"),
            rx.text(c.body, white_space="pre-wrap", size="2"), width="100%")), spacing="3", width="100%"),
            empty("ui.plan.no_comments")),
    )


def _versions() -> rx.Component:
    s = StaffPlanState
    return section("ui.plan.versions", rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(f"ui.plan.col.{c}")) for c in
                                       ("version", "status", "created", "submitted", "validated", "host_comment")])),
        rx.table.body(rx.foreach(s.versions, lambda v: rx.table.row(
            rx.table.row_header_cell(rx.button(v.no.to_string(), " — ", v.label, size="1", variant="ghost",
                                               on_click=s.show_version(v.no))),
            rx.table.cell(I18nState.tx["ui.plan.status." + v.status]), rx.table.cell(v.created),
            rx.table.cell(v.submitted), rx.table.cell(v.validated), rx.table.cell(v.host_comment)))),
        width="100%", variant="surface"))


def _last_year() -> rx.Component:
    s = StaffPlanState
    return rx.cond(s.ly_year != "", rx.card(rx.vstack(
        rx.heading(tr("ui.plan.last_year"), " ", s.ly_year, size="4", as_="h2"),
        rx.text(tr("ui.plan.last_year_hint"), size="2", color_scheme="gray"),
        rx.heading(tr("ui.plan.objectives"), size="3", as_="h3"),
        rx.el.ul(rx.foreach(s.ly_objectives, lambda x: rx.el.li(rx.text(x, size="2")))),
        rx.heading(tr("ui.plan.activities"), size="3", as_="h3"),
        rx.el.ul(rx.foreach(s.ly_activities, lambda x: rx.el.li(rx.text(x, size="2")))),
        rx.heading(tr("ui.plan.annual_report"), size="3", as_="h3"),
        rx.cond(s.ly_report != "", rx.vstack(rx.text(s.ly_report, weight="medium", size="2"),
                                             rx.foreach(s.ly_sections, lambda x: rx.box(
                                                 rx.text(x.title, weight="medium", size="2"),
                                                 rx.text(x.body, size="2", white_space="pre-wrap")))),
                rx.text(tr("ui.plan.no_annual_report"), size="2", color_scheme="gray")),
        rx.heading(tr("ui.plan.closing_minutes"), size="3", as_="h3"),
        rx.cond(s.ly_minutes != "", rx.text(s.ly_minutes, size="2", white_space="pre-wrap"),
                rx.text(tr("ui.plan.no_closing_minutes"), size="2", color_scheme="gray")),
        spacing="2", width="100%"), width="100%"))


def staff_plan_page() -> rx.Component:
    s = StaffPlanState
    return area_page(
        "staff", "ui.plan.title", messages(), _year_picker(),
        rx.cond(s.years.length() == 0, empty("ui.plan.no_year")),
        rx.cond(s.has_plan,
                rx.vstack(_header(), _objectives(), _activities(), _budget(), _comments(), _versions(), _last_year(),
                          spacing="4", width="100%"),
                rx.cond(s.year_id != "", rx.vstack(
                    empty("ui.plan.none_yet"),
                    rx.cond(s.can_manage, confirm_dialog("ui.plan.create", "ui.plan.create", "ui.plan.confirm_create",
                                                         s.create_plan, danger=False)),
                    _last_year(), spacing="3", width="100%"))),
    )


def register(app: rx.App) -> None:
    app.add_page(staff_plan_page, route="/staff/plan", on_load=StaffPlanState.on_load, title="CC Network")
