"""Issue 8, "done when": the manager of a demo centre completes a self-assessment with live
evidence; the computed score appears with its report; the external evaluator sees the centre in
the benchmark among the other demo centres."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from cc_network.demo import DEMO_PASSWORD, DOMAIN
from tests.e2e.test_scenarios import at, sign_in

SLUG = "al-qalam"
CENTRE = "Université Al Qalam de Fès"
MANAGER = f"manager@{SLUG}.{DOMAIN}"
EVALUATOR = f"evaluator@{DOMAIN}"


def test_a_manager_self_assesses_and_the_evaluator_compares_the_centre(server, page):
    server.run("demo")
    sign_in(page, server, MANAGER, DEMO_PASSWORD)
    expect(page).to_have_url(at(server, "/staff"), timeout=60_000)
    page.goto(f"{server.base_url}/staff/assessment")
    page.get_by_label("Titre", exact=True).fill("Auto-évaluation du centre")
    page.get_by_role("button", name="Lancer", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/assessment/\d+$"), timeout=30_000)

    # framed, then planned: the questionnaire opens for evidence and answers
    page.get_by_role("button", name="Planifier et ouvrir la collecte").click()
    capture = page.get_by_role("button", name="Calculer les indicateurs")
    expect(capture).to_be_visible()
    capture.click()
    # live evidence: figures computed from the centre's own records, shown beside their criteria
    expect(page.get_by_text(re.compile(r"^Indicateurs calculés")).first).to_be_visible(timeout=30_000)

    rate_buttons = page.get_by_role("button", name=re.compile(r"^Noter "))
    expect(rate_buttons.first).to_be_visible()
    codes = [b.get_attribute("aria-label").removeprefix("Noter ") for b in rate_buttons.all()]
    assert len(codes) >= 40
    for i, code in enumerate(codes):
        page.get_by_role("button", name=f"Noter {code}", exact=True).click()
        expect(page.get_by_role("heading", name=f"Noter le critère {code}")).to_be_visible()
        page.get_by_label("Réponse", exact=True).select_option("2")
        page.get_by_label("Justification", exact=True).fill("Constat partagé en réunion de coordination.")
        page.get_by_role("button", name="Enregistrer la réponse").click()
        expect(page.get_by_text(f"Critères renseignés : {i + 1} / {len(codes)}")).to_be_visible()

    page.get_by_role("button", name="Terminer l'auto-évaluation").click()
    dialog = page.get_by_role("alertdialog")
    dialog.get_by_role("button", name="Terminer l'auto-évaluation").click()
    expect(page.get_by_text("le score est en cours de calcul").first).to_be_visible()

    server.run("deliver")  # the worker's job: the automatic evaluation (P28.5)
    page.reload()
    page.get_by_role("link", name=re.compile("Voir les résultats")).click()
    expect(page).to_have_url(re.compile(r"/staff/assessment/\d+/results$"), timeout=30_000)
    expect(page.get_by_role("heading", name="67/100")).to_be_visible()  # every criterion "met": 2/3
    href = page.get_by_role("link", name="PDF fr").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"].startswith("application/pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert re.search(r"66[.,]67|\b67\b", text), text[:500]

    # the external evaluator, assigned to the centre, finds it in the benchmark among its peers
    page.context.clear_cookies()
    sign_in(page, server, EVALUATOR, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/evaluator"), timeout=60_000)
    page.goto(f"{server.base_url}/evaluator/benchmark")
    centre = page.get_by_role("button", name=CENTRE, exact=True)
    expect(centre).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="École Atlas de Commerce et de Management — Marrakech")).to_be_visible()
    centre.click()
    expect(page.get_by_text(re.compile(r"66[.,]67|\b67\b")).first).to_be_visible()
