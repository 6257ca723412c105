"""Company access to the company portal (P22.1): the centre invites a company's contact, or a
company asks for access on a public page and the centre approves (or rejects) the request.

An invited contact gets an account (or keeps theirs: accounts are network-wide), a membership
of the centre with the role company_contact, and their contact record (Person) is linked to
that membership: `tenants.sourcing.access.company_person` then says which company they speak
for. The invitation e-mail is built like the team's: a new person chooses a password through
an invitation link (the same reset token), someone with a password is told to sign in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import String, cast
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from integrations import outbox, ratelimit
from integrations.crypto import token_hash
from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.errors import Conflict, Invalid, NotFound, RateLimited
from integrations.i18n import t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from integrations.validation import as_invalid, parse
from tenants.auth.services import create_reset_token
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.queries import find_account_by_email, get_tenant_by_slug
from tenants.core.roles import Perm, Role
from tenants.core.services import audit
from tenants.sourcing.needs.models import CompanyAccessRequest
from tenants.sourcing.partners.models import Company, Person, PersonKind
from tenants.sourcing.partners.services import (
    CompanyInput,
    ContactIn,
    Page,
    PersonInput,
    _company_name,
    _email,
    _page_args,
    _paged,
    create_company_in,
    create_person_in,
    fill_empty,
    live_company,
    live_person,
    para_text,
    person_key,
)
from tenants.team.services import INVITE_HOURS

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
# a public form: a few tries an hour per address and per e-mail
REQUEST_RATE = "5/hour"


# ---------------------------------------------------------------- input

class AccessRequestInput(ContactIn):
    company_name: str
    full_name: str
    email: str
    phone: str = ""
    job_title: str = ""
    message: str = ""

    @field_validator("company_name", mode="before")
    @classmethod
    def _company(cls, v: object) -> str:
        return _company_name(v)

    @field_validator("email", mode="before")
    @classmethod
    def _mail(cls, v: object) -> str:
        v = _email(v)
        if not v:
            raise ValueError("invalid_email:an e-mail address is required")
        return v

    @field_validator("message", mode="before")
    @classmethod
    def _message(cls, v: object) -> str:
        return para_text(v, 2000)


class InviteInput(BaseModel):
    """Invite an existing contact (person_id), or a new one (full_name, email, company_id)."""

    model_config = ConfigDict(extra="forbid")
    person_id: int | None = None
    full_name: str = ""
    email: str = ""
    company_id: int | None = None
    job_title: str = ""


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class AccessRequestView:
    id: int
    company_name: str
    full_name: str
    email: str
    phone: str
    job_title: str
    message: str
    status: str
    company_id: int | None
    requested_at: datetime
    handled_at: datetime | None
    rejection_reason: str


@dataclass(frozen=True)
class InvitationView:
    person_id: int
    company_id: int
    membership_id: int
    email: str
    # False: the person already had a password and was told to sign in
    new_account: bool


def _request_view(r: CompanyAccessRequest) -> AccessRequestView:
    return AccessRequestView(r.id, r.company_name, r.full_name, r.email, r.phone, r.job_title, r.message, r.status,
                             r.company_id, r.requested_at, r.handled_at, r.rejection_reason)


def _contact_by_email(s: Session, email: str) -> Person | None:
    """The oldest contact not merged away with this e-mail (an invitation or a request reuses it)."""
    return s.exec(select(Person).where(Person.email == email, Person.merged_into_id.is_(None))
                  .order_by(Person.id)).first()


# ---------------------------------------------------------------- invitation

def invite_person_in(s: Session, actor: Actor, tenant_id: int, person: Person) -> InvitationView:
    """Inside the caller's transaction: give `person` access to the company portal."""
    if person.company_id is None:
        raise Invalid("choose the company this person speaks for", code="company_required")
    live_company(s, person.company_id)
    if not person.email:
        raise Invalid("this contact has no e-mail address", code="email_required")
    tenant = s.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("unknown centre", code="unknown_tenant")
    account = find_account_by_email(s, person.email)
    if account is None:
        account = Account(email=person.email, full_name=person.full_name)
        s.add(account)
        s.flush()
    elif not account.active:
        raise Conflict("this account is deactivated", code="account_inactive")
    m = s.exec(select(Membership).where(Membership.tenant_id == tenant_id,
                                        Membership.account_id == account.id)).first()
    if m is not None and not m.active:
        raise Conflict("this person's place in the centre is deactivated", code="member_inactive")
    if m is None:
        m = Membership(tenant_id=tenant_id, account_id=account.id, roles=[Role.COMPANY_CONTACT.value],
                       invited_by_account_id=actor.account_id)
        s.add(m)
        s.flush()
    elif Role.COMPANY_CONTACT.value not in m.roles:
        m.roles = [*m.roles, Role.COMPANY_CONTACT.value]
        s.add(m)
    other = s.exec(select(Person).where(Person.membership_id == m.id, Person.id != person.id,
                                        Person.merged_into_id.is_(None))).first()
    if other is not None:
        raise Conflict("this account already speaks for another contact", code="contact_already_linked",
                       existing_id=other.id)
    person.membership_id = m.id
    person.updated_at = utcnow()
    s.add(person)
    company = s.get(Company, person.company_id)
    lang = account.locale or "fr"
    params = dict(name=account.full_name, inviter=actor.full_name or actor.email, tenant=tenant.name,
                  company=company.name if company else "")
    base = get_settings().base_url
    new_account = account.password_hash is None
    if new_account:
        token = create_reset_token(s, account, purpose="invite", hours=INVITE_HOURS)
        subject = t("mail.company_invite.subject", lang, **params)
        body = t("mail.company_invite.body", lang, link=f"{base}/reset?token={token}", **params)
        key = f"company-invite:{token_hash(token)}"
    else:
        subject = t("mail.company_added.subject", lang, **params)
        body = t("mail.company_added.body", lang, link=f"{base}/login", **params)
        key = f"company-added:{tenant_id}:{m.id}:{person.id}:{int(utcnow().timestamp())}"
    outbox.enqueue(s, EMAIL_KIND, {"to": account.email, "subject": subject, "text": body},
                   key=key, tenant_id=tenant_id)
    audit(s, actor, "company_contact.invited", tenant_id=tenant_id, target_type="person", target_id=person.id,
          membership_id=m.id, company_id=person.company_id, email=person.email)
    return InvitationView(person.id, person.company_id, m.id, person.email, new_account)


