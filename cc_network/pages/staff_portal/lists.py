"""/staff/students/lists: the centre's study lists (BD05) students pick from in their profile:
the establishments (the host institution and the affiliated ones) and the fields of study
with their training tracks. Staff who manage students add, rename, deactivate and
reactivate them; items are never deleted, since profiles point at them."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import input_field, text_area
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.portal.common import section
from cc_network.pages.staff_portal.students import fail, students_nav
from cc_network.ui.components import checkbox, confirm_dialog, empty, messages
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, NotFound, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.portal.profiles.services import (
    do_save_establishment,
    do_save_study_field,
    list_establishments,
    list_study_fields,
)

MAX_TRACKS = 100


@dataclasses.dataclass
class EstablishmentRow:
    id: int = 0
    name: str = ""
    city: str = ""
    is_host: bool = False
    active: bool = True


@dataclasses.dataclass
class FieldRow:
    id: int = 0
    name: str = ""
    sector: str = ""
    tracks: list[str] = dataclasses.field(default_factory=list)
    active: bool = True


def _flag(form: dict, name: str) -> bool:
    return form.get(name) not in (None, "", False)


def _tracks(form: dict, prefix: str) -> list[str]:
    raw = form_str(form, prefix + "tracks", max_len=20000)
    out = [ln.strip() for ln in raw.splitlines() if ln.strip()]
    if len(out) > MAX_TRACKS:
        raise Invalid("too many tracks", code="invalid_line")
    return out


# the forms' inputs are named after their form (an add form and the edit dialog are on the
# page at once, each label must point at its own input)
NEW_EST, EDIT_EST, NEW_FIELD, EDIT_FIELD = "est_", "edit_est_", "fld_", "edit_fld_"


def _establishment(form: object, prefix: str) -> dict:
    if not isinstance(form, dict):
        raise Invalid("bad form", code="invalid")
    return {"name": form_str(form, prefix + "name", max_len=200), "city": form_str(form, prefix + "city", max_len=100),
            "is_host": _flag(form, prefix + "is_host")}


def _field(form: object, prefix: str) -> dict:
    if not isinstance(form, dict):
        raise Invalid("bad form", code="invalid")
    return {"name": form_str(form, prefix + "name", max_len=150),
            "sector": form_str(form, prefix + "sector", max_len=150), "tracks": _tracks(form, prefix)}


def _current(actor: Actor, listing, item_id: int):  # noqa: ANN001
    """The item as stored in the caller's own centre (its state is kept on a rename)."""
    found = next((x for x in listing(actor, actor.tenant_id or 0, include_inactive=True) if x.id == item_id), None)
    if found is None:
        raise NotFound("list item not found", code="not_found")
    return found


def _save_establishment(actor: Actor, tid: int, data: dict, item_id: int) -> None:
    do_save_establishment(actor, tid, data, establishment_id=item_id)


def _save_study_field(actor: Actor, tid: int, data: dict, item_id: int) -> None:
    do_save_study_field(actor, tid, data, field_id=item_id)


