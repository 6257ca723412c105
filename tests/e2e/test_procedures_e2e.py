"""Issue 6, "done when": the manager starts the annual action plan (P01) for the new year;
counselors and the business developer get their review tasks; the plan is reviewed in the
weekly meeting and the host institution's approver approves it from their inbox.

Four people, each in their own browser: the manager, a counselor, the business developer
and the host institution's approver."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.seed import MANAGER_EMAIL, PASSWORD
from tests.e2e.test_scenarios import at, sign_in

COUNSELOR = ("karima.plan@alpha.example.org", "Karima Conseillère", "career_counselor")
BIZDEV = ("bilal.plan@alpha.example.org", "Bilal Développeur", "business_developer")
APPROVER = ("hind.plan@alpha.example.org", "Hind Approbatrice", "host_approver")
MEETING = "Réunion de coordination de la semaine"
YEAR = "2027-2028"
PLAN = f"P01 — Élaborer le plan d'action annuel {YEAR}"


def _context(browser):  # noqa: ANN001, ANN202
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    return context


def _signed_in(browser, server, email: str, home: str = "/staff") -> Page:  # noqa: ANN001
    page = _context(browser).new_page()
    sign_in(page, server, email, PASSWORD)
    expect(page).to_have_url(at(server, home), timeout=60_000)
    return page


def _task(page: Page, step: int):  # noqa: ANN202
    """The plan's task of that step in the inbox on screen."""
    return (page.get_by_role("row").filter(has_text=PLAN)
            .filter(has_text=re.compile(rf"Étape {step}(?!\d)")))


def _do(page: Page, step: int, button: str = "Fait") -> None:
    """Marks the plan's task of that step done (or chooses `button`), confirming in the dialog."""
    row = _task(page, step)
    expect(row).to_have_count(1)
    row.get_by_role("button", name=re.compile(rf"^{re.escape(button)} — ")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Note (facultative)").fill("Relu, rien à ajouter.")
    dialog.get_by_role("button", name="Confirmer").click()
    expect(dialog).to_have_count(0)
    expect(_task(page, step)).to_have_count(0)


def _inbox(page: Page, server, area: str = "staff") -> None:  # noqa: ANN001
    page.goto(f"{server.base_url}/{area}/inbox")
    expect(page.get_by_role("heading", name="Mes tâches")).to_be_visible()


def test_the_annual_action_plan_from_draft_to_host_approval(browser, server):
    server.run("procedures-setup", MEETING, *COUNSELOR, *BIZDEV, *APPROVER)
    shots = server.log.parent
    pages: list[Page] = []
    try:
        # the manager starts the annual action plan for the new year
        manager = _signed_in(browser, server, MANAGER_EMAIL)
        pages.append(manager)
        manager.get_by_role("navigation").get_by_role("link", name="Procédures").click()
        expect(manager.get_by_role("heading", name="Procédures")).to_be_visible()
        manager.get_by_role("button", name="Lancer — P01").click()
        dialog = manager.get_by_role("dialog")
        expect(dialog).to_contain_text("Élaborer le plan d'action annuel")
        dialog.get_by_label("Libellé (par exemple l'année)").fill(YEAR)
        dialog.get_by_role("button", name="Lancer la procédure").click()
        expect(manager).to_have_url(re.compile(r"/staff/procedures/instances/\d+/?$"), timeout=30_000)
        instance_url = manager.url
        expect(manager.get_by_role("heading", name=PLAN)).to_be_visible()

        # and writes the draft (step 1) from their inbox
        _inbox(manager, server)
        _do(manager, 1)
        expect(manager.get_by_role("status")).to_have_text("La tâche est faite.")

        # the counselor and the business developer each find their review task (step 2)
        for who in (COUNSELOR, BIZDEV):
            page = _signed_in(browser, server, who[0])
            pages.append(page)
            _inbox(page, server)
            expect(_task(page, 2)).to_have_count(1)
            page.screenshot(path=str(shots / f"procedures-inbox-{who[2]}.png"), full_page=True)
            _do(page, 2)
            expect(page.get_by_role("status")).to_have_text("La tâche est faite.")

        # the plan is reviewed in this week's coordination meeting (step 3): the manager opens
        # the meeting's record, finds the plan on its agenda and records the team's decision
        manager.goto(f"{server.base_url}/staff/meetings")
        expect(manager.get_by_role("heading", name="Réunions de l'équipe")).to_be_visible()
        manager.get_by_role("button", name=f"Ouvrir le dossier de la réunion — {MEETING}").click()
        expect(manager).to_have_url(re.compile(r"/staff/meetings/\d+/?$"), timeout=30_000)
        expect(manager.get_by_role("heading", name=MEETING)).to_be_visible()
        item = manager.get_by_role("row").filter(has_text=PLAN)
        expect(item).to_have_count(1)
        expect(item.get_by_role("rowheader")).to_contain_text("3. ")
        manager.screenshot(path=str(shots / "procedures-weekly-meeting.png"), full_page=True)
        item.get_by_role("button", name=re.compile("^Fait — ")).click()
        dialog = manager.get_by_role("dialog")
        expect(dialog).to_contain_text("Décision de la réunion")
        dialog.get_by_label("Note", exact=True).fill("Plan relu en réunion avec les propositions de l'équipe.")
        dialog.get_by_role("button", name="Enregistrer la décision").click()
        expect(manager.get_by_role("status")).to_have_text("Décision enregistrée.")
        decided = manager.get_by_role("row").filter(has_text=PLAN)
        expect(decided).to_have_count(1)  # now under the decisions taken
        expect(decided).to_contain_text("Plan relu en réunion")
        # the step is done for all its holders: nothing of step 3 is left in their inboxes
        for page in pages[1:]:
            _inbox(page, server)
            expect(page.get_by_role("row").filter(has_text=PLAN)).to_have_count(0)

        # the manager finalises the plan and sends it to the host institution (step 4)
        _inbox(manager, server)
        _do(manager, 4)

        # the host institution's approver approves it from their inbox (step 5)
        approver = _signed_in(browser, server, APPROVER[0], home="/host")
        pages.append(approver)
        _inbox(approver, server, area="host")
        expect(_task(approver, 5)).to_have_count(1)
        approver.screenshot(path=str(shots / "procedures-host-inbox.png"), full_page=True)
        _do(approver, 5, button="Valider")
        expect(approver.get_by_role("status")).to_have_text("Votre décision est enregistrée.")

        # the instance moves on: the manager now distributes the plan (step 6)
        manager.goto(instance_url)
        expect(manager.get_by_role("heading", name=PLAN)).to_be_visible()
        step6 = manager.get_by_role("row").filter(has=manager.get_by_role("cell", name="6", exact=True))
        expect(step6).to_contain_text("À faire")
        expect(manager.get_by_text("5 / 6 étapes faites")).to_be_visible()
        manager.screenshot(path=str(shots / "procedures-instance.png"), full_page=True)
    finally:
        for page in pages:
            page.context.close()
