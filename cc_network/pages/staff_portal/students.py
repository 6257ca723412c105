"""/staff/students: the centre's students (BD02), searched and filtered by field of study,
establishment, level and consent, a page at a time; each row opens the student's record.
Links to the study lists (BD05) and to the pending deletion requests."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import Option, input_field, select_field
from cc_network.pages.forms import as_id, form_str
from cc_network.ui.components import checkbox, empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, NotFound, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.portal.profiles.models import Level
from tenants.portal.profiles.services import (
    ProfileView,
    list_deletion_requests,
    list_establishments,
    list_student_profiles,
    list_study_fields,
)

PER_PAGE = 25
LEVELS = [lv.value for lv in Level]


def fail(state: AppState, exc: ServiceError) -> None:
    """Show a refused action. Whatever was not found in the caller's own centre reads the
    same ("not found"), so an id of another centre tells nothing apart."""
    state._fail(NotFound(code="not_found") if isinstance(exc, NotFound) else exc)


def opt_id(value: str) -> int | None:
    """An optional id from a select ('' is none)."""
    return as_id(value) if value else None


def students_nav() -> rx.Component:
    """The small links between the students' pages."""
    return rx.flex(
        rx.link(tr("ui.students.directory"), href="/staff/students", size="2"),
        rx.link(tr("ui.students.deletion_requests"), href="/staff/students/deletion-requests", size="2"),
        rx.link(tr("ui.students.lists"), href="/staff/students/lists", size="2"),
        spacing="4", wrap="wrap", role="navigation", aria_label=tr("ui.students.pages"),
    )


def level_options() -> list[tuple[str, rx.Var]]:
    return [(lv, tr(f"ui.students.level.{lv}")) for lv in LEVELS]


def level_text(level: rx.Var) -> rx.Component:
    return rx.cond(level != "", I18nState.tx["ui.students.level." + level], "")


@dataclasses.dataclass
class StudentRow:
    id: int = 0
    name: str = ""
    email: str = ""
    establishment: str = ""
    field: str = ""
    level: str = ""
    consent: bool = False
    has_cv: bool = False
    deletion_pending: bool = False


def _row(p: ProfileView) -> StudentRow:
    field = p.field.name if p.field else ""
    if field and p.track:
        field = f"{field} — {p.track}"
    return StudentRow(p.membership_id, p.full_name, p.email, p.establishment.name if p.establishment else "",
                      field, p.level or "", p.consent.granted, p.has_cv, p.deletion_pending)


