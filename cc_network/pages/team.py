"""/staff/team: a centre's members. Managers invite, change roles, deactivate; other staff read."""

from __future__ import annotations

import dataclasses
import math

import reflex as rx

from cc_network.pages.forms import as_id, form_flags, form_str
from cc_network.ui.components import checkbox, confirm_dialog, empty, field, messages, pager, submit
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm, Responsibility, Role
from tenants.team.services import (
    MemberView,
    do_change_roles,
    do_invite_member,
    do_set_member_active,
    list_members,
)

PER_PAGE = 20
INVITE_ROLES = [r.value for r in (Role.MANAGER, Role.CAREER_COUNSELOR, Role.BUSINESS_DEVELOPER,
                                  Role.AMBASSADOR, Role.INTERN, Role.STUDENT, Role.HOST_APPROVER,
                                  Role.HOST_FOCAL_POINT, Role.COMPANY_CONTACT)]
RESPONSIBILITIES = [r.value for r in Responsibility]


@dataclasses.dataclass
class MemberRow:
    id: int = 0
    name: str = ""
    email: str = ""
    roles: list[str] = dataclasses.field(default_factory=list)
    responsibilities: list[str] = dataclasses.field(default_factory=list)
    active: bool = True
    pending: bool = False


def _row(m: MemberView) -> MemberRow:
    return MemberRow(m.membership_id, m.full_name, m.email, list(m.roles), list(m.responsibilities),
                     m.active, not m.has_password)


class TeamState(AppState):
    members: list[MemberRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    query: str = ""
    can_manage: bool = False
    # the member whose roles are being edited (0: none); only rows already shown to this person
    editing_id: int = 0
    editing_name: str = ""
    editing_roles: list[str] = []
    editing_resp: list[str] = []

    def _load(self, actor: Actor) -> None:
        if actor.tenant_id is None:
            self.members, self.total, self.pages = [], 0, 1
            return
        result = list_members(actor, actor.tenant_id, page=self.page, per_page=PER_PAGE,
                              query=self.query)
        self.members = [_row(m) for m in result.items]
        self.total = result.total
        self.pages = max(1, math.ceil(result.total / PER_PAGE))
        self.can_manage = actor.can(Perm.TEAM_MANAGE)

    @rx.event
    def on_load(self):
        actor, redirect = self._enter(None)
        if actor is None:
            return redirect
        self.page, self.query, self.editing_id = 1, "", 0
        self.members, self.can_manage = [], False
        return self._refresh(actor)

    @rx.event
    def search(self, form: dict):
        try:
            self.query = form_str(form, "query", max_len=100).strip()
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.page = 1
        return self._refresh()

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        return self._refresh()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        return self._refresh()

    @rx.event
    def invite(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_invite_member(
                actor, actor.tenant_id or 0,
                email=form_str(form, "email", max_len=254),
                full_name=form_str(form, "full_name", max_len=200),
                roles=form_flags(form, "role_", INVITE_ROLES),
                responsibilities=form_flags(form, "resp_", RESPONSIBILITIES),
            )
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._load(actor)
        self._ok("ui.team.invited")
        return None

    @rx.event
    def start_edit(self, membership_id: int):
        """Open the roles dialog for a row already on screen; reads nothing new."""
        row = next((m for m in self.members if m.id == membership_id), None)
        if row is None:
            self.editing_id = 0
            return
        self.editing_id, self.editing_name = row.id, row.name
        self.editing_roles, self.editing_resp = list(row.roles), list(row.responsibilities)

    @rx.event
    def stop_edit(self, _open: bool = False):
        self.editing_id = 0

    @rx.event
    def change_roles(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_change_roles(actor, actor.tenant_id or 0, as_id(form.get("membership_id") if
                                                               isinstance(form, dict) else None),
                            roles=form_flags(form, "role_", INVITE_ROLES),
                            responsibilities=form_flags(form, "resp_", RESPONSIBILITIES))
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.editing_id = 0
        self._load(actor)
        self._ok("ui.team.roles_changed")
        return None

    @rx.event
    def set_active(self, membership_id: int, active: bool):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            if not isinstance(active, bool):
                raise ValueError
            do_set_member_active(actor, actor.tenant_id or 0, as_id(membership_id), active=active)
        except ValueError:
            return None
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._load(actor)
        self._ok("ui.team.activated" if active else "ui.team.deactivated")
        return None


def _role_badges(roles) -> rx.Component:
    return rx.flex(rx.foreach(roles, lambda r: rx.badge(I18nState.tx["ui.role." + r], variant="soft")),
                   spacing="1", wrap="wrap")


def _role_boxes(checked_roles, checked_resp) -> rx.Component:
    return rx.vstack(
        rx.el.fieldset(
            rx.el.legend(rx.text(tr("ui.team.roles"), size="2", weight="medium")),
            rx.flex(*[checkbox(tr(f"ui.role.{r}"), f"role_{r}",
                               checked=checked_roles.contains(r) if checked_roles is not None else False)
                      for r in INVITE_ROLES], wrap="wrap", spacing="2"),
            style={"border": "none", "padding": 0, "margin": 0},
        ),
        rx.el.fieldset(
            rx.el.legend(rx.text(tr("ui.team.responsibilities"), size="2", weight="medium")),
            rx.flex(*[checkbox(tr(f"ui.resp.{r}"), f"resp_{r}",
                               checked=checked_resp.contains(r) if checked_resp is not None else False)
                      for r in RESPONSIBILITIES], wrap="wrap", spacing="2"),
            rx.text(tr("ui.team.responsibilities_hint"), size="1", color_scheme="gray"),
            style={"border": "none", "padding": 0, "margin": 0},
        ),
        spacing="2", width="100%",
    )


def _invite_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(tr("ui.team.invite_title"), size="4", as_="h2"),
                rx.flex(field("ui.field.full_name", "full_name", autocomplete="off"),
                        field("ui.field.email", "email", type="email", autocomplete="off"),
                        spacing="3", width="100%", direction={"initial": "column", "sm": "row"}),
                _role_boxes(None, None),
                submit("ui.team.invite_submit"),
                spacing="3", width="100%",
            ),
            on_submit=TeamState.invite, reset_on_submit=True, width="100%",
        ),
        width="100%",
    )


