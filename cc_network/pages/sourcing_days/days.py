"""/staff/recruitment-days: the centre's recruitment days (P19), those still to hold first,
and the needs of 10 positions or more still waiting for one (proposing a day, open or
closed door, opens its page)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import Option, local_text, select_field
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.portal.common import section, zone_of
from cc_network.pages.staff_portal.students import fail
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.sourcing.recruitment_days import services as days
from tenants.sourcing.recruitment_days.models import DayMode

MODES = [m.value for m in DayMode]
STATUS_COLORS = {"proposed": "amber", "scheduled": "blue", "held": "teal", "closed": "gray", "cancelled": "red"}


@dataclasses.dataclass
class DayRow:
    id: int = 0
    company: str = ""
    need: str = ""
    positions: int = 0
    mode: str = ""
    status: str = ""
    when: str = ""
    registered: int = 0


def day_row(v: days.DayView, zone) -> DayRow:  # noqa: ANN001
    return DayRow(v.id, v.company_name, v.need_title, v.positions, v.mode, v.status, local_text(v.starts_at, zone),
                  v.registered)


def status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(I18nState.tx["ui.days.status." + status],
                    color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"), variant="soft")


def mode_text(mode: rx.Var) -> rx.Component:
    return rx.text(I18nState.tx["ui.days.mode." + mode], size="2")


class DaysState(AppState):
    rows: list[DayRow] = []
    needs: list[Option] = []
    can_manage: bool = False
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        zone = zone_of(self.tenant_slug)
        self.rows = [day_row(v, zone) for v in days.list_days(actor, tid)]
        self.can_manage = actor.can(Perm.NEED_MANAGE)
        self.needs = [Option(str(c.need_id), f"{c.company_name} — {c.title} ({c.positions})")
                      for c in days.needs_awaiting_day(actor, tid)] if self.can_manage else []

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.needs, self.can_manage = [], [], False
        try:
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
        self.form_key += 1
        return None

    @rx.event
    def propose(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            need_id = as_id(form_str(form, "need_id", max_len=20))
            mode = form_str(form, "mode", max_len=20)
            if mode not in MODES:
                raise Invalid("unknown mode", code="invalid_day_mode")
            v = days.do_propose_day(actor, actor.tenant_id or 0, need_id, mode=mode)
        except ServiceError as exc:
            fail(self, exc)
            return None
        return rx.redirect(f"/staff/recruitment-days/{v.id}")


def _propose() -> rx.Component:
    s = DaysState
    return rx.cond(
        s.needs.length() > 0,
        rx.form(
            rx.flex(
                select_field(tr("ui.days.need"), "need_id", dynamic=s.needs),
                select_field(tr("ui.days.mode"), "mode", [(m, tr(f"ui.days.mode.{m}")) for m in MODES],
                             default=DayMode.CLOSED_DOOR.value),
                rx.button(tr("ui.days.propose"), type="submit"),
                spacing="3", align="end", width="100%", direction={"initial": "column", "md": "row"},
            ),
            on_submit=s.propose, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-propose",
        ),
        empty("ui.days.no_need_waiting"),
    )


def _row(r: DayRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(r.company, href="/staff/recruitment-days/" + r.id.to_string()),
                                 rx.text(r.need, size="1", color_scheme="gray")),
        rx.table.cell(r.positions.to_string()),
        rx.table.cell(mode_text(r.mode)),
        rx.table.cell(status_badge(r.status)),
        rx.table.cell(r.when),
        rx.table.cell(r.registered.to_string()),
    )


def _table() -> rx.Component:
    s = DaysState
    return rx.cond(
        s.rows.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(tr("ui.days.company")),
                rx.table.column_header_cell(tr("ui.days.positions")),
                rx.table.column_header_cell(tr("ui.days.mode")),
                rx.table.column_header_cell(tr("ui.days.status")),
                rx.table.column_header_cell(tr("ui.days.date")),
                rx.table.column_header_cell(tr("ui.days.registered")),
            )),
            rx.table.body(rx.foreach(s.rows, _row)),
            width="100%", variant="surface",
        ),
        empty("ui.days.none"),
    )


def days_page() -> rx.Component:
    return area_page(
        "staff", "ui.days.title", messages(),
        rx.text(tr("ui.days.intro"), size="2"),
        rx.cond(DaysState.can_manage, section("ui.days.propose_title", _propose())),
        section("ui.days.list", _table()),
    )


def register(app: rx.App) -> None:
    app.add_page(days_page, route="/staff/recruitment-days", on_load=DaysState.on_load, title="CC Network")
