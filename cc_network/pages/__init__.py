"""One module per page, its state beside it. `register(app)` adds them all."""

from __future__ import annotations

import reflex as rx


def register(app: rx.App) -> None:
    from cc_network.pages import (
        admin,
        areas,
        calendar,
        communications,
        company,
        forgot,
        identity,
        login,
        mailbox,
        meetings,
        needs,
        needs_forms,
        offers,
        partners,
        plan,
        portal,
        portal_calendar,
        procedures,
        reports,
        reset,
        signup,
        sourcing_days,
        staff_portal,
        statistics,
        team,
        tokens,
        verify,
    )

    for module in (login, signup, forgot, reset, areas, team, mailbox, tokens, identity, admin, calendar,
                   portal_calendar, portal, staff_portal, procedures, meetings, verify,
                   company, needs_forms, partners, sourcing_days, offers, needs, statistics, plan, reports,
                   communications):
        module.register(app)
    from cc_network.pages.assessment import (  # external evaluation
        assignments as evaluator_assignments,
    )
    from cc_network.pages.assessment import evaluator
    for module in (evaluator_assignments, evaluator):
        module.register(app)
