"""Resolving a bearer token, which every REST call does, on the driver's connection (one round
trip on PostgreSQL): it gives the same actor the ORM would, refuses anything inactive or
revoked, records the use at most once a minute, and works without libpq's pipeline mode."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from integrations import driver
from integrations.db import system_session, utcnow
from tenants.auth import services as auth
from tenants.auth.models import ApiToken
from tenants.core.models import Account, Membership, Tenant
from tests.conftest import IS_PG


def _last_used(token_id: int):  # noqa: ANN202
    with system_session("test: token") as s:
        return s.exec(select(ApiToken.last_used_at).where(ApiToken.id == token_id)).one()


def _set(model, row_id: int, **values) -> None:  # noqa: ANN001
    with system_session("test: edit") as s:
        s.execute(update(model).where(model.id == row_id).values(**values))
        s.commit()


def test_a_token_resolves_to_its_membership_with_every_field(world_a):
    a = world_a
    issued = auth.do_create_api_token(a.manager.actor, name="script")
    actor, slug = auth.token_identity(issued.secret)
    m = a.manager.actor
    assert (actor.account_id, actor.email, actor.full_name, actor.tenant_id, actor.membership_id,
            actor.roles, actor.network_role) == (m.account_id, m.email, m.full_name, a.tenant_id,
                                                 m.membership_id, m.roles, m.network_role)
    assert slug == a.slug and isinstance(actor.roles, frozenset) and actor.roles


def test_the_use_is_recorded_at_most_once_a_minute(world_a):
    a = world_a
    issued = auth.do_create_api_token(a.counselor.actor, name="script")
    assert _last_used(issued.id) is None
    auth.token_identity(issued.secret)
    first = _last_used(issued.id)
    assert first is not None
    auth.token_identity(issued.secret)
    assert _last_used(issued.id) == first
    _set(ApiToken, issued.id, last_used_at=utcnow() - timedelta(minutes=2))
    auth.token_identity(issued.secret)
    assert _last_used(issued.id) > first


@pytest.mark.parametrize("what", ["revoked", "membership", "account", "centre", "unknown", "no_prefix"])
def test_a_revoked_token_or_an_inactive_holder_resolves_to_nobody(world_a, what):
    a = world_a
    issued = auth.do_create_api_token(a.counselor.actor, name="script")
    secret = issued.secret
    if what == "revoked":
        _set(ApiToken, issued.id, revoked_at=utcnow())
    elif what == "membership":
        _set(Membership, a.counselor.membership_id, active=False)
    elif what == "account":
        _set(Account, a.counselor.account_id, active=False)
    elif what == "centre":
        _set(Tenant, a.tenant_id, active=False)
    elif what == "unknown":
        secret = secret[:-4] + "zzzz"
    else:
        secret = secret.removeprefix(auth.TOKEN_PREFIX)
    assert auth.token_identity(secret) is None


@pytest.mark.skipif(not IS_PG, reason="libpq's pipeline mode is PostgreSQL's")
def test_without_pipeline_mode_the_same_statements_run_one_after_another(world_a, monkeypatch):
    from tenants.portal.registrations import services as reg
    from tests.portal.registrations.util import publish

    a = world_a
    monkeypatch.setattr(driver, "PIPELINE_MODE", False)
    issued = auth.do_create_api_token(a.student.actor, name="app")
    assert auth.token_identity(issued.secret)[0].membership_id == a.student.membership_id
    eid = publish(a, capacity=5)
    assert reg._register_in_one_go(a.student.actor, a.tenant_id, eid, a.student.membership_id).status == "confirmed"
