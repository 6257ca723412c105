"""/staff/students/[membership_id]: one student's record (BD02) as staff see it: the profile,
consent to share it with companies and its dated history, the CV, the individual sessions
(with the counselors' notes) and the visits.

The student is the one of the page's path, looked up in the caller's own centre: another
centre's id, or a member who is not a student, reads "not found". The CV is sent to this
browser only, as a data: URL; it never goes to a public URL or Reflex's upload folder."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.calendar.common import local_text
from cc_network.pages.forms import id_or_zero
from cc_network.pages.portal.common import section, status_badge, zone_of
from cc_network.pages.staff_portal.students import fail, level_text, students_nav
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import NotFound, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.portal.profiles.services import consent_history, get_student_profile, open_cv
from tenants.portal.sessions.services import list_student_sessions
from tenants.portal.visits.services import list_visits

_PATH = re.compile(r"^/staff/students/(\d{1,18})/?$")
VISITS_SHOWN = 200


@dataclasses.dataclass
class Line:
    label: str = ""  # a translation key
    value: str = ""
    translate: bool = False  # the value is a translation key too


@dataclasses.dataclass
class ExperienceRow:
    title: str = ""
    organisation: str = ""
    period: str = ""
    description: str = ""


@dataclasses.dataclass
class ConsentRow:
    granted: bool = False
    at: str = ""
    version: str = ""


@dataclasses.dataclass
class SessionRow:
    id: int = 0
    when: str = ""
    counselor: str = ""
    status: str = ""
    need: str = ""
    notes: str = ""
    next_action: str = ""
    cancel_reason: str = ""


@dataclasses.dataclass
class VisitRow:
    id: int = 0
    when: str = ""
    channel: str = ""
    needs: list[str] = dataclasses.field(default_factory=list)
    orientation: str = ""


class StudentRecordState(AppState):
    found: bool = False
    shown_id: int = 0
    student_name: str = ""
    student_email: str = ""
    lines: list[Line] = []
    level: str = ""
    languages: list[str] = []
    skills: list[str] = []
    experiences: list[ExperienceRow] = []
    consent_granted: bool = False
    consent_at: str = ""
    consents: list[ConsentRow] = []
    cv_filename: str = ""
    cv_size_kb: str = ""
    cv_uploaded_at: str = ""
    deletion_pending: bool = False
    sessions: list[SessionRow] = []
    visits: list[VisitRow] = []
    can_see_visits: bool = False

    def _student_from_path(self) -> int:
        m = _PATH.match(str(self.router.url.path or ""))
        return id_or_zero(m.group(1) if m else None)

    def _clear(self) -> None:
        self.found, self.shown_id, self.student_name, self.student_email = False, 0, "", ""
        self.lines, self.level, self.languages, self.skills, self.experiences = [], "", [], [], []
        self.consent_granted, self.consent_at, self.consents = False, "", []
        self.cv_filename = self.cv_size_kb = self.cv_uploaded_at = ""
        self.deletion_pending, self.sessions, self.visits, self.can_see_visits = False, [], [], False

    def _load(self, actor: Actor) -> None:
        tid, mid = actor.tenant_id or 0, self._student_from_path()
        if not mid:
            raise NotFound("student not found", code="not_found")
        zone = zone_of(self.tenant_slug)
        p = get_student_profile(actor, tid, mid)
        history = consent_history(actor, tid, mid)
        sessions = list_student_sessions(actor, tid, mid)
        can_see_visits = actor.can(Perm.VISIT_LOG)
        visits = list_visits(actor, tid, student_membership_id=mid, limit=VISITS_SHOWN) if can_see_visits else []
        est = ""
        if p.establishment:
            est = p.establishment.name + (f" ({p.establishment.city})" if p.establishment.city else "")
        graduation = ""
        if p.graduation_year:
            graduation = (f"{p.graduation_month:02d}/" if p.graduation_month else "") + str(p.graduation_year)
        self.found, self.shown_id = True, p.membership_id
        self.student_name, self.student_email = p.full_name, p.email
        kind = ""
        if p.establishment:
            kind = "ui.students.host" if p.establishment.is_host else "ui.students.affiliated"
        self.lines = [Line(k, v, k == "ui.students.establishment_kind") for k, v in [
            ("ui.field.email", p.email), ("ui.portal.phone", p.phone), ("ui.portal.establishment", est),
            ("ui.students.establishment_kind", kind),
            ("ui.portal.field", p.field.name if p.field else ""), ("ui.portal.track", p.track),
            ("ui.students.graduation", graduation),
        ] if v]
        self.level = p.level or ""
        self.languages = [f"{x.get('language', '')} — {x.get('level', '')}" for x in p.languages]
        self.skills = list(p.skills)
        self.experiences = [ExperienceRow(x.get("title", ""), x.get("organisation", ""),
                                          f"{x.get('start') or ''} → {x.get('end') or '…'}", x.get("description", ""))
                            for x in p.experiences]
        self.consent_granted, self.consent_at = p.consent.granted, local_text(p.consent.at, zone)
        self.consents = [ConsentRow(c.granted, local_text(c.at, zone), c.text_version) for c in reversed(history)]
        self.cv_filename = p.cv_filename
        self.cv_size_kb = str(max(1, (p.cv_size or 0) // 1024)) if p.has_cv else ""
        self.cv_uploaded_at = local_text(p.cv_uploaded_at, zone)
        self.deletion_pending = p.deletion_pending
        self.sessions = [SessionRow(b.id, f"{local_text(b.starts_at, zone)} — {local_text(b.ends_at, zone, '%H:%M')}",
                                    b.counselor_name, b.status, b.need, b.notes, b.next_action, b.cancel_reason)
                         for b in sessions]
        self.can_see_visits = can_see_visits
        self.visits = [VisitRow(v.id, local_text(v.at, zone), v.channel, list(v.needs), v.orientation) for v in visits]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self._clear()
        try:
            self._load(actor)
        except ServiceError as exc:
            self._clear()
            fail(self, exc)
        return None

    @rx.event
    def download_cv(self):
        """The CV of the student of the page's path, read through the service's checks."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            mid = self._student_from_path()
            if not mid:
                raise NotFound("student not found", code="not_found")
            filename, data = open_cv(actor, actor.tenant_id or 0, mid)
        except ServiceError as exc:
            if exc.code == "no_cv":
                self._fail(exc)
            else:
                fail(self, exc)
            return None
        self.error = ""
        return rx.download(data=data, filename=filename, mime_type="application/pdf")


