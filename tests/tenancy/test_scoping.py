"""Tenancy at the data layer (DESIGN §4, issue 2 §4).

Every tenant-owned class is found from the mappers, so a table added later is
covered by these tests without touching them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import ForeignKeyConstraint, UniqueConstraint, insert, select, text
from sqlalchemy.exc import IntegrityError

import cc_network.models  # noqa: F401
from integrations.db import (
    TenantOwned,
    get_engine,
    metadata,
    system_session,
    tenant_owned_classes,
    tenant_owned_tables,
    tenant_session,
    unscoped_session,
)
from integrations.errors import TenantScopeError
from tenants.core.models import Account, Membership
from tests.conftest import IS_PG

OWNED = tenant_owned_classes()


def test_every_table_with_a_tenant_id_is_a_tenant_owned_class():
    owned_tables = {c.__table__.name for c in OWNED}
    assert owned_tables == set(tenant_owned_tables())
    assert {"membership", "api_token", "audit_event"} <= owned_tables


@pytest.mark.parametrize("cls", OWNED, ids=lambda c: c.__name__)
def test_tenant_owned_table_shape(cls):
    table = cls.__table__
    # tenant_id NOT NULL, with a (tenant_id, id) key that children's composite FKs point at
    assert table.c.tenant_id.nullable is False
    uniques = [tuple(c.name for c in u.columns) for u in table.constraints if isinstance(u, UniqueConstraint)]
    assert ("tenant_id", "id") in uniques
    # every unique key includes tenant_id, but for hashes of random secrets (global by nature)
    uniques += [tuple(c.name for c in ix.columns) for ix in table.indexes if ix.unique]
    for cols in uniques:
        if len(cols) == 1 and cols[0].endswith("_hash"):
            continue
        assert "tenant_id" in cols, f"{table.name}: unique key {cols} must include tenant_id"
    # a reference to another tenant-owned table is a composite key carrying tenant_id
    owned_names = {c.__table__.name for c in OWNED}
    for fk in table.foreign_keys:
        target = fk.column.table.name
        if target in owned_names and fk.parent.name != "tenant_id":
            constraint = fk.constraint
            assert isinstance(constraint, ForeignKeyConstraint)
            assert "tenant_id" in constraint.column_keys, (
                f"{table.name}.{fk.parent.name} → {target} must be a composite (tenant_id, id) key")


def test_a_session_with_no_scope_fails_closed():
    with unscoped_session() as s:
        with pytest.raises(TenantScopeError):
            s.exec(select(Account))
        with pytest.raises(TenantScopeError):
            s.execute(text("SELECT 1"))
    with pytest.raises(TenantScopeError):
        system_session("")
    with pytest.raises(TenantScopeError):
        tenant_session(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", OWNED, ids=lambda c: c.__name__)
def test_compiled_sql_of_a_scoped_select_carries_the_tenant(cls, worlds):
    a, b = worlds
    for world in (a, b):
        seen = []

        from sqlalchemy import event

        def _capture(conn, cursor, statement, parameters, context, executemany, seen=seen):  # noqa: ANN001
            seen.append((statement, parameters))

        eng = get_engine()
        event.listen(eng, "before_cursor_execute", _capture)
        try:
            with tenant_session(world.tenant_id) as s:
                s.exec(select(cls)).all()
        finally:
            event.remove(eng, "before_cursor_execute", _capture)
        stmts = [(st, p) for st, p in seen if cls.__table__.name in st and "SELECT" in st.upper()]
        assert stmts, "the select was not executed"
        statement, params = stmts[-1]
        assert "tenant_id" in statement.split("WHERE", 1)[-1]
        values = list(params.values()) if isinstance(params, dict) else list(params)
        assert world.tenant_id in values


def test_scoped_session_sees_only_its_tenant(worlds):
    a, b = worlds
    with tenant_session(a.tenant_id) as s:
        rows = s.exec(select(Membership)).scalars().all()
        assert rows and {m.tenant_id for m in rows} == {a.tenant_id}
        # get() of another tenant's row answers nothing
        assert s.get(Membership, b.manager.membership_id) is None


def test_flush_refuses_a_row_of_another_tenant(worlds):
    a, b = worlds
    with tenant_session(a.tenant_id) as s:
        s.add(Membership(tenant_id=b.tenant_id, account_id=a.manager.account_id, roles=["student"]))
        with pytest.raises(TenantScopeError):
            s.flush()
    # and stamps a new row with the session's tenant
    with tenant_session(a.tenant_id) as s:
        acc = Account(email="new@x.test", full_name="New")
        s.add(acc)
        s.flush()
        m = Membership(account_id=acc.id, roles=["student"])
        s.add(m)
        s.commit()
        assert m.tenant_id == a.tenant_id


def test_system_session_needs_an_explicit_tenant_on_new_rows(world_a):
    with system_session("test") as s:
        s.add(Membership(account_id=world_a.manager.account_id, roles=["student"]))
        with pytest.raises(TenantScopeError):
            s.flush()


def test_bulk_update_in_a_tenant_session_cannot_touch_another_tenant(worlds):
    from sqlalchemy import update

    a, b = worlds
    with tenant_session(a.tenant_id) as s:
        s.execute(update(Membership).values(active=False))
        s.commit()
    with system_session("check") as s:
        b_rows = s.exec(select(Membership).where(Membership.tenant_id == b.tenant_id)).scalars().all()
        assert all(m.active for m in b_rows)


def test_composite_foreign_key_refuses_a_cross_tenant_link(worlds):
    """api_token(tenant_id, membership_id) → membership(tenant_id, id): tenant B cannot point at A's member."""
    a, b = worlds
    from tenants.auth.models import ApiToken

    eng = get_engine()
    with pytest.raises(IntegrityError):
        with eng.begin() as conn:
            if IS_PG:
                conn.execute(text("SELECT set_config('cc.system', 'on', true)"))
            conn.execute(insert(ApiToken.__table__).values(
                tenant_id=b.tenant_id, membership_id=a.manager.membership_id, name="x", prefix="x",
                token_hash="h" * 64, created_at=__import__("integrations.db", fromlist=["utcnow"]).utcnow()))


