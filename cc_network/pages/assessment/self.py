"""The self-assessment (P28, first variant): /staff/assessment (the centre's assessments, start one)
and /staff/assessment/[assessment_id] (a stepper by status: framing → planning → collecting →
completed → evaluated; the questionnaire by domain with its answers, live figures and evidence;
the manager's rating form; completion with confirmation). Every handler calls
workflows.assessment.services, which checks the caller's permission and centre."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.actions import act_and_reload, path_id
from cc_network.pages.calendar.common import (
    Option,
    input_field,
    local_text,
    select_field,
    text_area,
)
from cc_network.pages.forms import as_id, as_page, form_str
from cc_network.pages.portal.common import zone_of
from cc_network.ui.components import confirm_dialog, empty, messages, pager
from cc_network.ui.i18n import I18nState, tr, tr_var
from cc_network.ui.layout import api_url, area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.assessment import external
from workflows.assessment import services as sa

ROUTE = "/staff/assessment"
_PATH = re.compile(r"^/staff/assessment/(\d{1,18})/?$")
PER_PAGE = 20
# planning is done once the collection opens (do_plan moves framing → collecting)
STEPS = ("framing", "planning", "collecting", "completed", "evaluated")
STEP_OF = {k: i for i, k in enumerate(STEPS)} | {"closed": 4}
STATUS_COLORS = (("framing", "gray"), ("planning", "amber"), ("collecting", "blue"), ("completed", "cyan"),
                 ("evaluated", "green"), ("closed", "green"))
ANSWERS = ("3", "2", "1", "0", "not_applicable", "insufficient_evidence")
UPLOAD_ID = "assessment-evidence"


def pick(title: dict, lang: str) -> str:
    return str((title or {}).get(lang) or (title or {}).get("fr") or "")


def in_lang(fr: rx.Var, en: rx.Var, ar: rx.Var) -> rx.Var:
    """A model title in the reader's language (French when a translation is missing)."""
    return rx.match(I18nState.lang, ("en", rx.cond(en != "", en, fr)), ("ar", rx.cond(ar != "", ar, fr)), fr)


def status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(tr_var("ui.assessment.status." + status), variant="soft",
                    color_scheme=rx.match(status, *STATUS_COLORS, "gray"))


# ---------------------------------------------------------------- /staff/assessment

@dataclasses.dataclass
class RowUI:
    id: int = 0
    title: str = ""
    period: str = ""
    status: str = ""
    version: int = 0
    score: str = ""
    maturity: str = ""
    created: str = ""


@dataclasses.dataclass
class ExternalUI:
    """An external evaluation of the centre, as the centre sees it, with the recommendations sent."""

    id: int = 0
    title: str = ""
    status: str = ""
    score: str = ""
    recommendations: list[str] = dataclasses.field(default_factory=list)