class StudyListsState(AppState):
    establishments: list[EstablishmentRow] = []
    fields: list[FieldRow] = []
    can_manage: bool = False
    # the item whose edit dialog is open (0: none); only a row already on screen
    editing_id: int = 0
    editing_kind: str = ""  # establishment | field
    edit_name: str = ""
    edit_city: str = ""
    edit_is_host: bool = False
    edit_sector: str = ""
    edit_tracks: str = ""
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        self.establishments = [EstablishmentRow(e.id, e.name, e.city, e.is_host, e.active)
                               for e in list_establishments(actor, tid, include_inactive=True)]
        self.fields = [FieldRow(f.id, f.name, f.sector, list(f.tracks), f.active)
                       for f in list_study_fields(actor, tid, include_inactive=True)]
        self.can_manage = actor.can(Perm.STUDENT_MANAGE)

    def _done(self, actor: Actor, notice: str) -> None:
        self.editing_id, self.editing_kind = 0, ""
        self._load(actor)
        self._ok(notice)
        self.form_key += 1

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.establishments, self.fields, self.can_manage = [], [], False
        self.editing_id, self.editing_kind = 0, ""
        return self._refresh(actor)

    # ------------------------------------------------------------ edit dialog

    @rx.event
    def start_edit_establishment(self, item_id: int):
        row = next((e for e in self.establishments if e.id == item_id), None)
        if row is None:
            self.editing_id, self.editing_kind = 0, ""
            return
        self.editing_id, self.editing_kind = row.id, "establishment"
        self.edit_name, self.edit_city, self.edit_is_host = row.name, row.city, row.is_host
        self.form_key += 1

    @rx.event
    def start_edit_study_field(self, item_id: int):
        row = next((f for f in self.fields if f.id == item_id), None)
        if row is None:
            self.editing_id, self.editing_kind = 0, ""
            return
        self.editing_id, self.editing_kind = row.id, "field"
        self.edit_name, self.edit_sector, self.edit_tracks = row.name, row.sector, "\n".join(row.tracks)
        self.form_key += 1

    @rx.event
    def stop_edit(self, _open: bool = False):
        self.editing_id, self.editing_kind = 0, ""

    def _save(self, work, notice: str):  # noqa: ANN001
        """`work(actor, tenant_id)` for the caller, then the dialog closes and the lists reload."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            work(actor, actor.tenant_id or 0)
            self._done(actor, notice)
        except ServiceError as exc:
            fail(self, exc)
        return None

    def _edit(self, form: dict, listing, parse, save):  # noqa: ANN001
        """Saves an item's edit dialog; its state (active or not) is kept as stored."""
        def work(actor: Actor, tid: int) -> None:
            item_id = as_id(form.get("item_id") if isinstance(form, dict) else None)
            data = parse(form)
            current = _current(actor, listing, item_id)
            save(actor, tid, {**data, "active": current.active}, item_id)
        return self._save(work, "ui.lists.saved")

    def _set_active(self, item_id: int, active: bool, listing, fields, save):  # noqa: ANN001
        """Deactivates or reactivates an item as stored (nothing else of it changes)."""
        def work(actor: Actor, tid: int) -> None:
            if not isinstance(active, bool):
                raise Invalid("active must be true or false", code="invalid")
            current = _current(actor, listing, as_id(item_id))
            save(actor, tid, {**fields(current), "active": active}, current.id)
        return self._save(work, "ui.lists.reactivated" if active else "ui.lists.deactivated")

    # ------------------------------------------------------------ establishments

    @rx.event
    def add_establishment(self, form: dict):
        return self._save(lambda a, tid: do_save_establishment(a, tid, _establishment(form, NEW_EST)),
                          "ui.lists.establishment_added")

    @rx.event
    def save_establishment(self, form: dict):
        return self._edit(form, list_establishments, lambda f: _establishment(f, EDIT_EST), _save_establishment)

    @rx.event
    def set_establishment_active(self, item_id: int, active: bool):
        return self._set_active(item_id, active, list_establishments,
                                lambda e: {"name": e.name, "city": e.city, "is_host": e.is_host},
                                _save_establishment)

    # ------------------------------------------------------------ fields of study

    @rx.event
    def add_study_field(self, form: dict):
        return self._save(lambda a, tid: do_save_study_field(a, tid, _field(form, NEW_FIELD)),
                          "ui.lists.field_added")

    @rx.event
    def save_study_field(self, form: dict):
        return self._edit(form, list_study_fields, lambda f: _field(f, EDIT_FIELD), _save_study_field)

    @rx.event
    def set_study_field_active(self, item_id: int, active: bool):
        return self._set_active(item_id, active, list_study_fields,
                                lambda f: {"name": f.name, "sector": f.sector, "tracks": list(f.tracks)},
                                _save_study_field)


# ---------------------------------------------------------------- components

def _active_toggle(row, handler) -> rx.Component:
    deactivate = confirm_dialog("ui.lists.deactivate", "ui.lists.deactivate_title", "ui.lists.deactivate_text",
                                handler(row.id, False), subject=row.name, confirm_key="ui.lists.deactivate")
    return rx.cond(row.active, deactivate,
                   rx.button(tr("ui.lists.reactivate"), size="1", variant="soft", on_click=handler(row.id, True),
                             aria_label=tr("ui.lists.reactivate") + " — " + row.name))


def _state_badge(active) -> rx.Component:
    return rx.cond(active, rx.fragment(), rx.badge(tr("ui.lists.inactive"), color_scheme="gray", variant="soft"))


def _establishment_row(e: EstablishmentRow) -> rx.Component:
    s = StudyListsState
    return rx.table.row(
        rx.table.row_header_cell(rx.hstack(rx.text(e.name, weight="medium"), _state_badge(e.active), wrap="wrap")),
        rx.table.cell(e.city),
        rx.table.cell(rx.cond(e.is_host, tr("ui.students.host"), tr("ui.students.affiliated"))),
        rx.cond(s.can_manage, rx.table.cell(rx.hstack(
            rx.button(tr("ui.lists.rename"), size="1", variant="soft", on_click=s.start_edit_establishment(e.id),
                      aria_label=tr("ui.lists.rename") + " — " + e.name),
            _active_toggle(e, s.set_establishment_active), spacing="2", wrap="wrap"))),
        style={"opacity": rx.cond(e.active, "1", "0.65")},
    )


def _field_row(f: FieldRow) -> rx.Component:
    s = StudyListsState
    return rx.table.row(
        rx.table.row_header_cell(rx.hstack(rx.text(f.name, weight="medium"), _state_badge(f.active), wrap="wrap")),
        rx.table.cell(f.sector),
        rx.table.cell(rx.flex(rx.foreach(f.tracks, lambda t: rx.badge(t, variant="soft")), spacing="1", wrap="wrap")),
        rx.cond(s.can_manage, rx.table.cell(rx.hstack(
            rx.button(tr("ui.lists.edit"), size="1", variant="soft", on_click=s.start_edit_study_field(f.id),
                      aria_label=tr("ui.lists.edit") + " — " + f.name),
            _active_toggle(f, s.set_study_field_active), spacing="2", wrap="wrap"))),
        style={"opacity": rx.cond(f.active, "1", "0.65")},
    )


