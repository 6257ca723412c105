"""/staff/procedures/incidents (issue 6 §5, P31): the incident log fed in the monthly meetings.
Staff log an incident with the procedure concerned (or none: a procedure the centre lacks);
the manager records the semester meeting's decision (accept or dismiss, with a note); an
accepted incident leads to a draft new version of its procedure. Rules live in
workflows.procedures.revisions."""

from __future__ import annotations

import dataclasses
import math

import reflex as rx

from cc_network.pages.calendar.common import Option, select_field, text_area
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.portal.common import zone_of
from cc_network.pages.procedures import when_text
from cc_network.ui.components import empty, messages, pager
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.procedures import revisions as rev
from workflows.procedures import services as proc

ROUTE = "/staff/procedures/incidents"
PER_PAGE = 25


@dataclasses.dataclass
class IncidentRow:
    id: int = 0
    code: str = ""
    description: str = ""
    status: str = ""
    raised_by: str = ""
    raised: str = ""
    decision_note: str = ""
    decided: str = ""
    version_id: int = 0


class IncidentsState(AppState):
    allowed: bool = False
    can_manage: bool = False
    rows: list[IncidentRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    f_status: str = ""
    codes: list[Option] = []
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        self.allowed = False
        tid = actor.tenant_id or 0
        found, total = rev.list_incidents(actor, tid, status=self.f_status or None, page=self.page,
                                          per_page=PER_PAGE)
        self.allowed = True
        self.can_manage = actor.can(Perm.PROCEDURE_MANAGE)
        self.total, self.pages = total, max(1, math.ceil(total / PER_PAGE))
        zone = zone_of(self.tenant_slug)
        self.rows = [IncidentRow(i.id, i.code or "", i.description, i.status, i.raised_by_name,
                                 when_text(i.raised_at, zone), i.decision_note, when_text(i.decided_at, zone),
                                 i.version_id or 0) for i in found]
        self.codes = [Option(p.code, f"{p.code} — {p.title_fr or p.title_en}")
                      for p in proc.list_procedures(actor, tid)]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.total, self.page, self.pages, self.allowed, self.f_status = [], 0, 1, 1, False, ""
        return self._refresh(actor)

    @rx.event
    def log_incident(self, form: dict):
        """An incident of the caller's own centre."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            code = form_str(form, "code", max_len=3).strip() or None
            description = form_str(form, "description", max_len=4000)
            rev.do_log_incident(actor, actor.tenant_id or 0, code=code, description=description)
            self.page = 1
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.form_key += 1
        self._ok("ui.rev.incident_logged")
        return None

    @rx.event
    def decide(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            incident_id = as_id(form_str(form, "incident_id", max_len=20))
            decision = form_str(form, "decision", max_len=10)
            if decision not in ("accept", "dismiss"):
                raise Invalid("accept or dismiss", code="invalid")
            note = form_str(form, "note", max_len=4000)
            rev.do_decide_incident(actor, actor.tenant_id or 0, incident_id, accept=decision == "accept", note=note)
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.rev.incident_decided")
        return None

    @rx.event
    def create_draft(self, incident_id: int, code: str):
        """A draft of the incident's procedure that answers it; then its editor."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            iid = as_id(incident_id)
            if not isinstance(code, str):
                raise Invalid("bad code", code="invalid")
            rev.do_create_draft(actor, actor.tenant_id or 0, code, incident_ids=[iid])
        except ServiceError as exc:
            self._fail(exc)
            return None
        return rx.redirect(f"/staff/procedures/{code}/revisions")

    @rx.event
    def filter_status(self, status: str):
        if status not in ("", *rev.INCIDENT_STATUSES):
            return None
        self.f_status, self.page = status, 1
        return self._refresh()

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        return self._refresh()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        return self._refresh()


# ---------------------------------------------------------------- components

STATUS_COLORS = {"open": "amber", "accepted": "blue", "dismissed": "gray", "addressed": "green"}


def _decide_form(r: IncidentRow) -> rx.Component:
    s = IncidentsState
    return rx.form(rx.vstack(
        rx.el.input(type="hidden", name="incident_id", value=r.id.to_string()),
        rx.el.select(rx.el.option(tr("ui.rev.accept"), value="accept"),
                     rx.el.option(tr("ui.rev.dismiss"), value="dismiss"), name="decision",
                     aria_label=tr("ui.rev.decision"), style={"padding": "0.25em", "borderRadius": "6px"}),
        rx.input(name="note", aria_label=tr("ui.rev.decision_note"), placeholder=tr("ui.rev.decision_note"),
                 size="1"),
        rx.button(tr("ui.rev.record_decision"), type="submit", size="1", variant="soft"),
        spacing="1"), on_submit=s.decide, reset_on_submit=True)


def _row(r: IncidentRow) -> rx.Component:
    s = IncidentsState
    return rx.table.row(
        rx.table.cell(rx.cond(r.code != "", rx.link(r.code, href="/staff/procedures/" + r.code + "/revisions"),
                              tr("ui.rev.no_procedure"))),
        rx.table.row_header_cell(rx.text(r.description, size="2", style={"whiteSpace": "pre-wrap"})),
        rx.table.cell(rx.badge(I18nState.tx["ui.rev.incident." + r.status], variant="soft",
                               color_scheme=rx.match(r.status, *STATUS_COLORS.items(), "gray"))),
        rx.table.cell(rx.text(r.raised_by, size="1"), rx.text(r.raised, size="1", color_scheme="gray")),
        rx.table.cell(rx.cond(r.decision_note != "", rx.text(r.decision_note, " (", r.decided, ")", size="1"))),
        rx.table.cell(rx.cond(
            s.can_manage,
            rx.match(r.status,
                     ("open", _decide_form(r)),
                     ("accepted", rx.cond((r.code != "") & (r.version_id == 0),
                                          rx.button(tr("ui.rev.create_draft"), size="1",
                                                    on_click=s.create_draft(r.id, r.code)))),
                     rx.fragment()))),
    )


def _log_form() -> rx.Component:
    s = IncidentsState
    return rx.form(rx.vstack(
        rx.heading(tr("ui.rev.log_incident"), size="3", as_="h3"),
        select_field(tr("ui.rev.procedure_concerned"), "code", dynamic=s.codes, blank=tr("ui.rev.no_procedure")),
        text_area(tr("ui.rev.description"), "description"),
        rx.button(tr("ui.rev.log"), type="submit", width="fit-content"),
        spacing="2", width="100%"), on_submit=s.log_incident, reset_on_submit=False, width="100%",
        key=s.form_key.to_string())


def incidents_page() -> rx.Component:
    s = IncidentsState
    return area_page(
        "staff", "ui.rev.incidents", messages(),
        rx.link(tr("ui.proc.back"), href="/staff/procedures"),
        rx.cond(s.allowed, rx.vstack(
            _log_form(),
            rx.el.label(
                rx.text(tr("ui.rev.status"), size="2", weight="medium", as_="span"),
                rx.el.select(rx.el.option(tr("ui.proc.all"), value=""),
                             *[rx.el.option(tr(f"ui.rev.incident.{x}"), value=x) for x in rev.INCIDENT_STATUSES],
                             value=s.f_status, on_change=s.filter_status,
                             style={"padding": "0.25em", "borderRadius": "6px"}),
                style={"display": "inline-flex", "gap": "0.5em", "alignItems": "center"}),
            rx.cond(s.rows.length() > 0, rx.vstack(
                rx.box(rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                        "ui.rev.procedure", "ui.rev.description", "ui.rev.status", "ui.rev.raised",
                        "ui.rev.decision", "ui.team.actions")])),
                    rx.table.body(rx.foreach(s.rows, _row)),
                    width="100%", variant="surface"), overflow_x="auto", width="100%"),
                pager(s.page, s.pages, s.prev_page, s.next_page),
                spacing="3", width="100%"), empty("ui.rev.no_incidents")),
            spacing="4", width="100%",
        )),
    )


def register(app: rx.App) -> None:
    app.add_page(incidents_page, route=ROUTE, on_load=IncidentsState.on_load, title="CC Network")
