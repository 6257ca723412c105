"""The database engine and tenant-scoped sessions (DESIGN §4, §6).

A session is opened for one tenant (`tenant_session`) or explicitly for the whole
network with a reason (`system_session`). A session with neither fails closed on
its first statement. In a tenant session every ORM select, update and delete of a
tenant-owned class gets `tenant_id = :tenant` added, and a flush refuses rows of
another tenant. On PostgreSQL the same tenant is set for row-level security.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import psycopg
from sqlalchemy import Column, DateTime, MetaData, UniqueConstraint, event
from sqlalchemy import column as sa_column_placeholder
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Session, SQLModel, create_engine

from integrations.errors import TenantScopeError
from integrations.settings import get_settings

# Stable constraint names so Alembic and the composite foreign keys can refer to them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """Timezone-aware in Python on every database: stored as UTC, read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass a timezone-aware value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # noqa: ANN001
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def ts_column(*, nullable: bool = True, index: bool = False) -> Column:
    return Column(UtcDateTime(), nullable=nullable, index=index)


class _TenantColumn:
    def __get__(self, _obj: Any, owner: type) -> Any:
        table = owner.__dict__.get("__table__")
        return table.c.tenant_id if table is not None else sa_column_placeholder("tenant_id")


class TenantOwned(SQLModel):
    """Mixin of every table that belongs to one tenant.

    Tables built on it must call `tenant_table_args(...)` for their __table_args__,
    which adds the (tenant_id, id) unique key that composite foreign keys point at.
    """

    tenant_id: int = Field(foreign_key="tenant.id", index=True, nullable=False)
    # The SQL column of a mapped subclass; on the bare mixin a placeholder, so the
    # loader-criteria lambda below can be analysed once for every tenant-owned class.
    tenant_column: ClassVar[_TenantColumn] = _TenantColumn()


def tenant_table_args(*constraints: Any) -> tuple:
    return (UniqueConstraint("tenant_id", "id"), *constraints)


def tenant_owned_tables() -> list[str]:
    """Names of every mapped table carrying a tenant_id, found from the metadata."""
    return sorted(t.name for t in metadata.sorted_tables if "tenant_id" in t.c and t.name != "tenant")


def tenant_owned_classes() -> list[type]:
    from sqlalchemy.orm import class_mapper  # noqa: F401  (mappers are configured on import)

    out = []
    for mapper in SQLModel._sa_registry.mappers:  # type: ignore[attr-defined]
        cls = mapper.class_
        if issubclass(cls, TenantOwned):
            out.append(cls)
    return sorted(out, key=lambda c: c.__name__)


# ---------------------------------------------------------------- engine

_engine: Engine | None = None
_engine_lock = threading.Lock()


class _TxDepth(threading.local):
    depth = 0


sqlite_tx_depth = _TxDepth()


def _make_engine(url: str, *, app_role: str | None = None) -> Engine:
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(eng, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            # Let SQLAlchemy emit BEGIN itself so writes take the lock up front.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(eng, "begin")
        def _sqlite_begin(conn):  # noqa: ANN001
            # BEGIN IMMEDIATE: a writer waits for the lock at the start, never fails mid-way.
            # A second transaction opened by the same thread while one is open would wait
            # for itself until the busy timeout: refuse it at once, it is a bug.
            if sqlite_tx_depth.depth > 0:
                raise TenantScopeError(
                    "nested SQLite transaction in one thread: finish (commit/close) the outer "
                    "session before opening another")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            sqlite_tx_depth.depth += 1

        @event.listens_for(eng, "commit")
        @event.listens_for(eng, "rollback")
        def _sqlite_end(conn):  # noqa: ANN001
            sqlite_tx_depth.depth = max(sqlite_tx_depth.depth - 1, 0)

        return eng

    settings = get_settings()
    eng = create_engine(url, pool_pre_ping=True, pool_size=settings.database_pool_size,
                        max_overflow=settings.database_max_overflow)
    if app_role:

        @event.listens_for(eng, "connect")
        def _pg_role(dbapi_conn, _record):  # noqa: ANN001
            # The owner of the tables bypasses row-level security; the app runs as another role.
            with dbapi_conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (app_role,))
                if cur.fetchone():
                    cur.execute(f'SET ROLE "{app_role}"')
            dbapi_conn.commit()

    return eng


