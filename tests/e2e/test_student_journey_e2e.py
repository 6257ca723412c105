"""Issue 4, "done when", in one run as new users would do it: a student signs up, books a
session with a chosen counselor and registers for a workshop; the workshop takes place, the
counselor checks her in and closes it; she answers the questionnaire, downloads her
certificate, and its public verification page says it is valid."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.seed import PASSWORD, TENANT_SLUG
from tests.e2e.test_scenarios import at, sign_in

COUNSELOR = ("rachid.parcours@alpha.example.org", "Rachid Parcours")
STUDENT = ("nadia.parcours@alpha.example.org", "Nadia Parcours")
WORKSHOP = "Atelier réussir son premier entretien"


def _context(browser):  # noqa: ANN001, ANN202
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    return context


def test_a_student_from_sign_up_to_a_verified_certificate(browser, server):
    event_id = server.run("portal-setup", COUNSELOR[0], COUNSELOR[1], WORKSHOP)["event_id"]
    student_ctx, counselor_ctx = _context(browser), _context(browser)
    shots = server.log.parent
    try:
        me = student_ctx.new_page()
        # she signs up on her centre's portal
        me.goto(f"{server.base_url}/portal/{TENANT_SLUG}/signup")
        me.get_by_label("Nom complet", exact=True).fill(STUDENT[1])
        me.get_by_label("E-mail", exact=True).fill(STUDENT[0])
        me.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
        me.get_by_label("Confirmez le mot de passe", exact=True).fill(PASSWORD)
        me.get_by_role("button", name="Créer mon compte").click()
        expect(me).to_have_url(at(server, "/portal"), timeout=60_000)

        # she books a session with the counselor she chooses
        me.get_by_role("navigation").get_by_role("link", name="Rendez-vous").click()
        expect(me.get_by_role("heading", name="Rendez-vous avec un conseiller")).to_be_visible()
        expect(me.get_by_text("Aucun rendez-vous.")).to_be_visible()
        me.get_by_label("Conseiller", exact=True).select_option(label=COUNSELOR[1])
        expect(me.get_by_label("Conseiller", exact=True)).not_to_have_value("")
        me.get_by_role("button", name="Voir les créneaux").click()
        # the free slots, under one heading per day
        me.get_by_role("radio").first.check()
        me.get_by_label("Votre besoin", exact=True).fill("Préparer mon premier entretien")
        me.get_by_role("button", name="Réserver").click()
        expect(me.get_by_text("Demandé").first).to_be_visible()

        # she registers for the workshop
        me.get_by_role("navigation").get_by_role("link", name="Ateliers").click()
        expect(me.get_by_text(WORKSHOP).first).to_be_visible()
        me.get_by_role("button", name=f"S'inscrire — {WORKSHOP}").click()
        expect(me.get_by_text("Inscription enregistrée.")).to_be_visible()

        # the workshop takes place
        server.run("move-to-past", WORKSHOP)

        # the counselor checks her in on the attendance sheet, then closes the workshop
        staff = counselor_ctx.new_page()
        sign_in(staff, server, COUNSELOR[0], PASSWORD)
        expect(staff).to_have_url(at(server, "/staff"), timeout=60_000)
        staff.goto(f"{server.base_url}/staff/calendar/events/{event_id}")
        expect(staff.get_by_role("heading", name=WORKSHOP)).to_be_visible(timeout=30_000)
        staff.get_by_role("button", name=f"Présent — {STUDENT[1]}").click()
        expect(staff.get_by_text("Présence enregistrée.")).to_be_visible()
        staff.get_by_role("button", name="Marquer comme réalisée").click()
        staff.get_by_role("button", name="Clôturer").click()
        dialog = staff.get_by_role("dialog")
        expect(dialog.get_by_label("Nombre de participants")).to_have_value("1")
        dialog.get_by_role("button", name="Confirmer").click()
        expect(staff.get_by_role("link", name=re.compile("Résultats de satisfaction"))).to_be_visible()
        staff.screenshot(path=str(shots / "journey-closed.png"), full_page=True)

        # she finds the questionnaire on her portal and answers it
        me.goto(f"{server.base_url}/portal")
        me.get_by_role("link", name=WORKSHOP).click()
        expect(me.get_by_role("heading", name=WORKSHOP)).to_be_visible(timeout=30_000)
        for group in me.get_by_role("group").filter(has=me.get_by_role("radio")).all():
            group.get_by_label("5 — Très satisfait").check()
        me.get_by_label(re.compile("commentaire", re.I)).fill("Des conseils concrets, merci.")
        me.get_by_role("button", name="Envoyer mes réponses").click()
        expect(me.get_by_role("status")).to_contain_text("Merci pour vos réponses")

        # she downloads her certificate
        with me.expect_download() as info:
            me.get_by_role("button", name="Télécharger mon attestation").click()
        match = re.fullmatch(r"attestation-(.+)\.pdf", info.value.suggested_filename)
        assert match, info.value.suggested_filename
        assert info.value.path().read_bytes().startswith(b"%PDF")

        # and its public verification page says it is valid
        public = _context(browser).new_page()
        public.goto(f"{server.base_url}/verify/{match.group(1)}")
        expect(public.get_by_text("authentique et valide")).to_be_visible(timeout=30_000)
        expect(public.get_by_text(STUDENT[1])).to_be_visible()
        public.screenshot(path=str(shots / "journey-verified.png"), full_page=True)
        public.context.close()
    finally:
        student_ctx.close()
        counselor_ctx.close()
