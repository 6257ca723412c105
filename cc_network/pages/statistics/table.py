"""/staff/statistics: the statistics table (T03). A period (two days, or this week / month /
semester), groupings (period, activity kind, counselor, establishment, field, level, gender),
filters; grouped counts with totals; entries made after the weekly cut-off flagged and listed
(P24.2); the table and the late entries as CSV or XLSX."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from urllib.parse import urlencode

import reflex as rx

from cc_network.pages.calendar.common import Option, input_field, select_field
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.statistics.common import GENDERS, Cell, cell, parse_day, this_month
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import api_url, area_page
from cc_network.ui.session import AppState
from integrations.db import utcnow
from integrations.errors import Invalid, NotFound, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.portal.profiles.models import Level
from workflows.reporting import statistics as st

LEVELS = [lv.value for lv in Level]
PRESETS = ("week", "month", "semester")
LATE_SHOWN = 50


@dataclasses.dataclass
class StatRow:
    cells: list[Cell] = dataclasses.field(default_factory=list)
    count: int = 0
    late: int = 0


@dataclasses.dataclass
class LateRow:
    kind: str = ""
    at: str = ""
    recorded_at: str = ""
    counselor: str = ""


def _opt(value: str) -> int | None:
    return as_id(value) if value else None


def preset_period(preset: str, today: date) -> tuple[date, date]:
    """This week (Monday to Sunday), this month, or this semester (September to January,
    February to July)."""
    if preset == "week":
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=6)
    if preset == "month":
        return this_month(today)
    if today.month >= 9 or today.month == 1:
        year = today.year if today.month >= 9 else today.year - 1
        return date(year, 9, 1), date(year + 1, 1, 31)
    return date(today.year, 2, 1), date(today.year, 7, 31)


class StatisticsState(AppState):
    start: str = ""
    end: str = ""
    unit: str = "month"
    groups: list[str] = ["kind"]
    kind: str = ""
    counselor: str = ""
    establishment: str = ""
    field: str = ""
    level: str = ""
    gender: str = ""
    rows: list[StatRow] = []
    total: int = 0
    late_total: int = 0
    late_rows: list[LateRow] = []
    counselor_options: list[Option] = []
    establishment_options: list[Option] = []
    field_options: list[Option] = []
    can_settle: bool = False
    form_key: int = 0

    def _filters(self) -> dict:
        return {"kind": self.kind, "counselor_membership_id": _opt(self.counselor),
                "establishment_id": _opt(self.establishment), "field_id": _opt(self.field), "level": self.level,
                "gender": self.gender}

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        start, end = parse_day(self.start), parse_day(self.end)
        table = st.counts(actor, tid, start, end, group_by=self.groups, filters=self._filters(), unit=self.unit)
        self.rows = [StatRow([cell(g, r.keys[i], r.labels[i]) for i, g in enumerate(table.group_by)], r.count, r.late)
                     for r in table.rows]
        self.total, self.late_total = table.total, table.late
        entries, _n = st.late_entries(actor, tid, start, end, limit=LATE_SHOWN)
        self.late_rows = [LateRow(e.kind, e.at.strftime("%d/%m/%Y %H:%M"), e.recorded_at.strftime("%d/%m/%Y %H:%M"),
                                  e.counselor_name) for e in entries]

    @rx.var
    def export_query(self) -> str:
        params = [("start", self.start), ("end", self.end), ("group_by", ",".join(self.groups)),
                  ("unit", self.unit)]
        params += [(k, v) for k, v in (("kind", self.kind), ("counselor", self.counselor),
                                       ("establishment", self.establishment), ("field", self.field),
                                       ("level", self.level), ("gender", self.gender)) if v]
        return urlencode(params)

    @rx.var
    def late_query(self) -> str:
        return urlencode([("start", self.start), ("end", self.end)])

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        first, last = this_month(utcnow().date())
        self.start, self.end, self.unit, self.groups = first.isoformat(), last.isoformat(), "month", ["kind"]
        self.kind = self.counselor = self.establishment = self.field = self.level = self.gender = ""
        self.rows, self.late_rows, self.total, self.late_total = [], [], 0, 0
        self.counselor_options, self.establishment_options, self.field_options = [], [], []
        self.can_settle = actor.can(Perm.TENANT_SETTINGS)
        try:
            choices = st.staff_choices(actor, actor.tenant_id or 0)
            self.counselor_options = [Option(str(i), n) for i, n in choices["counselors"]]
            self.establishment_options = [Option(str(i), n) for i, n in choices["establishments"]]
            self.field_options = [Option(str(i), n) for i, n in choices["fields"]]
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
        self.form_key += 1
        return None

    @rx.event
    def apply(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            start, end = form_str(form, "start", max_len=10), form_str(form, "end", max_len=10)
            parse_day(start), parse_day(end)
            unit = form_str(form, "unit", max_len=5) or "month"
            if unit not in st.UNITS:
                raise Invalid("week or month", code="invalid_unit")
            groups = [g for g in (form_str(form, f"group{i}", max_len=20) for i in (1, 2, 3)) if g] or ["kind"]
            if any(g not in st.GROUPS for g in groups):
                raise Invalid("unknown grouping", code="invalid_group_by")
            kind, level, gender = (form_str(form, "kind", max_len=24), form_str(form, "level", max_len=20),
                                   form_str(form, "gender", max_len=10))
            if (kind and kind not in st.KINDS) or (level and level not in LEVELS) or (gender and gender not in GENDERS):
                raise Invalid("unknown filter", code="invalid_filter")
            ids = [form_str(form, k, max_len=12) for k in ("counselor", "establishment", "field")]
            for v in ids:
                _opt(v)
        except ServiceError as exc:
            self._fail(NotFound(code="not_found") if isinstance(exc, NotFound) else exc)
            return None
        self.start, self.end, self.unit, self.groups = start, end, unit, list(dict.fromkeys(groups))
        self.kind, self.level, self.gender = kind, level, gender
        self.counselor, self.establishment, self.field = ids
        self.error = self.notice = ""
        return self._refresh(actor)

    @rx.event
    def preset(self, which: str):
        if which not in PRESETS:
            return None
        first, last = preset_period(which, utcnow().date())
        self.start, self.end = first.isoformat(), last.isoformat()
        if which == "week":
            self.unit = "week"
        self.form_key += 1
        return self._refresh()


# ---------------------------------------------------------------- view

def _text(c: Cell) -> rx.Component:
    return rx.cond(c.tkey != "", I18nState.tx[c.tkey], c.text)


def _group_choice(n: int, default: str) -> rx.Component:
    opts = [(g, tr(f"ui.stats.group.{g}")) for g in st.GROUPS]
    return select_field(tr(f"ui.stats.group_by_{n}"), f"group{n}", opts, default=default,
                        blank=tr("ui.stats.none") if n > 1 else None)


def _form() -> rx.Component:
    s = StatisticsState
    return rx.form(
        rx.flex(
            input_field(tr("ui.stats.start"), "start", type="date", default=s.start, required=True),
            input_field(tr("ui.stats.end"), "end", type="date", default=s.end, required=True),
            select_field(tr("ui.stats.unit"), "unit", [("week", tr("ui.stats.unit.week")),
                                                       ("month", tr("ui.stats.unit.month"))], default=s.unit),
            _group_choice(1, s.groups[0]),
            _group_choice(2, rx.cond(s.groups.length() > 1, s.groups[1], "")),
            _group_choice(3, rx.cond(s.groups.length() > 2, s.groups[2], "")),
            spacing="3", width="100%", direction={"initial": "column", "md": "row"},
        ),
        rx.flex(
            select_field(tr("ui.stats.group.kind"), "kind", [(k, tr(f"ui.stats.kind.{k}")) for k in st.KINDS],
                         default=s.kind, blank=tr("ui.stats.all")),
            select_field(tr("ui.stats.group.counselor"), "counselor", dynamic=s.counselor_options,
                         default=s.counselor, blank=tr("ui.stats.all")),
            select_field(tr("ui.stats.group.establishment"), "establishment", dynamic=s.establishment_options,
                         default=s.establishment, blank=tr("ui.stats.all")),
            select_field(tr("ui.stats.group.field"), "field", dynamic=s.field_options, default=s.field,
                         blank=tr("ui.stats.all")),
            select_field(tr("ui.stats.group.level"), "level", [(lv, tr(f"ui.students.level.{lv}")) for lv in LEVELS],
                         default=s.level, blank=tr("ui.stats.all")),
            select_field(tr("ui.stats.group.gender"), "gender", [(g, tr(f"ui.stats.gender.{g}")) for g in GENDERS],
                         default=s.gender, blank=tr("ui.stats.all")),
            spacing="3", width="100%", direction={"initial": "column", "md": "row"}, margin_top="0.8em",
        ),
        rx.flex(
            rx.button(tr("ui.stats.show"), type="submit"),
            rx.button(tr("ui.stats.this_week"), type="button", variant="soft", on_click=s.preset("week")),
            rx.button(tr("ui.stats.this_month"), type="button", variant="soft", on_click=s.preset("month")),
            rx.button(tr("ui.stats.this_semester"), type="button", variant="soft", on_click=s.preset("semester")),
            spacing="3", wrap="wrap", margin_top="0.8em",
        ),
        on_submit=s.apply, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-stats",
    )


def _row(r: StatRow) -> rx.Component:
    return rx.table.row(
        rx.foreach(r.cells, lambda c: rx.table.cell(_text(c))),
        rx.table.cell(r.count),
        rx.table.cell(rx.cond(r.late > 0, rx.badge(r.late, color_scheme="amber", variant="soft"), "0")),
    )


def _table() -> rx.Component:
    s = StatisticsState
    return rx.cond(
        s.rows.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.foreach(s.groups, lambda g: rx.table.column_header_cell(I18nState.tx["ui.stats.group." + g])),
                rx.table.column_header_cell(tr("ui.stats.count")),
                rx.table.column_header_cell(tr("ui.stats.late")),
            )),
            rx.table.body(
                rx.foreach(s.rows, _row),
                rx.table.row(
                    rx.table.row_header_cell(tr("ui.stats.total"), col_span=s.groups.length()),
                    rx.table.cell(rx.text(s.total, weight="bold")),
                    rx.table.cell(rx.text(s.late_total, weight="bold")),
                ),
            ),
            width="100%", variant="surface", aria_label=tr("ui.stats.title"),
        ),
        empty("ui.stats.empty"),
    )


def _late_row(r: LateRow) -> rx.Component:
    return rx.table.row(rx.table.cell(I18nState.tx["ui.stats.kind." + r.kind]), rx.table.cell(r.at),
                        rx.table.cell(r.recorded_at), rx.table.cell(r.counselor))


def _late() -> rx.Component:
    s = StatisticsState
    return rx.card(
        rx.heading(tr("ui.stats.late_title"), size="4"),
        rx.text(tr("ui.stats.late_help"), size="2", color_scheme="gray"),
        rx.cond(
            s.late_rows.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.stats.group.kind")),
                    rx.table.column_header_cell(tr("ui.stats.col.at")),
                    rx.table.column_header_cell(tr("ui.stats.col.recorded_at")),
                    rx.table.column_header_cell(tr("ui.stats.group.counselor")),
                )),
                rx.table.body(rx.foreach(s.late_rows, _late_row)),
                width="100%", variant="ghost",
            ),
            empty("ui.stats.no_late"),
        ),
        _exports("/statistics/late/export?", s.late_query, "ui.stats.export_late"),
        width="100%",
    )


def _exports(path: str, query: rx.Var, label: str) -> rx.Component:
    def link(fmt: str) -> rx.Component:
        return rx.link(fmt.upper(), is_external=True,
                       href=f"{api_url()}/api/v1/tenants/" + AppState.tenant_slug + path + query
                       + f"&format={fmt}&lang=" + I18nState.lang)

    return rx.hstack(rx.text(tr(label), size="2", color_scheme="gray"), link("csv"), link("xlsx"), link("pdf"),
                     spacing="2", align="center", aria_label=tr(label))


def statistics_page() -> rx.Component:
    s = StatisticsState
    return area_page(
        "staff", "ui.stats.title",
        rx.flex(rx.link(tr("ui.nav.dashboard"), href="/staff/dashboard", size="2"),
                rx.link(tr("ui.stats.settings_title"), href="/staff/statistics/settings", size="2"),
                spacing="4", wrap="wrap", role="navigation", aria_label=tr("ui.stats.pages")),
        messages(),
        rx.card(_form(), width="100%"),
        _exports("/statistics/export?", s.export_query, "ui.stats.export"),
        _table(),
        _late(),
    )


def register(app: rx.App) -> None:
    app.add_page(statistics_page, route="/staff/statistics", on_load=StatisticsState.on_load, title="CC Network")
