"""Monthly and weekly planning (M32): what it lists, and its PDF and XLSX exports read back."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from integrations import csvx, pdf, xlsx
from integrations.errors import Forbidden, Invalid
from tenants.calendar import planning as plan
from tenants.calendar import services as cal
from tests.pdf_glyphs import embedded_glyphs

CASA = ZoneInfo("Africa/Casablanca")
# March 2031: Ramadan (DST suspended in Morocco) ends around 23 March 2031; any fixed month works
MONTH = date(2031, 3, 1)


def _at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime.combine(date(2031, month, day), time(hour, minute), tzinfo=CASA)


def _event(world, title: str, start: datetime, *, hours: int = 2, type_: str = "workshop",
           action: str | None = "validate", **over) -> int:
    data = {"type": type_, "title": title, "starts_at": start, "ends_at": start.replace(hour=start.hour + hours),
            "organiser_membership_id": world.counselor.membership_id, "address": "Bâtiment A, Campus"}
    data.update(over)
    e = cal.do_create_event(world.counselor.actor, world.tenant_id, data, override_conflicts=True)
    if action == "validate":
        cal.do_transition(world.counselor.actor, world.tenant_id, e.id, "propose")
        cal.do_transition(world.manager.actor, world.tenant_id, e.id, "validate")
    elif action == "cancel":
        cal.do_transition(world.manager.actor, world.tenant_id, e.id, "cancel", reason="salle indisponible")
    return e.id


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _words(data: bytes) -> str:
    """The text with cell wraps undone."""
    return " ".join(_pdf_text(data).split())


@pytest.fixture
def march(world_a):
    room = cal.do_create_room(world_a.manager.actor, world_a.tenant_id, name="Salle B1", location="Bloc B")
    ids = {
        "cv": _event(world_a, "Rédiger son CV", _at(4, 10), room_id=room.id, address=""),
        # 00:30 local on 1 March is still 28 February in UTC: it belongs to March
        "early": _event(world_a, "Caravane d'accueil", _at(1, 0, 30), type_="mobilisation_action"),
        "meeting": _event(world_a, "Coordination S10", _at(3, 9), type_="weekly_coordination_meeting",
                          action=None),
        "draft": _event(world_a, "Idée en brouillon", _at(5, 14), action=None),
        "cancelled": _event(world_a, "Atelier annulé", _at(6, 14), action="cancel"),
        "april": _event(world_a, "Atelier d'avril", _at(1, 10, month=4)),
    }
    cal.do_transition(world_a.manager.actor, world_a.tenant_id, ids["meeting"], "publish")
    return ids


def test_month_lists_activities_and_meetings_in_local_time(world_a, march):
    p = plan.planning(world_a.counselor.actor, world_a.tenant_id, period="month", start=date(2031, 3, 17))
    assert (p.first_day, p.last_day, p.timezone) == (date(2031, 3, 1), date(2031, 3, 31), "Africa/Casablanca")
    assert [i.title for i in p.items] == ["Caravane d'accueil", "Coordination S10", "Rédiger son CV"]
    early, meeting, cv = p.items
    assert early.starts == _at(1, 0, 30) and early.starts.utcoffset() == _at(1, 0, 30).utcoffset()
    assert meeting.meeting and meeting.status == "published"
    assert cv.venue == "Salle B1, Bloc B" and early.venue == "Bâtiment A, Campus"
    assert cv.owner == "Counselor" and cv.status_label("fr") == "Validé"
    assert cv.type_label("en") == "Workshop" and cv.type_label("ar") == "ورشة"
    assert p.title("fr") == "Planning mensuel — mars 2031"


def test_drafts_can_be_asked_for(world_a, march):
    p = plan.planning(world_a.manager.actor, world_a.tenant_id, period="month", start=MONTH,
                      statuses=["draft", "cancelled"])
    assert sorted(i.title for i in p.items) == ["Atelier annulé", "Idée en brouillon"]
    with pytest.raises(Invalid) as exc:
        plan.planning(world_a.manager.actor, world_a.tenant_id, period="month", start=MONTH, statuses=["lost"])
    assert exc.value.code == "invalid_filter"


def test_week_runs_monday_to_sunday(world_a, march):
    p = plan.planning(world_a.counselor.actor, world_a.tenant_id, period="week", start=date(2031, 3, 6))
    assert (p.first_day, p.last_day) == (date(2031, 3, 3), date(2031, 3, 9))
    assert [i.title for i in p.items] == ["Coordination S10", "Rédiger son CV"]
    assert "semaine 10" in p.title("fr")


@pytest.mark.parametrize("period,start", [("year", MONTH), ("month", "2031-03-01"),
                                          ("week", datetime(2031, 3, 1, tzinfo=CASA))])
def test_bad_period_is_refused(world_a, period, start):
    with pytest.raises(Invalid) as exc:
        plan.planning(world_a.manager.actor, world_a.tenant_id, period=period, start=start)
    assert exc.value.code == "invalid_period"


def test_student_cannot_see_the_planning(world_a, march):
    for fn in (lambda: plan.planning(world_a.student.actor, world_a.tenant_id, start=MONTH),
               lambda: plan.export_planning_pdf(world_a.student.actor, world_a.tenant_id, "month", MONTH),
               lambda: plan.export_planning_xlsx(world_a.student.actor, world_a.tenant_id, "month", MONTH)):
        with pytest.raises(Forbidden):
            fn()


def test_another_tenants_events_never_appear(worlds):
    a, b = worlds
    _event(a, "Atelier Alpha", _at(10, 10))
    _event(b, "Atelier Beta secret", _at(10, 10))
    p = plan.planning(a.manager.actor, a.tenant_id, start=MONTH)
    assert [i.title for i in p.items] == ["Atelier Alpha"]
    text = _pdf_text(plan.export_planning_pdf(a.manager.actor, a.tenant_id, "month", MONTH))
    assert "Atelier Alpha" in text and "Beta" not in text
    ws = load_workbook(io.BytesIO(plan.export_planning_xlsx(a.manager.actor, a.tenant_id, "month", MONTH))).active
    cells = {str(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
    assert "Atelier Alpha" in cells and not any("Beta" in c for c in cells)
    # the other tenant's manager, asking about alpha, is refused
    with pytest.raises(Forbidden):
        plan.planning(b.manager.actor, a.tenant_id, start=MONTH)


def test_pdf_in_french_lists_titles_dates_and_labels(world_a, march):
    text = _words(plan.export_planning_pdf(world_a.counselor.actor, world_a.tenant_id, "month", MONTH))
    assert "Planning mensuel — mars 2031" in text and "Centre ALPHA" in text
    for expected in ("Rédiger son CV", "mar. 04/03/2031", "10:00–12:00", "Atelier", "Salle B1, Bloc B",
                     "Caravane d'accueil", "sam. 01/03/2031", "00:30–02:30",
                     "Réunion de coordination hebdomadaire", "Counselor", "Validé", "Publié"):
        assert expected in text, expected
    assert "Idée en brouillon" not in text and "Atelier annulé" not in text and "avril" not in text


def test_long_planning_breaks_pages_and_repeats_the_header(world_a):
    for day in range(1, 29):
        for hour in (8, 10, 12, 14, 16):
            _event(world_a, f"Séance {day:02d}-{hour:02d} " + "avec un intitulé long " * 3, _at(day, hour),
                   hours=1, type_="individual_session", action=None)
    data = plan.export_planning_pdf(world_a.manager.actor, world_a.tenant_id, "month", MONTH, statuses=["draft"])
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) > 3
    last = pages[-1].extract_text()
    assert "Activité" in last and "Responsable" in last  # header row on every page
    assert f"page {len(pages)} / {len(pages)}" in last
    assert "Séance 28-16" in last


def test_xlsx_has_real_dates_and_translated_labels(world_a, march):
    data = plan.export_planning_xlsx(world_a.counselor.actor, world_a.tenant_id, "month", MONTH, "en")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.sheet_view.rightToLeft in (None, False)
    assert ws["A1"].value == "Monthly planning — March 2031"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    header, body = rows[0], rows[1:]
    assert header == ["Date", "Start", "End", "Activity", "Type", "Venue", "Owner", "Status"]
    assert [r[3] for r in body] == ["Caravane d'accueil", "Coordination S10", "Rédiger son CV"]
    cv = body[2]
    assert cv[1] == datetime(2031, 3, 4, 10, 0) and cv[2] == datetime(2031, 3, 4, 12, 0)
    assert cv[4:] == ["Workshop", "Salle B1, Bloc B", "Counselor", "Validated"]
    assert body[1][4] == "Weekly coordination meeting"


def test_arabic_pdf_is_shaped_right_to_left_and_xlsx_sheet_is_rtl(world_a, march):
    data = plan.export_planning_pdf(world_a.counselor.actor, world_a.tenant_id, "month", MONTH, "ar")
    text = _pdf_text(data)
    # the title's Arabic run, extracted back to its letters (the font's ToUnicode map)
    assert "التخطيط الشهري" in text and "مارس" in text
    assert "ورشة" in text and "Rédiger son CV" in text
    assert b"DejaVuSans" in data
    ws = load_workbook(io.BytesIO(
        plan.export_planning_xlsx(world_a.counselor.actor, world_a.tenant_id, "month", MONTH, "ar"))).active
    assert ws.sheet_view.rightToLeft is True
    assert ws["A1"].value == "التخطيط الشهري — مارس 2031"
    assert ws["E6"].value in ("ورشة", "حملة تعبئة", "اجتماع التنسيق الأسبوعي")


def test_arabic_letters_are_joined_by_the_shaper():
    """Shaped text is drawn with joining forms; unshaped, each letter would be isolated."""
    word = "التخطيط"  # lam(initial) teh(medial) khah(medial) teh(medial) tah(medial) ...
    data = pdf.render_pdf(pdf.Document(title=f"{word} — Planning", lang="ar",
                                       blocks=[pdf.Paragraph(f"Centre: {word}")]))
    assert word in _pdf_text(data)
    glyphs = embedded_glyphs(data)
    assert {"uniFEDF", "uniFE98", "uniFEA8"} <= glyphs  # initial lam, medial teh, medial khah
    assert "uni062A" not in glyphs  # the isolated teh is never drawn


def test_empty_period_says_there_is_no_activity(world_a):
    text = _pdf_text(plan.export_planning_pdf(world_a.manager.actor, world_a.tenant_id, "week", MONTH))
    assert "Aucune activité planifiée sur cette période." in text
    ws = load_workbook(io.BytesIO(
        plan.export_planning_xlsx(world_a.manager.actor, world_a.tenant_id, "week", MONTH, "en"))).active
    values = [c.value for row in ws.iter_rows() for c in row if c.value]
    assert "No activity planned in this period." in values


def test_missing_font_is_a_clear_error(tmp_path):
    with pytest.raises(pdf.FontMissing, match="fonts-dejavu-core"):
        pdf.render_pdf(pdf.Document(title="x"), font_dir=tmp_path)


def test_text_that_looks_like_a_formula_stays_text():
    data = xlsx.render_xlsx([xlsx.Sheet(name="a/b:c", headers=["x"], rows=[["=1+1"], [3]])])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.title == "a b c" and ws["A2"].value == "=1+1" and ws["A2"].data_type == "s"
    assert ws["A3"].value == 3
    out = csvx.render_csv(["titre", "n"], [["=HYPERLINK(\"x\")", -2], ["التخطيط", None]])
    assert out.startswith(b"\xef\xbb\xbf")
    assert out.decode("utf-8-sig").splitlines() == ["titre;n", "\"'=HYPERLINK(\"\"x\"\")\";-2", "التخطيط;"]
