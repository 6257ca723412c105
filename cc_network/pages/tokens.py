"""/account/tokens: personal REST tokens for the current centre; the secret is shown once."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.forms import as_id, form_str
from cc_network.ui.components import confirm_dialog, empty, field, messages, submit
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.auth.services import do_create_api_token, do_revoke_api_token, list_api_tokens
from tenants.core.actor import Actor


@dataclasses.dataclass
class TokenRow:
    id: int = 0
    name: str = ""
    prefix: str = ""
    created: str = ""
    last_used: str = ""


class TokensState(AppState):
    tokens: list[TokenRow] = []
    # the new secret, shown once: cleared by the next page load
    new_secret: str = ""

    def _load(self, actor: Actor) -> None:
        self.tokens = [
            TokenRow(t.id, t.name, t.prefix, t.created_at.strftime("%Y-%m-%d"),
                     t.last_used_at.strftime("%Y-%m-%d") if t.last_used_at else "")
            for t in list_api_tokens(actor)
        ]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter(None)
        if actor is None:
            return redirect
        self.new_secret = ""
        try:
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def create(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            issued = do_create_api_token(actor, name=form_str(form, "name", max_len=100))
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.new_secret = issued.secret
        self._ok("ui.tokens.created")
        return None

    @rx.event
    def revoke(self, token_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_revoke_api_token(actor, as_id(token_id))
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.new_secret = ""
        self._ok("ui.tokens.revoked")
        return None


def _token_row(t) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(t.name),
        rx.table.cell(rx.code(t.prefix, "…")),
        rx.table.cell(t.created),
        rx.table.cell(rx.cond(t.last_used != "", t.last_used, tr("ui.tokens.never"))),
        rx.table.cell(confirm_dialog("ui.tokens.revoke", "ui.tokens.revoke_title", "ui.tokens.revoke_text",
                                     TokensState.revoke(t.id), subject=t.name)),
    )


def tokens_page() -> rx.Component:
    return area_page(
        "staff", "ui.tokens.title",
        rx.text(tr("ui.tokens.intro"), size="2", color_scheme="gray"),
        messages(),
        rx.cond(TokensState.new_secret != "",
                rx.callout(rx.vstack(rx.text(tr("ui.tokens.copy_now")),
                                     rx.code(TokensState.new_secret, size="3", aria_label=tr("ui.tokens.secret"))),
                           color_scheme="amber", width="100%")),
        rx.form(
            rx.hstack(field("ui.tokens.name", "name"), submit("ui.tokens.create"), align="end", width="100%"),
            on_submit=TokensState.create, reset_on_submit=True, width="100%",
        ),
        rx.cond(
            TokensState.tokens.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.tokens.name")),
                    rx.table.column_header_cell(tr("ui.tokens.prefix")),
                    rx.table.column_header_cell(tr("ui.tokens.created_on")),
                    rx.table.column_header_cell(tr("ui.tokens.last_used")),
                    rx.table.column_header_cell(tr("ui.team.actions")),
                )),
                rx.table.body(rx.foreach(TokensState.tokens, _token_row)),
                width="100%", variant="surface", dir=I18nState.dir,
            ),
            empty("ui.tokens.empty"),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(tokens_page, route="/account/tokens", on_load=TokensState.on_load, title="CC Network")
