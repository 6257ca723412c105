"""The student area (issue 4 §7): home, sessions with a counselor, workshops, profile.
`register(app)` adds its pages."""

from __future__ import annotations

import reflex as rx


def register(app: rx.App) -> None:
    from cc_network.pages.portal import home, profile, sessions, surveys, workshops

    for module in (home, sessions, workshops, profile, surveys):
        module.register(app)
