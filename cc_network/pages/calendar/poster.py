"""The poster buttons of the event sheet (A01, issue 7 §5): a template to pick, then the PDF,
the A4 PNG or the square PNG, served by the REST route with the browser's session (the
service checks the permission and the centre)."""

from __future__ import annotations

import reflex as rx

from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import api_url
from cc_network.ui.session import AppState
from workflows.communications.posters import TEMPLATES


class PosterState(AppState):
    poster_template: str = "default"

    @rx.event
    def choose_poster_template(self, value: str):
        # any client may send anything: only a known template name is kept
        if isinstance(value, str) and value in TEMPLATES:
            self.poster_template = value


def poster_links(event_id: rx.Var) -> rx.Component:
    base = (f"{api_url()}/api/v1/tenants/" + AppState.tenant_slug + "/events/" + event_id.to_string()
            + "/poster?template=" + PosterState.poster_template + "&lang=" + I18nState.lang + "&format=")

    def link(fmt: str, key: str) -> rx.Component:
        return rx.link(rx.button(tr(key), variant="soft", size="1"), href=base + fmt, is_external=True)

    return rx.flex(
        rx.el.label(
            rx.text(tr("ui.poster.template"), size="2"),
            rx.el.select(*[rx.el.option(tr(f"ui.poster.template.{name}"), value=name) for name in TEMPLATES],
                         value=PosterState.poster_template, on_change=PosterState.choose_poster_template,
                         id="poster-template", style={"padding": "0.2em 0.4em", "borderRadius": "6px"}),
            style={"display": "inline-flex", "gap": "0.4em", "alignItems": "center"},
        ),
        link("pdf", "ui.poster.pdf"), link("png", "ui.poster.png"), link("square", "ui.poster.square"),
        spacing="2", align="center", wrap="wrap", role="group", aria_label=tr("ui.poster.title"),
    )
