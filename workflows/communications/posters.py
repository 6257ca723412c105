"""Posters of an activity (A01 "Les ateliers du Career Center", P08.3) as PDF or PNG.

One layout, drawn by two painters: fpdf2 for the A4 PDF (shaped by HarfBuzz, as
integrations.pdf does) and Pillow for the PNG (its Raqm layout engine shapes Arabic and
orders it right to left). The layout is computed in millimetres on the page and scaled to
pixels for the images, so the PNG is the PDF's twin. "square" is a 1080x1080 PNG for
social networks.

A poster shows the centre, the activity's type and title, its date and time in the centre's
zone, its place, a short description, and, when the activity is on the portal, a QR code
to its public page with the registration instruction (A01).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from integrations.db import tenant_session
from integrations.errors import Invalid, NotFound
from integrations.i18n import LANGS, RTL_LANGS, t
from integrations.pdf import FONT_FAMILY, font_paths, has_rtl
from integrations.qr import qr_png
from integrations.settings import get_settings
from tenants.calendar.models import Event, Room
from tenants.calendar.services import CANCELLED, CLOSED, HELD, PUBLISHED, tenant_zone
from tenants.calendar.types import ACTIVITY_TYPES
from tenants.core.actor import Actor, require
from tenants.core.models import Tenant
from tenants.core.roles import Perm

FORMATS = ("pdf", "png", "square")
MIME = {"pdf": "application/pdf", "png": "image/png", "square": "image/png"}
A4_MM = (210.0, 297.0)
A4_PX = (1240, 1754)  # A4 at 150 dpi: sharp on a screen, light enough to send
SQUARE_PX = 1080
PT_MM = 0.3528  # one typographic point in millimetres
DESCRIPTION_CHARS = 420

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Style:
    background: RGB
    band: RGB | None  # the header band; None: no band, a rule under the centre's name
    band_text: RGB
    title: RGB
    text: RGB
    accent: RGB
    muted: RGB


TEMPLATES: dict[str, Style] = {
    "default": Style((255, 255, 255), (30, 64, 175), (255, 255, 255), (17, 24, 39), (31, 41, 55), (30, 64, 175),
                     (107, 114, 128)),
    "bold": Style((17, 24, 39), (247, 107, 21), (255, 255, 255), (255, 255, 255), (229, 231, 235), (247, 107, 21),
                  (156, 163, 175)),
    "minimal": Style((255, 255, 255), None, (17, 17, 17), (17, 17, 17), (55, 55, 55), (17, 17, 17),
                     (120, 120, 120)),
}


@dataclass(frozen=True)
class PosterContent:
    lang: str
    centre: str
    kind: str
    title: str
    theme: str
    when: str  # the day
    hours: str
    place: str
    description: str
    registration: str  # "registrations until …", or empty
    qr_url: str  # the public page, or empty
    qr_caption: str


# ---------------------------------------------------------------- the content

def _clip(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def _day(d: datetime, lang: str) -> str:
    return t(f"ui.poster.weekday.{d.weekday()}", lang) + " " + d.strftime("%d/%m/%Y")


def _content(s, e: Event, tenant: Tenant, zone: ZoneInfo, lang: str) -> PosterContent:  # noqa: ANN001
    start, end = e.starts_at.astimezone(zone), e.ends_at.astimezone(zone)
    when = _day(start, lang) if start.date() == end.date() else f"{_day(start, lang)} – {_day(end, lang)}"
    hours = f"{start:%H:%M} – {end:%H:%M}"
    place = ""
    if e.room_id is not None:
        room = s.get(Room, e.room_id)
        if room is not None:
            place = " — ".join(x for x in (room.name, room.location) if x)
    place = place or e.address or (t("ui.poster.online", lang) if e.online_url else "")
    kind = t(f"ui.calendar.type.{e.type}", lang)
    public = e.status in (PUBLISHED, HELD, CLOSED) and getattr(ACTIVITY_TYPES.get(e.type), "public", False)
    qr_url = f"{get_settings().base_url}/portal/{tenant.slug}/events/{e.id}" if public else ""
    registration = ""
    if e.registration_closes_at is not None:
        registration = t("ui.poster.registration_until", lang,
                         day=e.registration_closes_at.astimezone(zone).strftime("%d/%m/%Y %H:%M"))
    return PosterContent(lang=lang, centre=tenant.name, kind=kind, title=e.title, theme=e.theme,
                         when=when, hours=hours, place=place, description=_clip(e.description, DESCRIPTION_CHARS),
                         registration=registration, qr_url=qr_url,
                         qr_caption=t("ui.poster.scan", lang) if qr_url else "")


def poster_content(actor: Actor, event_id: int, lang: str | None = None, *,
                   tenant_id: int | None = None) -> PosterContent:
    """What the poster says, in `lang` (default: the centre's language). Staff who may see
    the calendar; an event of another centre, or none, is not found."""
    tid = tenant_id if tenant_id is not None else actor.tenant_id
    if tid is None:
        raise NotFound("event not found")
    require(actor, Perm.CALENDAR_VIEW, tenant_id=tid)
    if lang is not None and lang not in LANGS:
        raise Invalid("poster language: fr, en or ar", code="invalid_language")
    with tenant_session(tid) as s:
        e = s.get(Event, event_id) if isinstance(event_id, int) and not isinstance(event_id, bool) else None
        if e is None or e.tenant_id != tid:
            raise NotFound("event not found")
        if e.status == CANCELLED:
            raise Invalid("a cancelled activity gets no poster", code="event_cancelled")
        tenant = s.get(Tenant, tid)
        chosen = lang or (tenant.locale if tenant.locale in LANGS else "fr")
        return _content(s, e, tenant, tenant_zone(s, tid), chosen)


# ---------------------------------------------------------------- the layout

class Painter:
    """What the layout needs of a page: measures and strokes in millimetres."""

    def measure(self, text: str, size: float, bold: bool) -> float:
        raise NotImplementedError

    def rect(self, x: float, y: float, w: float, h: float, color: RGB) -> None:
        raise NotImplementedError

    def line(self, x: float, y: float, w: float, text: str, size: float, bold: bool, color: RGB,
             align: str) -> None:
        raise NotImplementedError

    def image(self, png: bytes, x: float, y: float, size: float) -> None:
        raise NotImplementedError


def wrap(text: str, width: float, measure: Callable[[str], float], max_lines: int) -> list[str]:
    """Words into lines no wider than `width` (logical order: the painter lays each line out
    right to left when it holds Arabic); the last kept line ends with "…" if text is left."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and measure(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and measure(last + " …") > width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines[-1] = last + " …"
    return lines


def layout(p: Painter, c: PosterContent, style: Style, w: float, h: float) -> None:
    """The poster on a w x h mm page. Sizes follow the page's width, so the square variant
    is the same design, tighter."""
    rtl = c.lang in RTL_LANGS
    k = w / 210.0
    margin = 14 * k
    inner = w - 2 * margin
    align = "R" if rtl else "L"
    p.rect(0, 0, w, h, style.background)

    # the header: the centre's name on a band (or above a rule)
    band_h = 26 * k
    if style.band is not None:
        p.rect(0, 0, w, band_h, style.band)
    y = 9 * k
    for text in wrap(c.centre, inner, lambda s: p.measure(s, 16 * k, True), 1):
        p.line(margin, y, inner, text, 16 * k, True, style.band_text, align)
    if style.band is None:
        p.rect(margin, band_h - 3 * k, inner, 0.8 * k, style.accent)
    y = band_h + 12 * k

    # the type, the title and the theme
    p.line(margin, y, inner, c.kind.upper() if not rtl else c.kind, 13 * k, True, style.accent, align)
    y += 10 * k
    square = h < w * 1.2
    title_size = (26 if square else 32) * k
    for text in wrap(c.title, inner, lambda s: p.measure(s, title_size, True), 3):
        p.line(margin, y, inner, text, title_size, True, style.title, align)
        y += title_size * PT_MM * 1.25
    if c.theme:
        y += 2 * k
        for text in wrap(c.theme, inner, lambda s: p.measure(s, 14 * k, False), 2):
            p.line(margin, y, inner, text, 14 * k, False, style.muted, align)
            y += 14 * k * PT_MM * 1.35
    y += 6 * k
    p.rect(margin if not rtl else w - margin - 30 * k, y, 30 * k, 1.6 * k, style.accent)
    y += 9 * k

    # when and where
    for text, size, bold in ((c.when, 17, True), (c.hours, 17, False), (c.place, 14, False)):
        if not text:
            continue
        for line in wrap(text, inner, lambda s, sz=size, b=bold: p.measure(s, sz * k, b), 2):
            p.line(margin, y, inner, line, size * k, bold, style.text, align)
            y += size * k * PT_MM * 1.45
    y += 5 * k

    # the QR code sits at the bottom; the description fills what is left above it
    qr = (38 if square else 46) * k if c.qr_url else 0
    footer_h = qr + 16 * k if c.qr_url else (16 * k if c.registration else 8 * k)
    bottom = h - margin - footer_h
    size = (11 if square else 12) * k
    step = size * PT_MM * 1.5
    room = int((bottom - y) // step)
    if c.description and room > 0:
        for line in wrap(c.description, inner, lambda s: p.measure(s, size, False), room):
            p.line(margin, y, inner, line, size, False, style.text, align)
            y += step

    y = h - margin - footer_h + 6 * k
    if c.qr_url:
        qx = margin if rtl else w - margin - qr
        p.rect(qx - 2 * k, y - 2 * k, qr + 4 * k, qr + 4 * k, (255, 255, 255))
        p.image(qr_png(c.qr_url, scale=8), qx, y, qr)
        text_w = inner - qr - 8 * k
        tx = margin + qr + 8 * k if rtl else margin
        ty = y + qr / 2 - 8 * k
        for line in wrap(c.qr_caption, text_w, lambda s: p.measure(s, 13 * k, True), 2):
            p.line(tx, ty, text_w, line, 13 * k, True, style.accent, align)
            ty += 13 * k * PT_MM * 1.4
        if c.registration:
            p.line(tx, ty + 2 * k, text_w, c.registration, 11 * k, False, style.muted, align)
    elif c.registration:
        p.line(margin, y, inner, c.registration, 12 * k, True, style.accent, align)


# ---------------------------------------------------------------- the painters

class _PdfPainter(Painter):
    def __init__(self, pdf: FPDF):
        self.pdf = pdf
        self._shaping: bool | None = None

    def _font(self, text: str, size: float, bold: bool) -> None:
        want = has_rtl(text)
        if want != self._shaping:
            self.pdf.set_text_shaping(use_shaping_engine=want)
            self._shaping = want
        self.pdf.set_font(FONT_FAMILY, "B" if bold else "", size)

    def measure(self, text: str, size: float, bold: bool) -> float:
        self._font(text, size, bold)
        return self.pdf.get_string_width(text)

    def rect(self, x: float, y: float, w: float, h: float, color: RGB) -> None:
        self.pdf.set_fill_color(*color)
        self.pdf.rect(x, y, w, h, style="F")

    def line(self, x: float, y: float, w: float, text: str, size: float, bold: bool, color: RGB,
             align: str) -> None:
        self._font(text, size, bold)
        self.pdf.set_text_color(*color)
        self.pdf.set_xy(x, y)
        self.pdf.cell(w, size * PT_MM * 1.2, text, align=align)

    def image(self, png: bytes, x: float, y: float, size: float) -> None:
        self.pdf.image(io.BytesIO(png), x=x, y=y, w=size, h=size)


class _PngPainter(Painter):
    def __init__(self, img: Image.Image, scale: float, fonts: dict[str, str]):
        self.draw = ImageDraw.Draw(img)
        self.img = img
        self.scale = scale  # pixels per millimetre
        self.fonts = fonts
        self._cache: dict[tuple[float, bool], ImageFont.FreeTypeFont] = {}

    def _font(self, size: float, bold: bool) -> ImageFont.FreeTypeFont:
        px = max(6, round(size * PT_MM * self.scale))
        key = (px, bold)
        if key not in self._cache:
            self._cache[key] = ImageFont.truetype(self.fonts["B" if bold else ""], px,
                                                  layout_engine=ImageFont.Layout.RAQM)
        return self._cache[key]

    @staticmethod
    def _direction(text: str) -> str:
        return "rtl" if has_rtl(text) else "ltr"

    def measure(self, text: str, size: float, bold: bool) -> float:
        return self._font(size, bold).getlength(text, direction=self._direction(text)) / self.scale

    def rect(self, x: float, y: float, w: float, h: float, color: RGB) -> None:
        s = self.scale
        self.draw.rectangle((round(x * s), round(y * s), round((x + w) * s) - 1, round((y + h) * s) - 1), fill=color)

    def line(self, x: float, y: float, w: float, text: str, size: float, bold: bool, color: RGB,
             align: str) -> None:
        font = self._font(size, bold)
        width = self.measure(text, size, bold)
        left = x + w - width if align == "R" else x
        self.draw.text((round(left * self.scale), round(y * self.scale)), text, font=font, fill=color,
                       direction=self._direction(text))

    def image(self, png: bytes, x: float, y: float, size: float) -> None:
        px = round(size * self.scale)
        qr = Image.open(io.BytesIO(png)).convert("RGB").resize((px, px), Image.NEAREST)
        self.img.paste(qr, (round(x * self.scale), round(y * self.scale)))


def render_pdf_poster(c: PosterContent, style: Style) -> bytes:
    fonts = font_paths()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    for st, path in fonts.items():
        pdf.add_font(FONT_FAMILY, st, str(path))
    pdf.set_title(c.title)
    pdf.set_lang(c.lang)
    pdf.set_creator("CC Network")
    pdf.add_page()
    layout(_PdfPainter(pdf), c, style, *A4_MM)
    return bytes(pdf.output())


def render_png_poster(c: PosterContent, style: Style, *, square: bool = False) -> bytes:
    fonts = {k: str(v) for k, v in font_paths().items()}
    size = (SQUARE_PX, SQUARE_PX) if square else A4_PX
    mm = (210.0, 210.0) if square else A4_MM
    img = Image.new("RGB", size, style.background)
    layout(_PngPainter(img, size[0] / mm[0], fonts), c, style, *mm)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "-" for ch in text)
    return "-".join(x for x in out.split("-") if x)[:60]


def render_poster(actor: Actor, event_id: int, fmt: str, template: str = "default", lang: str | None = None, *,
                  tenant_id: int | None = None) -> tuple[bytes, str, str]:
    """The poster of an event: (bytes, file name, MIME type). `fmt` pdf (A4), png (A4 at
    150 dpi) or square (1080x1080 PNG); `template` one of TEMPLATES."""
    if fmt not in FORMATS:
        raise Invalid("poster format: pdf, png or square", code="invalid_poster_format")
    style = TEMPLATES.get(template) if isinstance(template, str) else None
    if style is None:
        raise Invalid(f"poster template: {', '.join(TEMPLATES)}", code="unknown_template")
    c = poster_content(actor, event_id, lang, tenant_id=tenant_id)
    body = render_pdf_poster(c, style) if fmt == "pdf" else render_png_poster(c, style, square=fmt == "square")
    name = f"affiche-{event_id}" + (f"-{_slug(c.title)}" if _slug(c.title) else "")
    name += "-carre.png" if fmt == "square" else f".{fmt}"
    return body, name, MIME[fmt]
