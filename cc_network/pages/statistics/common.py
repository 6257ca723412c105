"""What the statistics pages share: the period form's parsing, translatable cells."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from integrations.db import utcnow
from integrations.errors import Invalid
from workflows.reporting.statistics import KINDS

WEEKDAYS = tuple(range(7))
GENDERS = ("female", "male")


@dataclasses.dataclass
class Cell:
    """A value shown in a table: `tkey` a translation key (activity kinds, genders, "not
    said"), else `text` as it is (a name, a day)."""

    tkey: str = ""
    text: str = ""


def cell(group: str, key: str, label: str) -> Cell:
    if group in ("counselor", "establishment", "field"):
        return Cell("", label) if label else Cell("ui.stats.unknown", "")
    if group == "kind":
        return Cell(f"ui.stats.kind.{key}", "") if key in KINDS else Cell("", key)
    if group == "gender":
        return Cell(f"ui.stats.gender.{key}", "") if key in GENDERS else Cell("ui.stats.unknown", "")
    if group == "level":
        return Cell("", key) if key else Cell("ui.stats.unknown", "")
    return Cell("", key)


def parse_day(value: object) -> date:
    if not isinstance(value, str) or len(value) > 10:
        raise Invalid("give a date", code="invalid_period")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("give a date", code="invalid_period") from None


def this_month(today: date | None = None) -> tuple[date, date]:
    today = today or utcnow().date()
    first = today.replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last
