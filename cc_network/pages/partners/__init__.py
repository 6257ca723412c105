"""The partner map and contacts (BD01) for staff, and the public page where a company asks for
access to the company portal. Each module has a `register(app)`; all are added here."""

from __future__ import annotations

import importlib
import pkgutil

import reflex as rx


def register(app: rx.App) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(app)