@pytest.mark.skipif(not IS_PG, reason="row-level security is PostgreSQL's")
def test_row_level_security_refuses_what_raw_sql_would_leak(worlds):
    a, b = worlds
    from integrations.rls import tables_with_policy

    with get_engine().connect() as conn:
        assert set(tenant_owned_tables()) <= tables_with_policy(conn)
    # raw SQL bypasses the ORM filter; the database still answers only tenant A's rows
    with tenant_session(a.tenant_id) as s:
        tenants_seen = {r[0] for r in s.connection().execute(text("SELECT tenant_id FROM membership"))}
        assert tenants_seen == {a.tenant_id}
        # and refuses to write a row for tenant B
        with pytest.raises(Exception) as exc:
            s.connection().execute(text(
                "INSERT INTO membership (tenant_id, account_id, roles, responsibilities, active, created_at) "
                "VALUES (:t, :a, '[]', '[]', true, now())"), {"t": b.tenant_id, "a": a.manager.account_id})
        assert "row-level security" in str(exc.value)


@pytest.mark.skipif(not IS_PG, reason="row-level security is PostgreSQL's")
def test_the_app_role_is_not_the_table_owner():
    with get_engine().connect() as conn:
        role = conn.execute(text("SELECT current_user")).scalar()
        owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = 'membership'")).scalar()
        bypass = conn.execute(text("SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
    assert role != owner
    assert bypass is False


def test_every_mapped_table_has_a_migration():
    """The schema built by the migrations matches the models (no forgotten revision)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from tenants.sourcing.search.ddl import include_object

    with get_engine().connect() as conn:
        if IS_PG:
            conn.execute(text("SELECT set_config('cc.system', 'on', false)"))
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": include_object}), metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_tenant_owned_mixin_is_the_only_way_to_own_rows():
    for table in metadata.sorted_tables:
        if "tenant_id" in table.c and table.name != "tenant":
            mapper_classes = [m.class_ for m in TenantOwned._sa_registry.mappers if m.local_table is table]  # type: ignore[attr-defined]
            assert mapper_classes and issubclass(mapper_classes[0], TenantOwned), table.name
