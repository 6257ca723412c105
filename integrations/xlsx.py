"""XLSX workbooks (plannings, reports, exports) with openpyxl.

A sheet is data (`Sheet`) rendered by `render_xlsx`. Arabic sheets are shown right to left
(the sheet view's rightToLeft flag: column A on the right, as Excel does for Arabic). Text
is always stored as text, never as a formula: a title typed as "=HYPERLINK(...)" stays
inert (CSV/formula injection).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

RTL_LANGS = frozenset({"ar"})
_INVALID_TITLE_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})
_HEADER_FILL = PatternFill("solid", fgColor="E6EAF0")
_FORMATS = {datetime: "dd/mm/yyyy hh:mm", date: "dd/mm/yyyy", time: "hh:mm"}


@dataclass
class Sheet:
    name: str
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    title: str = ""  # a heading above the table
    subtitle: Sequence[str] = ()
    widths: Sequence[float] = ()  # column widths in characters
    rtl: bool = False
    empty_text: str = ""  # written under the headers when there is no row
    number_formats: dict[int, str] = field(default_factory=dict)  # column index -> format


def sheet_name(name: str) -> str:
    """Excel refuses []:*?/\\ in sheet names and more than 31 characters."""
    cleaned = " ".join(name.translate(_INVALID_TITLE_CHARS).split())[:31]
    return cleaned or "Sheet"


def _put(ws, row: int, col: int, value: object):  # noqa: ANN001, ANN202
    cell = ws.cell(row=row, column=col)
    if isinstance(value, datetime) and value.tzinfo is not None:
        raise ValueError("Excel has no time zones: pass local wall-clock datetimes")
    if isinstance(value, str):
        cell.value = value
        cell.data_type = TYPE_STRING  # openpyxl would read a leading "=" as a formula
    else:
        cell.value = value
        fmt = _FORMATS.get(type(value))
        if fmt:
            cell.number_format = fmt
    return cell


def render_xlsx(sheets: Sequence[Sheet]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for spec in sheets:
        name, n = sheet_name(spec.name), 2
        while name.lower() in used:  # names are unique, case-insensitively
            suffix = f" ({n})"
            name, n = sheet_name(spec.name)[:31 - len(suffix)] + suffix, n + 1
        used.add(name.lower())
        ws = wb.create_sheet(name)
        ws.sheet_view.rightToLeft = spec.rtl
        align = Alignment(horizontal="right" if spec.rtl else "left", vertical="top", wrap_text=True)
        r = 1
        if spec.title:
            _put(ws, r, 1, spec.title).font = Font(bold=True, size=14)
            r += 1
        for line in spec.subtitle:
            _put(ws, r, 1, line).font = Font(italic=True, color="555555")
            r += 1
        if r > 1:
            r += 1
        header_row = r
        for c, text in enumerate(spec.headers, start=1):
            cell = _put(ws, r, c, text)
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = align
        for values in spec.rows:
            r += 1
            for c, value in enumerate(values, start=1):
                cell = _put(ws, r, c, value)
                if c - 1 in spec.number_formats:
                    cell.number_format = spec.number_formats[c - 1]
        if not spec.rows and spec.empty_text:
            _put(ws, r + 1, 1, spec.empty_text).font = Font(italic=True)
        for c, width in enumerate(spec.widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = width
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        if spec.rows:
            ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(spec.headers))}{r}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
