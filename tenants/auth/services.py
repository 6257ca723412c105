"""Sign-up, sign-in, sessions, sign-out, password reset, API tokens.

Each function opens the sessions it needs: accounts are network-wide (system scope),
memberships belong to a tenant (tenant scope).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import update
from sqlmodel import Session, select

from integrations import outbox, ratelimit
from integrations.crypto import new_token, token_hash
from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.driver import (
    one_round_trip,
    postgres_engine,
    read_stamp,
    sqlite_row,
)
from integrations.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthenticated
from integrations.i18n import t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from tenants.auth.models import ApiToken, AuthSession, PasswordResetToken, SignInTicket
from tenants.auth.passwords import check_policy, hash_password, needs_rehash, verify_password
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.queries import find_account_by_email, get_tenant_by_slug, normalize_email
from tenants.core.roles import Perm, Role
from tenants.core.services import audit

TICKET_SECONDS = 60


def clean_email(email: str) -> str:
    # No DNS look-up (offline machines, intranet domains); syntax only. `.test` addresses
    # are accepted: the demo and the test suite use them.
    try:
        return validate_email((email or "").strip(), check_deliverability=False,
                              test_environment=True).normalized.lower()
    except EmailNotValidError as exc:
        raise Invalid("invalid e-mail address", code="invalid_email") from exc


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    # control characters (a NUL byte) are never part of a name, and PostgreSQL refuses NUL
    if not 2 <= len(name) <= 200 or not name.isprintable():
        raise Invalid("full name: 2 to 200 characters", code="invalid_name")
    return name


# ---------------------------------------------------------------- actors

def actor_for(account_id: int, tenant_id: int | None) -> Actor | None:
    """Build the acting person for a tenant; None if the account is gone or inactive."""
    with system_session("resolve actor") as s:
        account = s.get(Account, account_id)
        if account is None or not account.active:
            return None
        membership = None
        if tenant_id is not None:
            membership = s.exec(select(Membership).where(
                Membership.account_id == account_id, Membership.tenant_id == tenant_id,
                Membership.active)).first()
            tenant = s.get(Tenant, tenant_id)
            if tenant is None or not tenant.active:
                tenant_id = None
            elif membership is None and account.network_role != Role.NETWORK_ADMIN.value:
                tenant_id = None
        return Actor(
            account_id=account.id, email=account.email, full_name=account.full_name,
            tenant_id=tenant_id, membership_id=membership.id if membership else None,
            roles=frozenset(membership.roles) if membership else frozenset(),
            network_role=account.network_role,
        )


# ---------------------------------------------------------------- sign-up / sign-in

def do_sign_up_student(tenant_slug: str, *, email: str, password: str, full_name: str) -> Account:
    """Self sign-up on a centre's portal: a new account (or an existing one) becomes a student."""
    email = clean_email(email)
    full_name = clean_name(full_name)
    with system_session("student sign-up") as s:
        tenant = get_tenant_by_slug(s, tenant_slug)
        check_policy(password, email=email)
        if find_account_by_email(s, email):
            raise Conflict("an account with this e-mail exists: sign in instead", code="email_taken")
        with transaction(s):
            account = Account(email=email, full_name=full_name, password_hash=hash_password(password))
            s.add(account)
            s.flush()
            s.add(Membership(tenant_id=tenant.id, account_id=account.id, roles=[Role.STUDENT.value]))
            audit(s, None, "student.signed_up", tenant_id=tenant.id, target_type="account",
                  target_id=account.id)
        return account


