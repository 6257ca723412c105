"""/staff/surveys/events/[event_id]: the satisfaction results of one closed activity (T04:
responses vs attendees, average and spread per rating, the comments) and the participation
certificates (T05) it delivered, each downloadable and revocable with a reason.
/staff/surveys/counselors/[membership_id]: the satisfaction on the activities a member organised."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.calendar.common import local_text
from cc_network.pages.forms import as_id, id_or_zero
from cc_network.ui.components import confirm_dialog, empty, messages
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, NotFound, ServiceError
from integrations.i18n import LANGS
from tenants.calendar.queries import centre_zone
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.portal.certificates.services import (
    certificate_pdf,
    do_revoke_certificate,
    list_certificates,
)
from tenants.portal.surveys.services import counselor_results, event_results
from tenants.team.services import list_members

_EVENT_PATH = re.compile(r"^/staff/surveys/events/(\d{1,18})/?$")
_COUNSELOR_PATH = re.compile(r"^/staff/surveys/counselors/(\d{1,18})/?$")
_LANG = re.compile(r"(?:^|;\s*)cc_lang=([a-z]{2})")
MAX_REASON = 500


def _lang(cookie: str) -> str:
    m = _LANG.search(cookie or "")
    return m.group(1) if m and m.group(1) in LANGS else "fr"


def _avg(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


@dataclasses.dataclass
class Bar:
    rating: int = 0
    count: int = 0
    percent: int = 0


@dataclasses.dataclass
class QuestionLine:
    label: str = ""
    kind: str = ""
    answers: int = 0
    average: str = ""
    bars: list[Bar] = dataclasses.field(default_factory=list)
    texts: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class CertLine:
    id: int = 0
    name: str = ""
    code: str = ""
    issued: str = ""
    valid: bool = True
    reason: str = ""


class EventResultsState(AppState):
    found: bool = False
    shown_id: int = 0
    title: str = ""
    has_questionnaire: bool = False
    attended: int = 0
    responses: int = 0
    results: list[QuestionLine] = []
    show_certificates: bool = False
    can_revoke: bool = False
    certificates: list[CertLine] = []
    # the certificate whose revocation dialog is open (0: none) and the reason typed
    revoking_id: int = 0
    revoking_name: str = ""
    reason: str = ""

    def _event_from_path(self) -> int:
        m = _EVENT_PATH.match(str(self.router.url.path or ""))
        return id_or_zero(m.group(1) if m else None)

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        res = event_results(actor, tid, self._event_from_path(), lang=_lang(self.router.headers.cookie))
        self.found, self.shown_id, self.title = True, res.event_id, res.event_title
        self.has_questionnaire = res.questionnaire_id is not None
        self.attended, self.responses = res.attended, res.responses
        self.results = [
            QuestionLine(q.label, q.kind, q.answers, _avg(q.average),
                         [Bar(v, c, round(100 * c / q.answers) if q.answers else 0)
                          for v, c in sorted(q.distribution.items(), reverse=True)], list(q.texts))
            for q in res.questions]
        self.show_certificates = actor.can(Perm.STUDENT_VIEW)
        self.can_revoke = actor.can(Perm.STUDENT_MANAGE)
        if self.show_certificates:
            zone = centre_zone(actor, tid)
            self.certificates = [CertLine(c.id, c.student_name, c.code, local_text(c.issued_at, zone), c.valid,
                                          c.revoke_reason) for c in list_certificates(actor, tid, res.event_id)]
        else:
            self.certificates = []

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.found, self.results, self.certificates = False, [], []
        self.revoking_id, self.revoking_name, self.reason = 0, "", ""
        return self._refresh(actor)

    def _certificate_of_page(self, actor: Actor, certificate_id: object) -> int:
        """An id among the certificates of the page's event, looked up in the caller's centre."""
        cid = as_id(certificate_id)
        if cid not in {c.id for c in list_certificates(actor, actor.tenant_id or 0, self._event_from_path())}:
            raise NotFound("certificate not found", code="not_found")
        return cid

    @rx.event
    def download_certificate(self, certificate_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            cid = self._certificate_of_page(actor, certificate_id)
            data = certificate_pdf(actor, actor.tenant_id or 0, cid)
        except ServiceError as exc:
            self._fail(exc)
            return None
        code = next((c.code for c in self.certificates if c.id == cid), str(cid))
        return rx.download(data=data, filename=f"attestation-{code}.pdf", mime_type="application/pdf")

    @rx.event
    def open_revoke(self, certificate_id: int):
        """Open the revocation dialog of a certificate the page listed."""
        line = next((c for c in self.certificates if c.id == certificate_id and c.valid), None)
        if line is None or not self.can_revoke:
            return
        self.revoking_id, self.revoking_name, self.reason = line.id, line.name, ""

    @rx.event
    def close_revoke(self, _open: bool = False):
        self.revoking_id, self.revoking_name, self.reason = 0, "", ""

    @rx.event
    def type_reason(self, value: str):
        if isinstance(value, str):
            self.reason = value[:MAX_REASON + 1]

    @rx.event
    def revoke_certificate(self, certificate_id: int, reason: str):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            if not isinstance(reason, str) or len(reason) > MAX_REASON:
                raise Invalid("bad reason", code="revoke_reason_required")
            cid = self._certificate_of_page(actor, certificate_id)
            do_revoke_certificate(actor, actor.tenant_id or 0, cid, reason)
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.revoking_id, self.revoking_name, self.reason = 0, "", ""
        self._ok("ui.surveys.revoked_done")
        return None


@dataclasses.dataclass
class CounselorLine:
    event_id: int = 0
    title: str = ""
    when: str = ""
    responses: int = 0
    average: str = ""


class CounselorResultsState(AppState):
    found: bool = False
    name: str = ""
    events: list[CounselorLine] = []
    responses: int = 0
    average: str = ""

    def _member_from_path(self) -> int:
        m = _COUNSELOR_PATH.match(str(self.router.url.path or ""))
        return id_or_zero(m.group(1) if m else None)

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        res = counselor_results(actor, tid, self._member_from_path())
        zone = centre_zone(actor, tid)
        names = {m.membership_id: m.full_name or m.email
                 for m in list_members(actor, tid, per_page=500).items} if actor.can(Perm.TEAM_VIEW) else {}
        self.found, self.name = True, names.get(res.membership_id, "")
        self.responses, self.average = res.responses, _avg(res.average)
        self.events = [CounselorLine(x.event_id, x.event_title, local_text(x.starts_at, zone), x.responses,
                                     _avg(x.average)) for x in res.events]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.found, self.name, self.events, self.responses, self.average = False, "", [], 0, ""
        return self._refresh(actor)


# ---------------------------------------------------------------- components

def _bar(b: Bar) -> rx.Component:
    return rx.hstack(
        rx.text(b.rating.to_string(), " / 5", size="2", width="3.5em"),
        rx.progress(value=b.percent, max=100, width="12em",
                    aria_label=tr("ui.surveys.rating_share") + " " + b.rating.to_string()),
        rx.text(b.count.to_string(), " (", b.percent.to_string(), "%)", size="2"),
        align="center", spacing="3",
    )


def _question(q: QuestionLine) -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(q.label, size="3", as_="h3"),
        rx.text(tr("ui.surveys.answers"), ": ", q.answers.to_string(), size="2", color_scheme="gray"),
        rx.cond(q.kind == "rating",
                rx.vstack(
                    rx.text(tr("ui.surveys.average"), ": ", rx.text.strong(q.average), " / 5"),
                    rx.foreach(q.bars, _bar),
                    spacing="1",
                ),
                rx.cond(q.texts.length() > 0,
                        rx.el.ul(rx.foreach(q.texts, lambda x: rx.el.li(rx.text(x, white_space="pre-wrap")))),
                        empty("ui.surveys.no_comments"))),
        spacing="2", width="100%",
    ), width="100%")


def _cert_row(c: CertLine) -> rx.Component:
    s = EventResultsState
    return rx.table.row(
        rx.table.row_header_cell(c.name),
        rx.table.cell(rx.code(c.code)),
        rx.table.cell(c.issued),
        rx.table.cell(rx.cond(c.valid, rx.badge(tr("ui.surveys.valid"), color_scheme="green"),
                              rx.vstack(rx.badge(tr("ui.survey.revoked"), color_scheme="red"),
                                        rx.text(c.reason, size="1", color_scheme="gray"), spacing="1"))),
        rx.table.cell(rx.hstack(
            rx.button(tr("ui.survey.download"), size="1", variant="outline",
                      on_click=s.download_certificate(c.id),
                      aria_label=tr("ui.survey.download") + " — " + c.name),
            rx.cond(s.can_revoke & c.valid,
                    rx.button(tr("ui.surveys.revoke"), size="1", variant="soft", color_scheme="red",
                              on_click=s.open_revoke(c.id), aria_label=tr("ui.surveys.revoke") + " — " + c.name)),
            spacing="2",
        )),
    )


def _revoke_dialog() -> rx.Component:
    s = EventResultsState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.surveys.revoke_title")),
            rx.dialog.description(tr("ui.surveys.revoke_text"), " ", rx.text.strong(s.revoking_name), size="2"),
            rx.vstack(
                rx.el.label(rx.text(tr("ui.surveys.revoke_reason"), size="2", weight="medium", as_="span"),
                            html_for="revoke-reason"),
                rx.text_area(id="revoke-reason", value=s.reason, on_change=s.type_reason, rows="3",
                             max_length=MAX_REASON, required=True, width="100%"),
                rx.hstack(
                    rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                              on_click=s.close_revoke(False)),
                    confirm_dialog("ui.surveys.revoke", "ui.surveys.revoke_title", "ui.surveys.revoke_confirm",
                                   s.revoke_certificate(s.revoking_id, s.reason), subject=s.revoking_name),
                    justify="end", align="center", width="100%",
                ),
                spacing="3", width="100%",
            ),
        ),
        open=s.revoking_id > 0,
        on_open_change=s.close_revoke,
    )


def _certificates() -> rx.Component:
    s = EventResultsState
    return rx.cond(s.show_certificates, rx.vstack(
        rx.heading(tr("ui.surveys.certificates"), size="4", as_="h2"),
        rx.cond(s.certificates.length() > 0,
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(tr("ui.surveys.col_student")),
                        rx.table.column_header_cell(tr("ui.surveys.col_code")),
                        rx.table.column_header_cell(tr("ui.surveys.col_issued")),
                        rx.table.column_header_cell(tr("ui.surveys.col_status")),
                        rx.table.column_header_cell(tr("ui.surveys.col_actions")),
                    )),
                    rx.table.body(rx.foreach(s.certificates, _cert_row)),
                    width="100%",
                ),
                empty("ui.surveys.no_certificates")),
        spacing="2", width="100%",
    ))


def _event_results() -> rx.Component:
    s = EventResultsState
    return rx.vstack(
        rx.heading(s.title, size="5", as_="h2"),
        rx.link(tr("ui.surveys.event_sheet"), href="/staff/calendar/events/" + s.shown_id.to_string()),
        rx.cond(s.has_questionnaire, rx.vstack(
            rx.text(tr("ui.surveys.response_rate"), ": ",
                    rx.text.strong(s.responses.to_string(), " / ", s.attended.to_string())),
            rx.cond(s.responses > 0, rx.foreach(s.results, _question), empty("ui.surveys.no_answers")),
            spacing="3", width="100%",
        ), empty("ui.surveys.no_questionnaire")),
        _certificates(),
        spacing="4", width="100%",
    )


def event_results_page() -> rx.Component:
    return area_page(
        "staff", "ui.surveys.results_title",
        rx.link(tr("ui.surveys.back"), href="/staff/surveys"),
        messages(),
        rx.cond(EventResultsState.found, _event_results()),
        _revoke_dialog(),
    )


def _counselor_row(x: CounselorLine) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(x.title, href="/staff/surveys/events/" + x.event_id.to_string())),
        rx.table.cell(x.when),
        rx.table.cell(x.responses.to_string()),
        rx.table.cell(x.average),
    )


def counselor_results_page() -> rx.Component:
    s = CounselorResultsState
    return area_page(
        "staff", "ui.surveys.counselor_title",
        rx.link(tr("ui.surveys.back"), href="/staff/surveys"),
        messages(),
        rx.cond(s.found, rx.vstack(
            rx.cond(s.name != "", rx.heading(s.name, size="5", as_="h2")),
            rx.text(tr("ui.surveys.overall"), ": ", rx.text.strong(s.average), " / 5 — ",
                    tr("ui.surveys.answers"), ": ", s.responses.to_string()),
            rx.cond(s.events.length() > 0,
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell(tr("ui.surveys.col_event")),
                            rx.table.column_header_cell(tr("ui.surveys.col_date")),
                            rx.table.column_header_cell(tr("ui.surveys.answers")),
                            rx.table.column_header_cell(tr("ui.surveys.average")),
                        )),
                        rx.table.body(rx.foreach(s.events, _counselor_row)),
                        width="100%",
                    ),
                    empty("ui.surveys.no_counselor_events")),
            spacing="3", width="100%",
        )),
    )


def register(app: rx.App) -> None:
    app.add_page(event_results_page, route="/staff/surveys/events/[event_id]", on_load=EventResultsState.on_load,
                 title="CC Network")
    app.add_page(counselor_results_page, route="/staff/surveys/counselors/[membership_id]",
                 on_load=CounselorResultsState.on_load, title="CC Network")
