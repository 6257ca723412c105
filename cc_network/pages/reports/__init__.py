"""Reports (P03.3, P25, P26; M44-M46): /staff/reports lists the reports by kind and period
(every member's own weekly reports, the sections assigned to them; the manager creates the
centre's reports), /staff/reports/[report_id] is one version of a report (figures, sections,
budget, assigned sections, validation, sending, versions, downloads), /host/reports the
reports sent to the host institution. Every page calls workflows.reporting.reports."""

from __future__ import annotations

import reflex as rx


def register(app: rx.App) -> None:
    from cc_network.pages.reports import detail, host, listing

    for module in (listing, detail, host):
        module.register(app)
