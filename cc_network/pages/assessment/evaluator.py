"""The external evaluators' area (P28, second variant).

/evaluator/centres: the centres assigned to the caller (every centre for a network admin), their
assessments, and starting an external assessment of one of them.
/evaluator/assessment/[assessment_id]: one external assessment: framing and planning (the ad hoc
evaluation meeting), interviews with the team, the caller's own independent ratings and their
submission, the differences (between evaluators, and with the self-assessment), the consensus,
completion, recommendations and sending them to the centre.

Every handler calls workflows.assessment.external, which checks the evaluator's assignment on
each call: an unassigned centre answers "not found"."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.actions import act_and_reload, path_id
from cc_network.pages.calendar.common import Option, input_field, select_field, text_area
from cc_network.pages.forms import as_id, form_str
from cc_network.ui.components import confirm_dialog, empty, messages
from cc_network.ui.i18n import I18nState, tr, tr_var
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState, home_path
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.assessment import external as ext

CENTRES = "/evaluator/centres"
ROUTE = "/evaluator/assessment"
_PATH = re.compile(r"^/evaluator/assessment/(\d{1,18})/?$")
ANSWERS = ("0", "1", "2", "3", "not_applicable", "insufficient_evidence")


def _evaluator(state: AppState) -> tuple[Actor | None, list]:
    """Evaluators and network admins (who coordinate); anyone else goes to their own area."""
    actor, redirect = state._enter(None)
    if actor is None:
        return None, redirect
    if not actor.can(Perm.NETWORK_EVALUATE):
        return None, [rx.redirect(home_path(actor))]
    return actor, []


def _answer(status: str, value: int | None) -> str:
    """An answer in a table: its value, "N/A" or "?" (insufficient evidence), as the legend says."""
    if status == "rated":
        return "" if value is None else str(value)
    return {"not_applicable": "N/A", "insufficient_evidence": "?"}.get(status, "")


def _parse_answer(form: dict) -> tuple[str, int | None, str]:
    raw = form_str(form, "answer", max_len=30)
    if raw not in ANSWERS:
        raise Invalid("rating outside the scale", code="rating_out_of_scale")
    justification = form_str(form, "justification", max_len=4000)
    if raw.isdigit():
        return "rated", int(raw), justification
    return raw, None, justification


# ---------------------------------------------------------------- /evaluator/centres

@dataclasses.dataclass
class CentreRow:
    id: int = 0
    name: str = ""
    kind: str = ""


@dataclasses.dataclass
class AssessmentRow:
    id: int = 0
    centre: str = ""
    mode: str = ""
    status: str = ""
    title: str = ""
    score: str = ""
    external: bool = False


class EvaluatorCentresState(AppState):
    centres: list[CentreRow] = []
    assessments: list[AssessmentRow] = []
    centre_options: list[Option] = []
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        centres = ext.assigned_centres(actor)
        self.centres = [CentreRow(c.id, c.name, c.kind) for c in centres]
        self.centre_options = [Option(str(c.id), c.name) for c in centres]
        rows = []
        for c in centres[:50]:
            rows += [AssessmentRow(a.id, a.centre_name, a.mode, a.status, a.title,
                                   "" if a.overall_score is None else f"{a.overall_score:g}",
                                   a.mode == "external") for a in ext.list_centre_assessments(actor, c.id)]
        self.assessments = rows

    @rx.event
    def on_load(self):
        actor, redirect = _evaluator(self)
        if actor is None:
            return redirect
        self.centres, self.assessments, self.centre_options = [], [], []
        return self._refresh(actor)

    @rx.event
    def start(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            d = ext.do_start_external(actor, as_id(form_str(form, "centre_id", max_len=12)),
                                      title=form_str(form, "title", max_len=200),
                                      period_label=form_str(form, "period_label", max_len=40),
                                      framing_note=form_str(form, "framing_note", max_len=10_000))
        except ServiceError as exc:
            self._fail(exc)
            return None
        return rx.redirect(f"{ROUTE}/{d.id}")


def _centre_row(c: CentreRow) -> rx.Component:
    return rx.table.row(rx.table.row_header_cell(c.name), rx.table.cell(I18nState.tx["ui.kind." + c.kind]))


def _assessment_row(a: AssessmentRow) -> rx.Component:
    title = rx.cond(a.external, rx.link(a.title, href=ROUTE + "/" + a.id.to_string()), rx.text(a.title))
    return rx.table.row(
        rx.table.row_header_cell(title), rx.table.cell(a.centre),
        rx.table.cell(tr_var("ui.evaluation.mode." + a.mode)),
        rx.table.cell(rx.badge(tr_var("ui.evaluation.status." + a.status), variant="soft")),
        rx.table.cell(a.score),
    )


def _table(headers: list[str], rows: rx.Var, render) -> rx.Component:  # noqa: ANN001
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(h)) for h in headers])),
        rx.table.body(rx.foreach(rows, render)),
        width="100%", variant="surface", dir=I18nState.dir,
    )


def centres_page() -> rx.Component:
    start = rx.form(
        rx.vstack(
            select_field(tr("ui.evaluation.centre"), "centre_id", dynamic=EvaluatorCentresState.centre_options,
                         blank=tr("ui.evaluation.choose"), form="start"),
            input_field(tr("ui.evaluation.title_field"), "title", required=True, form="start"),
            input_field(tr("ui.evaluation.period"), "period_label", form="start"),
            text_area(tr("ui.evaluation.framing_note"), "framing_note", form="start",
                      hint=tr("ui.evaluation.framing_hint")),
            rx.button(tr("ui.evaluation.start"), type="submit"),
            width="100%",
        ),
        key=EvaluatorCentresState.form_key.to_string(), on_submit=EvaluatorCentresState.start, width="100%",
    )
    return area_page(
        "evaluator", "ui.evaluation.centres_title",
        messages(),
        rx.heading(tr("ui.evaluation.my_centres"), size="4", as_="h2"),
        rx.cond(EvaluatorCentresState.centres.length() > 0,
                _table(["ui.evaluation.centre", "ui.admin.kind"], EvaluatorCentresState.centres, _centre_row),
                empty("ui.evaluation.no_centres")),
        rx.heading(tr("ui.evaluation.assessments"), size="4", as_="h2"),
        rx.cond(EvaluatorCentresState.assessments.length() > 0,
                _table(["ui.evaluation.title_field", "ui.evaluation.centre", "ui.evaluation.mode",
                        "ui.evaluation.status", "ui.evaluation.score"],
                       EvaluatorCentresState.assessments, _assessment_row),
                empty("ui.evaluation.no_assessments")),
        rx.cond(EvaluatorCentresState.centres.length() > 0,
                rx.card(rx.vstack(rx.heading(tr("ui.evaluation.start_heading"), size="4", as_="h2"), start,
                                  width="100%"), width="100%")),
    )


# ---------------------------------------------------------------- /evaluator/assessment/[id]

@dataclasses.dataclass
class CriterionRow:
    code: str = ""
    domain: str = ""
    title_fr: str = ""
    title_en: str = ""
    title_ar: str = ""
    must: bool = False
    mine: str = ""
    mine_note: str = ""
    consensus: str = ""
    consensus_note: str = ""


@dataclasses.dataclass
class RaterRow:
    name: str = ""
    rated: int = 0
    submitted: bool = False


@dataclasses.dataclass
class InterviewRow:
    held_on: str = ""
    member: str = ""
    evaluator: str = ""
    criteria: str = ""
    notes: str = ""


@dataclasses.dataclass
class RecommendationRow:
    id: int = 0
    priority: str = ""
    criterion: str = ""
    text: str = ""


@dataclasses.dataclass
class DiffRow:
    code: str = ""
    evaluators: str = ""
    proposal: str = ""
    self_answer: str = ""
    consensus: str = ""
    delta: str = ""
    between: bool = False
    vs_self: bool = False


class EvaluationState(AppState):
    found: bool = False
    aid: int = 0
    title: str = ""
    centre: str = ""
    status: str = ""
    period: str = ""
    framing_note: str = ""
    planning_note: str = ""
    planned: str = ""
    has_self: bool = False
    is_rater: bool = False
    my_submitted: bool = False
    sent: str = ""
    criteria: list[CriterionRow] = []
    criterion_options: list[Option] = []
    raters: list[RaterRow] = []
    interviews: list[InterviewRow] = []
    recommendations: list[RecommendationRow] = []
    differences: list[DiffRow] = []
    team: list[Option] = []
    form_key: int = 0

    def _from_path(self) -> int:
        return path_id(self, _PATH)

    def _show(self, actor: Actor, d: ext.ExternalDetail) -> None:
        self.found, self.aid, self.title, self.centre, self.status = True, d.id, d.title, d.centre_name, d.status
        self.period, self.framing_note, self.planning_note = d.period_label, d.framing_note, d.planning_note
        self.planned = (f"{d.planned_start:%d/%m/%Y}" + (f" – {d.planned_end:%d/%m/%Y}" if d.planned_end else "")) \
            if d.planned_start else ""
        self.has_self, self.is_rater, self.my_submitted = d.self_assessment_id is not None, d.is_rater, d.my_submitted
        self.sent = f"{d.recommendations_sent_at:%d/%m/%Y}" if d.recommendations_sent_at else ""
        rows = []
        for c in d.criteria:
            mine, cons = d.my_ratings.get(c.code), d.consensus.get(c.code)
            rows.append(CriterionRow(
                c.code, c.domain, str(c.title.get("fr", "")), str(c.title.get("en") or c.title.get("fr", "")),
                str(c.title.get("ar") or c.title.get("fr", "")), c.tier == "must",
                _answer(mine.status, mine.value) if mine else "", mine.justification if mine else "",
                _answer(cons.status, cons.value) if cons else "", cons.justification if cons else ""))
        self.criteria = rows
        self.criterion_options = [Option(c.code, f"{c.code} — {c.title.get('fr', '')}"[:120]) for c in d.criteria]
        self.raters = [RaterRow(r.name, r.rated, r.submitted_at is not None) for r in d.raters]
        self.interviews = [InterviewRow(f"{i.held_on:%d/%m/%Y}", i.member_name, i.evaluator_name,
                                        ", ".join(i.criteria), i.notes) for i in d.interviews]
        self.recommendations = [RecommendationRow(r.id, r.priority, r.criterion, r.text) for r in d.recommendations]

    def _load(self, actor: Actor) -> None:
        d = ext.get_external(actor, self._from_path())
        self._show(actor, d)
        self.team = []
        if d.status in ext.INTERVIEW_STATUSES:
            self.team = [Option(str(m), name) for m, name, _roles in ext.centre_team(actor, d.centre_id)]
        self.differences = []
        if d.status not in ("framing", "collecting") and (not d.is_rater or d.my_submitted
                                                         or d.status not in ext.RATING_STATUSES):
            self.differences = [
                DiffRow(x.criterion, " · ".join(_answer(*v) for v in x.evaluators.values()),
                        _answer(*x.proposal) if x.proposal else "", _answer(*x.self_answer) if x.self_answer else "",
                        _answer(*x.consensus) if x.consensus else "",
                        "" if x.delta_self is None else f"{x.delta_self:+d}", x.between_evaluators, x.vs_self)
                for x in ext.differences(actor, d.id)]

    @rx.event
    def on_load(self):
        actor, redirect = _evaluator(self)
        if actor is None:
            return redirect
        self.found, self.criteria, self.interviews, self.recommendations, self.differences = False, [], [], [], []
        return self._refresh(actor)

    def _act(self, do, notice: str):  # noqa: ANN001
        """A service call on the assessment of the page's path; the page is reloaded after it."""
        return act_and_reload(self, lambda a: do(a, self._from_path()), notice, reset_form=True)

    def _form(self, parse):  # noqa: ANN001
        try:
            return parse()
        except ServiceError as exc:
            self._fail(exc)
            return None

    @rx.event
    def plan(self, form: dict):
        data = self._form(lambda: {"meeting_on": form_str(form, "meeting_on", max_len=10),
                                   "until": form_str(form, "until", max_len=10),
                                   "note": form_str(form, "note", max_len=10_000)})
        if data is None:
            return None
        return self._act(lambda a, i: ext.do_plan_external(a, i, **data), "ui.evaluation.planned_notice")

    @rx.event
    def record_interview(self, form: dict):
        data = self._form(lambda: {"membership_id": as_id(form_str(form, "membership_id", max_len=12)),
                                   "held_on": form_str(form, "held_on", max_len=10),
                                   "notes": form_str(form, "notes", max_len=10_000),
                                   "criteria": [c.strip() for c in form_str(form, "criteria", max_len=2000)
                                                .replace(";", ",").split(",") if c.strip()]})
        if data is None:
            return None
        return self._act(lambda a, i: ext.do_record_interview(a, i, **data), "ui.evaluation.interview_notice")

    @rx.event
    def rate(self, form: dict):
        data = self._form(lambda: (form_str(form, "criterion", max_len=20), *_parse_answer(form)))
        if data is None:
            return None
        code, status, value, text = data
        return self._act(lambda a, i: ext.do_rate(a, i, code, status=status, value=value, justification=text),
                         "ui.evaluation.rated_notice")

    @rx.event
    def submit_ratings(self):
        return self._act(ext.do_submit_ratings, "ui.evaluation.submitted_notice")

    @rx.event
    def open_consensus(self):
        return self._act(ext.do_open_consensus, "ui.evaluation.consensus_notice")

    @rx.event
    def set_consensus(self, form: dict):
        data = self._form(lambda: (form_str(form, "criterion", max_len=20), *_parse_answer(form)))
        if data is None:
            return None
        code, status, value, text = data
        return self._act(lambda a, i: ext.do_set_consensus(a, i, code, status=status, value=value,
                                                           justification=text), "ui.evaluation.rated_notice")

    @rx.event
    def complete(self):
        return self._act(ext.do_complete_external, "ui.evaluation.completed_notice")

    @rx.event
    def add_recommendation(self, form: dict):
        data = self._form(lambda: {"text": form_str(form, "text", max_len=4000),
                                   "priority": form_str(form, "priority", max_len=10),
                                   "criterion": form_str(form, "criterion", max_len=20)})
        if data is None:
            return None
        return self._act(lambda a, i: ext.do_add_recommendation(a, i, **data), "ui.evaluation.recommended_notice")

    @rx.event
    def delete_recommendation(self, recommendation_id: int):
        rid = self._form(lambda: as_id(recommendation_id))
        if rid is None:
            return None
        return self._act(lambda a, i: ext.do_delete_recommendation(a, i, rid), "ui.evaluation.deleted_notice")

    @rx.event
    def send(self):
        return self._act(ext.do_send_recommendations, "ui.evaluation.sent_notice")


