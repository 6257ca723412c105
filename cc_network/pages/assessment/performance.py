"""The team's annual evaluation (P27, M14): /staff/performance (the manager: this year's team
with each review's status, and the form to propose dates; a member: their own reviews) and
/staff/performance/[review_id] (dates and availability, the final date, the form M14, its
finalisation, the member's opinion, the PDF). Every handler calls
workflows.assessment.performance, which lets only the manager and the member see a review."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.actions import field_or_fail
from cc_network.pages.calendar.common import (
    Option,
    input_field,
    local_text,
    parse_date,
    parse_local,
    select_field,
    text_area,
)
from cc_network.pages.forms import as_id, form_str, id_or_zero
from cc_network.pages.portal.common import zone_of
from cc_network.ui.components import confirm_dialog, empty, messages
from cc_network.ui.i18n import I18nState, tr, tr_var
from cc_network.ui.layout import api_url, area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm, Role
from workflows.assessment import performance as perf

ROUTE = "/staff/performance"
_PATH = re.compile(r"^/staff/performance/(\d{1,18})/?$")
STATUS_COLORS = (("proposed", "amber"), ("confirmed", "amber"), ("scheduled", "blue"), ("form_sent", "blue"),
                 ("filled", "cyan"), ("finalised", "green"), ("commented", "green"))
SLOT_FIELDS = tuple(f"slot_{i}" for i in range(1, perf.MAX_SLOTS + 1))
TEXTS = ("strengths", "improvements", "training_needs", "manager_comment")


@dataclasses.dataclass
class TeamRowUI:
    membership_id: int = 0
    name: str = ""
    roles: str = ""
    review_id: int = 0
    status: str = ""
    interview: str = ""


@dataclasses.dataclass
class MineRowUI:
    review_id: int = 0
    year: str = ""
    status: str = ""
    interview: str = ""


@dataclasses.dataclass
class SlotUI:
    index: int = 0
    when: str = ""
    answer: str = ""  # "", "yes", "no"


@dataclasses.dataclass
class ObjectiveUI:
    title: str = ""
    achievement: str = ""
    comment: str = ""


@dataclasses.dataclass
class CompetencyUI:
    key: str = ""
    rating: str = ""
    comment: str = ""


@dataclasses.dataclass
class NextUI:
    title: str = ""
    measure: str = ""
    due_on: str = ""


def status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(I18nState.tx["ui.performance.status." + status], variant="soft",
                    color_scheme=rx.match(status, *STATUS_COLORS, "gray"))


def _table(headers: tuple[str, ...], rows, render) -> rx.Component:  # noqa: ANN001
    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in headers])),
        rx.table.body(rx.foreach(rows, render)), width="100%", variant="surface"), overflow_x="auto", width="100%")


def _roles_text(roles: tuple[str, ...] | list[str]) -> str:
    return ",".join(roles)


# ---------------------------------------------------------------- /staff/performance

class PerformanceListState(AppState):
    is_manager: bool = False
    year_label: str = ""
    opens_on: str = ""
    open_now: bool = False
    rows: list[TeamRowUI] = []
    mine: list[MineRowUI] = []
    members: list[Option] = []
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        zone = zone_of(self.tenant_slug)
        self.is_manager = actor.can(Perm.PERFORMANCE_MANAGE) and Role.MANAGER.value in actor.roles
        self.rows, self.members = [], []
        if self.is_manager:
            ov = perf.overview(actor, tid)
            self.year_label, self.open_now = ov.year_label, ov.open_now
            self.opens_on = f"{ov.opens_on:%d/%m/%Y}"
            self.rows = [TeamRowUI(r.membership_id, r.name, _roles_text(r.roles), r.review.id if r.review else 0,
                                   r.review.status if r.review else "",
                                   local_text(r.review.interview_at, zone, "%d/%m/%Y %H:%M") if r.review else "")
                         for r in ov.rows]
            self.members = [Option(str(r.membership_id), r.name) for r in ov.rows
                            if r.review is None or r.review.status in (perf.PROPOSED, perf.CONFIRMED)]
        self.mine = [MineRowUI(r.id, r.year_label, r.status, local_text(r.interview_at, zone, "%d/%m/%Y %H:%M"))
                     for r in perf.list_reviews(actor, tid) if r.membership_id == actor.membership_id]
        self.form_key += 1

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.mine, self.members, self.is_manager = [], [], [], False
        return self._refresh(actor)

    @rx.event
    def propose(self, form: dict):
        """P27.1: dates for one member of the caller's own team (the page's list)."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            member = as_id(form_str(form, "membership_id", max_len=12))
            zone = zone_of(self.tenant_slug)
            slots = [parse_local(form_str(form, f, max_len=20), zone, required=False) for f in SLOT_FIELDS]
            perf.do_propose(actor, actor.tenant_id or 0, member, [x for x in slots if x is not None])
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.performance.proposed_notice")
        return None


