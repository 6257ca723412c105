"""Imports go one way: cc_network → workflows → tenants → integrations (DESIGN §2)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ["cc_network", "workflows", "tenants", "integrations"]
# what each lower floor may never import
FORBIDDEN = {
    "workflows": {"cc_network", "reflex", "fastapi", "starlette"},
    "tenants": {"cc_network", "workflows", "reflex", "fastapi", "starlette"},
    "integrations": {"cc_network", "workflows", "tenants", "reflex", "fastapi", "starlette"},
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


def _files(floor: str) -> list[Path]:
    return sorted((ROOT / floor).rglob("*.py"))


@pytest.mark.parametrize("floor", list(FORBIDDEN))
def test_lower_floors_never_import_upwards(floor):
    bad = []
    for path in _files(floor):
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top in FORBIDDEN[floor]:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not bad, "imports against the floors:\n" + "\n".join(bad)


def test_nothing_imports_the_face_but_rxconfig_and_tests():
    for floor in FORBIDDEN:
        for path in _files(floor):
            assert all(not m.startswith("cc_network") for _, m in _imports(path)), path


def test_the_checker_sees_a_violation(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("import reflex as rx\nfrom cc_network.api import api_app\n")
    assert [m for _, m in _imports(bad)] == ["reflex", "cc_network.api"]
