"""What the report pages share: rows, badges and the download links (the REST export route,
authorised by the browser's session)."""

from __future__ import annotations

import dataclasses
from datetime import date

import reflex as rx

from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import api_url
from cc_network.ui.session import AppState
from workflows.reporting import reports as rep

ROUTE = "/staff/reports"
STATUS_COLORS = (("draft", "amber"), ("validated", "blue"), ("sent", "green"))


@dataclasses.dataclass
class ReportRow:
    id: int = 0
    kind: str = ""
    period: str = ""
    member: str = ""
    version_no: int = 1
    versions: int = 1
    status: str = ""
    due: str = ""
    late: bool = False
    sent: str = ""


def period_text(kind: str, start: date, end: date) -> str:
    if kind == "monthly":
        return f"{start:%m/%Y}"
    return f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"


def row_of(v: rep.ReportView) -> ReportRow:
    return ReportRow(v.id, v.kind, period_text(v.kind, v.period_start, v.period_end), v.member_name, v.version_no,
                     v.versions, v.status, f"{v.due_on:%d/%m/%Y}" if v.due_on else "", v.late,
                     f"{v.sent_at:%d/%m/%Y}" if v.sent_at else "")


def status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(I18nState.tx["ui.reports.status." + status], variant="soft",
                    color_scheme=rx.match(status, *STATUS_COLORS, "gray"))


def late_badge(late: rx.Var) -> rx.Component:
    return rx.cond(late, rx.badge(tr("ui.reports.late"), color_scheme="red", variant="soft"))


def downloads(report_id: rx.Var) -> rx.Component:
    """PDF, XLSX and CSV, in French, English and Arabic."""
    def link(fmt: str, lang: str) -> rx.Component:
        return rx.link(f"{fmt.upper()} {lang}", is_external=True,
                       href=f"{api_url()}/api/v1/tenants/" + AppState.tenant_slug + "/reports/"
                       + report_id.to_string() + f"/export?format={fmt}&lang={lang}",
                       aria_label=tr("ui.reports.download") + f" {fmt.upper()} {lang}")

    return rx.flex(rx.text(tr("ui.reports.download"), size="2", color_scheme="gray"),
                   *[link(fmt, lang) for fmt in ("pdf", "xlsx", "csv") for lang in ("fr", "en", "ar")],
                   spacing="2", wrap="wrap", align="center", role="group", aria_label=tr("ui.reports.download"))


def table(headers: tuple[str, ...], rows, render) -> rx.Component:  # noqa: ANN001
    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in headers])),
        rx.table.body(rx.foreach(rows, render)), width="100%", variant="surface"), overflow_x="auto", width="100%")
