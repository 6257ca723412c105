"""/admin/evaluators: network admins assign external evaluators to centres (P28, second variant).
An evaluator reaches the assessment data of the centres assigned to them only; removing an
assignment ends the access at once."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import Option, select_field
from cc_network.pages.forms import as_id, form_str
from cc_network.ui.components import confirm_dialog, empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.core.actor import Actor
from tenants.core.services import tenants_visible_to
from workflows.assessment import external as ext

ROUTE = "/admin/evaluators"


@dataclasses.dataclass
class AssignmentRow:
    id: int = 0
    centre: str = ""
    evaluator: str = ""
    email: str = ""
    since: str = ""


class EvaluatorAssignState(AppState):
    assignments: list[AssignmentRow] = []
    centre_options: list[Option] = []
    evaluator_options: list[Option] = []
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        self.assignments = [AssignmentRow(x.id, x.centre_name, x.evaluator_name, x.evaluator_email,
                                          f"{x.created_at:%d/%m/%Y}") for x in ext.list_assignments(actor)]
        self.evaluator_options = [Option(str(v.account_id), f"{v.name} ({v.email})")
                                  for v in ext.list_evaluators(actor)]
        self.centre_options = [Option(str(v.id), v.name) for v in tenants_visible_to(actor.account_id)]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("admin")
        if actor is None:
            return redirect
        self.assignments, self.centre_options, self.evaluator_options = [], [], []
        return self._refresh(actor)

    @rx.event
    def assign(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            centre = as_id(form_str(form, "centre_id", max_len=12))
            evaluator = as_id(form_str(form, "evaluator_id", max_len=12))
            ext.do_assign(actor, centre, evaluator)
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.form_key += 1
        self._ok("ui.evaluation.assigned_notice")
        return None

    @rx.event
    def unassign(self, assignment_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            ext.do_unassign(actor, as_id(assignment_id))
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.evaluation.unassigned_notice")
        return None


def _row(r: AssignmentRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(r.centre),
        rx.table.cell(r.evaluator, rx.text(r.email, size="1", color_scheme="gray")),
        rx.table.cell(r.since),
        rx.table.cell(confirm_dialog("ui.evaluation.unassign", "ui.evaluation.unassign_title",
                                     "ui.evaluation.unassign_text", EvaluatorAssignState.unassign(r.id),
                                     subject=r.evaluator)),
    )


def assignments_page() -> rx.Component:
    form = rx.form(
        rx.flex(
            select_field(tr("ui.evaluation.centre"), "centre_id", dynamic=EvaluatorAssignState.centre_options,
                         blank=tr("ui.evaluation.choose"), form="assign"),
            select_field(tr("ui.evaluation.evaluator"), "evaluator_id",
                         dynamic=EvaluatorAssignState.evaluator_options, blank=tr("ui.evaluation.choose"),
                         form="assign"),
            rx.button(tr("ui.evaluation.assign"), type="submit"),
            spacing="3", align="end", wrap="wrap", width="100%",
        ),
        key=EvaluatorAssignState.form_key.to_string(), on_submit=EvaluatorAssignState.assign, width="100%",
    )
    return area_page(
        "admin", "ui.evaluation.assignments_title",
        messages(),
        rx.text(tr("ui.evaluation.assignments_intro"), size="2", color_scheme="gray"),
        rx.card(rx.vstack(rx.heading(tr("ui.evaluation.assign_heading"), size="4", as_="h2"), form, width="100%"),
                width="100%"),
        rx.cond(
            EvaluatorAssignState.assignments.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.evaluation.centre")),
                    rx.table.column_header_cell(tr("ui.evaluation.evaluator")),
                    rx.table.column_header_cell(tr("ui.evaluation.since")),
                    rx.table.column_header_cell(tr("ui.team.actions")),
                )),
                rx.table.body(rx.foreach(EvaluatorAssignState.assignments, _row)),
                width="100%", variant="surface", dir=I18nState.dir,
            ),
            empty("ui.evaluation.no_assignments"),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(assignments_page, route=ROUTE, on_load=EvaluatorAssignState.on_load, title="CC Network")