def _team_row(r: TeamRowUI) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.cond(r.review_id > 0,
                                         rx.link(r.name, href=ROUTE + "/" + r.review_id.to_string()), r.name)),
        rx.table.cell(rx.foreach(r.roles.split(","), lambda x: rx.text(tr_var("ui.role." + x), size="2"))),
        rx.table.cell(rx.cond(r.status != "", status_badge(r.status),
                              rx.text(tr("ui.performance.not_started"), size="2", color_scheme="gray"))),
        rx.table.cell(r.interview))


def _mine_row(r: MineRowUI) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(r.year, href=ROUTE + "/" + r.review_id.to_string())),
        rx.table.cell(status_badge(r.status)), rx.table.cell(r.interview))


def _propose_form() -> rx.Component:
    s = PerformanceListState
    return rx.form(rx.vstack(
        rx.heading(tr("ui.performance.propose_title"), size="4", as_="h2"),
        rx.text(tr("ui.performance.propose_hint"), size="2", color_scheme="gray"),
        select_field(tr("ui.performance.member"), "membership_id", dynamic=s.members, width="20em"),
        rx.flex(*[input_field(tr("ui.performance.slot") + f" {i}", f"slot_{i}", type="datetime-local",
                              required=i == 1, width="14em") for i in range(1, perf.MAX_SLOTS + 1)],
                spacing="3", wrap="wrap"),
        rx.button(tr("ui.performance.propose"), type="submit", width="fit-content"),
        spacing="3", width="100%"), on_submit=s.propose, reset_on_submit=False, width="100%",
        key=s.form_key.to_string())


def list_page() -> rx.Component:
    s = PerformanceListState
    return area_page(
        "staff", "ui.performance.title", messages(),
        rx.cond(s.is_manager, rx.vstack(
            rx.text(tr("ui.performance.year"), " ", s.year_label, " — ", tr("ui.performance.opens_on"), " ",
                    s.opens_on, size="2"),
            rx.cond(~s.open_now, rx.callout(tr("ui.performance.not_open") + " " + s.opens_on,
                                            color_scheme="amber", size="1")),
            rx.cond(s.rows.length() > 0,
                    _table(("ui.performance.member", "ui.performance.role", "ui.performance.status",
                            "ui.performance.interview"), s.rows, _team_row),
                    empty("ui.performance.no_team")),
            rx.cond(s.open_now & (s.members.length() > 0), _propose_form()),
            spacing="3", width="100%")),
        rx.cond(s.mine.length() > 0, rx.vstack(
            rx.heading(tr("ui.performance.mine"), size="4", as_="h2"),
            _table(("ui.performance.year", "ui.performance.status", "ui.performance.interview"), s.mine, _mine_row),
            spacing="2", width="100%"),
            rx.cond(~s.is_manager, empty("ui.performance.none_for_me"))),
    )


# ---------------------------------------------------------------- /staff/performance/[review_id]

