"""/staff/communications: the centre's communication items (P30) with their approval state,
filters, late flags and pages, and the form to draft one; /staff/communications/items/[id]:
one item's editor with its actions (submit, check, send back, validate in the weekly meeting,
delete) and its follow-up figures. Every action calls workflows.communications.items."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.actions import act_and_reload, field_or_fail, path_id
from cc_network.pages.calendar.common import (
    Option,
    input_field,
    local_input,
    local_text,
    parse_local,
    select_field,
    text_area,
)
from cc_network.pages.forms import as_page, form_str, id_or_zero
from cc_network.pages.portal.common import zone_of
from cc_network.ui.components import checkbox, confirm_dialog, empty, messages, pager, submit
from cc_network.ui.i18n import I18nState, tr, tr_var
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.communications import channels
from workflows.communications import items as svc
from workflows.communications.delivery import item_deliveries

ROUTE = "/staff/communications"
ITEM_ROUTE = ROUTE + "/items"
_PATH = re.compile(r"^/staff/communications/items/(\d{1,18})/?$")
PER_PAGE = 20
LANGS = svc.LANGS
STATE_COLOURS = {"draft": "gray", "submitted": "blue", "checked": "indigo", "validated": "green",
                 "publishing": "amber", "published": "teal", "waiting": "red"}
AUDIENCES = ("", "students", "event_registrants", "companies", "host")


@dataclasses.dataclass
class ItemRow:
    id: int = 0
    title: str = ""
    about: str = ""
    publish: str = ""
    due: str = ""
    state: str = ""
    late: bool = False
    channels: str = ""


def state_badge(state) -> rx.Component:  # noqa: ANN001
    return rx.match(state, *[(s, rx.badge(tr(f"ui.comm.state.{s}"), color_scheme=c, variant="soft"))
                             for s, c in STATE_COLOURS.items()], rx.badge(state))


def _channel_options(actor: Actor) -> list[Option]:
    opts = [Option("email", "E-mail")]
    opts += [Option(str(c.id), f"{c.display_name} ({c.provider})")
             for c in channels.list_channels(actor, actor.tenant_id or 0)]
    return opts


def _form_item(form: object, chans: list[Option], zone) -> dict:  # noqa: ANN001
    """The editor's fields as the service takes them (it checks them all)."""
    if not isinstance(form, dict):
        raise Invalid("bad form", code="invalid")
    audience: dict = {}
    kind = form_str(form, "audience", max_len=30)
    if kind:
        audience = {"kind": kind}
        if kind == "students":
            levels = [x.strip() for x in form_str(form, "levels", max_len=500).split(",") if x.strip()]
            audience["levels"] = levels
        elif kind == "event_registrants":
            audience["event_id"] = id_or_zero(form_str(form, "event_id", max_len=12)) or None
    event = form_str(form, "event_id", max_len=12)
    return {
        "title": form_str(form, "title", max_len=200),
        "event_id": id_or_zero(event) or None if event else None,
        "text": {lang: form_str(form, f"text_{lang}", max_len=10_000) for lang in LANGS},
        "subject": {lang: form_str(form, f"subject_{lang}", max_len=200) for lang in LANGS},
        "channels": [o.value for o in chans if form.get(f"ch_{o.value}") not in (None, "", False)],
        "audience": audience,
        "publish_at": parse_local(form_str(form, "publish_at", max_len=20), zone, required=False),
    }


# ---------------------------------------------------------------- the list

