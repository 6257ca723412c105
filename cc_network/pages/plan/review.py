"""/staff/plan/review: the mid-year review of the plan (P02).

The manager starts it once the plan is validated: each activity whose first-semester target was
not reached is a gap (target, what was counted). He assigns each gap to a member of the team,
who writes its explanation and the new actions proposed; then he makes the plan's next version
("Mise à jour S2"), edited on /staff/plan and submitted to the host institution."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.actions import act_and_reload
from cc_network.pages.calendar.common import Option, text_area
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.plan.common import fail, metric_label, num, status_badge
from cc_network.pages.plan.staff import plan_year
from cc_network.pages.portal.common import section
from cc_network.ui.components import confirm_dialog, empty, messages
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, NotFound, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import STAFF_ROLES, Perm
from tenants.team.services import list_members
from workflows.planning import services as plans


@dataclasses.dataclass
class GapRow:
    id: int = 0
    activity: str = ""
    metric: str = ""
    target: str = ""
    actual: str = ""
    assignee_id: str = ""
    assignee: str = ""
    explanation: str = ""
    new_action: str = ""
    mine: bool = False


class PlanReviewState(AppState):
    years: list[Option] = []
    year_id: str = ""
    has_plan: bool = False
    title: str = ""
    status: str = ""
    has_review: bool = False
    review_status: str = ""
    gaps: list[GapRow] = []
    members: list[Option] = []
    can_manage: bool = False
    # the gap whose explanation dialog is open (0: none); only a row on screen
    editing_id: int = 0
    editing: GapRow = GapRow()
    _year: int = 0
    _plan: int = 0
    _review: int = 0

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        self.can_manage = actor.can(Perm.PLAN_MANAGE)
        self.years, self._year = plan_year(self, actor, self._year)
        self.year_id = str(self._year or "")
        self.has_plan, self.title, self.status, self._plan = False, "", "", 0
        self.has_review, self.review_status, self.gaps, self._review = False, "", [], 0
        if not self._year:
            return
        view = plans.plan_for_year(actor, tid, self._year)
        if view is None:
            return
        self.has_plan, self._plan, self.title, self.status = True, view.id, view.title, view.status
        review = plans.get_review(actor, tid, view.id)
        if review is None:
            return
        self.has_review, self._review, self.review_status = True, review.id, review.status
        self.gaps = [GapRow(g.id, g.activity_title, g.metric, num(g.target), num(g.actual),
                            str(g.assignee_membership_id or ""), g.assignee_name, g.explanation, g.new_action,
                            g.assignee_membership_id == actor.membership_id) for g in review.gaps]
        if self.can_manage:
            staff = {r.value for r in STAFF_ROLES}
            self.members = [Option(str(m.membership_id), m.full_name or m.email)
                            for m in list_members(actor, tid, per_page=500, include_inactive=False).items
                            if set(m.roles) & staff]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.editing_id = 0
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
        return self._refresh()

    def _do(self, fn, notice: str):  # noqa: ANN001
        return act_and_reload(self, fn, notice, fail)

    @rx.event
    def start_review(self):
        def run(a: Actor) -> None:
            if not self._plan:
                raise NotFound(code="not_found")
            plans.do_start_mid_year_review(a, a.tenant_id or 0, self._plan)
        return self._do(run, "ui.plan.review_started")

    @rx.event
    def assign(self, form: dict):
        def run(a: Actor) -> None:
            plans.do_assign_gap(a, a.tenant_id or 0, as_id(form.get("gap_id") if isinstance(form, dict) else None),
                                as_id(form.get("member") if isinstance(form, dict) else None))
        return self._do(run, "ui.plan.gap_assigned")

    @rx.event
    def open_explain(self, gap_id: int):
        """Open the dialog on a gap already on screen; reads nothing new."""
        row = next((g for g in self.gaps if g.id == gap_id), None)
        self.editing_id, self.editing = (row.id, row) if row is not None else (0, GapRow())

    @rx.event
    def close_explain(self, _open: bool = False):
        self.editing_id = 0

    @rx.event
    def save_explain(self, form: dict):
        def run(a: Actor) -> None:
            plans.do_explain_gap(a, a.tenant_id or 0, as_id(form.get("gap_id") if isinstance(form, dict) else None),
                                 explanation=form_str(form, "explanation", max_len=4000),
                                 new_action=form_str(form, "new_action", max_len=4000))
        out = self._do(run, "ui.plan.gap_explained")
        if not self.error:
            self.editing_id = 0
        return out

    @rx.event
    def make_version(self):
        def run(a: Actor) -> None:
            if not self._review:
                raise NotFound(code="not_found")
            plans.do_make_updated_version(a, a.tenant_id or 0, self._review)
        return self._do(run, "ui.plan.update_made")


def _gap_row(g: GapRow) -> rx.Component:
    s = PlanReviewState
    return rx.table.row(
        rx.table.row_header_cell(g.activity),
        rx.table.cell(metric_label(g.metric)),
        rx.table.cell(g.target),
        rx.table.cell(g.actual),
        rx.table.cell(rx.cond(
            s.can_manage & (s.review_status == "open"),
            rx.form(rx.hstack(
                rx.el.input(type="hidden", name="gap_id", value=g.id.to_string()),
                rx.el.select(rx.el.option(tr("ui.plan.nobody"), value=""),
                             rx.foreach(s.members, lambda m: rx.el.option(m.label, value=m.value)),
                             name="member", default_value=g.assignee_id, aria_label=tr("ui.plan.assignee"),
                             style={"padding": "0.3em", "borderRadius": "6px"}),
                rx.button(tr("ui.plan.assign"), size="1", type="submit"), spacing="1"),
                on_submit=s.assign, reset_on_submit=False),
            rx.text(g.assignee))),
        rx.table.cell(rx.vstack(rx.text(g.explanation, size="2", white_space="pre-wrap"),
                                rx.cond(g.new_action != "", rx.text(rx.text.strong(tr("ui.plan.new_action")), ": ",
                                                                    g.new_action, size="2")), spacing="1")),
        rx.table.cell(rx.cond((s.review_status == "open") & (s.can_manage | g.mine),
                              rx.button(tr("ui.plan.explain"), size="1", variant="soft",
                                        on_click=s.open_explain(g.id),
                                        aria_label=tr("ui.plan.explain") + " — " + g.activity))),
    )


def _explain_dialog() -> rx.Component:
    s = PlanReviewState
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(tr("ui.plan.explain"), " — ", s.editing.activity),
        rx.dialog.description(tr("ui.plan.explain_text"), size="2"),
        rx.form(rx.vstack(
            rx.el.input(type="hidden", name="gap_id", value=s.editing_id.to_string()),
            text_area(tr("ui.plan.explanation"), "explanation", default=s.editing.explanation),
            text_area(tr("ui.plan.new_action"), "new_action", default=s.editing.new_action),
            rx.hstack(rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                                on_click=s.close_explain(False)),
                      rx.button(tr("ui.plan.save"), type="submit"), justify="end", width="100%"),
            spacing="3", width="100%"), on_submit=s.save_explain, reset_on_submit=False, width="100%"),
    ), open=s.editing_id > 0, on_open_change=s.close_explain)


def review_page() -> rx.Component:
    s = PlanReviewState
    return area_page(
        "staff", "ui.plan.review_title", messages(),
        rx.hstack(
            rx.el.label(rx.text(tr("ui.plan.year"), size="2", weight="medium", as_="span"), html_for="review-year"),
            rx.el.select(rx.foreach(s.years, lambda o: rx.el.option(o.label, value=o.value)), id="review-year",
                         value=s.year_id, on_change=s.choose_year, style={"padding": "0.35em 0.4em"}),
            rx.link(tr("ui.plan.back_to_plan"), href="/staff/plan", size="2"), spacing="3", align="center"),
        rx.text(tr("ui.plan.review_intro"), size="2"),
        rx.cond(s.has_plan, rx.vstack(
            rx.hstack(rx.heading(s.title, size="5", as_="h2"), status_badge(s.status), spacing="3", align="center"),
            rx.cond(s.has_review, section(
                "ui.plan.gaps",
                rx.cond(s.review_status == "closed", rx.callout(tr("ui.plan.review_closed"), width="100%")),
                rx.cond(s.gaps.length() > 0, rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(f"ui.plan.col.{c}")) for c in
                                                   ("activity", "metric", "target", "actual", "assignee",
                                                    "explanation", "actions")])),
                    rx.table.body(rx.foreach(s.gaps, _gap_row)), width="100%", variant="surface"),
                    empty("ui.plan.no_gaps")),
                rx.cond(s.can_manage & (s.review_status == "open"),
                        confirm_dialog("ui.plan.make_update", "ui.plan.make_update", "ui.plan.confirm_update",
                                       s.make_version, subject=s.title, danger=False)),
            ), rx.cond(s.can_manage & (s.status == "validated"),
                       confirm_dialog("ui.plan.start_review", "ui.plan.start_review", "ui.plan.confirm_start_review",
                                      s.start_review, subject=s.title, danger=False),
                       empty("ui.plan.review_needs_validated"))),
            _explain_dialog(), spacing="4", width="100%"),
            empty("ui.plan.none_yet")),
    )


def register(app: rx.App) -> None:
    app.add_page(review_page, route="/staff/plan/review", on_load=PlanReviewState.on_load, title="CC Network")
