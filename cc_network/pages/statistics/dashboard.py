"""/staff/dashboard and /host/dashboard: the charts of the manager and of the host institution
(issue 9 §5): activity over time, plan vs actual (the validated action plan of the current
academic year), satisfaction (T04 ratings), sourcing results (P22). The period is the current
academic year (or the last twelve months), by month or by week."""

from __future__ import annotations

import reflex as rx

from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import api_url, area_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from integrations.i18n import LANGS, t
from tenants.core.actor import Actor
from workflows.reporting import dashboards as dash
from workflows.reporting.statistics import KINDS

COLORS = ("#3E63DD", "#12A594", "#E54D2E", "#F76B15", "#8E4EC6", "#FFC53D")


class DashboardState(AppState):
    unit: str = "month"
    activity: list[dict] = []
    plan: list[dict] = []
    plan_title: str = ""
    satisfaction: list[dict] = []
    sourcing: list[dict] = []
    period_start: str = ""
    period_end: str = ""
    _lang: str = "fr"

    def _load(self, actor: Actor) -> None:
        d = dash.dashboard(actor, actor.tenant_id or 0, unit=self.unit)
        lang = self._lang
        self.period_start, self.period_end = d.start.strftime("%d/%m/%Y"), d.end.strftime("%d/%m/%Y")
        self.activity = [{k: (str(v) if k == "period" else int(v)) for k, v in p.items()} for p in d.activity]
        self.plan = [{"label": t(f"ui.stats.metric.{p['metric']}", lang), "target": float(p["target"]),
                      "actual": float(p["actual"])} for p in d.plan]
        self.plan_title = d.plan_title
        self.satisfaction = [{"period": p["period"], "average": float(p["average"]), "count": int(p["count"])}
                             for p in d.satisfaction]
        self.sourcing = [{"label": t(f"ui.stats.sourcing.{k}", lang), "value": int(v)} for k, v in d.sourcing.items()]

    async def _open(self, area: str):
        actor, redirect = self._enter(area)
        if actor is None:
            return redirect
        lang = (await self.get_state(I18nState)).lang
        self._lang = lang if lang in LANGS else "fr"
        self.activity, self.plan, self.satisfaction, self.sourcing, self.plan_title = [], [], [], [], ""
        try:
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    async def on_load_staff(self):
        return await self._open("staff")

    @rx.event
    async def on_load_host(self):
        return await self._open("host")

    @rx.event
    def change_unit(self, unit: str):
        if unit not in ("week", "month") or unit == self.unit:
            return None
        self.unit = unit
        return self._refresh()


def _chart_card(title_key: str, chart: rx.Component, has_data: rx.Var, empty_key: str) -> rx.Component:
    return rx.card(rx.heading(tr(title_key), size="4"), rx.cond(has_data, chart, empty(empty_key)),
                   width="100%", role="figure", aria_label=tr(title_key))


def _activity() -> rx.Component:
    s = DashboardState
    bars = [rx.recharts.bar(data_key=k, stack_id="a", fill=COLORS[i % len(COLORS)], name=tr(f"ui.stats.kind.{k}"))
            for i, k in enumerate(KINDS)]
    chart = rx.recharts.bar_chart(
        *bars, rx.recharts.x_axis(data_key="period"), rx.recharts.y_axis(allow_decimals=False),
        rx.recharts.tooltip(), rx.recharts.legend(), rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
        data=s.activity, width="100%", height=320)
    return _chart_card("ui.dash.activity", chart, s.activity.length() > 0, "ui.stats.empty")


def _plan() -> rx.Component:
    s = DashboardState
    chart = rx.recharts.bar_chart(
        rx.recharts.bar(data_key="target", fill="#8D8D8D", name=tr("ui.dash.target")),
        rx.recharts.bar(data_key="actual", fill="#3E63DD", name=tr("ui.dash.actual")),
        rx.recharts.x_axis(data_key="label"), rx.recharts.y_axis(), rx.recharts.tooltip(), rx.recharts.legend(),
        data=s.plan, width="100%", height=300)
    return rx.card(
        rx.heading(tr("ui.dash.plan"), size="4"),
        rx.cond(s.plan_title != "", rx.text(s.plan_title, size="2", color_scheme="gray")),
        rx.cond(s.plan.length() > 0, chart, empty("ui.dash.no_plan")),
        width="100%", role="figure", aria_label=tr("ui.dash.plan"))


def _satisfaction() -> rx.Component:
    s = DashboardState
    chart = rx.recharts.line_chart(
        rx.recharts.line(data_key="average", stroke="#12A594", name=tr("ui.dash.average_rating")),
        rx.recharts.x_axis(data_key="period"), rx.recharts.y_axis(domain=[0, 5]), rx.recharts.tooltip(),
        data=s.satisfaction, width="100%", height=260)
    return _chart_card("ui.dash.satisfaction", chart, s.satisfaction.length() > 0, "ui.dash.no_ratings")


def _sourcing() -> rx.Component:
    s = DashboardState
    chart = rx.recharts.bar_chart(
        rx.recharts.bar(data_key="value", fill="#F76B15", name=tr("ui.dash.count")),
        rx.recharts.x_axis(data_key="label"), rx.recharts.y_axis(allow_decimals=False), rx.recharts.tooltip(),
        data=s.sourcing, width="100%", height=260)
    return _chart_card("ui.dash.sourcing", chart, s.sourcing.length() > 0, "ui.stats.empty")


def _exports() -> rx.Component:
    """The charts' data as files, from the REST route: the same period (the default one, as
    the screen) and grouping, in the reader's language; the browser's session authorises."""
    s = DashboardState

    def link(fmt: str) -> rx.Component:
        return rx.link(fmt.upper(), is_external=True,
                       href=f"{api_url()}/api/v1/tenants/" + AppState.tenant_slug + "/dashboard/export?unit="
                       + s.unit + f"&format={fmt}&lang=" + I18nState.lang)

    return rx.hstack(rx.text(tr("ui.dash.export"), size="2", color_scheme="gray"), link("csv"), link("xlsx"),
                     link("pdf"), spacing="2", align="center", aria_label=tr("ui.dash.export"))


def _body() -> list[rx.Component]:
    s = DashboardState
    return [
        messages(),
        rx.flex(
            rx.text(tr("ui.dash.period"), " ", s.period_start, " – ", s.period_end, size="2"),
            rx.spacer(),
            rx.button(tr("ui.stats.unit.month"), size="1", on_click=s.change_unit("month"),
                      variant=rx.cond(s.unit == "month", "solid", "soft")),
            rx.button(tr("ui.stats.unit.week"), size="1", on_click=s.change_unit("week"),
                      variant=rx.cond(s.unit == "week", "solid", "soft")),
            spacing="2", align="center", wrap="wrap", width="100%",
        ),
        _exports(),
        _activity(),
        rx.grid(_plan(), _satisfaction(), columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"),
        _sourcing(),
    ]


def staff_dashboard() -> rx.Component:
    return area_page("staff", "ui.dash.title",
                     rx.link(tr("ui.stats.title"), href="/staff/statistics", size="2"), *_body())


def host_dashboard() -> rx.Component:
    return area_page("host", "ui.dash.title", *_body())


def register(app: rx.App) -> None:
    app.add_page(staff_dashboard, route="/staff/dashboard", on_load=DashboardState.on_load_staff, title="CC Network")
    app.add_page(host_dashboard, route="/host/dashboard", on_load=DashboardState.on_load_host, title="CC Network")