class CommItemsState(AppState):
    allowed: bool = False
    can_manage: bool = False
    rows: list[ItemRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    f_state: str = ""
    f_late: bool = False
    f_q: str = ""
    events: list[Option] = []
    chans: list[Option] = []

    def _load(self, actor: Actor) -> None:
        self.allowed = False
        tid = actor.tenant_id or 0
        got = svc.list_items(actor, tid, state=self.f_state or None, late=self.f_late, search=self.f_q,
                             page=self.page, per_page=PER_PAGE)
        zone = zone_of(self.tenant_slug)
        self.rows = [ItemRow(v.id, v.title, v.event_title or v.offer_title, local_text(v.publish_at, zone),
                             v.draft_due_on.strftime("%d/%m/%Y") if v.draft_due_on else "", v.state, v.late,
                             ", ".join(v.channels)) for v in got.items]
        self.total, self.pages = got.total, max(1, -(-got.total // PER_PAGE))
        self.can_manage = actor.can(Perm.COMM_MANAGE)
        if self.can_manage:
            self.events = [Option(str(c.id), f"{c.label} — {local_text(c.when, zone, '%d/%m/%Y')}")
                           for c in svc.event_choices(actor, tid)]
            self.chans = _channel_options(actor)
        self.allowed = True

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.rows, self.allowed, self.page, self.f_state, self.f_late, self.f_q = [], False, 1, "", False, ""
        return self._refresh(actor)

    @rx.event
    def filter(self, form: dict):
        try:
            state = form_str(form, "state", max_len=12)
            self.f_q = form_str(form, "q", max_len=100)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.f_state = state if state in svc.STATES else ""
        self.f_late = form.get("late") not in (None, "", False)
        self.page = 1
        return self._refresh()

    @rx.event
    def next_page(self):
        self.page = min(as_page(self.page + 1), self.pages)
        return self._refresh()

    @rx.event
    def prev_page(self):
        self.page = max(1, self.page - 1)
        return self._refresh()

    @rx.event
    def create(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            data = _form_item(form, _channel_options(actor), zone_of(self.tenant_slug))
            v = svc.do_create_item(actor, actor.tenant_id or 0, data)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.error = ""
        return rx.redirect(f"{ITEM_ROUTE}/{v.id}")


def _row(r: ItemRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(r.title, href=ITEM_ROUTE + "/" + r.id.to_string())),
        rx.table.cell(r.about),
        rx.table.cell(r.publish),
        rx.table.cell(rx.hstack(rx.text(r.due), rx.cond(r.late, rx.badge(tr("ui.comm.late"), color_scheme="red")),
                                spacing="2")),
        rx.table.cell(r.channels),
        rx.table.cell(state_badge(r.state)),
    )


def item_fields(form: str, chans, events, *, title="", event_id="", publish="", text=None, subject=None,
                audience="", levels="", checked=None) -> list[rx.Component]:  # noqa: ANN001
    """The editor's fields (create and edit forms share them)."""
    text, subject = text or {}, subject or {}
    return [
        input_field(tr("ui.comm.title"), "title", default=title, required=True, form=form),
        select_field(tr("ui.comm.event"), "event_id", dynamic=events, default=event_id, blank=tr("ui.comm.no_event"),
                     form=form),
        input_field(tr("ui.comm.publish_at"), "publish_at", type="datetime-local", default=publish, form=form),
        *[text_area(tr(f"ui.comm.text_{lang}"), f"text_{lang}", default=text.get(lang, ""), rows="4", form=form)
          for lang in LANGS],
        *[input_field(tr(f"ui.comm.subject_{lang}"), f"subject_{lang}", default=subject.get(lang, ""), form=form)
          for lang in LANGS],
        rx.el.fieldset(
            rx.el.legend(rx.text(tr("ui.comm.channels"), size="2", weight="medium")),
            rx.foreach(chans, lambda o: checkbox(o.label, "ch_" + o.value,
                                                 checked=checked.contains(o.value) if checked is not None else False)),
        ),
        select_field(tr("ui.comm.audience"), "audience",
                     [(a, tr(f"ui.comm.audience.{a or 'none'}")) for a in AUDIENCES], default=audience, form=form),
        input_field(tr("ui.comm.levels"), "levels", default=levels, form=form),
        rx.text(tr("ui.comm.variables_hint"), size="1", color_scheme="gray"),
    ]


def items_page() -> rx.Component:
    s = CommItemsState
    return area_page(
        "staff", "ui.comm.items_title",
        rx.text(tr("ui.comm.items_intro"), size="2", color_scheme="gray"),
        rx.hstack(rx.link(tr("ui.comm.plans_title"), href=ROUTE + "/plans"),
                  rx.link(tr("ui.comm.calendar_title"), href=ROUTE + "/calendar"),
                  rx.link(tr("ui.comm.media_title"), href=ROUTE + "/media"), spacing="4", wrap="wrap"),
        messages(),
        rx.cond(s.allowed, rx.vstack(
            rx.form(rx.hstack(
                select_field(tr("ui.comm.state"), "state", [(x, tr(f"ui.comm.state.{x or 'all'}"))
                                                            for x in ("", *svc.STATES)], width="12em", form="filter"),
                input_field(tr("ui.comm.search"), "q", width="14em", form="filter"),
                checkbox(tr("ui.comm.late_only"), "late"),
                submit("ui.comm.filter", variant="soft"), align="end", wrap="wrap", spacing="3"),
                on_submit=s.filter, width="100%"),
            rx.cond(s.rows.length() > 0, rx.vstack(
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                        "ui.comm.title", "ui.comm.about", "ui.comm.publish_at", "ui.comm.due", "ui.comm.channels",
                        "ui.comm.state")])),
                    rx.table.body(rx.foreach(s.rows, _row)), width="100%", variant="surface", dir=I18nState.dir),
                pager(s.page, s.pages, s.prev_page, s.next_page), width="100%"),
                empty("ui.comm.items_empty")),
            rx.cond(s.can_manage, rx.card(rx.form(rx.vstack(
                rx.heading(tr("ui.comm.new_item"), size="4", as_="h2"),
                *item_fields("new", s.chans, s.events),
                submit("ui.comm.create"), spacing="3", width="100%"),
                on_submit=s.create, width="100%"), width="100%")),
            spacing="4", width="100%")),
    )


