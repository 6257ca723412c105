"""Every string the UI shows has a French, English and Arabic text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cc_network.ui.session import AREAS
from integrations.i18n import LANGS, catalog
from tenants.core.models import TenantKind
from tenants.core.roles import Responsibility, Role

UI_DIRS = [Path(__file__).resolve().parents[2] / "cc_network" / d for d in ("ui", "pages")]
KEY = re.compile(r"""["'](ui\.[a-z_]+(?:\.[a-z_]+)+)["']""")


def used_keys() -> set[str]:
    keys = set()
    for d in UI_DIRS:
        for f in d.rglob("*.py"):
            keys |= set(KEY.findall(f.read_text(encoding="utf-8")))
    # keys built at run time from a role, a responsibility, an area, a kind of centre
    keys |= {f"ui.role.{r.value}" for r in Role} | {f"ui.resp.{r.value}" for r in Responsibility}
    keys |= {f"ui.area.{a}" for a in AREAS} | {f"ui.kind.{k.value}" for k in TenantKind}
    return keys


def test_the_scan_finds_the_keys_of_the_pages():
    keys = used_keys()
    assert {"ui.login.title", "ui.team.invite_submit", "ui.mailbox.title"} <= keys


@pytest.mark.parametrize("lang", LANGS)
def test_every_ui_key_is_translated(lang):
    missing = sorted(k for k in used_keys() if not catalog(lang).get(k))
    assert missing == []


@pytest.mark.parametrize("lang", LANGS)
def test_every_error_code_has_a_message(lang):
    fr_errors = {k for k in catalog("fr") if k.startswith("error.")}
    assert sorted(fr_errors - set(catalog(lang))) == []
