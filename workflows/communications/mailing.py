"""Mailings (issue 7 §3): templates with personalisation, segments, preferences, the weekly cap,
bounces and tracked links. Sending itself is delivery.py's.

A mailing is scheduled in one transaction that writes one MailDelivery row per recipient (unique
per e-mail) and an outbox message; nothing is sent from the request. Recipients who opted out, a
hard-bounced address or a student over the centre's weekly cap get a row too, in state `skipped`
with the reason, so the delivery log explains every person of the segment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import func, update
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import Conflict, Invalid, NotFound
from integrations.settings import get_settings
from integrations.validation import clean_per_lang
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm, Role
from tenants.core.services import audit
from tenants.portal.profiles.models import StudentProfile
from tenants.portal.registrations.models import Registration
from tenants.sourcing.partners.models import Person
from workflows.communications.models import (
    CommPreference,
    DeliveryState,
    LinkClick,
    MailDelivery,
    Mailing,
    MailingState,
    MailSettings,
    TrackedLink,
)

LANGS = ("fr", "en", "ar")
CATEGORIES = ("events", "offers", "newsletter")
# what a template may use; anything else is refused when the mailing is saved
VARIABLES = ("first_name", "full_name", "email", "centre", "unsubscribe_url", "preferences_url")
MAX_SUBJECT = 200
MAX_BODY = 20_000
DISPATCH_KIND = "mailing.dispatch"

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
_URL = re.compile(r"https?://[^\s<>\"')\]]+")


# ---------------------------------------------------------------- templates


def check_template(text: str, *, field: str) -> None:
    """Refuse a template that does not parse or names a variable the product does not fill."""
    try:
        ast = _env.parse(text)
    except TemplateSyntaxError as exc:
        raise Invalid("template syntax", code="template_syntax", field=field, line=exc.lineno,
                      detail=exc.message or "") from None
    unknown = sorted(meta.find_undeclared_variables(ast) - set(VARIABLES))
    if unknown:
        raise Invalid("unknown template variable", code="template_variable_unknown", field=field,
                      variable=unknown[0], allowed=", ".join(VARIABLES))


@lru_cache(maxsize=256)
def _compiled(text: str):  # noqa: ANN202
    return _env.from_string(text)


def render(text: str, context: dict) -> str:
    try:
        return _compiled(text).render(**context)
    except (UndefinedError, SecurityError) as exc:  # checked at save time; kept as a clear failure
        raise Invalid("template cannot be rendered", code="template_variable_unknown", detail=str(exc)) from None


def clean_texts(values: object, *, field: str, limit: int) -> dict[str, str]:
    """A mailing's subject or body: French required (every recipient falls back to it), each
    text a template whose variables exist; kept as written, only stripped."""
    return clean_per_lang(values, limit, code="mailing_text_required", unknown_code="language_unknown",
                          required_code="mailing_text_required", what=field, langs=LANGS,
                          multiline=True, controls=False, coerce=True, too_long_code="text_too_long",
                          check=lambda text, lang: check_template(text, field=f"{field}.{lang}"))


# ---------------------------------------------------------------- segments


@dataclass(frozen=True)
class Recipient:
    email: str
    full_name: str
    lang: str
    account_id: int | None
    is_student: bool


AUDIENCE_KINDS = ("students", "event_registrants", "companies", "host")


def clean_audience(audience: object) -> dict:
    if not isinstance(audience, dict) or audience.get("kind") not in AUDIENCE_KINDS:
        raise Invalid("choose who receives it", code="audience_invalid", allowed=", ".join(AUDIENCE_KINDS))
    kind = audience["kind"]
    out: dict = {"kind": kind}
    if kind == "students":
        for key in ("field_ids", "establishment_ids"):
            vals = audience.get(key) or []
            if not isinstance(vals, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
                raise Invalid("ids expected", code="audience_invalid", field=key)
            out[key] = sorted(set(vals))
        levels = audience.get("levels") or []
        if not isinstance(levels, list) or not all(isinstance(v, str) and len(v) <= 20 for v in levels):
            raise Invalid("levels expected", code="audience_invalid", field="levels")
        out["levels"] = sorted(set(levels))
    elif kind == "event_registrants":
        ev = audience.get("event_id")
        if not isinstance(ev, int) or isinstance(ev, bool) or ev <= 0:
            raise Invalid("choose the event", code="audience_invalid", field="event_id")
        out["event_id"] = ev
    return out


def resolve_audience(s: Session, tenant_id: int, audience: dict) -> list[Recipient]:
    """Everyone the segment names in this centre, one per e-mail address, in a stable order."""
    kind = audience["kind"]
    rows: list[tuple[str, str, str, int | None, bool]] = []
    if kind in ("students", "event_registrants"):
        q = (select(Account.email, Account.full_name, Account.locale, Account.id)
             .join(Membership, Membership.account_id == Account.id)
             .where(Membership.tenant_id == tenant_id, Membership.active.is_(True), Account.active.is_(True)))
        if kind == "students":
            q = q.join(StudentProfile, (StudentProfile.membership_id == Membership.id)
                       & (StudentProfile.tenant_id == tenant_id))
            if audience.get("field_ids"):
                q = q.where(StudentProfile.field_id.in_(audience["field_ids"]))
            if audience.get("establishment_ids"):
                q = q.where(StudentProfile.establishment_id.in_(audience["establishment_ids"]))
            if audience.get("levels"):
                q = q.where(StudentProfile.level.in_(audience["levels"]))
        else:
            q = q.join(Registration, (Registration.student_membership_id == Membership.id)
                       & (Registration.tenant_id == tenant_id)).where(
                Registration.event_id == audience["event_id"], Registration.status != "cancelled")
        rows = [(e, n, loc, aid, True) for e, n, loc, aid in s.exec(q).all()]
    elif kind == "companies":
        q = select(Person.email, Person.full_name).where(
            Person.tenant_id == tenant_id, Person.email != "", Person.merged_into_id.is_(None),
            Person.company_id.is_not(None))
        rows = [(e, n, "fr", None, False) for e, n in s.exec(q).all()]
    else:  # host institution lists
        q = (select(Account.email, Account.full_name, Account.locale, Account.id, Membership.roles)
             .join(Membership, Membership.account_id == Account.id)
             .where(Membership.tenant_id == tenant_id, Membership.active.is_(True), Account.active.is_(True)))
        host = {Role.HOST_APPROVER.value, Role.HOST_FOCAL_POINT.value}
        rows = [(e, n, loc, aid, False) for e, n, loc, aid, roles in s.exec(q).all() if host & set(roles or [])]
    seen: dict[str, Recipient] = {}
    for email, name, loc, aid, student in rows:
        key = (email or "").strip().lower()
        if key and key not in seen:
            seen[key] = Recipient(key, name or "", loc if loc in LANGS else "fr", aid, student)
    return [seen[k] for k in sorted(seen)]


# ---------------------------------------------------------------- preferences (unsubscribe)


def _sign(text: str) -> str:
    key = ("unsubscribe:" + get_settings().secret_key).encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def preference_token(tenant_id: int, email: str) -> str:
    body = f"{tenant_id}:{email.lower()}"
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=") + "." + _sign(body)


def _read_token(token: str) -> tuple[int, str]:
    try:
        raw, sig = str(token).rsplit(".", 1)
        body = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        tenant_s, email = body.split(":", 1)
        ok = hmac.compare_digest(sig, _sign(body))
        tenant_id = int(tenant_s)
    except (ValueError, UnicodeDecodeError):
        ok = False
    if not ok:
        raise NotFound("unknown link", code="preference_link_invalid")
    return tenant_id, email


def preference_url(tenant_id: int, email: str) -> str:
    return f"{get_settings().base_url}/preferences/{preference_token(tenant_id, email)}"


def unsubscribe_url(tenant_id: int, email: str) -> str:
    # RFC 8058 one-click: a POST to this URL unsubscribes from everything
    return f"{get_settings().api_url}/api/v1/public/unsubscribe/{preference_token(tenant_id, email)}"


def link_base() -> str:
    return f"{get_settings().api_url}/api/v1/public/r"


def get_preferences(token: str) -> dict:
    """For the preference page reached from a mail: no sign-in, the signed link is the proof."""
    tenant_id, email = _read_token(token)
    with tenant_session(tenant_id) as s:
        pref = s.exec(select(CommPreference).where(CommPreference.email == email)).first()
        tenant = s.get(Tenant, tenant_id)
        return {"email": email, "centre": tenant.name if tenant else "",
                "unsubscribed_all": bool(pref and pref.unsubscribed_all),
                "opted_out": list(pref.opted_out) if pref else [], "categories": list(CATEGORIES)}


def do_update_preferences(token: str, *, unsubscribed_all: bool, opted_out: list[str] | None = None) -> dict:
    tenant_id, email = _read_token(token)
    cats = [c for c in (opted_out or []) if c in CATEGORIES]
    if len(cats) != len(opted_out or []):
        raise Invalid("unknown category", code="preference_category_unknown")
    with tenant_session(tenant_id) as s:
        pref = s.exec(select(CommPreference).where(CommPreference.email == email).with_for_update()).first()
        if pref is None:
            pref = CommPreference(tenant_id=tenant_id, email=email)
        pref.unsubscribed_all = bool(unsubscribed_all)
        pref.opted_out = sorted(set(cats))
        pref.updated_at = utcnow()
        s.add(pref)
        audit(s, None, "comm.preferences_updated", tenant_id=tenant_id, target_type="email",
              target_id=email[:60], unsubscribed_all=pref.unsubscribed_all, opted_out=pref.opted_out)
        s.commit()
    return get_preferences(token)


# ---------------------------------------------------------------- mailings


def _mail_settings(s: Session) -> MailSettings:
    return s.exec(select(MailSettings)).first() or MailSettings(tenant_id=0)


def do_create_mailing(actor: Actor, tenant_id: int, *, title: str, subject: dict, body: dict, audience: dict,
                      category: str = "events", item_id: int | None = None) -> int:
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    title = str(title or "").strip()
    if not title or len(title) > 200:
        raise Invalid("a title is required (200 characters at most)", code="mailing_title_required")
    if category not in CATEGORIES:
        raise Invalid("unknown category", code="preference_category_unknown")
    subj = clean_texts(subject, field="subject", limit=MAX_SUBJECT)
    text = clean_texts(body, field="body", limit=MAX_BODY)
    aud = clean_audience(audience)
    with tenant_session(tenant_id) as s:
        m = Mailing(tenant_id=tenant_id, item_id=item_id, title=title, subject=subj, body=text, audience=aud,
                    category=category, created_by_account_id=actor.account_id)
        s.add(m)
        s.flush()
        audit(s, actor, "comm.mailing_created", tenant_id=tenant_id, target_type="mailing", target_id=m.id,
              audience=aud["kind"])
        s.commit()
        return m.id


def schedule(s: Session, actor: Actor | None, mailing: Mailing, at: datetime | None = None) -> int:
    """Write the deliveries and the dispatch message in the caller's transaction; returns how many
    will be sent. The caller has checked the actor and commits."""
    if mailing.state != MailingState.DRAFT.value:
        raise Conflict("this mailing was already scheduled", code="mailing_already_scheduled")
    recipients = resolve_audience(s, mailing.tenant_id, mailing.audience)
    if not recipients:
        raise Invalid("nobody is in this audience", code="mailing_no_recipients")
    now = utcnow()
    prefs = {p.email: p for p in s.exec(select(CommPreference).where(
        CommPreference.email.in_([r.email for r in recipients]))).all()}
    cap = _mail_settings(s).weekly_cap
    recent: dict[str, int] = {}
    if cap > 0:
        recent = dict(s.exec(
            select(MailDelivery.email, func.count()).where(
                MailDelivery.state == DeliveryState.SENT.value, MailDelivery.sent_at >= now - timedelta(days=7),
                MailDelivery.email.in_([r.email for r in recipients if r.is_student]))
            .group_by(MailDelivery.email)).all())
    to_send = 0
    for r in recipients:
        p = prefs.get(r.email)
        reason = ""
        if p and p.unsubscribed_all:
            reason = "unsubscribed"
        elif p and mailing.category in (p.opted_out or []):
            reason = "opted_out"
        elif p and p.bounced:
            reason = "bounced_before"
        elif r.is_student and cap > 0 and recent.get(r.email, 0) >= cap:
            reason = "weekly_cap"
        s.add(MailDelivery(tenant_id=mailing.tenant_id, mailing_id=mailing.id, account_id=r.account_id,
                           email=r.email, full_name=r.full_name[:200], lang=r.lang,
                           state=DeliveryState.SKIPPED.value if reason else DeliveryState.QUEUED.value,
                           reason=reason))
        to_send += 0 if reason else 1
    mailing.state = MailingState.SCHEDULED.value
    mailing.scheduled_at = at or now
    mailing.recipients = len(recipients)
    s.add(mailing)
    create_tracked_links(s, mailing)
    s.flush()
    msg = outbox.enqueue(s, DISPATCH_KIND, {"tenant_id": mailing.tenant_id, "mailing_id": mailing.id},
                         key=f"mailing:{mailing.id}", tenant_id=mailing.tenant_id)
    if at and at > now:
        msg.available_at = at
    audit(s, actor, "comm.mailing_scheduled", tenant_id=mailing.tenant_id, target_type="mailing",
          target_id=mailing.id, recipients=len(recipients), to_send=to_send)
    return to_send


def do_schedule_mailing(actor: Actor, tenant_id: int, mailing_id: int, at: datetime | None = None) -> int:
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    if at is not None and at.tzinfo is None:
        raise Invalid("a time zone is required", code="naive_datetime")
    with tenant_session(tenant_id) as s:
        m = s.exec(select(Mailing).where(Mailing.id == mailing_id).with_for_update()).first()
        if m is None:
            raise NotFound("no such mailing", code="mailing_not_found")
        n = schedule(s, actor, m, at)
        s.commit()
        return n


def do_cancel_mailing(actor: Actor, tenant_id: int, mailing_id: int) -> int:
    """Stop what is not sent yet; returns how many deliveries were cancelled."""
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        m = s.exec(select(Mailing).where(Mailing.id == mailing_id).with_for_update()).first()
        if m is None:
            raise NotFound("no such mailing", code="mailing_not_found")
        if m.state in (MailingState.SENT.value, MailingState.CANCELLED.value):
            raise Conflict("this mailing is finished", code="mailing_finished")
        res = s.execute(update(MailDelivery).where(
            MailDelivery.tenant_id == m.tenant_id, MailDelivery.mailing_id == m.id,
            MailDelivery.state == DeliveryState.QUEUED.value).values(
            state=DeliveryState.SKIPPED.value, reason="cancelled").execution_options(synchronize_session=False))
        m.state = MailingState.CANCELLED.value
        m.finished_at = utcnow()
        s.add(m)
        audit(s, actor, "comm.mailing_cancelled", tenant_id=m.tenant_id, target_type="mailing", target_id=m.id,
              cancelled=res.rowcount)
        s.commit()
        return res.rowcount


@dataclass(frozen=True)
class MailingRow:
    id: int
    title: str
    state: str
    recipients: int
    scheduled_at: datetime | None
    counts: dict[str, int]


def list_mailings(actor: Actor, tenant_id: int, *, page: int = 1,
                  per_page: int = 20) -> tuple[list[MailingRow], int]:
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    page, per_page = max(1, int(page)), min(max(1, int(per_page)), 100)
    with tenant_session(tenant_id) as s:
        total = s.exec(select(func.count()).select_from(Mailing)).one()
        ms = s.exec(select(Mailing).order_by(Mailing.id.desc()).offset((page - 1) * per_page).limit(per_page)).all()
        counts: dict[int, dict[str, int]] = {}
        if ms:
            for mid, state, n in s.exec(select(MailDelivery.mailing_id, MailDelivery.state, func.count()).where(
                    MailDelivery.mailing_id.in_([m.id for m in ms])).group_by(
                    MailDelivery.mailing_id, MailDelivery.state)).all():
                counts.setdefault(mid, {})[state] = n
        return [MailingRow(m.id, m.title, m.state, m.recipients, m.scheduled_at, counts.get(m.id, {}))
                for m in ms], total


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    email: str
    state: str
    reason: str
    sent_at: datetime | None
    attempts: int


def delivery_log(actor: Actor, tenant_id: int, mailing_id: int, *, state: str = "", page: int = 1,
                 per_page: int = 50) -> tuple[list[DeliveryRow], int]:
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    if state and state not in {d.value for d in DeliveryState}:
        raise Invalid("unknown state", code="delivery_state_unknown")
    page, per_page = max(1, int(page)), min(max(1, int(per_page)), 200)
    with tenant_session(tenant_id) as s:
        if s.get(Mailing, mailing_id) is None:
            raise NotFound("no such mailing", code="mailing_not_found")
        q = select(MailDelivery).where(MailDelivery.mailing_id == mailing_id)
        if state:
            q = q.where(MailDelivery.state == state)
        total = s.exec(select(func.count()).select_from(q.subquery())).one()
        rows = s.exec(q.order_by(MailDelivery.id).offset((page - 1) * per_page).limit(per_page)).all()
        return [DeliveryRow(d.id, d.email, d.state, d.reason, d.sent_at, d.attempts) for d in rows], total


# ---------------------------------------------------------------- personalised message


def personalise(mailing: Mailing, delivery: MailDelivery, *, centre: str, links: dict[str, str]) -> tuple[str, str]:
    """(subject, body) for one recipient: their language (else French), their name, their links."""
    lang = delivery.lang if delivery.lang in mailing.body else "fr"
    name = delivery.full_name or ""
    ctx = {"email": delivery.email, "centre": centre, "full_name": name,
           "first_name": name.split(" ")[0] if name else "",
           "unsubscribe_url": unsubscribe_url(mailing.tenant_id, delivery.email),
           "preferences_url": preference_url(mailing.tenant_id, delivery.email)}
    subject = render(mailing.subject.get(lang) or mailing.subject["fr"], ctx)
    body = render(mailing.body[lang], ctx)
    if links:
        base = link_base()
        sig = _sign(str(delivery.id))[:12]
        body = _URL.sub(lambda m: (f"{base}/{links[m.group(0)]}?d={delivery.id}.{sig}"
                                   if m.group(0) in links else m.group(0)), body)
    return subject.replace("\n", " ").strip(), body


def _link_token(mailing_id: int, url: str) -> str:
    # derived, not stored: the table keeps only its hash, and every worker can rebuild it
    key = ("link:" + get_settings().secret_key).encode()
    return hmac.new(key, f"{mailing_id}:{url}".encode(), hashlib.sha256).hexdigest()[:24]


def link_tokens(mailing: Mailing) -> dict[str, str]:
    urls: set[str] = set()
    for text in mailing.body.values():
        urls |= set(_URL.findall(text))
    return {url: _link_token(mailing.id, url) for url in sorted(urls)}


def create_tracked_links(s: Session, mailing: Mailing) -> None:
    """One redirect per distinct URL of the mailing's bodies (the preference links are not tracked)."""
    from integrations.crypto import token_hash

    for url, token in link_tokens(mailing).items():
        s.add(TrackedLink(tenant_id=mailing.tenant_id, token_hash=token_hash(token), url=url[:2000],
                          mailing_id=mailing.id, item_id=mailing.item_id))


