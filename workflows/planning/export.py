"""The action plan (M30) as a PDF, an XLSX workbook or a CSV of its activities, in French,
English or Arabic (right to left: integrations/pdf.py and xlsx.py lay it out)."""

from __future__ import annotations

from integrations.csvx import render_csv
from integrations.errors import Invalid
from integrations.i18n import LANGS, t
from integrations.pdf import Column, Document, Heading, Paragraph, Table, render_pdf
from integrations.xlsx import Sheet, render_xlsx
from tenants.core.actor import Actor, require
from tenants.core.roles import Perm
from workflows.planning.services import PlanView, get_plan

FORMATS = {"pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}


def _lang(lang: str) -> str:
    return lang if lang in LANGS else "fr"


def _num(v: object) -> int | float | str:
    if v is None:
        return ""
    f = float(v)
    return int(f) if f == int(f) else f


def _activity_rows(plan: PlanView, lang: str) -> tuple[list[str], list[list[object]]]:
    objectives = {o["key"]: o["title"] for o in plan.content.get("objectives", [])}
    lines = {b["key"]: b["label"] for b in plan.content.get("budget_lines", [])}
    headers = [t(f"ui.plan.col.{c}", lang) for c in
               ("objective", "activity", "type", "audience", "owner", "period", "metric", "s1", "s2", "budget_line")]
    rows = []
    for a in plan.content.get("activities", []):
        kind = t("ui.plan.type_other", lang) if a["type"] == "other" else t(f"ui.calendar.type.{a['type']}", lang)
        rows.append([objectives.get(a["objective_key"], ""), a["title"], kind, a.get("audience", ""),
                     plan.owners.get(a.get("owner_membership_id") or 0, ""), a.get("period", ""),
                     t(f"ui.plan.metric.{a['metric']}", lang), _num(a["targets"].get("S1")),
                     _num(a["targets"].get("S2")), lines.get(a.get("budget_line", ""), "")])
    return headers, rows


def _subtitle(plan: PlanView, lang: str) -> list[str]:
    return [t("ui.plan.export_subtitle", lang, year=plan.year_label, version=plan.version_no,
              label=plan.version_label, status=t(f"ui.plan.status.{plan.version_status}", lang))]


def plan_pdf(actor: Actor, tenant_id: int, plan_id: int, *, lang: str = "fr", version_no: int | None = None) -> bytes:
    lang = _lang(lang)
    plan = get_plan(actor, tenant_id, plan_id, version_no)
    doc = Document(title=plan.title, lang=lang, subtitle=_subtitle(plan, lang), landscape=True,
                   footer=t("ui.plan.export_footer", lang) + " — {page}/{pages}")
    doc.blocks.append(Heading(t("ui.plan.objectives", lang)))
    for o in plan.content.get("objectives", []):
        doc.blocks.append(Paragraph(f"• {o['title']}" + (f" — {o['description']}" if o.get("description") else "")))
    if not plan.content.get("objectives"):
        doc.blocks.append(Paragraph(t("ui.plan.no_objectives", lang)))
    doc.blocks.append(Heading(t("ui.plan.activities", lang)))
    headers, rows = _activity_rows(plan, lang)
    widths = (2, 2.5, 1.3, 1.3, 1.3, 1, 1.4, 0.6, 0.6, 1.3)
    doc.blocks.append(Table([Column(h, w) for h, w in zip(headers, widths, strict=True)],
                            [[str(c) for c in r] for r in rows], empty_text=t("ui.plan.no_activities", lang)))
    doc.blocks.append(Heading(t("ui.plan.budget", lang)))
    doc.blocks.append(Table([Column(t("ui.plan.col.budget_line", lang), 3), Column(t("ui.plan.col.amount", lang), 1),
                             Column(t("ui.plan.col.currency", lang), 1)],
                            [[b["label"], str(b["amount"]), b["currency"]] for b in plan.content.get("budget_lines", [])],
                            empty_text=t("ui.plan.no_budget", lang)))
    if plan.host_comment:
        doc.blocks.append(Heading(t("ui.plan.host_comment", lang)))
        doc.blocks.append(Paragraph(plan.host_comment))
    return render_pdf(doc)


def plan_xlsx(actor: Actor, tenant_id: int, plan_id: int, *, lang: str = "fr", version_no: int | None = None) -> bytes:
    lang = _lang(lang)
    plan = get_plan(actor, tenant_id, plan_id, version_no)
    rtl = lang == "ar"
    headers, rows = _activity_rows(plan, lang)
    sheets = [
        Sheet(t("ui.plan.activities", lang), headers, rows, title=plan.title, subtitle=_subtitle(plan, lang),
              widths=(30, 36, 18, 18, 20, 14, 22, 8, 8, 22), rtl=rtl, empty_text=t("ui.plan.no_activities", lang)),
        Sheet(t("ui.plan.objectives", lang), [t("ui.plan.col.objective", lang), t("ui.plan.col.description", lang)],
              [[o["title"], o.get("description", "")] for o in plan.content.get("objectives", [])],
              widths=(40, 80), rtl=rtl),
        Sheet(t("ui.plan.budget", lang), [t("ui.plan.col.budget_line", lang), t("ui.plan.col.amount", lang),
                                          t("ui.plan.col.currency", lang)],
              [[b["label"], float(b["amount"]), b["currency"]] for b in plan.content.get("budget_lines", [])],
              widths=(40, 16, 10), rtl=rtl, number_formats={1: "#,##0.00"}),
    ]
    return render_xlsx(sheets)


def plan_csv(actor: Actor, tenant_id: int, plan_id: int, *, lang: str = "fr", version_no: int | None = None) -> bytes:
    plan = get_plan(actor, tenant_id, plan_id, version_no)
    headers, rows = _activity_rows(plan, _lang(lang))
    return render_csv(headers, rows)


def export_plan(actor: Actor, tenant_id: int, plan_id: int, fmt: str, *, lang: str = "fr",
                version_no: int | None = None) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of the plan in `fmt` (pdf, xlsx, csv)."""
    require(actor, Perm.PLAN_VIEW, tenant_id=tenant_id)
    if fmt not in FORMATS:
        raise Invalid("the format is pdf, xlsx or csv", code="invalid_format")
    render = {"pdf": plan_pdf, "xlsx": plan_xlsx, "csv": plan_csv}[fmt]
    body = render(actor, tenant_id, plan_id, lang=lang, version_no=version_no)
    return f"plan-{plan_id}.{fmt}", FORMATS[fmt], body