def do_invite_contact(actor: Actor, tenant_id: int, data: dict | InviteInput) -> InvitationView:
    """Invite a company's contact to the company portal: an existing contact (`person_id`) or a
    new one (name, e-mail and company; an existing contact with that e-mail is reused)."""
    require(actor, Perm.PARTNER_MANAGE, tenant_id=tenant_id)
    inp = parse(InviteInput, data)
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            if inp.person_id is not None:
                person = live_person(s, inp.person_id, for_update=True)
            else:
                new = parse(PersonInput, {"full_name": inp.full_name, "email": inp.email,
                                          "company_id": inp.company_id, "job_title": inp.job_title,
                                          "kind": PersonKind.HR.value})
                if not new.email:
                    raise Invalid("an e-mail address is required", code="invalid_email")
                if new.company_id is None:
                    raise Invalid("choose the company this person speaks for", code="company_required")
                live_company(s, new.company_id)
                person = _contact_by_email(s, new.email)
                if person is None:
                    person = create_person_in(s, actor, tenant_id, new, allow_duplicate=True)
                elif person.company_id is None:
                    person.company_id = new.company_id
                elif person.company_id != new.company_id:
                    raise Conflict("this e-mail is a contact of another company", code="duplicate_person",
                                   existing_id=person.id, existing_name=person.full_name)
            return invite_person_in(s, actor, tenant_id, person)
    except IntegrityError as exc:
        raise Conflict("this person was invited meanwhile; try again", code="already_member") from exc


# ---------------------------------------------------------------- requests (public)

def _staff_recipients(s: Session, tenant_id: int) -> list[Account]:
    """The centre's business developers, else its managers."""
    for role in (Role.BUSINESS_DEVELOPER, Role.MANAGER):
        rows = s.exec(select(Account).join(Membership, Membership.account_id == Account.id)
                      .where(Membership.tenant_id == tenant_id, Membership.active, Account.active,
                             cast(Membership.roles, String).like(f'%"{role.value}"%'))
                      .order_by(Account.id)).all()
        if rows:
            return list(rows)
    return []


def do_request_access(tenant_slug: str, data: dict | AccessRequestInput, *, client_ip: str = "") -> AccessRequestView:
    """A company asks for access to the company portal (no sign-in). One open request per
    e-mail; the centre's business developers (else its managers) are told by e-mail."""
    inp = parse(AccessRequestInput, data)
    with system_session("company access request: centre") as s:
        tenant = get_tenant_by_slug(s, tenant_slug)
        tenant_id, tenant_name = tenant.id, tenant.name
    if not ratelimit.hit(REQUEST_RATE, "company-access-ip", client_ip or "-") \
            or not ratelimit.hit(REQUEST_RATE, "company-access-email", inp.email):
        raise RateLimited("too many requests; try again later", code="rate_limited")
    link = f"{get_settings().base_url.rstrip('/')}/staff/partners/access"
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            open_one = s.exec(select(CompanyAccessRequest).where(CompanyAccessRequest.email == inp.email,
                                                                 CompanyAccessRequest.status == PENDING)).first()
            if open_one is not None:
                raise Conflict("a request with this e-mail is already waiting", code="access_already_requested")
            r = CompanyAccessRequest(tenant_id=tenant_id, company_name=inp.company_name, full_name=inp.full_name,
                                     email=inp.email, phone=inp.phone, job_title=inp.job_title,
                                     message=inp.message, status=PENDING, requested_at=utcnow())
            s.add(r)
            s.flush()
            for a in _staff_recipients(s, tenant_id):
                lang = a.locale or "fr"
                values = dict(name=a.full_name, tenant=tenant_name, company=r.company_name, person=r.full_name,
                              email=r.email, link=link)
                outbox.enqueue(s, EMAIL_KIND, {"to": a.email,
                                               "subject": t("mail.company_access_request.subject", lang, **values),
                                               "text": t("mail.company_access_request.body", lang, **values)},
                               key=f"company-access-request:{tenant_id}:{r.id}:{a.id}", tenant_id=tenant_id)
            audit(s, None, "company_access.requested", tenant_id=tenant_id, target_type="company_access_request",
                  target_id=r.id, email=r.email, company=r.company_name)
            return _request_view(r)
    except IntegrityError as exc:  # two submissions at the same moment: the unique index decides
        raise Conflict("a request with this e-mail is already waiting", code="access_already_requested") from exc


