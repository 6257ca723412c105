"""/staff/calendar/events/[event_id]: the event sheet (M33) with its lifecycle buttons."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.calendar.common import input_field, local_text, opt_int, text_area
from cc_network.pages.calendar.planning import calendar_nav, status_badge
from cc_network.pages.calendar.poster import poster_links
from cc_network.pages.forms import as_id, form_str, id_or_zero
from cc_network.ui.components import messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import api_url, area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, NotFound, ServiceError
from tenants.calendar.queries import centre_zone
from tenants.calendar.services import (
    TRANSITIONS,
    allowed_actions,
    do_transition,
    event_staff_ids,
    get_event,
)
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.portal.registrations.services import (
    REGISTRATION_TYPES,
    attendance_count,
    do_check_in,
    do_confirm_registration,
    do_mark_no_show,
    list_registrations,
)
from tenants.team.services import list_members

REASON_ACTIONS = ("return_to_draft", "host_refuse", "cancel")
_PATH = re.compile(r"^/staff/calendar/events/(\d{1,18})/?$")
assert set(REASON_ACTIONS) <= set(TRANSITIONS)


@dataclasses.dataclass
class Line:
    label: str = ""
    value: str = ""


@dataclasses.dataclass
class RegLine:
    id: int = 0
    name: str = ""
    status: str = ""


REG_ACTIONS = {"confirm": do_confirm_registration, "check_in": do_check_in, "no_show": do_mark_no_show}


class SheetState(AppState):
    found: bool = False
    shown_id: int = 0
    title: str = ""
    type: str = ""
    status: str = "draft"
    status_reason: str = ""
    when: str = ""
    zone: str = ""
    place: str = ""
    online_url: str = ""
    description: str = ""
    # the sheet's other lines, already formatted: (translation key, value)
    lines: list[Line] = []
    partners: list[str] = []
    budget: list[str] = []
    logistics: list[str] = []
    attachments: list[Line] = []
    closing: list[Line] = []
    actions: list[str] = []
    can_edit: bool = False
    dialog: str = ""  # the action whose dialog is open
    # the attendance sheet, for activities open to registration
    has_registrations: bool = False
    registrations: list[RegLine] = []
    attended: int = 0
    regs_locked: bool = False  # closed or cancelled: the sheet is read-only

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        e = get_event(actor, tid, self._event_from_path())
        zone = centre_zone(actor, tid)
        names = {m.membership_id: m.full_name or m.email
                 for m in list_members(actor, tid, per_page=500).items} if actor.can(Perm.TEAM_VIEW) else {}
        self.found, self.shown_id, self.title, self.type, self.status = True, e.id, e.title, e.type, e.status
        self.status_reason, self.zone, self.description = e.status_reason, zone.key, e.description
        self.when = f"{local_text(e.starts_at, zone)} — {local_text(e.ends_at, zone)}"
        self.place, self.online_url = e.address, e.online_url
        aud = e.audience or {}
        staff = [names.get(i, "") for i in event_staff_ids(tid, e.id)
                 if i not in {e.organiser_membership_id, e.coordination_membership_id,
                              e.communication_membership_id}]
        rows = [
            ("ui.calendar.field_theme", e.theme),
            ("ui.calendar.field_organiser", names.get(e.organiser_membership_id or 0, "")),
            ("ui.calendar.field_coordination", names.get(e.coordination_membership_id or 0, "")),
            ("ui.calendar.field_communication", names.get(e.communication_membership_id or 0, "")),
            ("ui.calendar.staff", ", ".join(x for x in staff if x)),
            ("ui.calendar.field_audience_fields", ", ".join(aud.get("fields", []))),
            ("ui.calendar.field_audience_levels", ", ".join(aud.get("levels", []))),
            ("ui.calendar.field_audience_establishments", ", ".join(aud.get("establishments", []))),
            ("ui.calendar.field_capacity",
             f"{e.registered_count} / {e.capacity}" if e.capacity else ""),
            ("ui.calendar.field_registration_opens_at", local_text(e.registration_opens_at, zone)),
            ("ui.calendar.field_registration_closes_at", local_text(e.registration_closes_at, zone)),
        ]
        rows += [(f"ui.calendar.detail.{k}", v) for k, v in (e.details or {}).items()]
        self.lines = [Line(k, v) for k, v in rows if v]
        self.partners = [f"{p['name']} ({p['kind']})" + (f" — {p['contribution']}" if p.get("contribution") else "")
                         for p in e.partners]
        self.budget = [f"{b['label']}: {b['amount']:g} {b.get('currency', 'MAD')}" for b in e.budget_lines]
        self.logistics = [
            ("☑ " if x.get("done") else "☐ ") + x["task"]
            + (f" — {names.get(x['owner_membership_id'], '')}" if x.get("owner_membership_id") else "")
            + (f" — {x['due_on']}" if x.get("due_on") else "")
            for x in e.logistics
        ]
        self.attachments = [Line(a["name"], a["url"]) for a in e.attachments]
        self.closing = [Line(k, v) for k, v in [
            ("ui.calendar.attendance", "" if e.attendance_count is None else str(e.attendance_count)),
            ("ui.calendar.outcome", e.outcome_notes),
        ] if v] + [Line("", f"{k}: {v:g}") for k, v in (e.figures or {}).items()]
        self.actions = allowed_actions(actor, e)
        self.can_edit = e.status not in ("closed", "cancelled") and actor.can(Perm.CALENDAR_EDIT)
        self.has_registrations = e.type in REGISTRATION_TYPES and actor.can(Perm.REGISTRATION_MANAGE)
        self.regs_locked = e.status in ("closed", "cancelled")
        if self.has_registrations:
            self.registrations = [RegLine(r.registration_id, r.full_name or r.email, r.status)
                                  for r in list_registrations(actor, tid, e.id)]
            self.attended = attendance_count(tid, e.id)
        else:
            self.registrations, self.attended = [], 0

    def _event_from_path(self) -> int:
        m = _PATH.match(str(self.router.url.path or ""))
        return id_or_zero(m.group(1) if m else None)

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.found, self.dialog, self.actions = False, "", []
        try:
            self._load(actor)
        except ServiceError as exc:
            self.found = False
            self._fail(exc)
        return None

    def _act(self, action: str, *, reason: str = "", closing: dict | None = None):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            # the event of the page's path, looked up in the caller's own centre only
            do_transition(actor, actor.tenant_id or 0, self._event_from_path(), action, reason=reason,
                          closing=closing)
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.dialog = ""
        self._ok(f"ui.calendar.done.{action}")
        return None

    @rx.event
    def registration_action(self, action: str, registration_id: int):
        """Confirm, check in or mark absent one registration of this sheet."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            rid = as_id(registration_id)
            if action not in REG_ACTIONS:
                raise Invalid("unknown action", code="unknown_action")
            tid = actor.tenant_id or 0
            # only a registration of the event of the page's path, looked up in the caller's centre
            if rid not in {r.registration_id for r in list_registrations(actor, tid, self._event_from_path())}:
                raise NotFound("registration not found", code="registration_not_found")
            REG_ACTIONS[action](actor, tid, rid)
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok(f"ui.attendance.done.{action}")
        return None

    @rx.event
    def act(self, action: str):
        """A transition that needs nothing more than the click."""
        if action not in TRANSITIONS or action in REASON_ACTIONS or action == "close":
            return None
        return self._act(action)

    @rx.event
    def open_dialog(self, action: str):
        if action in REASON_ACTIONS or action == "close":
            self.dialog = action

    @rx.event
    def close_dialog(self, _open: bool = False):
        self.dialog = ""

    @rx.event
    def act_with_reason(self, form: dict):
        try:
            action = form_str(form, "action", max_len=40)
            if action not in REASON_ACTIONS:
                raise Invalid("unknown action", code="unknown_action")
            reason = form_str(form, "reason", max_len=500)
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._act(action, reason=reason)

    @rx.event
    def close_event(self, form: dict):
        try:
            attendance = opt_int(form_str(form, "attendance_count", max_len=10), low=0, high=100000)
            if attendance is None:
                raise Invalid("attendance", code="invalid_number")
            figures = {}
            for ln in form_str(form, "figures", max_len=5000).splitlines():
                if not ln.strip():
                    continue
                name, _, value = ln.partition(":")
                try:
                    figures[name.strip()[:100]] = float(value.replace(",", ".").strip())
                except ValueError:
                    raise Invalid("figure", code="invalid_line") from None
            closing = {"attendance_count": attendance, "outcome_notes": form_str(form, "outcome_notes",
                                                                                 max_len=10000),
                       "figures": figures}
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._act("close", closing=closing)