# ---------------------------------------------------------------- one item

@dataclasses.dataclass
class PostLogRow:
    channel: str = ""
    state: str = ""
    reason: str = ""
    url: str = ""
    sent: str = ""


class CommItemState(AppState):
    found: bool = False
    can_manage: bool = False
    can_approve: bool = False
    item_id: int = 0
    title: str = ""
    state: str = ""
    about: str = ""
    event_id: str = ""
    publish: str = ""
    due: str = ""
    late: bool = False
    text: dict[str, str] = {}
    subject: dict[str, str] = {}
    selected: list[str] = []
    audience: str = ""
    levels: str = ""
    sent_back_comment: str = ""
    last_error: str = ""
    validated_in: str = ""
    chans: list[Option] = []
    events: list[Option] = []
    meetings: list[Option] = []
    figures: list[Option] = []  # (label key, count)
    # the delivery log: one row per channel's post, and the e-mail's mailing
    posts: list[PostLogRow] = []
    mailing_id: int = 0

    def _load(self, actor: Actor) -> None:
        self.found = False
        tid = actor.tenant_id or 0
        v = svc.get_item(actor, tid, self.item_id)
        zone = zone_of(self.tenant_slug)
        self.title, self.state, self.about = v.title, v.state, v.event_title or v.offer_title
        self.event_id = str(v.event_id or "")
        self.publish = local_input(v.publish_at, zone)
        self.due = v.draft_due_on.strftime("%d/%m/%Y") if v.draft_due_on else ""
        self.late, self.text, self.subject, self.selected = v.late, dict(v.text), dict(v.subject), list(v.channels)
        self.audience = str(v.audience.get("kind", ""))
        self.levels = ", ".join(v.audience.get("levels", []))
        self.sent_back_comment, self.last_error = v.sent_back_comment, v.last_error
        self.can_manage, self.can_approve = actor.can(Perm.COMM_MANAGE), actor.can(Perm.COMM_APPROVE)
        self.meetings = [Option(str(m.id), f"{m.label} — {local_text(m.when, zone, '%d/%m/%Y')}")
                         for m in svc.open_weekly_meetings(actor, tid)] if self.can_approve else []
        self.validated_in = str(v.validated_in_meeting_id or "")
        if self.can_manage:
            self.chans = _channel_options(actor)
            self.events = [Option(str(c.id), f"{c.label} — {local_text(c.when, zone, '%d/%m/%Y')}")
                           for c in svc.event_choices(actor, tid)]
            if v.event_id and self.event_id not in [o.value for o in self.events]:
                self.events = [Option(self.event_id, v.event_title), *self.events]
        f = svc.item_figures(actor, tid, self.item_id)
        self.figures = [Option(f"ui.comm.fig.email.{k}", str(n)) for k, n in sorted(f.emails.items())] + \
                       [Option(f"ui.comm.fig.post.{k}", str(n)) for k, n in sorted(f.posts.items())] + \
                       [Option("ui.comm.fig.clicks", str(f.clicks))]
        log = item_deliveries(actor, tid, self.item_id, count_mails=False)  # the figures above count them
        self.posts = [PostLogRow(p.channel, p.state, p.reason, p.url, local_text(p.sent_at, zone, "%d/%m %H:%M"))
                      for p in log.posts]
        self.mailing_id = log.mailing_id or 0
        self.found = True

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.found, self.item_id = False, self._from_path()
        return self._refresh(actor)

    def _from_path(self) -> int:
        return path_id(self, _PATH)

    def _act(self, call, notice: str):  # noqa: ANN001
        self.item_id = self._from_path()
        return act_and_reload(self, lambda a: call(a, a.tenant_id or 0), notice)

    @rx.event
    def save(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            data = _form_item(form, _channel_options(actor), zone_of(self.tenant_slug))
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._act(lambda a, t: svc.do_update_item(a, t, self.item_id, data), "ui.comm.saved")

    @rx.event
    def submit_item(self):
        return self._act(lambda a, t: svc.do_submit_item(a, t, self.item_id), "ui.comm.submitted")

    @rx.event
    def check_item(self):
        return self._act(lambda a, t: svc.do_check_item(a, t, self.item_id), "ui.comm.checked")

    @rx.event
    def send_back(self, form: dict):
        return field_or_fail(self, form, "comment", lambda comment: self._act(
            lambda a, t: svc.do_send_back_item(a, t, self.item_id, comment), "ui.comm.sent_back"), max_len=2000)

    @rx.event
    def validate_in_meeting(self, form: dict):
        return field_or_fail(self, form, "meeting_id", lambda raw: self._act(
            lambda a, t: svc.do_validate_item(a, t, self.item_id, id_or_zero(raw)), "ui.comm.validated"), max_len=12)

    @rx.event
    def delete_item(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            svc.do_delete_item(actor, actor.tenant_id or 0, self._from_path())
        except ServiceError as exc:
            self._fail(exc)
            return None
        return rx.redirect(ROUTE)


def item_page() -> rx.Component:
    s = CommItemState
    editable = s.can_manage & ((s.state == "draft") | (s.state == "submitted") | (s.state == "checked")
                               | (s.state == "validated"))
    return area_page(
        "staff", "ui.comm.item_title",
        rx.link(tr("ui.comm.back_to_items"), href=ROUTE),
        messages(),
        rx.cond(s.found, rx.vstack(
            rx.hstack(rx.heading(s.title, size="5", as_="h2"), state_badge(s.state),
                      rx.cond(s.late, rx.badge(tr("ui.comm.late"), color_scheme="red")), align="center", wrap="wrap"),
            rx.cond(s.about != "", rx.text(tr("ui.comm.about"), ": ", s.about, size="2")),
            rx.cond(s.due != "", rx.text(tr("ui.comm.due"), ": ", s.due, size="2")),
            rx.cond(s.sent_back_comment != "",
                    rx.callout(rx.text(tr("ui.comm.sent_back_comment"), ": ", s.sent_back_comment),
                               color_scheme="amber", width="100%")),
            rx.cond(s.last_error != "", rx.callout(s.last_error, color_scheme="red", width="100%")),
            rx.hstack(
                rx.cond(s.can_manage & (s.state == "draft"),
                        rx.button(tr("ui.comm.submit"), on_click=s.submit_item)),
                rx.cond(s.can_approve & (s.state == "submitted"),
                        rx.button(tr("ui.comm.check"), on_click=s.check_item)),
                rx.cond(s.can_manage & (s.state == "draft"),
                        confirm_dialog("ui.comm.delete", "ui.comm.delete_title", "ui.comm.delete_text",
                                       s.delete_item, subject=s.title)),
                spacing="3", wrap="wrap"),
            rx.cond(s.can_approve & ((s.state == "submitted") | (s.state == "checked")),
                    rx.form(rx.hstack(text_area(tr("ui.comm.comment"), "comment", rows="2", form="back"),
                                      submit("ui.comm.send_back", variant="soft", color_scheme="amber"),
                                      align="end", width="100%"), on_submit=s.send_back, width="100%")),
            rx.cond(s.can_approve & (s.state == "checked"),
                    rx.cond(s.meetings.length() > 0,
                            rx.form(rx.hstack(select_field(tr("ui.comm.meeting"), "meeting_id", dynamic=s.meetings,
                                                           form="validate"),
                                              submit("ui.comm.validate"), align="end", width="100%"),
                                    on_submit=s.validate_in_meeting, width="100%"),
                            rx.text(tr("ui.comm.no_open_meeting"), size="2", color_scheme="gray"))),
            rx.cond(s.validated_in != "",
                    rx.link(tr("ui.comm.validated_in"), href="/staff/meetings/" + s.validated_in)),
            rx.heading(tr("ui.comm.figures"), size="4", as_="h3"),
            rx.hstack(rx.foreach(s.figures, lambda f: rx.badge(tr_var(f.value), ": ", f.label, variant="soft")),
                      wrap="wrap"),
            rx.cond((s.posts.length() > 0) | (s.mailing_id > 0), rx.vstack(
                rx.heading(tr("ui.comm.delivery_log"), size="4", as_="h3"),
                rx.cond(s.posts.length() > 0, rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                        "ui.comm.log.channel", "ui.mailings.delivery_state", "ui.mailings.reason",
                        "ui.mailings.sent_at")])),
                    rx.table.body(rx.foreach(s.posts, lambda p: rx.table.row(
                        rx.table.row_header_cell(rx.cond(p.url != "", rx.link(p.channel, href=p.url, is_external=True),
                                                         p.channel)),
                        rx.table.cell(rx.badge(I18nState.tx["ui.mailings.delivery." + p.state])),
                        rx.table.cell(p.reason), rx.table.cell(p.sent)))),
                    width="100%", variant="surface")),
                rx.cond(s.mailing_id > 0, rx.link(tr("ui.comm.log.mail"), href="/staff/communications/mailings")),
                width="100%")),
            rx.cond(editable, rx.card(rx.form(rx.vstack(
                rx.heading(tr("ui.comm.edit"), size="4", as_="h3"),
                rx.cond(s.state != "draft", rx.text(tr("ui.comm.edit_resets"), size="2", color_scheme="amber")),
                *item_fields("edit", s.chans, s.events, title=s.title, event_id=s.event_id, publish=s.publish,
                             text={lang: s.text[lang] for lang in LANGS},
                             subject={lang: s.subject[lang] for lang in LANGS},
                             audience=s.audience, levels=s.levels, checked=s.selected),
                submit("ui.comm.save"), spacing="3", width="100%"),
                on_submit=s.save, width="100%", key=s.item_id.to_string() + s.state), width="100%")),
            spacing="4", width="100%")),
    )


def register(app: rx.App) -> None:
    app.add_page(items_page, route=ROUTE, on_load=CommItemsState.on_load, title="CC Network")
    app.add_page(item_page, route=ITEM_ROUTE + "/[item_id]", on_load=CommItemState.on_load, title="CC Network")
