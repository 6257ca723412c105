"""Backup then restore loses nothing (issue 2 §8), on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from cc_network.backup import BackupError, backup, restore
from integrations.db import metadata, owner_engine, system_session
from integrations.outbox import enqueue
from tenants.auth.services import actor_for, do_create_api_token, do_request_password_reset
from tests.conftest import _wipe, create_person


def _snapshot() -> dict[str, list[tuple]]:
    eng = owner_engine()
    try:
        with eng.connect() as conn:
            return {t.name: [tuple(r) for r in conn.execute(
                select(*t.columns).order_by(*t.primary_key.columns))] for t in metadata.sorted_tables}
    finally:
        eng.dispose()


def _populate(worlds) -> None:
    a, b = worlds
    do_create_api_token(a.manager.actor, name="CI token")
    p = create_person("reda.backup@alpha.example.ma", tenant_id=a.tenant_id, roles=["student"])
    do_request_password_reset(p.email)  # a reset token and an outbox row with a JSON payload
    with system_session("test: unicode payload") as s:
        enqueue(s, "email", {"to": "x@y.ma", "subject": "Réunion — مرحبا", "text": "ligne\nsuivante",
                             "nested": {"n": [1, 2.5, None, True]}}, key="k1", tenant_id=b.tenant_id)
        s.commit()


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_round_trip_keeps_every_row(worlds, tmp_path, suffix):
    _populate(worlds)
    before = _snapshot()
    assert sum(len(v) for v in before.values()) > 30
    assert before["outbox_message"] and before["api_token"] and before["membership"]

    path = tmp_path / f"cc{suffix}"
    counts = backup(path)
    assert counts == {name: len(rows) for name, rows in before.items()}

    _wipe()
    assert all(not rows for rows in _snapshot().values())
    restore(path)
    after = _snapshot()
    for name, rows in before.items():
        assert after[name] == rows, name

    # Sequences continue after the restored ids: new rows do not collide.
    newcomer = create_person("new.after.restore@beta.example.ma", tenant_id=worlds[1].tenant_id,
                             roles=["student"])
    assert newcomer.account_id > max(r[0] for r in before["account"])
    assert actor_for(worlds[0].manager.account_id, worlds[0].tenant_id).roles == {"manager"}


def test_restore_refuses_a_database_with_data_unless_forced(worlds, tmp_path):
    path = tmp_path / "cc.jsonl"
    backup(path)
    before = _snapshot()
    create_person("extra.person@alpha.example.ma", tenant_id=worlds[0].tenant_id, roles=["intern"])
    with_extra = _snapshot()
    with pytest.raises(BackupError, match="not empty"):
        restore(path)
    assert _snapshot() == with_extra  # nothing changed by the refusal
    restore(path, force=True)
    assert _snapshot() == before


def test_restore_refuses_another_schema_revision_and_garbage(worlds, tmp_path):
    path = tmp_path / "cc.jsonl"
    backup(path)
    lines = path.read_text().splitlines()
    lines[0] = lines[0].replace('"revision": "', '"revision": "other')
    old = tmp_path / "old.jsonl"
    old.write_text("\n".join(lines) + "\n")
    _wipe()
    with pytest.raises(BackupError, match="revision"):
        restore(old)
    junk = tmp_path / "junk.jsonl"
    junk.write_text("hello\n")
    with pytest.raises(BackupError, match="not a CC Network backup"):
        restore(junk)
    with pytest.raises(BackupError, match="no such file"):
        restore(tmp_path / "missing.jsonl")
    eng = owner_engine()
    with eng.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM account")).scalar() == 0
    eng.dispose()