# ---------------------------------------------------------------- components

def _action_button(action) -> rx.Component:
    label = I18nState.tx["ui.calendar.action." + action]
    needs_dialog = rx.Var.create(list(REASON_ACTIONS) + ["close"]).contains(action)
    return rx.button(label, on_click=rx.cond(needs_dialog, SheetState.open_dialog(action), SheetState.act(action)),
                     color_scheme=rx.match(action, ("cancel", "red"), ("return_to_draft", "amber"),
                                           ("host_refuse", "amber"), "indigo"),
                     variant=rx.match(action, ("cancel", "soft"), "solid"))


def _reason_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(I18nState.tx["ui.calendar.action." + SheetState.dialog]),
            rx.dialog.description(tr("ui.calendar.reason_text"), size="2"),
            rx.form(
                rx.vstack(
                    rx.el.input(type="hidden", name="action", value=SheetState.dialog),
                    text_area(tr("ui.calendar.reason"), "reason"),
                    rx.hstack(
                        rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                                  on_click=SheetState.close_dialog(False)),
                        rx.button(tr("ui.calendar.confirm"), type="submit"),
                        justify="end", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=SheetState.act_with_reason, reset_on_submit=True, width="100%",
            ),
        ),
        open=rx.Var.create(list(REASON_ACTIONS)).contains(SheetState.dialog),
        on_open_change=SheetState.close_dialog,
    )


