"""Job needs outside the pipeline board: staff enter a need received by e-mail
(/staff/needs/new) and the host institution reads the job sheets sent to it (/host/needs).
The form of a need and its display are shared with the company portal (common.py).
Each module has a `register(app)`; all are added here."""

from __future__ import annotations

import importlib
import pkgutil

import reflex as rx


def register(app: rx.App) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(app)
