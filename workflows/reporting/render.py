"""A report as a document: PDF (integrations.pdf: French, English, Arabic right to left), XLSX
(integrations.xlsx: the figures tables, one sheet each) and CSV (integrations.csvx: the figures
as one table of section, indicator, value). Labels come from the catalogs (report.*); the
narrative sections are printed as written."""

from __future__ import annotations

from datetime import date
from typing import Any

from integrations import csvx, pdf, xlsx
from integrations.i18n import t

COUNT_KEYS = ("visits", "event_visits", "workshops_held", "workshop_attendance", "events_held", "event_attendance",
              "sessions_held", "sessions_no_show", "students_served", "needs_received", "needs_answered")
MEMBER_KEYS = ("sessions_held", "visits_logged", "events_organised", "workshops_organised", "needs_handled")


def filename(kind: str, period_start: date, version_no: int) -> str:
    return f"rapport-{kind.replace('_', '-')}-{period_start.isoformat()}-v{version_no}"


def _label(key: str, lang: str) -> str:
    return t(f"report.figure.{key}", lang)


def _num(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def tables(d: Any, lang: str) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report's figures as (title, headers, rows) tables, in the report's order."""
    f = d.figures or {}
    out: list[tuple[str, list[str], list[list[Any]]]] = []
    ind, val = t("report.col.indicator", lang), t("report.col.value", lang)
    if "member" in f:
        m = f["member"]
        out.append((t("report.h.my_week", lang), [ind, val], [[_label(k, lang), m.get(k, 0)] for k in MEMBER_KEYS]))
    if "counts" in f:
        c = f["counts"]
        out.append((t("report.h.figures", lang), [ind, val], [[_label(k, lang), c.get(k, 0)] for k in COUNT_KEYS
                                                              if k in c]))
    out += _statistics(f.get("statistics") or {}, lang)
    if f.get("months"):
        keys = [k for k in COUNT_KEYS if any(k in (m.get("counts") or {}) for m in f["months"])]
        out.append((t("report.h.months", lang), [t("report.col.month", lang), *[_label(k, lang) for k in keys]],
                    [[m.get("period_start", "")[:7], *[(m.get("counts") or {}).get(k, 0) for k in keys]]
                     for m in f["months"]]))
    if "events" in f:
        out.append((t("report.h.events", lang),
                    [t("report.col.day", lang), t("report.col.activity", lang), t("report.col.type", lang),
                     t("report.col.done", lang), t("report.col.attendance", lang)],
                    [[e.get("day", ""), e.get("title", ""), t(f"type.{e.get('type', '')}", lang),
                      t("report.yes", lang) if e.get("done") else t("report.no", lang),
                      "" if e.get("attendance") is None else e.get("attendance")] for e in f["events"]]))
    if f.get("planned"):
        out.append((t("report.h.planned", lang),
                    [t("report.col.activity", lang), t("report.col.metric", lang), t("report.col.target", lang),
                     t("report.col.actual", lang)],
                    [[p.get("title", ""), t(f"report.metric.{p.get('metric', '')}", lang) if p.get("metric") else "",
                      p.get("target", 0), "—" if p.get("actual") is None else p.get("actual")]
                     for p in f["planned"]]))
    if f.get("gaps"):
        out.append((t("report.h.gaps", lang),
                    [t("report.col.activity", lang), t("report.col.target", lang), t("report.col.actual", lang),
                     t("report.col.explanation", lang), t("report.col.new_action", lang)],
                    [[g.get("title", ""), g.get("target", 0), g.get("actual", 0), g.get("explanation", ""),
                      g.get("new_action", "")] for g in f["gaps"]]))
    if "individual_reports" in f:
        out.append((t("report.h.individual", lang),
                    [t("report.col.member", lang), t("report.col.status", lang), t("report.col.late", lang)],
                    [[x.get("name", ""), t(f"report.status.{x.get('status', '')}", lang),
                      t("report.yes", lang) if x.get("late") else t("report.no", lang)]
                     for x in f["individual_reports"]]))
    return out


STAT_GROUPS = ("by_counselor", "by_establishment", "by_field", "by_level", "by_gender")


def _statistics(st: dict, lang: str) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The statistics module's T03 block: counts per kind of activity, then per counselor,
    establishment, field, level and gender; satisfaction and late entries."""
    if not st:
        return []
    ind, val = t("report.col.indicator", lang), t("report.col.value", lang)
    rows: list[list[Any]] = [[t(f"report.activity.{k}", lang), n] for k, n in (st.get("by_kind") or {}).items()]
    rows.append([t("report.stat.total", lang), st.get("total", 0)])
    sat = st.get("satisfaction") or {}
    if sat.get("average") is not None:
        rows.append([t("report.stat.satisfaction", lang), round(float(sat["average"]), 2)])
    rows.append([t("report.stat.responses", lang), sat.get("responses", 0)])
    rows.append([t("report.stat.late", lang), st.get("late", 0)])
    out = [(t("report.h.statistics", lang), [ind, val], rows)]
    for group in STAT_GROUPS:
        items = st.get(group) or []
        if items:
            out.append((t(f"report.stat.{group}", lang), [t(f"report.stat.{group}", lang), val],
                        [[_stat_label(group, x, lang), x.get("count", 0)] for x in items if isinstance(x, dict)]))
    return out


def _stat_label(group: str, x: dict, lang: str) -> str:
    key = x.get("key")
    if key in (None, ""):
        return t("report.stat.unknown", lang)
    if group == "by_gender":
        return t(f"report.gender.{key}", lang)
    return str(x.get("label") or key)


def _budget_rows(d: Any) -> list[list[Any]]:
    return [[b.get("label", ""), b.get("planned", 0), b.get("spent", 0), b.get("currency", "")] for b in d.budget]


def _budget_headers(lang: str) -> list[str]:
    return [t("report.col.budget_line", lang), t("report.col.planned", lang), t("report.col.spent", lang),
            t("report.col.currency", lang)]


def _title(d: Any, lang: str) -> str:
    from workflows.reporting.reports import period_label

    return f"{t(f'report.kind.{d.kind}', lang)} — {period_label(d.kind, d.period_start, d.period_end, lang)}"


def _subtitle(d: Any, lang: str, centre: str) -> list[str]:
    lines = [centre]
    if d.member_name:
        lines.append(f"{t('report.col.member', lang)} : {d.member_name}")
    lines.append(t("report.version_line", lang, version=d.version_no, status=t(f"report.status.{d.status}", lang)))
    if d.validated_at:
        lines.append(t("report.validated_line", lang, day=f"{d.validated_at:%d/%m/%Y}", name=d.validated_by_name))
    return lines


def report_pdf(d: Any, lang: str, centre: str) -> bytes:
    doc = pdf.Document(title=_title(d, lang), lang=lang, subtitle=_subtitle(d, lang, centre), author=centre,
                       footer=t("report.footer", lang, page="{page}", pages="{pages}"))
    for title, headers, rows in tables(d, lang):
        doc.blocks.append(pdf.Heading(title))
        doc.blocks.append(pdf.Table([pdf.Column(h, 2.0 if i == 0 else 1.0) for i, h in enumerate(headers)],
                                    [[_num(v) for v in row] for row in rows], empty_text=t("report.none", lang)))
    for sec in d.sections:
        key = str(sec.get("key", ""))
        doc.blocks.append(pdf.Heading(t(f"report.section.{key}", lang) if key else str(sec.get("title", ""))))
        doc.blocks.append(pdf.Paragraph(str(sec.get("body") or "—")))
    if d.kind != "weekly_individual":
        doc.blocks.append(pdf.Heading(t("report.h.budget", lang)))
        doc.blocks.append(pdf.Table([pdf.Column(h, 2.0 if i == 0 else 1.0) for i, h in enumerate(_budget_headers(lang))],
                                    [[_num(v) for v in row] for row in _budget_rows(d)],
                                    empty_text=t("report.none", lang)))
    return pdf.render_pdf(doc)


def report_xlsx(d: Any, lang: str, centre: str) -> bytes:
    rtl = lang == "ar"
    sheets = [xlsx.Sheet(name=title, headers=headers, rows=rows, title=_title(d, lang) if i == 0 else title,
                         subtitle=_subtitle(d, lang, centre) if i == 0 else (), rtl=rtl,
                         empty_text=t("report.none", lang))
              for i, (title, headers, rows) in enumerate(tables(d, lang))]
    sheets.append(xlsx.Sheet(name=t("report.h.sections", lang),
                             headers=[t("report.col.section", lang), t("report.col.text", lang)],
                             rows=[[t(f"report.section.{x.get('key', '')}", lang), str(x.get("body") or "")]
                                   for x in d.sections], widths=(30, 100), rtl=rtl, empty_text=t("report.none", lang)))
    if d.kind != "weekly_individual":
        sheets.append(xlsx.Sheet(name=t("report.h.budget", lang), headers=_budget_headers(lang), rows=_budget_rows(d),
                                 rtl=rtl, empty_text=t("report.none", lang)))
    return xlsx.render_xlsx(sheets)


def report_csv(d: Any, lang: str, centre: str) -> bytes:
    """One table: table title, first column (indicator, activity...), then the other columns
    joined as "header: value", so every figure of the report is one line."""
    rows: list[list[Any]] = []
    for title, headers, data in tables(d, lang):
        for row in data:
            rows.append([title, row[0], *[f"{h}: {_num(v)}" for h, v in zip(headers[1:], row[1:], strict=False)]])
    for row in _budget_rows(d):
        rows.append([t("report.h.budget", lang), row[0], *[f"{h}: {_num(v)}" for h, v in
                                                           zip(_budget_headers(lang)[1:], row[1:], strict=False)]])
    width = max((len(r) for r in rows), default=3)
    headers = [t("report.col.table", lang), t("report.col.indicator", lang),
               *[t("report.col.value", lang)] * (width - 2)]
    return csvx.render_csv(headers, [r + [""] * (width - len(r)) for r in rows])
