"""/portal/[slug]/surveys/[event_id] (the link of the invitation e-mail): the satisfaction
questionnaire of an activity the student attended, answered once, then the certificate."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.calendar.common import local_text
from cc_network.pages.forms import form_str, id_or_zero
from cc_network.pages.portal.common import section, zone_of
from cc_network.ui.components import messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import NotFound, ServiceError
from integrations.i18n import LANGS
from tenants.core.actor import Actor
from tenants.portal.certificates.services import certificate_pdf, get_certificate, my_certificates
from tenants.portal.surveys.services import MAX_TEXT, do_submit_answers, get_my_questionnaire

_PATH = re.compile(r"^/portal/([a-z0-9-]{1,80})/surveys/(\d{1,18})/?$")
RATINGS = (1, 2, 3, 4, 5)


@dataclasses.dataclass
class QuestionRow:
    key: str = ""
    kind: str = ""
    label: str = ""
    required: bool = True


def certificate_download(actor: Actor, certificate_id: int):
    """The student's own certificate as a file (the service refuses anyone else's)."""
    tid = actor.tenant_id or 0
    view = get_certificate(actor, tid, certificate_id)
    return rx.download(data=certificate_pdf(actor, tid, certificate_id), filename=f"attestation-{view.code}.pdf",
                       mime_type="application/pdf")


class SurveyState(AppState):
    found: bool = False
    title: str = ""
    when: str = ""
    questions: list[QuestionRow] = []
    answered: bool = False
    has_certificate: bool = False
    just_answered: bool = False  # answered on this visit: the notice already thanks
    _event_id: int = 0
    _certificate_id: int = 0

    def _path(self) -> tuple[str, int]:
        m = _PATH.match(str(self.router.url.path or ""))
        return (m.group(1), id_or_zero(m.group(2))) if m else ("", 0)

    def _load(self, actor: Actor, lang: str) -> None:
        slug, eid = self._path()
        if not eid or slug != self.tenant_slug:
            # a link of another centre than the one signed in: not this centre's activity
            raise NotFound("event not found", code="event_not_found")
        tid = actor.tenant_id or 0
        q = get_my_questionnaire(actor, tid, eid, lang=lang)
        self._event_id, self.found, self.title = q.event_id, True, q.event_title
        self.when = local_text(q.event_starts_at, zone_of(self.tenant_slug))
        self.questions = [QuestionRow(x.key, x.kind, x.label, x.required) for x in q.questions]
        self.answered = q.submitted_at is not None
        cert = next((c for c in my_certificates(actor, tid) if c.event_id == eid), None)
        self._certificate_id, self.has_certificate = (cert.id, True) if cert else (0, False)

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("portal")
        if actor is None:
            return redirect
        self.found, self.questions, self.answered, self.has_certificate = False, [], False, False
        self.just_answered = False
        self._event_id = self._certificate_id = 0
        lang = self.router.headers.cookie and _lang_of(self.router.headers.cookie)
        try:
            self._load(actor, lang or "fr")
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def submit(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        if not self._event_id or self.answered:
            return None
        try:
            # only the questions this page showed are read from the payload
            answers = {}
            for q in self.questions:
                value = form_str(form, "q_" + q.key, max_len=MAX_TEXT + 10)
                if value.strip():
                    answers[q.key] = value
            sub = do_submit_answers(actor, actor.tenant_id or 0, self._event_id, answers)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.answered = self.just_answered = True
        if sub.certificate is not None:
            self._certificate_id, self.has_certificate = sub.certificate.id, True
        self._ok("ui.survey.thanks")
        return None

    @rx.event
    def download_certificate(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        if not self._certificate_id:
            return None
        try:
            return certificate_download(actor, self._certificate_id)
        except ServiceError as exc:
            self._fail(exc)
            return None


def _lang_of(cookie: str) -> str:
    m = re.search(r"(?:^|;\s*)cc_lang=([a-z]{2})", cookie)
    return m.group(1) if m and m.group(1) in LANGS else "fr"


def _rating(q: QuestionRow) -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(q.label, rx.cond(q.required, " *", "")),
        rx.flex(*[rx.el.label(
            rx.el.input(type="radio", name="q_" + q.key, value=str(n), id="q-" + q.key + f"-{n}",
                        required=q.required),
            rx.text(I18nState.tx[f"ui.survey.rating_{n}"], as_="span", size="2"),
            html_for="q-" + q.key + f"-{n}",
            style={"display": "inline-flex", "gap": "0.3em", "alignItems": "center"},
        ) for n in RATINGS], spacing="4", wrap="wrap"),
        style={"border": "none", "padding": "0", "margin": "0"},
    )


def _text(q: QuestionRow) -> rx.Component:
    return rx.flex(
        rx.el.label(q.label, rx.cond(q.required, " *", ""), html_for="q-" + q.key),
        rx.text_area(name="q_" + q.key, id="q-" + q.key, rows="4", width="100%", required=q.required,
                     max_length=MAX_TEXT),
        direction="column", spacing="1", width="100%",
    )


def _download_button(handler) -> rx.Component:
    return rx.button(tr("ui.survey.download_certificate"), on_click=handler)


def _questionnaire() -> rx.Component:
    s = SurveyState
    return section(
        "ui.survey.title",
        rx.heading(s.title, size="3", as_="h3"),
        rx.text(s.when, size="2", color_scheme="gray"),
        rx.cond(
            s.answered,
            rx.vstack(
                rx.cond(~s.just_answered, rx.text(tr("ui.survey.already_answered"))),
                rx.cond(s.has_certificate, _download_button(s.download_certificate)),
                spacing="3",
            ),
            rx.form(
                rx.vstack(
                    rx.text(tr("ui.survey.intro"), size="2"),
                    rx.foreach(s.questions, lambda q: rx.cond(q.kind == "rating", _rating(q), _text(q))),
                    rx.button(tr("ui.survey.submit"), type="submit"),
                    spacing="4", width="100%",
                ),
                on_submit=s.submit, reset_on_submit=False, width="100%",
            ),
        ),
    )


def survey_page() -> rx.Component:
    return area_page(
        "portal", "ui.survey.title", messages(),
        rx.cond(SurveyState.found, _questionnaire()),
        rx.link(tr("ui.survey.back_home"), href="/portal"),
    )


def register(app: rx.App) -> None:
    app.add_page(survey_page, route="/portal/[slug]/surveys/[event_id]", on_load=SurveyState.on_load,
                 title="CC Network")

