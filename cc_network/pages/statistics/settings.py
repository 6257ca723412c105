"""/staff/statistics/settings: the weekly cut-off of the statistics and the coordination
meeting's day (P24.2, INC-11: "entries before Thursday for the Friday meeting"), and the host
institution's addresses reports are sent to. The manager changes them; the team reads them."""

from __future__ import annotations

import reflex as rx

from cc_network.pages.calendar.common import select_field
from cc_network.pages.forms import form_str
from cc_network.pages.statistics.common import WEEKDAYS
from cc_network.ui.components import messages
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.reporting.settings import do_update_reporting_settings, get_reporting_settings


class StatsSettingsState(AppState):
    cutoff: str = "3"
    meeting: str = "4"
    recipients: str = ""
    can_edit: bool = False
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        v = get_reporting_settings(actor, actor.tenant_id or 0)
        self.cutoff, self.meeting = str(v.cutoff_weekday), str(v.meeting_weekday)
        self.recipients = "\n".join(v.host_recipients)
        self.form_key += 1

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.can_edit = actor.can(Perm.TENANT_SETTINGS)
        self.cutoff, self.meeting, self.recipients = "3", "4", ""
        try:
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def save(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            cutoff, meeting = form_str(form, "cutoff", max_len=2), form_str(form, "meeting", max_len=2)
            if cutoff not in {str(d) for d in WEEKDAYS} or meeting not in {str(d) for d in WEEKDAYS}:
                raise Invalid("a weekday", code="invalid_weekday")
            recipients = form_str(form, "recipients", max_len=5000)
            do_update_reporting_settings(actor, actor.tenant_id or 0, {
                "cutoff_weekday": int(cutoff), "meeting_weekday": int(meeting), "host_recipients": recipients})
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.stats.settings_saved")
        return None


def _weekdays() -> list[tuple[str, rx.Var]]:
    return [(str(d), tr(f"ui.stats.weekday.{d}")) for d in WEEKDAYS]


def settings_page() -> rx.Component:
    s = StatsSettingsState
    return area_page(
        "staff", "ui.stats.settings_title",
        rx.link(tr("ui.stats.title"), href="/staff/statistics", size="2"),
        messages(),
        rx.text(tr("ui.stats.settings_help"), size="2", color_scheme="gray"),
        rx.card(rx.form(
            rx.flex(
                select_field(tr("ui.stats.cutoff_weekday"), "cutoff", _weekdays(), default=s.cutoff),
                select_field(tr("ui.stats.meeting_weekday"), "meeting", _weekdays(), default=s.meeting),
                rx.flex(rx.el.label(tr("ui.stats.host_recipients"), html_for="stats-recipients"),
                        rx.text_area(name="recipients", id="stats-recipients", default_value=s.recipients,
                                     rows="4", width="100%", read_only=~s.can_edit),
                        rx.text(tr("ui.stats.host_recipients_help"), size="1", color_scheme="gray"),
                        direction="column", spacing="1", width="100%"),
                rx.cond(s.can_edit, rx.button(tr("ui.stats.save"), type="submit")),
                direction="column", spacing="3", width="100%", max_width="36em",
            ),
            on_submit=s.save, reset_on_submit=False, key=s.form_key.to_string() + "-settings",
        ), width="100%"),
    )


def register(app: rx.App) -> None:
    app.add_page(settings_page, route="/staff/statistics/settings", on_load=StatsSettingsState.on_load,
                 title="CC Network")
