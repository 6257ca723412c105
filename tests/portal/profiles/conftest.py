from __future__ import annotations

import pytest

from integrations.settings import reset_settings


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    """Stored files outlive the database wipe: give each test its own private folder."""
    monkeypatch.setenv("CC_DATA_DIR", str(tmp_path))
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()
