"""One module per page, its state beside it. `register(app)` adds them all."""

from __future__ import annotations

import reflex as rx


def register(app: rx.App) -> None:
    from cc_network.pages import (
        admin,
        areas,
        calendar,
        forgot,
        identity,
        login,
        mailbox,
        meetings,
        portal,
        portal_calendar,
        procedures,
        reset,
        signup,
        staff_portal,
        team,
        tokens,
        verify,
    )

    for module in (login, signup, forgot, reset, areas, team, mailbox, tokens, identity, admin, calendar,
                   portal_calendar, portal, staff_portal, procedures, meetings, verify):
        module.register(app)