def _lines() -> rx.Component:
    s = StudentRecordState
    return rx.el.dl(
        rx.foreach(s.lines, lambda ln: rx.flex(
            rx.el.dt(rx.text(tr_line(ln.label), weight="medium", size="2")),
            rx.el.dd(rx.text(rx.cond(ln.translate, I18nState.tx[ln.value], ln.value), size="2"),
                     style={"margin": 0}),
            spacing="2", wrap="wrap")),
        rx.cond(s.level != "", rx.flex(rx.el.dt(rx.text(tr("ui.portal.level"), weight="medium", size="2")),
                                       rx.el.dd(rx.text(level_text(s.level), size="2"), style={"margin": 0}),
                                       spacing="2")),
        style={"margin": 0, "display": "grid", "gap": "0.3em"},
    )


def tr_line(key: rx.Var) -> rx.Var:
    return I18nState.tx[key]


def _profile() -> rx.Component:
    s = StudentRecordState
    return rx.vstack(
        _lines(),
        rx.heading(tr("ui.portal.languages"), size="3", as_="h3"),
        rx.cond(s.languages.length() > 0,
                rx.el.ul(rx.foreach(s.languages, lambda x: rx.el.li(rx.text(x, size="2")))),
                empty("ui.students.nothing")),
        rx.heading(tr("ui.portal.skills"), size="3", as_="h3"),
        rx.cond(s.skills.length() > 0,
                rx.flex(rx.foreach(s.skills, lambda x: rx.badge(x, variant="soft")), spacing="1", wrap="wrap"),
                empty("ui.students.nothing")),
        rx.heading(tr("ui.portal.experiences"), size="3", as_="h3"),
        rx.cond(s.experiences.length() > 0,
                rx.el.ul(rx.foreach(s.experiences, lambda x: rx.el.li(
                    rx.text(x.title, weight="medium", size="2"),
                    rx.cond(x.organisation != "", rx.text(" — ", x.organisation, as_="span", size="2")),
                    rx.text(" (", x.period, ")", as_="span", size="2", color_scheme="gray"),
                    rx.cond(x.description != "", rx.text(x.description, size="1", white_space="pre-wrap"))))),
                empty("ui.students.nothing")),
        spacing="2", width="100%",
    )


