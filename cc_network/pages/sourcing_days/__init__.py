"""Recruitment days (P19), the staff side: the list of days and one day (availabilities,
scheduling, invitations, the day and its results). Each module has a `register(app)`."""

from __future__ import annotations

import importlib
import pkgutil

import reflex as rx


def register(app: rx.App) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(app)
