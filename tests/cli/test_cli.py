"""`cc-network` commands: what an operator types, what they see, what the database holds."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import select

from cc_network.cli import main
from integrations.db import system_session
from tenants.auth.services import authenticate, token_actor
from tenants.core.models import Account, Membership, Tenant
from tests.cli.test_backup import _snapshot
from tests.conftest import PASSWORD


def cc(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _accounts() -> list[str]:
    with system_session("test") as s:
        return sorted(a.email for a in s.exec(select(Account)).all())


def test_tenant_create_and_its_refusals():
    r = cc("tenant", "create", "--slug", "emi-rabat", "--name", "École Mohammadia", "--kind", "university")
    assert r.exit_code == 0, r.output
    assert "emi-rabat" in r.output
    with system_session("test") as s:
        t = s.exec(select(Tenant).where(Tenant.slug == "emi-rabat")).one()
    assert (t.name, t.kind, t.timezone) == ("École Mohammadia", "university", "Africa/Casablanca")

    r = cc("tenant", "create", "--slug", "emi-rabat", "--name", "Other")
    assert r.exit_code == 1 and "slug_taken" in r.output
    r = cc("tenant", "create", "--slug", "Bad Slug!", "--name", "X")
    assert r.exit_code == 1 and "invalid_slug" in r.output
    r = cc("tenant", "create", "--slug", "okslug", "--name", "X", "--kind", "castle")
    assert r.exit_code == 2  # click refuses the choice before anything runs
    with system_session("test") as s:
        assert [t.slug for t in s.exec(select(Tenant)).all()] == ["emi-rabat"]


def test_user_create_with_membership_signs_in(world_a):
    r = cc("user", "create", "--email", "Amal.Counsel@Alpha.Example.ma", "--password", PASSWORD,
           "--name", "Amal Tazi", "--tenant", "alpha", "--role", "career_counselor",
           "--responsibility", "coordination")
    assert r.exit_code == 0, r.output
    acc = authenticate("amal.counsel@alpha.example.ma", PASSWORD)
    assert acc.full_name == "Amal Tazi"
    with system_session("test") as s:
        m = s.exec(select(Membership).where(Membership.account_id == acc.id)).one()
    assert (m.tenant_id, m.roles, m.responsibilities) == (world_a.tenant_id, ["career_counselor"],
                                                          ["coordination"])


def test_user_create_network_role():
    r = cc("user", "create", "--email", "eval@network.example.ma", "--password", PASSWORD,
           "--network-role", "external_evaluator")
    assert r.exit_code == 0, r.output
    with system_session("test") as s:
        acc = s.exec(select(Account).where(Account.email == "eval@network.example.ma")).one()
    assert acc.network_role == "external_evaluator"


@pytest.mark.parametrize("args, code", [
    (["--email", "x1@alpha.example.ma", "--password", "short"], "weak_password"),
    (["--email", "x2@alpha.example.ma", "--password", "alllowercaseletters"], "weak_password"),
    (["--email", "not-an-email", "--password", PASSWORD], "invalid_email"),
    (["--email", "x3@alpha.example.ma", "--password", PASSWORD, "--tenant", "nowhere",
      "--role", "student"], "unknown_tenant"),
    (["--email", "x4@alpha.example.ma", "--password", PASSWORD, "--tenant", "alpha",
      "--role", "wizard"], "invalid_role"),
    (["--email", "x5@alpha.example.ma", "--password", PASSWORD, "--tenant", "alpha",
      "--role", "network_admin"], "invalid_role"),
])
def test_user_create_refusals_change_nothing(world_a, args, code):
    before = _accounts()
    r = cc("user", "create", *args)
    assert r.exit_code == 1, r.output
    assert f"[{code}]" in r.output
    assert _accounts() == before


def test_user_create_duplicate_email(world_a):
    r = cc("user", "create", "--email", "fresh@alpha.example.ma", "--password", PASSWORD)
    assert r.exit_code == 0
    r = cc("user", "create", "--email", "FRESH@alpha.example.ma", "--password", PASSWORD)
    assert r.exit_code == 1 and "[email_taken]" in r.output


def test_user_create_role_without_tenant_is_bad_usage():
    r = cc("user", "create", "--email", "y@alpha.example.ma", "--password", PASSWORD, "--role", "student")
    assert r.exit_code == 1 and "--role needs --tenant" in r.output


def test_token_create_prints_a_working_token(worlds):
    a, b = worlds
    r = cc("token", "create", "--email", a.manager.email, "--name", "reporting")
    assert r.exit_code == 0, r.output
    secret = r.output.strip()
    actor = token_actor(secret)
    assert actor is not None
    assert (actor.account_id, actor.tenant_id, set(actor.roles)) == (a.manager.account_id, a.tenant_id,
                                                                    {"manager"})
    assert secret.startswith("ccn_")


def test_token_create_refusals(worlds):
    a, b = worlds
    r = cc("token", "create", "--email", "ghost@alpha.example.ma")
    assert r.exit_code == 1 and "no account" in r.output
    r = cc("token", "create", "--email", a.manager.email, "--tenant", "beta")
    assert r.exit_code == 1 and "not a member of beta" in r.output
    r = cc("token", "create", "--email", a.manager.email, "--tenant", "nowhere")
    assert r.exit_code == 1 and "[unknown_tenant]" in r.output
    # someone in two centres must say which one
    from tests.conftest import create_person

    create_person(a.counselor.email, tenant_id=b.tenant_id, roles=["student"])
    r = cc("token", "create", "--email", a.counselor.email)
    assert r.exit_code == 1 and "--tenant" in r.output
    r = cc("token", "create", "--email", a.counselor.email, "--tenant", "beta")
    assert r.exit_code == 0
    assert token_actor(r.output.strip()).tenant_id == b.tenant_id


def test_backup_and_restore_commands(worlds, tmp_path):
    from tests.conftest import _wipe

    path = tmp_path / "dump.jsonl.gz"
    before = _snapshot()
    r = cc("backup", str(path))
    assert r.exit_code == 0 and "backed up" in r.output
    r = cc("restore", str(path))
    assert r.exit_code == 1 and "not empty" in r.output
    _wipe()
    r = cc("restore", str(path))
    assert r.exit_code == 0, r.output
    assert _snapshot() == before