def _closing_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.calendar.action.close")),
            rx.dialog.description(tr("ui.calendar.closing_text"), size="2"),
            rx.form(
                rx.vstack(
                    input_field(tr("ui.calendar.attendance"), "attendance_count", type="number", required=True,
                                min="0", default=rx.cond(SheetState.has_registrations,
                                                         SheetState.attended.to_string(), "")),
                    text_area(tr("ui.calendar.outcome"), "outcome_notes"),
                    text_area(tr("ui.calendar.figures"), "figures", hint=tr("ui.calendar.figures_hint")),
                    rx.hstack(
                        rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                                  on_click=SheetState.close_dialog(False)),
                        rx.button(tr("ui.calendar.confirm"), type="submit"),
                        justify="end", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=SheetState.close_event, reset_on_submit=True, width="100%",
            ),
        ),
        open=SheetState.dialog == "close",
        on_open_change=SheetState.close_dialog,
    )


def _list_block(key: str, items) -> rx.Component:
    return rx.cond(items.length() > 0, rx.vstack(
        rx.heading(tr(key), size="3", as_="h2"),
        rx.el.ul(rx.foreach(items, lambda x: rx.el.li(x))),
        spacing="1", width="100%",
    ))


def _reg_line(r: RegLine) -> rx.Component:
    act = SheetState.registration_action
    buttons = rx.cond(SheetState.regs_locked, rx.fragment(), rx.fragment(
        rx.cond(r.status == "pending_confirmation",
                rx.button(tr("ui.attendance.confirm"), size="1", on_click=act("confirm", r.id),
                          aria_label=tr("ui.attendance.confirm") + " — " + r.name)),
        rx.cond((r.status == "confirmed") | (r.status == "pending_confirmation") | (r.status == "no_show"),
                rx.button(tr("ui.attendance.check_in"), size="1", color_scheme="green",
                          on_click=act("check_in", r.id),
                          aria_label=tr("ui.attendance.check_in") + " — " + r.name)),
        rx.cond((r.status == "confirmed") | (r.status == "pending_confirmation") | (r.status == "attended"),
                rx.button(tr("ui.attendance.no_show"), size="1", variant="soft", color_scheme="amber",
                          on_click=act("no_show", r.id),
                          aria_label=tr("ui.attendance.no_show") + " — " + r.name)),
    ))
    return rx.table.row(
        rx.table.row_header_cell(r.name),
        rx.table.cell(rx.badge(I18nState.tx["ui.portal.status." + r.status], variant="soft")),
        rx.table.cell(rx.flex(buttons, spacing="2", wrap="wrap")),
    )


def _attendance() -> rx.Component:
    return rx.cond(SheetState.has_registrations, rx.vstack(
        rx.heading(tr("ui.attendance.title"), size="3", as_="h2"),
        rx.text(tr("ui.attendance.present"), ": ", SheetState.attended.to_string(), size="2"),
        rx.cond(SheetState.registrations.length() > 0,
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(tr("ui.attendance.student")),
                        rx.table.column_header_cell(tr("ui.attendance.status")),
                        rx.table.column_header_cell(tr("ui.attendance.actions")),
                    )),
                    rx.table.body(rx.foreach(SheetState.registrations, _reg_line)),
                    width="100%",
                ),
                rx.text(tr("ui.attendance.none"), color_scheme="gray")),
        spacing="2", width="100%",
    ))


