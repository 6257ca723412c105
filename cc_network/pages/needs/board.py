"""/staff/needs: the pipeline board (P22). One column per step of a job need (received →
outcomes) with its cards (company, title, positions, deadline, days since received), the
ended needs below; filters by company and by owner; and the figures: median days from a
need to its first shortlisted candidate, fill rate (hired / positions) per company and per
sector."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import Option, select_field
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.portal.common import section
from cc_network.pages.staff_portal.students import fail
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.sourcing.access import PIPELINE
from tenants.sourcing.pipeline.services import NeedCard, pipeline_board, pipeline_metrics

COLUMNS = tuple(st.value for st in PIPELINE)


@dataclasses.dataclass
class Card:
    id: int = 0
    title: str = ""
    company: str = ""
    positions: int = 0
    deadline: str = ""
    days: int = 0
    owner: str = ""
    status: str = ""


@dataclasses.dataclass
class Rate:
    key: str = ""
    positions: int = 0
    hired: int = 0
    percent: str = ""


def card_of(c: NeedCard) -> Card:
    return Card(c.id, c.title, c.company_name, c.positions, c.deadline.isoformat(), c.days_since_received,
                c.owner_name, c.status)


def _opt(value: str) -> int | None:
    return as_id(value) if value else None


class NeedsBoardState(AppState):
    cards: list[Card] = []
    ended: list[Card] = []
    counts: dict[str, int] = {st: 0 for st in COLUMNS}
    companies: list[Option] = []
    owners: list[Option] = []
    company_filter: str = ""
    owner_filter: str = ""
    median_days: str = ""
    shortlisted: int = 0
    by_company: list[Rate] = []
    by_sector: list[Rate] = []
    can_create: bool = False

    def _load(self, actor: Actor) -> None:
        tid = actor.tenant_id or 0
        every = pipeline_board(actor, tid)
        all_cards = [c for col in every.columns.values() for c in col] + every.ended
        companies = {c.company_id: c.company_name for c in all_cards}
        owners = {c.owner_membership_id: c.owner_name for c in all_cards if c.owner_membership_id}
        self.companies = sorted((Option(str(k), v) for k, v in companies.items()), key=lambda o: o.label.lower())
        self.owners = sorted((Option(str(k), v) for k, v in owners.items()), key=lambda o: o.label.lower())
        board = pipeline_board(actor, tid, company_id=_opt(self.company_filter),
                               owner_membership_id=_opt(self.owner_filter))
        self.cards = [card_of(c) for st in COLUMNS for c in board.columns[st]]
        self.counts = {st: len(board.columns[st]) for st in COLUMNS}
        self.ended = [card_of(c) for c in board.ended]
        m = pipeline_metrics(actor, tid)
        self.median_days = "" if m.median_days_to_shortlist is None else f"{m.median_days_to_shortlist:g}"
        self.shortlisted = m.needs_shortlisted

        def rates(rows) -> list[Rate]:  # noqa: ANN001
            return [Rate(r.key, r.positions, r.hired, f"{round(100 * r.rate)} %") for r in rows]

        self.by_company, self.by_sector = rates(m.by_company), rates(m.by_sector)
        self.can_create = actor.can(Perm.NEED_MANAGE)

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.cards, self.ended, self.by_company, self.by_sector = [], [], [], []
        self.counts = {st: 0 for st in COLUMNS}
        self.company_filter = self.owner_filter = ""
        try:
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
        return None

    @rx.event
    def apply_filters(self, form: dict):
        """Filters by company and owner: ids looked up in the caller's own centre's needs."""
        try:
            company = form_str(form, "company", max_len=12)
            owner = form_str(form, "owner", max_len=12)
            self.company_filter = str(as_id(company)) if company else ""
            self.owner_filter = str(as_id(owner)) if owner else ""
        except ServiceError as exc:
            fail(self, exc)
            return None
        return self._refresh()

    @rx.event
    def clear_filters(self):
        self.company_filter = self.owner_filter = ""
        return self._refresh()


def _card(c: Card) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.link(c.title, href="/staff/needs/" + c.id.to_string(), weight="bold", size="2"),
            rx.text(c.company, size="2"),
            rx.text(tr("ui.pipeline.positions"), ": ", c.positions.to_string(), size="1"),
            rx.text(tr("ui.pipeline.deadline"), ": ", c.deadline, size="1"),
            rx.text(c.days.to_string(), " ", tr("ui.pipeline.days_since"), size="1", color_scheme="gray"),
            rx.cond(c.owner != "", rx.text(tr("ui.pipeline.owner"), ": ", c.owner, size="1", color_scheme="gray")),
            spacing="1", align="start"),
        width="100%", size="1",
    )


def _column(status: str) -> rx.Component:
    s = NeedsBoardState
    return rx.box(
        rx.heading(tr(f"ui.jobneed.status.{status}"), " (", s.counts[status].to_string(), ")", size="3",
                   as_="h2"),
        rx.vstack(rx.foreach(s.cards, lambda c: rx.cond(c.status == status, _card(c))), spacing="2", width="100%"),
        min_width="13em", flex="1", padding="0.5em", border_radius="8px", background_color=rx.color("gray", 3),
        role="region", aria_label=tr(f"ui.jobneed.status.{status}"),
    )


def _filters() -> rx.Component:
    s = NeedsBoardState
    return rx.form(
        rx.flex(
            select_field(tr("ui.pipeline.company"), "company", dynamic=s.companies, default=s.company_filter,
                         blank=tr("ui.pipeline.all"), width="16em"),
            select_field(tr("ui.pipeline.owner"), "owner", dynamic=s.owners, default=s.owner_filter,
                         blank=tr("ui.pipeline.all"), width="16em"),
            rx.button(tr("ui.pipeline.filter"), type="submit"),
            rx.button(tr("ui.pipeline.clear"), type="button", variant="soft", color_scheme="gray",
                      on_click=s.clear_filters),
            spacing="3", align="end", wrap="wrap"),
        on_submit=s.apply_filters, reset_on_submit=False, key=s.company_filter + "-" + s.owner_filter,
    )


def _rates(title_key: str, rows: rx.Var) -> rx.Component:
    return rx.box(
        rx.heading(tr(title_key), size="3", as_="h3"),
        rx.cond(rows.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(tr("ui.pipeline.name")),
                rx.table.column_header_cell(tr("ui.pipeline.positions")),
                rx.table.column_header_cell(tr("ui.pipeline.hired")),
                rx.table.column_header_cell(tr("ui.pipeline.fill_rate")))),
            rx.table.body(rx.foreach(rows, lambda r: rx.table.row(
                rx.table.row_header_cell(r.key), rx.table.cell(r.positions.to_string()),
                rx.table.cell(r.hired.to_string()), rx.table.cell(r.percent)))),
            variant="surface", size="1"), empty("ui.pipeline.no_figures")),
        flex="1", min_width="18em")


def _metrics() -> rx.Component:
    s = NeedsBoardState
    return rx.vstack(
        rx.text(tr("ui.pipeline.median_days"), ": ",
                rx.text.strong(rx.cond(s.median_days != "", s.median_days, "—")),
                " (", s.shortlisted.to_string(), " ", tr("ui.pipeline.needs_counted"), ")", size="2"),
        rx.flex(_rates("ui.pipeline.by_company", s.by_company), _rates("ui.pipeline.by_sector", s.by_sector),
                spacing="4", wrap="wrap", width="100%"),
        spacing="3", width="100%")


def _ended() -> rx.Component:
    s = NeedsBoardState
    return rx.cond(s.ended.length() > 0, rx.el.ul(rx.foreach(s.ended, lambda c: rx.el.li(rx.hstack(
        rx.link(c.title, href="/staff/needs/" + c.id.to_string()), rx.text(c.company, size="2"),
        rx.badge(I18nState.tx["ui.jobneed.status." + c.status], variant="soft", color_scheme="gray"),
        spacing="2", align="center")))), empty("ui.pipeline.no_ended"))


def board_page() -> rx.Component:
    s = NeedsBoardState
    return area_page(
        "staff", "ui.pipeline.board_title", messages(),
        rx.hstack(rx.text(tr("ui.pipeline.board_intro"), size="2"), rx.spacer(),
                  rx.cond(s.can_create, rx.link(tr("ui.pipeline.new_need"), href="/staff/needs/new")),
                  width="100%", align="center"),
        _filters(),
        rx.box(rx.flex(*[_column(st) for st in COLUMNS], spacing="2", width="100%"), overflow_x="auto",
               width="100%"),
        section("ui.pipeline.ended", _ended()),
        section("ui.pipeline.metrics", _metrics()),
    )


def register(app: rx.App) -> None:
    app.add_page(board_page, route="/staff/needs", on_load=NeedsBoardState.on_load, title="CC Network")