# ---------------------------------------------------------------- components

def _title(c: CriterionRow) -> rx.Component:
    return rx.match(I18nState.lang, ("en", c.title_en), ("ar", c.title_ar), c.title_fr)


def _criterion_row(c: CriterionRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.code(c.code)),
        rx.table.cell(_title(c), rx.cond(c.must, rx.badge(tr("ui.evaluation.must"), color_scheme="orange",
                                                          margin_inline_start="0.5em"))),
        rx.table.cell(rx.text(c.mine, weight="bold"), rx.text(c.mine_note, size="1", color_scheme="gray")),
        rx.table.cell(rx.text(c.consensus, weight="bold"), rx.text(c.consensus_note, size="1", color_scheme="gray")),
    )


def _diff_row(r: DiffRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.code(r.code)),
        rx.table.cell(r.evaluators, rx.cond(r.between, rx.badge(tr("ui.evaluation.disagree"), color_scheme="red",
                                                                margin_inline_start="0.5em"))),
        rx.table.cell(r.proposal),
        rx.table.cell(r.self_answer),
        rx.table.cell(r.consensus),
        rx.table.cell(r.delta, rx.cond(r.vs_self, rx.badge(tr("ui.evaluation.gap"), color_scheme="amber",
                                                           margin_inline_start="0.5em"))),
    )


