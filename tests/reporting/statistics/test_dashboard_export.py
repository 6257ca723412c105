"""The dashboards and the network figures as PDF, XLSX and CSV (issue 9 §6): every chart's
series in the reader's language, the screens' permissions and filters."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from cc_network.api import api_app
from integrations.db import utcnow
from integrations.errors import Forbidden, Invalid
from tests.api.util import bearer_for, cookie_for, error_code
from tests.reporting.statistics.test_dashboards import _plan, _year
from tests.reporting.statistics.util import CASA, put
from workflows.reporting import dashboard_export as dx
from workflows.reporting.dashboards import Dashboard

client = TestClient(api_app)
NOV = datetime(2025, 11, 4, 10, tzinfo=CASA)
PERIOD = {"start": date(2025, 11, 1), "end": date(2025, 11, 30)}
Q = {"start": "2025-11-01", "end": "2025-11-30"}


def _seed(a) -> None:
    put(a, "visit", 1, NOV, student=a.student.membership_id)
    put(a, "visit", 2, NOV + timedelta(days=1), student=a.student.membership_id)
    put(a, "event_held", 3, NOV + timedelta(days=7), event_type="workshop")


def _with_plan(a) -> None:
    today = utcnow().astimezone(CASA).date()
    year = _year(a, today - timedelta(days=30), today + timedelta(days=200))
    _plan(a, year, [("validated", {"activities": [{"key": "a1", "metric": "visits", "targets": {"S1": 10, "S2": 20}}]})])


def _csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_dashboard_csv_is_one_row_per_value(world_a):
    a = world_a
    _seed(a)
    _with_plan(a)
    rows = _csv(dx.export_dashboard(a.manager.actor, a.tenant_id, fmt="csv", unit="week", **PERIOD))
    assert rows[0] == ["Série", "Période", "Indicateur", "Valeur", "Objectif"]
    series = {r[0] for r in rows[1:]}
    assert series == {"Activités dans le temps", "Plan d'action : prévu et réalisé", "Sourcing de profils"}
    activity = [r for r in rows[1:] if r[0] == "Activités dans le temps" and r[3] != "0"]
    # by week: the two visits share the week of 3 November, the workshop is the next week
    assert sorted(r[1:4] for r in activity) == [["2025-11-03", "Visite", "2"],
                                                ["2025-11-10", "Activité réalisée", "1"]]
    plan = [r for r in rows[1:] if r[0].startswith("Plan")]
    assert plan == [["Plan d'action : prévu et réalisé", "", "Visites", "0", "30"]]
    sourcing = {r[2]: r[3] for r in rows[1:] if r[0] == "Sourcing de profils"}
    assert sourcing == {"Besoins reçus": "0", "Profils présélectionnés": "0", "Besoins avec profils envoyés": "0",
                        "Recrutements": "0"}


def test_satisfaction_series_gives_the_average_and_the_count():
    d = Dashboard(date(2025, 9, 1), date(2025, 12, 31), "month",
                  satisfaction=[{"period": "2025-10-01", "average": 4.25, "count": 8}], sourcing={"hired": 2})
    sections = {s.key: s for s in dx.dashboard_sections(d, "en")}
    assert sections["satisfaction"].rows == [[date(2025, 10, 1), 4.25, 8]]
    assert sections["plan"].rows == [] and sections["plan"].empty_text.startswith("No validated action plan")
    long = dx._long_rows(list(sections.values()))
    assert [r for r in long if r[0].startswith("Satisfaction")] == [
        [sections["satisfaction"].title, date(2025, 10, 1), "Average rating", 4.25, ""],
        [sections["satisfaction"].title, date(2025, 10, 1), "Number of ratings", 8, ""]]
    assert [r for r in long if r[0] == "Profile sourcing"] == [["Profile sourcing", "", "Hires", 2, ""]]


def test_dashboard_xlsx_has_one_sheet_per_chart_and_reads_right_to_left_in_arabic(world_a):
    a = world_a
    _seed(a)
    wb = load_workbook(io.BytesIO(dx.export_dashboard(a.people["host_approver"].actor, a.tenant_id, fmt="xlsx",
                                                      **PERIOD)))
    assert len(wb.sheetnames) == 4
    ws = wb.worksheets[0]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "Activités dans le temps" in cells and "Visite" in cells and "Centre ALPHA" in cells
    data = [row for row in ws.iter_rows(values_only=True) if isinstance(row[0], datetime)]
    assert [(r[0].date(), r[-1]) for r in data] == [(date(2025, 11, 1), 3)]  # a real date, and the month's total
    assert not ws.sheet_view.rightToLeft
    ar = load_workbook(io.BytesIO(dx.export_dashboard(a.manager.actor, a.tenant_id, fmt="xlsx", lang="ar",
                                                      **PERIOD)))
    assert all(w.sheet_view.rightToLeft for w in ar.worksheets)
    cells = [c for row in ar.worksheets[0].iter_rows(values_only=True) for c in row if c is not None]
    assert "زيارة" in cells and "لوحة القيادة" in cells


@pytest.mark.parametrize("lang, words", [("fr", ("Tableau de bord", "Activités dans le temps", "Visite")),
                                         ("ar", ("زيارة",))])
def test_dashboard_pdf_has_a_titled_section_per_chart(world_a, lang, words):
    a = world_a
    _seed(a)
    body = dx.export_dashboard(a.manager.actor, a.tenant_id, fmt="pdf", lang=lang, **PERIOD)
    assert body.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    for w in words:
        assert w in text


def test_dashboard_export_permissions_and_bad_input(worlds):
    a, b = worlds
    with pytest.raises(Forbidden):
        dx.export_dashboard(a.student.actor, a.tenant_id, fmt="csv", **PERIOD)
    with pytest.raises(Forbidden):
        dx.export_dashboard(b.manager.actor, a.tenant_id, fmt="csv", **PERIOD)
    with pytest.raises(Invalid) as exc:
        dx.export_dashboard(a.manager.actor, a.tenant_id, fmt="docx", **PERIOD)
    assert exc.value.code == "invalid_format"
    with pytest.raises(Invalid) as exc:
        dx.export_dashboard(a.manager.actor, a.tenant_id, fmt="csv", unit="day", **PERIOD)
    assert exc.value.code == "invalid_unit"
    with pytest.raises(Invalid) as exc:
        dx.export_dashboard(a.manager.actor, a.tenant_id, fmt="csv", start=date(2024, 1, 1), end=date(2025, 6, 1))
    assert exc.value.code == "range_too_long"


def test_dashboard_export_over_rest(worlds):
    a, b = worlds
    _seed(a)
    url = f"/api/v1/tenants/{a.slug}/dashboard/export"
    r = client.get(url, headers=cookie_for(a.people["host_approver"]), params={**Q, "format": "xlsx", "lang": "en"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert r.headers["content-disposition"] == 'attachment; filename="tableau-de-bord-2025-11-01-2025-11-30.xlsx"'
    assert load_workbook(io.BytesIO(r.content)).sheetnames[0] == "Activity over time"
    # without dates: the current academic year (or the last twelve months), as the screen
    r = client.get(url, headers=bearer_for(a.manager), params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('tableau-de-bord.csv"')
    assert client.get(url, headers=bearer_for(a.student), params=Q).status_code == 403
    r = client.get(url, headers=bearer_for(b.manager), params=Q)
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert client.get(url, headers=bearer_for(a.manager), params={**Q, "format": "docx"}).status_code == 422
    r = client.get(url, headers=bearer_for(a.manager), params={"start": "2025-11-30", "end": "2025-11-01"})
    assert (r.status_code, error_code(r)) == (422, "end_before_start")


# ---------------------------------------------------------------- the network figures

def test_figures_export_in_every_format(worlds, network_admin):
    a, b = worlds
    _seed(a)
    put(b, "individual_session", 1, NOV, student=b.student.membership_id)
    rows = _csv(dx.export_figures(network_admin.actor, fmt="csv", **PERIOD))
    assert rows[0] == ["Centre", "Activités", "Visites", "Ateliers réalisés", "Autres activités réalisées",
                       "Séances individuelles", "Présences", "Étudiants distincts"]
    assert rows[1:] == [["Centre ALPHA", "3", "2", "1", "0", "0", "0", "1"],
                        ["Centre BETA", "1", "0", "0", "0", "1", "0", "1"],
                        ["Réseau", "4", "2", "1", "0", "1", "0", "2"]]
    ws = load_workbook(io.BytesIO(dx.export_figures(network_admin.actor, fmt="xlsx", lang="ar", **PERIOD))).active
    assert ws.sheet_view.rightToLeft
    values = [row for row in ws.iter_rows(values_only=True)]
    assert ("Centre ALPHA", 3, 2, 1, 0, 0, 0, 1) in values and "الشبكة" == values[-1][0]
    body = dx.export_figures(network_admin.actor, fmt="pdf", lang="en", **PERIOD)
    assert body.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert "Network figures" in text and "Centre BETA" in text


def test_figures_export_is_for_network_admins_only(worlds, network_admin):
    a, _b = worlds
    with pytest.raises(Forbidden):
        dx.export_figures(a.manager.actor, fmt="csv", **PERIOD)
    with pytest.raises(Invalid) as exc:
        dx.export_figures(network_admin.actor, date(2024, 1, 1), date(2025, 6, 1), fmt="csv")
    assert exc.value.code == "range_too_long"
    with pytest.raises(Invalid) as exc:
        dx.export_figures(network_admin.actor, fmt="odt", **PERIOD)
    assert exc.value.code == "invalid_format"


def test_figures_over_rest(worlds, network_admin):
    a, _b = worlds
    _seed(a)
    admin = cookie_for(network_admin)
    r = client.get("/api/v1/network/figures", headers=admin, params=Q)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(c["name"], c["total"]) for c in body["centres"]] == [("Centre ALPHA", 3), ("Centre BETA", 0)]
    assert body["network"]["total"] == 3
    r = client.get("/api/v1/network/figures/export", headers=admin, params={**Q, "format": "pdf"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert r.headers["content-disposition"] == 'attachment; filename="chiffres-reseau-2025-11-01-2025-11-30.pdf"'
    for who in (cookie_for(a.manager), bearer_for(a.manager)):
        for path in ("/api/v1/network/figures", "/api/v1/network/figures/export"):
            r = client.get(path, headers=who, params=Q)
            assert (r.status_code, error_code(r)) == (403, "forbidden")
    assert client.get("/api/v1/network/figures/export", params=Q).status_code == 401
    # refused before the period is looked at
    r = client.get("/api/v1/network/figures", headers=bearer_for(a.manager),
                   params={"start": "2024-01-01", "end": "2025-06-01"})
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    r = client.get("/api/v1/network/figures/export", headers=admin, params={"start": "2024-01-01", "end": "2025-06-01"})
    assert (r.status_code, error_code(r)) == (422, "range_too_long")
    assert client.get("/api/v1/network/figures/export", headers=admin,
                      params={**Q, "format": "docx"}).status_code == 422


def test_the_pages_link_to_the_export_routes():
    """The buttons point at routes that exist, in the three formats, with the screen's filters."""
    from cc_network.pages.statistics import dashboard, figures

    paths = set(client.get("/api/v1/openapi.json").json()["paths"])
    assert {"/api/v1/tenants/{tenant}/dashboard/export", "/api/v1/network/figures/export"} <= paths
    dash_links = str(dashboard._exports().render())
    assert '"/dashboard/export?unit="' in dash_links and "dashboard_state.unit" in dash_links
    fig_links = str(figures._exports().render())
    assert '"/api/v1/network/figures/export?start="' in fig_links.replace("http://localhost:3000", "")
    assert "figures_state.start" in fig_links and "figures_state.end" in fig_links
    for fmt in ("csv", "xlsx", "pdf"):
        assert f"&format={fmt}&lang=" in dash_links and f"&format={fmt}&lang=" in fig_links
