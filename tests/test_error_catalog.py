"""Every stable error code a service can raise has a message in each language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from integrations.i18n import LANGS, catalog

ROOT = Path(__file__).resolve().parent.parent
CODE_RE = re.compile(r'code="([a-z_]+)"')
# validators raise ValueError("code:message"); integrations.validation turns the prefix into the code
VALUE_ERROR_RE = re.compile(r'ValueError\(f?"([a-z_]+):')


def raised_codes() -> set[str]:
    codes: set[str] = set()
    for floor in ("tenants", "workflows", "integrations"):
        for path in (ROOT / floor).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            codes |= set(CODE_RE.findall(text)) | set(VALUE_ERROR_RE.findall(text))
    return codes


def test_codes_are_found():
    assert {"bad_credentials", "schedule_conflict", "end_before_start"} <= raised_codes()


@pytest.mark.parametrize("lang", LANGS)
def test_every_code_has_a_message(lang):
    missing = sorted(c for c in raised_codes() if f"error.{c}" not in catalog(lang))
    assert not missing, f"{lang}: add error.<code> messages for {missing}"