def authenticate(email: str, password: str, *, client_ip: str = "") -> Account:
    """Check a password; attempts are rate-limited per e-mail and per client address."""
    email = normalize_email(email)
    limit = get_settings().login_rate_limit
    if not ratelimit.hit(limit, "signin-email", email) or (
        client_ip and not ratelimit.hit(limit, "signin-ip", client_ip)
    ):
        raise RateLimited("too many sign-in attempts; wait a minute", code="too_many_attempts")
    with system_session("sign-in") as s:
        account = find_account_by_email(s, email)
        ok = verify_password(account.password_hash if account else None, password or "")
        if not ok or account is None:
            raise Unauthenticated("wrong e-mail or password", code="bad_credentials")
        if not account.active:
            raise Unauthenticated("this account is deactivated", code="account_inactive")
        with transaction(s):
            if needs_rehash(account.password_hash or ""):
                account.password_hash = hash_password(password)
            account.last_login_at = utcnow()
            s.add(account)
        ratelimit.clear(limit, "signin-email", email)
        return account


def default_tenant_for(account_id: int, preferred_slug: str | None = None) -> int | None:
    from tenants.core.services import tenants_visible_to

    visible = tenants_visible_to(account_id)
    if preferred_slug:
        for v in visible:
            if v.slug == preferred_slug:
                return v.id
    return visible[0].id if visible else None


def issue_sign_in_ticket(account_id: int, *, tenant_id: int | None, next_path: str = "/") -> str:
    """A one-minute, single-use ticket the browser trades for the session cookie at /auth/session."""
    if not next_path.startswith("/") or next_path.startswith("//"):
        next_path = "/"
    ticket = new_token()
    with system_session("sign-in ticket") as s, transaction(s):
        s.add(SignInTicket(ticket_hash=token_hash(ticket), account_id=account_id,
                           target_tenant_id=tenant_id, next_path=next_path[:300],
                           expires_at=utcnow() + timedelta(seconds=TICKET_SECONDS)))
    return ticket


@dataclass(frozen=True)
class NewSession:
    token: str
    next_path: str
    max_age: int


