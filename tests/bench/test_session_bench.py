"""Sign-in session resolution: what every page load and websocket event pays."""

from __future__ import annotations

from sqlalchemy import text

from integrations.crypto import token_hash
from integrations.db import get_engine
from tenants.auth.services import issue_sign_in_ticket, redeem_sign_in_ticket, session_actor
from tests.bench.conftest import Result, compare

GOAL_RATIO = 15.0

BARE_SQL = text(
    "SELECT a.id, a.email, a.full_name, a.network_role, m.id, m.roles "
    "FROM auth_session s JOIN account a ON a.id = s.account_id "
    "LEFT JOIN membership m ON m.account_id = a.id AND m.tenant_id = s.current_tenant_id AND m.active "
    "WHERE s.token_hash = :h AND s.revoked_at IS NULL AND s.expires_at > CURRENT_TIMESTAMP "
    "AND a.active"
)


def test_session_actor_vs_bare_sql(world_a, record):
    manager = world_a.manager
    ticket = issue_sign_in_ticket(manager.account_id, tenant_id=world_a.tenant_id)
    token = redeem_sign_in_ticket(ticket).token
    actor = session_actor(token)
    assert actor is not None and actor.tenant_id == world_a.tenant_id

    engine = get_engine()

    def bare():
        with engine.connect() as conn:
            row = conn.execute(BARE_SQL, {"h": token_hash(token)}).first()
            assert row is not None
            return row

    def product():
        a = session_actor(token)
        assert a is not None
        return a

    median, base = compare(product, bare)
    r = record(Result("session_actor(token): cookie → Actor", f"≤ {GOAL_RATIO:.0f}× bare SQL", median,
                      "one bare SQL join on a pooled connection", base))
    assert r.ratio <= GOAL_RATIO, f"session resolution is {r.ratio:.1f}× the bare SQL lookup"
