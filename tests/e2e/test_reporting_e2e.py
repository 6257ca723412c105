"""Issue 9, "done when": the manager of a demo centre generates last month's monthly report
(M44); its figures match the workshops, visits and sessions recorded that month; the PDF
opens; the host institution's approver receives it."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from cc_network.demo import DEMO_PASSWORD, DOMAIN
from tests.e2e.test_scenarios import at, sign_in

SLUG = "al-qalam"
MANAGER = f"manager@{SLUG}.{DOMAIN}"
APPROVER = f"approver@{SLUG}.{DOMAIN}"


def _figure(page, label: str):  # noqa: ANN001, ANN202
    """The value of one figure of the report's figures block."""
    item = page.locator(".rt-DataListItem").filter(has=page.get_by_text(label, exact=True))
    return item.locator(".rt-DataListValue")


def test_the_manager_sends_last_months_report_to_the_host_institution(server, page):
    server.run("demo")
    recorded = server.run("month-figures", SLUG)
    assert recorded["workshops"] > 0 and recorded["visits"] > 0 and recorded["sessions"] > 0

    sign_in(page, server, MANAGER, DEMO_PASSWORD)
    expect(page).to_have_url(at(server, "/staff"), timeout=60_000)
    page.goto(f"{server.base_url}/staff/reports")
    expect(page.get_by_role("heading", name="Nouveau rapport du centre")).to_be_visible()
    page.get_by_role("combobox", name="Type de rapport").select_option("monthly")
    page.get_by_label("Un jour de la période").fill(recorded["month"])
    page.get_by_role("button", name="Créer", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/reports/\d+$"), timeout=30_000)

    # the figures are last month's records, counted by the statistics
    expect(_figure(page, "Ateliers réalisés")).to_have_text(str(recorded["workshops"]))
    expect(_figure(page, "Participations aux ateliers")).to_have_text(str(recorded["attendance"]))
    expect(_figure(page, "Visites")).to_have_text(str(recorded["visits"]))
    expect(_figure(page, "Séances individuelles tenues")).to_have_text(str(recorded["sessions"]))

    # the PDF opens (downloaded with the manager's session)
    href = page.get_by_role("link", name="Télécharger PDF fr").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"].startswith("application/pdf")
    assert len(PdfReader(io.BytesIO(response.body())).pages) >= 1

    # validated, then sent to the host institution
    page.get_by_role("button", name="Valider", exact=True).click()
    send = page.get_by_role("button", name="Envoyer à l'établissement d'accueil")
    expect(send).to_be_visible()
    send.click()
    dialog = page.get_by_role("alertdialog")
    dialog.get_by_role("button", name="Envoyer à l'établissement d'accueil").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_text("Rapport envoyé à l'établissement d'accueil.")).to_be_visible()

    server.run("deliver")
    mail = server.run("last-mail-full", APPROVER)
    assert mail is not None
    pdfs = [a for a in mail["attachments"] if a["content_type"] == "application/pdf"]
    assert pdfs and pdfs[0]["pdf_pages"] >= 1
