"""JSON errors with a stable code and a human message (issue 2 §7)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import DataError

from integrations.errors import ServiceError
from integrations.i18n import LANGS, error_text
from integrations.validation import describe

log = logging.getLogger(__name__)


def request_lang(request: Request) -> str:
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGS:
            return code
    return "en"


def error_body(code: str, message: str, **extra: object) -> dict:
    return {"error": {"code": code, "message": message, **extra}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        lang = request_lang(request)
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        return JSONResponse(error_body(exc.code, error_text(exc.code, lang, exc.message)),
                            status_code=exc.http_status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # a body model's validator may name a stable code (end_before_start…), as services do
        code, fields = describe(list(exc.errors()), skip=("body",))
        fallback = "; ".join(f["message"] for f in fields) if code != "invalid" else ""
        message = error_text(code, request_lang(request), fallback)
        return JSONResponse(error_body(code, message, fields=fields), status_code=422)

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value (a NUL byte on PostgreSQL, an out-of-range number):
        # bad input that slipped past validation is still the caller's 422, never a 500.
        log.warning("database refused input on %s %s: %s", request.method, request.url.path, exc.orig)
        return JSONResponse(error_body("invalid", error_text("invalid", request_lang(request))),
                            status_code=422)


def detailed_errors(*keys: str) -> type[APIRoute]:
    """A route class whose refusals also carry these parameters of the error (the conflicting
    events, when registration opens…), so a client can fix the request. Other errors, and
    refusals without such a parameter, go to the app's handlers unchanged."""

    class DetailedErrors(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def route(request: Request) -> Response:
                try:
                    return await handler(request)
                except ServiceError as exc:
                    extra = {k: exc.params[k] for k in keys if k in exc.params}
                    if not extra or exc.http_status == 401:
                        raise
                    message = error_text(exc.code, request_lang(request), exc.message)
                    return JSONResponse(error_body(exc.code, message, **extra), status_code=exc.http_status)

            return route

    return DetailedErrors
