"""/staff/surveys: the satisfaction questionnaires (T04) of the centre.

Per type of activity open to registration, the questions asked once it is closed (ratings
1-5 and free text, in order, required or not, labelled in French, English and Arabic): the
centre's settings managers edit them, the rest of the staff read them. Below, the closed
activities whose questionnaire opened (to their results page) and the results per counselor.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import Option, local_text, team_options
from cc_network.pages.forms import as_id, form_str
from cc_network.ui.components import empty, messages, pager
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, NotFound, ServiceError
from tenants.calendar.queries import centre_zone
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.portal.registrations.services import REGISTRATION_TYPES
from tenants.portal.surveys.services import (
    MAX_LABEL,
    MAX_QUESTIONS,
    can_define_questionnaires,
    do_set_template,
    get_template,
    list_questionnaires,
)

PER_PAGE = 20
KINDS = ("rating", "text")
LABEL_FIELDS = ("fr", "en", "ar")


@dataclasses.dataclass
class QRow:
    """One question of the draft being edited; `uid` tells rows apart while they move."""

    uid: int = 0
    kind: str = "rating"
    fr: str = ""
    en: str = ""
    ar: str = ""
    required: bool = True


@dataclasses.dataclass
class ClosedLine:
    event_id: int = 0
    title: str = ""
    type: str = ""
    when: str = ""
    attended: int = 0
    responses: int = 0


class SurveysState(AppState):
    event_type: str = "workshop"
    questions: list[QRow] = []
    stored: bool = False  # False: the default questions (or none), not saved for this centre yet
    can_edit: bool = False
    dirty: bool = False  # the draft differs from what is saved
    closed: list[ClosedLine] = []
    page: int = 1
    pages: int = 1
    counselors: list[Option] = []
    _next_uid: int = 0

    # ------------------------------------------------------------ loading

    def _load_template(self, actor: Actor) -> None:
        view = get_template(actor, actor.tenant_id or 0, self.event_type)
        rows = []
        for q in (view.questions if view is not None else []):
            self._next_uid += 1
            rows.append(QRow(self._next_uid, q.kind, q.labels.get("fr", q.label), q.labels.get("en", ""),
                             q.labels.get("ar", ""), q.required))
        self.questions, self.stored, self.dirty = rows, bool(view and view.stored), False

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        self.can_edit = can_define_questionnaires(actor)
        self._load_template(actor)
        result = list_questionnaires(actor, tid, page=self.page, per_page=PER_PAGE)
        zone = centre_zone(actor, tid)
        self.page, self.pages = result.page, result.pages
        self.closed = [ClosedLine(x.event_id, x.event_title, x.event_type, local_text(x.starts_at, zone),
                                  x.attended, x.responses) for x in result.items]
        self.counselors = team_options(actor, tid)[0] if actor.can(Perm.TEAM_VIEW) else []

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.event_type, self.page, self.questions, self.closed, self.counselors = "workshop", 1, [], [], []
        self.can_edit = self.stored = self.dirty = False
        return self._refresh(actor)

    @rx.event
    def choose_type(self, event_type: str):
        """Show the questions of another type (unsaved changes of the draft are dropped)."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        if not isinstance(event_type, str) or event_type not in REGISTRATION_TYPES:
            return None
        self.event_type, self.error, self.notice = event_type, "", ""
        try:
            self._load_template(actor)
        except ServiceError as exc:
            self.questions = []
            self._fail(exc)
        return None

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        return self._refresh()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        return self._refresh()

    @rx.event
    def open_counselor(self, form: dict):
        """To the results of a counselor the page listed (the caller's own centre)."""
        try:
            mid = as_id(form_str(form, "counselor", max_len=20))
            if str(mid) not in {o.value for o in self.counselors}:
                raise NotFound("member not found", code="member_not_found")
        except ServiceError as exc:
            self._fail(exc)
            return None
        return rx.redirect(f"/staff/surveys/counselors/{mid}")

    # ------------------------------------------------------------ the draft (server-side, then saved)

    def _index(self, uid: object) -> int:
        try:
            wanted = as_id(uid)
        except Invalid:
            return -1
        return next((i for i, q in enumerate(self.questions) if q.uid == wanted), -1)

    @rx.event
    def add_question(self, kind: str):
        if not self.can_edit or kind not in KINDS or len(self.questions) >= MAX_QUESTIONS:
            return None
        self._next_uid += 1
        self.questions = [*self.questions, QRow(self._next_uid, kind, "", "", "", kind == "rating")]
        self.dirty, self.notice = True, ""
        return None

    @rx.event
    def remove_question(self, uid: int):
        i = self._index(uid)
        if not self.can_edit or i < 0:
            return None
        self.questions = self.questions[:i] + self.questions[i + 1:]
        self.dirty, self.notice = True, ""
        return None

    @rx.event
    def move_question(self, uid: int, delta: int):
        i = self._index(uid)
        if not self.can_edit or i < 0 or delta not in (-1, 1) or not 0 <= i + delta < len(self.questions):
            return None
        rows = list(self.questions)
        rows[i], rows[i + delta] = rows[i + delta], rows[i]
        self.questions, self.dirty, self.notice = rows, True, ""
        return None

    @rx.event
    def edit_question(self, uid: int, name: str, value: str | bool):
        """One field of one question of the draft, as typed (checked by the service on save)."""
        i = self._index(uid)
        if not self.can_edit or i < 0:
            return None
        row = self.questions[i]
        if name in LABEL_FIELDS and isinstance(value, str):
            value = value[:MAX_LABEL + 1]
        elif name == "kind" and value in KINDS:
            pass
        elif name == "required" and isinstance(value, bool):
            pass
        else:
            return None
        rows = list(self.questions)
        rows[i] = dataclasses.replace(row, **{name: value})
        self.questions, self.dirty, self.notice = rows, True, ""
        return None

    @rx.event
    def discard_changes(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.error = self.notice = ""
        try:
            self._load_template(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def save_template(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        body = {"questions": [{"kind": q.kind, "label": q.fr, "label_en": q.en, "label_ar": q.ar,
                               "required": q.required} for q in self.questions]}
        try:
            do_set_template(actor, actor.tenant_id or 0, self.event_type, body)
            self._load_template(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.surveys.saved")
        return None


# ---------------------------------------------------------------- components

def _type_select() -> rx.Component:
    return rx.flex(
        rx.el.label(rx.text(tr("ui.surveys.event_type"), size="2", weight="medium", as_="span"),
                    html_for="surveys-type"),
        rx.el.select(
            *[rx.el.option(I18nState.tx[f"ui.calendar.type.{t}"], value=t) for t in REGISTRATION_TYPES],
            id="surveys-type", value=SurveysState.event_type, on_change=SurveysState.choose_type,
            style={"padding": "0.35em 0.4em", "borderRadius": "6px", "maxWidth": "24em"},
        ),
        direction="column", spacing="1",
    )


def _label_input(q: QRow, lang: str, number: rx.Var) -> rx.Component:
    ident = "q-" + q.uid.to_string() + "-" + lang
    return rx.flex(
        rx.el.label(rx.text(tr(f"ui.surveys.label_{lang}"), " (", number, ")", size="1", as_="span"),
                    html_for=ident),
        rx.input(id=ident, value=getattr(q, lang), max_length=MAX_LABEL, dir="rtl" if lang == "ar" else "auto",
                 read_only=~SurveysState.can_edit, required=lang == "fr", width="100%",
                 on_change=lambda v: SurveysState.edit_question(q.uid, lang, v)),
        direction="column", spacing="1", width="100%",
    )


def _question(q: QRow, i: rx.Var) -> rx.Component:
    number = (i + 1).to_string()
    kind_id = "q-" + q.uid.to_string() + "-kind"
    return rx.card(rx.vstack(
        rx.flex(
            rx.text(tr("ui.surveys.question"), " ", number, weight="bold"),
            rx.el.label(rx.text(tr("ui.surveys.kind"), size="1", as_="span"), html_for=kind_id),
            rx.el.select(
                rx.el.option(tr("ui.surveys.kind.rating"), value="rating"),
                rx.el.option(tr("ui.surveys.kind.text"), value="text"),
                id=kind_id, value=q.kind, disabled=~SurveysState.can_edit,
                on_change=lambda v: SurveysState.edit_question(q.uid, "kind", v),
                style={"padding": "0.2em 0.4em", "borderRadius": "6px"},
            ),
            rx.el.label(
                rx.checkbox(checked=q.required, disabled=~SurveysState.can_edit,
                            on_change=lambda v: SurveysState.edit_question(q.uid, "required", v)),
                rx.text(tr("ui.surveys.required"), size="2", as_="span"),
                style={"display": "inline-flex", "gap": "0.4em", "alignItems": "center"},
            ),
            rx.spacer(),
            rx.cond(SurveysState.can_edit, rx.hstack(
                rx.icon_button(rx.icon("arrow-up"), size="1", variant="soft", disabled=i == 0,
                               on_click=SurveysState.move_question(q.uid, -1),
                               aria_label=tr("ui.surveys.move_up") + " " + number),
                rx.icon_button(rx.icon("arrow-down"), size="1", variant="soft",
                               disabled=i == SurveysState.questions.length() - 1,
                               on_click=SurveysState.move_question(q.uid, 1),
                               aria_label=tr("ui.surveys.move_down") + " " + number),
                rx.icon_button(rx.icon("trash-2"), size="1", variant="soft", color_scheme="red",
                               on_click=SurveysState.remove_question(q.uid),
                               aria_label=tr("ui.surveys.remove") + " " + number),
                spacing="2",
            )),
            spacing="3", align="center", wrap="wrap", width="100%",
        ),
        *[_label_input(q, lang, number) for lang in LABEL_FIELDS],
        spacing="2", width="100%",
    ), width="100%")


def _editor() -> rx.Component:
    s = SurveysState
    return rx.vstack(
        rx.heading(tr("ui.surveys.templates"), size="4", as_="h2"),
        _type_select(),
        rx.cond(~s.can_edit, rx.callout(tr("ui.surveys.read_only"), color_scheme="gray", width="100%")),
        rx.cond(s.questions.length() > 0,
                rx.cond(~s.stored, rx.text(tr("ui.surveys.default_note"), size="2", color_scheme="gray")),
                empty("ui.surveys.none_for_type")),
        rx.cond(s.can_edit, rx.text(tr("ui.surveys.labels_hint"), size="2", color_scheme="gray")),
        rx.foreach(s.questions, _question),
        rx.cond(s.can_edit, rx.flex(
            rx.button(tr("ui.surveys.add_rating"), variant="outline", on_click=s.add_question("rating")),
            rx.button(tr("ui.surveys.add_text"), variant="outline", on_click=s.add_question("text")),
            rx.spacer(),
            rx.cond(s.dirty, rx.button(tr("ui.surveys.discard"), variant="soft", color_scheme="gray",
                                       on_click=s.discard_changes)),
            rx.button(tr("ui.surveys.save"), on_click=s.save_template),
            spacing="3", wrap="wrap", width="100%",
        )),
        spacing="3", width="100%",
    )


def _closed_row(x: ClosedLine) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(x.title, href="/staff/surveys/events/" + x.event_id.to_string())),
        rx.table.cell(I18nState.tx["ui.calendar.type." + x.type]),
        rx.table.cell(x.when),
        rx.table.cell(x.responses.to_string() + " / " + x.attended.to_string()),
    )


def _closed() -> rx.Component:
    s = SurveysState
    return rx.vstack(
        rx.heading(tr("ui.surveys.closed_title"), size="4", as_="h2"),
        rx.cond(s.closed.length() > 0, rx.vstack(
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.surveys.col_event")),
                    rx.table.column_header_cell(tr("ui.surveys.event_type")),
                    rx.table.column_header_cell(tr("ui.surveys.col_date")),
                    rx.table.column_header_cell(tr("ui.surveys.response_rate")),
                )),
                rx.table.body(rx.foreach(s.closed, _closed_row)),
                width="100%",
            ),
            rx.cond(s.pages > 1, pager(s.page, s.pages, s.prev_page, s.next_page)),
            width="100%",
        ), empty("ui.surveys.no_closed")),
        spacing="3", width="100%",
    )


def _by_counselor() -> rx.Component:
    s = SurveysState
    return rx.cond(s.counselors.length() > 0, rx.vstack(
        rx.heading(tr("ui.surveys.by_counselor"), size="4", as_="h2"),
        rx.form(rx.flex(
            rx.flex(
                rx.el.label(rx.text(tr("ui.surveys.counselor"), size="2", weight="medium", as_="span"),
                            html_for="surveys-counselor"),
                rx.el.select(rx.foreach(s.counselors, lambda o: rx.el.option(o.label, value=o.value)),
                             name="counselor", id="surveys-counselor",
                             style={"padding": "0.35em 0.4em", "borderRadius": "6px"}),
                direction="column", spacing="1",
            ),
            rx.button(tr("ui.surveys.show"), type="submit"),
            spacing="3", align="end", wrap="wrap",
        ), on_submit=s.open_counselor, reset_on_submit=False),
        spacing="3", width="100%",
    ))


def surveys_page() -> rx.Component:
    return area_page("staff", "ui.surveys.title", messages(), _closed(), _by_counselor(), rx.divider(), _editor())


def register(app: rx.App) -> None:
    app.add_page(surveys_page, route="/staff/surveys", on_load=SurveysState.on_load, title="CC Network")
