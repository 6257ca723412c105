"""Students with profiles, written straight to the tables, for the mailing tests."""

from __future__ import annotations

from integrations.db import system_session, tenant_session
from tenants.core.models import Account, Membership
from tenants.portal.profiles.models import StudentProfile


def add_students(tenant_id: int, n: int, *, level: str = "M1", prefix: str = "etu", locale: str = "fr") -> list[str]:
    """`n` active students with a profile; their e-mail addresses."""
    emails = []
    with system_session("test fixture") as s:
        accounts = [Account(email=f"{prefix}{i}.{tenant_id}@etu.test", full_name=f"Salma{i} Idrissi",
                            locale=locale) for i in range(n)]
        s.add_all(accounts)
        s.flush()
        members = [Membership(tenant_id=tenant_id, account_id=a.id, roles=["student"]) for a in accounts]
        s.add_all(members)
        s.flush()
        s.add_all([StudentProfile(tenant_id=tenant_id, membership_id=m.id, full_name=a.full_name, level=level)
                   for a, m in zip(accounts, members, strict=True)])
        s.commit()
        emails = [a.email for a in accounts]
    return emails


def deliveries(tenant_id: int, mailing_id: int) -> dict[str, tuple[str, str]]:
    from sqlmodel import select

    from workflows.communications.models import MailDelivery

    with tenant_session(tenant_id) as s:
        return {d.email: (d.state, d.reason) for d in s.exec(
            select(MailDelivery).where(MailDelivery.mailing_id == mailing_id)).all()}
