"""Payload validation with pydantic, mapped to our Invalid error (stable code + field list), and
the one cleaning of free text inputs (lines, multiline texts, texts per language)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from integrations.errors import Invalid
from integrations.i18n import DEFAULT_LANG, LANGS

M = TypeVar("M", bound=BaseModel)


def describe(errors: list[dict[str, Any]], *, skip: tuple[str, ...] = ()) -> tuple[str, list[dict[str, str]]]:
    """The stable code and the field list of pydantic errors. A validator may name a stable
    code: raise ValueError("<code>:<message>"). `skip`: location parts to leave out ("body")."""
    fields = []
    code = "invalid"
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in skip)
        msg = err.get("msg", "")
        inner = (err.get("ctx") or {}).get("error")
        if isinstance(inner, ValueError) and ":" in str(inner):
            code, msg = str(inner).split(":", 1)
            msg = msg.strip()
        fields.append({"field": loc, "message": msg})
    return code, fields


def parse(model: type[M], data: Any) -> M:
    """Validate untrusted input (a form, a REST body, a Reflex payload)."""
    if isinstance(data, model):
        data = data.model_dump()
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        code, fields = describe(exc.errors())
        summary = "; ".join(f"{f['field']}: {f['message']}" if f["field"] else f["message"] for f in fields)
        raise Invalid(summary, code=code, fields=fields) from None


def _said(what: str, message: str) -> str:
    return f"{what}: {message}" if what else message


def clean_text(value: Any, max_len: int, *, multiline: bool = False, code: str | None = None,
               required: bool = False, required_code: str | None = None, too_long_code: str | None = None,
               invalid_code: str | None = None, what: str = "", coerce: bool = False,
               controls: bool = True, keep: str = "\n\t") -> str:
    """One text input, cleaned. A line (the default) has its runs of white space collapsed to one
    space; a multiline text is only stripped and keeps the control characters in `keep`.
    None is "". Anything else that is not a string is refused, or taken as its str() with
    coerce=True. Control characters are refused (PostgreSQL refuses NUL); controls=False skips
    that check, for the callers that never made it.
    Refusal codes: each its own (invalid_code: not text or a control character, default
    text_invalid; too_long_code, with max=, default text_too_long; required_code, which also
    makes the text required), else `code` for all. `what` names the field: in the message and
    as field=."""
    field = {"field": what} if what else {}
    if value is None:
        value = ""
    elif not isinstance(value, str):
        if not coerce:
            raise Invalid(_said(what, "text expected"), code=invalid_code or code or "text_invalid", **field)
        value = str(value)
    v = value.strip() if multiline else " ".join(value.split())
    if controls and any(not (ch.isprintable() or (multiline and ch in keep)) for ch in v):
        raise Invalid(_said(what, "control characters are not allowed"),
                      code=invalid_code or code or "text_invalid", **field)
    if len(v) > max_len:
        raise Invalid(_said(what, f"at most {max_len} characters"),
                      code=too_long_code or code or "text_too_long", max=max_len, **field)
    if not v and (required or required_code):
        raise Invalid(_said(what, "this field is required"), code=required_code or code or "invalid", **field)
    return v


def clean_field(value: Any, max_len: int, **options: Any) -> str:
    """clean_text inside a pydantic validator: a refusal is the ValueError("<code>:<message>")
    that describe() turns back into the code, with the field's place."""
    try:
        return clean_text(value, max_len, **options)
    except Invalid as exc:
        raise ValueError(f"{exc.code}:{exc}") from None


@contextmanager
def as_invalid() -> Iterator[None]:
    """A text helper's refusal (the ValueError("<code>:<message>") of clean_field and the like)
    raised as the service's Invalid."""
    try:
        yield
    except ValueError as exc:
        code, _, msg = str(exc).partition(":")
        raise Invalid(msg, code=code) from None


def clean_per_lang(value: Any, max_len: int, *, code: str, unknown_code: str | None = None,
                   required_code: str | None = None, what: str = "", langs: tuple[str, ...] = LANGS,
                   check: Callable[[str, str], None] | None = None, **text_options: Any) -> dict[str, str]:
    """{lang: text}, each text cleaned by clean_text (`code` for its refusals unless text_options
    name their own); empty texts are left out, the others come in the order of `langs`. None is
    no text. `code`: a value that is not such a dict, or names another language (unless
    unknown_code: then with language=). required_code: French, every reader's fallback, is
    required. check(text, lang) runs on each text kept, in the value's order."""
    field = {"field": what} if what else {}
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise Invalid(_said(what, f"one text per language: {', '.join(langs)}"), code=code, **field)
    out: dict[str, str] = {}
    for lang, raw in value.items():
        if lang not in langs:
            raise Invalid(_said(what, "unknown language"), code=unknown_code or code, language=str(lang), **field)
        text = clean_text(raw, max_len, code=code, what=what, **text_options)
        if text:
            if check is not None:
                check(text, lang)
            out[lang] = text
    if required_code and DEFAULT_LANG not in out:
        raise Invalid(_said(what, "the French text is required"), code=required_code, **field)
    return {lang: out[lang] for lang in langs if lang in out}