class PerformanceReviewState(AppState):
    found: bool = False
    rid: int = 0
    year_label: str = ""
    member_name: str = ""
    member_roles: str = ""
    manager_name: str = ""
    status: str = ""
    interview: str = ""
    interview_input: str = ""
    form_sent: str = ""
    finalised: str = ""
    commented: str = ""
    member_comment: str = ""
    is_manager: bool = False
    is_member: bool = False
    actions: list[str] = []
    slots: list[SlotUI] = []
    meetings: list[Option] = []
    objectives: list[ObjectiveUI] = []
    competencies: list[CompetencyUI] = []
    next_objectives: list[NextUI] = []
    texts: dict[str, str] = {}
    competency_ratings: dict[str, str] = {}
    overall: str = ""
    objectives_text: str = ""
    next_text: str = ""
    form_key: int = 0

    def _review_from_path(self) -> int:
        m = _PATH.match(str(self.router.url.path or ""))
        return id_or_zero(m.group(1) if m else None)

    def _show(self, d: perf.ReviewDetail) -> None:
        zone = zone_of(self.tenant_slug)
        fmt = "%d/%m/%Y %H:%M"
        self.found, self.rid, self.year_label, self.status = True, d.id, d.year_label, d.status
        self.member_name, self.manager_name = d.member_name, d.manager_name
        self.member_roles = _roles_text(d.member_roles)
        self.interview = local_text(d.interview_at, zone, fmt)
        self.interview_input = local_text(d.interview_at, zone, "%Y-%m-%dT%H:%M")
        self.form_sent = local_text(d.form_sent_at, zone, fmt)
        self.finalised = local_text(d.finalised_at, zone, fmt)
        self.commented = local_text(d.commented_at, zone, fmt)
        self.member_comment = d.member_comment
        self.is_manager, self.is_member, self.actions = d.is_manager, d.is_member, list(d.actions)
        self.slots = [SlotUI(i, local_text(x.at, zone, fmt), "" if x.available is None else
                             ("yes" if x.available else "no")) for i, x in enumerate(d.slots)]
        f = d.form or {}
        self.objectives = [ObjectiveUI(o["title"], str(o["achievement"]), o.get("comment", ""))
                           for o in f.get("objectives") or []]
        self.competencies = [CompetencyUI(c["key"], str(c["rating"]), c.get("comment", ""))
                             for c in f.get("competencies") or []]
        self.next_objectives = [NextUI(o["title"], o.get("measure", ""), o.get("due_on") or "")
                                for o in f.get("next_objectives") or []]
        self.texts = {k: str(f.get(k) or "") for k in TEXTS}
        self.competency_ratings = {k: "" for k in perf.COMPETENCIES} | {c.key: c.rating for c in self.competencies}
        self.overall = str(f.get("overall") or "")
        self.objectives_text = "\n".join(f"{o.title} | {o.achievement} | {o.comment}" for o in self.objectives)
        self.next_text = "\n".join(f"{o.title} | {o.measure} | {o.due_on}" for o in self.next_objectives)
        self.form_key += 1

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        d = perf.get_review(actor, tid, self._review_from_path())
        self._show(d)
        self.meetings = []
        if "schedule" in d.actions and actor.can(Perm.PROCEDURE_VIEW):
            from workflows.meetings.services import WEEKLY, list_meetings

            zone = zone_of(self.tenant_slug)
            # the one in session (opened, not yet over) first, then the last ones held
            found = [*list_meetings(actor, tid, kind=WEEKLY, when="upcoming", per_page=2).items,
                     *list_meetings(actor, tid, kind=WEEKLY, when="past", per_page=10).items]
            self.meetings = [Option(str(m.meeting_id), f"{local_text(m.starts_at, zone, '%d/%m/%Y')} — {m.title}")
                             for m in found if m.meeting_id]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.found, self.slots, self.objectives, self.competencies, self.next_objectives = False, [], [], [], []
        self.actions, self.meetings, self.texts, self.competency_ratings = [], [], {}, {}
        return self._refresh(actor)

    def _act(self, do, notice: str):  # noqa: ANN001
        """A service call on the review of the page's path, looked up in the caller's centre."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            self._show(do(actor, actor.tenant_id or 0, self._review_from_path()))
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok(notice)
        return None

    @rx.event
    def give_availability(self, form: dict):
        """P27.2: a ticked box per proposed date the member can make (the dates are the
        review's own, read again from the database)."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            if not isinstance(form, dict):
                raise Invalid("bad form", code="invalid")
            d = perf.get_review(actor, actor.tenant_id or 0, self._review_from_path())
            answers = [{"at": x.at.isoformat(), "available": form.get(f"avail_{i}") not in (None, "", False)}
                       for i, x in enumerate(d.slots)]
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._act(lambda a, t, r: perf.do_give_availability(a, t, r, answers),
                         "ui.performance.availability_notice")

    @rx.event
    def schedule(self, form: dict):
        try:
            at = parse_local(form_str(form, "at", max_len=20), zone_of(self.tenant_slug))
            raw = form_str(form, "meeting_id", max_len=12)
            meeting_id = as_id(raw) if raw else None
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._act(lambda a, t, r: perf.do_schedule(a, t, r, at, meeting_id=meeting_id),
                         "ui.performance.scheduled_notice")

    @rx.event
    def send_form(self):
        return self._act(perf.do_send_form, "ui.performance.form_sent_notice")

    @rx.event
    def save_form(self, form: dict):
        """P27.6: objectives and next year's objectives one a line ("title | rating | comment",
        "title | measure | YYYY-MM-DD"), a rating per competency, the texts, the overall rating."""
        try:
            data = _form_of(form)
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._act(lambda a, t, r: perf.do_fill_form(a, t, r, data), "ui.performance.saved_notice")

    @rx.event
    def finalise(self):
        return self._act(perf.do_finalise, "ui.performance.finalised_notice")

    @rx.event
    def comment(self, form: dict):
        return field_or_fail(self, form, "comment", lambda text: self._act(
            lambda a, t, r: perf.do_comment(a, t, r, text), "ui.performance.commented_notice"),
            max_len=perf.TEXT_MAX + 100)


def _rows(text: str, max_lines: int = 20) -> list[list[str]]:
    out = [[p.strip() for p in ln.split("|")] for ln in text.splitlines() if ln.strip()]
    if len(out) > max_lines:
        raise Invalid("too many lines", code="invalid_line")
    return out


def _form_of(form: object) -> dict:
    if not isinstance(form, dict):
        raise Invalid("bad form", code="invalid")
    objectives = []
    for parts in _rows(form_str(form, "objectives", max_len=20_000)):
        parts += [""] * (3 - len(parts))
        if len(parts) > 3:
            raise Invalid("a line: title | rating | comment", code="invalid_line")
        objectives.append({"title": parts[0], "achievement": parts[1], "comment": parts[2]})
    next_objectives = []
    for parts in _rows(form_str(form, "next_objectives", max_len=20_000)):
        parts += [""] * (3 - len(parts))
        if len(parts) > 3:
            raise Invalid("a line: title | measure | date", code="invalid_line")
        next_objectives.append({"title": parts[0], "measure": parts[1],
                                "due_on": parse_date(parts[2], required=False)})
    competencies = []
    for key in perf.COMPETENCIES:
        rating = form_str(form, f"c_{key}", max_len=2)
        if rating:
            competencies.append({"key": key, "rating": rating})
    data: dict = {"objectives": objectives, "next_objectives": next_objectives, "competencies": competencies,
                  "overall": form_str(form, "overall", max_len=2) or None}
    for key in TEXTS:
        data[key] = form_str(form, key, max_len=perf.TEXT_MAX + 100)
    return data


def _slot_row(x: SlotUI) -> rx.Component:
    s = PerformanceReviewState
    answer = rx.match(x.answer, ("yes", rx.badge(tr("ui.performance.available"), color_scheme="green")),
                      ("no", rx.badge(tr("ui.performance.unavailable"), color_scheme="red")),
                      rx.text(tr("ui.performance.no_answer"), size="2", color_scheme="gray"))
    return rx.table.row(
        rx.table.row_header_cell(x.when),
        rx.table.cell(rx.cond(s.actions.contains("availability"),
                              rx.el.label(rx.el.input(type="checkbox", name="avail_" + x.index.to_string(),
                                                      default_checked=x.answer == "yes", form="perf-availability"),
                                          rx.text(tr("ui.performance.i_am_available"), as_="span", size="2"),
                                          style={"display": "inline-flex", "gap": "0.4em"}),
                              answer)))


def _availability() -> rx.Component:
    s = PerformanceReviewState
    return rx.vstack(
        rx.heading(tr("ui.performance.dates"), size="4", as_="h2"),
        _table(("ui.performance.date", "ui.performance.availability"), s.slots, _slot_row),
        rx.cond(s.actions.contains("availability"),
                rx.form(rx.button(tr("ui.performance.send_availability"), type="submit"), id="perf-availability",
                        on_submit=s.give_availability, reset_on_submit=False)),
        spacing="2", width="100%")


def _schedule_form() -> rx.Component:
    s = PerformanceReviewState
    return rx.form(rx.flex(
        input_field(tr("ui.performance.final_date"), "at", type="datetime-local", default=s.interview_input,
                    required=True, width="16em", form="sched"),
        select_field(tr("ui.performance.meeting"), "meeting_id", dynamic=s.meetings,
                     blank=tr("ui.performance.no_meeting"), width="20em", form="sched"),
        rx.button(tr("ui.performance.schedule"), type="submit"), spacing="3", align="end", wrap="wrap"),
        on_submit=s.schedule, reset_on_submit=False, width="100%", key=s.form_key.to_string())


def _rating_options(scale: str, values: tuple[int, ...]) -> list[tuple[str, rx.Var]]:
    return [(str(v), tr(f"ui.performance.{scale}.{v}")) for v in values]


def _competency_field(key: str) -> rx.Component:
    s = PerformanceReviewState
    return select_field(tr(f"ui.performance.competency.{key}"), f"c_{key}",
                        options=_rating_options("rating", perf.RATING), blank=tr("ui.performance.not_rated"),
                        default=s.competency_ratings[key], width="16em", form="m14")


def _form_edit() -> rx.Component:
    s = PerformanceReviewState
    return rx.form(rx.vstack(
        text_area(tr("ui.performance.objectives"), "objectives", default=s.objectives_text, rows="4",
                  hint=tr("ui.performance.objectives_hint"), form="m14"),
        rx.heading(tr("ui.performance.competencies"), size="3", as_="h3"),
        rx.flex(*[_competency_field(k) for k in perf.COMPETENCIES], spacing="3", wrap="wrap"),
        text_area(tr("ui.performance.strengths"), "strengths", default=s.texts["strengths"], form="m14"),
        text_area(tr("ui.performance.improvements"), "improvements", default=s.texts["improvements"], form="m14"),
        text_area(tr("ui.performance.training_needs"), "training_needs", default=s.texts["training_needs"],
                  form="m14"),
        text_area(tr("ui.performance.next_objectives"), "next_objectives", default=s.next_text, rows="3",
                  hint=tr("ui.performance.next_objectives_hint"), form="m14"),
        text_area(tr("ui.performance.manager_comment"), "manager_comment", default=s.texts["manager_comment"],
                  form="m14"),
        select_field(tr("ui.performance.overall"), "overall", options=_rating_options("rating", perf.RATING),
                     blank=tr("ui.performance.not_rated"), default=s.overall, width="16em", form="m14"),
        rx.button(tr("ui.performance.save_form"), type="submit", width="fit-content"),
        spacing="3", width="100%"), on_submit=s.save_form, reset_on_submit=False, width="100%",
        key=s.form_key.to_string())


def _objective_row(o: ObjectiveUI) -> rx.Component:
    return rx.table.row(rx.table.row_header_cell(o.title),
                        rx.table.cell(tr_var("ui.performance.achievement." + o.achievement)),
                        rx.table.cell(o.comment))


def _competency_row(c: CompetencyUI) -> rx.Component:
    return rx.table.row(rx.table.row_header_cell(tr_var("ui.performance.competency." + c.key)),
                        rx.table.cell(tr_var("ui.performance.rating." + c.rating)))


def _next_row(o: NextUI) -> rx.Component:
    return rx.table.row(rx.table.row_header_cell(o.title), rx.table.cell(o.measure), rx.table.cell(o.due_on))


def _text_block(key: str) -> rx.Component:
    s = PerformanceReviewState
    return rx.vstack(rx.heading(tr(f"ui.performance.{key}"), size="3", as_="h3"),
                     rx.text(rx.cond(s.texts[key] != "", s.texts[key], "—"), size="2",
                             style={"whiteSpace": "pre-wrap"}), spacing="1", width="100%")


def _form_view() -> rx.Component:
    s = PerformanceReviewState
    return rx.vstack(
        rx.heading(tr("ui.performance.objectives"), size="3", as_="h3"),
        rx.cond(s.objectives.length() > 0, _table(("ui.performance.objective", "ui.performance.achievement",
                                                   "ui.performance.comment"), s.objectives, _objective_row),
                empty("ui.performance.nothing_yet")),
        rx.heading(tr("ui.performance.competencies"), size="3", as_="h3"),
        rx.cond(s.competencies.length() > 0, _table(("ui.performance.competency", "ui.performance.rating"),
                                                    s.competencies, _competency_row),
                empty("ui.performance.nothing_yet")),
        _text_block("strengths"), _text_block("improvements"), _text_block("training_needs"),
        rx.heading(tr("ui.performance.next_objectives"), size="3", as_="h3"),
        rx.cond(s.next_objectives.length() > 0, _table(("ui.performance.objective", "ui.performance.measure",
                                                        "ui.performance.due_on"), s.next_objectives, _next_row),
                empty("ui.performance.nothing_yet")),
        _text_block("manager_comment"),
        rx.text(tr("ui.performance.overall"), " : ",
                rx.cond(s.overall != "", tr_var("ui.performance.rating." + s.overall), "—"), weight="medium"),
        spacing="2", width="100%")


def _pdf_links() -> rx.Component:
    s = PerformanceReviewState
    return rx.flex(rx.text(tr("ui.performance.pdf"), size="2"),
                   *[rx.link(f"PDF {lang}", is_external=True,
                             href=f"{api_url()}/api/v1/tenants/" + AppState.tenant_slug + "/performance-reviews/"
                             + s.rid.to_string() + f"/pdf?lang={lang}") for lang in ("fr", "en", "ar")],
                   spacing="3", align="center")


def review_page() -> rx.Component:
    s = PerformanceReviewState
    return area_page(
        "staff", "ui.performance.review_title", messages(),
        rx.link(tr("ui.performance.back"), href=ROUTE),
        rx.cond(s.found, rx.vstack(
            rx.flex(rx.heading(s.member_name, " — ", s.year_label, size="5", as_="h2"), status_badge(s.status),
                    spacing="3", align="center", wrap="wrap"),
            rx.text(tr("ui.performance.evaluator"), " : ", s.manager_name, size="2"),
            rx.cond(s.interview != "", rx.text(tr("ui.performance.interview"), " : ", s.interview, size="2")),
            rx.cond(s.form_sent != "", rx.text(tr("ui.performance.form_sent_on"), " ", s.form_sent, size="2",
                                               color_scheme="gray")),
            rx.cond(s.finalised != "", rx.callout(tr("ui.performance.locked") + " " + s.finalised,
                                                  color_scheme="blue", size="1")),
            _pdf_links(),
            _availability(),
            rx.cond(s.actions.contains("schedule"), _schedule_form()),
            rx.cond(s.actions.contains("send_form"),
                    confirm_dialog("ui.performance.send_form", "ui.performance.send_form_title",
                                   "ui.performance.send_form_text", s.send_form, danger=False)),
            rx.heading(tr("ui.performance.form_title"), size="4", as_="h2"),
            rx.cond(s.actions.contains("fill"), _form_edit(), _form_view()),
            rx.cond(s.actions.contains("finalise"),
                    confirm_dialog("ui.performance.finalise", "ui.performance.finalise_title",
                                   "ui.performance.finalise_text", s.finalise, danger=False)),
            rx.heading(tr("ui.performance.member_comment"), size="4", as_="h2"),
            rx.cond(s.actions.contains("comment"),
                    rx.form(rx.vstack(
                        text_area(tr("ui.performance.your_opinion"), "comment", rows="4", form="opinion"),
                        rx.button(tr("ui.performance.send_opinion"), type="submit", width="fit-content"),
                        spacing="2", width="100%"), on_submit=s.comment, reset_on_submit=False, width="100%"),
                    rx.vstack(rx.text(rx.cond(s.member_comment != "", s.member_comment, "—"), size="2",
                                      style={"whiteSpace": "pre-wrap"}),
                              rx.cond(s.commented != "", rx.text(tr("ui.performance.commented_on"), " ",
                                                                 s.commented, size="1", color_scheme="gray")),
                              spacing="1", width="100%")),
            spacing="3", width="100%")),
    )


def register(app: rx.App) -> None:
    app.add_page(list_page, route=ROUTE, on_load=PerformanceListState.on_load, title="CC Network")
    app.add_page(review_page, route=ROUTE + "/[review_id]", on_load=PerformanceReviewState.on_load,
                 title="CC Network")
