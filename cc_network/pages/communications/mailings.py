"""/staff/communications/mailings: e-mail mailings to a segment (issue 7 §3): write one in French
(Arabic and English optional) with personalisation, choose who receives it, send it now or at a
time, follow its delivery log per recipient; cancel what is not sent yet."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import reflex as rx

from cc_network.pages.calendar.common import local_text
from cc_network.pages.forms import as_id, as_page, form_str, id_or_zero
from cc_network.pages.portal.common import zone_of
from cc_network.ui.components import confirm_dialog, empty, messages, pager, submit
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.communications import mailing as svc

ROUTE = "/staff/communications/mailings"
PER_PAGE = 20
LOG_PER_PAGE = 50


@dataclasses.dataclass
class MailingView:
    id: int = 0
    title: str = ""
    state: str = ""
    recipients: int = 0
    scheduled: str = ""
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    waiting: int = 0


@dataclasses.dataclass
class DeliveryView:
    email: str = ""
    state: str = ""
    reason: str = ""
    sent: str = ""


def _area(text: str, name: str) -> rx.Component:
    return rx.el.label(rx.flex(rx.text(tr(text), size="2", weight="medium"),
                               rx.text_area(name=name, rows="5", width="100%"), direction="column", spacing="1"),
                       style={"width": "100%"})


class MailingsState(AppState):
    can_manage: bool = False
    can_settings: bool = False
    # the centre's mail settings (the password is never sent to the page)
    smtp_host: str = ""
    smtp_port: str = "587"
    smtp_username: str = ""
    has_password: bool = False
    smtp_starttls: bool = True
    from_address: str = ""
    from_name: str = ""
    weekly_cap: str = "3"
    rows: list[MailingView] = []
    page: int = 1
    pages: int = 1
    # the delivery log of one mailing
    log_id: int = 0
    log_title: str = ""
    log_state: str = ""
    log: list[DeliveryView] = []
    log_page: int = 1
    log_pages: int = 1

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        self.can_manage = actor.can(Perm.COMM_MANAGE)
        self.can_settings = actor.can(Perm.TENANT_SETTINGS)
        ms = svc.get_mail_settings(actor, tid)
        self.smtp_host, self.smtp_port, self.smtp_username = ms.smtp_host, str(ms.smtp_port), ms.smtp_username
        self.has_password, self.smtp_starttls = ms.has_password, ms.smtp_starttls
        self.from_address, self.from_name, self.weekly_cap = ms.from_address, ms.from_name, str(ms.weekly_cap)
        rows, total = svc.list_mailings(actor, tid, page=self.page, per_page=PER_PAGE)
        zone = zone_of(self.tenant_slug)
        self.pages = max(1, -(-total // PER_PAGE))
        self.rows = [MailingView(r.id, r.title, r.state, r.recipients,
                                 local_text(r.scheduled_at, zone, "%d/%m/%Y %H:%M") if r.scheduled_at else "",
                                 r.counts.get("sent", 0), r.counts.get("failed", 0) + r.counts.get("bounced", 0),
                                 r.counts.get("skipped", 0),
                                 r.counts.get("queued", 0) + r.counts.get("sending", 0)) for r in rows]
        if self.log_id:
            self._load_log(actor)

    def _load_log(self, actor: Actor) -> None:
        rows, total = svc.delivery_log(actor, actor.tenant_id or 0, self.log_id, state=self.log_state,
                                       page=self.log_page, per_page=LOG_PER_PAGE)
        zone = zone_of(self.tenant_slug)
        self.log_pages = max(1, -(-total // LOG_PER_PAGE))
        self.log = [DeliveryView(d.email, d.state, d.reason,
                                 local_text(d.sent_at, zone, "%d/%m %H:%M") if d.sent_at else "") for d in rows]

    def _run(self, fn, notice: str = ""):  # noqa: ANN001
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            fn(actor)
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        if notice:
            self._ok(notice)
        return None

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.page, self.log_id, self.log = 1, 0, []
        try:
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def create(self, form: dict):
        def go(actor: Actor) -> None:
            kind = form_str(form, "audience", max_len=30)
            audience: dict = {"kind": kind}
            if kind == "students":
                levels = [v.strip() for v in form_str(form, "levels", max_len=300).split(",") if v.strip()]
                audience["levels"] = levels[:30]
            elif kind == "event_registrants":
                audience["event_id"] = id_or_zero(form_str(form, "event_id", max_len=12))
            texts = {lang: form_str(form, f"body_{lang}", max_len=svc.MAX_BODY) for lang in svc.LANGS}
            subjects = {lang: form_str(form, f"subject_{lang}", max_len=svc.MAX_SUBJECT) for lang in svc.LANGS}
            svc.do_create_mailing(actor, actor.tenant_id or 0, title=form_str(form, "title", max_len=200),
                                  subject=subjects, body=texts, audience=audience,
                                  category=form_str(form, "category", max_len=20) or "events")

        return self._run(go, "ui.mailings.created")

    @rx.event
    def send(self, form: dict):
        def go(actor: Actor) -> None:
            at = None
            raw = form_str(form, "at", max_len=20)
            if raw:
                try:
                    at = datetime.fromisoformat(raw).replace(tzinfo=zone_of(self.tenant_slug))
                except ValueError:
                    raise Invalid("bad date", code="invalid_datetime") from None
            svc.do_schedule_mailing(actor, actor.tenant_id or 0, as_id(form.get("mailing_id")), at)

        return self._run(go, "ui.mailings.scheduled")

    @rx.event
    def save_settings(self, form: dict):
        def go(actor: Actor) -> None:
            svc.do_update_mail_settings(actor, actor.tenant_id or 0, {
                "smtp_host": form_str(form, "smtp_host", max_len=200),
                "smtp_port": form_str(form, "smtp_port", max_len=6) or 587,
                "smtp_username": form_str(form, "smtp_username", max_len=200),
                "smtp_password": form_str(form, "smtp_password", max_len=500),
                "smtp_starttls": bool(form.get("smtp_starttls")),
                "from_address": form_str(form, "from_address", max_len=254),
                "from_name": form_str(form, "from_name", max_len=200),
                "weekly_cap": form_str(form, "weekly_cap", max_len=3)})

        return self._run(go, "ui.mailings.settings_saved")

    @rx.event
    def cancel(self, mailing_id: int):
        return self._run(lambda a: svc.do_cancel_mailing(a, a.tenant_id or 0, as_id(mailing_id)),
                         "ui.mailings.cancelled")

    @rx.event
    def open_log(self, mailing_id: int):
        mid = as_id(mailing_id)
        self.log_title = next((r.title for r in self.rows if r.id == mid), "")
        self.log_id, self.log_page, self.log_state = mid, 1, ""
        return self._run(lambda a: None)

    @rx.event
    def filter_log(self, state: str):
        state = str(state or "")
        self.log_state = "" if state == "all" else state[:12]
        self.log_page = 1
        return self._run(lambda a: None)

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        return self._run(lambda a: None)

    @rx.event
    def prev_page(self):
        self.page = max(1, self.page - 1)
        return self._run(lambda a: None)

    @rx.event
    def log_next(self):
        self.log_page = min(as_page(self.log_page + 1), self.log_pages)
        return self._run(lambda a: None)

    @rx.event
    def log_prev(self):
        self.log_page = max(1, self.log_page - 1)
        return self._run(lambda a: None)


def _new_form() -> rx.Component:
    def lang_block(lang: str) -> rx.Component:
        return rx.vstack(
            rx.el.label(rx.flex(rx.text(tr(f"ui.mailings.subject_{lang}"), size="2", weight="medium"),
                                rx.input(name=f"subject_{lang}", required=lang == "fr", width="100%"),
                                direction="column", spacing="1"), style={"width": "100%"}),
            _area(f"ui.mailings.body_{lang}", f"body_{lang}"),
            width="100%",
        )

    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(tr("ui.mailings.new"), size="4"),
                rx.el.label(rx.flex(rx.text(tr("ui.mailings.title_field"), size="2", weight="medium"),
                                    rx.input(name="title", required=True, max_length=200, width="100%"),
                                    direction="column", spacing="1"), style={"width": "100%"}),
                rx.hstack(
                    rx.el.label(rx.flex(rx.text(tr("ui.mailings.audience"), size="2", weight="medium"),
                                        rx.el.select(*[rx.el.option(tr(f"ui.mailings.audience.{k}"), value=k)
                                                       for k in svc.AUDIENCE_KINDS], name="audience"),
                                        direction="column", spacing="1")),
                    rx.el.label(rx.flex(rx.text(tr("ui.mailings.levels"), size="2", weight="medium"),
                                        rx.input(name="levels", placeholder="L3, M1"), direction="column",
                                        spacing="1")),
                    rx.el.label(rx.flex(rx.text(tr("ui.mailings.event_id"), size="2", weight="medium"),
                                        rx.input(name="event_id", type="number", min=1), direction="column",
                                        spacing="1")),
                    rx.el.label(rx.flex(rx.text(tr("ui.mailings.category"), size="2", weight="medium"),
                                        rx.el.select(*[rx.el.option(tr(f"ui.mailings.category.{c}"), value=c)
                                                       for c in svc.CATEGORIES], name="category"),
                                        direction="column", spacing="1")),
                    wrap="wrap", spacing="3", width="100%",
                ),
                rx.text(tr("ui.mailings.variables"), " ", rx.code(", ".join("{{ " + v + " }}" for v in svc.VARIABLES)),
                        size="1", color_scheme="gray"),
                lang_block("fr"), lang_block("ar"), lang_block("en"),
                submit("ui.mailings.save"),
                width="100%",
            ),
            on_submit=MailingsState.create, reset_on_submit=False, width="100%",
        ),
        width="100%",
    )


def _send_form(m) -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.el.input(type="hidden", name="mailing_id", value=m.id.to_string()),
            rx.el.label(rx.flex(rx.text(tr("ui.mailings.at"), size="1"),
                                rx.input(name="at", type="datetime-local", size="1"), direction="column")),
            rx.button(tr("ui.mailings.send"), type="submit", size="1"),
            align="end", spacing="2",
        ),
        on_submit=MailingsState.send,
    )


def _row(m) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(m.title),
        rx.table.cell(rx.badge(I18nState.tx["ui.mailings.state." + m.state])),
        rx.table.cell(m.recipients.to_string()),
        rx.table.cell(m.sent.to_string(), " / ", m.waiting.to_string(), " / ", m.failed.to_string(), " / ",
                      m.skipped.to_string()),
        rx.table.cell(m.scheduled),
        rx.table.cell(rx.hstack(
            rx.button(tr("ui.mailings.log"), size="1", variant="soft", on_click=MailingsState.open_log(m.id)),
            rx.cond(MailingsState.can_manage & (m.state == "draft"), _send_form(m)),
            rx.cond(MailingsState.can_manage & ((m.state == "scheduled") | (m.state == "sending")),
                    confirm_dialog("ui.mailings.cancel", "ui.mailings.cancel_title", "ui.mailings.cancel_text",
                                   MailingsState.cancel(m.id), subject=m.title)),
            spacing="2", wrap="wrap")),
    )


def _log_row(d) -> rx.Component:
    return rx.table.row(rx.table.row_header_cell(d.email),
                        rx.table.cell(rx.badge(I18nState.tx["ui.mailings.delivery." + d.state])),
                        rx.table.cell(d.reason), rx.table.cell(d.sent))


def _log() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(tr("ui.mailings.log_title"), " ", MailingsState.log_title, size="4"),
            rx.el.label(rx.flex(rx.text(tr("ui.mailings.filter_state"), size="2"),
                                rx.el.select(rx.el.option(tr("ui.mailings.all"), value="all"),
                                             *[rx.el.option(tr(f"ui.mailings.delivery.{s}"), value=s)
                                               for s in ("queued", "sending", "sent", "failed", "bounced",
                                                         "skipped")],
                                             on_change=MailingsState.filter_log),
                                spacing="2", align="center")),
            rx.cond(MailingsState.log.length() > 0,
                    rx.table.root(rx.table.header(rx.table.row(
                        rx.table.column_header_cell(tr("ui.field.email")),
                        rx.table.column_header_cell(tr("ui.mailings.delivery_state")),
                        rx.table.column_header_cell(tr("ui.mailings.reason")),
                        rx.table.column_header_cell(tr("ui.mailings.sent_at")))),
                        rx.table.body(rx.foreach(MailingsState.log, _log_row)), width="100%", variant="surface",
                        dir=I18nState.dir),
                    empty("ui.mailings.log_empty")),
            pager(MailingsState.log_page, MailingsState.log_pages, MailingsState.log_prev, MailingsState.log_next),
            width="100%",
        ),
        width="100%",
    )


def _labelled(key: str, control: rx.Component) -> rx.Component:
    return rx.el.label(rx.flex(rx.text(tr(key), size="2", weight="medium"), control, direction="column",
                               spacing="1"))


def _settings() -> rx.Component:
    s = MailingsState
    return rx.card(rx.form(rx.vstack(
        rx.heading(tr("ui.mailings.settings"), size="4"),
        rx.text(tr("ui.mailings.settings_hint"), size="1", color_scheme="gray"),
        rx.hstack(
            _labelled("ui.mailings.smtp_host", rx.input(name="smtp_host", default_value=s.smtp_host)),
            _labelled("ui.mailings.smtp_port", rx.input(name="smtp_port", type="number", min=1, max=65535,
                                                        default_value=s.smtp_port)),
            _labelled("ui.mailings.smtp_username", rx.input(name="smtp_username", default_value=s.smtp_username)),
            _labelled("ui.mailings.smtp_password", rx.input(name="smtp_password", type="password",
                                                            placeholder=rx.cond(s.has_password, "••••••", ""))),
            wrap="wrap", spacing="3"),
        rx.hstack(
            _labelled("ui.mailings.from_address", rx.input(name="from_address", type="email",
                                                           default_value=s.from_address)),
            _labelled("ui.mailings.from_name", rx.input(name="from_name", default_value=s.from_name)),
            _labelled("ui.mailings.weekly_cap", rx.input(name="weekly_cap", type="number", min=0, max=50,
                                                         default_value=s.weekly_cap)),
            wrap="wrap", spacing="3"),
        rx.el.label(rx.el.input(type="checkbox", name="smtp_starttls", default_checked=s.smtp_starttls),
                    rx.text(tr("ui.mailings.smtp_starttls"), as_="span", size="2"),
                    style={"display": "inline-flex", "gap": "0.4em", "alignItems": "center"}),
        submit("ui.mailings.save_settings"),
        width="100%"), on_submit=MailingsState.save_settings, reset_on_submit=False), width="100%")


def mailings_page() -> rx.Component:
    return area_page(
        "staff", "ui.mailings.page_title",
        rx.text(tr("ui.mailings.intro"), size="2", color_scheme="gray"),
        messages(),
        rx.cond(MailingsState.can_manage, _new_form()),
        rx.cond(MailingsState.rows.length() > 0,
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(tr("ui.mailings.title_field")),
                        rx.table.column_header_cell(tr("ui.mailings.state")),
                        rx.table.column_header_cell(tr("ui.mailings.recipients")),
                        rx.table.column_header_cell(tr("ui.mailings.counts")),
                        rx.table.column_header_cell(tr("ui.mailings.scheduled_at")),
                        rx.table.column_header_cell(tr("ui.team.actions")))),
                    rx.table.body(rx.foreach(MailingsState.rows, _row)),
                    width="100%", variant="surface", dir=I18nState.dir),
                empty("ui.mailings.empty")),
        pager(MailingsState.page, MailingsState.pages, MailingsState.prev_page, MailingsState.next_page),
        rx.cond(MailingsState.log_id > 0, _log()),
        rx.cond(MailingsState.can_settings, _settings()),
    )


def register(app: rx.App) -> None:
    app.add_page(mailings_page, route=ROUTE, on_load=MailingsState.on_load, title="CC Network")