def follow_link(token: str, d: str = "") -> str:
    """The redirect of a tracked link: counts the click (with its delivery when the signed id is
    right) and returns where to go. Unknown token: NotFound."""
    from integrations.crypto import token_hash

    with system_session("tracked link click") as s:
        link = s.exec(select(TrackedLink).where(TrackedLink.token_hash == token_hash(str(token)[:100]))).first()
        if link is None:
            raise NotFound("unknown link", code="link_not_found")
        delivery_id = None
        did, _, sig = str(d or "").partition(".")
        if did.isdigit() and hmac.compare_digest(sig, _sign(did)[:12]):
            delivery_id = int(did)
        s.execute(update(TrackedLink).where(TrackedLink.id == link.id).values(clicks=TrackedLink.clicks + 1)
                  .execution_options(synchronize_session=False))
        s.add(LinkClick(tenant_id=link.tenant_id, link_id=link.id, delivery_id=delivery_id))
        url = link.url
        s.commit()
        return url


# ---------------------------------------------------------------- bounces


def process_bounce(raw: bytes) -> dict:
    """Read a delivery status notification (RFC 3464): a permanent failure (5.x.x) marks the
    delivery bounced and stops mail to that address; a temporary one is only noted."""
    msg = message_from_bytes(raw, policy=policy.default)
    original_id = ""
    status = ""
    recipient = ""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            payload = part.get_payload()
            blocks = payload if isinstance(payload, list) else []
            for block in blocks:
                status = status or str(block.get("Status", "") or "")
                recipient = recipient or str(block.get("Final-Recipient", "") or "").split(";")[-1].strip()
        elif ctype in ("message/rfc822", "text/rfc822-headers"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                original_id = original_id or str(inner[0].get("Message-ID", "") or "")
            elif isinstance(inner, str):
                m = re.search(r"^Message-ID:\s*(<[^>]+>)", inner, re.I | re.M)
                original_id = original_id or (m.group(1) if m else "")
    m = re.match(r"<delivery-(\d+)\.(\d+)@", original_id.strip())
    if not m:
        return {"matched": False, "reason": "not one of our messages"}
    delivery_id, tenant_id = int(m.group(1)), int(m.group(2))
    permanent = status.startswith("5")
    with tenant_session(tenant_id) as s:
        d = s.exec(select(MailDelivery).where(MailDelivery.id == delivery_id).with_for_update()).first()
        if d is None:
            return {"matched": False, "reason": "unknown delivery"}
        d.reason = f"bounce {status or '?'} {recipient}".strip()[:1000]
        if permanent:
            d.state = DeliveryState.BOUNCED.value
            pref = s.exec(select(CommPreference).where(CommPreference.email == d.email).with_for_update()).first()
            pref = pref or CommPreference(tenant_id=tenant_id, email=d.email)
            pref.bounced = True
            pref.updated_at = utcnow()
            s.add(pref)
        s.add(d)
        s.commit()
        return {"matched": True, "delivery_id": delivery_id, "permanent": permanent}


# ---------------------------------------------------------------- the centre's mail settings


@dataclass(frozen=True)
class MailSettingsView:
    smtp_host: str
    smtp_port: int
    smtp_username: str
    has_password: bool
    smtp_starttls: bool
    from_address: str
    from_name: str
    weekly_cap: int


def get_mail_settings(actor: Actor, tenant_id: int) -> MailSettingsView:
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        ms = s.exec(select(MailSettings)).first() or MailSettings(tenant_id=tenant_id)
        return MailSettingsView(ms.smtp_host, ms.smtp_port, ms.smtp_username, bool(ms.smtp_password_enc),
                                ms.smtp_starttls, ms.from_address, ms.from_name, ms.weekly_cap)


_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,198}[A-Za-z0-9])?$")


