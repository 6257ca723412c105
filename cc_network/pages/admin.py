"""/admin: the network administrator's list of centres."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from tenants.core.services import tenants_visible_to


@dataclasses.dataclass
class CentreRow:
    slug: str = ""
    name: str = ""
    kind: str = ""


class AdminState(AppState):
    centres: list[CentreRow] = []

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("admin")
        if actor is None:
            return redirect
        self.centres = [CentreRow(v.slug, v.name, v.kind) for v in tenants_visible_to(actor.account_id)]
        return None


def _centre(c) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(c.name),
        rx.table.cell(rx.code(c.slug)),
        rx.table.cell(I18nState.tx["ui.kind." + c.kind]),
        rx.table.cell(rx.button(tr("ui.admin.open"), size="1", variant="soft",
                                on_click=AppState.switch_tenant(c.slug))),
    )


def admin_page() -> rx.Component:
    return area_page(
        "admin", "ui.admin.title",
        messages(),
        rx.text(tr("ui.admin.count"), " ", AdminState.centres.length().to_string(), size="2"),
        rx.cond(
            AdminState.centres.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.admin.centre")),
                    rx.table.column_header_cell(tr("ui.admin.slug")),
                    rx.table.column_header_cell(tr("ui.admin.kind")),
                    rx.table.column_header_cell(tr("ui.team.actions")),
                )),
                rx.table.body(rx.foreach(AdminState.centres, _centre)),
                width="100%", variant="surface", dir=I18nState.dir,
            ),
            empty("ui.admin.empty"),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(admin_page, route="/admin", on_load=AdminState.on_load, title="CC Network")
