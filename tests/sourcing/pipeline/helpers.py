"""Builders of the pipeline tests: a need with candidates on its shortlist, the secret
link read back from the e-mail the company got."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import select

from integrations.db import system_session, tenant_session
from integrations.outbox import OutboxMessage
from tenants.sourcing.partners.models import Person as Contact
from tenants.sourcing.pipeline import services as pipe
from tests.conftest import Person, World
from tests.sourcing.search.helpers import make_field, make_student
from tests.sourcing.util import link_company_contact, make_company, make_need


@dataclass
class Setup:
    w: World
    company_id: int
    need_id: int
    field_id: int
    students: dict[str, Person] = field(default_factory=dict)
    entries: dict[str, int] = field(default_factory=dict)


def add_contact(w: World, company_id: int, email: str, name: str = "RH Acme") -> int:
    with tenant_session(w.tenant_id) as s:
        p = Contact(tenant_id=w.tenant_id, full_name=name, name_key=name.lower(), email=email, company_id=company_id)
        s.add(p)
        s.commit()
        return p.id


def setup_need(w: World, *, consents: dict[str, bool | None] | None = None, company: str = "Acme",
               signed_in_contact: bool = True) -> Setup:
    """A company with an e-mail contact (and the world's company_contact signed in for it),
    a need, and students shortlisted by the counselor; `consents` name → consent."""
    consents = consents if consents is not None else {"amina": True, "sara": True, "youssef": False}
    cid = make_company(w, company, sector="Numérique")
    add_contact(w, cid, f"rh@{company.lower()}.test")
    if signed_in_contact:
        link_company_contact(w, cid)
    fid = make_field(w, f"Informatique {company}")
    nid = make_need(w, cid, title="Développeur Python", skills=["Python"], field_ids=[fid], level="bac+5")
    st = Setup(w, cid, nid, fid)
    for key, granted in consents.items():
        st.students[key] = make_student(w, f"{key}.{company.lower()}", key.title() + " Test", consent=granted,
                                        field_id=fid, level="bac+5", skills=["Python"])
        st.entries[key] = pipe.do_shortlist(w.counselor.actor, w.tenant_id, nid, st.students[key].membership_id).id
    return st


def secret_of(share_id: int) -> str:
    """The secret of a sending, as the company reads it in its e-mail."""
    with system_session("test: read mail") as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key.like(f"profiles-sent:{share_id}:%"))
                      ).all()
    assert rows, "no e-mail was sent"
    m = re.search(r"/shared/profiles\?t=([A-Za-z0-9_-]+)", rows[0].payload["text"])
    assert m
    return m.group(1)