def _interview_row(r: InterviewRow) -> rx.Component:
    return rx.table.row(rx.table.cell(r.held_on), rx.table.row_header_cell(r.member), rx.table.cell(r.evaluator),
                        rx.table.cell(r.criteria), rx.table.cell(r.notes))


def _recommendation_row(r: RecommendationRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.badge(tr_var("ui.evaluation.priority." + r.priority), variant="soft")),
        rx.table.cell(rx.code(r.criterion)),
        rx.table.row_header_cell(r.text),
        rx.table.cell(rx.cond(EvaluationState.sent == "",
                              confirm_dialog("ui.evaluation.delete", "ui.evaluation.delete_title",
                                             "ui.evaluation.delete_text",
                                             EvaluationState.delete_recommendation(r.id)))),
    )


def _answer_fields(form: str) -> list[rx.Component]:
    answers = [("0", tr("ui.evaluation.answer.0")), ("1", tr("ui.evaluation.answer.1")),
               ("2", tr("ui.evaluation.answer.2")), ("3", tr("ui.evaluation.answer.3")),
               ("not_applicable", tr("ui.evaluation.answer.not_applicable")),
               ("insufficient_evidence", tr("ui.evaluation.answer.insufficient_evidence"))]
    return [
        select_field(tr("ui.evaluation.criterion"), "criterion", dynamic=EvaluationState.criterion_options,
                     form=form),
        select_field(tr("ui.evaluation.answer"), "answer", answers, form=form),
        text_area(tr("ui.evaluation.justification"), "justification", form=form,
                  hint=tr("ui.evaluation.justification_hint")),
    ]


