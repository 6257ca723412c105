"""The dev mailbox: what the embedded default 'sent' instead of SMTP, readable by staff.

DevMail rows are network-wide (they carry an address, not a tenant), so a centre's
staff see only mail addressed to accounts that are members of their centre;
network admins see all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import func, select

from integrations.db import system_session
from integrations.mail import DevMail
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership
from tenants.core.roles import Perm

MAX_PAGE = 100


@dataclass(frozen=True)
class MailView:
    id: int
    to_email: str
    subject: str
    body_text: str
    created_at: datetime


@dataclass(frozen=True)
class MailPage:
    items: list[MailView]
    total: int
    page: int
    per_page: int


def list_dev_mail(actor: Actor, tenant_id: int | None, *, page: int = 1, per_page: int = 20) -> MailPage:
    """Newest first. `tenant_id` None is the whole network (network admins only)."""
    if tenant_id is None:
        require(actor, Perm.NETWORK_ADMIN)
    else:
        require(actor, Perm.MAILBOX_VIEW, tenant_id=tenant_id)
    page = max(int(page or 1), 1)
    per_page = min(max(int(per_page or 20), 1), MAX_PAGE)
    with system_session("dev mailbox: mail of one centre's members") as s:
        q = select(DevMail)
        if tenant_id is not None:
            members = (select(Account.email).join(Membership, Membership.account_id == Account.id)
                       .where(Membership.tenant_id == tenant_id))
            q = q.where(DevMail.to_email.in_(members))
        total = s.exec(select(func.count()).select_from(q.subquery())).one()
        rows = s.exec(q.order_by(DevMail.created_at.desc(), DevMail.id.desc())
                      .offset((page - 1) * per_page).limit(per_page)).all()
        items = [MailView(r.id, r.to_email, r.subject, r.body_text, r.created_at) for r in rows]
        return MailPage(items, int(total), page, per_page)
