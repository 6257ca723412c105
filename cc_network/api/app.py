"""Assembly of the FastAPI app that wraps Reflex's backend."""

from __future__ import annotations

from fastapi import FastAPI

from cc_network.api import auth_routes, oidc_routes, v1
from cc_network.api.errors import install_error_handlers


def build_api_app() -> FastAPI:
    app = FastAPI(
        title="CC Network API",
        version="1.0",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    app.include_router(auth_routes.router)
    app.include_router(oidc_routes.router)
    for router in v1.ROUTERS:
        app.include_router(router, prefix=v1.PREFIX)
    return app