def _card(title_key: str, *body: rx.Component) -> rx.Component:
    return rx.card(rx.vstack(rx.heading(tr(title_key), size="4", as_="h2"), *body, width="100%"), width="100%")


def _form(handler, *fields: rx.Component, submit_key: str) -> rx.Component:  # noqa: ANN001
    return rx.form(rx.vstack(*fields, rx.button(tr(submit_key), type="submit"), width="100%"),
                   key=EvaluationState.form_key.to_string(), on_submit=handler, width="100%")


def _is(*statuses: str) -> rx.Var:
    cond = EvaluationState.status == statuses[0]
    for s in statuses[1:]:
        cond = cond | (EvaluationState.status == s)
    return cond


def _header() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.heading(EvaluationState.title, size="5", as_="h2"),
                  rx.badge(tr_var("ui.evaluation.status." + EvaluationState.status), size="2"), align="center"),
        rx.text(tr("ui.evaluation.centre"), ": ", rx.text.strong(EvaluationState.centre), " — ",
                EvaluationState.period),
        rx.cond(EvaluationState.framing_note != "", rx.text(EvaluationState.framing_note, size="2")),
        rx.cond(EvaluationState.planned != "",
                rx.text(tr("ui.evaluation.meeting"), ": ", EvaluationState.planned, " — ",
                        EvaluationState.planning_note, size="2")),
        rx.cond(~EvaluationState.has_self, rx.text(tr("ui.evaluation.no_self"), size="2", color_scheme="gray")),
        rx.cond(EvaluationState.sent != "",
                rx.callout(tr("ui.evaluation.sent_on") + " " + EvaluationState.sent, color_scheme="green",
                           role="status")),
        width="100%",
    )


