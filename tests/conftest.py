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

from sqlalchemy import text  # noqa: E402

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
    eng = owner_engine()
    names = [t.name for t in reversed(metadata.sorted_tables)]
    with eng.begin() as conn:
        if IS_PG:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))
        else:
            for n in names:
                conn.execute(text(f'DELETE FROM "{n}"'))
    eng.dispose()


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
