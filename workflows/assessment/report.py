"""The evaluation report of a self-assessment (P28.5) as a PDF, in French, English or Arabic:
overall score and maturity, the domains, every criterion with its answer and justification
(unmet "must" criteria flagged), the evidence gathered and the action plan. Labels come from the
catalogs (assessment.report.*); titles of the model in the language asked, French otherwise."""

from __future__ import annotations

from typing import Any

from integrations import pdf
from integrations.db import tenant_session
from integrations.i18n import LANGS, t
from tenants.core.actor import Actor
from tenants.core.models import Tenant
from tenants.core.roles import Perm
from workflows.assessment import services as sa


def _title(value: dict, lang: str) -> str:
    return str((value or {}).get(lang) or (value or {}).get("fr") or "")


def _score(value: Any) -> str:
    return "—" if value is None else f"{float(value):.0f}"


def _answer(c: dict, lang: str) -> str:
    if c["status"] == "rated":
        return f"{c['value']}/3"
    if c["status"]:
        return t(f"assessment.answer.{c['status']}", lang)
    return "—"


def filename(assessment_id: int) -> str:
    return f"auto-evaluation-{assessment_id}.pdf"


def render_report(actor: Actor, assessment_id: Any, lang: str = "fr") -> bytes:
    """The PDF of an evaluated assessment (ASSESSMENT_VIEW, the centre's own only)."""
    lang = lang if lang in LANGS else "fr"
    res = sa.get_result(actor, assessment_id)
    detail = sa.get_assessment(actor, assessment_id)
    tid = sa._tenant(actor, Perm.ASSESSMENT_VIEW)
    with tenant_session(tid) as s:
        tenant = s.get(Tenant, tid)
        centre = tenant.name if tenant else ""
    x = res.summary
    doc = pdf.Document(title=f"{t('assessment.report.title', lang)} — {x.title}", lang=lang, author=centre,
                       subtitle=[centre, f"{t('assessment.report.period', lang)} : {x.period_label or '—'}",
                                 f"{t('assessment.report.model', lang)} : v{x.model_version}",
                                 f"{t('assessment.report.evaluated', lang)} : "
                                 f"{x.evaluated_at.date().isoformat() if x.evaluated_at else '—'}"],
                       footer="{page}/{pages}")
    b = doc.blocks
    b.append(pdf.Heading(t("assessment.report.summary", lang)))
    b.append(pdf.Paragraph(f"{t('assessment.report.overall', lang)} : {_score(res.overall)}/100 — "
                           f"{t('assessment.report.maturity', lang)} : "
                           f"{t('assessment.maturity.' + res.maturity, lang) if res.maturity else '—'}"))
    b.append(pdf.Paragraph(f"{t('assessment.report.must_unmet', lang)} : {', '.join(res.must_unmet) or '—'}"))
    if res.must_unverified:
        b.append(pdf.Paragraph(f"{t('assessment.report.must_unverified', lang)} : {', '.join(res.must_unverified)}"))
    b.append(pdf.Heading(t("assessment.report.domains", lang)))
    b.append(pdf.Table([pdf.Column(t("assessment.report.col.domain", lang), 3),
                        pdf.Column(t("assessment.report.col.score", lang), 1)],
                       [[f"{d['code']} — {_title(d['title'], lang)}", _score(d["score"])] for d in res.domains]))
    b.append(pdf.Heading(t("assessment.report.criteria", lang)))
    rows = []
    for c in res.criteria:
        flag = " (!)" if c["must_unmet"] else ""
        tier = t(f"assessment.tier.{c['tier']}", lang)
        rows.append([f"{c['code']}{flag}", _title(c["title"], lang), tier, _answer(c, lang), c["justification"] or ""])
    b.append(pdf.Table([pdf.Column(t("assessment.report.col.code", lang), 0.8),
                        pdf.Column(t("assessment.report.col.criterion", lang), 3),
                        pdf.Column(t("assessment.report.col.tier", lang), 1),
                        pdf.Column(t("assessment.report.col.answer", lang), 1.2),
                        pdf.Column(t("assessment.report.col.justification", lang), 3)], rows))
    b.append(pdf.Paragraph(t("assessment.report.flag_note", lang), size=8))
    b.append(pdf.Heading(t("assessment.report.evidence", lang)))
    ev_rows = []
    for e in detail.evidence:
        if e.kind == "live":
            what = f"{e.title} = {'—' if e.live_value is None else round(e.live_value, 2)}"
        elif e.kind == "link":
            what = f"{e.title} ({e.url})"
        elif e.kind == "file":
            what = e.filename
        else:
            what = e.title or e.note[:200]
        ev_rows.append([e.criterion_code or "—", t(f"assessment.evidence.{e.kind}", lang), what,
                        e.created_at.date().isoformat()])
    b.append(pdf.Table([pdf.Column(t("assessment.report.col.code", lang), 0.8),
                        pdf.Column(t("assessment.report.col.kind", lang), 1),
                        pdf.Column(t("assessment.report.col.evidence", lang), 4),
                        pdf.Column(t("assessment.report.col.date", lang), 1)], ev_rows,
                       empty_text=t("assessment.report.no_evidence", lang)))
    b.append(pdf.Heading(t("assessment.report.actions", lang)))
    b.append(pdf.Table([pdf.Column(t("assessment.report.col.kind", lang), 1),
                        pdf.Column(t("assessment.report.col.action", lang), 4),
                        pdf.Column(t("assessment.report.col.owner", lang), 1.5),
                        pdf.Column(t("assessment.report.col.deadline", lang), 1),
                        pdf.Column(t("assessment.report.col.done", lang), 0.7)],
                       [[t(f"assessment.action.{a.kind}", lang), a.text, a.owner_name or "—",
                         a.deadline.isoformat() if a.deadline else "—", t("assessment.report.yes", lang) if a.done else ""] for a in res.actions],
                       empty_text=t("assessment.report.no_action", lang)))
    return pdf.render_pdf(doc)
