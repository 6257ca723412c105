"""Issue 7, "done when": the communication counselor drafts the announcement of a workshop, the
manager checks it, it is validated in the weekly coordination meeting, then published: the post
appears on the (local, fake) social account and the e-mail in the targeted students' mailboxes,
and the item's delivery log shows both."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import expect

from cc_network.demo import DEMO_PASSWORD, DOMAIN, student_profiles
from tests.e2e.test_scenarios import at, sign_in
from tests.jobs.conftest import free_port

SLUG = "al-qalam"
COUNSELOR = f"counselor.communication@{SLUG}.{DOMAIN}"
MANAGER = f"manager@{SLUG}.{DOMAIN}"
TITLE = "Annonce : atelier CV de la semaine"
TEXT = "Bonjour {{ first_name }}, l'atelier CV a lieu jeudi à 10 h. Inscriptions sur le portail."


def test_an_announcement_goes_from_draft_to_the_social_account_and_the_students(server, page):
    server.run("demo")
    port = free_port()
    setup = server.run("comm-channel", SLUG, str(port))

    # the communication counselor drafts the announcement of a workshop
    sign_in(page, server, COUNSELOR, DEMO_PASSWORD)
    expect(page).to_have_url(at(server, "/staff"), timeout=60_000)
    page.goto(f"{server.base_url}/staff/communications")
    expect(page.get_by_role("heading", name="Nouvelle communication")).to_be_visible()
    form = page.locator("form").filter(has=page.get_by_role("button", name="Créer le brouillon"))
    form.get_by_label("Titre", exact=True).fill(TITLE)
    form.get_by_label("Évènement", exact=True).select_option(str(setup["workshop_id"]))
    soon = (datetime.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    form.get_by_label("Publication le", exact=True).fill(soon)
    form.get_by_label("Texte (français)", exact=True).fill(TEXT)
    form.get_by_label("Objet de l'e-mail (français)", exact=True).fill("Atelier CV jeudi")
    form.get_by_label("E-mail", exact=True).click()
    form.get_by_label("Career Center (Mastodon)", exact=False).click()
    form.get_by_label("Destinataires de l'e-mail", exact=True).select_option("students")
    form.get_by_role("button", name="Créer le brouillon").click()
    expect(page).to_have_url(re.compile(r"/staff/communications/items/\d+$"), timeout=30_000)
    item_url = page.url
    page.get_by_role("button", name="Soumettre au Manager").click()
    expect(page.get_by_role("button", name="Soumettre au Manager")).to_have_count(0)

    # the manager checks it, then validates it in the open weekly coordination meeting
    page.context.clear_cookies()
    sign_in(page, server, MANAGER, DEMO_PASSWORD)
    expect(page).to_have_url(at(server, "/staff"), timeout=60_000)
    page.goto(item_url)
    page.get_by_role("button", name="Vérifier", exact=True).click()
    meeting = page.get_by_label("Réunion de coordination ouverte", exact=True)
    expect(meeting).to_be_visible()
    expect(meeting.locator("option").first).to_contain_text("Réunion")  # this week's, opened
    page.get_by_role("button", name="Valider", exact=True).click()
    expect(page.get_by_text("Validée en réunion").first).to_be_visible()

    # its time comes: beat publishes it, the workers send the post and the e-mails
    published = server.run("comm-publish", str(port))
    assert published["queued"], published
    texts = [p["text"] for p in published["posts"] if p["provider"] == "mastodon"]
    assert len(texts) == 1 and "l'atelier CV a lieu jeudi" in texts[0]

    student = student_profiles(SLUG)[0]
    mail = server.run("last-mail", student.email)
    assert mail is not None and mail["subject"] == "Atelier CV jeudi"
    first = student.full_name.split(" ")[0]
    assert mail["body"].startswith(f"Bonjour {first}, l'atelier CV a lieu jeudi")

    # the delivery log shows both: the post, and the e-mails sent
    page.reload()
    expect(page.get_by_text("Publiée").first).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="Journal de diffusion")).to_be_visible()
    post_row = page.get_by_role("row").filter(has_text="Career Center (Mastodon)")
    expect(post_row).to_contain_text("Envoyé")
    expect(page.get_by_text(re.compile(r"E-mails envoyés"))).to_be_visible()
