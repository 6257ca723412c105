"""PostgreSQL row-level security: the last wall behind the ORM's tenant filter (DESIGN §4).

Every table with a tenant_id gets a policy comparing it to the transaction setting
`cc.tenant_id`, which tenant sessions set; system sessions set `cc.system`. The app
connects as (or switches to) a role that does not own the tables, so policies apply.
Idempotent: run after every migration, so a new table is covered automatically.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

POLICY = "tenant_isolation"


def apply_rls(conn: Connection, tables: list[str], app_role: str) -> None:
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text(
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{app_role}') THEN "
        f'CREATE ROLE "{app_role}" NOLOGIN; END IF; END $$'
    ))
    me = conn.execute(text("SELECT current_user")).scalar()
    conn.execute(text(f'GRANT "{app_role}" TO "{me}"'))
    conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{app_role}"'))
    conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{app_role}"'))
    conn.execute(text(f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{app_role}"'))
    for table in tables:
        conn.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
        conn.execute(text(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"'))
        conn.execute(text(
            f'CREATE POLICY {POLICY} ON "{table}" USING ('
            "current_setting('cc.system', true) = 'on' OR "
            "tenant_id = NULLIF(current_setting('cc.tenant_id', true), '')::int"
            ") WITH CHECK ("
            "current_setting('cc.system', true) = 'on' OR "
            "tenant_id = NULLIF(current_setting('cc.tenant_id', true), '')::int)"
        ))


def tables_with_policy(conn: Connection) -> set[str]:
    rows = conn.execute(text("SELECT tablename FROM pg_policies WHERE policyname = :p"), {"p": POLICY})
    return {r[0] for r in rows}
