"""/staff/mailbox: the dev mailbox (what the embedded default 'sent'), newest first."""

from __future__ import annotations

import dataclasses
import math

import reflex as rx

from cc_network.ui.components import empty, messages, pager
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.core.actor import Actor
from tenants.team.mailbox import list_dev_mail

PER_PAGE = 20


@dataclasses.dataclass
class MailRow:
    id: int = 0
    to_email: str = ""
    subject: str = ""
    body: str = ""
    date: str = ""


class MailboxState(AppState):
    mails: list[MailRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1

    def _load(self, actor: Actor | None = None):
        actor = actor or self._actor()
        if actor is None:
            return rx.redirect("/login")
        # a network admin outside any centre reads the whole network's mail
        tenant_id = actor.tenant_id if actor.tenant_id is not None or not actor.is_network_admin else None
        try:
            result = list_dev_mail(actor, tenant_id, page=self.page, per_page=PER_PAGE)
        except ServiceError as exc:
            self.mails, self.total = [], 0
            self._fail(exc)
            return None
        self.mails = [MailRow(m.id, m.to_email, m.subject, m.body_text,
                              m.created_at.strftime("%Y-%m-%d %H:%M UTC")) for m in result.items]
        self.total = result.total
        self.pages = max(1, math.ceil(result.total / PER_PAGE))
        return None

    @rx.event
    def on_load(self):
        actor, redirect = self._enter(None)
        if actor is None:
            return redirect
        self.page = 1
        return self._load(actor)

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        return self._load()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        return self._load()


def _mail(m) -> rx.Component:
    return rx.card(
        rx.el.article(
            rx.heading(m.subject, size="3", as_="h2"),
            rx.text(tr("ui.mailbox.to"), " ", m.to_email, " · ", m.date, size="1", color_scheme="gray"),
            rx.el.pre(m.body, style={"whiteSpace": "pre-wrap", "fontFamily": "inherit",
                                     "marginTop": "0.6em", "unicodeBidi": "plaintext"}),
        ),
        width="100%",
    )


def mailbox_page() -> rx.Component:
    return area_page(
        "staff", "ui.mailbox.title",
        rx.text(tr("ui.mailbox.intro"), size="2", color_scheme="gray"),
        messages(),
        rx.cond(MailboxState.mails.length() > 0,
                rx.vstack(rx.foreach(MailboxState.mails, _mail), width="100%", spacing="3"),
                empty("ui.mailbox.empty")),
        pager(MailboxState.page, MailboxState.pages, MailboxState.prev_page, MailboxState.next_page),
    )


def register(app: rx.App) -> None:
    app.add_page(mailbox_page, route="/staff/mailbox", on_load=MailboxState.on_load, title="CC Network")
