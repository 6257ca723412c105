"""Payload checks for event handlers: any client may call them with anything."""

from __future__ import annotations

from integrations.errors import Invalid


def form_str(form: object, name: str, *, max_len: int = 500) -> str:
    if not isinstance(form, dict):
        raise Invalid("bad form", code="invalid")
    value = form.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > max_len:
        raise Invalid(f"bad field {name}", code="invalid")
    return value


def form_flags(form: object, prefix: str, allowed: list[str] | tuple[str, ...]) -> list[str]:
    """The ticked checkboxes named `<prefix><value>`, in the order of `allowed`."""
    if not isinstance(form, dict):
        raise Invalid("bad form", code="invalid")
    return [v for v in allowed if form.get(prefix + v) not in (None, "", False)]


# ids are 32-bit integers in the database: a larger number is no id (PostgreSQL would refuse it)
MAX_ID = 2**31 - 1


def as_id(value: object) -> int:
    """A positive integer id from a payload (an int, or its decimal string)."""
    if isinstance(value, bool):
        raise Invalid("bad id", code="invalid")
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 12:
        value = int(value.strip())
    if not isinstance(value, int) or value <= 0 or value > MAX_ID:
        raise Invalid("bad id", code="invalid")
    return value


def id_or_zero(text: str | None) -> int:
    """An id from a part of the page's address: 0, which matches nothing, unless it is one."""
    try:
        return as_id(text or "")
    except Invalid:
        return 0


def as_page(value: object) -> int:
    try:
        page = as_id(value)
    except Invalid:
        return 1
    return min(page, 100_000)
