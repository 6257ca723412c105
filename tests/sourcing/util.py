"""Fixture helpers of the sourcing tests: rows written directly, so each area's tests do not
depend on another area's services."""

from __future__ import annotations

from datetime import date, timedelta

from integrations.db import tenant_session, utcnow
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.partners.models import Company, Person
from tests.conftest import World


def make_company(w: World, name: str = "Acme", **kw) -> int:
    with tenant_session(w.tenant_id) as s:
        c = Company(tenant_id=w.tenant_id, name=name, name_key=name.lower(), **kw)
        s.add(c)
        s.commit()
        return c.id


def link_company_contact(w: World, company_id: int, *, key: str = "company_contact") -> int:
    """Makes the world's company contact (a membership with role company_contact) the
    company's signed-in person; returns the Person id."""
    person = w.people[key]
    with tenant_session(w.tenant_id) as s:
        p = Person(tenant_id=w.tenant_id, full_name="Company Contact", name_key="company contact",
                   email=person.email, company_id=company_id, membership_id=person.membership_id)
        s.add(p)
        s.commit()
        return p.id


def make_need(w: World, company_id: int, *, positions: int = 3, title: str = "Stagiaire data",
              kind: str = "internship", **kw) -> int:
    with tenant_session(w.tenant_id) as s:
        n = JobNeed(tenant_id=w.tenant_id, company_id=company_id, source="staff", title=title, kind=kind,
                    positions=positions, deadline=kw.pop("deadline", date.today() + timedelta(days=30)),
                    received_at=utcnow(), **kw)
        s.add(n)
        s.commit()
        return n.id
