"""Helpers shared by the REST tests and the REST isolation matrix."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from integrations.db import system_session
from integrations.outbox import OutboxMessage
from tenants.auth.models import ApiToken, AuthSession
from tenants.auth.services import do_create_api_token, issue_sign_in_ticket, redeem_sign_in_ticket
from tenants.core.models import Account, AuditEvent, Membership
from tests.conftest import Person


def bearer_for(person: Person, name: str = "test") -> dict[str, str]:
    """Authorization header with a fresh API token of the person's membership."""
    issued = do_create_api_token(person.actor, name=name)
    return {"Authorization": f"Bearer {issued.secret}"}


def cookie_for(person: Person) -> dict[str, str]:
    """Cookie header of a browser session, as /auth/session would have set it."""
    ticket = issue_sign_in_ticket(person.account_id, tenant_id=person.tenant_id)
    return {"Cookie": f"cc_session={redeem_sign_in_ticket(ticket).token}"}


def snapshot() -> dict[str, object]:
    """What a refused request must leave unchanged. A token's last_used_at is left out:
    reading it is what authenticating does."""
    with system_session("test snapshot") as s:
        return {
            "accounts": sorted((a.id, a.email, a.active, a.password_hash is not None)
                               for a in s.exec(select(Account)).all()),
            "memberships": sorted((m.id, m.tenant_id, tuple(m.roles), tuple(m.responsibilities), m.active)
                                  for m in s.exec(select(Membership)).all()),
            "tokens": sorted((t.id, t.tenant_id, t.name, t.revoked_at is not None)
                             for t in s.exec(select(ApiToken)).all()),
            "audit": s.exec(select(func.count()).select_from(AuditEvent)).one(),
            "outbox": s.exec(select(func.count()).select_from(OutboxMessage)).one(),
            "sessions": s.exec(select(func.count()).select_from(AuthSession)).one(),
        }


def error_code(resp) -> str:  # noqa: ANN001
    return resp.json()["error"]["code"]
