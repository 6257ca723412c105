"""Participation certificates (T05, P08.10, BR-06).

A certificate is issued, in the same transaction, when a student who attended a closed
training submits its satisfaction questionnaire (tenants.portal.surveys). It carries a random
verification code; `{CC_BASE_URL}/verify/<code>` (public, no sign-in) says whether it is valid
and shows only the name, the activity and its date. The PDF is in the student's language
(Arabic right to left, shaped) with a QR code of that URL.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from base64 import b32encode
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_validator
from sqlmodel import Session, select

from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.errors import Conflict, Forbidden, NotFound
from integrations.i18n import LANGS, t
from integrations.pdf import Document, Image, Paragraph, render_pdf
from integrations.qr import qr_png
from integrations.settings import get_settings
from integrations.validation import parse
from tenants.calendar.models import Event
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm
from tenants.core.services import audit
from tenants.portal.certificates.models import Certificate
from tenants.portal.registrations.models import Registration

# T05 certifies trainings: the workshops of P08 and the debate workshops of P09
CERTIFIED_TYPES = frozenset({"workshop", "debate_workshop"})
# 16 base32 characters = 80 random bits: unguessable, URL-safe, easy to read out or type
CODE_BYTES = 10
_CODE_RE = re.compile(r"^[A-Z2-7]{16}$")


@dataclass(frozen=True)
class CertificateView:
    id: int
    registration_id: int
    event_id: int
    student_membership_id: int
    code: str
    verify_url: str
    student_name: str
    event_title: str
    event_date: date
    lang: str
    issued_at: datetime
    valid: bool
    revoked_at: datetime | None
    revoke_reason: str


@dataclass(frozen=True)
class Verification:
    """What the public page may show: nothing else (no e-mail, no centre-internal ids)."""

    student_name: str
    event_title: str
    event_date: date
    valid: bool


def new_code() -> str:
    return b32encode(secrets.token_bytes(CODE_BYTES)).decode()


def code_hash(code: str) -> str:
    # not keyed: the code is printed on paper, the hash only makes it a network-wide key
    return hashlib.sha256(code.encode()).hexdigest()


def verify_url(code: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/verify/{code}"


def view_of(c: Certificate) -> CertificateView:
    return CertificateView(c.id, c.registration_id, c.event_id, c.student_membership_id, c.code, verify_url(c.code),
                           c.student_name, c.event_title, c.event_date, c.lang, c.issued_at,
                           c.revoked_at is None, c.revoked_at, c.revoke_reason)


def issue_in(s: Session, r: Registration, e: Event, *, response_id: int | None = None) -> Certificate | None:
    """Inside the caller's transaction: the certificate of an attended registration, once.
    None when the activity is not a training (no T05 for, say, a job fair)."""
    if e.type not in CERTIFIED_TYPES:
        return None
    existing = s.exec(select(Certificate).where(Certificate.registration_id == r.id)).first()
    if existing is not None:
        return existing
    m = s.get(Membership, r.student_membership_id)
    account = s.get(Account, m.account_id)
    lang = account.locale if account.locale in LANGS else "fr"
    code = new_code()
    c = Certificate(tenant_id=r.tenant_id, registration_id=r.id, event_id=e.id,
                    student_membership_id=r.student_membership_id, response_id=response_id, code=code,
                    code_hash=code_hash(code), student_name=account.full_name, event_title=e.title,
                    event_date=e.starts_at.astimezone(ZoneInfo(e.timezone)).date(),
                    duration_minutes=int((e.ends_at - e.starts_at).total_seconds() // 60), lang=lang)
    s.add(c)
    s.flush()
    audit(s, None, "certificate.issued", tenant_id=r.tenant_id, target_type="certificate", target_id=c.id,
          event_id=e.id, registration_id=r.id)
    return c


# ---------------------------------------------------------------- reading

def _readable(s: Session, actor: Actor, certificate_id: int) -> Certificate:
    """The student's own certificate, or any of the centre's for staff; else not found.
    Whoever may see none is refused before the lookup, so the answer says nothing of the id."""
    if not (actor.can(Perm.STUDENT_VIEW) or actor.can(Perm.PORTAL_SELF)):
        raise Forbidden("only the student and the centre's staff see a certificate", code="forbidden")
    c = s.get(Certificate, certificate_id)
    if c is None:
        raise NotFound("certificate not found", code="certificate_not_found")
    if actor.can(Perm.STUDENT_VIEW) or actor.membership_id == c.student_membership_id:
        return c
    raise NotFound("certificate not found", code="certificate_not_found")


def my_certificates(actor: Actor, tenant_id: int) -> list[CertificateView]:
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        rows = s.exec(select(Certificate).where(Certificate.student_membership_id == actor.membership_id)
                      .order_by(Certificate.issued_at.desc(), Certificate.id.desc())).all()
        return [view_of(c) for c in rows]


def list_certificates(actor: Actor, tenant_id: int, event_id: int) -> list[CertificateView]:
    """Staff: the certificates delivered for one event."""
    require(actor, Perm.STUDENT_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        if s.get(Event, event_id) is None:
            raise NotFound("event not found")
        rows = s.exec(select(Certificate).where(Certificate.event_id == event_id)
                      .order_by(Certificate.student_name, Certificate.id)).all()
        return [view_of(c) for c in rows]


def get_certificate(actor: Actor, tenant_id: int, certificate_id: int) -> CertificateView:
    require(actor, Perm.TENANT_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return view_of(_readable(s, actor, certificate_id))


def _fmt_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _duration(minutes: int, lang: str) -> str:
    h, m = divmod(minutes, 60)
    return t("certificate.pdf.duration", lang, hours=h, minutes=f"{m:02d}")


def certificate_pdf(actor: Actor, tenant_id: int, certificate_id: int) -> bytes:
    """The A4 certificate (T05) in the student's language; for the student and staff only."""
    require(actor, Perm.TENANT_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        c = _readable(s, actor, certificate_id)
        centre = s.get(Tenant, tenant_id).name
    lang = c.lang
    url = verify_url(c.code)
    values = {"name": c.student_name, "event": c.event_title, "date": _fmt_date(c.event_date),
              "centre": centre, "duration": _duration(c.duration_minutes, lang)}
    blocks: list = [
        Paragraph(centre, align="C", size=14),
        Paragraph(" ", align="C"),
        Paragraph(t("certificate.pdf.certifies", lang, **values), align="C", size=12),
        Paragraph(c.student_name, align="C", size=20),
        Paragraph(t("certificate.pdf.attended", lang, **values), align="C", size=12),
        Paragraph(c.event_title, align="C", size=16),
        Paragraph(t("certificate.pdf.on", lang, **values), align="C", size=12),
        Paragraph(" ", align="C"),
        Paragraph(t("certificate.pdf.issued", lang, date=_fmt_date(c.issued_at.date()), centre=centre),
                  align="C", size=10),
    ]
    if c.revoked_at is not None:
        blocks.append(Paragraph(t("certificate.pdf.revoked", lang), align="C", size=12))
    blocks += [
        Image(qr_png(url), width=40),
        Paragraph(t("certificate.pdf.code", lang, code=c.code), align="C", size=10),
        Paragraph(t("certificate.pdf.verify", lang, url=url), align="C", size=8),
    ]
    doc = Document(title=t("certificate.pdf.title", lang), lang=lang, blocks=blocks, author=centre)
    return render_pdf(doc)


# ---------------------------------------------------------------- public verification

def verify_certificate(code: str) -> Verification:
    """Public (no actor): is this certificate genuine and valid? Only name, activity, date."""
    normal = (code or "").strip().upper()
    if not _CODE_RE.match(normal):
        raise NotFound("certificate not found", code="certificate_not_found")
    # the URL names no centre: one network-wide lookup by the code's unique hash
    with system_session("public certificate verification") as s:
        c = s.exec(select(Certificate).where(Certificate.code_hash == code_hash(normal))).first()
        if c is None:
            raise NotFound("certificate not found", code="certificate_not_found")
        return Verification(c.student_name, c.event_title, c.event_date, c.revoked_at is None)


# ---------------------------------------------------------------- revocation

class RevokeInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    reason: str

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str) -> str:
        if not 3 <= len(v) <= 500:
            raise ValueError("revoke_reason_required:a reason of 3 to 500 characters")
        return v


def do_revoke_certificate(actor: Actor, tenant_id: int, certificate_id: int, reason: str) -> CertificateView:
    """Staff withdraw a certificate delivered by mistake; the verification page then says so."""
    require(actor, Perm.STUDENT_MANAGE, tenant_id=tenant_id)
    inp = parse(RevokeInput, {"reason": reason})
    with tenant_session(tenant_id) as s, transaction(s):
        c = s.exec(select(Certificate).where(Certificate.id == certificate_id).with_for_update()).first()
        if c is None:
            raise NotFound("certificate not found", code="certificate_not_found")
        if c.revoked_at is not None:
            raise Conflict("this certificate is already revoked", code="certificate_revoked")
        c.revoked_at, c.revoked_by_membership_id, c.revoke_reason = utcnow(), actor.membership_id, inp.reason
        s.add(c)
        audit(s, actor, "certificate.revoked", tenant_id=tenant_id, target_type="certificate", target_id=c.id,
              reason=inp.reason)
        return view_of(c)