def get_engine() -> Engine:
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                s = get_settings()
                if s.is_sqlite:
                    s.data_dir.mkdir(parents=True, exist_ok=True)
                _engine = _make_engine(s.database_url, app_role=s.database_app_role)
    return _engine


def owner_engine() -> Engine:
    """An engine without the role switch, for migrations, backup and restore."""
    s = get_settings()
    return _make_engine(s.database_url)


def reset_engine() -> None:
    global _engine
    if _engine is not None:
        _engine.dispose()
    _engine = None


# ---------------------------------------------------------------- sessions

def tenant_session(tenant_id: int, *, engine: Engine | None = None) -> Session:
    if not isinstance(tenant_id, int) or isinstance(tenant_id, bool) or tenant_id <= 0:
        raise TenantScopeError(f"tenant_session needs a tenant id, got {tenant_id!r}")
    return Session(engine or get_engine(), info={"tenant_id": tenant_id}, expire_on_commit=False)


def system_session(reason: str, *, engine: Engine | None = None) -> Session:
    """For network-level work (accounts, the benchmark, jobs). The reason is required and logged."""
    if not reason or not reason.strip():
        raise TenantScopeError("system_session needs a reason")
    return Session(engine or get_engine(), info={"system": reason}, expire_on_commit=False)


def unscoped_session(*, engine: Engine | None = None) -> Session:
    """A session with no scope. It fails on first use: only for tests that prove it does."""
    return Session(engine or get_engine())


@contextlib.contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def scope_of(session: Session) -> tuple[int | None, str | None]:
    return session.info.get("tenant_id"), session.info.get("system")


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    tenant_id, system = scope_of(state.session)
    if tenant_id is None and system is None:
        raise TenantScopeError("database session has neither a tenant nor a system reason")
    if tenant_id is None:
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantOwned,
                lambda cls: cls.tenant_column == tenant_id,
                include_aliases=True,
            )
        )


@event.listens_for(Session, "before_flush")
def _guard_flush(session: Session, _ctx, _instances) -> None:  # noqa: ANN001
    tenant_id, system = scope_of(session)
    if tenant_id is None and system is None:
        raise TenantScopeError("database session has neither a tenant nor a system reason")
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantOwned):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantScopeError(f"{type(obj).__name__} has no tenant_id in a system session")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id:
            raise TenantScopeError(
                f"refusing to write a {type(obj).__name__} of tenant {obj.tenant_id} "
                f"in a session of tenant {tenant_id}"
            )
    for obj in session.deleted:
        if isinstance(obj, TenantOwned) and tenant_id is not None and obj.tenant_id != tenant_id:
            raise TenantScopeError("refusing to delete another tenant's row")


# psycopg's own placeholders: it runs on the driver's connection, in pipeline mode
SET_SCOPE = "SELECT set_config('cc.tenant_id', %s, true), set_config('cc.system', %s, true)"


PIPELINE_MODE = psycopg.Pipeline.is_supported()  # a property of the libpq linked in: asked once


def set_scope(connection: Connection, tenant: str, system: str) -> None:
    """Scope the transaction for row-level security. In psycopg's pipeline mode the driver's
    BEGIN and this statement reach the server in one round trip instead of two: every
    transaction of the app starts here, so this is a round trip saved on each."""
    driver = connection.connection.driver_connection
    if PIPELINE_MODE:
        with driver.pipeline():
            driver.execute(SET_SCOPE, (tenant, system))
    else:
        driver.execute(SET_SCOPE, (tenant, system))


@event.listens_for(Session, "after_begin")
def _set_rls_scope(session: Session, _transaction, connection) -> None:  # noqa: ANN001
    if connection.dialect.name != "postgresql":
        return
    tenant_id, system = scope_of(session)
    if tenant_id is None and system is None:
        return
    set_scope(connection, str(tenant_id or ""), "on" if tenant_id is None else "off")