def _planning() -> rx.Component:
    return rx.cond(_is("framing", "planning", "collecting"), _card(
        "ui.evaluation.plan_heading",
        rx.text(tr("ui.evaluation.plan_intro"), size="2", color_scheme="gray"),
        _form(EvaluationState.plan,
              input_field(tr("ui.evaluation.meeting_on"), "meeting_on", type="date", required=True, form="plan"),
              input_field(tr("ui.evaluation.until"), "until", type="date", form="plan"),
              text_area(tr("ui.evaluation.plan_note"), "note", form="plan"),
              submit_key="ui.evaluation.plan")))


def _interviews() -> rx.Component:
    record = rx.cond(_is("collecting", "rating"), _form(
        EvaluationState.record_interview,
        select_field(tr("ui.evaluation.member"), "membership_id", dynamic=EvaluationState.team,
                     blank=tr("ui.evaluation.choose"), form="interview"),
        input_field(tr("ui.evaluation.held_on"), "held_on", type="date", required=True, form="interview"),
        input_field(tr("ui.evaluation.criteria_discussed"), "criteria", form="interview"),
        text_area(tr("ui.evaluation.notes"), "notes", form="interview"),
        submit_key="ui.evaluation.record_interview"))
    return _card(
        "ui.evaluation.interviews",
        rx.cond(EvaluationState.interviews.length() > 0,
                _table(["ui.evaluation.held_on", "ui.evaluation.member", "ui.evaluation.evaluator",
                        "ui.evaluation.criteria_discussed", "ui.evaluation.notes"],
                       EvaluationState.interviews, _interview_row),
                empty("ui.evaluation.no_interviews")),
        record,
    )


