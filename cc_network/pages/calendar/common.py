"""Shared pieces of the calendar pages: local times of the centre, option lists, payload parsing."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import reflex as rx

from integrations.errors import Invalid
from tenants.calendar.services import STATUSES
from tenants.calendar.types import ACTIVITY_TYPES
from tenants.core.actor import Actor
from tenants.core.roles import Role
from tenants.team.services import list_members

TYPES = list(ACTIVITY_TYPES)
# the team members an event can name (the service checks the same list)
PICKABLE_ROLES = {r.value for r in (Role.MANAGER, Role.CAREER_COUNSELOR, Role.BUSINESS_DEVELOPER,
                                    Role.AMBASSADOR, Role.INTERN)}
DETAIL_FIELDS = sorted({f for t in ACTIVITY_TYPES.values() for f in t.fields})
STATUS_COLORS = {"draft": "gray", "proposed": "amber", "validated": "blue", "host_validated": "cyan",
                 "published": "green", "held": "teal", "closed": "gray", "cancelled": "red"}
assert set(STATUS_COLORS) == set(STATUSES)

_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}$")


def local_text(value: datetime | None, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(zone).strftime(fmt) if value is not None else ""


def local_input(value: datetime | None, zone: ZoneInfo) -> str:
    """The value of a datetime-local input."""
    return local_text(value, zone, "%Y-%m-%dT%H:%M")


def parse_local(value: object, zone: ZoneInfo, *, required: bool = True) -> datetime | None:
    """A datetime-local value typed in the centre's wall-clock time, made aware."""
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str) or not _LOCAL.match(value.strip()):
        raise Invalid("bad date and time", code="invalid_datetime")
    try:
        naive = datetime.fromisoformat(value.strip().replace(" ", "T"))
    except ValueError:
        raise Invalid("bad date and time", code="invalid_datetime") from None
    return naive.replace(tzinfo=zone)


def parse_date(value: object, *, required: bool = True) -> date | None:
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str):
        raise Invalid("bad date", code="invalid_date")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid("bad date", code="invalid_date") from None


def parse_time(value: object) -> time:
    if not isinstance(value, str):
        raise Invalid("bad time", code="invalid_time")
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise Invalid("bad time", code="invalid_time") from None


def opt_int(value: object, *, low: int = 0, high: int = 100000) -> int | None:
    """An optional whole number from a form field ('' is none)."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid("bad number", code="invalid_number")
    return value


def lines(value: object, *, max_lines: int = 100) -> list[list[str]]:
    """A textarea of one item per line, parts separated by '|'."""
    if value in (None, ""):
        return []
    if not isinstance(value, str) or len(value) > 20000:
        raise Invalid("bad field", code="invalid")
    out = [[p.strip() for p in ln.split("|")] for ln in value.splitlines() if ln.strip()]
    if len(out) > max_lines:
        raise Invalid("too many lines", code="invalid_line")
    return out


@dataclasses.dataclass
class Option:
    value: str = ""
    label: str = ""


def team_options(actor: Actor, tenant_id: int) -> tuple[list[Option], dict[str, int]]:
    """Active team members an event can name, and their e-mails to ids (logistics owners)."""
    page = list_members(actor, tenant_id, per_page=500, include_inactive=False)
    people = [m for m in page.items if set(m.roles) & PICKABLE_ROLES]
    return ([Option(str(m.membership_id), m.full_name or m.email) for m in people],
            {m.email.lower(): m.membership_id for m in people})


def select_field(label: rx.Var, name: str, options: list[tuple[str, rx.Var | str]] | None = None, *,
                 dynamic: rx.Var | None = None, default: rx.Var | str = "", blank: rx.Var | None = None,
                 on_change=None, width: str = "100%", form: str = "") -> rx.Component:
    """A labelled native <select> (static options, or a Var list of Option)."""
    children = []
    if blank is not None:
        children.append(rx.el.option(blank, value=""))
    children += [rx.el.option(text, value=value) for value, text in (options or [])]
    if dynamic is not None:
        children.append(rx.foreach(dynamic, lambda o: rx.el.option(o.label, value=o.value)))
    props = {"name": name, "id": _id(name, form), "default_value": default,
             "style": {"padding": "0.35em 0.4em", "borderRadius": "6px", "width": width,
                       "border": f"1px solid {rx.color('gray', 7)}", "background": rx.color("gray", 1)}}
    if on_change is not None:
        props["on_change"] = on_change
    return rx.flex(_label(label, name, form), rx.el.select(*children, **props), direction="column", spacing="1",
                   width=width)


def _id(name: str, form: str = "") -> str:
    """The control's id, which its label points at: `form` tells apart two forms of one page
    that both have a field of this name (otherwise both labels would name the first one)."""
    return f"cal-{form}-{name}" if form else f"cal-{name}"


def _label(label: rx.Var, name: str, form: str = "") -> rx.Component:
    # a <label for>, not a wrapping label: a wrapping label's name would include the control's
    # current value (a select's chosen option), and screen readers and Playwright would differ
    return rx.el.label(rx.text(label, size="2", weight="medium", as_="span"), html_for=_id(name, form))


def text_area(label: rx.Var, name: str, *, default: rx.Var | str = "", hint: rx.Var | None = None,
              rows: str = "3", form: str = "") -> rx.Component:
    return rx.flex(_label(label, name, form), rx.text_area(name=name, id=_id(name, form), default_value=default,
                                                           rows=rows, width="100%"),
                   *([rx.text(hint, size="1", color_scheme="gray")] if hint is not None else []),
                   direction="column", spacing="1", width="100%")


def input_field(label: rx.Var, name: str, *, type: str = "text", default: rx.Var | str = "",
                required: bool = False, width: str = "100%", form: str = "", **extra) -> rx.Component:
    return rx.flex(_label(label, name, form),
                   rx.input(name=name, id=_id(name, form), type=type, default_value=default, required=required,
                            width="100%", **extra),
                   direction="column", spacing="1", width=width)