def _establishment_inputs(prefix: str, name, city, is_host) -> list[rx.Component]:
    return [
        rx.flex(input_field(tr("ui.lists.name"), prefix + "name", default=name, required=True),
                input_field(tr("ui.lists.city"), prefix + "city", default=city),
                spacing="3", width="100%", direction={"initial": "column", "sm": "row"}),
        checkbox(tr("ui.lists.is_host"), prefix + "is_host", checked=is_host),
    ]


def _field_inputs(prefix: str, name, sector, tracks) -> list[rx.Component]:
    return [
        rx.flex(input_field(tr("ui.lists.name"), prefix + "name", default=name, required=True),
                input_field(tr("ui.lists.sector"), prefix + "sector", default=sector),
                spacing="3", width="100%", direction={"initial": "column", "sm": "row"}),
        text_area(tr("ui.lists.tracks"), prefix + "tracks", default=tracks, hint=tr("ui.lists.tracks_hint")),
    ]


def _establishments() -> rx.Component:
    s = StudyListsState
    return rx.vstack(
        rx.cond(
            s.establishments.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.lists.name")),
                    rx.table.column_header_cell(tr("ui.lists.city")),
                    rx.table.column_header_cell(tr("ui.students.establishment_kind")),
                    rx.cond(s.can_manage, rx.table.column_header_cell(tr("ui.deletions.actions"))),
                )),
                rx.table.body(rx.foreach(s.establishments, _establishment_row)),
                width="100%", variant="surface",
            ),
            empty("ui.lists.no_establishments"),
        ),
        rx.cond(s.can_manage, rx.form(
            rx.vstack(rx.heading(tr("ui.lists.add_establishment"), size="3", as_="h3"),
                      *_establishment_inputs(NEW_EST, "", "", False),
                      rx.button(tr("ui.lists.add"), type="submit"), spacing="2", width="100%"),
            on_submit=s.add_establishment, reset_on_submit=False, width="100%",
            key=s.form_key.to_string() + "-add-establishment",
        )),
        spacing="3", width="100%",
    )


def _fields() -> rx.Component:
    s = StudyListsState
    return rx.vstack(
        rx.cond(
            s.fields.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.lists.name")),
                    rx.table.column_header_cell(tr("ui.lists.sector")),
                    rx.table.column_header_cell(tr("ui.lists.tracks")),
                    rx.cond(s.can_manage, rx.table.column_header_cell(tr("ui.deletions.actions"))),
                )),
                rx.table.body(rx.foreach(s.fields, _field_row)),
                width="100%", variant="surface",
            ),
            empty("ui.lists.no_fields"),
        ),
        rx.cond(s.can_manage, rx.form(
            rx.vstack(rx.heading(tr("ui.lists.add_field"), size="3", as_="h3"),
                      *_field_inputs(NEW_FIELD, "", "", ""),
                      rx.button(tr("ui.lists.add"), type="submit"), spacing="2", width="100%"),
            on_submit=s.add_study_field, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-add-field",
        )),
        spacing="3", width="100%",
    )


def _edit_dialog() -> rx.Component:
    s = StudyListsState
    buttons = rx.hstack(
        rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray", on_click=s.stop_edit(False)),
        rx.button(tr("ui.save"), type="submit"),
        justify="end", width="100%",
    )
    hidden = rx.el.input(type="hidden", name="item_id", value=s.editing_id.to_string())
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.lists.edit_title"), " — ", s.edit_name),
            rx.dialog.description(tr("ui.lists.edit_text"), size="2"),
            rx.cond(
                s.editing_kind == "field",
                rx.form(rx.vstack(hidden, *_field_inputs(EDIT_FIELD, s.edit_name, s.edit_sector, s.edit_tracks), buttons,
                                  spacing="3", width="100%"),
                        on_submit=s.save_study_field, reset_on_submit=False, width="100%",
                        key=s.form_key.to_string() + "-edit-field"),
                rx.form(rx.vstack(hidden, *_establishment_inputs(EDIT_EST, s.edit_name, s.edit_city, s.edit_is_host), buttons,
                                  spacing="3", width="100%"),
                        on_submit=s.save_establishment, reset_on_submit=False, width="100%",
                        key=s.form_key.to_string() + "-edit-establishment"),
            ),
        ),
        open=s.editing_id > 0,
        on_open_change=s.stop_edit,
    )


def lists_page() -> rx.Component:
    return area_page(
        "staff", "ui.lists.title", students_nav(), messages(),
        rx.text(tr("ui.lists.intro"), size="2"),
        section("ui.lists.establishments", _establishments()),
        section("ui.lists.fields", _fields()),
        _edit_dialog(),
    )


def register(app: rx.App) -> None:
    app.add_page(lists_page, route="/staff/students/lists", on_load=StudyListsState.on_load, title="CC Network")
