"""Posters of an activity (A01, issue 7 §5): PDF and PNG from a template, in the centre's zone
and the reader's language, Arabic shaped right to left, for the centre's staff only."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader

from cc_network.api import api_app
from integrations.db import system_session, utcnow
from integrations.errors import Forbidden, Invalid, NotFound
from tenants.calendar import services as cal
from tenants.calendar.models import Event
from tests.api.util import bearer_for, cookie_for, error_code
from workflows.communications import posters

client = TestClient(api_app)
CASA = ZoneInfo("Africa/Casablanca")


def _event(world, **over) -> Event:
    day = (utcnow() + timedelta(days=20)).astimezone(CASA).date()
    data = {"type": "workshop", "title": "Réussir son entretien d'embauche", "theme": "Semaine de l'emploi",
            "description": "Mises en situation et conseils de recruteurs. " * 20,
            "starts_at": datetime.combine(day, time(14, 0), tzinfo=CASA),
            "ends_at": datetime.combine(day, time(16, 30), tzinfo=CASA), "address": "Amphi 3, FST Tanger"}
    data.update(over)
    return cal.do_create_event(world.counselor.actor, world.tenant_id, data)


def _publish(world, event_id: int) -> None:
    for who, action in ((world.counselor, "propose"), (world.manager, "validate"), (world.manager, "publish")):
        cal.do_transition(who.actor, world.tenant_id, event_id, action)


def _pdf_text(body: bytes) -> str:
    assert body.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def test_pdf_poster_says_what_when_and_where(world_a):
    a = world_a
    e = _event(a)
    body, name, mime = posters.render_poster(a.counselor.actor, e.id, "pdf")
    assert mime == "application/pdf" and name == f"affiche-{e.id}-r-ussir-son-entretien-d-embauche.pdf"
    text = " ".join(_pdf_text(body).split())
    page = PdfReader(io.BytesIO(body)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4 portrait
    start = e.starts_at.astimezone(CASA)
    for expected in ("Centre ALPHA", "ATELIER", "Réussir son entretien", "Semaine de l'emploi",
                     start.strftime("%d/%m/%Y"), "14:00 – 16:30", "Amphi 3, FST Tanger", "Mises en situation"):
        assert expected in text, expected
    # the description is cut to fit; no QR code while the activity is not on the portal
    assert text.count("Mises en situation") < 20
    assert "scannez" not in text and not list(page.images)


def test_a_published_activity_gets_a_qr_code_to_its_portal_page(world_a):
    a = world_a
    e = _event(a)
    _publish(a, e.id)
    c = posters.poster_content(a.counselor.actor, e.id)
    assert c.qr_url.endswith(f"/portal/{a.slug}/events/{e.id}")
    body, _name, _mime = posters.render_poster(a.counselor.actor, e.id, "pdf", "minimal", "en")
    text = _pdf_text(body)
    assert "Register: scan the code" in text and "WORKSHOP" in text
    assert len(list(PdfReader(io.BytesIO(body)).pages[0].images)) == 1


@pytest.mark.parametrize("fmt, size", [("png", posters.A4_PX), ("square", (1080, 1080))])
def test_png_posters_have_the_expected_size_and_template(world_a, fmt, size):
    a = world_a
    e = _event(a)
    shots = {}
    for template in posters.TEMPLATES:
        body, name, mime = posters.render_poster(a.manager.actor, e.id, fmt, template)
        img = Image.open(io.BytesIO(body))
        assert (img.format, img.size, mime) == ("PNG", size, "image/png")
        assert name.endswith("-carre.png" if fmt == "square" else ".png")
        shots[template] = img.convert("RGB")
    # the templates differ: the bold one is dark, the others light
    assert shots["bold"].getpixel((size[0] // 2, size[1] - 5)) == posters.TEMPLATES["bold"].background
    assert shots["default"].getpixel((5, 5)) == posters.TEMPLATES["default"].band
    assert shots["minimal"].getpixel((5, 5)) == (255, 255, 255)


def test_arabic_poster_is_shaped_and_right_aligned(world_a):
    a = world_a
    e = _event(a, title="كيف تنجح في مقابلة العمل", theme="", description="تمارين تطبيقية ونصائح من مسؤولي التوظيف.")
    body, _n, _m = posters.render_poster(a.counselor.actor, e.id, "pdf", lang="ar")
    text = _pdf_text(body)
    assert "كيف تنجح في مقابلة العمل" in text and "ورشة" in text
    weekday = posters.t(f"ui.poster.weekday.{e.starts_at.astimezone(CASA).weekday()}", "ar")
    assert weekday in text
    # the PNG: the title's ink is on the right half of the page (right to left), and shaping
    # makes it narrower than the same letters unjoined
    png, _n, _m = posters.render_poster(a.counselor.actor, e.id, "png", lang="ar")
    img = Image.open(io.BytesIO(png)).convert("L")
    w, h = img.size
    row_band = img.crop((0, int(h * 0.14), w, int(h * 0.22)))
    dark = [x for x in range(w) for y in range(0, row_band.size[1], 4) if row_band.getpixel((x, y)) < 100]
    assert dark and min(dark) > w * 0.2 and max(dark) > w * 0.85
    from PIL import ImageFont

    from integrations.pdf import font_paths
    font = ImageFont.truetype(str(font_paths()["B"]), 60, layout_engine=ImageFont.Layout.RAQM)
    word = "مقابلة"
    assert font.getlength(word, direction="rtl") < sum(font.getlength(ch, direction="rtl") for ch in word)


def test_language_defaults_to_the_centres(world_a):
    a = world_a
    e = _event(a)
    assert posters.poster_content(a.counselor.actor, e.id).kind == "Atelier"
    assert posters.poster_content(a.counselor.actor, e.id, "en").kind == "Workshop"
    with pytest.raises(Invalid) as exc:
        posters.poster_content(a.counselor.actor, e.id, "de")
    assert exc.value.code == "invalid_language"


def test_bad_requests_are_refused(worlds):
    a, b = worlds
    e = _event(a)
    with pytest.raises(Invalid) as exc:
        posters.render_poster(a.counselor.actor, e.id, "pdf", "comic")
    assert exc.value.code == "unknown_template"
    with pytest.raises(Invalid) as exc:
        posters.render_poster(a.counselor.actor, e.id, "gif")
    assert exc.value.code == "invalid_poster_format"
    with pytest.raises(NotFound):  # another centre's activity, seen from there
        posters.render_poster(b.manager.actor, e.id, "pdf")
    with pytest.raises(NotFound):
        posters.render_poster(a.manager.actor, 2**31 - 2, "pdf")
    with pytest.raises(Forbidden):  # students do not see the staff calendar
        posters.render_poster(a.student.actor, e.id, "pdf")
    cal.do_transition(a.manager.actor, a.tenant_id, e.id, "cancel", reason="Intervenant absent")
    with pytest.raises(Invalid) as exc:
        posters.render_poster(a.manager.actor, e.id, "pdf")
    assert exc.value.code == "event_cancelled"


def test_poster_over_rest(worlds):
    a, b = worlds
    e = _event(a)
    url = f"/api/v1/tenants/{a.slug}/events/{e.id}/poster"
    r = client.get(url, headers=bearer_for(a.counselor), params={"format": "png", "template": "bold"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    assert r.headers["content-disposition"].startswith(f'attachment; filename="affiche-{e.id}-')
    assert Image.open(io.BytesIO(r.content)).size == posters.A4_PX
    r = client.get(url, headers=cookie_for(a.manager), params={"lang": "ar"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "ورشة" in _pdf_text(r.content)
    r = client.get(url, headers=bearer_for(a.manager), params={"template": "comic"})
    assert (r.status_code, error_code(r)) == (422, "unknown_template")
    assert client.get(url, headers=bearer_for(a.manager), params={"format": "gif"}).status_code == 422
    # another centre: its path and its ids answer not found
    r = client.get(url, headers=bearer_for(b.manager))
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = client.get(f"/api/v1/tenants/{b.slug}/events/{e.id}/poster", headers=bearer_for(b.manager))
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert client.get(url, headers=bearer_for(a.student)).status_code == 403
    with system_session("test: the event is still there") as s:
        assert s.get(Event, e.id).status == "draft"


def test_the_event_sheet_offers_the_posters():
    """The template select keeps only known names; the buttons point at the REST route."""
    import reflex as rx

    from cc_network.pages.calendar.poster import PosterState, poster_links

    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(PosterState.get_full_name().split(".")[1:])
    PosterState.choose_poster_template.fn(state, "bold")
    assert state.poster_template == "bold"
    for bad in ("comic", "", None, {"x": 1}, "default; rm"):
        PosterState.choose_poster_template.fn(state, bad)
        assert state.poster_template == "bold"
    paths = set(client.get("/api/v1/openapi.json").json()["paths"])
    assert "/api/v1/tenants/{tenant}/events/{event_id}/poster" in paths
    html = str(poster_links(rx.Var.create(7)).render())
    assert '"/poster?template="' in html and "poster_state.poster_template" in html
    for fmt in ("pdf", "png", "square"):
        assert f'"&format=")+"{fmt}")' in html
