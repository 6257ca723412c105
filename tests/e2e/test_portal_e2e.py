"""Issue 4, first steps as a new student would take them: sign up on the portal, book a
session with a chosen counselor, register for a workshop."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.seed import PASSWORD, TENANT_SLUG
from tests.e2e.test_scenarios import at

COUNSELOR = ("yasmine@alpha.example.org", "Yasmine Orientation")
WORKSHOP = "Atelier préparation aux entretiens"


def test_student_books_a_session_and_registers_for_a_workshop(page, server):
    server.run("portal-setup", COUNSELOR[0], COUNSELOR[1], WORKSHOP)

    # given a new student signed up on the centre's portal
    page.goto(f"{server.base_url}/portal/{TENANT_SLUG}/signup")
    page.get_by_label("Nom complet", exact=True).fill("Imane Étudiante")
    page.get_by_label("E-mail", exact=True).fill("imane@alpha.example.org")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmez le mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_url(at(server, "/portal"), timeout=60_000)

    # when she chooses the counselor, a free slot, and says what she needs
    page.get_by_role("navigation").get_by_role("link", name="Rendez-vous").click()
    expect(page.get_by_role("heading", name="Rendez-vous avec un conseiller")).to_be_visible()
    page.get_by_label("Conseiller", exact=True).select_option(label=COUNSELOR[1])
    page.get_by_role("button", name="Voir les créneaux").click()
    page.get_by_role("radio").first.check()
    page.get_by_label("Votre besoin", exact=True).fill("Relire mon CV avant un stage")
    page.get_by_role("button", name="Réserver").click()
    # then the session is in her list, waiting for the counselor's confirmation
    expect(page.get_by_text("Demandé").first).to_be_visible()
    page.screenshot(path=str(server.log.parent / "portal-sessions.png"), full_page=True)

    # when she registers for the published workshop
    page.get_by_role("navigation").get_by_role("link", name="Ateliers").click()
    expect(page.get_by_text(WORKSHOP).first).to_be_visible()
    page.get_by_role("button", name="S'inscrire").first.click()
    # then her registration is recorded
    expect(page.get_by_text("Inscription enregistrée.")).to_be_visible()
    page.screenshot(path=str(server.log.parent / "portal-workshops.png"), full_page=True)
