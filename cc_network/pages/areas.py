"""/ (to the person's area) and the home page of each role area."""

from __future__ import annotations

import reflex as rx

from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.core.actor import Actor
from tenants.team.services import list_members


class AreaState(AppState):
    team_total: int = 0
    team_active: int = 0

    def _home(self, area: str):
        actor, redirect = self._enter(area)
        if actor is None:
            return redirect
        if area in ("staff", "host"):
            self._count_team(actor)
        return None

    def _count_team(self, actor: Actor) -> None:
        if actor.tenant_id is None:
            return
        try:
            self.team_total = list_members(actor, actor.tenant_id, per_page=1).total
            self.team_active = list_members(actor, actor.tenant_id, per_page=1,
                                            include_inactive=False).total
        except ServiceError as exc:
            self._fail(exc)

    @rx.event
    def enter_staff(self):
        return self._home("staff")

    @rx.event
    def enter_company(self):
        return self._home("company")

    @rx.event
    def enter_host(self):
        return self._home("host")

    @rx.event
    def enter_evaluator(self):
        return self._home("evaluator")


def _roles_list() -> rx.Component:
    return rx.flex(rx.foreach(AppState.roles, lambda r: rx.badge(I18nState.tx["ui.role." + r],
                                                                 variant="soft", size="2")),
                   spacing="2", wrap="wrap")


def _fact(label_key: str, value: rx.Component | rx.Var) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(tr(label_key)), rx.data_list.value(value))


def _identity_card(*extra: rx.Component) -> rx.Component:
    return rx.card(
        rx.data_list.root(
            _fact("ui.home.name", AppState.full_name),
            _fact("ui.field.email", AppState.email),
            _fact("ui.home.centre", rx.cond(AppState.tenant_name != "", AppState.tenant_name,
                                            tr("ui.home.no_centre"))),
            _fact("ui.home.roles", _roles_list()),
            *extra,
        ),
        width="100%",
    )


def _welcome() -> rx.Component:
    return rx.text(tr("ui.home.welcome"), " ", rx.text.strong(AppState.full_name))


def staff_home() -> rx.Component:
    return area_page(
        "staff", "ui.home.staff_title", _welcome(),
        _identity_card(_fact("ui.home.team_total", AreaState.team_total.to_string()),
                       _fact("ui.home.team_active", AreaState.team_active.to_string())),
        rx.hstack(rx.link(rx.button(tr("ui.nav.team")), href="/staff/team"),
                  rx.link(rx.button(tr("ui.nav.mailbox"), variant="soft"), href="/staff/mailbox")),
    )


def host_home() -> rx.Component:
    return area_page("host", "ui.home.host_title", _welcome(),
                     _identity_card(_fact("ui.home.team_active", AreaState.team_active.to_string())))


def evaluator_home() -> rx.Component:
    return area_page("evaluator", "ui.home.evaluator_title", _welcome(), _identity_card())


def index_page() -> rx.Component:
    return rx.center(rx.spinner(size="3"), height="100vh")


def register(app: rx.App) -> None:
    app.add_page(index_page, route="/", on_load=AppState.go_home, title="CC Network")
    app.add_page(staff_home, route="/staff", on_load=AreaState.enter_staff, title="CC Network")
    # /portal is the student home of cc_network.pages.portal.home
    # /company is the company home of cc_network.pages.company.home (it runs enter_company first)
    app.add_page(host_home, route="/host", on_load=AreaState.enter_host, title="CC Network")
    app.add_page(evaluator_home, route="/evaluator", on_load=AreaState.enter_evaluator,
                 title="CC Network")
