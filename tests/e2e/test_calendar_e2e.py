"""Issue 3, 'Done when': a counselor creates a workshop, the manager validates it, it is
published on the portal and appears in the counselor's ICS feed; the weekly meeting series
exists for the year without holidays."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import icalendar
from playwright.sync_api import expect

from tests.e2e.seed import MANAGER_EMAIL, PASSWORD, TENANT_SLUG
from tests.e2e.test_scenarios import at, sign_in

ZONE = ZoneInfo("Africa/Casablanca")
COUNSELOR = ("nadia@alpha.example.org", "Nadia Conseillère")
TITLE = "Atelier CV et lettre de motivation"


def _signed_in(page, server, email: str) -> None:
    page.context.clear_cookies()
    sign_in(page, server, email, PASSWORD)
    expect(page).to_have_url(at(server, "/staff"), timeout=60_000)


def _open_sheet(page, server, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()


def test_workshop_from_form_to_portal_and_ics_feed(page, server):
    server.run("add-member", COUNSELOR[0], COUNSELOR[1], "career_counselor")
    shots = server.log.parent
    start = (datetime.now(ZONE) + timedelta(days=10)).replace(hour=14, minute=0, second=0, microsecond=0)

    # given the counselor signed in, on the calendar
    _signed_in(page, server, COUNSELOR[0])
    page.get_by_role("navigation").get_by_role("link", name="Calendrier", exact=True).click()
    expect(page.get_by_role("heading", name="Calendrier des activités")).to_be_visible()
    page.screenshot(path=str(shots / "calendar-month-empty.png"), full_page=True)

    # when they fill in the event entry form (T02) for a workshop
    page.get_by_role("button", name="Nouvelle activité").click()
    expect(page.get_by_role("heading", name="Fiche de saisie d'activité")).to_be_visible()
    page.get_by_label("Type d'activité", exact=True).select_option("workshop")
    page.get_by_label("Titre", exact=True).fill(TITLE)
    page.get_by_label("Thème", exact=True).fill("Insertion professionnelle")
    page.get_by_label("Objectifs", exact=True).fill("Un CV relu par participant")
    page.get_by_label("Début", exact=True).fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Fin", exact=True).fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Adresse", exact=True).fill("Bibliothèque, salle 2")
    page.get_by_label("Capacité", exact=True).fill("30")
    page.get_by_label("Filières visées", exact=True).fill("Informatique, Gestion")
    page.get_by_label("Partenaires", exact=True).fill("entreprise | Atlas Conseil | relecture des CV")
    page.screenshot(path=str(shots / "calendar-form.png"), full_page=True)
    page.get_by_role("button", name="Enregistrer l'activité").click()

    # then the event sheet shows the draft, in the centre's local time, and they propose it
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible(timeout=30_000)
    sheet_url = page.url
    expect(page.get_by_text(start.strftime("%Y-%m-%d %H:%M"), exact=False)).to_be_visible()
    expect(page.get_by_text("Brouillon", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Valider")).to_have_count(0)  # not the counselor's step
    page.get_by_role("button", name="Proposer").click()
    expect(page.get_by_role("status")).to_have_text("Activité proposée au manager.")
    expect(page.get_by_text("Proposé", exact=True)).to_be_visible()

    # when the manager validates it
    _signed_in(page, server, MANAGER_EMAIL)
    _open_sheet(page, server, sheet_url)
    page.get_by_role("button", name="Valider", exact=True).click()
    expect(page.get_by_text("Validé par le manager", exact=True)).to_be_visible()

    # and the counselor publishes it
    _signed_in(page, server, COUNSELOR[0])
    _open_sheet(page, server, sheet_url)
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_text("Publié", exact=True)).to_be_visible()

    # the month view shows it on its day
    page.goto(f"{server.base_url}/staff/calendar")
    if start.month != datetime.now(ZONE).month:
        page.get_by_role("button", name="Suivant", exact=True).click()
    cell = page.get_by_role("gridcell", name=start.strftime("%Y-%m-%d"))
    expect(cell.get_by_role("link", name=TITLE)).to_be_visible()
    page.screenshot(path=str(shots / "calendar-month.png"), full_page=True)

    # then an anonymous visitor sees it on the portal's calendar, and its page
    page.context.clear_cookies()
    page.goto(f"{server.base_url}/portal/{TENANT_SLUG}/calendar")
    expect(page.get_by_role("heading", name="Calendrier des activités")).to_be_visible()
    if start.month != datetime.now(ZONE).month:
        page.get_by_role("button", name="Suivant", exact=True).click()
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    page.screenshot(path=str(shots / "portal-calendar.png"), full_page=True)
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_text("Bibliothèque, salle 2")).to_be_visible()

    # and the counselor's personal ICS feed, made on the calendar page, carries it
    _signed_in(page, server, COUNSELOR[0])
    page.goto(f"{server.base_url}/staff/calendar")
    page.get_by_role("button", name="Créer mon abonnement personnel").click()
    url = page.get_by_label("Adresse de l'abonnement").inner_text().strip()
    assert url.startswith(server.api_url + "/api/v1/calendar/feed/")
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = [c for c in icalendar.Calendar.from_ical(response.content).walk("VEVENT")]
    mine = [e for e in events if str(e["SUMMARY"]) == TITLE]
    assert len(mine) == 1
    assert str(mine[0]["UID"]) == server.run("event-uid", TITLE)
    assert mine[0].decoded("DTSTART") == start


def test_weekly_meeting_series_from_settings_appears_in_week_view(page, server):
    today = datetime.now(ZONE).date()
    monday = today - timedelta(days=today.weekday())
    holiday_monday = monday + timedelta(weeks=3)
    # given the manager on the calendar settings
    _signed_in(page, server, MANAGER_EMAIL)
    page.goto(f"{server.base_url}/staff/calendar/settings")
    expect(page.get_by_role("heading", name="Paramètres du calendrier")).to_be_visible()
    # when they set the academic year with a holiday week, then the weekly meeting on Tuesdays
    page.get_by_label("Année (ex. 2026-2027)", exact=True).fill("E2E-YEAR")
    page.get_by_label("Début de l'année", exact=True).fill((today - timedelta(days=30)).isoformat())
    page.get_by_label("Fin de l'année", exact=True).fill((today + timedelta(days=300)).isoformat())
    page.get_by_label("Vacances et jours fériés", exact=True).fill(
        f"Vacances de printemps | {holiday_monday.isoformat()} | {(holiday_monday + timedelta(days=6)).isoformat()}")
    page.get_by_role("button", name="Enregistrer l'année").click()
    expect(page.get_by_role("status")).to_have_text("Année universitaire enregistrée.")
    expect(page.get_by_text("Vacances de printemps", exact=False)).to_be_visible()

    page.get_by_label("Titre", exact=True).fill("Réunion hebdomadaire de l'équipe")
    page.get_by_label("Année universitaire", exact=True).select_option(label="E2E-YEAR")
    page.get_by_label("Jour de la semaine", exact=True).select_option("tue")
    page.get_by_label("Heure", exact=True).fill("09:30")
    page.get_by_label("Durée (minutes)", exact=True).fill("60")
    page.get_by_role("button", name="Créer la série").click()
    expect(page.get_by_role("status")).to_have_text("Série créée pour l'année.")

    # then the week view of next week shows the meeting on Tuesday at 09:30
    page.goto(f"{server.base_url}/staff/calendar")
    page.get_by_role("button", name="Semaine", exact=True).click()
    page.get_by_role("button", name="Suivant", exact=True).click()
    tuesday = (monday + timedelta(weeks=1, days=1)).isoformat()
    cell = page.get_by_role("gridcell", name=tuesday)
    expect(cell.get_by_role("link", name="Réunion hebdomadaire de l'équipe")).to_be_visible()
    expect(cell).to_contain_text("09:30")
    page.screenshot(path=str(shots_dir(server) / "calendar-week.png"), full_page=True)
    # and the holiday week has none
    page.get_by_role("button", name="Suivant", exact=True).click()
    page.get_by_role("button", name="Suivant", exact=True).click()
    holiday_tuesday = (holiday_monday + timedelta(days=1)).isoformat()
    expect(page.get_by_role("gridcell", name=holiday_tuesday)).to_be_visible()
    expect(page.get_by_role("link", name="Réunion hebdomadaire de l'équipe")).to_have_count(0)


def shots_dir(server):
    return server.log.parent
