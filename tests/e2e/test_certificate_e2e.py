"""Issue 4 §5-§6 from the student's side: the questionnaire link of the invitation, the
answers, the certificate downloaded, then verified on the public page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.seed import PASSWORD, TENANT_SLUG
from tests.e2e.test_scenarios import at, sign_in

STUDENT = ("salma.attestation@alpha.example.org", "Salma Présente")
WORKSHOP = "Atelier prise de parole"


def test_student_answers_the_questionnaire_and_verifies_her_certificate(page, server):
    event_id = server.run("survey-setup", STUDENT[0], STUDENT[1], WORKSHOP)["event_id"]

    # given the student who attended, signed in
    sign_in(page, server, STUDENT[0], PASSWORD)
    expect(page).to_have_url(at(server, "/portal"), timeout=60_000)
    expect(page.get_by_role("link", name=WORKSHOP)).to_be_visible()

    # when she opens the link of the invitation and answers
    page.goto(f"{server.base_url}/portal/{TENANT_SLUG}/surveys/{event_id}")
    expect(page.get_by_role("heading", name=WORKSHOP)).to_be_visible(timeout=30_000)
    for group in page.get_by_role("group").filter(has=page.get_by_role("radio")).all():
        group.get_by_label("4 — Satisfait").check()
    page.get_by_label(re.compile("commentaire", re.I)).fill("Très concret, merci.")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_role("status")).to_contain_text("Merci pour vos réponses")

    # then she downloads her certificate
    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger mon attestation").click()
    name = info.value.suggested_filename
    match = re.fullmatch(r"attestation-(.+)\.pdf", name)
    assert match, name
    page.screenshot(path=str(server.log.parent / "portal-survey.png"), full_page=True)

    # and the public page says the certificate is genuine
    page.goto(f"{server.base_url}/verify/{match.group(1)}")
    expect(page.get_by_role("heading", name="Vérification d'une attestation")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("authentique et valide")).to_be_visible()