def _sheet() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading(SheetState.title, size="5", as_="h2"),
            rx.badge(I18nState.tx["ui.calendar.type." + SheetState.type], variant="outline"),
            status_badge(SheetState.status),
            spacing="3", align="center", wrap="wrap",
        ),
        rx.cond(SheetState.status_reason != "",
                rx.text(tr("ui.calendar.reason"), ": ", SheetState.status_reason, size="2", color_scheme="gray")),
        rx.cond(SheetState.status != "cancelled", poster_links(SheetState.shown_id)),
        rx.flex(rx.foreach(SheetState.actions, _action_button), spacing="2", wrap="wrap", role="group",
                aria_label=tr("ui.calendar.actions")),
        rx.hstack(
            rx.cond(SheetState.can_edit,
                    rx.link(rx.button(tr("ui.edit"), variant="outline"),
                            href="/staff/calendar/events/" + SheetState.shown_id.to_string() + "/edit")),
            rx.link(tr("ui.calendar.download_ics"),
                    href=f"{api_url()}/api/v1/tenants/" + AppState.tenant_slug + "/events/"
                    + SheetState.shown_id.to_string() + ".ics",
                    is_external=True),
            rx.cond(SheetState.status == "closed", rx.link(tr("ui.surveys.results_link"),
                                                           href="/staff/surveys/events/" + SheetState.shown_id.to_string())),
            # the team's meetings keep a record (workflows/meetings): its page, from here
            rx.cond((SheetState.type == "weekly_coordination_meeting") | (SheetState.type == "monthly_management_meeting")
                    | (SheetState.type == "semester_meeting"),
                    rx.link(tr("ui.meetings.sheet_link"),
                            href="/staff/meetings/event/" + SheetState.shown_id.to_string())),
            spacing="4", align="center",
        ),
        rx.data_list.root(
            rx.data_list.item(rx.data_list.label(tr("ui.calendar.when")),
                              rx.data_list.value(SheetState.when, " (", SheetState.zone, ")")),
            rx.cond(SheetState.place != "", rx.data_list.item(rx.data_list.label(tr("ui.calendar.field_address")),
                                                              rx.data_list.value(SheetState.place))),
            rx.cond(SheetState.online_url != "",
                    rx.data_list.item(rx.data_list.label(tr("ui.calendar.field_online_url")),
                                      rx.data_list.value(rx.link(SheetState.online_url, href=SheetState.online_url,
                                                                 is_external=True)))),
            rx.foreach(SheetState.lines, lambda ln: rx.data_list.item(
                rx.data_list.label(I18nState.tx[ln.label]), rx.data_list.value(ln.value))),
        ),
        rx.cond(SheetState.description != "", rx.text(SheetState.description, white_space="pre-wrap")),
        _list_block("ui.calendar.field_partners", SheetState.partners),
        _list_block("ui.calendar.field_budget_lines", SheetState.budget),
        _list_block("ui.calendar.field_logistics", SheetState.logistics),
        rx.cond(SheetState.attachments.length() > 0, rx.vstack(
            rx.heading(tr("ui.calendar.field_attachments"), size="3", as_="h2"),
            rx.el.ul(rx.foreach(SheetState.attachments, lambda a: rx.el.li(
                rx.link(a.label, href=a.value, is_external=True)))),
        )),
        rx.cond(SheetState.closing.length() > 0, rx.vstack(
            rx.heading(tr("ui.calendar.closing_title"), size="3", as_="h2"),
            rx.el.ul(rx.foreach(SheetState.closing, lambda c: rx.el.li(
                rx.cond(c.label != "", rx.fragment(I18nState.tx[c.label], ": "), ""), c.value))),
        )),
        _attendance(),
        spacing="3", width="100%",
    )


def sheet_page() -> rx.Component:
    return area_page(
        "staff", "ui.calendar.sheet_title",
        calendar_nav(),
        messages(),
        rx.cond(SheetState.found, _sheet()),
        _reason_dialog(),
        _closing_dialog(),
    )


def register(app: rx.App) -> None:
    app.add_page(sheet_page, route="/staff/calendar/events/[event_id]", on_load=SheetState.on_load,
                 title="CC Network")

