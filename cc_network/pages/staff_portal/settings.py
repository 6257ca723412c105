"""/staff/portal/settings: the rules of the centre's student portal, set by the manager:
automatic confirmation and length of individual sessions, the students' cancellation
cut-off, the no-show policy, how long a freed seat is held, the largest CV accepted.
A bad value is shown next to its field and nothing is saved."""

from __future__ import annotations

import reflex as rx

from cc_network.pages.calendar.common import input_field
from cc_network.pages.forms import form_str
from cc_network.ui.components import checkbox, messages
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.portal.settings.models import PortalSettings
from tenants.portal.settings.services import (
    PortalSettingsInput,
    do_update_portal_settings,
    read_portal_settings,
)

KB = 1024


def _bounds(name: str) -> tuple[int, int]:
    meta = PortalSettingsInput.model_fields[name].metadata
    low = next(m.ge for m in meta if hasattr(m, "ge"))
    high = next(m.le for m in meta if hasattr(m, "le"))
    return low, high


# (input name, model field, unit: the input counts this many of the model's units)
NUMBERS: list[tuple[str, str, int]] = [
    ("session_minutes", "session_minutes", 1),
    ("cancellation_cutoff_hours", "cancellation_cutoff_hours", 1),
    ("no_show_limit", "no_show_limit", 1),
    ("no_show_suspension_days", "no_show_suspension_days", 1),
    ("waitlist_hold_hours", "waitlist_hold_hours", 1),
    ("cv_max_kb", "cv_max_bytes", KB),
]
INPUT_OF = {field: name for name, field, _unit in NUMBERS}
SECTIONS = {"ui.portal_settings.sessions": ["session_minutes", "cancellation_cutoff_hours"],
            "ui.portal_settings.no_shows": ["no_show_limit", "no_show_suspension_days"],
            "ui.portal_settings.registrations": ["waitlist_hold_hours"],
            "ui.portal_settings.profiles": ["cv_max_kb"]}


def _values(row: PortalSettings) -> dict[str, str]:
    return {name: str(getattr(row, field) // unit) for name, field, unit in NUMBERS}


class PortalSettingsPageState(AppState):
    allowed: bool = False
    values: dict[str, str] = {}
    auto_confirm: bool = False
    # the inputs whose value was refused
    field_errors: list[str] = []
    form_key: int = 0

    def _show(self, row: PortalSettings) -> None:
        self.values, self.auto_confirm = _values(row), bool(row.auto_confirm_sessions)
        self.field_errors = []
        self.form_key += 1

    def _load(self, actor: Actor) -> None:
        self._show(read_portal_settings(actor, actor.tenant_id or 0))

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.values, self.field_errors, self.auto_confirm = {}, [], False
        self.allowed = actor.can(Perm.TENANT_SETTINGS)
        if not self.allowed:
            return None
        return self._refresh(actor)

    @rx.event
    def save(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.field_errors = []
        try:
            data: dict[str, object] = {"auto_confirm_sessions": form_str(form, "auto_confirm_sessions",
                                                                         max_len=10) not in ("", "off")}
            bad = []
            for name, field, unit in NUMBERS:
                raw = form_str(form, name, max_len=12).strip()
                if raw.isascii() and raw.isdigit():
                    data[field] = int(raw) * unit
                else:
                    bad.append(name)
            if bad:
                self.field_errors = bad
                raise Invalid("not a whole number", code="invalid_number")
            row = do_update_portal_settings(actor, actor.tenant_id or 0, data)
        except ServiceError as exc:
            if not self.field_errors:
                self.field_errors = [INPUT_OF[f["field"]] for f in exc.params.get("fields", [])
                                     if f.get("field") in INPUT_OF]
            self._fail(exc)
            return None
        self._show(row)
        self._ok("ui.portal_settings.saved")
        return None


# ---------------------------------------------------------------- page

def _number(name: str) -> rx.Component:
    s = PortalSettingsPageState
    field = dict((n, f) for n, f, _u in NUMBERS)[name]
    unit = dict((n, u) for n, _f, u in NUMBERS)[name]
    low, high = _bounds(field)
    low, high = low // unit, high // unit
    return rx.vstack(
        input_field(tr(f"ui.portal_settings.{name}"), name, type="number", default=s.values[name].to(str),
                    required=True, min=str(low), max=str(high), step="1"),
        rx.text(tr(f"ui.portal_settings.{name}_hint"), " ", tr("ui.portal_settings.between"), f" {low} – {high}.",
                size="1", color_scheme="gray"),
        rx.cond(s.field_errors.contains(name),
                rx.text(tr("ui.portal_settings.bad_value"), f" ({low} – {high})", size="2", color_scheme="red",
                        weight="medium")),
        spacing="1", width="100%",
    )


def _form() -> rx.Component:
    s = PortalSettingsPageState
    sessions = [rx.vstack(
        checkbox(tr("ui.portal_settings.auto_confirm_sessions"), "auto_confirm_sessions", checked=s.auto_confirm),
        rx.text(tr("ui.portal_settings.auto_confirm_sessions_hint"), size="1", color_scheme="gray"),
        spacing="1", width="100%")]
    cards = []
    for title, names in SECTIONS.items():
        extra = sessions if title == "ui.portal_settings.sessions" else []
        cards.append(rx.card(rx.vstack(rx.heading(tr(title), size="4", as_="h2"), *extra,
                                       *[_number(n) for n in names], spacing="3", width="100%"), width="100%"))
    return rx.form(
        rx.vstack(*cards, rx.button(tr("ui.save"), type="submit"), spacing="4", width="100%"),
        on_submit=s.save, reset_on_submit=False, width="100%", key=s.form_key.to_string(),
    )


def portal_settings_page() -> rx.Component:
    s = PortalSettingsPageState
    return area_page(
        "staff", "ui.portal_settings.title",
        rx.cond(
            s.allowed,
            rx.vstack(messages(), rx.text(tr("ui.portal_settings.intro"), size="2"), _form(), spacing="4",
                      width="100%"),
            rx.callout(tr("ui.portal_settings.not_allowed"), color_scheme="amber", role="alert", width="100%"),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(portal_settings_page, route="/staff/portal/settings", on_load=PortalSettingsPageState.on_load,
                 title="CC Network")
