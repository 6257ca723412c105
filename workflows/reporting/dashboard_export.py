"""The dashboards' data and the network figures as files (issue 9 §6): PDF, XLSX and CSV, in
the reader's language.

The dashboard has four charts; each becomes one section: a titled table in the PDF, one sheet
in the workbook. A CSV holds one table, so the dashboard's is "long": one row per value with
its series, period and indicator (and the target for the action plan), the shape a
spreadsheet's filter or pivot table reads. The figures are one table in every format.
Permissions and filters are those of the screens: the services below are the ones the pages
call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from integrations.csvx import render_csv
from integrations.db import tenant_session
from integrations.errors import Forbidden, Invalid
from integrations.i18n import LANGS, t
from integrations.pdf import Column, Document, Heading, Paragraph, Table, render_pdf
from integrations.xlsx import RTL_LANGS, Sheet, render_xlsx
from tenants.core.actor import Actor, require
from tenants.core.models import Tenant
from tenants.core.roles import Perm
from workflows.reporting.dashboards import CentreFigures, Dashboard, dashboard, network_figures
from workflows.reporting.statistics import EXPORT_FORMATS, KINDS

FIGURES_MAX_DAYS = 400
FIGURE_COLUMNS = ("total", "visits", "workshops", "events", "sessions", "attendance", "students")


@dataclass(frozen=True)
class Section:
    """One chart's data: its title, headers and rows (dates and numbers kept typed, so the
    workbook gets real dates and numbers)."""

    key: str
    title: str
    headers: list[str]
    rows: list[list]
    empty_text: str
    note: str = ""


def _check(fmt: str, lang: str) -> str:
    if fmt not in EXPORT_FORMATS:
        raise Invalid("export as csv, xlsx or pdf", code="invalid_format")
    return lang if lang in LANGS else "fr"


def _num(v: float | int) -> float | int:
    """30.0 reads 30: targets and averages are floats, most of them whole."""
    f = float(v)
    return int(f) if f.is_integer() else round(f, 2)


def _day(iso: str) -> date | str:
    try:
        return date.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso


def _period_line(start: date, end: date, lang: str) -> str:
    return t("ui.stats.export_period", lang, start=start.strftime("%d/%m/%Y"), end=end.strftime("%d/%m/%Y"))


def dashboard_sections(d: Dashboard, lang: str) -> list[Section]:
    """The four charts of /staff/dashboard and /host/dashboard as tables."""
    period = t("ui.stats.group.period", lang)
    kinds = [t(f"ui.stats.kind.{k}", lang) for k in KINDS]
    activity = Section(
        "activity", t("ui.dash.activity", lang), [period, *kinds, t("ui.stats.total", lang)],
        [[_day(p["period"]), *(int(p.get(k, 0)) for k in KINDS), sum(int(p.get(k, 0)) for k in KINDS)]
         for p in d.activity],
        t("ui.stats.empty", lang))
    note = t("ui.dash.export_plan", lang, title=d.plan_title, version=d.plan_version) if d.plan_title else ""
    plan = Section(
        "plan", t("ui.dash.plan", lang),
        [t("ui.dash.col.indicator", lang), t("ui.dash.target", lang), t("ui.dash.actual", lang)],
        [[t(f"ui.stats.metric.{p['metric']}", lang), _num(p["target"]), _num(p["actual"])] for p in d.plan],
        t("ui.dash.no_plan", lang), note)
    satisfaction = Section(
        "satisfaction", t("ui.dash.satisfaction", lang),
        [period, t("ui.dash.average_rating", lang), t("ui.dash.col.ratings", lang)],
        [[_day(p["period"]), _num(p["average"]), int(p["count"])] for p in d.satisfaction],
        t("ui.dash.no_ratings", lang))
    sourcing = Section(
        "sourcing", t("ui.dash.sourcing", lang), [t("ui.dash.col.indicator", lang), t("ui.dash.count", lang)],
        [[t(f"ui.stats.sourcing.{k}", lang), int(v)] for k, v in d.sourcing.items()],
        t("ui.stats.empty", lang))
    return [activity, plan, satisfaction, sourcing]


def _long_rows(sections: Sequence[Section]) -> list[list]:
    """The sections as one table: series, period, indicator, value, target."""
    out: list[list] = []
    for sec in sections:
        if sec.key == "activity":
            for r in sec.rows:
                out += [[sec.title, r[0], sec.headers[i], r[i], ""] for i in range(1, len(sec.headers) - 1)]
        elif sec.key == "plan":
            out += [[sec.title, "", r[0], r[2], r[1]] for r in sec.rows]
        elif sec.key == "satisfaction":
            for r in sec.rows:
                out += [[sec.title, r[0], sec.headers[1], r[1], ""], [sec.title, r[0], sec.headers[2], r[2], ""]]
        else:
            out += [[sec.title, "", r[0], r[1], ""] for r in sec.rows]
    return out


def _pdf_cell(v: object) -> str:
    if isinstance(v, date):
        return v.strftime("%d/%m/%Y")
    return str(v)


def _render(fmt: str, lang: str, title: str, subtitle: list[str], sections: Sequence[Section], *,
            csv_headers: list[str] | None = None, csv_rows: list[list] | None = None) -> bytes:
    if fmt == "csv":
        if csv_headers is None:  # a single table: as it is
            only = sections[0]
            return render_csv(only.headers, only.rows)
        return render_csv(csv_headers, csv_rows or [])
    rtl = lang in RTL_LANGS
    if fmt == "pdf":
        blocks: list = []
        for sec in sections:
            if len(sections) > 1:
                blocks.append(Heading(sec.title))
            if sec.note:
                blocks.append(Paragraph(sec.note, size=9))
            blocks.append(Table([Column(h, 1.6 if i == 0 else 1.0) for i, h in enumerate(sec.headers)],
                                [[_pdf_cell(v) for v in r] for r in sec.rows], empty_text=sec.empty_text))
        return render_pdf(Document(title=title, lang=lang, subtitle=subtitle, blocks=blocks,
                                   footer="{page} / {pages}", landscape=len(sections[0].headers) > 6))
    return render_xlsx([Sheet(name=sec.title, headers=sec.headers, rows=sec.rows, title=sec.title,
                              subtitle=[*([title] if len(sections) > 1 else []), *subtitle,
                                        *([sec.note] if sec.note else [])],
                              rtl=rtl, widths=[28] + [14] * (len(sec.headers) - 1), empty_text=sec.empty_text)
                        for sec in sections])


def export_dashboard(actor: Actor, tenant_id: int, *, fmt: str = "csv", lang: str = "fr",
                     start: date | None = None, end: date | None = None, unit: str = "month") -> bytes:
    """The dashboard's four series as a file; whoever may see the dashboard may export it
    (the dashboard service checks the permission, the centre, the unit and the range)."""
    lang = _check(fmt, lang)
    d = dashboard(actor, tenant_id, start=start, end=end, unit=unit)
    with tenant_session(tenant_id) as s:
        tenant = s.get(Tenant, tenant_id)
        centre = tenant.name if tenant else ""
    title = t("ui.dash.title", lang)
    subtitle = [line for line in (centre, _period_line(d.start, d.end, lang),
                                  t(f"ui.stats.unit.{d.unit}", lang)) if line]
    sections = dashboard_sections(d, lang)
    return _render(fmt, lang, title, subtitle, sections,
                   csv_headers=[t("ui.dash.col.series", lang), t("ui.stats.group.period", lang),
                                t("ui.dash.col.indicator", lang), t("ui.dash.col.value", lang),
                                t("ui.dash.target", lang)],
                   csv_rows=_long_rows(sections))


def figures(actor: Actor, start: date, end: date) -> tuple[list[CentreFigures], CentreFigures]:
    """The network figures of a period of at most 400 days (the page's limit); who may not
    see them is refused before the period is looked at."""
    require(actor, Perm.NETWORK_ADMIN)
    if not actor.is_network_admin:
        raise Forbidden("network admins only", code="forbidden")
    if not isinstance(start, date) or not isinstance(end, date):
        raise Invalid("give the period's first and last day", code="invalid_period")
    if end < start:
        raise Invalid("the period ends before it starts", code="end_before_start")
    if end - start > timedelta(days=FIGURES_MAX_DAYS):
        raise Invalid(f"at most {FIGURES_MAX_DAYS} days at once", code="range_too_long")
    return network_figures(actor, start, end)


def export_figures(actor: Actor, start: date, end: date, *, fmt: str = "csv", lang: str = "fr") -> bytes:
    """Every centre's headline figures and the network's totals (network admins, as the page)."""
    lang = _check(fmt, lang)
    rows, total = figures(actor, start, end)
    headers = [t("ui.admin.centre", lang), *(t(f"ui.figures.{c}", lang) for c in FIGURE_COLUMNS)]
    body = [[r.name, *(getattr(r, c) for c in FIGURE_COLUMNS)] for r in rows]
    body.append([t("ui.figures.network", lang), *(getattr(total, c) for c in FIGURE_COLUMNS)])
    title = t("ui.figures.title", lang)
    return _render(fmt, lang, title, [_period_line(start, end, lang)],
                   [Section("figures", title, headers, body, t("ui.stats.empty", lang))])
