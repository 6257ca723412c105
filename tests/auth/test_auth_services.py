"""Sign-up, sign-in, sessions, reset and tokens, at the service layer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from integrations.db import system_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthenticated
from integrations.mail import DevMail
from tenants.auth import services as auth
from tenants.auth.models import ApiToken, AuthSession, PasswordResetToken
from tenants.core.models import Account, Membership
from tests.conftest import PASSWORD


def _count(model) -> int:
    with system_session("test count") as s:
        return len(s.exec(select(model)).all())


# ---------------------------------------------------------------- sign-up

def test_student_signs_up_on_a_tenant_portal(world_a):
    account = auth.do_sign_up_student("alpha", email=" Nadia@Example.MA ", password="Sunny-day-2026",
                                      full_name="Nadia  Alaoui")
    assert account.email == "nadia@example.ma"
    assert account.full_name == "Nadia Alaoui"
    actor = auth.actor_for(account.id, world_a.tenant_id)
    assert actor.roles == frozenset({"student"})
    assert actor.tenant_id == world_a.tenant_id


@pytest.mark.parametrize("email,password,name,code", [
    ("student@alpha.test", "Sunny-day-2026", "Dup", "email_taken"),
    ("new@x.ma", "short1", "Weak", "weak_password"),
    ("new@x.ma", "alllowercaseletters", "Weak", "weak_password"),
    ("nadia.b@x.ma", "Xnadia.b-1234", "Contains email", "weak_password"),
    ("not-an-email", "Sunny-day-2026", "Bad", "invalid_email"),
    ("new@x.ma", "Sunny-day-2026", "", "invalid_name"),
])
def test_sign_up_refusals_change_nothing(world_a, email, password, name, code):
    before = (_count(Account), _count(Membership))
    with pytest.raises((Invalid, Conflict)) as exc:
        auth.do_sign_up_student("alpha", email=email, password=password, full_name=name)
    assert exc.value.code == code
    assert (_count(Account), _count(Membership)) == before


def test_sign_up_on_an_unknown_tenant(world_a):
    with pytest.raises(NotFound) as exc:
        auth.do_sign_up_student("nowhere", email="a@b.ma", password="Sunny-day-2026", full_name="Ab Cd")
    assert exc.value.code == "unknown_tenant"


# ---------------------------------------------------------------- sign-in, sessions

def test_sign_in_ticket_becomes_a_session_once(world_a):
    acc = auth.authenticate("MANAGER@alpha.test", PASSWORD)
    ticket = auth.issue_sign_in_ticket(acc.id, tenant_id=world_a.tenant_id, next_path="/staff/team")
    new = auth.redeem_sign_in_ticket(ticket)
    assert new.next_path == "/staff/team"
    actor = auth.session_actor(new.token)
    assert actor.account_id == acc.id and actor.tenant_id == world_a.tenant_id
    assert "manager" in actor.roles
    with pytest.raises(Unauthenticated):
        auth.redeem_sign_in_ticket(ticket)
    # only the hash is stored
    with system_session("t") as s:
        assert all(row.token_hash != new.token for row in s.exec(select(AuthSession)))


def test_ticket_refuses_an_open_redirect(world_a):
    ticket = auth.issue_sign_in_ticket(world_a.manager.account_id, tenant_id=None, next_path="//evil.example")
    assert auth.redeem_sign_in_ticket(ticket).next_path == "/"


def test_wrong_password_and_unknown_email_look_the_same(world_a):
    for email in ("manager@alpha.test", "ghost@alpha.test"):
        with pytest.raises(Unauthenticated) as exc:
            auth.authenticate(email, "Wrong-password-1")
        assert exc.value.code == "bad_credentials"


def test_sign_in_is_rate_limited(world_a):
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            auth.authenticate("manager@alpha.test", "Wrong-password-1")
    with pytest.raises(RateLimited):
        auth.authenticate("manager@alpha.test", PASSWORD)


def test_deactivated_account_cannot_sign_in(world_a):
    with system_session("t") as s:
        acc = s.get(Account, world_a.student.account_id)
        acc.active = False
        s.add(acc)
        s.commit()
    with pytest.raises(Unauthenticated) as exc:
        auth.authenticate("student@alpha.test", PASSWORD)
    assert exc.value.code == "account_inactive"


def test_sign_out_ends_the_session(world_a):
    ticket = auth.issue_sign_in_ticket(world_a.manager.account_id, tenant_id=world_a.tenant_id)
    token = auth.redeem_sign_in_ticket(ticket).token
    auth.do_sign_out(token)
    assert auth.session_actor(token) is None


def test_switch_tenant_only_to_own_memberships(worlds):
    a, b = worlds
    from tests.conftest import create_person

    create_person("manager@alpha.test", tenant_id=b.tenant_id, roles=["career_counselor"])
    token = auth.redeem_sign_in_ticket(
        auth.issue_sign_in_ticket(a.manager.account_id, tenant_id=a.tenant_id)).token
    actor = auth.do_switch_tenant(token, "beta")
    assert actor.tenant_id == b.tenant_id and actor.roles == frozenset({"career_counselor"})
    assert auth.session_actor(token).tenant_id == b.tenant_id
    token2 = auth.redeem_sign_in_ticket(
        auth.issue_sign_in_ticket(a.student.account_id, tenant_id=a.tenant_id)).token
    with pytest.raises(NotFound):
        auth.do_switch_tenant(token2, "beta")


# ---------------------------------------------------------------- reset

def _reset_link(run_outbox, to: str) -> str:
    run_outbox()
    with system_session("t") as s:
        mail = s.exec(select(DevMail).where(DevMail.to_email == to).order_by(DevMail.id.desc())).first()
    assert mail is not None, "no e-mail delivered"
    return re.search(r"/reset\?token=(\S+)", mail.body_text).group(1)


def test_password_reset_by_emailed_single_use_token(world_a, run_outbox):
    auth.do_request_password_reset("manager@alpha.test")
    token = _reset_link(run_outbox, "manager@alpha.test")
    session_token = auth.redeem_sign_in_ticket(
        auth.issue_sign_in_ticket(world_a.manager.account_id, tenant_id=world_a.tenant_id)).token
    auth.do_reset_password(token, "Brand-new-pass-9")
    assert auth.authenticate("manager@alpha.test", "Brand-new-pass-9").id == world_a.manager.account_id
    assert auth.session_actor(session_token) is None, "a reset ends open sessions"
    with pytest.raises(Invalid) as exc:
        auth.do_reset_password(token, "Another-pass-77")
    assert exc.value.code == "reset_token_used"


def test_expired_reset_token(world_a, run_outbox):
    auth.do_request_password_reset("manager@alpha.test")
    token = _reset_link(run_outbox, "manager@alpha.test")
    with system_session("t") as s:
        row = s.exec(select(PasswordResetToken)).one()
        row.expires_at = utcnow() - timedelta(minutes=1)
        s.add(row)
        s.commit()
    with pytest.raises(Invalid) as exc:
        auth.do_reset_password(token, "Brand-new-pass-9")
    assert exc.value.code == "reset_token_expired"
    assert auth.authenticate("manager@alpha.test", PASSWORD)


def test_weak_password_on_reset_keeps_the_token(world_a, run_outbox):
    auth.do_request_password_reset("manager@alpha.test")
    token = _reset_link(run_outbox, "manager@alpha.test")
    with pytest.raises(Invalid) as exc:
        auth.do_reset_password(token, "weak")
    assert exc.value.code == "weak_password"
    auth.do_reset_password(token, "Brand-new-pass-9")


def test_reset_request_for_unknown_email_sends_nothing(world_a, run_outbox):
    auth.do_request_password_reset("ghost@alpha.test")
    run_outbox()
    assert _count(DevMail) == 0


def test_reset_mail_is_french_by_default(world_a, run_outbox):
    auth.do_request_password_reset("manager@alpha.test")
    run_outbox()
    with system_session("t") as s:
        mail = s.exec(select(DevMail)).one()
    assert "mot de passe" in mail.subject.lower()


# ---------------------------------------------------------------- API tokens

def test_api_token_is_scoped_to_one_membership_and_hashed(worlds):
    a, _ = worlds
    issued = auth.do_create_api_token(a.manager.actor, name="reporting script")
    actor = auth.token_actor(issued.secret)
    assert actor.tenant_id == a.tenant_id and actor.membership_id == a.manager.membership_id
    with system_session("t") as s:
        row = s.exec(select(ApiToken)).one()
    assert row.token_hash != issued.secret and issued.secret.startswith(row.prefix)
    auth.do_revoke_api_token(a.manager.actor, issued.id)
    assert auth.token_actor(issued.secret) is None


def test_token_of_another_member_cannot_be_revoked(worlds):
    a, b = worlds
    issued = auth.do_create_api_token(a.manager.actor, name="x")
    with pytest.raises(NotFound):
        auth.do_revoke_api_token(a.counselor.actor, issued.id)
    with pytest.raises(NotFound):
        auth.do_revoke_api_token(b.manager.actor, issued.id)
    assert auth.token_actor(issued.secret) is not None


def test_token_needs_a_name_and_a_membership(world_a, network_admin):
    with pytest.raises(Invalid):
        auth.do_create_api_token(world_a.manager.actor, name="  ")
    with pytest.raises(Forbidden):
        auth.do_create_api_token(network_admin.actor, name="x")
