"""Issue 5, "done when": a company submits a need for 3 interns; the business developer
shortlists 3 students of whom 2 consented; the company sees exactly those 2 profiles; a
second need for 12 positions leads to a recruitment day on the calendar.

Two people, each in their own browser: the company's contact and the business developer."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.seed import PASSWORD
from tests.e2e.test_scenarios import at, sign_in

CONTACT = ("nadia.rh@atlas-data.example.org", "Nadia Recruteuse")
COMPANY = "Atlas Data Services"
BIZDEV = ("bilal.sourcing@alpha.example.org", "Bilal Sourcing", "business_developer")
STUDENTS = [("sara.sourcing@alpha.example.org", "Sara Sourcing", "yes"),
            ("youssef.sourcing@alpha.example.org", "Youssef Sourcing", "yes"),
            ("imane.sourcing@alpha.example.org", "Imane Sourcing", "no")]


def _browser_page(browser, server, email: str, home: str) -> Page:  # noqa: ANN001
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    sign_in(page, server, email, PASSWORD)
    expect(page).to_have_url(at(server, home), timeout=60_000)
    return page


def _submit_need(page: Page, server, title: str, positions: int, kind: str) -> int:  # noqa: ANN001
    page.goto(f"{server.base_url}/company/needs/new")
    page.get_by_label("Intitulé du poste").fill(title)
    page.get_by_label("Type", exact=True).select_option(kind)
    page.get_by_label("Nombre de postes").fill(str(positions))
    page.get_by_label("Date limite de réception des profils").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Transmettre le besoin").click()
    expect(page.get_by_text("Votre besoin a été transmis au Career Center.")).to_be_visible()
    return int(re.search(r"/company/needs/(\d+)", page.url).group(1))


def test_a_company_need_is_sourced_and_a_large_one_becomes_a_recruitment_day(server, browser):
    server.run("sourcing-setup", *CONTACT, COMPANY, *[x for st in STUDENTS for x in st])
    server.run("add-member", *BIZDEV)
    company = _browser_page(browser, server, CONTACT[0], "/company")
    bizdev = _browser_page(browser, server, BIZDEV[0], "/staff")

    # the company submits a need for 3 interns
    need_id = _submit_need(company, server, "Stagiaires data (3)", 3, "internship")

    # the business developer finds the students and shortlists all three
    bizdev.goto(f"{server.base_url}/staff/needs/{need_id}")
    bizdev.get_by_label("Mots-clés").fill("Python")
    bizdev.get_by_role("button", name="Rechercher").click()
    for _email, name, _consent in STUDENTS:
        bizdev.get_by_role("button", name=f"Ajouter à la présélection — {name}").first.click()
        dialog = bizdev.get_by_role("dialog")
        dialog.get_by_label("Note").fill("Profil data, Python et SQL.")
        dialog.get_by_role("button", name="Enregistrer").click()
        expect(dialog).to_have_count(0)
        expect(bizdev.get_by_role("checkbox", name=f"Choisir — {name}")).to_be_visible()
    for _email, name, _consent in STUDENTS:
        # a checkbox the server's state drives: click, then wait for the round trip
        box = bizdev.get_by_role("checkbox", name=f"Choisir — {name}")
        box.click()
        expect(box).to_be_checked()
    bizdev.get_by_role("button", name=re.compile(r"^Envoyer les profils")).click()
    expect(bizdev.get_by_text("Profils envoyés à l'entreprise.")).to_be_visible()

    # the company sees exactly the two students who consented
    company.goto(f"{server.base_url}/company/needs/{need_id}")
    company.get_by_role("link", name="Consulter les profils").click()
    expect(company).to_have_url(re.compile(r"/company/shares/\d+$"))
    profiles = company.get_by_role("button", name=re.compile(r"^Fiche profil \(PDF\) — "))
    expect(profiles).to_have_count(2)
    for _email, name, consent in STUDENTS:
        expect(company.get_by_role("button", name=f"Fiche profil (PDF) — {name}")).to_have_count(
            1 if consent == "yes" else 0)
    expect(company.get_by_text("Imane Sourcing")).to_have_count(0)

    # a need for 12 hires calls for a recruitment day, which goes on the calendar
    big = _submit_need(company, server, "Conseillers clientèle (12)", 12, "job")
    bizdev.goto(f"{server.base_url}/staff/recruitment-days")
    bizdev.get_by_label("Besoin", exact=True).select_option(str(big))
    bizdev.get_by_role("button", name="Proposer la journée").click()
    expect(bizdev).to_have_url(re.compile(r"/staff/recruitment-days/\d+$"))
    day = (date.today() + timedelta(days=21)).isoformat()
    bizdev.get_by_role("textbox", name="Dates de l'institution hôte").fill(day)
    bizdev.get_by_role("button", name="Enregistrer les dates — Dates de l'institution hôte").click()
    expect(bizdev.get_by_role("textbox", name="Dates de l'institution hôte")).to_have_value(day)
    # the company gives its own dates from its need's page
    company.goto(f"{server.base_url}/company/needs/{big}")
    company.get_by_label("Vos dates disponibles").fill(day)
    company.get_by_role("button", name="Enregistrer nos dates").click()
    expect(company.get_by_text("Vos dates ont été enregistrées.")).to_be_visible()

    bizdev.reload()
    bizdev.get_by_label("Date", exact=True).select_option(day)
    bizdev.get_by_label("Places").fill("40")
    bizdev.get_by_role("button", name="Planifier dans le calendrier").click()
    expect(bizdev.get_by_text("La journée est inscrite au calendrier.")).to_be_visible()
    bizdev.get_by_role("link", name=re.compile(r"^Fiche de présence")).click()
    expect(bizdev).to_have_url(re.compile(r"/staff/calendar/events/\d+$"))
    expect(bizdev.get_by_text(f"Journée de recrutement — {COMPANY}").first).to_be_visible()
