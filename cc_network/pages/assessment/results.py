"""The evaluation of a self-assessment (P28.5): /staff/assessment/[assessment_id]/results — overall
score and maturity, scores per domain, every criterion with unmet "must" criteria flagged, the PDF
report, and the action plan (strengths, improvements with owner and deadline, done, carried into
the annual action plan). Every handler calls workflows.assessment.services."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.actions import act_and_reload, path_id
from cc_network.pages.assessment.self import ROUTE, in_lang, pick, status_badge
from cc_network.pages.calendar.common import Option, input_field, select_field, text_area
from cc_network.pages.forms import as_id, form_str
from cc_network.ui.components import checkbox, empty, messages
from cc_network.ui.i18n import tr, tr_var
from cc_network.ui.layout import api_url, area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.assessment import services as sa

_PATH = re.compile(r"^/staff/assessment/(\d{1,18})/results/?$")
KINDS = ("improvement", "strength")


@dataclasses.dataclass
class DomainScoreUI:
    code: str = ""
    title_fr: str = ""
    title_en: str = ""
    title_ar: str = ""
    score: str = ""
    percent: int = 0


@dataclasses.dataclass
class CriterionScoreUI:
    code: str = ""
    domain: str = ""
    title_fr: str = ""
    title_en: str = ""
    title_ar: str = ""
    tier: str = ""
    status: str = ""
    value: str = ""
    score: str = ""
    justification: str = ""
    must_unmet: bool = False


@dataclasses.dataclass
class ActionUI:
    id: int = 0
    kind: str = ""
    criterion: str = ""
    text: str = ""
    owner_id: str = ""
    owner: str = ""
    deadline: str = ""
    done: bool = False
    in_plan: bool = False


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


class AssessmentResultState(AppState):
    found: bool = False
    aid: int = 0
    title: str = ""
    status: str = ""
    overall: str = ""
    maturity: str = ""
    must_unmet: list[str] = []
    must_unverified: list[str] = []
    domains: list[DomainScoreUI] = []
    criteria: list[CriterionScoreUI] = []
    actions: list[ActionUI] = []
    team: list[Option] = []
    codes: list[Option] = []
    can_manage: bool = False
    editing_id: int = 0
    edit_text: str = ""
    edit_owner: str = ""
    edit_deadline: str = ""
    edit_done: bool = False
    form_key: int = 0

    def _from_path(self) -> int:
        return path_id(self, _PATH)

    def _load(self, actor: Actor) -> None:
        r = sa.get_result(actor, self._from_path())
        x = r.summary
        self.found, self.aid, self.title, self.status = True, x.id, x.title, x.status
        self.overall, self.maturity = _num(r.overall), r.maturity
        self.must_unmet, self.must_unverified = list(r.must_unmet), list(r.must_unverified)
        self.domains = [DomainScoreUI(d["code"], pick(d["title"], "fr"), pick(d["title"], "en"),
                                      pick(d["title"], "ar"), _num(d["score"]),
                                      int(round(d["score"])) if d["score"] is not None else 0) for d in r.domains]
        self.criteria = [CriterionScoreUI(c["code"], c["domain"], pick(c["title"], "fr"), pick(c["title"], "en"),
                                          pick(c["title"], "ar"), c["tier"], c["status"],
                                          "" if c["value"] is None else str(c["value"]), _num(c["score"]),
                                          c["justification"], bool(c["must_unmet"])) for c in r.criteria]
        self.codes = [Option(c.code, f"{c.code} — {c.title_fr}") for c in self.criteria]
        self._show_actions(r.actions)
        self.can_manage = actor.can(Perm.ASSESSMENT_MANAGE)
        self.team = [Option(str(m), n) for m, n in sa.team_choices(actor)] if self.can_manage else []
        self.form_key += 1

    def _show_actions(self, actions: list[sa.ActionView]) -> None:
        self.actions = [ActionUI(a.id, a.kind, a.criterion_code, a.text,
                                 str(a.owner_membership_id or ""), a.owner_name,
                                 a.deadline.isoformat() if a.deadline else "", a.done, bool(a.plan_activity_key))
                        for a in actions]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.found, self.domains, self.criteria, self.actions, self.team, self.codes = False, [], [], [], [], []
        self.must_unmet, self.must_unverified, self.editing_id = [], [], 0
        return self._refresh(actor)

    def _run(self, do, notice: str):  # noqa: ANN001
        return act_and_reload(self, do, notice)

    @rx.event
    def add_action(self, form: dict):
        try:
            kind = form_str(form, "kind", max_len=20)
            text = form_str(form, "text", max_len=2000)
            owner = form_str(form, "owner_membership_id", max_len=12)
            deadline = form_str(form, "deadline", max_len=10)
            code = form_str(form, "criterion_code", max_len=20)
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._run(lambda a: sa.do_add_action(a, self._from_path(), kind=kind, text=text,
                                                    owner_membership_id=owner or None, deadline=deadline or None,
                                                    criterion_code=code or None), "ui.assessment.action_added")

    @rx.event
    def edit(self, action_id: int):
        """Open the edit form on an action shown on the page (nothing else is looked up)."""
        row = next((a for a in self.actions if isinstance(action_id, int) and a.id == action_id), None)
        if row is None:
            return
        self.editing_id, self.edit_text, self.edit_owner = row.id, row.text, row.owner_id
        self.edit_deadline, self.edit_done = row.deadline, row.done
        self.form_key += 1

    @rx.event
    def cancel_edit(self):
        self.editing_id = 0

    @rx.event
    def save_action(self, form: dict):
        try:
            action_id = as_id(form_str(form, "action_id", max_len=12))
            text = form_str(form, "text", max_len=2000)
            owner = form_str(form, "owner_membership_id", max_len=12)
            deadline = form_str(form, "deadline", max_len=10)
            if not isinstance(form, dict):
                raise Invalid("bad form", code="invalid")
            done = form.get("done") not in (None, "", False)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.editing_id = 0
        return self._run(lambda a: sa.do_update_action(a, action_id, assessment_id=self._from_path(), text=text,
                                                       owner_membership_id=owner, deadline=deadline, done=done),
                         "ui.assessment.action_saved")

    @rx.event
    def carry(self, action_id: int):
        """An improvement into the current annual action plan (M30)."""
        try:
            aid = as_id(action_id)
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._run(lambda a: sa.do_carry_to_annual_plan(a, aid), "ui.assessment.carried")

    @rx.event
    def delete_action(self, action_id: int):
        try:
            aid = as_id(action_id)
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._run(lambda a: sa.do_delete_action(a, aid), "ui.assessment.action_deleted")


def _table(headers: tuple[str, ...], rows, render) -> rx.Component:  # noqa: ANN001
    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in headers])),
        rx.table.body(rx.foreach(rows, render)), width="100%", variant="surface"), overflow_x="auto", width="100%")


def _domain_row(d: DomainScoreUI) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(d.code, " — ", in_lang(d.title_fr, d.title_en, d.title_ar)),
        rx.table.cell(rx.cond(d.score != "", rx.flex(rx.progress(value=d.percent, width="8em"),
                                                     rx.text(d.score, "/100", size="2"), spacing="2",
                                                     align="center"), "—")))


def _criterion_row(c: CriterionScoreUI) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.flex(rx.text(c.code, weight="medium"),
                                         rx.cond(c.must_unmet, rx.badge(tr("ui.assessment.must_unmet_flag"),
                                                                        color_scheme="red")),
                                         spacing="2", align="center")),
        rx.table.cell(in_lang(c.title_fr, c.title_en, c.title_ar)),
        rx.table.cell(tr_var("ui.assessment.tier." + c.tier)),
        rx.table.cell(rx.cond(c.status == "rated", tr_var("ui.assessment.rating." + c.value),
                              rx.cond(c.status != "", tr_var("ui.assessment.answer." + c.status), "—"))),
        rx.table.cell(rx.cond(c.score != "", c.score, "—")),
        rx.table.cell(rx.text(c.justification, size="1", style={"whiteSpace": "pre-wrap"})))


def _action_row(a: ActionUI) -> rx.Component:
    s = AssessmentResultState
    return rx.table.row(
        rx.table.row_header_cell(rx.badge(tr_var("ui.assessment.action." + a.kind),
                                          color_scheme=rx.cond(a.kind == "strength", "green", "amber"))),
        rx.table.cell(rx.text(a.text, size="2", style={"whiteSpace": "pre-wrap"}),
                      rx.cond(a.criterion != "", rx.text(a.criterion, size="1", color_scheme="gray"))),
        rx.table.cell(rx.cond(a.owner != "", a.owner, "—")),
        rx.table.cell(rx.cond(a.deadline != "", a.deadline, "—")),
        rx.table.cell(rx.cond(a.done, tr("ui.assessment.done"), "")),
        rx.table.cell(rx.cond(s.can_manage, rx.flex(
            rx.button(tr("ui.assessment.edit"), size="1", variant="soft", on_click=s.edit(a.id),
                      aria_label=tr("ui.assessment.edit") + " " + a.id.to_string()),
            rx.cond((a.kind == "improvement") & ~a.in_plan,
                    rx.button(tr("ui.assessment.carry"), size="1", variant="soft", on_click=s.carry(a.id),
                              aria_label=tr("ui.assessment.carry") + " " + a.id.to_string())),
            rx.cond(a.in_plan, rx.badge(tr("ui.assessment.in_plan"), color_scheme="blue")),
            rx.cond(~a.in_plan, rx.button(tr("ui.assessment.delete"), size="1", variant="soft", color_scheme="red",
                                          on_click=s.delete_action(a.id),
                                          aria_label=tr("ui.assessment.delete") + " " + a.id.to_string())),
            spacing="2", wrap="wrap"))))


def _edit_form() -> rx.Component:
    s = AssessmentResultState
    return rx.form(rx.vstack(
        rx.heading(tr("ui.assessment.edit_action"), size="3", as_="h3"),
        rx.el.input(type="hidden", name="action_id", value=s.editing_id.to_string()),
        text_area(tr("ui.assessment.action_text"), "text", default=s.edit_text, form="edit"),
        rx.flex(select_field(tr("ui.assessment.owner"), "owner_membership_id", dynamic=s.team,
                             default=s.edit_owner, blank=tr("ui.assessment.no_owner"), width="16em", form="edit"),
                input_field(tr("ui.assessment.deadline"), "deadline", type="date", default=s.edit_deadline,
                            width="12em", form="edit"), spacing="3", wrap="wrap"),
        checkbox(tr("ui.assessment.done"), "done", checked=s.edit_done),
        rx.flex(rx.button(tr("ui.assessment.save"), type="submit"),
                rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray", on_click=s.cancel_edit),
                spacing="2"),
        spacing="2", width="100%"), on_submit=s.save_action, reset_on_submit=False, width="100%",
        key="edit-" + s.form_key.to_string())


def _add_form() -> rx.Component:
    s = AssessmentResultState
    return rx.form(rx.vstack(
        rx.heading(tr("ui.assessment.add_action"), size="3", as_="h3"),
        rx.flex(select_field(tr("ui.assessment.action_kind"), "kind",
                             [(k, tr("ui.assessment.action." + k)) for k in KINDS], width="12em", form="add"),
                select_field(tr("ui.assessment.criterion"), "criterion_code", dynamic=s.codes,
                             blank=tr("ui.assessment.whole_assessment"), width="20em", form="add"),
                spacing="3", wrap="wrap"),
        text_area(tr("ui.assessment.action_text"), "text", form="add"),
        rx.flex(select_field(tr("ui.assessment.owner"), "owner_membership_id", dynamic=s.team,
                             blank=tr("ui.assessment.no_owner"), width="16em", form="add"),
                input_field(tr("ui.assessment.deadline"), "deadline", type="date", width="12em", form="add"),
                spacing="3", wrap="wrap"),
        rx.button(tr("ui.assessment.add"), type="submit", width="fit-content"),
        spacing="2", width="100%"), on_submit=s.add_action, reset_on_submit=True, width="100%")


def results_page() -> rx.Component:
    s = AssessmentResultState
    return area_page(
        "staff", "ui.assessment.results_title", messages(),
        rx.link(tr("ui.assessment.back_to_assessment"), href=ROUTE + "/" + s.aid.to_string()),
        rx.cond(s.found, rx.vstack(
            rx.flex(rx.heading(s.title, size="5", as_="h2"), status_badge(s.status), spacing="3", align="center",
                    wrap="wrap"),
            rx.flex(rx.card(rx.vstack(rx.text(tr("ui.assessment.overall"), size="2"),
                                      rx.heading(rx.cond(s.overall != "", s.overall + "/100", "—"), size="7"),
                                      spacing="1")),
                    rx.card(rx.vstack(rx.text(tr("ui.assessment.maturity"), size="2"),
                                      rx.heading(rx.cond(s.maturity != "", tr_var("ui.assessment.maturity."
                                                                                  + s.maturity), "—"), size="5"),
                                      spacing="1")),
                    spacing="3", wrap="wrap"),
            rx.cond(s.must_unmet.length() > 0,
                    rx.callout(tr("ui.assessment.must_unmet") + " : " + s.must_unmet.join(", "), color_scheme="red",
                               role="alert"),
                    rx.callout(tr("ui.assessment.all_musts_met"), color_scheme="green")),
            rx.cond(s.must_unverified.length() > 0,
                    rx.callout(tr("ui.assessment.must_unverified") + " : " + s.must_unverified.join(", "),
                               color_scheme="amber")),
            rx.flex(rx.text(tr("ui.assessment.report"), size="2"),
                    *[rx.link(f"PDF {lang}", is_external=True,
                              href=f"{api_url()}/api/v1/tenants/" + AppState.tenant_slug + "/assessments/"
                              + s.aid.to_string() + f"/report.pdf?lang={lang}") for lang in ("fr", "en", "ar")],
                    spacing="3", align="center"),
            rx.heading(tr("ui.assessment.domains"), size="4", as_="h2"),
            _table(("ui.assessment.domain", "ui.assessment.col.score"), s.domains, _domain_row),
            rx.heading(tr("ui.assessment.action_plan"), size="4", as_="h2"),
            rx.cond(s.actions.length() > 0,
                    _table(("ui.assessment.action_kind", "ui.assessment.action_text", "ui.assessment.owner",
                            "ui.assessment.deadline", "ui.assessment.done", "ui.assessment.col.do"),
                           s.actions, _action_row),
                    empty("ui.assessment.no_action")),
            rx.cond(s.can_manage & (s.editing_id > 0), _edit_form()),
            rx.cond(s.can_manage, _add_form()),
            rx.heading(tr("ui.assessment.criteria"), size="4", as_="h2"),
            _table(("ui.assessment.col.code", "ui.assessment.criterion", "ui.assessment.tier", "ui.assessment.answer",
                    "ui.assessment.col.score", "ui.assessment.justification"), s.criteria, _criterion_row),
            spacing="4", width="100%")),
    )


def register(app: rx.App) -> None:
    app.add_page(results_page, route=ROUTE + "/[assessment_id]/results", on_load=AssessmentResultState.on_load,
                 title="CC Network")

