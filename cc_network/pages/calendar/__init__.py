"""The staff calendar (issue 3 §4, §10): planning views, event form and sheet, settings,
availability. `register(app)` adds its pages."""

from __future__ import annotations

import reflex as rx


def register(app: rx.App) -> None:
    from cc_network.pages.calendar import availability, form, planning, settings, sheet

    for module in (planning, form, sheet, settings, availability):
        module.register(app)
