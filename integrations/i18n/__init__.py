"""Translation catalogs (fr default, en, ar right to left). One JSON file per language.

Keys are dotted (`team.invite`); `{name}` placeholders are filled by str.format.
A missing key falls back to French, then to the key itself, so a gap is visible.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LANGS = ("fr", "en", "ar")
DEFAULT_LANG = "fr"
RTL_LANGS = frozenset({"ar"})
_DIR = Path(__file__).parent


@lru_cache
def catalog(lang: str) -> dict[str, str]:
    lang = lang if lang in LANGS else DEFAULT_LANG
    return json.loads((_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def t(key: str, lang: str = DEFAULT_LANG, **params: object) -> str:
    text = catalog(lang).get(key) or catalog(DEFAULT_LANG).get(key) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def direction(lang: str) -> str:
    return "rtl" if lang in RTL_LANGS else "ltr"


def error_text(code: str, lang: str = DEFAULT_LANG, fallback: str = "") -> str:
    """The human message for a stable error code."""
    key = f"error.{code}"
    text = catalog(lang).get(key) or catalog(DEFAULT_LANG).get(key)
    return text or fallback or code
