"""The cross-centre benchmark (issue 8 §4): /evaluator/benchmark and /admin/benchmark (the
centres the caller may name against the peer group's quartiles per domain, one centre in detail)
and /staff/assessment/benchmark (the centre against anonymous peers). Every handler calls
workflows.assessment.benchmark, which decides what each caller may see."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.calendar.common import Option
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr, tr_var
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from integrations.i18n import LANGS, t
from tenants.core.actor import Actor
from workflows.assessment import benchmark as bm

EVALUATOR, ADMIN, STAFF = "/evaluator/benchmark", "/admin/benchmark", "/staff/assessment/benchmark"
_ID = re.compile(r"^\d{1,10}$")
RAG_COLORS = (("red", "red"), ("amber", "amber"), ("green", "green"))


@dataclasses.dataclass
class CellUI:
    score: str = ""
    rag: str = "none"


@dataclasses.dataclass
class CentreUI:
    id: int = 0
    name: str = ""
    kind: str = ""
    size_band: str = ""
    overall: str = ""
    overall_rag: str = "none"
    cells: list[CellUI] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class LineUI:
    code: str = ""
    title: str = ""
    tier: str = ""
    score: str = ""
    n: int = 0
    q1: str = ""
    median: str = ""
    q3: str = ""
    network_median: str = ""
    rag: str = "none"


def _f(v: float | None) -> str:
    return "" if v is None else f"{v:.1f}"


def _line(d: dict) -> LineUI:
    return LineUI(d["code"], d["title"], d.get("tier") or "", _f(d["score"]), d["n"] or 0, _f(d["q1"]),
                  _f(d["median"]), _f(d["q3"]), _f(d["network_median"]), d["rag"])


def _group_label(g: str, lang: str) -> str:
    parts = []
    for p in g.split("|"):
        if p == bm.ALL:
            parts.append(t("ui.bench.group.all", lang))
        elif p.startswith("kind:"):
            parts.append(t(f"ui.kind.{p[5:]}", lang))
        else:
            parts.append(t(f"ui.bench.size.{p[5:]}", lang))
    return " · ".join(parts)


class BenchmarkState(AppState):
    # the network view (admins, evaluators)
    domains: list[Option] = []
    stats: list[LineUI] = []
    centres: list[CentreUI] = []
    hidden: int = 0
    counted: int = 0
    # one centre in detail (an assigned centre, or the staff's own)
    centre_id: int = 0
    centre_name: str = ""
    overall: list[LineUI] = []
    radar: list[dict] = []
    domain_lines: list[LineUI] = []
    criteria: list[LineUI] = []
    trend: list[dict] = []
    # filters
    model_id: str = ""
    model_options: list[Option] = []
    peer_group: str = ""
    group_options: list[Option] = []
    is_staff: bool = False
    _area: str = ""
    _lang: str = "fr"

    def _clear(self) -> None:
        self.domains, self.stats, self.centres, self.hidden, self.counted = [], [], [], 0, 0
        self._clear_detail()
        self.model_options, self.group_options = [], []

    def _clear_detail(self) -> None:
        self.centre_id, self.centre_name = 0, ""
        self.overall, self.radar, self.domain_lines, self.criteria, self.trend = [], [], [], [], []

    def _load(self, actor: Actor) -> None:
        lang = self._lang
        model = int(self.model_id) if self.model_id else None
        if self.is_staff:
            d = bm.my_benchmark(actor, model_id=model, peer_group=self.peer_group or None, locale=lang)
            self._show_detail(d)
            self.model_options = [Option(str(m["id"]), f"v{m['version']} · {m['title']}") for m in d["models"]]
            self.group_options = [Option(p["group"], _group_label(p["group"], lang)) for p in d["peer_groups"]]
            self.peer_group = d["peer_group"]
            self.model_id = str(d["model"]["id"]) if d["model"] else ""
            return
        d = bm.network_benchmark(actor, model_id=model, peer_group=self.peer_group or bm.ALL, locale=lang)
        self.model_options = [Option(str(m["id"]), f"v{m['version']} · {m['title']}") for m in d["models"]]
        self.group_options = [Option(p["group"], f"{_group_label(p['group'], lang)} ({p['n']})")
                              for p in d["peer_groups"]]
        self.peer_group = d["peer_group"]
        self.model_id = str(d["model"]["id"]) if d["model"] else ""
        self.domains = [Option(x["code"], x["title"]) for x in d["domains"]]
        self.stats = [LineUI(k, t("ui.bench.overall", lang) if k == bm.OVERALL else
                             next((x["title"] for x in d["domains"] if x["code"] == k), k), "", "", s["n"],
                             _f(s["q1"]), _f(s["median"]), _f(s["q3"]), "", "none")
                      for k, s in d["stats"].items()]
        self.centres = [CentreUI(c["id"], c["name"], c["kind"], c["size_band"], _f(c["overall"]), c["overall_rag"],
                                 [CellUI(_f(c["domains"][x["code"]]), c["rag"][x["code"]]) for x in d["domains"]])
                        for c in d["centres"]]
        self.hidden, self.counted = d["hidden"], d["n"]
        if self.centre_id:
            self._show_detail(bm.centre_benchmark(actor, self.centre_id, model_id=model,
                                                  peer_group=self.peer_group, locale=lang))

    def _show_detail(self, d: dict) -> None:
        self.centre_id = d["centre"]["id"]
        self.centre_name = d["centre"].get("name", "")
        self.overall = [_line(d["overall"])] if d["overall"] else []
        self.radar = [{"label": r["label"], "centre": r["centre"], "median": r["median"], "peer": r["peer"]}
                      for r in d["radar"]]
        self.domain_lines = [_line(x) for x in d["domains"]]
        self.criteria = [_line(x) for x in d["criteria"]]
        self.trend = [{"date": p["date"], "overall": p["overall"], "median": p["network_median"]}
                      for p in d["trend"]]

    async def _open(self, area: str, staff: bool):
        actor, redirect = self._enter(area)
        if actor is None:
            return redirect
        lang = (await self.get_state(I18nState)).lang
        self._lang = lang if lang in LANGS else "fr"
        self._area, self.is_staff = area, staff
        self.model_id, self.peer_group = "", ""
        self._clear()
        return self._refresh(actor)

    @rx.event
    async def on_load_evaluator(self):
        return await self._open("evaluator", False)

    @rx.event
    async def on_load_admin(self):
        return await self._open("admin", False)

    @rx.event
    async def on_load_staff(self):
        return await self._open("staff", True)

    @rx.event
    def choose_group(self, value: str):
        if not isinstance(value, str) or len(value) > 80:
            return None
        previous = self.peer_group
        self.peer_group = value
        try:
            bm.check_group(value)
        except Invalid as exc:
            self.peer_group = previous
            self._fail(exc)
            return None
        return self._reload(previous_group=previous)

    @rx.event
    def choose_model(self, value: str):
        if not isinstance(value, str) or not _ID.match(value):
            return None
        self.model_id = value
        self.peer_group = "" if self.is_staff else self.peer_group
        return self._reload()

    @rx.event
    def open_centre(self, centre_id: int):
        if self.is_staff or isinstance(centre_id, bool) or not isinstance(centre_id, int) or centre_id <= 0:
            return None
        self.centre_id = centre_id
        return self._reload()

    @rx.event
    def close_centre(self):
        if not self.is_staff:
            self._clear_detail()

    def _reload(self, previous_group: str | None = None):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.error = ""
        try:
            self._load(actor)
        except ServiceError as exc:
            # a refused filter or centre leaves what was on screen, minus the refused detail
            if previous_group is not None:
                self.peer_group = previous_group
            self._clear_detail()
            self._fail(exc)
        return None


# ---------------------------------------------------------------- components

def _rag(rag: rx.Var, text: rx.Var | str = "") -> rx.Component:
    return rx.badge(rx.cond(text != "", text, tr_var("ui.bench.rag." + rag)),
                    color_scheme=rx.match(rag, *RAG_COLORS, "gray"), variant="soft",
                    title=tr_var("ui.bench.rag." + rag))


def _filters() -> rx.Component:
    s = BenchmarkState
    return rx.flex(
        rx.el.label(rx.text(tr("ui.bench.model"), size="1"),
                    rx.el.select(rx.foreach(s.model_options, lambda o: rx.el.option(o.label, value=o.value)),
                                 id="bench_model", value=s.model_id, on_change=s.choose_model),
                    style={"display": "inline-flex", "gap": "0.4em", "alignItems": "center"}),
        rx.el.label(rx.text(tr("ui.bench.peer_group"), size="1"),
                    rx.el.select(rx.foreach(s.group_options, lambda o: rx.el.option(o.label, value=o.value)),
                                 id="bench_group", value=s.peer_group, on_change=s.choose_group),
                    style={"display": "inline-flex", "gap": "0.4em", "alignItems": "center"}),
        spacing="4", wrap="wrap", align="center")


def _stat_row(x: LineUI) -> rx.Component:
    return rx.table.row(rx.table.row_header_cell(x.title), rx.table.cell(x.n), rx.table.cell(x.q1),
                        rx.table.cell(x.median), rx.table.cell(x.q3))


def _centre_row(c: CentreUI) -> rx.Component:
    s = BenchmarkState
    return rx.table.row(
        rx.table.row_header_cell(rx.button(c.name, on_click=s.open_centre(c.id), variant="ghost")),
        rx.table.cell(I18nState.tx["ui.kind." + c.kind]),
        rx.table.cell(_rag(c.overall_rag, c.overall)),
        rx.foreach(c.cells, lambda cell: rx.table.cell(_rag(cell.rag, cell.score))),
    )


def _network() -> rx.Component:
    s = BenchmarkState
    stats = rx.table.root(
        rx.table.header(rx.table.row(rx.table.column_header_cell(tr("ui.bench.key")),
                                     rx.table.column_header_cell(tr("ui.bench.n")),
                                     rx.table.column_header_cell(tr("ui.bench.q1")),
                                     rx.table.column_header_cell(tr("ui.bench.median")),
                                     rx.table.column_header_cell(tr("ui.bench.q3")))),
        rx.table.body(rx.foreach(s.stats, _stat_row)), width="100%", variant="surface")
    centres = rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell(tr("ui.bench.centre")), rx.table.column_header_cell(tr("ui.bench.kind")),
            rx.table.column_header_cell(tr("ui.bench.overall")),
            rx.foreach(s.domains, lambda d: rx.table.column_header_cell(d.value, title=d.label)))),
        rx.table.body(rx.foreach(s.centres, _centre_row)), width="100%", variant="surface")
    return rx.vstack(
        rx.card(rx.heading(tr("ui.bench.figures"), size="4"),
                rx.cond(s.stats.length() > 0, stats, empty("ui.bench.empty")), width="100%"),
        rx.card(rx.heading(tr("ui.bench.centres"), size="4"),
                rx.cond(s.centres.length() > 0, centres, empty("ui.bench.no_centre")),
                rx.cond(s.hidden > 0, rx.text(tr("ui.bench.hidden"), " ", s.hidden, "/", s.counted, size="2",
                                              color_scheme="gray")),
                width="100%"),
        spacing="4", width="100%")


def _line_row(x: LineUI) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(x.code, weight="medium"), " ", rx.text(x.title, size="2")),
        rx.table.cell(rx.cond(x.tier != "", tr_var("ui.bench.tier." + x.tier), "")),
        rx.table.cell(_rag(x.rag, x.score)), rx.table.cell(x.q1), rx.table.cell(x.median), rx.table.cell(x.q3),
        rx.table.cell(x.network_median))


def _lines_table(rows: rx.Var) -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
            "ui.bench.key", "ui.bench.tier", "ui.bench.score", "ui.bench.q1", "ui.bench.median", "ui.bench.q3",
            "ui.bench.network_median")])),
        rx.table.body(rx.foreach(rows, _line_row)), width="100%", variant="surface")


def _detail() -> rx.Component:
    s = BenchmarkState
    radar = rx.recharts.radar_chart(
        rx.recharts.polar_grid(), rx.recharts.polar_angle_axis(data_key="label"),
        rx.recharts.polar_radius_axis(domain=[0, 100]),
        rx.recharts.radar(data_key="centre", name=tr("ui.bench.this_centre"), stroke="#3E63DD", fill="#3E63DD",
                          fill_opacity=0.3),
        rx.recharts.radar(data_key="median", name=tr("ui.bench.network_median"), stroke="#8D8D8D", fill="#8D8D8D",
                          fill_opacity=0.1),
        rx.recharts.radar(data_key="peer", name=tr("ui.bench.peer_median"), stroke="#12A594", fill="#12A594",
                          fill_opacity=0.1),
        rx.recharts.legend(), rx.recharts.graphing_tooltip(), data=s.radar, width="100%", height=380)
    trend = rx.recharts.line_chart(
        rx.recharts.line(data_key="overall", stroke="#3E63DD", name=tr("ui.bench.this_centre")),
        rx.recharts.line(data_key="median", stroke="#8D8D8D", name=tr("ui.bench.network_median")),
        rx.recharts.x_axis(data_key="date"), rx.recharts.y_axis(domain=[0, 100]), rx.recharts.graphing_tooltip(),
        rx.recharts.legend(), data=s.trend, width="100%", height=260)
    return rx.vstack(
        rx.flex(rx.heading(s.centre_name, size="5", as_="h2"), rx.spacer(),
                rx.cond(~s.is_staff, rx.button(tr("ui.bench.close"), on_click=s.close_centre, variant="soft")),
                width="100%", align="center"),
        rx.cond(s.overall.length() > 0, _lines_table(s.overall)),
        rx.card(rx.heading(tr("ui.bench.radar"), size="4"),
                rx.cond(s.radar.length() > 0, radar, empty("ui.bench.empty")), width="100%", role="figure",
                aria_label=tr("ui.bench.radar")),
        rx.card(rx.heading(tr("ui.bench.domains"), size="4"), _lines_table(s.domain_lines), width="100%"),
        rx.card(rx.heading(tr("ui.bench.criteria"), size="4"), _lines_table(s.criteria), width="100%"),
        rx.card(rx.heading(tr("ui.bench.trend"), size="4"),
                rx.cond(s.trend.length() > 0, trend, empty("ui.bench.no_trend")), width="100%", role="figure",
                aria_label=tr("ui.bench.trend")),
        rx.text(tr("ui.bench.rag_rule"), size="1", color_scheme="gray"),
        spacing="4", width="100%")


def _network_page(area: str) -> rx.Component:
    s = BenchmarkState
    return area_page(area, "ui.bench.title", messages(), _filters(), _network(),
                     rx.cond(s.centre_id > 0, _detail()))


def evaluator_page() -> rx.Component:
    return _network_page("evaluator")


def admin_page() -> rx.Component:
    return _network_page("admin")


def staff_page() -> rx.Component:
    s = BenchmarkState
    return area_page("staff", "ui.bench.title_mine", messages(), rx.text(tr("ui.bench.anonymous"), size="2"),
                     _filters(), rx.cond(s.criteria.length() > 0, _detail(), empty("ui.bench.empty")))


def register(app: rx.App) -> None:
    app.add_page(evaluator_page, route=EVALUATOR, on_load=BenchmarkState.on_load_evaluator, title="CC Network")
    app.add_page(admin_page, route=ADMIN, on_load=BenchmarkState.on_load_admin, title="CC Network")
    app.add_page(staff_page, route=STAFF, on_load=BenchmarkState.on_load_staff, title="CC Network")