# ---------------------------------------------------------------- requests (staff)

def list_access_requests(actor: Actor, tenant_id: int, *, status: str | None = PENDING, page: int = 1,
                         per_page: int = 50) -> Page[AccessRequestView]:
    """Pending requests oldest first (the queue); handled ones newest first."""
    require(actor, Perm.PARTNER_VIEW, tenant_id=tenant_id)
    page, per_page = _page_args(page, per_page)
    if status not in (None, PENDING, APPROVED, REJECTED):
        raise Invalid("unknown status", code="invalid_filter")
    with tenant_session(tenant_id) as s:
        q = select(CompanyAccessRequest)
        if status is not None:
            q = q.where(CompanyAccessRequest.status == status)
        order = (CompanyAccessRequest.requested_at, CompanyAccessRequest.id) if status == PENDING else \
            (CompanyAccessRequest.requested_at.desc(), CompanyAccessRequest.id.desc())
        rows, total = _paged(s, q, page, per_page, *order)
        return Page([_request_view(r) for r in rows], total, page, per_page)


def _pending_request(s: Session, request_id: int) -> CompanyAccessRequest:
    r = s.exec(select(CompanyAccessRequest).where(CompanyAccessRequest.id == request_id).with_for_update()).first()
    if r is None:
        raise NotFound("request not found", code="not_found")
    if r.status != PENDING:
        raise Conflict("this request was already handled", code="access_request_handled")
    return r


def do_approve_access_request(actor: Actor, tenant_id: int, request_id: int, *, company_id: int | None = None,
                              allow_duplicate: bool = False) -> InvitationView:
    """Approve: link the request to a company of the map (`company_id`), or create one from the
    name it gave (duplicate_company when the map has it, unless `allow_duplicate`); find or
    create the contact, then invite them like any contact."""
    require(actor, Perm.PARTNER_MANAGE, tenant_id=tenant_id)
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            r = _pending_request(s, request_id)
            if company_id is not None:
                company = live_company(s, company_id)
            else:
                company = create_company_in(s, actor, tenant_id, parse(CompanyInput, {"name": r.company_name}),
                                            allow_duplicate=allow_duplicate)
            person = _contact_by_email(s, r.email)
            if person is None:
                person = create_person_in(s, actor, tenant_id, PersonInput(
                    full_name=r.full_name, email=r.email, phone=r.phone, job_title=r.job_title,
                    company_id=company.id), allow_duplicate=True)
            else:
                person.company_id = company.id
                fill_empty(person, r, ("phone", "job_title"))
                person.name_key = person.name_key or person_key(person.full_name)
            invitation = invite_person_in(s, actor, tenant_id, person)
            r.status, r.company_id = APPROVED, company.id
            r.handled_by_membership_id, r.handled_at = actor.membership_id, utcnow()
            s.add(r)
            audit(s, actor, "company_access.approved", tenant_id=tenant_id, target_type="company_access_request",
                  target_id=r.id, company_id=company.id, person_id=person.id)
            return invitation
    except IntegrityError as exc:
        raise Conflict("this request was handled meanwhile; try again", code="access_request_handled") from exc


def do_reject_access_request(actor: Actor, tenant_id: int, request_id: int, *, reason: str) -> AccessRequestView:
    """Reject with a reason, which the requester receives by e-mail."""
    require(actor, Perm.PARTNER_MANAGE, tenant_id=tenant_id)
    with as_invalid():
        reason = para_text(reason, 2000)
    if len(reason) < 3:
        raise Invalid("say why", code="reason_required")
    with tenant_session(tenant_id) as s, transaction(s):
        r = _pending_request(s, request_id)
        r.status, r.rejection_reason = REJECTED, reason
        r.handled_by_membership_id, r.handled_at = actor.membership_id, utcnow()
        s.add(r)
        tenant = s.get(Tenant, tenant_id)
        values = dict(name=r.full_name, tenant=tenant.name if tenant else "", company=r.company_name, reason=reason)
        outbox.enqueue(s, EMAIL_KIND, {"to": r.email,
                                       "subject": t("mail.company_access_rejected.subject", "fr", **values),
                                       "text": t("mail.company_access_rejected.body", "fr", **values)},
                       key=f"company-access-rejected:{tenant_id}:{r.id}", tenant_id=tenant_id)
        audit(s, actor, "company_access.rejected", tenant_id=tenant_id, target_type="company_access_request",
              target_id=r.id)
        return _request_view(r)
