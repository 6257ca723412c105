"""Payload validation with pydantic, mapped to our Invalid error (stable code + field list)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from integrations.errors import Invalid

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
