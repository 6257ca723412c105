"""/staff/channels: the centre's social-network connections. The communication counselor and
the manager connect an account (its token is stored encrypted and never shown again: only its
last four characters), reconnect one whose token expired, and disconnect one after confirming.
Every action calls workflows.communications.channels."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import select_field
from cc_network.pages.forms import as_id, form_str
from cc_network.ui.components import confirm_dialog, empty, field, messages, submit
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from integrations.social import PROVIDERS
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.communications import channels

ROUTE = "/staff/channels"
STATUS_COLOURS = {"connected": "green", "expired": "red", "error": "amber"}


@dataclasses.dataclass
class ChannelRow:
    id: int = 0
    provider: str = ""
    name: str = ""
    where: str = ""  # the page / organisation id, or the instance / webhook address
    status: str = ""
    last_error: str = ""
    hint: str = ""


class ChannelsState(AppState):
    allowed: bool = False
    can_manage: bool = False
    rows: list[ChannelRow] = []
    expired: int = 0
    provider: str = "facebook"  # the connect form's network: which fields it shows
    # a webhook's generated secret, shown once: cleared by the next load or action
    new_secret: str = ""

    def _load(self, actor: Actor) -> None:
        self.allowed = False
        views = channels.list_channels(actor, actor.tenant_id or 0)
        self.allowed = True
        self.can_manage = actor.can(Perm.COMM_MANAGE)
        self.rows = [ChannelRow(v.id, v.provider, v.display_name, v.account_id or v.base_url, v.status,
                                v.last_error, v.token_hint) for v in views]
        self.expired = sum(1 for v in views if v.status != channels.ChannelStatus.CONNECTED.value)

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.allowed, self.can_manage, self.expired = [], False, False, 0
        self.provider, self.new_secret = "facebook", ""
        return self._refresh(actor)

    @rx.event
    def choose_provider(self, provider: str):
        if provider in PROVIDERS:
            self.provider = provider

    @rx.event
    def connect(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.new_secret = ""
        try:
            v = channels.do_connect(
                actor, actor.tenant_id or 0, provider=form_str(form, "provider", max_len=16),
                display_name=form_str(form, "display_name", max_len=120),
                account_id=form_str(form, "account_id", max_len=100),
                base_url=form_str(form, "base_url", max_len=500),
                token=form_str(form, "token", max_len=4000), secret=form_str(form, "secret", max_len=4000))
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.new_secret = v.new_secret
        self._ok("ui.channels.connected")
        return None

    @rx.event
    def disconnect(self, channel_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.new_secret = ""
        try:
            channels.do_disconnect(actor, actor.tenant_id or 0, as_id(channel_id))
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.channels.disconnected")
        return None


def _status(status) -> rx.Component:
    return rx.match(
        status,
        *[(s, rx.badge(tr(f"ui.channels.status.{s}"), color_scheme=c, variant="soft"))
          for s, c in STATUS_COLOURS.items()],
        rx.badge(status),
    )


def _row(c) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(c.name),
        rx.table.cell(I18nState.tx["ui.channels.provider." + c.provider]),
        rx.table.cell(rx.code(c.where)),
        rx.table.cell(rx.vstack(_status(c.status),
                                rx.cond(c.last_error != "", rx.text(c.last_error, size="1", color_scheme="gray")),
                                spacing="1")),
        rx.table.cell(rx.cond(c.hint != "", rx.code(c.hint), "")),
        rx.cond(ChannelsState.can_manage,
                rx.table.cell(confirm_dialog("ui.channels.disconnect", "ui.channels.disconnect_title",
                                             "ui.channels.disconnect_text", ChannelsState.disconnect(c.id),
                                             subject=c.name))),
    )


def _connect_form() -> rx.Component:
    p = ChannelsState.provider
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(tr("ui.channels.connect_title"), size="4"),
                rx.text(tr("ui.channels.connect_intro"), size="2", color_scheme="gray"),
                select_field(tr("ui.channels.provider"), "provider",
                             [(v, tr(f"ui.channels.provider.{v}")) for v in PROVIDERS], default="facebook",
                             on_change=ChannelsState.choose_provider, form="channel"),
                field("ui.channels.display_name", "display_name"),
                rx.cond((p == "facebook") | (p == "linkedin"),
                        field("ui.channels.account_id", "account_id", hint_key="ui.channels.account_id_hint")),
                rx.cond((p == "mastodon") | (p == "webhook"),
                        field("ui.channels.base_url", "base_url", type="url", hint_key="ui.channels.base_url_hint")),
                rx.cond(p == "webhook",
                        field("ui.channels.secret", "secret", type="password", required=False,
                              autocomplete="off", hint_key="ui.channels.secret_hint"),
                        field("ui.channels.token", "token", type="password", autocomplete="off",
                              hint_key="ui.channels.token_hint")),
                submit("ui.channels.connect"),
                spacing="3", width="100%",
            ),
            on_submit=ChannelsState.connect, reset_on_submit=True, width="100%",
        ),
        width="100%",
    )


def channels_page() -> rx.Component:
    return area_page(
        "staff", "ui.channels.title",
        rx.text(tr("ui.channels.intro"), size="2", color_scheme="gray"),
        messages(),
        rx.cond(
            ChannelsState.allowed,
            rx.vstack(
                rx.cond(ChannelsState.expired > 0,
                        rx.callout(tr("ui.channels.expired_notice"), color_scheme="red", role="alert", width="100%")),
                rx.cond(ChannelsState.new_secret != "",
                        rx.callout(rx.vstack(rx.text(tr("ui.channels.copy_secret")),
                                             rx.code(ChannelsState.new_secret, size="3",
                                                     aria_label=tr("ui.channels.secret"))),
                                   color_scheme="amber", width="100%")),
                rx.cond(
                    ChannelsState.rows.length() > 0,
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell(tr("ui.channels.display_name")),
                            rx.table.column_header_cell(tr("ui.channels.provider")),
                            rx.table.column_header_cell(tr("ui.channels.where")),
                            rx.table.column_header_cell(tr("ui.channels.status")),
                            rx.table.column_header_cell(tr("ui.channels.token")),
                            rx.cond(ChannelsState.can_manage, rx.table.column_header_cell(tr("ui.team.actions"))),
                        )),
                        rx.table.body(rx.foreach(ChannelsState.rows, _row)),
                        width="100%", variant="surface", dir=I18nState.dir,
                    ),
                    empty("ui.channels.empty"),
                ),
                rx.cond(ChannelsState.can_manage, _connect_form()),
                spacing="4", width="100%",
            ),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(channels_page, route=ROUTE, on_load=ChannelsState.on_load, title="CC Network")