def _consent() -> rx.Component:
    s = StudentRecordState
    return rx.vstack(
        rx.cond(s.consent_granted,
                rx.text(tr("ui.students.consent_on"), " ", s.consent_at, weight="medium", size="2"),
                rx.text(rx.cond(s.consent_at != "", tr("ui.students.consent_off_since"),
                                tr("ui.students.consent_never")), " ", s.consent_at, weight="medium", size="2")),
        rx.cond(s.consents.length() > 0,
                rx.el.ul(rx.foreach(s.consents, lambda c: rx.el.li(rx.text(
                    c.at, " — ", rx.cond(c.granted, tr("ui.students.consent_granted_entry"),
                                         tr("ui.students.consent_revoked_entry")),
                    " (", tr("ui.students.consent_version"), " ", c.version, ")", size="2"))),
                         aria_label=tr("ui.students.consent_history")),
                empty("ui.students.no_consent_history")),
        spacing="2", width="100%",
    )


def _cv() -> rx.Component:
    s = StudentRecordState
    return rx.cond(
        s.cv_filename != "",
        rx.hstack(rx.text(s.cv_filename, " (", s.cv_size_kb, " Ko, ", s.cv_uploaded_at, ")", size="2"),
                  rx.button(tr("ui.students.cv_download"), on_click=s.download_cv, size="1", variant="soft",
                            aria_label=tr("ui.students.cv_download") + " — " + s.cv_filename),
                  align="center", wrap="wrap"),
        empty("ui.portal.cv_none"),
    )


def _session(b: SessionRow) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text(b.when, weight="medium", size="2"), status_badge(b.status),
                  rx.text(b.counselor, size="2", color_scheme="gray"), wrap="wrap", align="center"),
        rx.cond(b.need != "", rx.text(tr("ui.portal.need"), ": ", b.need, size="2", white_space="pre-wrap")),
        rx.cond(b.notes != "", rx.text(tr("ui.students.notes"), ": ", b.notes, size="2", white_space="pre-wrap")),
        rx.cond(b.next_action != "", rx.text(tr("ui.students.next_action"), ": ", b.next_action, size="2")),
        rx.cond(b.cancel_reason != "", rx.text(tr("ui.students.cancel_reason"), ": ", b.cancel_reason, size="2",
                                               color_scheme="gray")),
        spacing="1", width="100%"), width="100%", role="listitem")


def _sessions() -> rx.Component:
    s = StudentRecordState
    return rx.vstack(
        rx.text(tr("ui.students.notes_staff_only"), size="1", color_scheme="gray"),
        rx.cond(s.sessions.length() > 0, rx.vstack(rx.foreach(s.sessions, _session), role="list", width="100%"),
                empty("ui.students.no_sessions")),
        spacing="2", width="100%",
    )


def _visits() -> rx.Component:
    s = StudentRecordState
    return rx.cond(
        s.visits.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(tr("ui.students.visit_date")),
                rx.table.column_header_cell(tr("ui.students.visit_channel")),
                rx.table.column_header_cell(tr("ui.students.visit_needs")),
                rx.table.column_header_cell(tr("ui.students.visit_orientation")),
            )),
            rx.table.body(rx.foreach(s.visits, lambda v: rx.table.row(
                rx.table.cell(v.when),
                rx.table.cell(I18nState.tx["ui.students.channel." + v.channel]),
                rx.table.cell(rx.flex(rx.foreach(v.needs, lambda n: rx.badge(I18nState.tx["ui.students.need." + n],
                                                                             variant="soft")),
                                      spacing="1", wrap="wrap")),
                rx.table.cell(rx.text(v.orientation, white_space="pre-wrap", size="2")),
            ))),
            width="100%", variant="surface",
        ),
        empty("ui.students.no_visits"),
    )


def record_page() -> rx.Component:
    s = StudentRecordState
    return area_page(
        "staff", "ui.students.record_title", students_nav(), messages(),
        rx.cond(
            s.found,
            rx.vstack(
                rx.hstack(rx.heading(s.student_name, size="5", as_="h2"),
                          rx.cond(s.deletion_pending, rx.badge(tr("ui.students.deletion_badge"), color_scheme="amber")),
                          align="center", wrap="wrap"),
                section("ui.students.profile_section", _profile()),
                section("ui.portal.consent_section", _consent()),
                section("ui.portal.cv_section", _cv()),
                section("ui.students.sessions_section", _sessions()),
                rx.cond(s.can_see_visits, section("ui.students.visits_section", _visits())),
                spacing="4", width="100%",
            ),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(record_page, route="/staff/students/[membership_id]", on_load=StudentRecordState.on_load,
                 title="CC Network")
