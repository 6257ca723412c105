"""Shared fixtures. The database is SQLite by default and PostgreSQL when
CC_TEST_DATABASE_URL is set; Redis-backed parts use CC_TEST_REDIS_URL.

Fixtures build two tenants by default so isolation is exercised everywhere (DESIGN §11).
"""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="cc-test-"))
TEST_DB_URL = os.environ.get("CC_TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"
TEST_REDIS_URL = os.environ.get("CC_TEST_REDIS_URL")
os.environ["CC_DATABASE_URL"] = TEST_DB_URL
os.environ["CC_DATA_DIR"] = str(_TMP)
os.environ.setdefault("CC_SECRET_KEY", "test-secret-key")
os.environ.pop("CC_SMTP_URL", None)
if TEST_REDIS_URL:
    os.environ["CC_REDIS_URL"] = TEST_REDIS_URL
else:
    os.environ.pop("CC_REDIS_URL", None)

from sqlalchemy import Engine, text  # noqa: E402

from integrations import ratelimit  # noqa: E402
from integrations.db import metadata, owner_engine, reset_engine, system_session  # noqa: E402
from integrations.settings import reset_settings  # noqa: E402

reset_settings()
reset_engine()

IS_PG = TEST_DB_URL.startswith("postgresql")


def _fresh_schema() -> None:
    from cc_network.migrate import migrate

    if IS_PG:
        eng = owner_engine()
        with eng.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        eng.dispose()
    migrate()


@pytest.fixture(scope="session", autouse=True)
def _schema():
    import cc_network.models  # noqa: F401

    _fresh_schema()
    yield
    reset_engine()


def _wipe() -> None:
    names = [t.name for t in reversed(metadata.sorted_tables)]  # referencing tables first
    if IS_PG:
        _wipe_pg(names)
        return
    eng = owner_engine()
    with eng.begin() as conn:
        for n in names:
            conn.execute(text(f'DELETE FROM "{n}"'))
    eng.dispose()


# Sequences owned (serial or identity) by the given tables that have handed out a value: what
# TRUNCATE ... RESTART IDENTITY restarts. Rolled-back inserts move them too, so not only the filled.
_RESTART_SEQUENCES = """
SELECT setval(s.seqrelid::regclass, s.seqstart, false)
FROM pg_depend d JOIN pg_sequence s ON s.seqrelid = d.objid
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
  AND d.deptype IN ('a', 'i') AND d.refobjid = ANY(%s::regclass[])
  AND pg_sequence_last_value(s.seqrelid) IS NOT NULL
"""


@functools.cache
def _wipe_engine() -> tuple[Engine, str]:
    """One engine for the whole run, its connection keeping the prepared statements below, and
    the settings each wipe starts with."""
    eng = owner_engine()
    with eng.connect() as conn:
        superuser = conn.execute(text("SELECT current_setting('is_superuser')")).scalar() == "on"
    # A test database need not survive a crash. The foreign-key triggers have nothing to guard
    # when every table with rows is emptied; only a superuser may turn them off.
    settings = "SELECT set_config('synchronous_commit', 'off', true)"
    if superuser:
        settings += ", set_config('session_replication_role', 'replica', true)"
    return eng, settings


def _wipe_pg(names: list[str]) -> None:
    """One TRUNCATE of every table cost ~0.4 s a test (new files for each table and index),
    while a test fills a handful: find those with one prepared query, DELETE their rows and
    restart the sequences that moved. Each test still starts from empty tables and ids from 1."""
    quoted = [f'"{n}"' for n in names]
    probe = " UNION ALL ".join(f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {q})" for i, q in enumerate(quoted))
    eng, settings = _wipe_engine()
    with eng.begin() as conn, conn.connection.driver_connection.cursor() as cur:
        cur.execute(settings, prepare=True)
        for (i,) in sorted(cur.execute(probe, prepare=True).fetchall()):
            cur.execute(f"DELETE FROM {quoted[i]}")  # in `names` order, for when the triggers run
        cur.execute(_RESTART_SEQUENCES, (quoted,), prepare=True)


@pytest.fixture(autouse=True)
def _clean_db():
    # a failed test's traceback can keep a cursor alive on a pooled connection: start afresh
    reset_engine()
    _wipe()
    ratelimit.reset_all()
    if TEST_REDIS_URL:
        import redis

        redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    yield


# ---------------------------------------------------------------- builders

PASSWORD = "Correct-horse-42"


@dataclass
class Person:
    account_id: int
    email: str
    membership_id: int | None
    tenant_id: int | None
    roles: tuple[str, ...]

    @property
    def actor(self):
        from tenants.auth.services import actor_for

        return actor_for(self.account_id, self.tenant_id)


@dataclass
class World:
    tenant_id: int
    slug: str
    manager: Person
    counselor: Person
    student: Person
    people: dict[str, Person]


def create_tenant(slug: str, name: str | None = None, kind: str = "university") -> int:
    from tenants.core.services import do_create_tenant

    with system_session("test fixture") as s:
        t = do_create_tenant(s, None, slug=slug, name=name or slug.upper(), kind=kind)
        s.commit()
        return t.id


@functools.lru_cache
def _hash(password: str) -> str:
    # argon2 is deliberately slow; fixtures hash each distinct password once
    from tenants.auth.passwords import hash_password

    return hash_password(password)


def create_person(email: str, *, tenant_id: int | None = None, roles: list[str] | tuple[str, ...] = (),
                  network_role: str | None = None, password: str = PASSWORD, name: str | None = None,
                  responsibilities: list[str] | None = None) -> Person:
    from tenants.core.models import Account, Membership
    from tenants.core.queries import find_account_by_email

    with system_session("test fixture") as s:
        acc = find_account_by_email(s, email)
        if acc is None:
            acc = Account(email=email.lower(), full_name=name or email.split("@")[0].title(),
                          password_hash=_hash(password), network_role=network_role)
            s.add(acc)
            s.flush()
        mid = None
        if tenant_id is not None:
            m = Membership(tenant_id=tenant_id, account_id=acc.id, roles=list(roles),
                           responsibilities=list(responsibilities or []))
            s.add(m)
            s.flush()
            mid = m.id
        s.commit()
        return Person(acc.id, acc.email, mid, tenant_id, tuple(roles))


def build_world(slug: str) -> World:
    tid = create_tenant(slug, f"Centre {slug.upper()}")
    people = {
        "manager": create_person(f"manager@{slug}.test", tenant_id=tid, roles=["manager"]),
        "counselor": create_person(f"counselor@{slug}.test", tenant_id=tid, roles=["career_counselor"],
                                   responsibilities=["coordination"]),
        "business_developer": create_person(f"bizdev@{slug}.test", tenant_id=tid, roles=["business_developer"]),
        "ambassador": create_person(f"ambassador@{slug}.test", tenant_id=tid, roles=["ambassador"]),
        "intern": create_person(f"intern@{slug}.test", tenant_id=tid, roles=["intern"]),
        "student": create_person(f"student@{slug}.test", tenant_id=tid, roles=["student"]),
        "host_approver": create_person(f"approver@{slug}.test", tenant_id=tid, roles=["host_approver"]),
        "host_focal_point": create_person(f"focal@{slug}.test", tenant_id=tid, roles=["host_focal_point"]),
        "company_contact": create_person(f"company@{slug}.test", tenant_id=tid, roles=["company_contact"]),
    }
    return World(tid, slug, people["manager"], people["counselor"], people["student"], people)


@pytest.fixture
def world_a() -> World:
    return build_world("alpha")


@pytest.fixture
def world_b() -> World:
    return build_world("beta")


@pytest.fixture
def worlds(world_a, world_b) -> tuple[World, World]:
    return world_a, world_b


@pytest.fixture
def network_admin() -> Person:
    return create_person("admin@network.test", network_role="network_admin")


@pytest.fixture
def run_outbox():
    """Deliver every due outbox message in-process (the relay's work, without a broker)."""
    import integrations.mail  # noqa: F401  (registers the e-mail handler)
    from integrations import outbox

    def _run() -> list[str]:
        states = []
        with system_session("test relay") as s:
            for mid in outbox.due_ids(s):
                states.append(outbox.deliver(s, mid))
        return states

    return _run
