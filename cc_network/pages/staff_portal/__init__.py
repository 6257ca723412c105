"""The staff side of the student portal (issue 4): reception and visits, the kiosk,
individual sessions, students and their data requests, questionnaires and certificates,
the portal's settings. Each module has a `register(app)`; all are added here."""

from __future__ import annotations

import importlib
import pkgutil

import reflex as rx


def register(app: rx.App) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(app)
