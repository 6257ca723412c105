"""Reception of young people (P06): visit sheets, quick registration, kiosk check-in.

Staff, ambassadors and interns (VISIT_LOG) fill visit sheets; someone met at an event who is
not registered yet is registered on the spot (an account without password, a student
membership and an e-mail to choose a password). A reception kiosk, holding a secret token the
manager created, checks students in by e-mail or by their personal QR code. Statistics (P24)
count visits by (tenant_id, at).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from integrations import outbox, ratelimit
from integrations.crypto import new_token, token_hash
from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.errors import Conflict, Invalid, NotFound, RateLimited, Unauthenticated
from integrations.i18n import t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from integrations.validation import parse
from tenants.auth.services import clean_email, clean_name, create_reset_token
from tenants.calendar.models import Event
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.queries import find_account_by_email
from tenants.core.roles import Perm, Role
from tenants.core.services import audit
from tenants.portal import activity
from tenants.portal.profiles.models import StudentProfile
from tenants.portal.profiles.services import (
    _line,
    _own_student_membership,
    _para,
    clean_phone,
    ensure_profile,
    student_membership,
)
from tenants.portal.visits.models import Channel, KioskToken, Need, Visit

INVITE_HOURS = 24 * 7
# a visit may be logged a little ahead of the clock of the server, not more
FUTURE_SLACK = timedelta(minutes=5)
# a second check-in of the same student at a kiosk within this time is the same visit
CHECK_IN_REPEAT = timedelta(minutes=30)
KIOSK_RATE = "60/minute"
KIOSK_PREFIX = "ccnk_"


# ---------------------------------------------------------------- input

class NewStudentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str
    full_name: str
    phone: str = ""

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        return clean_phone(v)


class VisitInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    student_membership_id: int | None = None
    new_student: NewStudentInput | None = None
    at: datetime | None = None
    channel: Channel
    needs: list[Need] = Field(default_factory=list, max_length=len(Need))
    orientation: str = ""
    event_id: int | None = None

    @field_validator("orientation")
    @classmethod
    def _orientation(cls, v: str) -> str:
        return _para(v, 4000)

    @field_validator("needs")
    @classmethod
    def _needs(cls, v: list[Need]) -> list[Need]:
        return list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _check(self) -> VisitInput:
        if (self.student_membership_id is None) == (self.new_student is None):
            raise ValueError("visit_student_required:choose a registered student or register a new one")
        if self.channel == Channel.KIOSK:
            raise ValueError("invalid_channel:kiosk visits come from the kiosk")
        if self.at is not None and self.at.tzinfo is None:
            raise ValueError("naive_datetime:the time needs a time zone offset")
        return self


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class VisitView:
    id: int
    at: datetime
    channel: str
    needs: tuple[str, ...]
    orientation: str
    event_id: int | None
    student_membership_id: int | None
    student_name: str
    student_email: str
    logged_by_membership_id: int | None
    registered_here: bool
    # who filled the sheet (filled by list_visits; empty for a kiosk check-in)
    logged_by_name: str = ""


@dataclass(frozen=True)
class StudentHit:
    membership_id: int
    full_name: str
    email: str


@dataclass(frozen=True)
class VisitCounts:
    total: int
    students: int
    by_channel: dict[str, int]
    by_need: dict[str, int]


@dataclass(frozen=True)
class IssuedKiosk:
    id: int
    name: str
    secret: str  # shown once


@dataclass(frozen=True)
class KioskView:
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class CheckInView:
    visit_id: int
    # only the first name: a kiosk screen is seen by whoever stands behind
    first_name: str
    repeated: bool


def _view(v: Visit, a: Account | None) -> VisitView:
    return VisitView(v.id, v.at, v.channel, tuple(v.needs), v.orientation, v.event_id, v.student_membership_id,
                     a.full_name if a else "", a.email if a else "", v.logged_by_membership_id, v.registered_here)


# ---------------------------------------------------------------- quick registration

def _register_student(s: Session, actor: Actor, tenant_id: int, inp: NewStudentInput) -> tuple[Membership, bool]:
    """The student met at an event: returns (membership, registered_now). Someone who is already
    a student of the centre is just found again; nobody gets a second account."""
    email = clean_email(inp.email)
    name = clean_name(inp.full_name)
    tenant = s.get(Tenant, tenant_id)
    account = find_account_by_email(s, email)
    if account is not None:
        existing = s.exec(select(Membership).where(Membership.account_id == account.id)).first()
        if existing is not None:
            if existing.active and Role.STUDENT.value in existing.roles:
                return existing, False
            raise Conflict("this person already has a place in the centre", code="already_member")
    else:
        account = Account(email=email, full_name=name)
        s.add(account)
        s.flush()
    m = Membership(tenant_id=tenant_id, account_id=account.id, roles=[Role.STUDENT.value],
                   invited_by_account_id=actor.account_id)
    s.add(m)
    s.flush()
    if inp.phone:
        p = ensure_profile(s, tenant_id, m.id)
        p.phone = inp.phone
        s.add(p)
    lang = account.locale or "fr"
    params = dict(name=account.full_name, tenant=tenant.name, inviter=actor.full_name or actor.email)
    base = get_settings().base_url
    if account.password_hash is None:
        token = create_reset_token(s, account, purpose="invite", hours=INVITE_HOURS)
        subject = t("mail.student_registered.subject", lang, **params)
        body = t("mail.student_registered.body", lang, link=f"{base}/reset?token={token}", **params)
        key = f"student-invite:{token_hash(token)}"
    else:
        subject = t("mail.student_added.subject", lang, **params)
        body = t("mail.student_added.body", lang, link=f"{base}/login", **params)
        key = f"student-added:{tenant_id}:{m.id}"
    outbox.enqueue(s, EMAIL_KIND, {"to": account.email, "subject": subject, "text": body},
                   key=key, tenant_id=tenant_id)
    audit(s, actor, "student.registered_at_reception", tenant_id=tenant_id, target_type="membership",
          target_id=m.id, email=email)
    return m, True


# ---------------------------------------------------------------- visit sheets

def do_log_visit(actor: Actor, tenant_id: int, data: dict | VisitInput) -> VisitView:
    require(actor, Perm.VISIT_LOG, tenant_id=tenant_id)
    inp = parse(VisitInput, data)
    now = utcnow()
    at = inp.at or now
    if at > now + FUTURE_SLACK:
        raise Invalid("a visit cannot be in the future", code="visit_in_future")
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            if inp.event_id is not None and s.get(Event, inp.event_id) is None:
                raise NotFound("event not found", code="event_not_found")
            if inp.new_student is not None:
                m, registered = _register_student(s, actor, tenant_id, inp.new_student)
            else:
                m, _a = student_membership(s, tenant_id, inp.student_membership_id)
                if not m.active:
                    raise NotFound("student not found", code="student_not_found")
                registered = False
            v = Visit(tenant_id=tenant_id, student_membership_id=m.id, at=at, channel=inp.channel.value,
                      needs=[n.value for n in inp.needs], orientation=inp.orientation, event_id=inp.event_id,
                      logged_by_membership_id=actor.membership_id, registered_here=registered)
            s.add(v)
            s.flush()
            activity.emit(s, tenant_id, activity.VISIT_LOGGED, v)
            audit(s, actor, "visit.logged", tenant_id=tenant_id, target_type="visit", target_id=v.id,
                  channel=v.channel)
            return _view(v, s.get(Account, m.account_id))
    except IntegrityError as exc:
        # the same person registered by two people at the same moment: one wins
        raise Conflict("this person was registered meanwhile; try again", code="already_member") from exc


def _visit_filters(student_membership_id: int | None, since: datetime | None, until: datetime | None) -> list:
    out = []
    if student_membership_id is not None:
        out.append(Visit.student_membership_id == student_membership_id)
    if since is not None:
        out.append(Visit.at >= since)
    if until is not None:
        out.append(Visit.at < until)
    return out


def list_visits(actor: Actor, tenant_id: int, *, student_membership_id: int | None = None,
                since: datetime | None = None, until: datetime | None = None, limit: int = 100,
                offset: int = 0) -> list[VisitView]:
    require(actor, Perm.VISIT_LOG, tenant_id=tenant_id)
    limit = min(max(int(limit), 1), 500)
    offset = max(int(offset), 0)
    with tenant_session(tenant_id) as s:
        q = (select(Visit, Account)
             .join(Membership, (Membership.id == Visit.student_membership_id)
                   & (Membership.tenant_id == Visit.tenant_id), isouter=True)
             .join(Account, Account.id == Membership.account_id, isouter=True)
             .where(*_visit_filters(student_membership_id, since, until))
             .order_by(Visit.at.desc(), Visit.id.desc()).offset(offset).limit(limit))
        rows = s.exec(q).all()
        by_ids = {v.logged_by_membership_id for v, _a in rows if v.logged_by_membership_id}
        names = dict(s.exec(select(Membership.id, Account.full_name)
                            .join(Account, Account.id == Membership.account_id)
                            .where(Membership.id.in_(by_ids))).all()) if by_ids else {}
        return [replace(_view(v, a), logged_by_name=names.get(v.logged_by_membership_id, "")) for v, a in rows]


def count_visits(actor: Actor, tenant_id: int, *, student_membership_id: int | None = None,
                 since: datetime | None = None, until: datetime | None = None) -> int:
    """How many visit sheets `list_visits` pages through with the same filters."""
    require(actor, Perm.VISIT_LOG, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return s.exec(select(func.count(Visit.id)).where(*_visit_filters(student_membership_id, since, until))).one()


def visit_counts(actor: Actor, tenant_id: int, *, since: datetime, until: datetime) -> VisitCounts:
    """Figures for the reception report (P24): visits, distinct students, by channel and by need."""
    require(actor, Perm.STUDENT_VIEW, tenant_id=tenant_id)
    if since.tzinfo is None or until.tzinfo is None:
        raise Invalid("the range needs time zone offsets", code="naive_datetime")
    with tenant_session(tenant_id) as s:
        rng = (Visit.at >= since, Visit.at < until)
        by_channel = dict(s.exec(select(Visit.channel, func.count()).where(*rng).group_by(Visit.channel)).all())
        students = s.exec(select(func.count(func.distinct(Visit.student_membership_id))).where(*rng)).one()
        needs: Counter[str] = Counter()
        for row in s.exec(select(Visit.needs).where(*rng)).all():
            needs.update(row)
        return VisitCounts(sum(by_channel.values()), students, by_channel, dict(needs))


def search_students(actor: Actor, tenant_id: int, query: str, *, limit: int = 20) -> list[StudentHit]:
    """Find a registered student for a visit sheet, by name or e-mail (at least 2 characters)."""
    require(actor, Perm.VISIT_LOG, tenant_id=tenant_id)
    query = "".join(ch for ch in (query or "") if ch.isprintable()).strip().lower()
    if len(query) < 2:
        return []
    like = f"%{query}%"
    with tenant_session(tenant_id) as s:
        rows = s.exec(select(Membership, Account).join(Account, Account.id == Membership.account_id)
                      .where(Membership.active, func.lower(Account.email).like(like)
                             | func.lower(Account.full_name).like(like))
                      .order_by(Account.full_name).limit(200)).all()
        hits = [StudentHit(m.id, a.full_name, a.email) for m, a in rows if Role.STUDENT.value in m.roles]
        return hits[:min(max(limit, 1), 50)]


# ---------------------------------------------------------------- kiosk

def do_create_kiosk_token(actor: Actor, tenant_id: int, *, name: str) -> IssuedKiosk:
    require(actor, Perm.TENANT_SETTINGS, tenant_id=tenant_id)
    try:
        name = _line(name, 100)
    except ValueError:
        name = ""
    if len(name) < 2:
        raise Invalid("give the kiosk a name", code="name_required")
    secret = KIOSK_PREFIX + new_token()
    with tenant_session(tenant_id) as s, transaction(s):
        k = KioskToken(tenant_id=tenant_id, name=name, prefix=secret[:12], token_hash=token_hash(secret),
                       created_by_account_id=actor.account_id)
        s.add(k)
        s.flush()
        audit(s, actor, "kiosk.created", tenant_id=tenant_id, target_type="kiosk_token", target_id=k.id, name=name)
        return IssuedKiosk(k.id, k.name, secret)


def list_kiosk_tokens(actor: Actor, tenant_id: int) -> list[KioskView]:
    require(actor, Perm.TENANT_SETTINGS, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        rows = s.exec(select(KioskToken).order_by(KioskToken.id)).all()
        return [KioskView(k.id, k.name, k.prefix, k.created_at, k.last_used_at, k.revoked_at) for k in rows]


def do_revoke_kiosk_token(actor: Actor, tenant_id: int, kiosk_id: int) -> None:
    require(actor, Perm.TENANT_SETTINGS, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        k = s.get(KioskToken, kiosk_id)
        if k is None:
            raise NotFound("kiosk not found", code="kiosk_not_found")
        if k.revoked_at is None:
            k.revoked_at = utcnow()
            s.add(k)
            audit(s, actor, "kiosk.revoked", tenant_id=tenant_id, target_type="kiosk_token", target_id=k.id)


def student_qr_value(actor: Actor, tenant_id: int) -> str:
    """The value of the student's personal QR code, shown on their portal for the kiosk."""
    mid = _own_student_membership(actor, tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        student_membership(s, tenant_id, mid)
        return ensure_profile(s, tenant_id, mid).qr_code


def kiosk_check_in(secret: str, *, email: str = "", qr: str = "", needs: list[str] | tuple[str, ...] = ()) -> CheckInView:
    """A student checks in at the reception kiosk by e-mail or QR code: a visit on channel kiosk."""
    secret = (secret or "").strip()
    hashed = token_hash(secret)
    if not secret.startswith(KIOSK_PREFIX) or not ratelimit.hit(KIOSK_RATE, "kiosk", hashed):
        if secret.startswith(KIOSK_PREFIX):
            raise RateLimited("too many check-ins; wait a minute", code="too_many_attempts")
        raise Unauthenticated("this kiosk is not (or no longer) allowed", code="kiosk_token_invalid")
    with system_session("kiosk check-in: find the kiosk by its secret") as s:
        k = s.exec(select(KioskToken).where(KioskToken.token_hash == hashed)).first()
        if k is None or k.revoked_at is not None:
            raise Unauthenticated("this kiosk is not (or no longer) allowed", code="kiosk_token_invalid")
        tenant_id, kiosk_id = k.tenant_id, k.id
    try:
        need_values = [Need(n).value for n in dict.fromkeys(needs or ())]
    except ValueError as exc:
        raise Invalid("unknown need", code="invalid_need") from exc
    email, qr = (email or "").strip(), (qr or "").strip()
    if not email and not qr:
        raise Invalid("scan your QR code or type your e-mail", code="check_in_identifier_required")
    now = utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        mid = None
        if qr:
            mid = s.exec(select(StudentProfile.membership_id).where(StudentProfile.qr_code == qr[:64])).first()
        else:
            acc = find_account_by_email(s, email)
            if acc is not None:
                mid = s.exec(select(Membership.id).where(Membership.account_id == acc.id)).first()
        # the membership row lock serialises two check-ins of one student (a double tap)
        m = s.exec(select(Membership).where(Membership.id == mid).with_for_update()).first() if mid else None
        if m is None or not m.active or Role.STUDENT.value not in m.roles:
            raise NotFound("not registered: please see the reception desk", code="check_in_unknown_student")
        a = s.get(Account, m.account_id)
        recent = s.exec(select(Visit).where(Visit.student_membership_id == m.id, Visit.channel == Channel.KIOSK.value,
                                            Visit.at >= now - CHECK_IN_REPEAT)
                        .order_by(Visit.at.desc())).first()
        repeated = recent is not None
        if recent is None:
            recent = Visit(tenant_id=tenant_id, student_membership_id=m.id, at=now, channel=Channel.KIOSK.value,
                           needs=need_values, kiosk_id=kiosk_id)
            s.add(recent)
        k = s.get(KioskToken, kiosk_id)
        k.last_used_at = now
        s.add(k)
        s.flush()
        if not repeated:
            activity.emit(s, tenant_id, activity.VISIT_LOGGED, recent)
        return CheckInView(recent.id, (a.full_name.split() or [""])[0], repeated)
