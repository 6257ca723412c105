"""The team's meetings (issue 6 §4, P03): /staff/meetings lists the weekly, monthly and
semester meetings of the calendar; /staff/meetings/[meeting_id] is one meeting's record — the
agenda gathered from the running procedures, the statistics of the period, the progress per
member, the minutes, closing. Every page calls workflows.meetings.services."""

from __future__ import annotations

import reflex as rx


def register(app: rx.App) -> None:
    from cc_network.pages.meetings import listing, record

    for module in (listing, record):
        module.register(app)