def redeem_sign_in_ticket(ticket: str, *, user_agent: str = "") -> NewSession:
    now = utcnow()
    with system_session("redeem sign-in ticket") as s, transaction(s):
        res = s.execute(
            update(SignInTicket)
            .where(SignInTicket.ticket_hash == token_hash(ticket or ""), SignInTicket.used_at.is_(None),
                   SignInTicket.expires_at > now)
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if res.rowcount != 1:
            raise Unauthenticated("sign-in link expired; sign in again", code="ticket_invalid")
        row = s.exec(select(SignInTicket).where(SignInTicket.ticket_hash == token_hash(ticket))).one()
        token = new_token()
        days = get_settings().session_days
        s.add(AuthSession(token_hash=token_hash(token), account_id=row.account_id,
                          current_tenant_id=row.target_tenant_id, expires_at=now + timedelta(days=days),
                          user_agent=user_agent[:300]))
        return NewSession(token=token, next_path=row.next_path, max_age=days * 86400)


@dataclass(frozen=True)
class SessionInfo:
    session_id: int
    account_id: int
    tenant_id: int | None


def resolve_session(token: str | None) -> SessionInfo | None:
    if not token:
        return None
    with system_session("resolve browser session") as s:
        row = s.exec(select(AuthSession).where(AuthSession.token_hash == token_hash(token))).first()
        if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
            return None
        return SessionInfo(row.id, row.account_id, row.current_tenant_id)


def session_actor(token: str | None) -> Actor | None:
    info = resolve_session(token)
    if info is None:
        return None
    return actor_for(info.account_id, info.tenant_id)


def do_switch_tenant(token: str, tenant_slug: str) -> Actor:
    """The tenant switcher: only to a centre the person belongs to (or any, for network admins)."""
    from tenants.core.services import tenants_visible_to

    info = resolve_session(token)
    if info is None:
        raise Unauthenticated("sign-in required")
    match = [v for v in tenants_visible_to(info.account_id) if v.slug == tenant_slug]
    if not match:
        raise NotFound("unknown centre", code="unknown_tenant")
    with system_session("switch tenant") as s, transaction(s):
        row = s.get(AuthSession, info.session_id)
        row.current_tenant_id = match[0].id
        s.add(row)
    actor = actor_for(info.account_id, match[0].id)
    assert actor is not None
    return actor


def do_sign_out(token: str | None) -> None:
    if not token:
        return
    with system_session("sign-out") as s, transaction(s):
        s.execute(update(AuthSession).where(AuthSession.token_hash == token_hash(token),
                                            AuthSession.revoked_at.is_(None))
                  .values(revoked_at=utcnow()).execution_options(synchronize_session=False))


# ---------------------------------------------------------------- password reset / invitation

def _reset_link(token: str) -> str:
    return f"{get_settings().base_url}/reset?token={quote(token)}"


def create_reset_token(s: Session, account: Account, *, purpose: str = "reset", hours: float | None = None) -> str:
    token = new_token()
    minutes = hours * 60 if hours else get_settings().reset_token_minutes
    s.add(PasswordResetToken(token_hash=token_hash(token), account_id=account.id, purpose=purpose,
                             expires_at=utcnow() + timedelta(minutes=minutes)))
    return token


def do_request_password_reset(email: str, *, lang: str = "fr") -> None:
    """Always answers the same way, so nobody learns which e-mails have accounts."""
    try:
        email = clean_email(email)
    except Invalid:
        raise
    if not ratelimit.hit("5/hour", "reset", email):
        return
    with system_session("password reset request") as s:
        account = find_account_by_email(s, email)
        if account is None or not account.active:
            return
        with transaction(s):
            token = create_reset_token(s, account)
            lang = account.locale or lang
            outbox.enqueue(s, EMAIL_KIND, {
                "to": account.email,
                "subject": t("mail.reset.subject", lang),
                "text": t("mail.reset.body", lang, name=account.full_name, link=_reset_link(token),
                          minutes=get_settings().reset_token_minutes),
            }, key=f"reset:{token_hash(token)}")


def do_reset_password(token: str, new_password: str) -> Account:
    now = utcnow()
    with system_session("password reset") as s:
        row = s.exec(select(PasswordResetToken).where(
            PasswordResetToken.token_hash == token_hash(token or ""))).first()
        if row is None:
            raise Invalid("this reset link is not valid", code="reset_token_invalid")
        if row.used_at is not None:
            raise Invalid("this reset link was already used", code="reset_token_used")
        if row.expires_at <= now:
            raise Invalid("this reset link has expired; ask for a new one", code="reset_token_expired")
        account = s.get(Account, row.account_id)
        if account is None or not account.active:
            raise Invalid("this reset link is not valid", code="reset_token_invalid")
        check_policy(new_password, email=account.email)
        with transaction(s):
            # single use, even against two concurrent submissions
            res = s.execute(update(PasswordResetToken)
                            .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
                            .values(used_at=now).execution_options(synchronize_session=False))
            if res.rowcount != 1:
                raise Invalid("this reset link was already used", code="reset_token_used")
            account.password_hash = hash_password(new_password)
            s.add(account)
            # a reset ends every open session of the account
            s.execute(update(AuthSession).where(AuthSession.account_id == account.id,
                                                AuthSession.revoked_at.is_(None))
                      .values(revoked_at=now).execution_options(synchronize_session=False))
        return account


# ---------------------------------------------------------------- API tokens

TOKEN_PREFIX = "ccn_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    id: int
    name: str
    secret: str


def do_create_api_token(actor: Actor, *, name: str) -> IssuedToken:
    require(actor, Perm.TOKEN_MANAGE_OWN, tenant_id=actor.tenant_id)
    if actor.membership_id is None or actor.tenant_id is None:
        raise Forbidden("a token is scoped to a membership of a centre", code="no_membership")
    name = " ".join("".join(ch for ch in (name or "") if ch.isprintable() or ch.isspace()).split())[:100]
    if not name:
        raise Invalid("token name is required", code="token_name_required")
    secret = TOKEN_PREFIX + new_token()
    with tenant_session(actor.tenant_id) as s, transaction(s):
        tok = ApiToken(tenant_id=actor.tenant_id, membership_id=actor.membership_id, name=name,
                       prefix=secret[:10], token_hash=token_hash(secret))
        s.add(tok)
        s.flush()
        audit(s, actor, "token.created", tenant_id=actor.tenant_id, target_type="api_token",
              target_id=tok.id, name=name)
        return IssuedToken(tok.id, name, secret)


def list_api_tokens(actor: Actor) -> list[ApiToken]:
    require(actor, Perm.TOKEN_MANAGE_OWN, tenant_id=actor.tenant_id)
    if actor.tenant_id is None:
        return []
    with tenant_session(actor.tenant_id) as s:
        return list(s.exec(select(ApiToken).where(ApiToken.membership_id == actor.membership_id,
                                                  ApiToken.revoked_at.is_(None))
                           .order_by(ApiToken.id.desc())).all())


def do_revoke_api_token(actor: Actor, token_id: int) -> None:
    require(actor, Perm.TOKEN_MANAGE_OWN, tenant_id=actor.tenant_id)
    if actor.tenant_id is None:
        raise NotFound("token not found")
    with tenant_session(actor.tenant_id) as s, transaction(s):
        tok = s.exec(select(ApiToken).where(ApiToken.id == token_id,
                                            ApiToken.membership_id == actor.membership_id)).first()
        if tok is None or tok.revoked_at is not None:
            raise NotFound("token not found")
        tok.revoked_at = utcnow()
        s.add(tok)
        audit(s, actor, "token.revoked", tenant_id=actor.tenant_id, target_type="api_token", target_id=tok.id)


# Every REST call resolves its bearer token, so the lookup runs on the driver's connection: on
# PostgreSQL one round trip (BEGIN, scope, this query, COMMIT pipelined), on SQLite without
# SQLAlchemy's execution layer. The token, its membership, account and centre, each active.
_TOKEN_LOOKUP = """
    SELECT t.id, t.last_used_at, m.id, m.roles, a.id, a.email, a.full_name, a.network_role, n.id, n.slug
    FROM api_token t
    JOIN membership m ON m.id = t.membership_id AND m.tenant_id = t.tenant_id
    JOIN account a ON a.id = m.account_id
    JOIN tenant n ON n.id = t.tenant_id
    WHERE t.token_hash = {hash} AND t.revoked_at IS NULL AND m.active AND a.active AND n.active"""
_TOKEN_LOOKUP_PG = _TOKEN_LOOKUP.format(hash="%(hash)s")
_TOKEN_LOOKUP_LITE = _TOKEN_LOOKUP.format(hash=":hash")


def _token_row(secret: str) -> tuple | None:
    params = {"hash": token_hash(secret)}
    if postgres_engine():
        return one_round_trip(_TOKEN_LOOKUP_PG, params, system="resolve API token")
    row = sqlite_row(_TOKEN_LOOKUP_LITE, params)
    if row is None:
        return None
    return (row[0], read_stamp(row[1]), row[2], json.loads(row[3]), *row[4:])


def token_identity(secret: str | None) -> tuple[Actor, str] | None:
    """The actor of a bearer token and the slug of its centre, in one query: the token, its
    membership, account and centre, each still active (every REST call comes through here)."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    row = _token_row(secret)
    if row is None:
        return None
    token_id, last_used, membership_id, roles, account_id, email, full_name, network_role, tenant_id, slug = row
    now = utcnow()
    # record the use, but write at most once a minute
    if last_used is None or now - last_used > LAST_USED_RESOLUTION:
        with system_session("record API token use") as s:
            s.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
            s.commit()
    actor = Actor(account_id=account_id, email=email, full_name=full_name, tenant_id=tenant_id,
                  membership_id=membership_id, roles=frozenset(roles or ()), network_role=network_role)
    return actor, slug


def token_actor(secret: str | None) -> Actor | None:
    """The actor of a bearer token: the membership it was made for, if still active."""
    found = token_identity(secret)
    return found[0] if found else None