def _ratings() -> rx.Component:
    rate = rx.cond(EvaluationState.is_rater & ~EvaluationState.my_submitted & _is("collecting", "rating"),
                   rx.vstack(
                       _form(EvaluationState.rate, *_answer_fields("rate"), submit_key="ui.evaluation.save_rating"),
                       confirm_dialog("ui.evaluation.submit", "ui.evaluation.submit_title",
                                      "ui.evaluation.submit_text", EvaluationState.submit_ratings, danger=False),
                       width="100%"))
    return _card(
        "ui.evaluation.ratings",
        rx.text(tr("ui.evaluation.ratings_rule"), size="2", color_scheme="gray"),
        rx.flex(rx.foreach(EvaluationState.raters, lambda r: rx.badge(
            r.name, " ", r.rated.to_string(), " — ",
            rx.cond(r.submitted, tr("ui.evaluation.submitted"), tr("ui.evaluation.draft")),
            variant="soft")), spacing="2", wrap="wrap"),
        _table(["ui.evaluation.criterion", "ui.evaluation.title_field", "ui.evaluation.my_rating",
                "ui.evaluation.consensus"], EvaluationState.criteria, _criterion_row),
        rx.text(tr("ui.evaluation.legend"), size="1", color_scheme="gray"),
        rate,
        rx.cond(_is("rating"), confirm_dialog("ui.evaluation.open_consensus", "ui.evaluation.open_consensus_title",
                                              "ui.evaluation.open_consensus_text", EvaluationState.open_consensus,
                                              danger=False)),
    )


def _differences() -> rx.Component:
    return rx.cond(EvaluationState.differences.length() > 0, _card(
        "ui.evaluation.differences",
        rx.text(tr("ui.evaluation.differences_intro"), size="2", color_scheme="gray"),
        _table(["ui.evaluation.criterion", "ui.evaluation.evaluators", "ui.evaluation.proposal",
                "ui.evaluation.self", "ui.evaluation.consensus", "ui.evaluation.delta"],
               EvaluationState.differences, _diff_row),
    ))


def _consensus() -> rx.Component:
    return rx.cond(_is("consensus"), _card(
        "ui.evaluation.consensus_heading",
        _form(EvaluationState.set_consensus, *_answer_fields("consensus"), submit_key="ui.evaluation.save_rating"),
        confirm_dialog("ui.evaluation.complete", "ui.evaluation.complete_title", "ui.evaluation.complete_text",
                       EvaluationState.complete, danger=False),
    ))


def _recommendations() -> rx.Component:
    add = rx.cond(_is("consensus", "completed", "evaluated"), _form(
        EvaluationState.add_recommendation,
        text_area(tr("ui.evaluation.recommendation"), "text", form="recommend"),
        select_field(tr("ui.evaluation.priority"), "priority",
                     [("high", tr("ui.evaluation.priority.high")), ("medium", tr("ui.evaluation.priority.medium")),
                      ("low", tr("ui.evaluation.priority.low"))], default="medium", form="recommend"),
        select_field(tr("ui.evaluation.criterion"), "criterion", dynamic=EvaluationState.criterion_options,
                     blank=tr("ui.evaluation.no_criterion"), form="recommend"),
        submit_key="ui.evaluation.add_recommendation"))
    return rx.cond(_is("consensus", "completed", "evaluated", "closed"), _card(
        "ui.evaluation.recommendations",
        rx.cond(EvaluationState.recommendations.length() > 0,
                _table(["ui.evaluation.priority", "ui.evaluation.criterion", "ui.evaluation.recommendation",
                        "ui.team.actions"], EvaluationState.recommendations, _recommendation_row),
                empty("ui.evaluation.no_recommendations")),
        add,
        rx.cond(_is("evaluated"), confirm_dialog("ui.evaluation.send", "ui.evaluation.send_title",
                                                 "ui.evaluation.send_text", EvaluationState.send, danger=False)),
    ))


def evaluation_page() -> rx.Component:
    return area_page(
        "evaluator", "ui.evaluation.assessment_title",
        messages(),
        rx.link(tr("ui.evaluation.back"), href=CENTRES),
        rx.cond(EvaluationState.found,
                rx.vstack(_header(), _planning(), _interviews(), _ratings(), _differences(), _consensus(),
                          _recommendations(), spacing="4", width="100%"),
                empty("ui.evaluation.not_found")),
    )


def register(app: rx.App) -> None:
    app.add_page(centres_page, route=CENTRES, on_load=EvaluatorCentresState.on_load, title="CC Network")
    app.add_page(evaluation_page, route=ROUTE + "/[assessment_id]", on_load=EvaluationState.on_load,
                 title="CC Network")
