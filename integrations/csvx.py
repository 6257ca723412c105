"""CSV exports that Excel and LibreOffice open right, in French, English and Arabic.

UTF-8 with a byte-order mark (Excel otherwise reads Arabic and accents as Latin-1), `;` as
the default separator (French-locale Excel splits on it), and cells that a spreadsheet
would run as a formula (=, +, -, @, tab, CR first) prefixed with an apostrophe (OWASP's
advice against CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def render_csv(headers: Sequence[str], rows: Iterable[Sequence[object]], *, delimiter: str = ";") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([cell_text(h) for h in headers])
    for row in rows:
        writer.writerow([cell_text(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")
