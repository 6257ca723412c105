"""The few hot paths outside the ORM (taking a seat, resolving a bearer token), where the unit
of work, SQLAlchemy's execution layer or the network's round trips cost more than the work.
Everything else goes through `integrations.db`'s sessions.

`tenant_connection` is a bare Core connection in one tenant's scope (the registration's
slow path: waitlist, waivers, confirmations). The rest runs on the driver's own connection.

On PostgreSQL a whole transaction (BEGIN, the row-level-security scope, its statements,
COMMIT) is sent as one pipeline: one network round trip. On SQLite statements run on the
sqlite3 connection itself. Statements are plain SQL in the driver's placeholder style
(`%(name)s` for psycopg, `:name` for sqlite3) and name the tenant themselves; on PostgreSQL
row-level security still stands behind them. Database errors raise as SQLAlchemy's would
(IntegrityError, ...), so callers handle one family of errors.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine

from integrations.db import (
    PIPELINE_MODE,
    SET_SCOPE,
    UtcDateTime,
    get_engine,
    set_scope,
    sqlite_tx_depth,
)
from integrations.errors import TenantScopeError

_LITE = sqlite_dialect.dialect()
_STAMP = UtcDateTime().dialect_impl(_LITE)
_STAMP_IN = _STAMP.bind_processor(_LITE)
_STAMP_OUT = _STAMP.result_processor(_LITE, None)


def postgres_engine(engine: Engine | None = None) -> bool:
    """Whether the app's database is PostgreSQL (`one_round_trip` serves it)."""
    return (engine or get_engine()).dialect.name == "postgresql"


def _scope(tenant_id: int | None, system: str | None) -> tuple[str, str]:
    if system is not None:
        if tenant_id is not None or not system.strip():
            raise TenantScopeError("a round trip takes a tenant id or a system reason, not both")
        return "", "on"
    if not isinstance(tenant_id, int) or isinstance(tenant_id, bool) or tenant_id <= 0:
        raise TenantScopeError(f"a tenant id is needed, got {tenant_id!r}")
    return str(tenant_id), "off"


def round_trip(statements: Sequence[str], params: dict, *, tenant_id: int | None = None,
               system: str | None = None) -> list[tuple | None]:
    """PostgreSQL: BEGIN, the scope (a tenant, or the whole network for a stated reason), the
    statements and COMMIT reach the server together (one after another where libpq has no
    pipeline mode); returns each statement's first row (None if none). Each statement sees
    what the ones before it wrote. A failing statement rolls the transaction back."""
    tenant, system_flag = _scope(tenant_id, system)
    raw = get_engine().raw_connection()
    try:
        driver = raw.driver_connection
        try:
            with driver.pipeline() if PIPELINE_MODE else contextlib.nullcontext():
                driver.execute(SET_SCOPE, (tenant, system_flag))
                cursors = [driver.execute(statement, params, prepare=True) for statement in statements]
                driver.commit()
            return [cur.fetchone() for cur in cursors]
        except psycopg.Error as exc:
            driver.rollback()
            raise sa_exc.DBAPIError.instance(" ;\n".join(statements), params, exc, psycopg.Error) from exc
    finally:
        raw.close()


def one_round_trip(statement: str, params: dict, *, tenant_id: int | None = None,
                   system: str | None = None) -> tuple | None:
    """`round_trip` of one statement: its first row."""
    return round_trip((statement,), params, tenant_id=tenant_id, system=system)[0]


@contextlib.contextmanager
def tenant_connection(tenant_id: int, *, engine: Engine | None = None) -> Iterator[Connection]:
    """One transaction on a bare Core connection. Nothing filters its statements: each must
    name the tenant itself. On PostgreSQL the tenant is set, so row-level security still
    stands behind them. Commits on success, rolls back on any error."""
    tenant, system_flag = _scope(tenant_id, None)
    with (engine or get_engine()).begin() as conn:
        if conn.dialect.name == "postgresql":
            set_scope(conn, tenant, system_flag)
        yield conn


def stored_stamp(value: datetime) -> Any:
    """A timestamp as SQLite's tables store it (so SQL compares it with their columns)."""
    return _STAMP_IN(value)


def read_stamp(value: Any) -> datetime | None:
    """A timestamp read from SQLite, as the aware UTC datetime the ORM would give."""
    return _STAMP_OUT(value)


def _sqlite_driver() -> Any:
    engine = get_engine()
    if engine.dialect.name != "sqlite":
        raise TenantScopeError("the sqlite helpers are for the SQLite engine")
    return engine.raw_connection()


@contextlib.contextmanager
def sqlite_transaction() -> Iterator[sqlite3.Connection]:
    """SQLite: one write transaction on the sqlite3 connection (BEGIN IMMEDIATE, as every write
    here, so stamps taken inside follow commit order). Commits on success; any error rolls back."""
    if sqlite_tx_depth.depth > 0:
        raise TenantScopeError("nested SQLite transaction in one thread: finish the outer one first")
    raw = _sqlite_driver()
    sqlite_tx_depth.depth += 1
    try:
        driver = raw.driver_connection
        driver.execute("BEGIN IMMEDIATE")
        try:
            yield driver
            driver.execute("COMMIT")
        except sqlite3.Error as exc:
            driver.execute("ROLLBACK")
            raise sa_exc.DBAPIError.instance(None, None, exc, sqlite3.Error) from exc
        except BaseException:
            driver.execute("ROLLBACK")
            raise
    finally:
        sqlite_tx_depth.depth -= 1
        raw.close()


def sqlite_row(statement: str, params: dict) -> tuple | None:
    """SQLite: one read statement (atomic by itself), its first row."""
    raw = _sqlite_driver()
    try:
        return raw.driver_connection.execute(statement, params).fetchone()
    except sqlite3.Error as exc:
        raise sa_exc.DBAPIError.instance(statement, params, exc, sqlite3.Error) from exc
    finally:
        raw.close()
