"""Form pieces. Every input sits inside its <label>, so a screen reader and
Playwright's get_by_label find the same thing."""

from __future__ import annotations

import reflex as rx

from cc_network.ui.i18n import tr, tr_var
from cc_network.ui.session import AppState


def field(label_key: str, name: str, *, type: str = "text", required: bool = True,
          autocomplete: str | None = None, default_value: rx.Var | str | None = None,
          hint_key: str | None = None) -> rx.Component:
    props: dict = {"name": name, "type": type, "required": required, "width": "100%"}
    if autocomplete:
        props["auto_complete"] = autocomplete
    if default_value is not None:
        props["default_value"] = default_value
    label = rx.el.label(
        rx.flex(rx.text(tr(label_key), size="2", weight="medium"), rx.input(**props),
                direction="column", spacing="1"),
        style={"width": "100%"},
    )
    if not hint_key:
        return label
    # the hint stays outside the label, so the field's accessible name is the label alone
    return rx.flex(label, rx.text(tr(hint_key), size="1", color_scheme="gray"),
                   direction="column", spacing="1", width="100%")


def checkbox(label: rx.Var, name: str | rx.Var, *, checked: rx.Var | bool = False,
             value: str | rx.Var = "on") -> rx.Component:
    return rx.el.label(
        rx.el.input(type="checkbox", name=name, value=value, default_checked=checked,
                    style={"width": "1.1em", "height": "1.1em"}),
        rx.text(label, as_="span", size="2"),
        style={"display": "inline-flex", "gap": "0.4em", "alignItems": "center",
               "marginInlineEnd": "1em"},
    )


def messages() -> rx.Component:
    """The current error (role=alert) or confirmation (role=status) of the page."""
    return rx.fragment(
        rx.cond(AppState.error != "",
                rx.callout(tr_var(AppState.error), color_scheme="red", role="alert", width="100%")),
        rx.cond(AppState.notice != "",
                rx.callout(tr_var(AppState.notice), color_scheme="green", role="status", width="100%")),
    )


def submit(label_key: str, **props) -> rx.Component:
    return rx.button(tr(label_key), type="submit", **props)


def empty(key: str) -> rx.Component:
    return rx.text(tr(key), color_scheme="gray", padding_y="1em")


def pager(page: rx.Var, pages: rx.Var, prev_handler, next_handler) -> rx.Component:
    return rx.hstack(
        rx.button(tr("ui.pager.previous"), on_click=prev_handler, disabled=page <= 1, variant="soft"),
        rx.text(tr("ui.pager.page"), " ", page.to_string(), " / ", pages.to_string(), size="2"),
        rx.button(tr("ui.pager.next"), on_click=next_handler, disabled=page >= pages, variant="soft"),
        align="center", spacing="3",
    )


def confirm_dialog(label_key: str, title_key: str, text_key: str, on_confirm, *, subject=None,
                   confirm_key: str | None = None, danger: bool = True) -> rx.Component:
    """A button that asks before a destructive (or notable) action: title, text with the
    subject in bold, Cancel, and the confirming button that runs `on_confirm`."""
    color = {"color_scheme": "red"} if danger else {}
    text = [tr(text_key)] + ([" ", rx.text.strong(subject)] if subject is not None else [])
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(tr(label_key), size="1", variant="soft", **color)),
        rx.alert_dialog.content(
            rx.alert_dialog.title(tr(title_key)),
            rx.alert_dialog.description(*text),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(tr("ui.cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(tr(confirm_key or label_key), on_click=on_confirm, **color)),
                spacing="3", justify="end", margin_top="1em",
            ),
        ),
    )
