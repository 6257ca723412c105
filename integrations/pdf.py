"""PDF documents (plannings, reports, sheets) in French, English and Arabic, with fpdf2.

A document is data (`Document` with `Heading`, `Paragraph`, `Table` blocks) rendered by
`render_pdf`. Arabic is laid out right to left: text right-aligned, table columns from the
right edge, and shaped by HarfBuzz (fpdf2's `set_text_shaping`, package `uharfbuzz`) so
letters join. Shaping costs ~5x per string, so it is switched on only for strings that hold
right-to-left script (an Arabic name in a French document is shaped too).

The font is Debian's DejaVu Sans (package `fonts-dejavu-core`): it has Latin and Arabic
glyphs. The core PDF fonts cover neither Arabic nor all of French.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FAMILY = "dejavu"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
RTL_LANGS = frozenset({"ar"})
# Hebrew, Arabic, Syriac, Thaana, NKo, Arabic supplements and presentation forms
_RTL_CHARS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


class FontMissing(RuntimeError):
    """The machine lacks the TTF font documents need (a deployment fault, not a user's)."""


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    align: str = ""  # "C" to centre; empty: the document's direction (R in Arabic, else L)
    size: float = 10


@dataclass(frozen=True)
class Image:
    """A raster image (PNG bytes), centred, `width` mm wide (e.g. a certificate's QR code)."""

    data: bytes
    width: float = 40


@dataclass(frozen=True)
class Column:
    title: str
    width: float = 1.0  # relative share of the table width


@dataclass(frozen=True)
class Table:
    columns: Sequence[Column]
    rows: Sequence[Sequence[str]]
    empty_text: str = ""  # printed instead of the table when there is no row


@dataclass
class Document:
    title: str
    lang: str = "fr"
    subtitle: Sequence[str] = ()
    blocks: list[Heading | Paragraph | Table | Image] = field(default_factory=list)
    landscape: bool = False
    # "{page}" and "{pages}" are filled in; empty for no footer
    footer: str = ""
    author: str = ""

    @property
    def rtl(self) -> bool:
        return self.lang in RTL_LANGS


def has_rtl(text: str) -> bool:
    return bool(_RTL_CHARS.search(text))


def font_paths(font_dir: Path | None = None) -> dict[str, Path]:
    base = font_dir or FONT_DIR
    paths = {style: base / name for style, name in _FONT_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise FontMissing(f"PDF font file(s) missing: {', '.join(missing)}. Install the Debian package "
                          f"fonts-dejavu-core (apt-get install fonts-dejavu-core).")
    return paths


_PAGE_MARK = "{__page__}"
_PAGES_MARK = "{nb}"  # fpdf2's alias, replaced by the page count when the file is written


class _Pdf(FPDF):
    def __init__(self, doc: Document, **kw):
        super().__init__(**kw)
        self.doc = doc
        self._shaping: bool | None = None

    def shape_for(self, text: str) -> None:
        """Shape only strings that need it (HarfBuzz is slow); toggled per string."""
        want = has_rtl(text)
        if want != self._shaping:
            self.set_text_shaping(use_shaping_engine=want)
            self._shaping = want

    def footer(self) -> None:
        if not self.doc.footer:
            return
        self.set_y(-12)
        self.set_font(FONT_FAMILY, "", 7)
        self.set_text_color(90)
        text = self.doc.footer.replace("{page}", str(self.page_no())).replace("{pages}", _PAGES_MARK)
        self.shape_for(text)
        self.cell(0, 5, text, align="C")
        self.set_text_color(0)


def render_pdf(doc: Document, *, font_dir: Path | None = None) -> bytes:
    """The document as PDF bytes (A4)."""
    fonts = font_paths(font_dir)
    pdf = _Pdf(doc, orientation="L" if doc.landscape else "P", unit="mm", format="A4")
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=16)
    pdf.alias_nb_pages(_PAGES_MARK)
    for style, path in fonts.items():
        pdf.add_font(FONT_FAMILY, style, str(path))
    pdf.set_title(doc.title)
    pdf.set_lang(doc.lang)
    if doc.author:
        pdf.set_author(doc.author)
    pdf.set_creator("CC Network")
    pdf.add_page()
    align = "R" if doc.rtl else "L"

    _line(pdf, doc.title, size=15, style="B", align=align, height=8)
    for text in doc.subtitle:
        _line(pdf, text, size=9, align=align, height=5, grey=True)
    pdf.ln(3)
    for block in doc.blocks:
        if isinstance(block, Heading):
            pdf.ln(2)
            _line(pdf, block.text, size=12, style="B", align=align, height=7)
        elif isinstance(block, Paragraph):
            pdf.set_font(FONT_FAMILY, "", block.size)
            pdf.shape_for(block.text)
            pdf.multi_cell(0, block.size / 2, block.text, align=block.align or align,
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        elif isinstance(block, Image):
            pdf.ln(2)
            pdf.image(io.BytesIO(block.data), x=(pdf.w - block.width) / 2, w=block.width)
        elif isinstance(block, Table):
            _table(pdf, block, rtl=doc.rtl)
    return bytes(pdf.output())


def _line(pdf: _Pdf, text: str, *, size: float, align: str, height: float, style: str = "",
          grey: bool = False) -> None:
    pdf.set_font(FONT_FAMILY, style, size)
    if grey:
        pdf.set_text_color(90)
    pdf.shape_for(text)
    pdf.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)


_CELL_PAD = 1.2  # mm, left and right inside a cell
_LINE_H = 4.2  # mm, one line of 8 pt text


def _table(pdf: _Pdf, table: Table, *, rtl: bool) -> None:
    if not table.rows:
        if table.empty_text:
            pdf.ln(2)
            _line(pdf, table.empty_text, size=10, align="R" if rtl else "L", height=6)
        return
    total = sum(c.width for c in table.columns)
    widths = [pdf.epw * c.width / total for c in table.columns]
    # columns run from the right edge in a right-to-left document
    lefts, x = [], (pdf.l_margin + pdf.epw if rtl else pdf.l_margin)
    for w in widths:
        if rtl:
            x -= w
            lefts.append(x)
        else:
            lefts.append(x)
            x += w
    align = "R" if rtl else "L"
    headers = [c.title for c in table.columns]

    def row(values: Sequence[str], *, header: bool) -> None:
        pdf.set_font(FONT_FAMILY, "B" if header else "", 8)
        cells = []
        for value, w in zip(values, widths, strict=True):
            text = " ".join(str(value).split())  # one paragraph per cell; no stray newlines
            pdf.shape_for(text)
            inner = w - 2 * _CELL_PAD
            # most cells fit on one line: measuring is much cheaper than a dry-run wrap
            if pdf.get_string_width(text) <= inner:
                cells.append([text])
            else:
                cells.append(pdf.multi_cell(inner, _LINE_H, text, dry_run=True, output="LINES") or [""])
        height = max(len(lines) for lines in cells) * _LINE_H + 1.2
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            if not header:
                row(headers, header=True)
                pdf.set_font(FONT_FAMILY, "", 8)
        y = pdf.get_y()
        for lines, left, w in zip(cells, lefts, widths, strict=True):
            if header:
                pdf.set_fill_color(230, 234, 240)
                pdf.rect(left, y, w, height, style="DF")
            else:
                pdf.rect(left, y, w, height)
            for n, text in enumerate(lines):
                pdf.shape_for(text)
                pdf.set_xy(left + _CELL_PAD, y + 0.6 + n * _LINE_H)
                pdf.cell(w - 2 * _CELL_PAD, _LINE_H, text, align=align)
        pdf.set_xy(pdf.l_margin, y + height)

    row(headers, header=True)
    for values in table.rows:
        row(values, header=False)
