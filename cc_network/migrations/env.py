"""Alembic environment: the product's metadata, and row-level security after each upgrade."""

from __future__ import annotations

from alembic import context

import cc_network.models  # noqa: F401  (registers every table)
from integrations.db import metadata, owner_engine, tenant_owned_tables
from integrations.rls import apply_rls
from integrations.settings import get_settings
from tenants.portal.sessions.ddl import apply_session_constraints
from tenants.sourcing.search.ddl import apply_search_index, include_object

config = context.config


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = owner_engine()
        with engine.connect() as conn:
            _run(conn)
            # SQLite has no transactional DDL in Alembic: what ran after the last revision
            # (the FTS index) is still in the connection's implicit transaction
            if conn.in_transaction():
                conn.commit()
        engine.dispose()
    else:
        _run(connectable)


def _run(conn) -> None:  # noqa: ANN001
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=conn.dialect.name == "sqlite",
                      compare_type=True, include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()
        apply_rls(conn, tenant_owned_tables(), get_settings().database_app_role)
        apply_session_constraints(conn)
        apply_search_index(conn)


run_migrations_online()
