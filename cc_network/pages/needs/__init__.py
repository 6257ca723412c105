"""The sourcing pipeline's pages (P22): the staff's board of job needs and one need's
pipeline (job sheet, shortlist, candidates, search, preparation, sendings), the company's
view of a sending, and the secure link's page. Each module has a `register(app)`."""

from __future__ import annotations

import importlib
import pkgutil

import reflex as rx


def register(app: rx.App) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(app)
