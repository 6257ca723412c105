"""/staff/partners/import: import the partner map from a spreadsheet (CSV, as Excel saves it).
The file is read and checked first: a table of its lines with their errors and the duplicates
found; the import is confirmed only when no line has an error, and writes all or nothing."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.partners.common import fail, partners_nav
from cc_network.pages.portal.common import section
from cc_network.ui.components import messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.sourcing.partners.importing import MAX_BYTES, ImportLine, do_import, preview_import

UPLOAD_ID = "partners-import"
SHOWN_LINES = 500


@dataclasses.dataclass
class PreviewRow:
    line: int = 0
    company: str = ""
    contact: str = ""
    # translation keys of what the line does, and of its errors ("column: message")
    company_action: str = ""
    company_ref: str = ""
    person_action: str = ""
    person_ref: str = ""
    errors: list[str] = dataclasses.field(default_factory=list)
    error_columns: list[str] = dataclasses.field(default_factory=list)


def _row(ln: ImportLine) -> PreviewRow:
    contact = " ".join(x for x in (ln.contact_name, f"<{ln.contact_email}>" if ln.contact_email else "") if x)
    company_ref = str(ln.company_line) if ln.company_match == "earlier_line" else ""
    person_ref = str(ln.person_line) if ln.person_match == "earlier_line" else ""
    return PreviewRow(ln.line, ln.company, contact, f"ui.partners.import_company.{ln.company_match}", company_ref,
                      f"ui.partners.import_person.{ln.person_match}", person_ref,
                      [f"error.{e.code}" for e in ln.errors], [e.column for e in ln.errors])


class ImportState(AppState):
    rows: list[PreviewRow] = []
    line_count: int = 0
    error_count: int = 0
    new_companies: int = 0
    new_people: int = 0
    file_name: str = ""
    ready: bool = False
    done: bool = False
    created_companies: int = 0
    linked_companies: int = 0
    created_people: int = 0
    linked_people: int = 0
    # the file checked, kept on the server until the import is confirmed
    _data: bytes = b""

    def _reset(self) -> None:
        self.rows, self.line_count, self.error_count, self.new_companies, self.new_people = [], 0, 0, 0, 0
        self.file_name, self.ready, self.done, self._data = "", False, False, b""

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self._reset()
        return None

    @rx.event
    async def check_file(self, files: list[rx.UploadFile]):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        self._reset()
        self.error = self.notice = ""
        try:
            if not isinstance(files, list) or len(files) != 1:
                raise Invalid("one CSV file", code="import_empty")
            upload = files[0]
            data = await upload.read(MAX_BYTES + 1)
            preview = preview_import(actor, actor.tenant_id or 0, data)
        except ServiceError as exc:
            fail(self, exc)
            return rx.clear_selected_files(UPLOAD_ID)
        self.file_name = str(upload.filename or "")[:200]
        self.rows = [_row(ln) for ln in preview.lines[:SHOWN_LINES]]
        self.line_count, self.error_count = len(preview.lines), preview.error_count
        self.new_companies, self.new_people = preview.new_companies, preview.new_people
        self.ready = preview.error_count == 0
        self._data = data if self.ready else b""
        if not self.ready:
            self.error = "error.import_has_errors"
        return rx.clear_selected_files(UPLOAD_ID)

    @rx.event
    def confirm_import(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        if not self.ready or not self._data:
            return None
        try:
            res = do_import(actor, actor.tenant_id or 0, self._data)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self._reset()
        self.done = True
        self.created_companies, self.linked_companies = res.companies_created, res.companies_linked
        self.created_people, self.linked_people = res.people_created, res.people_linked
        self._ok("ui.partners.import_done")
        return None

    @rx.event
    def start_over(self):
        self._reset()
        self.error = self.notice = ""


def _upload() -> rx.Component:
    s = ImportState
    return rx.vstack(
        rx.text(tr("ui.partners.import_intro"), size="2"),
        rx.text(tr("ui.partners.import_columns"), size="1", color_scheme="gray"),
        rx.upload.root(
            rx.vstack(rx.button(tr("ui.partners.import_choose"), type="button", variant="soft"),
                      rx.text(tr("ui.partners.import_hint"), size="1", color_scheme="gray"), spacing="1"),
            id=UPLOAD_ID, accept={"text/csv": [".csv"], "text/plain": [".txt"]}, max_files=1, multiple=False,
            border=f"1px dashed {rx.color('gray', 7)}", padding="1em", width="100%",
        ),
        rx.text(rx.foreach(rx.selected_files(UPLOAD_ID), lambda f: rx.text(f, as_="span")), size="2"),
        rx.button(tr("ui.partners.import_check"), on_click=s.check_file(rx.upload_files(upload_id=UPLOAD_ID))),
        spacing="2", width="100%",
    )


def _action(key: rx.Var, ref: rx.Var) -> rx.Component:
    return rx.text(I18nState.tx[key], rx.cond(ref != "", rx.text(" ", ref, as_="span")), size="2")


def _preview_row(r: PreviewRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(r.line.to_string()),
        rx.table.cell(r.company),
        rx.table.cell(r.contact),
        rx.table.cell(rx.vstack(_action(r.company_action, r.company_ref), _action(r.person_action, r.person_ref),
                                spacing="0")),
        rx.table.cell(rx.vstack(
            rx.foreach(r.errors, lambda e, i: rx.text(r.error_columns[i], " : ", I18nState.tx[e], size="2",
                                                       color_scheme="red")),
            spacing="0")),
        background_color=rx.cond(r.errors.length() > 0, rx.color("red", 2), "transparent"),
    )


def _preview() -> rx.Component:
    s = ImportState
    return rx.cond(
        s.line_count > 0,
        rx.vstack(
            rx.text(s.file_name, " — ", s.line_count.to_string(), " ", tr("ui.partners.import_lines"), " · ",
                    s.error_count.to_string(), " ", tr("ui.partners.import_errors"), " · ",
                    s.new_companies.to_string(), " ", tr("ui.partners.import_new_companies"), " · ",
                    s.new_people.to_string(), " ", tr("ui.partners.import_new_people"), size="2"),
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.partners.import_line")),
                    rx.table.column_header_cell(tr("ui.partners.company")),
                    rx.table.column_header_cell(tr("ui.partners.contact")),
                    rx.table.column_header_cell(tr("ui.partners.import_action")),
                    rx.table.column_header_cell(tr("ui.partners.import_problems")),
                )),
                rx.table.body(rx.foreach(s.rows, _preview_row)),
                width="100%", variant="surface",
            ),
            rx.hstack(
                rx.button(tr("ui.partners.import_confirm"), on_click=s.confirm_import, disabled=~s.ready),
                rx.button(tr("ui.partners.import_again"), on_click=s.start_over, variant="soft", color_scheme="gray"),
                spacing="3",
            ),
            spacing="3", width="100%",
        ),
    )


def _result() -> rx.Component:
    s = ImportState
    return rx.cond(
        s.done,
        rx.text(s.created_companies.to_string(), " ", tr("ui.partners.import_created_companies"), " · ",
                s.linked_companies.to_string(), " ", tr("ui.partners.import_linked_companies"), " · ",
                s.created_people.to_string(), " ", tr("ui.partners.import_created_people"), " · ",
                s.linked_people.to_string(), " ", tr("ui.partners.import_linked_people"), size="2"),
    )


def import_page() -> rx.Component:
    return area_page(
        "staff", "ui.partners.import_title", partners_nav(), messages(), _result(),
        section("ui.partners.import_file", _upload()),
        _preview(),
    )


def register(app: rx.App) -> None:
    app.add_page(import_page, route="/staff/partners/import", on_load=ImportState.on_load, title="CC Network")
