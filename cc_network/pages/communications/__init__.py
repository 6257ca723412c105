"""Communication pages (issue 7): /staff/channels, the centre's social-network connections;
/staff/communications (items and their approval), its plans, calendar of publications and
media library."""

from __future__ import annotations

import reflex as rx


def register(app: rx.App) -> None:
    from cc_network.pages import preferences
    from cc_network.pages.communications import (
        channels,
        items,
        mailings,
        media,
        plans,
        publications,
    )

    for module in (channels, items, plans, publications, media, mailings, preferences):
        module.register(app)
