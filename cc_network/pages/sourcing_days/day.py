"""/staff/recruitment-days/[day_id]: one recruitment day (P19). The dates each side offered
(P19.9-10) and those they share; the choice of the date, time and place (P19.11), which writes
the day in the calendar (T01/T02); its publication; the invitations of the prioritised
students for a closed-door day (P19.13-14); on the day, the attendance sheet of its event;
then the results per participant (P19.19) and the closing, which sends the evaluation form."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.actions import act_and_reload, field_or_fail
from cc_network.pages.calendar.common import (
    Option,
    input_field,
    local_text,
    parse_date,
    select_field,
    text_area,
)
from cc_network.pages.forms import as_id, form_str, id_or_zero
from cc_network.pages.portal.common import section, zone_of
from cc_network.pages.sourcing_days.days import mode_text, status_badge
from cc_network.pages.staff_portal.students import fail
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.db import utcnow
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.sourcing.recruitment_days import services as days
from tenants.sourcing.recruitment_days.models import DayMode, DayStatus

_PATH = re.compile(r"^/staff/recruitment-days/(\d{1,18})/?$")
OUTCOMES = list(days.DAY_OUTCOMES)
MODES = [m.value for m in DayMode]
_SPLIT = re.compile(r"[\s,;]+")


@dataclasses.dataclass
class ParticipantRow:
    id: int = 0
    name: str = ""
    email: str = ""
    registration: str = ""
    outcome: str = ""
    note: str = ""


@dataclasses.dataclass
class InvitedRow:
    name: str = ""
    code: str = ""  # empty: invited; else why not


def parse_dates(text: str) -> list[str]:
    """Dates typed one per line (or separated by commas), each checked as a date."""
    out = []
    for part in _SPLIT.split(text.strip()):
        if part:
            out.append(parse_date(part).isoformat())
    if len(out) > 60:
        raise Invalid("too many dates", code="too_many_dates")
    return out


class DayState(AppState):
    found: bool = False
    day_id: int = 0
    company: str = ""
    need: str = ""
    need_id: int = 0
    positions: int = 0
    mode: str = ""
    status: str = ""
    host_dates: str = ""
    company_dates: str = ""
    common: list[str] = []
    common_options: list[Option] = []
    event_id: int = 0
    event_status: str = ""
    when: str = ""
    capacity: str = ""
    registered: int = 0
    started: bool = False
    participants: list[ParticipantRow] = []
    invited: list[InvitedRow] = []
    hires: int = 0
    can_manage: bool = False
    form_key: int = 0

    def _day_from_path(self) -> int:
        m = _PATH.match(str(self.router.url.path or ""))
        return id_or_zero(m.group(1) if m else None)

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        v = days.get_day(actor, tid, self._day_from_path())
        zone = zone_of(self.tenant_slug)
        self.found, self.day_id, self.company, self.need, self.need_id = True, v.id, v.company_name, v.need_title, \
            v.need_id
        self.positions, self.mode, self.status = v.positions, v.mode, v.status
        self.host_dates, self.company_dates = "\n".join(v.host_dates), "\n".join(v.company_dates)
        self.common = list(v.common_dates)
        self.common_options = [Option(d, d) for d in v.common_dates]
        self.event_id, self.event_status = v.event_id or 0, v.event_status or ""
        self.when = (f"{local_text(v.starts_at, zone, '%Y-%m-%d %H:%M')} — {local_text(v.ends_at, zone, '%H:%M')}"
                     if v.starts_at else "")
        self.capacity = "" if v.capacity is None else str(v.capacity)
        self.registered = v.registered
        self.started = v.starts_at is not None and v.starts_at <= utcnow()
        rows = days.day_participants(actor, tid, v.id)
        self.participants = [ParticipantRow(p.student_membership_id, p.full_name, p.email,
                                            p.registration_status or "", p.outcome, p.outcome_note) for p in rows]
        self.hires = sum(1 for p in rows if p.outcome == "hired")
        self.can_manage = actor.can(Perm.NEED_MANAGE)

    def _clear(self) -> None:
        self.found, self.day_id, self.company, self.need, self.need_id, self.positions = False, 0, "", "", 0, 0
        self.mode = self.status = self.host_dates = self.company_dates = ""
        self.common, self.common_options, self.event_id, self.event_status = [], [], 0, ""
        self.when, self.capacity, self.registered, self.started = "", "", 0, False
        self.participants, self.invited, self.hires, self.can_manage = [], [], 0, False

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self._clear()
        try:
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
        self.form_key += 1
        return None

    def _act(self, action, notice: str):  # noqa: ANN001
        """Run a service on the day of the address; reload; say how it went."""
        return act_and_reload(self, lambda a: action(a, a.tenant_id or 0, self._day_from_path()), notice, fail,
                              reset_form=True)

    @rx.event
    def change_mode(self, form: dict):
        try:
            mode = form_str(form, "mode", max_len=20)
            if mode not in MODES:
                raise Invalid("unknown mode", code="invalid_day_mode")
        except ServiceError as exc:
            fail(self, exc)
            return None
        return self._act(lambda a, t, d: days.do_set_mode(a, t, d, mode=mode), "ui.days.saved")

    @rx.event
    def save_dates(self, form: dict):
        try:
            side = form_str(form, "side", max_len=10)
            if side not in days.SIDES:
                raise Invalid("unknown side", code="invalid_side")
            dates = parse_dates(form_str(form, "dates", max_len=2000))
        except ServiceError as exc:
            fail(self, exc)
            return None
        return self._act(lambda a, t, d: days.do_set_dates(a, t, d, side=side, dates=dates), "ui.days.saved")

    @rx.event
    def schedule(self, form: dict):
        try:
            capacity = form_str(form, "capacity", max_len=6).strip()
            data = {"date": parse_date(form_str(form, "date", max_len=20)).isoformat(),
                    "start": form_str(form, "start", max_len=8), "end": form_str(form, "end", max_len=8),
                    "address": form_str(form, "address", max_len=300),
                    "capacity": int(capacity) if capacity.isdigit() else None}
        except ServiceError as exc:
            fail(self, exc)
            return None
        return self._act(lambda a, t, d: days.do_schedule_day(a, t, d, data), "ui.days.scheduled")

    @rx.event
    def publish(self):
        return self._act(days.do_publish_day, "ui.days.published")

    @rx.event
    def invite(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            report = days.do_invite_prioritised(actor, actor.tenant_id or 0, self._day_from_path())
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.invited = [InvitedRow(n, "") for _, n in report.invited] + [
            InvitedRow(n, c) for _, n, c in report.skipped]
        self._ok("ui.days.invited")
        return None

    @rx.event
    def mark_held(self):
        return self._act(days.do_mark_day_held, "ui.days.held")

    @rx.event
    def record_result(self, form: dict):
        try:
            student = as_id(form_str(form, "student_id", max_len=20))
            outcome = form_str(form, "outcome", max_len=20)
            if outcome not in OUTCOMES:
                raise Invalid("unknown outcome", code="invalid_outcome")
            note = form_str(form, "note", max_len=2000)
        except ServiceError as exc:
            fail(self, exc)
            return None
        return self._act(lambda a, t, d: days.do_record_day_result(a, t, d, student, outcome=outcome, note=note),
                         "ui.days.result_saved")

    @rx.event
    def close_day(self, form: dict):
        return field_or_fail(self, form, "notes", lambda notes: self._act(
            lambda a, t, d: days.do_close_day(a, t, d, notes=notes), "ui.days.closed"), max_len=5000, fail=fail)


# ---------------------------------------------------------------- the page

def _summary() -> rx.Component:
    s = DayState
    return rx.card(rx.flex(
        rx.vstack(rx.text(tr("ui.days.company"), size="1", color_scheme="gray"),
                  rx.text(s.company, weight="bold"), spacing="0"),
        rx.vstack(rx.text(tr("ui.days.need"), size="1", color_scheme="gray"),
                  rx.link(s.need, href="/staff/needs/" + s.need_id.to_string()), spacing="0"),
        rx.vstack(rx.text(tr("ui.days.positions"), size="1", color_scheme="gray"),
                  rx.text(s.positions.to_string()), spacing="0"),
        rx.vstack(rx.text(tr("ui.days.mode"), size="1", color_scheme="gray"), mode_text(s.mode), spacing="0"),
        rx.vstack(rx.text(tr("ui.days.status"), size="1", color_scheme="gray"), status_badge(s.status), spacing="0"),
        spacing="5", wrap="wrap"), width="100%")


def _dates_form(side: str, label_key: str, value: rx.Var) -> rx.Component:
    s = DayState
    return rx.form(
        rx.vstack(
            rx.el.input(type="hidden", name="side", value=side),
            text_area(tr(label_key), "dates", default=value, hint=tr("ui.days.dates_hint"), rows="4", form=side),
            rx.button(tr("ui.days.save_dates"), type="submit", size="2", variant="soft",
                      aria_label=tr("ui.days.save_dates") + " — " + tr(label_key)),
            spacing="2", width="100%"),
        on_submit=s.save_dates, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-" + side,
    )


def _availabilities() -> rx.Component:
    s = DayState
    return section(
        "ui.days.availabilities",
        rx.cond(
            s.can_manage & (s.status == DayStatus.PROPOSED.value),
            rx.vstack(
                rx.form(rx.flex(
                    select_field(tr("ui.days.mode"), "mode", [(m, tr(f"ui.days.mode.{m}")) for m in MODES],
                                 default=s.mode, width="16em"),
                    rx.button(tr("ui.days.change_mode"), type="submit", size="2", variant="soft"),
                    spacing="3", align="end"),
                    on_submit=s.change_mode, reset_on_submit=False, key=s.form_key.to_string() + "-mode"),
                rx.flex(_dates_form("host", "ui.days.host_dates", s.host_dates),
                        _dates_form("company", "ui.days.company_dates", s.company_dates),
                        spacing="4", width="100%", direction={"initial": "column", "md": "row"}),
                spacing="3", width="100%"),
            rx.flex(
                rx.vstack(rx.text(tr("ui.days.host_dates"), weight="medium", size="2"),
                          rx.text(s.host_dates, white_space="pre-wrap", size="2"), spacing="1"),
                rx.vstack(rx.text(tr("ui.days.company_dates"), weight="medium", size="2"),
                          rx.text(s.company_dates, white_space="pre-wrap", size="2"), spacing="1"),
                spacing="6", wrap="wrap"),
        ),
        rx.hstack(rx.text(tr("ui.days.common_dates"), weight="medium", size="2"),
                  rx.cond(s.common.length() > 0,
                          rx.flex(rx.foreach(s.common, lambda d: rx.badge(d, color_scheme="green", variant="soft")),
                                  spacing="2", wrap="wrap"),
                          rx.text(tr("ui.days.no_common_date"), size="2", color_scheme="gray")),
                  spacing="3", align="center", wrap="wrap"),
    )


def _schedule() -> rx.Component:
    s = DayState
    return section(
        "ui.days.schedule_title",
        rx.cond(
            s.common_options.length() > 0,
            rx.form(
                rx.vstack(
                    rx.flex(
                        select_field(tr("ui.days.date"), "date", dynamic=s.common_options),
                        input_field(tr("ui.days.start"), "start", type="time", default="09:00", required=True),
                        input_field(tr("ui.days.end"), "end", type="time", default="16:00", required=True),
                        input_field(tr("ui.days.capacity"), "capacity", type="number", min="1"),
                        spacing="3", width="100%", direction={"initial": "column", "md": "row"}),
                    input_field(tr("ui.days.address"), "address"),
                    rx.button(tr("ui.days.schedule"), type="submit"),
                    spacing="3", width="100%"),
                on_submit=s.schedule, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-sched"),
            empty("ui.days.choose_after_dates"),
        ),
    )


def _event() -> rx.Component:
    s = DayState
    return section(
        "ui.days.event_title",
        rx.flex(
            rx.text(s.when, weight="medium"),
            rx.badge(I18nState.tx["ui.calendar.status." + s.event_status], variant="soft"),
            rx.text(tr("ui.days.registered"), ": ", s.registered.to_string(), " / ", s.capacity, size="2"),
            spacing="3", align="center", wrap="wrap"),
        rx.flex(
            rx.link(tr("ui.days.attendance_sheet"), href="/staff/calendar/events/" + s.event_id.to_string()),
            rx.link(tr("ui.days.evaluation_results"), href="/staff/surveys/events/" + s.event_id.to_string()),
            spacing="4", wrap="wrap"),
        rx.cond(s.can_manage, rx.flex(
            rx.cond((s.status == DayStatus.SCHEDULED.value) & (s.event_status != "published"),
                    rx.button(tr("ui.days.publish"), on_click=s.publish, size="2")),
            rx.cond((s.status == DayStatus.SCHEDULED.value) & (s.mode == DayMode.CLOSED_DOOR.value),
                    rx.button(tr("ui.days.invite"), on_click=s.invite, size="2", variant="soft")),
            rx.cond((s.status == DayStatus.SCHEDULED.value) & s.started,
                    rx.button(tr("ui.days.mark_held"), on_click=s.mark_held, size="2", variant="soft")),
            spacing="3", wrap="wrap")),
        rx.cond(s.mode == DayMode.OPEN_DOOR.value, rx.text(tr("ui.days.open_door_hint"), size="2")),
        rx.cond(s.invited.length() > 0, rx.vstack(
            rx.foreach(s.invited, lambda r: rx.text(
                r.name, " — ", rx.cond(r.code == "", tr("ui.days.invited_one"), I18nState.tx["error." + r.code]),
                size="2")),
            spacing="1")),
    )


def _result_form(p: ParticipantRow) -> rx.Component:
    s = DayState
    return rx.form(
        rx.flex(
            rx.el.input(type="hidden", name="student_id", value=p.id.to_string()),
            rx.el.select(*[rx.el.option(tr(f"ui.days.outcome.{o}"), value=o) for o in OUTCOMES], name="outcome",
                         default_value=rx.cond(p.outcome != "", p.outcome, "interview"),
                         aria_label=tr("ui.days.outcome") + " — " + p.name),
            rx.input(name="note", default_value=p.note, placeholder=tr("ui.days.note"), size="1",
                     aria_label=tr("ui.days.note") + " — " + p.name),
            rx.button(tr("ui.days.record"), type="submit", size="1", variant="soft",
                      aria_label=tr("ui.days.record") + " — " + p.name),
            spacing="2", align="center", wrap="wrap"),
        on_submit=s.record_result, reset_on_submit=False, key=s.form_key.to_string() + "-r-" + p.id.to_string(),
    )


def _participants() -> rx.Component:
    s = DayState
    editable = s.can_manage & s.started & ((s.status == DayStatus.SCHEDULED.value)
                                           | (s.status == DayStatus.HELD.value))
    return section(
        "ui.days.participants",
        rx.cond(
            s.participants.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.students.name")),
                    rx.table.column_header_cell(tr("ui.days.registration")),
                    rx.table.column_header_cell(tr("ui.days.outcome")),
                )),
                rx.table.body(rx.foreach(s.participants, lambda p: rx.table.row(
                    rx.table.row_header_cell(rx.text(p.name, weight="medium", size="2"),
                                             rx.text(p.email, size="1", color_scheme="gray")),
                    rx.table.cell(rx.cond(p.registration != "",
                                          I18nState.tx["ui.portal.status." + p.registration], "")),
                    rx.table.cell(rx.cond(editable, _result_form(p),
                                          rx.cond(p.outcome != "", I18nState.tx["ui.days.outcome." + p.outcome],
                                                  ""))),
                ))),
                width="100%", variant="surface"),
            empty("ui.days.no_participant"),
        ),
        rx.text(tr("ui.days.hires"), ": ", s.hires.to_string(), " / ", s.positions.to_string(), weight="medium"),
        rx.cond(s.can_manage & (s.status == DayStatus.HELD.value), rx.form(
            rx.vstack(text_area(tr("ui.days.close_notes"), "notes"),
                      rx.button(tr("ui.days.close"), type="submit"), spacing="2", width="100%"),
            on_submit=s.close_day, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-close")),
    )


def day_page() -> rx.Component:
    s = DayState
    return area_page(
        "staff", "ui.days.day_title",
        rx.link(tr("ui.days.back"), href="/staff/recruitment-days", size="2"),
        messages(),
        rx.cond(s.found, rx.vstack(
            _summary(),
            _availabilities(),
            rx.cond(s.can_manage & (s.status == DayStatus.PROPOSED.value), _schedule()),
            rx.cond(s.event_id > 0, _event()),
            rx.cond(s.event_id > 0, _participants()),
            spacing="4", width="100%")),
    )


def register(app: rx.App) -> None:
    app.add_page(day_page, route="/staff/recruitment-days/[day_id]", on_load=DayState.on_load, title="CC Network")