def do_update_mail_settings(actor: Actor, tenant_id: int, data: dict) -> MailSettingsView:
    """The centre's own SMTP server (empty host: the platform's, or the dev mailbox) and the most
    mailings one student receives in a week. The password is kept encrypted and never shown."""
    from email_validator import EmailNotValidError, validate_email

    from integrations.crypto import encrypt

    require(actor, Perm.TENANT_SETTINGS, tenant_id=tenant_id)
    if not isinstance(data, dict):
        raise Invalid("bad settings", code="invalid")
    host = str(data.get("smtp_host") or "").strip()
    if host and not _HOST.match(host):
        raise Invalid("not a host name", code="smtp_host_invalid")
    try:
        port = int(data.get("smtp_port") or 587)
        cap = int(data.get("weekly_cap") if data.get("weekly_cap") not in (None, "") else 3)
    except (TypeError, ValueError):
        raise Invalid("a number is expected", code="invalid") from None
    if not 1 <= port <= 65535:
        raise Invalid("port out of range", code="smtp_port_invalid")
    if not 0 <= cap <= 50:
        raise Invalid("weekly cap out of range", code="weekly_cap_invalid", max=50)
    sender = str(data.get("from_address") or "").strip()
    if sender:
        try:
            sender = validate_email(sender, check_deliverability=False).normalized
        except EmailNotValidError:
            raise Invalid("not an e-mail address", code="invalid_email") from None
    if host and not sender:
        raise Invalid("a sender address is required with an SMTP server", code="smtp_sender_required")
    with tenant_session(tenant_id) as s:
        ms = s.exec(select(MailSettings).with_for_update()).first() or MailSettings(tenant_id=tenant_id)
        ms.smtp_host, ms.smtp_port, ms.weekly_cap = host, port, cap
        ms.smtp_username = str(data.get("smtp_username") or "").strip()[:200]
        password = data.get("smtp_password")
        if password is not None and str(password) != "":
            ms.smtp_password_enc = encrypt(str(password)[:500])
        if not host:
            ms.smtp_password_enc, ms.smtp_username = "", ""
        ms.smtp_starttls = bool(data.get("smtp_starttls", True))
        ms.from_address, ms.from_name = sender, str(data.get("from_name") or "").strip()[:200]
        ms.updated_at = utcnow()
        s.add(ms)
        audit(s, actor, "comm.mail_settings_updated", tenant_id=tenant_id, target_type="mail_settings",
              smtp_host=host, weekly_cap=cap)
        s.commit()
    return get_mail_settings(actor, tenant_id)