class AssessmentListState(AppState):
    rows: list[RowUI] = []
    externals: list[ExternalUI] = []
    page: int = 1
    pages: int = 1
    total: int = 0
    can_start: bool = False
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        zone = zone_of(self.tenant_slug)
        self.can_start = actor.can(Perm.ASSESSMENT_MANAGE)
        items, total = sa.list_assessments(actor, limit=PER_PAGE, offset=(self.page - 1) * PER_PAGE)
        self.total = total
        self.pages = max(1, -(-total // PER_PAGE))
        self.rows = [RowUI(x.id, x.title, x.period_label, x.status, x.model_version,
                           "" if x.overall_score is None else f"{x.overall_score:.0f}", x.maturity,
                           local_text(x.created_at, zone, "%d/%m/%Y")) for x in items]
        self.externals = [
            ExternalUI(x.id, x.title, x.status, "" if x.overall_score is None else f"{x.overall_score:.0f}",
                       [f"[{r.priority}] {r.criterion + ' — ' if r.criterion else ''}{r.text}"
                        for r in external.recommendations_for_centre(actor, x.id)])
            for x in external.external_assessments_for_centre(actor)]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.can_start = [], False
        self.page = as_page(self.router.page.params.get("page", "1"))
        return self._refresh(actor)

    @rx.event
    def next_page(self):
        if self.page < self.pages:
            self.page += 1
        return self._refresh()

    @rx.event
    def prev_page(self):
        self.page = max(1, self.page - 1)
        return self._refresh()

    @rx.event
    def start(self, form: dict):
        """P28.1: the manager frames a new self-assessment; the page then opens it."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            d = sa.do_start(actor, title=form_str(form, "title", max_len=200),
                            period_label=form_str(form, "period_label", max_len=40),
                            framing_note=form_str(form, "framing_note", max_len=10_000))
        except ServiceError as exc:
            self._fail(exc)
            return None
        return rx.redirect(f"{ROUTE}/{d.summary.id}")


def _row(r: RowUI) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(r.title, href=ROUTE + "/" + r.id.to_string())),
        rx.table.cell(r.period), rx.table.cell(status_badge(r.status)),
        rx.table.cell("v", r.version.to_string()),
        rx.table.cell(rx.cond(r.score != "", r.score + "/100", "—")),
        rx.table.cell(rx.cond(r.maturity != "", tr_var("ui.assessment.maturity." + r.maturity), "—")),
        rx.table.cell(r.created))


def _table(headers: tuple[str, ...], rows, render) -> rx.Component:  # noqa: ANN001
    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in headers])),
        rx.table.body(rx.foreach(rows, render)), width="100%", variant="surface"), overflow_x="auto", width="100%")


def list_page() -> rx.Component:
    s = AssessmentListState
    return area_page(
        "staff", "ui.assessment.title", messages(),
        rx.text(tr("ui.assessment.intro"), size="2", color_scheme="gray"),
        rx.cond(s.rows.length() > 0, rx.vstack(
            _table(("ui.assessment.col.title", "ui.assessment.col.period", "ui.assessment.col.status",
                    "ui.assessment.col.model", "ui.assessment.col.score", "ui.assessment.col.maturity",
                    "ui.assessment.col.created"), s.rows, _row),
            rx.cond(s.pages > 1, pager(s.page, s.pages, s.prev_page, s.next_page)), spacing="2", width="100%"),
            empty("ui.assessment.none")),
        rx.cond(s.externals.length() > 0, rx.vstack(
            rx.heading(tr("ui.assessment.external_title"), size="4", as_="h2"),
            rx.foreach(s.externals, lambda x: rx.card(rx.vstack(
                rx.flex(rx.text(x.title, weight="medium"), status_badge(x.status),
                        rx.cond(x.score != "", rx.badge(x.score + "/100", variant="outline")), spacing="2",
                        align="center", wrap="wrap"),
                rx.cond(x.recommendations.length() > 0,
                        rx.vstack(rx.text(tr("ui.assessment.recommendations"), size="2", weight="medium"),
                                  rx.el.ul(rx.foreach(x.recommendations, lambda r: rx.el.li(r, font_size="0.9em"))),
                                  spacing="1"),
                        rx.text(tr("ui.assessment.no_recommendations_yet"), size="2", color_scheme="gray")),
                spacing="2"), width="100%")),
            spacing="2", width="100%")),
        rx.cond(s.can_start, rx.form(rx.vstack(
            rx.heading(tr("ui.assessment.start_title"), size="4", as_="h2"),
            rx.text(tr("ui.assessment.start_hint"), size="2", color_scheme="gray"),
            input_field(tr("ui.assessment.field.title"), "title", required=True, form="start"),
            input_field(tr("ui.assessment.field.period"), "period_label", width="14em", form="start"),
            text_area(tr("ui.assessment.field.framing_note"), "framing_note", rows="4", form="start"),
            rx.button(tr("ui.assessment.start"), type="submit", width="fit-content"),
            spacing="3", width="100%"), on_submit=s.start, reset_on_submit=False, width="100%",
            key=s.form_key.to_string())),
    )


# ---------------------------------------------------------------- /staff/assessment/[assessment_id]

@dataclasses.dataclass
class CriterionUI:
    code: str = ""
    domain: str = ""
    domain_fr: str = ""
    domain_en: str = ""
    domain_ar: str = ""
    first_of_domain: bool = False
    title_fr: str = ""
    title_en: str = ""
    title_ar: str = ""
    evidence_fr: str = ""
    evidence_en: str = ""
    evidence_ar: str = ""
    tier: str = ""
    status: str = ""  # "" when not answered
    value: str = ""
    justification: str = ""
    live: str = ""  # the captured live figures, e.g. "workshops_held = 12 (→ 3)"
    evidence_count: int = 0


@dataclasses.dataclass
class EvidenceUI:
    id: int = 0
    criterion: str = ""
    kind: str = ""
    title: str = ""
    url: str = ""
    note: str = ""
    filename: str = ""
    live: str = ""
    added_by: str = ""
    added_by_me: bool = False
    created: str = ""


def _answer_key(status: str, value: int | None) -> str:
    if status == "rated" and value is not None:
        return str(value)
    return status


class AssessmentState(AppState):
    found: bool = False
    aid: int = 0
    title: str = ""
    period_label: str = ""
    status: str = ""
    step: int = 0
    version: int = 0
    framing_note: str = ""
    meeting_label: str = ""
    planned: str = ""
    planned_start: str = ""
    planned_end: str = ""
    answered: int = 0
    total: int = 0
    missing: list[str] = []
    can_manage: bool = False
    can_contribute: bool = False
    criteria: list[CriterionUI] = []
    codes: list[Option] = []
    evidence: list[EvidenceUI] = []
    meetings: list[Option] = []
    editing_id: str = ""
    chosen_answer: str = ""
    chosen_justification: str = ""
    form_key: int = 0

    def _from_path(self) -> int:
        return path_id(self, _PATH)

    def _show(self, actor: Actor, d: sa.AssessmentDetail) -> None:
        zone = zone_of(self.tenant_slug)
        x = d.summary
        self.found, self.aid, self.title, self.period_label, self.status = True, x.id, x.title, x.period_label, x.status
        self.step = STEP_OF.get(x.status, 0)
        self.version, self.framing_note, self.meeting_label = x.model_version, d.framing_note, d.review_meeting_label
        self.planned_start = d.planned_start.isoformat() if d.planned_start else ""
        self.planned_end = d.planned_end.isoformat() if d.planned_end else ""
        self.planned = " → ".join(v for v in (self.planned_start, self.planned_end) if v)
        self.answered, self.total, self.missing = d.answered, d.total, list(d.missing)
        self.can_manage, self.can_contribute = d.can_manage, d.can_contribute
        live: dict[str, list[str]] = {}
        counts: dict[str, int] = {}
        for e in d.evidence:
            counts[e.criterion_code] = counts.get(e.criterion_code, 0) + 1
            if e.kind == "live":
                value = "—" if e.live_value is None else f"{e.live_value:g}"
                hint = "" if e.suggested is None else f" (→ {e.suggested})"
                live.setdefault(e.criterion_code, []).append(f"{e.title} = {value}{hint}")
        rows = []
        for dom in d.domains:
            for i, c in enumerate(dom.criteria):
                rows.append(CriterionUI(
                    c.code, dom.code, pick(dom.title, "fr"), pick(dom.title, "en"), pick(dom.title, "ar"), i == 0,
                    pick(c.title, "fr"), pick(c.title, "en"), pick(c.title, "ar"), pick(c.evidence_expected, "fr"),
                    pick(c.evidence_expected, "en"), pick(c.evidence_expected, "ar"), c.tier, c.status,
                    _answer_key(c.status, c.value), c.justification, " · ".join(live.get(c.code, [])),
                    counts.get(c.code, 0)))
        self.criteria = rows
        self.codes = [Option(c.code, f"{c.code} — {c.title_fr}") for c in rows]
        self.evidence = [EvidenceUI(e.id, e.criterion_code, e.kind, e.title, e.url, e.note, e.filename,
                                    ("—" if e.live_value is None else f"{e.live_value:g}") if e.kind == "live" else "",
                                    e.added_by, False, local_text(e.created_at, zone, "%d/%m/%Y"))
                         for e in d.evidence]
        me = actor.full_name or actor.email
        self.evidence = [dataclasses.replace(e, added_by_me=(e.added_by == me)) for e in self.evidence]
        self.form_key += 1

    def _load(self, actor: Actor) -> None:
        d = sa.get_assessment(actor, self._from_path())
        self._show(actor, d)
        self.meetings = []
        if d.can_manage and d.summary.status in (sa.FRAMING, sa.PLANNING, sa.COLLECTING):
            self.meetings = [Option(str(m.id), m.label) for m in sa.meeting_choices(actor)]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.found, self.criteria, self.evidence, self.codes, self.meetings = False, [], [], [], []
        self.missing, self.editing_id, self.chosen_answer, self.chosen_justification = [], "", "", ""
        return self._refresh(actor)

    def _act(self, do, notice: str):  # noqa: ANN001
        """A service call on the assessment of the page's path, in the caller's centre."""
        return act_and_reload(self, lambda a: do(a, self._from_path()), notice)

    @rx.event
    def save_framing(self, form: dict):
        try:
            title = form_str(form, "title", max_len=200)
            period = form_str(form, "period_label", max_len=40)
            note = form_str(form, "framing_note", max_len=10_000)
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._act(lambda a, i: sa.do_update_framing(a, i, title=title, period_label=period,
                                                           framing_note=note), "ui.assessment.saved")

    @rx.event
    def plan(self, form: dict):
        """P28.2: the weekly meeting that reviewed the questionnaire and the planned dates."""
        try:
            meeting = form_str(form, "review_meeting_id", max_len=12)
            start = form_str(form, "planned_start", max_len=10)
            end = form_str(form, "planned_end", max_len=10)
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._act(lambda a, i: sa.do_plan(a, i, review_meeting_id=meeting or None, planned_start=start,
                                                 planned_end=end), "ui.assessment.planned")

    @rx.event
    def choose(self, code: str):
        """Open the rating form on a criterion shown on the page (nothing else is looked up)."""
        row = next((c for c in self.criteria if isinstance(code, str) and c.code == code), None)
        if row is None:
            return
        self.editing_id, self.chosen_answer, self.chosen_justification = row.code, row.value, row.justification
        self.form_key += 1

    @rx.event
    def rate(self, form: dict):
        """The manager's answer: 0-3, not applicable or insufficient evidence, and why."""
        try:
            code = form_str(form, "criterion_code", max_len=20)
            answer = form_str(form, "answer", max_len=30)
            why = form_str(form, "justification", max_len=4000)
            if answer not in ANSWERS:
                raise Invalid("unknown answer", code="rating_status_invalid")
        except ServiceError as exc:
            self._fail(exc)
            return None
        status, value = (("rated", int(answer)) if answer.isdigit() else (answer, None))
        self.editing_id = ""
        return self._act(lambda a, i: sa.do_rate(a, i, code, status=status, value=value, justification=why),
                         "ui.assessment.rated")

    @rx.event
    def add_link(self, form: dict):
        try:
            url = form_str(form, "url", max_len=1000)
            title = form_str(form, "title", max_len=200)
            code = form_str(form, "criterion_code", max_len=20)
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._act(lambda a, i: sa.do_add_link(a, i, url=url, title=title, criterion_code=code or None),
                         "ui.assessment.evidence_added")

    @rx.event
    def add_note(self, form: dict):
        try:
            note = form_str(form, "note", max_len=10_000)
            title = form_str(form, "title", max_len=200)
            code = form_str(form, "criterion_code", max_len=20)
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._act(lambda a, i: sa.do_add_note(a, i, note=note, title=title, criterion_code=code or None),
                         "ui.assessment.evidence_added")

    @rx.event
    async def upload_file(self, files: list[rx.UploadFile]):
        """A document as evidence (the service checks its type and size)."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            if not isinstance(files, list) or len(files) != 1:
                raise Invalid("one file at a time", code="file_empty")
            f = files[0]
            data = await f.read(sa.MAX_FILE_BYTES + 1)
            sa.do_add_file(actor, self._from_path(), filename=str(f.filename or ""), data=data)
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.assessment.evidence_added")
        return rx.clear_selected_files(UPLOAD_ID)

    @rx.event
    def capture_live(self):
        return self._act(sa.do_capture_live, "ui.assessment.live_captured")

    @rx.event
    def remove_evidence(self, evidence_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            sa.do_remove_evidence(actor, as_id(evidence_id))
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.assessment.evidence_removed")
        return None

    @rx.event
    def complete(self):
        return self._act(sa.do_complete, "ui.assessment.completed")


def _stepper() -> rx.Component:
    s = AssessmentState
    items = [rx.badge(f"{i + 1}. ", tr(f"ui.assessment.step.{key}"), size="2",
                      variant=rx.cond(s.step == i, "solid", "soft"), color_scheme=rx.cond(s.step >= i, "blue", "gray"))
             for i, key in enumerate(STEPS)]
    return rx.flex(*items, spacing="2", wrap="wrap", role="list", aria_label=tr("ui.assessment.steps"))


def _framing() -> rx.Component:
    s = AssessmentState
    editable = s.can_manage & ((s.status == "framing") | (s.status == "collecting"))
    return rx.vstack(
        rx.heading(tr("ui.assessment.framing"), size="4", as_="h2"),
        rx.text(rx.cond(s.framing_note != "", s.framing_note, "—"), size="2", style={"whiteSpace": "pre-wrap"}),
        rx.cond(editable, rx.form(rx.vstack(
            input_field(tr("ui.assessment.field.title"), "title", default=s.title, required=True, form="framing"),
            input_field(tr("ui.assessment.field.period"), "period_label", default=s.period_label, width="14em",
                        form="framing"),
            text_area(tr("ui.assessment.field.framing_note"), "framing_note", default=s.framing_note,
                      form="framing"),
            rx.button(tr("ui.assessment.save"), type="submit", variant="soft", width="fit-content"),
            spacing="2", width="100%"), on_submit=s.save_framing, reset_on_submit=False, width="100%",
            key="framing-" + s.form_key.to_string())),
        spacing="2", width="100%")


def _planning() -> rx.Component:
    s = AssessmentState
    editable = s.can_manage & ((s.status == "framing") | (s.status == "collecting"))
    return rx.vstack(
        rx.heading(tr("ui.assessment.planning"), size="4", as_="h2"),
        rx.text(tr("ui.assessment.planning_hint"), size="2", color_scheme="gray"),
        rx.cond(s.meeting_label != "", rx.text(tr("ui.assessment.meeting"), " : ", s.meeting_label, size="2")),
        rx.cond(s.planned != "", rx.text(tr("ui.assessment.planned_dates"), " : ", s.planned, size="2")),
        rx.cond(editable, rx.form(rx.vstack(
            select_field(tr("ui.assessment.meeting"), "review_meeting_id", dynamic=s.meetings,
                         blank=tr("ui.assessment.no_meeting"), form="plan"),
            rx.flex(input_field(tr("ui.assessment.planned_start"), "planned_start", type="date",
                                default=s.planned_start, width="12em", form="plan"),
                    input_field(tr("ui.assessment.planned_end"), "planned_end", type="date", default=s.planned_end,
                                width="12em", form="plan"), spacing="3", wrap="wrap"),
            rx.button(rx.cond(s.status == "framing", tr("ui.assessment.plan"), tr("ui.assessment.update_plan")),
                      type="submit", width="fit-content"),
            spacing="2", width="100%"), on_submit=s.plan, reset_on_submit=False, width="100%",
            key="plan-" + s.form_key.to_string())),
        spacing="2", width="100%")


def _answer_text(c: CriterionUI) -> rx.Component:
    return rx.cond(c.status == "", rx.text(tr("ui.assessment.not_answered"), size="2", color_scheme="amber"),
                   rx.cond(c.status == "rated", rx.text(tr_var("ui.assessment.rating." + c.value), size="2"),
                           rx.text(tr_var("ui.assessment.answer." + c.status), size="2")))


def _criterion_row(c: CriterionUI) -> rx.Component:
    s = AssessmentState
    return rx.fragment(
        rx.cond(c.first_of_domain, rx.table.row(rx.table.cell(
            rx.heading(c.domain, " — ", in_lang(c.domain_fr, c.domain_en, c.domain_ar), size="3", as_="h3"),
            col_span=4))),
        rx.table.row(
            rx.table.row_header_cell(rx.text(c.code, weight="medium"),
                                     rx.badge(tr_var("ui.assessment.tier." + c.tier), variant="soft",
                                              color_scheme=rx.cond(c.tier == "must", "red", "gray"))),
            rx.table.cell(rx.vstack(
                rx.text(in_lang(c.title_fr, c.title_en, c.title_ar), size="2"),
                rx.text(tr("ui.assessment.evidence_expected"), " : ", in_lang(c.evidence_fr, c.evidence_en,
                                                                              c.evidence_ar),
                        size="1", color_scheme="gray"),
                rx.cond(c.live != "", rx.text(tr("ui.assessment.live"), " : ", c.live, size="1", color_scheme="blue")),
                rx.cond(c.evidence_count > 0, rx.text(tr("ui.assessment.evidence_count"), " : ",
                                                      c.evidence_count.to_string(), size="1")),
                spacing="1")),
            rx.table.cell(rx.vstack(_answer_text(c), rx.cond(c.justification != "", rx.text(
                c.justification, size="1", color_scheme="gray", style={"whiteSpace": "pre-wrap"})), spacing="1")),
            rx.table.cell(rx.cond(s.can_manage & (s.status == "collecting"),
                                  rx.button(tr("ui.assessment.rate"), size="1", variant="soft",
                                            on_click=s.choose(c.code),
                                            aria_label=tr("ui.assessment.rate") + " " + c.code))),
        ))


def _rating_form() -> rx.Component:
    s = AssessmentState
    return rx.form(rx.vstack(
        rx.heading(tr("ui.assessment.rating_title"), " ", s.editing_id, size="4", as_="h2"),
        rx.el.input(type="hidden", name="criterion_code", value=s.editing_id),
        select_field(tr("ui.assessment.answer"), "answer",
                     [(k, tr("ui.assessment.rating." + k) if k.isdigit() else tr("ui.assessment.answer." + k))
                      for k in ANSWERS], default=s.chosen_answer, blank=tr("ui.assessment.choose_answer"),
                     width="20em", form="rate"),
        text_area(tr("ui.assessment.justification"), "justification", default=s.chosen_justification,
                  hint=tr("ui.assessment.justification_hint"), form="rate"),
        rx.flex(rx.button(tr("ui.assessment.save_rating"), type="submit"), spacing="2"),
        spacing="2", width="100%"), on_submit=s.rate, reset_on_submit=False, width="100%",
        key="rate-" + s.form_key.to_string())


def _evidence_row(e: EvidenceUI) -> rx.Component:
    s = AssessmentState
    return rx.table.row(
        rx.table.row_header_cell(rx.cond(e.criterion != "", e.criterion, "—")),
        rx.table.cell(tr_var("ui.assessment.kind." + e.kind)),
        rx.table.cell(rx.cond(e.kind == "link", rx.link(e.title, href=e.url, is_external=True),
                              rx.cond(e.kind == "live", rx.text(e.title, " = ", e.live, size="2"),
                                      rx.cond(e.kind == "file", rx.link(e.filename, is_external=True, href=(
                                          f"{api_url()}/api/v1/tenants/" + AppState.tenant_slug + "/assessments/"
                                          + s.aid.to_string() + "/evidence/" + e.id.to_string() + "/file")),
                                              rx.text(e.title, rx.cond(e.title != "", " — ", ""), e.note,
                                                      size="2", style={"whiteSpace": "pre-wrap"}))))),
        rx.table.cell(e.added_by), rx.table.cell(e.created),
        rx.table.cell(rx.cond((s.status == "collecting") & (e.kind != "live") & (s.can_manage | e.added_by_me),
                              rx.button(tr("ui.assessment.remove"), size="1", variant="soft", color_scheme="red",
                                        on_click=s.remove_evidence(e.id),
                                        aria_label=tr("ui.assessment.remove") + " " + e.id.to_string()))))


def _evidence_forms() -> rx.Component:
    s = AssessmentState
    return rx.vstack(
        rx.flex(rx.button(tr("ui.assessment.capture_live"), on_click=s.capture_live, variant="soft"),
                rx.text(tr("ui.assessment.capture_live_hint"), size="1", color_scheme="gray"),
                spacing="3", align="center", wrap="wrap"),
        rx.form(rx.vstack(
            rx.heading(tr("ui.assessment.add_link"), size="3", as_="h3"),
            select_field(tr("ui.assessment.criterion"), "criterion_code", dynamic=s.codes,
                         blank=tr("ui.assessment.whole_assessment"), form="link"),
            input_field(tr("ui.assessment.url"), "url", type="url", required=True, form="link"),
            input_field(tr("ui.assessment.evidence_title"), "title", form="link"),
            rx.button(tr("ui.assessment.add"), type="submit", variant="soft", width="fit-content"),
            spacing="2", width="100%"), on_submit=s.add_link, reset_on_submit=True, width="100%"),
        rx.form(rx.vstack(
            rx.heading(tr("ui.assessment.add_note"), size="3", as_="h3"),
            select_field(tr("ui.assessment.criterion"), "criterion_code", dynamic=s.codes,
                         blank=tr("ui.assessment.whole_assessment"), form="note"),
            input_field(tr("ui.assessment.evidence_title"), "title", form="note"),
            text_area(tr("ui.assessment.note"), "note", form="note"),
            rx.button(tr("ui.assessment.add"), type="submit", variant="soft", width="fit-content"),
            spacing="2", width="100%"), on_submit=s.add_note, reset_on_submit=True, width="100%"),
        rx.vstack(
            rx.heading(tr("ui.assessment.add_file"), size="3", as_="h3"),
            rx.text(tr("ui.assessment.file_hint"), size="1", color_scheme="gray"),
            rx.upload.root(rx.button(tr("ui.assessment.choose_file"), variant="soft", type="button"),
                           id=UPLOAD_ID, max_files=1, multiple=False, border="1px dashed", padding="0.75em"),
            rx.text(rx.selected_files(UPLOAD_ID).join(", "), size="1"),
            rx.button(tr("ui.assessment.upload"), on_click=s.upload_file(rx.upload_files(upload_id=UPLOAD_ID)),
                      width="fit-content"),
            spacing="2", width="100%"),
        spacing="4", width="100%")


def detail_page() -> rx.Component:
    s = AssessmentState
    return area_page(
        "staff", "ui.assessment.detail_title", messages(),
        rx.link(tr("ui.assessment.back"), href=ROUTE),
        rx.cond(s.found, rx.vstack(
            rx.flex(rx.heading(s.title, size="5", as_="h2"), status_badge(s.status),
                    rx.badge(tr("ui.assessment.col.model"), " v", s.version.to_string(), variant="outline"),
                    spacing="3", align="center", wrap="wrap"),
            rx.cond(s.period_label != "", rx.text(tr("ui.assessment.field.period"), " : ", s.period_label, size="2")),
            _stepper(),
            rx.cond(s.status == "completed", rx.callout(tr("ui.assessment.computing"), color_scheme="cyan",
                                                        size="1")),
            rx.cond((s.status == "evaluated") | (s.status == "closed"),
                    rx.link(tr("ui.assessment.see_results"), href=ROUTE + "/" + s.aid.to_string() + "/results",
                            weight="bold")),
            _framing(),
            _planning(),
            rx.heading(tr("ui.assessment.questionnaire"), size="4", as_="h2"),
            rx.text(tr("ui.assessment.progress"), " : ", s.answered.to_string(), " / ", s.total.to_string(),
                    size="2"),
            rx.cond(s.editing_id != "", _rating_form()),
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                    "ui.assessment.col.code", "ui.assessment.criterion", "ui.assessment.answer", "ui.assessment.col.do")])),
                rx.table.body(rx.foreach(s.criteria, _criterion_row)), width="100%", variant="surface"),
                overflow_x="auto", width="100%"),
            rx.cond(s.can_manage & (s.status == "collecting"), rx.vstack(
                rx.cond(s.missing.length() > 0,
                        rx.text(tr("ui.assessment.missing"), " : ", s.missing.join(", "), size="2",
                                color_scheme="amber")),
                confirm_dialog("ui.assessment.complete", "ui.assessment.complete_title",
                               "ui.assessment.complete_text", s.complete, danger=False),
                spacing="2", width="100%")),
            rx.heading(tr("ui.assessment.evidence"), size="4", as_="h2"),
            rx.cond(s.evidence.length() > 0,
                    _table(("ui.assessment.criterion", "ui.assessment.col.kind", "ui.assessment.evidence_title",
                            "ui.assessment.col.added_by", "ui.assessment.col.created", "ui.assessment.col.do"),
                           s.evidence, _evidence_row),
                    empty("ui.assessment.no_evidence")),
            rx.cond(s.can_contribute & (s.status == "collecting"), _evidence_forms()),
            rx.cond(s.status == "framing", rx.text(tr("ui.assessment.plan_first"), size="2", color_scheme="gray")),
            spacing="4", width="100%")),
    )


def register(app: rx.App) -> None:
    app.add_page(list_page, route=ROUTE, on_load=AssessmentListState.on_load, title="CC Network")
    app.add_page(detail_page, route=ROUTE + "/[assessment_id]", on_load=AssessmentState.on_load, title="CC Network")
