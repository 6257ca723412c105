"""/staff/visits: reception of young people (P06). The visit sheet (a registered student found by
name or e-mail, or someone met at an event registered on the spot), the recent visits with
filters and this week's figures (P24), and the reception kiosks of the centre."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import reflex as rx

from cc_network.pages.calendar.common import (
    Option,
    input_field,
    local_text,
    parse_date,
    parse_local,
    select_field,
    text_area,
)
from cc_network.pages.forms import as_id, form_flags, form_str
from cc_network.pages.portal.common import section, zone_of
from cc_network.ui.components import checkbox, confirm_dialog, empty, messages, pager
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.db import utcnow
from integrations.errors import Forbidden, Invalid, NotFound, ServiceError
from integrations.settings import get_settings
from tenants.calendar.services import calendar_view
from tenants.core.actor import Actor
from tenants.portal.visits import services as vis
from tenants.portal.visits.models import Channel, Need

PER_PAGE = 20
KIOSK_ROUTE = "/kiosk"
# channels a person fills in; kiosk visits come from the kiosk itself
SHEET_CHANNELS = [c.value for c in Channel if c != Channel.KIOSK]
NEEDS = [n.value for n in Need]
# activities a visit sheet may name: those of the last weeks
EVENT_DAYS = 45
MAX_EVENTS = 60


@dataclasses.dataclass
class VisitRow:
    id: int = 0
    when: str = ""
    student_id: int = 0
    student: str = ""
    email: str = ""
    channel: str = ""
    needs: list[str] = dataclasses.field(default_factory=list)
    orientation: str = ""
    by: str = ""
    registered_here: bool = False


@dataclasses.dataclass
class StudentRow:
    id: int = 0
    name: str = ""
    email: str = ""


@dataclasses.dataclass
class CountRow:
    key: str = ""
    count: int = 0


@dataclasses.dataclass
class KioskRow:
    id: int = 0
    name: str = ""
    prefix: str = ""
    created: str = ""
    last_used: str = ""
    revoked: bool = False


def _week(zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday, in the centre's wall-clock time."""
    today = datetime.now(zone).date()
    monday = today - timedelta(days=today.weekday())
    start = datetime(monday.year, monday.month, monday.day, tzinfo=zone)
    return start, start + timedelta(days=7)


def _day_start(value: str, zone: ZoneInfo, *, days: int = 0) -> datetime | None:
    d = parse_date(value, required=False)
    if d is None:
        return None
    return datetime(d.year, d.month, d.day, tzinfo=zone) + timedelta(days=days)


