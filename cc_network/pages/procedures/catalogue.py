"""/staff/procedures: the 31 procedures of the book by family, the version each runs in this
centre, what starts it and how many instances are running; the manager starts one by hand."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import input_field
from cc_network.pages.forms import form_str
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.procedures import services as proc

ROUTE = "/staff/procedures"


@dataclasses.dataclass
class ProcRow:
    code: str = ""
    title_en: str = ""
    title_fr: str = ""
    family: str = ""
    first_of_family: bool = False
    version: int = 1
    steps: int = 0
    trigger: str = ""
    running: int = 0


def title_in_lang(title_fr: rx.Var, title_en: rx.Var) -> rx.Var:
    """The English title in English, the French one otherwise (Arabic falls back to French)."""
    return rx.cond(I18nState.lang == "en", title_en, title_fr)


class CatalogueState(AppState):
    allowed: bool = False
    can_manage: bool = False
    rows: list[ProcRow] = []
    # the procedure whose start dialog is open ("" when none)
    start_code: str = ""
    start_title: str = ""

    def _load(self, actor: Actor) -> None:
        self.allowed = False
        found = proc.list_procedures(actor, actor.tenant_id or 0)
        self.allowed = True
        self.can_manage = actor.can(Perm.PROCEDURE_MANAGE)
        rows, last = [], None
        for p in sorted(found, key=lambda p: (p.family, p.code)):
            rows.append(ProcRow(p.code, p.title_en, p.title_fr, p.family, p.family != last, p.version, p.steps,
                                p.trigger, p.running))
            last = p.family
        self.rows = rows

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.allowed, self.can_manage, self.start_code, self.start_title = [], False, False, "", ""
        return self._refresh(actor)

    @rx.event
    def open_start(self, code: str):
        """Opens the start dialog of a procedure the page listed; nothing else."""
        row = next((r for r in self.rows if isinstance(code, str) and r.code == code), None)
        if row is None:
            return
        self.error = ""
        self.start_code, self.start_title = row.code, row.title_fr

    @rx.event
    def close_start(self, _open: bool = False):
        self.start_code = self.start_title = ""

    @rx.event
    def start(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            code = form_str(form, "code", max_len=3)
            label = form_str(form, "label", max_len=100).strip()
            # the service looks the procedure up for the caller's centre and checks the permission
            started = proc.do_start_instance(actor, actor.tenant_id or 0, code, label=label)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.start_code = self.start_title = ""
        self._ok("ui.proc.started")
        self._refresh(actor)
        return rx.redirect(f"/staff/procedures/instances/{started.id}")


# ---------------------------------------------------------------- the page

def _row(r: ProcRow) -> rx.Component:
    s = CatalogueState
    return rx.fragment(
        rx.cond(r.first_of_family, rx.table.row(
            rx.table.cell(rx.heading(I18nState.tx["ui.proc.family." + r.family], size="3", as_="h2"),
                          col_span=6, padding_top="1em"))),
        rx.table.row(
            rx.table.row_header_cell(rx.link(r.code, href="/staff/procedures/" + r.code, weight="bold")),
            rx.table.cell(rx.link(title_in_lang(r.title_fr, r.title_en), href="/staff/procedures/" + r.code)),
            rx.table.cell("v", r.version.to_string()),
            rx.table.cell(I18nState.tx["ui.proc.trigger." + r.trigger]),
            rx.table.cell(r.running.to_string()),
            rx.table.cell(rx.cond(s.can_manage, rx.button(
                tr("ui.proc.start"), size="1", on_click=s.open_start(r.code),
                aria_label=tr("ui.proc.start") + " — " + r.code))),
        ),
    )


def _start_dialog() -> rx.Component:
    s = CatalogueState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.proc.start_title"), " ", s.start_code),
            rx.dialog.description(tr("ui.proc.start_text"), " ", rx.text.strong(s.start_title), size="2"),
            rx.form(
                rx.vstack(
                    rx.el.input(type="hidden", name="code", value=s.start_code),
                    input_field(tr("ui.proc.label"), "label", max_length=100, placeholder="2027-2028"),
                    rx.text(tr("ui.proc.label_hint"), size="1", color_scheme="gray"),
                    rx.hstack(
                        rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                                  on_click=s.close_start(False)),
                        rx.button(tr("ui.proc.start_confirm"), type="submit"),
                        justify="end", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=s.start, reset_on_submit=True, width="100%",
            ),
        ),
        open=s.start_code != "",
        on_open_change=s.close_start,
    )


def catalogue_page() -> rx.Component:
    s = CatalogueState
    return area_page(
        "staff", "ui.proc.title", messages(),
        rx.cond(s.allowed, rx.vstack(
            rx.hstack(rx.text(tr("ui.proc.intro"), size="2", color_scheme="gray"), rx.spacer(),
                      rx.link(tr("ui.proc.instances_link"), href="/staff/procedures/instances"),
                      rx.link(tr("ui.nav.inbox"), href="/staff/inbox"), spacing="4", width="100%", wrap="wrap"),
            rx.cond(s.rows.length() > 0, rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                    "ui.proc.col_code", "ui.proc.col_title", "ui.proc.col_version", "ui.proc.col_trigger",
                    "ui.proc.col_running", "ui.team.actions")])),
                rx.table.body(rx.foreach(s.rows, _row)),
                width="100%", variant="surface",
            ), empty("ui.proc.empty")),
            _start_dialog(),
            spacing="3", width="100%",
        )),
    )


def register(app: rx.App) -> None:
    app.add_page(catalogue_page, route=ROUTE, on_load=CatalogueState.on_load, title="CC Network")
