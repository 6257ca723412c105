"""Payload validation with pydantic, mapped to our Invalid error (stable code + field list)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from integrations.errors import Invalid

M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any) -> M:
    """Validate untrusted input (a form, a REST body, a Reflex payload)."""
    if isinstance(data, model):
        data = data.model_dump()
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = []
        code = "invalid"
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()))
            msg = err.get("msg", "")
            ctx = err.get("ctx") or {}
            # a validator may name a stable code: raise ValueError("code:message")
            inner = ctx.get("error")
            if isinstance(inner, ValueError) and ":" in str(inner):
                code, msg = str(inner).split(":", 1)
                msg = msg.strip()
            fields.append({"field": loc, "message": msg})
        summary = "; ".join(f"{f['field']}: {f['message']}" if f["field"] else f["message"] for f in fields)
        raise Invalid(summary, code=code, fields=fields) from None
