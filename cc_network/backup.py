"""Portable logical backup and restore (issue 2 §8), the same file for SQLite and PostgreSQL.

The file is JSON lines: a header (format, schema revision), then per table a line
naming its columns and one line per row. Values are encoded by column type, not by
guessing from the value: datetimes as ISO 8601 with offset, binary as base64, JSON
columns as JSON. Tables are written parents first (metadata dependency order), so a
restore inserts them in file order with every foreign key already satisfied.

Both directions use the owner engine: row-level security must not hide rows from a
backup, and restore writes every tenant's rows.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, Integer, LargeBinary, Numeric, Table, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.types import Date, DateTime, Time

import cc_network.models  # noqa: F401  (every table in the metadata)
from integrations.db import metadata, owner_engine

FORMAT = "cc-network-backup"
VERSION = 1
BATCH = 500


class BackupError(Exception):
    """A backup that cannot be restored here; the message says why."""


def _kind(col_type: Any) -> str:
    t = getattr(col_type, "impl", col_type)  # TypeDecorator (UtcDateTime) → its DateTime
    if isinstance(t, DateTime):
        return "datetime"
    if isinstance(t, Date):
        return "date"
    if isinstance(t, Time):
        return "time"
    if isinstance(t, LargeBinary):
        return "binary"
    if isinstance(t, JSON):
        return "json"
    if isinstance(t, Numeric) and not isinstance(t, Integer):
        return "decimal"
    return "plain"


def _encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind == "binary":
        return base64.b64encode(bytes(value)).decode()
    if kind == "decimal":
        return str(value)
    return value


def _decode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "time":
        return time.fromisoformat(value)
    if kind == "binary":
        return base64.b64decode(value)
    if kind == "decimal":
        return Decimal(value)
    return value


def _open(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return path.open(mode, encoding="utf-8")


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _tables() -> list[Table]:
    return list(metadata.sorted_tables)


def backup(path: str | Path) -> dict[str, int]:
    """Write every table to `path` (gzip when it ends in .gz); returns rows per table."""
    path = Path(path)
    counts: dict[str, int] = {}
    engine = owner_engine()
    try:
        # One read transaction, so the file is a consistent snapshot on PostgreSQL.
        with engine.connect() as conn, conn.begin(), _open(path, "w") as out:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
            header = {"format": FORMAT, "version": VERSION, "revision": _revision(conn),
                      "dialect": conn.dialect.name}
            out.write(json.dumps(header) + "\n")
            for table in _tables():
                cols = list(table.columns)
                kinds = [_kind(c.type) for c in cols]
                out.write(json.dumps({"table": table.name, "columns": [c.name for c in cols]}) + "\n")
                pk = list(table.primary_key.columns) or cols
                n = 0
                result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
                    select(*cols).order_by(*pk))
                for row in result:
                    out.write(json.dumps([_encode(k, v) for k, v in zip(kinds, row, strict=True)],
                                         ensure_ascii=False) + "\n")
                    n += 1
                counts[table.name] = n
    finally:
        engine.dispose()
    return counts


def _read(path: Path) -> Iterator[tuple[str, Any]]:
    with _open(path, "r") as f:
        first = f.readline()
        try:
            header = json.loads(first)
        except json.JSONDecodeError as exc:
            raise BackupError(f"{path} is not a CC Network backup") from exc
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise BackupError(f"{path} is not a CC Network backup")
        if header.get("version") != VERSION:
            raise BackupError(f"backup format version {header.get('version')} is not supported")
        yield "header", header
        for line in f:
            if line.strip():
                item = json.loads(line)
                yield ("table", item) if isinstance(item, dict) else ("row", item)


def _row_count(conn: Connection, table: Table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def restore(path: str | Path, *, force: bool = False) -> dict[str, int]:
    """Load a backup into the current (migrated) database, all or nothing.

    Refuses a database that holds data unless `force`, which empties it first, and a
    backup taken at another schema revision (migrate one or the other first).
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no such file: {path}")
    tables = {t.name: t for t in _tables()}
    counts: dict[str, int] = {}
    engine = owner_engine()
    try:
        with engine.begin() as conn:
            items = _read(path)
            _, header = next(items)
            here = _revision(conn)
            if here is None:
                raise BackupError("the database is not migrated: run `cc-network migrate` first")
            if header.get("revision") != here:
                raise BackupError(f"backup is at schema revision {header.get('revision')}, "
                                  f"the database at {here}: migrate to the same revision first")
            busy = [t.name for t in tables.values() if _row_count(conn, t) > 0]
            if busy and not force:
                raise BackupError("the database is not empty (" + ", ".join(busy[:5]) +
                                  "…): restore into a fresh database, or pass --force to replace it")
            for t in reversed(list(tables.values())):
                conn.execute(t.delete())
            table: Table | None = None
            columns: list[str] = []
            kinds: list[str] = []
            batch: list[dict] = []

            def flush() -> None:
                if table is not None and batch:
                    conn.execute(table.insert(), batch)
                    batch.clear()

            for kind, item in items:
                if kind == "table":
                    flush()
                    if item["table"] not in tables:
                        raise BackupError(f"the backup has a table this version lacks: {item['table']}")
                    table = tables[item["table"]]
                    columns = item["columns"]
                    missing = set(columns) - set(table.c.keys())
                    if missing:
                        raise BackupError(f"{table.name}: unknown columns {sorted(missing)}")
                    kinds = [_kind(table.c[c].type) for c in columns]
                    counts[table.name] = 0
                    continue
                if table is None:
                    raise BackupError("row before any table in the backup")
                batch.append({c: _decode(k, v) for c, k, v in zip(columns, kinds, item, strict=True)})
                counts[table.name] += 1
                if len(batch) >= BATCH:
                    flush()
            flush()
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn, list(tables.values()))
    finally:
        engine.dispose()
    return counts


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Rows came with their ids; move each serial sequence past the largest one."""
    for t in tables:
        for col in t.primary_key.columns:
            if not isinstance(col.type, Integer) or not col.autoincrement:
                continue
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                               {"t": f'"{t.name}"', "c": col.name}).scalar()
            if seq:
                conn.execute(text(
                    f'SELECT setval(:s, COALESCE((SELECT MAX("{col.name}") FROM "{t.name}"), 0) + 1, false)'),
                    {"s": seq})
