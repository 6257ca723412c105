"""/staff/sessions: a counselor's individual sessions (P07.3-7). The requests to confirm,
the sessions ahead, the past ones over a range of days; confirm, cancel with a reason, mark
a no-show after the start (the result says whether the student is now suspended), and
record the outcome of a session (notes and next action, for staff only), editable later.
The manager sees every pending request and may open any counselor's sessions."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import reflex as rx

from cc_network.pages.calendar.common import Option, input_field, local_text, parse_date, text_area
from cc_network.pages.forms import as_id, form_str
from cc_network.ui.components import confirm_dialog, empty, messages, pager
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.db import utcnow
from integrations.errors import Invalid, ServiceError
from tenants.calendar.queries import centre_zone
from tenants.core.actor import Actor
from tenants.core.roles import Perm, Role
from tenants.portal.sessions.models import CONFIRMED, DONE, OPEN_STATUSES, REQUESTED
from tenants.portal.sessions.services import (
    NEXT_ACTION_MAX,
    NOTES_MAX,
    StaffBookingView,
    do_cancel_session,
    do_confirm_session,
    do_mark_no_show,
    do_record_session_outcome,
    list_counselor_bookings,
    list_counselors,
    list_pending_confirmations,
)

PER_PAGE = 20
PAST_DAYS = 30  # the default range of past sessions
MAX_RANGE_DAYS = 400


@dataclasses.dataclass
class SessionRow:
    id: int = 0
    student: str = ""
    counselor: str = ""
    when: str = ""
    need: str = ""
    status: str = ""
    notes: str = ""
    next_action: str = ""
    cancel_reason: str = ""
    # what the buttons offer (the service decides again)
    can_confirm: bool = False
    can_cancel: bool = False
    can_no_show: bool = False
    can_record: bool = False


def _row(b: StaffBookingView, zone: ZoneInfo, now: datetime) -> SessionRow:
    started = b.starts_at <= now
    return SessionRow(
        b.id, b.student_name, b.counselor_name,
        f"{local_text(b.starts_at, zone, '%d/%m/%Y %H:%M')} — {local_text(b.ends_at, zone, '%H:%M')}",
        b.need, b.status, b.notes, b.next_action, b.cancel_reason,
        can_confirm=b.status == REQUESTED and not started,
        can_cancel=b.status in OPEN_STATUSES and not started,
        can_no_show=b.status == CONFIRMED and started,
        can_record=b.status in (CONFIRMED, DONE) and started,
    )


class StaffSessionsState(AppState):
    allowed: bool = False
    can_pick: bool = False
    counselors: list[Option] = []
    counselor: str = ""  # the membership whose sessions are shown (one of `counselors`, or the caller)
    pending: list[SessionRow] = []
    upcoming: list[SessionRow] = []
    past: list[SessionRow] = []
    past_from: str = ""
    past_to: str = ""
    past_page: int = 1
    past_pages: int = 1
    past_total: int = 0
    # the dialog open on a row already shown: "cancel" or "outcome"
    editing_id: int = 0
    dialog: str = ""
    editing_subject: str = ""
    editing_notes: str = ""
    editing_next: str = ""
    # the result of the last no-show
    no_show_student: str = ""
    no_show_count: int = 0
    suspended_until: str = ""
    form_key: int = 0

    def _zone(self, actor: Actor) -> ZoneInfo:
        return centre_zone(actor, actor.tenant_id or 0)

    def _past_range(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        if not (self.past_from and self.past_to):  # the default: the last PAST_DAYS days
            today = utcnow().astimezone(zone).date()
            self.past_from = (today - timedelta(days=PAST_DAYS)).isoformat()
            self.past_to = today.isoformat()
        first, last = parse_date(self.past_from), parse_date(self.past_to)
        if last < first:
            raise Invalid("the range ends before it starts", code="end_before_start")
        if (last - first).days > MAX_RANGE_DAYS:
            raise Invalid("range too long", code="range_too_long")
        return (datetime.combine(first, time.min, tzinfo=zone),
                datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone))

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        zone, now = self._zone(actor), utcnow()
        self.pending = [_row(b, zone, now) for b in list_pending_confirmations(actor, tid, now=now)]
        cid = int(self.counselor) if self.counselor else None
        ahead = list_counselor_bookings(actor, tid, cid, start=now, statuses=(CONFIRMED,))
        self.upcoming = [_row(b, zone, now) for b in ahead if b.starts_at > now]
        start, end = self._past_range(zone)
        done = [b for b in list_counselor_bookings(actor, tid, cid, start=start, end=min(end, now))
                if b.starts_at <= now]
        done.reverse()  # the latest first
        self.past_total = len(done)
        self.past_pages = max(1, math.ceil(len(done) / PER_PAGE))
        self.past_page = min(max(self.past_page, 1), self.past_pages)
        at = (self.past_page - 1) * PER_PAGE
        self.past = [_row(b, zone, now) for b in done[at:at + PER_PAGE]]

    def _reload(self, actor: Actor, notice: str) -> None:
        try:
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return
        if notice != "ui.staff_sessions.no_show_marked":
            self.no_show_student, self.no_show_count, self.suspended_until = "", 0, ""
        self._ok(notice)

    def _shown(self, booking_id: object) -> SessionRow | None:
        return next((r for r in [*self.pending, *self.upcoming, *self.past] if r.id == booking_id), None)

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.pending, self.upcoming, self.past, self.counselors = [], [], [], []
        self.editing_id, self.dialog, self.past_page = 0, "", 1
        self.no_show_student, self.no_show_count, self.suspended_until = "", 0, ""
        self.allowed, self.can_pick = actor.can(Perm.SESSION_MANAGE), False
        if not self.allowed:
            return None
        self.can_pick = actor.has_role(Role.MANAGER) or actor.is_network_admin
        self.counselor, self.past_from, self.past_to = str(actor.membership_id or ""), "", ""
        try:
            if self.can_pick:
                self.counselors = [Option(str(c.membership_id), c.full_name)
                                   for c in list_counselors(actor, actor.tenant_id or 0)]
                if self.counselors and self.counselor not in {o.value for o in self.counselors}:
                    self.counselor = self.counselors[0].value
        except ServiceError as exc:
            self._fail(exc)
            return None
        return self._refresh(actor)

    @rx.event
    def pick_counselor(self, value: str):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        # only a counselor already listed to this manager
        if not isinstance(value, str) or value not in {o.value for o in self.counselors}:
            return None
        self.counselor, self.past_page = value, 1
        return self._refresh(actor)

    @rx.event
    def set_past_range(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        keep = self.past_from, self.past_to
        try:
            self.past_from = form_str(form, "past_from", max_len=10).strip()
            self.past_to = form_str(form, "past_to", max_len=10).strip()
            self.past_page = 1
            self._load(actor)
        except ServiceError as exc:
            self.past_from, self.past_to = keep
            self._fail(exc)
            return None
        self.error = self.notice = ""
        self.form_key += 1
        return None

    @rx.event
    def past_next(self):
        self.past_page = min(self.past_page + 1, self.past_pages)
        return self._refresh()

    @rx.event
    def past_prev(self):
        self.past_page = max(self.past_page - 1, 1)
        return self._refresh()

    @rx.event
    def confirm(self, booking_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_confirm_session(actor, actor.tenant_id or 0, as_id(booking_id))
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._reload(actor, "ui.staff_sessions.confirmed")
        return None

    @rx.event
    def open_cancel(self, booking_id: int):
        """Open the cancel dialog for a row already on screen; reads nothing new."""
        row = self._shown(booking_id)
        if row is None or not row.can_cancel:
            self.editing_id, self.dialog = 0, ""
            return
        self.editing_id, self.dialog, self.editing_subject = row.id, "cancel", f"{row.student} — {row.when}"

    @rx.event
    def open_outcome(self, booking_id: int):
        """Open the outcome dialog for a row already on screen; reads nothing new."""
        row = self._shown(booking_id)
        if row is None or not row.can_record:
            self.editing_id, self.dialog = 0, ""
            return
        self.editing_id, self.dialog, self.editing_subject = row.id, "outcome", f"{row.student} — {row.when}"
        self.editing_notes, self.editing_next = row.notes, row.next_action
        self.form_key += 1

    @rx.event
    def close_dialog(self, _open: bool = False):
        self.editing_id, self.dialog = 0, ""

    @rx.event
    def cancel(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            booking_id = as_id(form.get("booking_id") if isinstance(form, dict) else None)
            do_cancel_session(actor, actor.tenant_id or 0, booking_id, reason=form_str(form, "reason", max_len=500))
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.editing_id, self.dialog = 0, ""
        self._reload(actor, "ui.staff_sessions.cancelled")
        return None

    @rx.event
    def mark_no_show(self, booking_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            result = do_mark_no_show(actor, actor.tenant_id or 0, as_id(booking_id))
            zone = self._zone(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.no_show_student = result.booking.student_name
        self.no_show_count = result.no_show_count
        self.suspended_until = (local_text(result.suspended_until, zone, "%d/%m/%Y %H:%M")
                                if result.suspended_until else "")
        self._reload(actor, "ui.staff_sessions.no_show_marked")
        return None

    @rx.event
    def save_outcome(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            booking_id = as_id(form.get("booking_id") if isinstance(form, dict) else None)
            do_record_session_outcome(actor, actor.tenant_id or 0, booking_id,
                                      notes=form_str(form, "notes", max_len=NOTES_MAX),
                                      next_action=form_str(form, "next_action", max_len=NEXT_ACTION_MAX))
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.editing_id, self.dialog = 0, ""
        self._reload(actor, "ui.staff_sessions.outcome_saved")
        return None


# ---------------------------------------------------------------- page

def _status(status: rx.Var) -> rx.Component:
    return rx.badge(I18nState.tx["ui.portal.status." + status], variant="soft")


def _actions(r: SessionRow) -> rx.Component:
    s = StaffSessionsState
    subject = r.student + " — " + r.when
    return rx.flex(
        rx.cond(r.can_confirm, rx.button(tr("ui.staff_sessions.confirm"), on_click=s.confirm(r.id), size="1",
                                         aria_label=tr("ui.staff_sessions.confirm") + " — " + subject)),
        rx.cond(r.can_cancel, rx.button(tr("ui.staff_sessions.cancel"), on_click=s.open_cancel(r.id), size="1",
                                        variant="soft", color_scheme="red",
                                        aria_label=tr("ui.staff_sessions.cancel") + " — " + subject)),
        rx.cond(r.can_no_show, confirm_dialog("ui.staff_sessions.no_show", "ui.staff_sessions.no_show_title",
                                              "ui.staff_sessions.no_show_text", s.mark_no_show(r.id),
                                              subject=subject, confirm_key="ui.staff_sessions.no_show_confirm")),
        rx.cond(r.can_record, rx.button(
            rx.cond(r.status == DONE, tr("ui.staff_sessions.edit_outcome"), tr("ui.staff_sessions.record_outcome")),
            on_click=s.open_outcome(r.id), size="1", variant="soft",
            aria_label=rx.cond(r.status == DONE, tr("ui.staff_sessions.edit_outcome"),
                               tr("ui.staff_sessions.record_outcome")) + " — " + subject)),
        spacing="2", wrap="wrap",
    )


def _item(r: SessionRow, with_counselor: bool = False) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.text(r.when, size="2", style={"minWidth": "11em"}),
            rx.text(r.student, weight="medium"),
            *([rx.text(tr("ui.staff_sessions.with"), " ", r.counselor, size="2", color_scheme="gray")]
              if with_counselor else []),
            _status(r.status),
            rx.spacer(),
            _actions(r),
            spacing="3", align="center", wrap="wrap", width="100%",
        ),
        rx.cond(r.need != "", rx.text(tr("ui.staff_sessions.need"), ": ", r.need, size="2")),
        rx.cond(r.cancel_reason != "",
                rx.text(tr("ui.staff_sessions.cancel_reason"), ": ", r.cancel_reason, size="2", color_scheme="red")),
        rx.cond(r.notes != "", rx.text(tr("ui.staff_sessions.notes"), ": ", r.notes, size="2",
                                       style={"whiteSpace": "pre-wrap"})),
        rx.cond(r.next_action != "", rx.text(tr("ui.staff_sessions.next_action"), ": ", r.next_action, size="2")),
        role="listitem", width="100%", padding_y="0.5em", border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _list(items: rx.Var, empty_key: str, with_counselor: bool = False) -> rx.Component:
    return rx.cond(items.length() > 0,
                   rx.vstack(rx.foreach(items, lambda r: _item(r, with_counselor)), role="list", width="100%",
                             spacing="0"),
                   empty(empty_key))


def _section(title_key: str, *body: rx.Component) -> rx.Component:
    return rx.card(rx.vstack(rx.heading(tr(title_key), size="4", as_="h2"), *body, spacing="3", width="100%"),
                   width="100%")


def _picker() -> rx.Component:
    s = StaffSessionsState
    return rx.cond(
        s.can_pick & (s.counselors.length() > 0),
        rx.flex(
            rx.el.label(rx.text(tr("ui.staff_sessions.counselor"), size="2", weight="medium", as_="span"),
                        html_for="staff-sessions-counselor"),
            rx.el.select(rx.foreach(s.counselors, lambda o: rx.el.option(o.label, value=o.value)),
                         id="staff-sessions-counselor", value=s.counselor, on_change=s.pick_counselor,
                         style={"padding": "0.35em 0.4em", "borderRadius": "6px",
                                "border": f"1px solid {rx.color('gray', 7)}", "background": rx.color("gray", 1)}),
            direction="column", spacing="1",
        ),
    )


def _range_form() -> rx.Component:
    s = StaffSessionsState
    return rx.form(
        rx.flex(
            input_field(tr("ui.staff_sessions.past_from"), "past_from", type="date", default=s.past_from,
                        required=True),
            input_field(tr("ui.staff_sessions.past_to"), "past_to", type="date", default=s.past_to, required=True),
            rx.button(tr("ui.staff_sessions.show"), type="submit", style={"alignSelf": "end"}),
            spacing="3", width="100%", direction={"initial": "column", "sm": "row"},
        ),
        on_submit=s.set_past_range, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-range",
    )


def _no_show_result() -> rx.Component:
    s = StaffSessionsState
    return rx.cond(
        s.no_show_student != "",
        rx.callout(
            rx.text(s.no_show_student, ": ", tr("ui.staff_sessions.no_show_count"), " ", s.no_show_count.to_string(),
                    ". ",
                    rx.cond(s.suspended_until != "",
                            rx.text.strong(tr("ui.staff_sessions.now_suspended"), " ", s.suspended_until),
                            tr("ui.staff_sessions.not_suspended"))),
            color_scheme=rx.cond(s.suspended_until != "", "amber", "gray"), width="100%", role="status",
        ),
    )


def _cancel_dialog() -> rx.Component:
    s = StaffSessionsState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.staff_sessions.cancel_title")),
            rx.dialog.description(tr("ui.staff_sessions.cancel_text"), " ", rx.text.strong(s.editing_subject),
                                  size="2"),
            rx.form(
                rx.vstack(
                    rx.el.input(type="hidden", name="booking_id", value=s.editing_id.to_string()),
                    rx.flex(
                        rx.el.label(rx.text(tr("ui.staff_sessions.cancel_reason"), size="2", weight="medium",
                                            as_="span"), html_for="staff-sessions-reason"),
                        rx.text_area(name="reason", id="staff-sessions-reason", required=True, min_length=3,
                                     max_length=500, rows="3", width="100%"),
                        rx.text(tr("ui.staff_sessions.cancel_reason_hint"), size="1", color_scheme="gray"),
                        direction="column", spacing="1", width="100%",
                    ),
                    rx.hstack(
                        rx.button(tr("ui.staff_sessions.keep"), type="button", variant="soft", color_scheme="gray",
                                  on_click=s.close_dialog(False)),
                        rx.button(tr("ui.staff_sessions.cancel_confirm"), type="submit", color_scheme="red"),
                        justify="end", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=s.cancel, reset_on_submit=False, width="100%",
            ),
        ),
        open=(s.editing_id > 0) & (s.dialog == "cancel"),
        on_open_change=s.close_dialog,
    )


def _outcome_dialog() -> rx.Component:
    s = StaffSessionsState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("ui.staff_sessions.outcome_title")),
            rx.dialog.description(tr("ui.staff_sessions.outcome_text"), " ", rx.text.strong(s.editing_subject),
                                  size="2"),
            rx.form(
                rx.vstack(
                    rx.el.input(type="hidden", name="booking_id", value=s.editing_id.to_string()),
                    text_area(tr("ui.staff_sessions.notes"), "notes", default=s.editing_notes, rows="6",
                              hint=tr("ui.staff_sessions.notes_hint")),
                    text_area(tr("ui.staff_sessions.next_action"), "next_action", default=s.editing_next,
                              hint=tr("ui.staff_sessions.next_action_hint")),
                    rx.hstack(
                        rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                                  on_click=s.close_dialog(False)),
                        rx.button(tr("ui.save"), type="submit"),
                        justify="end", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=s.save_outcome, reset_on_submit=False, width="100%",
                key=s.form_key.to_string() + "-outcome",
            ),
        ),
        open=(s.editing_id > 0) & (s.dialog == "outcome"),
        on_open_change=s.close_dialog,
    )


def staff_sessions_page() -> rx.Component:
    s = StaffSessionsState
    return area_page(
        "staff", "ui.staff_sessions.title",
        rx.cond(
            s.allowed,
            rx.vstack(
                messages(),
                _no_show_result(),
                _section("ui.staff_sessions.to_confirm", _list(s.pending, "ui.staff_sessions.none_to_confirm", True)),
                _picker(),
                _section("ui.staff_sessions.upcoming", _list(s.upcoming, "ui.staff_sessions.none_upcoming")),
                _section("ui.staff_sessions.past", _range_form(), _list(s.past, "ui.staff_sessions.none_past"),
                         rx.cond(s.past_pages > 1, pager(s.past_page, s.past_pages, s.past_prev, s.past_next))),
                _cancel_dialog(),
                _outcome_dialog(),
                spacing="4", width="100%",
            ),
            rx.callout(tr("ui.staff_sessions.not_allowed"), color_scheme="amber", role="alert", width="100%"),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(staff_sessions_page, route="/staff/sessions", on_load=StaffSessionsState.on_load,
                 title="CC Network")
