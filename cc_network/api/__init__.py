"""The backend's HTTP face: /auth (cookie hand-over, sign-out, OIDC) and the REST API /api/v1.

`api_app` is handed to Reflex as `api_transformer`; Reflex mounts itself under it.
"""

from __future__ import annotations

from cc_network.api.app import build_api_app

api_app = build_api_app()
