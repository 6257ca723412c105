"""Statistics (T03, P24) and dashboards (issue 9): the statistics table with its late entries
and exports, the weekly cut-off settings, the dashboards of the manager and of the host
institution, the network's figures. Each module has a `register(app)`; all are added here."""

from __future__ import annotations

import importlib
import pkgutil

import reflex as rx


def register(app: rx.App) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(app)
