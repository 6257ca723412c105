"""The annual action plan (M30, P01) and its mid-year review (P02): /staff/plan (draft,
comments, workflow, target against actual), /staff/plan/review (gaps, explanations, the S2
update) and /host/plan (the host institution validates or sends back; versions compared).
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