class VisitsState(AppState):
    # the visit sheet, the list and the figures need VISIT_LOG; the service says who may
    allowed: bool = False
    # the sheet: a registered student ("existing") or someone registered on the spot ("new")
    mode: str = "existing"
    query: str = ""
    hits: list[StudentRow] = []
    searched: bool = False
    picked_id: int = 0
    picked_name: str = ""
    picked_email: str = ""
    events: list[Option] = []
    sheet_key: int = 0
    # recent visits
    visits: list[VisitRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    f_from: str = ""
    f_to: str = ""
    f_student_id: int = 0
    f_student_name: str = ""
    filters_key: int = 0
    # this week's figures (staff only: hidden when the service refuses)
    has_counts: bool = False
    week_total: int = 0
    week_students: int = 0
    week_by_channel: list[CountRow] = []
    week_by_need: list[CountRow] = []
    # kiosks (managers: hidden when the service refuses)
    can_kiosk: bool = False
    kiosks: list[KioskRow] = []
    # the link of a kiosk just created: shown once, forgotten on the next load
    new_kiosk_name: str = ""
    new_kiosk_link: str = ""

    # ------------------------------------------------------------ loading

    def _zone(self) -> ZoneInfo:
        return zone_of(self.tenant_slug)

    def _load(self, actor: Actor) -> None:
        self._load_visits(actor)
        self._load_counts(actor)
        self._load_kiosks(actor)
        self._load_events(actor)

    def _load_visits(self, actor: Actor) -> None:
        tid, zone = actor.tenant_id or 0, self._zone()
        self.allowed = False
        since, until = _day_start(self.f_from, zone), _day_start(self.f_to, zone, days=1)
        student = self.f_student_id or None
        self.total = vis.count_visits(actor, tid, student_membership_id=student, since=since, until=until)
        self.allowed = True
        self.pages = max(1, math.ceil(self.total / PER_PAGE))
        self.page = min(max(self.page, 1), self.pages)
        rows = vis.list_visits(actor, tid, student_membership_id=student, since=since, until=until,
                               limit=PER_PAGE, offset=(self.page - 1) * PER_PAGE)
        self.visits = [VisitRow(v.id, local_text(v.at, zone), v.student_membership_id or 0, v.student_name,
                                v.student_email, v.channel, list(v.needs), v.orientation, v.logged_by_name,
                                v.registered_here) for v in rows]

    def _load_counts(self, actor: Actor) -> None:
        since, until = _week(self._zone())
        try:
            c = vis.visit_counts(actor, actor.tenant_id or 0, since=since, until=until)
        except Forbidden:
            self.has_counts = False
            return
        self.has_counts = True
        self.week_total, self.week_students = c.total, c.students
        self.week_by_channel = [CountRow(k, c.by_channel[k]) for k in [ch.value for ch in Channel]
                                if c.by_channel.get(k)]
        self.week_by_need = [CountRow(k, c.by_need[k]) for k in NEEDS if c.by_need.get(k)]

    def _load_kiosks(self, actor: Actor) -> None:
        try:
            found = vis.list_kiosk_tokens(actor, actor.tenant_id or 0)
        except Forbidden:
            self.can_kiosk, self.kiosks = False, []
            return
        zone = self._zone()
        self.can_kiosk = True
        self.kiosks = [KioskRow(k.id, k.name, k.prefix, local_text(k.created_at, zone),
                                local_text(k.last_used_at, zone), k.revoked_at is not None)
                       for k in reversed(found)]

    def _load_events(self, actor: Actor) -> None:
        zone, now = self._zone(), utcnow()
        try:
            found = calendar_view(actor, actor.tenant_id or 0, {"start": now - timedelta(days=EVENT_DAYS),
                                                                "end": now + timedelta(days=1)})
        except ServiceError:
            self.events = []
            return
        found = [e for e in found if e.status != "cancelled"][-MAX_EVENTS:]
        self.events = [Option(str(e.id), f"{local_text(e.starts_at, zone, '%d/%m/%Y')} — {e.title}")
                       for e in reversed(found)]

    def _forget_sheet(self) -> None:
        self.query, self.hits, self.searched = "", [], False
        self.picked_id, self.picked_name, self.picked_email = 0, "", ""
        self.sheet_key += 1

    @rx.event
    def on_load(self):
        actor, redirect = self._enter(None)
        if actor is None:
            return redirect
        self.mode, self.page, self.f_from, self.f_to = "existing", 1, "", ""
        self.f_student_id, self.f_student_name = 0, ""
        self.visits, self.total, self.pages = [], 0, 1
        self.has_counts, self.can_kiosk, self.kiosks, self.events = False, False, [], []
        self.new_kiosk_name = self.new_kiosk_link = ""
        self.allowed = False
        self._forget_sheet()
        return self._refresh(actor)

    # ------------------------------------------------------------ the visit sheet

    @rx.event
    def choose_mode(self, mode: str):
        if mode in ("existing", "new"):
            self.mode = mode
            self.error = ""

    @rx.event
    def search_students(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            query = form_str(form, "query", max_len=100).strip()
            found = vis.search_students(actor, actor.tenant_id or 0, query)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.error = self.notice = ""
        self.query, self.searched = query, True
        self.hits = [StudentRow(h.membership_id, h.full_name, h.email) for h in found]
        return None

    @rx.event
    def pick_student(self, membership_id: int):
        """Picks one of the students the search listed; nothing else."""
        try:
            mid = as_id(membership_id)
            hit = next((h for h in self.hits if h.id == mid), None)
            if hit is None:
                raise NotFound("student not found", code="student_not_found")
        except ServiceError as exc:
            self._fail(exc)
            return
        self.error = ""
        self.picked_id, self.picked_name, self.picked_email = hit.id, hit.name, hit.email

    @rx.event
    def clear_pick(self):
        self.picked_id, self.picked_name, self.picked_email = 0, "", ""

    def _sheet(self, form: dict) -> dict:
        channel = form_str(form, "channel", max_len=20)
        if channel not in SHEET_CHANNELS:
            raise Invalid("choose how the visit came", code="invalid_channel")
        data: dict = {"channel": channel, "needs": form_flags(form, "need_", NEEDS),
                      "orientation": form_str(form, "orientation", max_len=4000)}
        at = parse_local(form_str(form, "at", max_len=20), self._zone(), required=False)
        if at is not None:
            data["at"] = at
        event = form_str(form, "event", max_len=20).strip()
        if event:
            data["event_id"] = as_id(event)
        if self.mode == "new":
            data["new_student"] = {"email": form_str(form, "new_email", max_len=254),
                                   "full_name": form_str(form, "new_full_name", max_len=200),
                                   "phone": form_str(form, "new_phone", max_len=40)}
        elif self.picked_id:
            data["student_membership_id"] = self.picked_id
        return data

    @rx.event
    def log_visit(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            done = vis.do_log_visit(actor, actor.tenant_id or 0, self._sheet(form))
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._forget_sheet()
        self.mode = "existing"
        self.page = 1
        self._ok("ui.visits.logged_registered" if done.registered_here else "ui.visits.logged")
        return self._refresh(actor)

    # ------------------------------------------------------------ recent visits

    @rx.event
    def apply_filters(self, form: dict):
        try:
            f_from = form_str(form, "from", max_len=10).strip()
            f_to = form_str(form, "to", max_len=10).strip()
            d_from, d_to = parse_date(f_from, required=False), parse_date(f_to, required=False)
            if d_from and d_to and d_to < d_from:
                raise Invalid("the range ends before it starts", code="end_before_start")
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.error = ""
        self.f_from, self.f_to, self.page = f_from, f_to, 1
        self.filters_key += 1
        return self._refresh()

    @rx.event
    def filter_student(self, membership_id: int):
        """Only a student already on the page (a listed visit or a search result)."""
        try:
            mid = as_id(membership_id)
            name = next((v.student for v in self.visits if v.student_id == mid), None)
            if name is None:
                name = next((h.name for h in self.hits if h.id == mid), None)
            if name is None:
                raise NotFound("student not found", code="student_not_found")
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.error = ""
        self.f_student_id, self.f_student_name, self.page = mid, name, 1
        return self._refresh()

    @rx.event
    def clear_filters(self):
        self.f_from = self.f_to = self.f_student_name = ""
        self.f_student_id, self.page = 0, 1
        self.filters_key += 1
        return self._refresh()

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        return self._refresh()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        return self._refresh()

    # ------------------------------------------------------------ kiosks

    @rx.event
    def create_kiosk(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            issued = vis.do_create_kiosk_token(actor, actor.tenant_id or 0, name=form_str(form, "kiosk_name",
                                                                                          max_len=100))
            self._load_kiosks(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.new_kiosk_name = issued.name
        self.new_kiosk_link = f"{get_settings().base_url}{KIOSK_ROUTE}?k={issued.secret}"
        self._ok("ui.kiosk.created")
        return None

    @rx.event
    def hide_kiosk_link(self):
        self.new_kiosk_name = self.new_kiosk_link = ""

    @rx.event
    def revoke_kiosk(self, kiosk_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.new_kiosk_name = self.new_kiosk_link = ""
        try:
            kid = as_id(kiosk_id)
            # the centre's own kiosks, listed afresh; the service looks it up in the centre again
            self._load_kiosks(actor)
            if not self.can_kiosk:
                raise Forbidden("kiosks are the manager's", code="forbidden")
            if kid not in {k.id for k in self.kiosks}:
                raise NotFound("kiosk not found", code="not_found")
            vis.do_revoke_kiosk_token(actor, actor.tenant_id or 0, kid)
            self._load_kiosks(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.kiosk.revoked")
        return None


# ---------------------------------------------------------------- the page

def _need_badges(needs: rx.Var) -> rx.Component:
    return rx.flex(rx.foreach(needs, lambda n: rx.badge(I18nState.tx["ui.visits.need." + n], variant="soft")),
                   spacing="1", wrap="wrap")


def _mode_switch() -> rx.Component:
    s = VisitsState
    return rx.el.fieldset(
        rx.el.legend(tr("ui.visits.who")),
        rx.flex(
            *[rx.el.label(
                rx.el.input(type="radio", name="mode", value=mode, checked=s.mode == mode,
                            on_change=s.choose_mode(mode)),
                rx.text(tr(key), as_="span", size="2"),
                style={"display": "inline-flex", "gap": "0.4em", "alignItems": "center",
                       "marginInlineEnd": "1.5em"})
              for mode, key in (("existing", "ui.visits.mode_existing"), ("new", "ui.visits.mode_new"))],
            wrap="wrap",
        ),
        style={"border": "none", "padding": 0},
    )


def _student_search() -> rx.Component:
    s = VisitsState
    return rx.vstack(
        rx.form(
            rx.flex(
                input_field(tr("ui.visits.search_label"), "query", default=s.query, required=True,
                            auto_complete="off"),
                rx.button(tr("ui.visits.search"), type="submit", variant="soft", style={"alignSelf": "end"}),
                spacing="3", width="100%",
            ),
            on_submit=s.search_students, reset_on_submit=False, width="100%", role="search",
        ),
        rx.cond(
            s.hits.length() > 0,
            rx.vstack(rx.foreach(s.hits, lambda h: rx.flex(
                rx.text(h.name, weight="medium"), rx.text(h.email, size="2", color_scheme="gray"),
                rx.button(tr("ui.visits.pick"), size="1", on_click=s.pick_student(h.id),
                          aria_label=tr("ui.visits.pick") + " — " + h.name),
                rx.button(tr("ui.visits.see_visits"), size="1", variant="ghost", on_click=s.filter_student(h.id),
                          aria_label=tr("ui.visits.see_visits") + " — " + h.name),
                spacing="3", align="center", wrap="wrap", role="listitem")), role="list", width="100%"),
            rx.cond(s.searched, rx.text(tr("ui.visits.no_student_found"), size="2", color_scheme="gray")),
        ),
        spacing="2", width="100%",
    )


def _picked() -> rx.Component:
    s = VisitsState
    return rx.cond(
        s.picked_id > 0,
        rx.callout(rx.flex(rx.text(tr("ui.visits.picked"), " ", rx.text.strong(s.picked_name), " (", s.picked_email,
                                   ")"),
                           rx.button(tr("ui.visits.unpick"), size="1", variant="ghost", on_click=s.clear_pick),
                           spacing="3", align="center", wrap="wrap"),
                   color_scheme="blue", width="100%"),
        rx.text(tr("ui.visits.pick_hint"), size="2", color_scheme="gray"),
    )


def _new_student_fields() -> rx.Component:
    return rx.flex(
        input_field(tr("ui.visits.new_full_name"), "new_full_name", required=True, auto_complete="off"),
        input_field(tr("ui.visits.new_email"), "new_email", type="email", required=True, auto_complete="off"),
        input_field(tr("ui.visits.new_phone"), "new_phone", type="tel", auto_complete="off"),
        spacing="3", width="100%", direction={"initial": "column", "sm": "row"},
    )


def _sheet_form() -> rx.Component:
    s = VisitsState
    return rx.form(
        rx.vstack(
            rx.cond(s.mode == "new", _new_student_fields(), _picked()),
            rx.flex(
                select_field(tr("ui.visits.channel"), "channel",
                             [(c, tr("ui.visits.channel." + c)) for c in SHEET_CHANNELS], default="walk_in"),
                input_field(tr("ui.visits.at"), "at", type="datetime-local"),
                select_field(tr("ui.visits.event"), "event", dynamic=s.events, blank=tr("ui.visits.no_event")),
                spacing="3", width="100%", direction={"initial": "column", "sm": "row"},
            ),
            rx.text(tr("ui.visits.at_hint"), size="1", color_scheme="gray"),
            rx.el.fieldset(
                rx.el.legend(tr("ui.visits.needs")),
                rx.flex(*[checkbox(tr("ui.visits.need." + n), "need_" + n) for n in NEEDS], wrap="wrap",
                        spacing="2"),
                style={"border": "none", "padding": 0},
            ),
            text_area(tr("ui.visits.orientation"), "orientation", hint=tr("ui.visits.orientation_hint")),
            rx.button(tr("ui.visits.save"), type="submit"),
            spacing="3", width="100%",
        ),
        on_submit=s.log_visit, reset_on_submit=False, width="100%",
        key=s.sheet_key.to_string() + "-" + s.mode,
    )


def _counts() -> rx.Component:
    s = VisitsState

    def chips(rows: rx.Var, prefix: str) -> rx.Component:
        return rx.flex(rx.foreach(rows, lambda c: rx.badge(I18nState.tx[prefix + c.key], ": ", c.count.to_string(),
                                                           variant="surface")),
                       spacing="2", wrap="wrap")

    return rx.cond(s.has_counts, section(
        "ui.visits.this_week",
        rx.flex(rx.text(tr("ui.visits.week_total"), " ", rx.text.strong(s.week_total.to_string())),
                rx.text(tr("ui.visits.week_students"), " ", rx.text.strong(s.week_students.to_string())),
                spacing="5", wrap="wrap"),
        chips(s.week_by_channel, "ui.visits.channel."),
        chips(s.week_by_need, "ui.visits.need."),
    ))


def _filters() -> rx.Component:
    s = VisitsState
    return rx.vstack(
        rx.form(
            rx.flex(
                input_field(tr("ui.visits.filter_from"), "from", type="date", default=s.f_from, width="12em"),
                input_field(tr("ui.visits.filter_to"), "to", type="date", default=s.f_to, width="12em"),
                rx.button(tr("ui.calendar.apply_filters"), type="submit", variant="soft"),
                rx.button(tr("ui.calendar.clear_filters"), type="button", variant="ghost", on_click=s.clear_filters),
                spacing="3", align="end", wrap="wrap", width="100%",
            ),
            on_submit=s.apply_filters, reset_on_submit=False, width="100%", role="search",
            key=s.filters_key.to_string(),
        ),
        rx.cond(s.f_student_id > 0, rx.flex(
            rx.text(tr("ui.visits.filtered_on"), " ", rx.text.strong(s.f_student_name), size="2"),
            rx.button(tr("ui.visits.all_students"), size="1", variant="ghost", on_click=s.clear_filters),
            spacing="3", align="center")),
        spacing="2", width="100%",
    )


def _visit_row(v: VisitRow) -> rx.Component:
    s = VisitsState
    return rx.table.row(
        rx.table.cell(v.when),
        rx.table.row_header_cell(rx.vstack(
            rx.cond(v.student != "",
                    rx.button(v.student, on_click=s.filter_student(v.student_id), variant="ghost", size="2",
                              aria_label=tr("ui.visits.see_visits") + " — " + v.student),
                    rx.text(tr("ui.visits.deleted_student"), color_scheme="gray")),
            rx.text(v.email, size="1", color_scheme="gray"),
            rx.cond(v.registered_here, rx.badge(tr("ui.visits.registered_here"), color_scheme="green")),
            spacing="1")),
        rx.table.cell(I18nState.tx["ui.visits.channel." + v.channel]),
        rx.table.cell(_need_badges(v.needs)),
        rx.table.cell(rx.text(v.orientation, size="2", style={"whiteSpace": "pre-wrap"})),
        rx.table.cell(rx.cond(v.by != "", v.by, tr("ui.visits.channel.kiosk"))),
    )


def _visits() -> rx.Component:
    s = VisitsState
    return rx.vstack(
        _filters(),
        rx.cond(
            s.visits.length() > 0,
            rx.vstack(
                rx.table.root(
                    rx.table.header(rx.table.row(
                        *[rx.table.column_header_cell(tr(k)) for k in (
                            "ui.visits.col_when", "ui.visits.col_student", "ui.visits.channel", "ui.visits.needs",
                            "ui.visits.orientation", "ui.visits.col_by")])),
                    rx.table.body(rx.foreach(s.visits, _visit_row)),
                    width="100%", variant="surface",
                ),
                rx.text(s.total.to_string(), " ", tr("ui.visits.total_suffix"), size="2", color_scheme="gray"),
                pager(s.page, s.pages, s.prev_page, s.next_page),
                spacing="3", width="100%",
            ),
            empty("ui.visits.empty"),
        ),
        spacing="3", width="100%",
    )


def _kiosk_row(k: KioskRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(k.name),
        rx.table.cell(rx.code(k.prefix + "…")),
        rx.table.cell(k.created),
        rx.table.cell(rx.cond(k.last_used != "", k.last_used, "—")),
        rx.table.cell(rx.cond(
            k.revoked, rx.badge(tr("ui.kiosk.revoked_badge"), color_scheme="red"),
            confirm_dialog("ui.kiosk.revoke", "ui.kiosk.revoke_title", "ui.kiosk.revoke_text",
                           VisitsState.revoke_kiosk(k.id), subject=k.name))),
    )


def _kiosks() -> rx.Component:
    s = VisitsState
    return rx.cond(s.can_kiosk, section(
        "ui.kiosk.title",
        rx.text(tr("ui.kiosk.intro"), size="2", color_scheme="gray"),
        rx.cond(s.new_kiosk_link != "", rx.callout(rx.vstack(
            rx.text(tr("ui.kiosk.copy_now"), " ", rx.text.strong(s.new_kiosk_name)),
            rx.code(s.new_kiosk_link, aria_label=tr("ui.kiosk.link"), style={"wordBreak": "break-all"}),
            rx.button(tr("ui.kiosk.hide_link"), size="1", variant="soft", on_click=s.hide_kiosk_link),
            spacing="2"), color_scheme="amber", width="100%")),
        rx.form(
            rx.flex(
                input_field(tr("ui.kiosk.name"), "kiosk_name", required=True, max_length=100),
                rx.button(tr("ui.kiosk.create"), type="submit", style={"alignSelf": "end"}),
                spacing="3", width="100%",
            ),
            on_submit=s.create_kiosk, reset_on_submit=True, width="100%",
        ),
        rx.cond(
            s.kiosks.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                    "ui.kiosk.name", "ui.kiosk.prefix", "ui.tokens.created_on", "ui.kiosk.last_used",
                    "ui.team.actions")])),
                rx.table.body(rx.foreach(s.kiosks, _kiosk_row)),
                width="100%", variant="surface",
            ),
            empty("ui.kiosk.empty"),
        ),
    ))


def visits_page() -> rx.Component:
    s = VisitsState
    return area_page(
        "staff", "ui.visits.title", messages(),
        rx.cond(
            s.allowed,
            rx.vstack(
                section("ui.visits.sheet", rx.text(tr("ui.visits.sheet_intro"), size="2", color_scheme="gray"),
                        _mode_switch(), rx.cond(s.mode == "existing", _student_search()), _sheet_form()),
                _counts(),
                section("ui.visits.recent", _visits()),
                _kiosks(),
                spacing="4", width="100%",
            ),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(visits_page, route="/staff/visits", on_load=VisitsState.on_load, title="CC Network")
