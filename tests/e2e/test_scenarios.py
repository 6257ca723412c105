"""What people do first: a student joins a portal; a manager invites a counselor who signs in;
a wrong password is refused in French."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.seed import MANAGER_EMAIL, PASSWORD, TENANT_NAME, TENANT_SLUG


def at(server, path: str) -> re.Pattern:
    """The page's address; the static server may add a trailing slash."""
    return re.compile(re.escape(server.base_url + path) + r"/?(\?.*)?$")


def sign_in(page, server, email: str, password: str) -> None:
    page.goto(f"{server.base_url}/login")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_student_signs_up_on_the_portal_and_lands_home(page, server):
    # given the sign-up page of the centre's portal
    page.goto(f"{server.base_url}/portal/{TENANT_SLUG}/signup")
    expect(page.get_by_text(TENANT_NAME)).to_be_visible()
    # when a student fills it in
    page.get_by_label("Nom complet", exact=True).fill("Salma Étudiante")
    page.get_by_label("E-mail", exact=True).fill("salma@alpha.example.org")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmez le mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    # then they are signed in on the portal home, with their name and their centre
    expect(page).to_have_url(at(server, "/portal"), timeout=60_000)
    expect(page.get_by_role("heading", name="Mon portail")).to_be_visible()
    expect(page.get_by_text("Salma Étudiante").first).to_be_visible()
    expect(page.get_by_text(TENANT_NAME).first).to_be_visible()
    expect(page.get_by_text("Étudiant", exact=True)).to_be_visible()


def test_manager_invites_a_counselor_who_then_signs_in(page, server):
    # given the manager signed in on the team page
    sign_in(page, server, MANAGER_EMAIL, PASSWORD)
    expect(page).to_have_url(at(server, "/staff"), timeout=60_000)
    page.get_by_role("navigation").get_by_role("link", name="Équipe").click()
    expect(page.get_by_role("heading", name="Équipe du centre")).to_be_visible()
    # when they invite a counselor in charge of coordination
    page.get_by_label("Nom complet", exact=True).fill("Karim Conseiller")
    page.get_by_label("E-mail", exact=True).fill("karim@alpha.example.org")
    page.get_by_label("Conseiller d'orientation").check()
    page.get_by_label("Coordination").check()
    page.get_by_role("button", name="Envoyer l'invitation").click()
    # then the team lists the pending invitation
    expect(page.get_by_role("status")).to_have_text("Invitation envoyée.")
    row = page.get_by_role("row", name="Karim Conseiller")
    expect(row).to_contain_text("karim@alpha.example.org")
    expect(row).to_contain_text("Invitation en attente")
    page.screenshot(path=str(server.log.parent / "team-fr.png"), full_page=True)
    # the same page in Arabic reads right to left, then back to French
    page.get_by_label("Langue").select_option("ar")
    expect(page.get_by_role("heading", name="فريق المركز")).to_be_visible()
    page.screenshot(path=str(server.log.parent / "team-ar.png"), full_page=True)
    # the table's first column (full name) sits on the right, as Arabic reads
    headers = page.get_by_role("columnheader")
    first, last = headers.first.bounding_box(), headers.last.bounding_box()
    assert first["x"] > last["x"], "table columns must run right to left in Arabic"
    page.get_by_label("اللغة").select_option("fr")
    expect(page.get_by_role("heading", name="Équipe du centre")).to_be_visible()

    # and the invitation reaches the dev mailbox with a set-password link
    # every due message goes out (other tests may have left some); the invitation is among them
    states = server.run("deliver")
    assert states and set(states) == {"sent"}
    mail = server.run("last-mail", "karim@alpha.example.org")
    assert mail is not None and TENANT_NAME in mail["subject"]
    link = re.search(r"http://\S+/reset\?token=\S+", mail["body"]).group(0)
    assert link.startswith(server.base_url)

    # when the counselor opens it in their own browser and chooses a password
    page.context.clear_cookies()
    page.goto(link)
    page.get_by_label("Nouveau mot de passe", exact=True).fill("Conseil-2024-sur")
    page.get_by_label("Confirmez le mot de passe", exact=True).fill("Conseil-2024-sur")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("status")).to_contain_text("Mot de passe enregistré")
    # then they sign in and see the staff area of their centre
    sign_in(page, server, "karim@alpha.example.org", "Conseil-2024-sur")
    expect(page).to_have_url(at(server, "/staff"), timeout=60_000)
    expect(page.get_by_role("heading", name="Espace équipe")).to_be_visible()
    expect(page.get_by_text("Karim Conseiller").first).to_be_visible()
    expect(page.get_by_text("Conseiller d'orientation", exact=True)).to_be_visible()


def test_sign_out_then_wrong_password_shows_the_french_error(page, server):
    # given the manager signed in
    sign_in(page, server, MANAGER_EMAIL, PASSWORD)
    expect(page).to_have_url(at(server, "/staff"), timeout=60_000)
    # when they sign out
    page.get_by_role("link", name="Se déconnecter").click()
    expect(page).to_have_url(at(server, "/login"), timeout=30_000)
    # then the staff area is closed to the browser
    page.goto(f"{server.base_url}/staff")
    expect(page).to_have_url(at(server, "/login"), timeout=30_000)
    # and a wrong password is refused with the French message, on the same page
    sign_in(page, server, MANAGER_EMAIL, "not-the-password-1")
    expect(page.get_by_role("alert")).to_have_text("E-mail ou mot de passe incorrect.")
    expect(page).to_have_url(at(server, "/login"))


def test_login_page_in_arabic_is_right_to_left(page, server):
    page.goto(f"{server.base_url}/login")
    page.get_by_label("Langue").select_option("ar")
    expect(page.get_by_role("heading", name="تسجيل الدخول")).to_be_visible()
    expect(page.locator("[dir=rtl]").first).to_be_visible()
    expect(page.get_by_label("كلمة المرور", exact=True)).to_be_visible()
    page.screenshot(path=str(server.log.parent / "login-ar.png"), full_page=True)
