"""Reflex configuration. Ports and URLs come from the CC_* settings (DESIGN §10)."""

import os

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

from integrations.settings import get_settings

_settings = get_settings()
# `reflex run --env prod` serves the frontend and the backend on one port.
_port = int(os.environ.get("CC_PORT", "3000"))

config = rx.Config(
    app_name="cc_network",
    frontend_port=_port,
    backend_port=int(os.environ.get("CC_BACKEND_PORT") or _port),
    api_url=_settings.api_url,
    deploy_url=_settings.base_url,
    # We manage our own database (integrations.db); Reflex's own DB layer stays unused.
    db_url=None,
    telemetry_enabled=False,
    # No sitemap: the app is behind sign-in, nothing to index.
    disable_plugins=[SitemapPlugin],
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
)