class StudentsState(AppState):
    rows: list[StudentRow] = []
    page: int = 1
    has_next: bool = False
    query: str = ""
    field_filter: str = ""
    establishment_filter: str = ""
    level_filter: str = ""
    consenting_only: bool = False
    field_options: list[Option] = []
    establishment_options: list[Option] = []
    can_manage: bool = False
    pending_requests: int = 0
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        found = list_student_profiles(
            actor, tid, query=self.query, consenting_only=self.consenting_only,
            field_id=opt_id(self.field_filter), establishment_id=opt_id(self.establishment_filter),
            level=self.level_filter or None, limit=PER_PAGE + 1, offset=(self.page - 1) * PER_PAGE)
        self.rows = [_row(p) for p in found[:PER_PAGE]]
        self.has_next = len(found) > PER_PAGE

    def _load_options(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        self.field_options = [Option(str(f.id), f.name) for f in list_study_fields(actor, tid, include_inactive=True)]
        self.establishment_options = [Option(str(e.id), e.name)
                                      for e in list_establishments(actor, tid, include_inactive=True)]
        self.can_manage = actor.can(Perm.STUDENT_MANAGE)
        self.pending_requests = len(list_deletion_requests(actor, tid)) if self.can_manage else 0

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.page, self.has_next = [], 1, False
        self.query = self.field_filter = self.establishment_filter = self.level_filter = ""
        self.consenting_only, self.can_manage, self.pending_requests = False, False, 0
        self.field_options, self.establishment_options = [], []
        try:
            self._load(actor)
            self._load_options(actor)
        except ServiceError as exc:
            fail(self, exc)
        self.form_key += 1
        return None

    @rx.event
    def apply_filters(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            query = form_str(form, "query", max_len=100).strip()
            field = form_str(form, "field", max_len=20)
            establishment = form_str(form, "establishment", max_len=20)
            level = form_str(form, "level", max_len=20)
            for value in (field, establishment):
                opt_id(value)
            if level and level not in LEVELS:
                raise Invalid("unknown level", code="invalid_filter")
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.query, self.field_filter, self.establishment_filter, self.level_filter = query, field, establishment, level
        self.consenting_only = form.get("consenting") not in (None, "", False)
        self.page = 1
        self.error = self.notice = ""
        try:
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
        return None

    @rx.event
    def clear_filters(self):
        self.query = self.field_filter = self.establishment_filter = self.level_filter = ""
        self.consenting_only, self.page = False, 1
        self.error = self.notice = ""
        self.form_key += 1
        return self._refresh()

    @rx.event
    def next_page(self):
        if self.has_next:
            self.page = min(self.page + 1, 100_000)
        return self._refresh()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        return self._refresh()


def _filters() -> rx.Component:
    s = StudentsState
    return rx.form(
        rx.flex(
            input_field(tr("ui.students.search"), "query", default=s.query, type="search"),
            select_field(tr("ui.portal.field"), "field", dynamic=s.field_options, default=s.field_filter,
                         blank=tr("ui.students.all")),
            select_field(tr("ui.portal.establishment"), "establishment", dynamic=s.establishment_options,
                         default=s.establishment_filter, blank=tr("ui.students.all")),
            select_field(tr("ui.portal.level"), "level", level_options(), default=s.level_filter,
                         blank=tr("ui.students.all")),
            spacing="3", width="100%", direction={"initial": "column", "md": "row"},
        ),
        rx.flex(
            checkbox(tr("ui.students.consenting_only"), "consenting", checked=s.consenting_only),
            rx.button(tr("ui.students.filter"), type="submit"),
            rx.button(tr("ui.students.clear"), type="button", variant="soft", color_scheme="gray",
                      on_click=s.clear_filters),
            spacing="3", align="center", wrap="wrap", margin_top="0.8em",
        ),
        on_submit=s.apply_filters, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-filters",
    )


def _student_row(r: StudentRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(r.name, href="/staff/students/" + r.id.to_string()),
                                 rx.text(r.email, size="1", color_scheme="gray")),
        rx.table.cell(r.establishment),
        rx.table.cell(r.field),
        rx.table.cell(level_text(r.level)),
        rx.table.cell(rx.flex(
            rx.cond(r.consent, rx.badge(tr("ui.students.consent_yes"), color_scheme="green", variant="soft"),
                    rx.badge(tr("ui.students.consent_no"), color_scheme="gray", variant="soft")),
            rx.cond(r.has_cv, rx.badge(tr("ui.students.cv_badge"), variant="soft")),
            rx.cond(r.deletion_pending, rx.badge(tr("ui.students.deletion_badge"), color_scheme="amber",
                                                 variant="soft")),
            spacing="1", wrap="wrap")),
    )


def _table() -> rx.Component:
    s = StudentsState
    return rx.cond(
        s.rows.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(tr("ui.students.name")),
                rx.table.column_header_cell(tr("ui.portal.establishment")),
                rx.table.column_header_cell(tr("ui.portal.field")),
                rx.table.column_header_cell(tr("ui.portal.level")),
                rx.table.column_header_cell(tr("ui.students.status")),
            )),
            rx.table.body(rx.foreach(s.rows, _student_row)),
            width="100%", variant="surface",
        ),
        empty("ui.students.none"),
    )


def _pager() -> rx.Component:
    s = StudentsState
    return rx.hstack(
        rx.button(tr("ui.pager.previous"), on_click=s.prev_page, disabled=s.page <= 1, variant="soft"),
        rx.text(tr("ui.pager.page"), " ", s.page.to_string(), size="2"),
        rx.button(tr("ui.pager.next"), on_click=s.next_page, disabled=~s.has_next, variant="soft"),
        align="center", spacing="3",
    )


def _links() -> rx.Component:
    s = StudentsState
    return rx.flex(
        rx.cond(s.can_manage,
                rx.link(tr("ui.students.deletion_requests"), " (", s.pending_requests.to_string(), ")",
                        href="/staff/students/deletion-requests", size="2")),
        rx.link(tr("ui.students.lists"), href="/staff/students/lists", size="2"),
        spacing="4", wrap="wrap",
    )


def students_page() -> rx.Component:
    return area_page(
        "staff", "ui.students.title", _links(), messages(),
        rx.card(_filters(), width="100%"),
        _table(), _pager(),
    )


def register(app: rx.App) -> None:
    app.add_page(students_page, route="/staff/students", on_load=StudentsState.on_load, title="CC Network")
