"""The translation layer of the UI: every visible string is a Var read from I18nState.

The language lives in the browser's local storage (fr by default); switching it
recomputes `tx`, so every page re-renders in the new language without a reload.
"""

from __future__ import annotations

from functools import lru_cache

import reflex as rx

from integrations.i18n import DEFAULT_LANG, LANGS, catalog, direction

# The UI needs its own strings, role names and error messages; not the e-mail bodies.
_UI_PREFIXES = ("ui.", "error.")


@lru_cache
def ui_catalog(lang: str) -> dict[str, str]:
    fr = {k: v for k, v in catalog(DEFAULT_LANG).items() if k.startswith(_UI_PREFIXES)}
    own = {k: v for k, v in catalog(lang).items() if k.startswith(_UI_PREFIXES)}
    return {**fr, **own}


class I18nState(rx.State):
    lang: str = rx.LocalStorage(DEFAULT_LANG, name="cc_lang", sync=True)

    @rx.var
    def tx(self) -> dict[str, str]:
        return ui_catalog(self.lang if self.lang in LANGS else DEFAULT_LANG)

    @rx.var
    def dir(self) -> str:
        return direction(self.lang)

    @rx.event
    def choose_lang(self, lang: str):
        if isinstance(lang, str) and lang in LANGS:
            self.lang = lang


def tr(key: str) -> rx.Var:
    """The text of a ui.* or error.* key in the chosen language."""
    return I18nState.tx[key].to(str)


def tr_var(key: rx.Var | str) -> rx.Var:
    """Translate a key only known at run time (an error key held by a state, a role name)."""
    return I18nState.tx[key].to(str)
