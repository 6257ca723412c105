"""What a PDF draws, beyond its text layer: the glyphs of its embedded font subsets. Shaped
Arabic is drawn with joining forms (uniFEDF, …); unshaped, with the isolated letters only,
while the text layer reads the same either way."""

from __future__ import annotations

import io

from fontTools.ttLib import TTFont
from pypdf import PdfReader


def embedded_glyphs(data: bytes) -> set[str]:
    """Glyph names of every font subset embedded in the PDF."""
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            desc = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            names |= set(TTFont(io.BytesIO(desc["/FontFile2"].get_object().get_data())).getGlyphOrder())
    return names