def _roles_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.team.edit_roles"), " — ", TeamState.editing_name),
            rx.dialog.description(tr("ui.team.edit_roles_text"), size="2"),
            rx.form(
                rx.vstack(
                    rx.el.input(type="hidden", name="membership_id", value=TeamState.editing_id.to_string()),
                    _role_boxes(TeamState.editing_roles, TeamState.editing_resp),
                    rx.hstack(
                        rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                                  on_click=TeamState.stop_edit(False)),
                        submit("ui.save"),
                        justify="end", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=TeamState.change_roles, reset_on_submit=False, width="100%",
            ),
        ),
        open=TeamState.editing_id > 0,
        on_open_change=TeamState.stop_edit,
    )


def _active_toggle(m) -> rx.Component:
    deactivate = confirm_dialog("ui.team.deactivate", "ui.team.deactivate_title", "ui.team.deactivate_text",
                                TeamState.set_active(m.id, False), subject=m.name,
                                confirm_key="ui.team.deactivate_confirm")
    reactivate = confirm_dialog("ui.team.reactivate", "ui.team.reactivate_title", "ui.team.reactivate_text",
                                TeamState.set_active(m.id, True), subject=m.name,
                                confirm_key="ui.team.reactivate_confirm", danger=False)
    return rx.cond(m.active, deactivate, reactivate)


def _member_row(m) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(m.name),
        rx.table.cell(m.email),
        rx.table.cell(_role_badges(m.roles)),
        rx.table.cell(rx.cond(m.active,
                              rx.cond(m.pending, rx.badge(tr("ui.team.pending"), color_scheme="amber"),
                                      rx.badge(tr("ui.team.active"), color_scheme="green")),
                              rx.badge(tr("ui.team.inactive"), color_scheme="gray"))),
        rx.cond(
            TeamState.can_manage,
            rx.table.cell(rx.hstack(
                rx.button(tr("ui.team.edit_roles"), size="1", variant="outline",
                          on_click=TeamState.start_edit(m.id)),
                _active_toggle(m), spacing="2")),
        ),
        aria_label=m.name,
    )


def team_page() -> rx.Component:
    return area_page(
        "staff", "ui.team.title",
        messages(),
        rx.cond(TeamState.can_manage, _invite_form()),
        rx.form(
            rx.hstack(field("ui.team.search", "query", type="search", required=False),
                      submit("ui.team.search_submit", variant="soft"), align="end", width="100%"),
            on_submit=TeamState.search, reset_on_submit=False, width="100%", role="search",
        ),
        rx.text(tr("ui.team.count"), " ", TeamState.total.to_string(), size="2", color_scheme="gray"),
        rx.cond(
            TeamState.members.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.field.full_name")),
                    rx.table.column_header_cell(tr("ui.field.email")),
                    rx.table.column_header_cell(tr("ui.team.roles")),
                    rx.table.column_header_cell(tr("ui.team.status")),
                    rx.cond(TeamState.can_manage, rx.table.column_header_cell(tr("ui.team.actions"))),
                )),
                rx.table.body(rx.foreach(TeamState.members, _member_row)),
                width="100%", variant="surface", dir=I18nState.dir,
            ),
            empty("ui.team.empty"),
        ),
        pager(TeamState.page, TeamState.pages, TeamState.prev_page, TeamState.next_page),
        _roles_dialog(),
    )


def register(app: rx.App) -> None:
    app.add_page(team_page, route="/staff/team", on_load=TeamState.on_load, title="CC Network")
