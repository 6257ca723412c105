"""The monthly planning (M32) of a busy centre: 1,700 events in one month, as a PDF.

Baseline: fpdf2 alone writing the same rows (same font, one bordered cell per value, no
database, no wrapping, no translation), so the ratio is the cost of our query and layout.
"""

from __future__ import annotations

import io
import random
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fpdf import FPDF
from pypdf import PdfReader
from sqlalchemy import insert

from integrations import pdf as pdfdoc
from integrations.db import system_session, utcnow
from tenants.calendar import planning as plan
from tenants.calendar.models import Event
from tests.bench.conftest import Result, compare

N_EVENTS = 1_700
CASA = ZoneInfo("Africa/Casablanca")
MONTH = date(2031, 3, 1)


def _seed(world) -> None:
    rnd = random.Random(11)
    rows = []
    for i in range(N_EVENTS):
        start = datetime.combine(MONTH + timedelta(days=rnd.randrange(0, 31)), time(8 + rnd.randrange(0, 9)),
                                 tzinfo=CASA)
        rows.append({"id": i + 1, "tenant_id": world.tenant_id, "uid": f"{uuid.uuid4()}@cc-network",
                     "type": rnd.choice(["workshop", "individual_session", "company_visit",
                                         "weekly_coordination_meeting"]),
                     "title": f"Activité {i} — préparation à l'entretien d'embauche", "theme": "",
                     "description": "", "starts_at": start, "ends_at": start + timedelta(hours=1),
                     "timezone": "Africa/Casablanca", "address": "Bâtiment A, Campus", "online_url": "",
                     "organiser_membership_id": world.counselor.membership_id, "audience": {},
                     "registered_count": 0, "partners": [], "budget_lines": [], "logistics": [],
                     "attachments": [], "publishes_photos": False, "details": {}, "status": "published",
                     "sequence": 1, "figures": {}, "outcome_notes": "", "status_reason": "",
                     "created_at": utcnow(), "updated_at": utcnow()})
    with system_session("bench seed") as s:
        s.execute(insert(Event), rows)
        s.commit()


def test_monthly_planning_pdf_of_1700_events(world_a, record):
    _seed(world_a)
    actor = world_a.manager.actor
    p = plan.planning(actor, world_a.tenant_id, period="month", start=MONTH)
    assert len(p.items) == N_EVENTS
    rows = [[it.starts.strftime("%d/%m/%Y"), it.starts.strftime("%H:%M"), it.title, it.type, it.venue, it.owner,
             it.status] for it in p.items]
    widths = (25, 20, 75, 45, 45, 30, 22)

    def bare() -> bytes:
        doc = FPDF(orientation="L")
        doc.add_font("dejavu", "", str(pdfdoc.font_paths()[""]))
        doc.add_page()
        doc.set_font("dejavu", "", 8)
        for values in rows:
            for w, v in zip(widths, values, strict=True):
                doc.cell(w, 5, v, border=1)
            doc.ln()
        return bytes(doc.output())

    def ours() -> bytes:
        return plan.export_planning_pdf(actor, world_a.tenant_id, "month", MONTH)

    pages = PdfReader(io.BytesIO(ours())).pages
    assert "Activité" in pages[-1].extract_text() and len(pages) > 30
    median, base = compare(ours, bare, rounds=5, warmup=1)
    r = record(Result(f"monthly planning PDF ({N_EVENTS} events, {len(pages)} pages)", "< 5 s median", median,
                      "fpdf2 alone writing the same rows as plain cells", base))
    assert r.median_s < 5.0, f"planning PDF took {r.median_s:.2f} s"
