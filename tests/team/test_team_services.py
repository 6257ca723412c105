"""The manager's team page rules: list, invite, change roles, deactivate."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from integrations.db import system_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.mail import DevMail
from tenants.auth import services as auth
from tenants.core.models import AuditEvent, Membership
from tenants.team import services as team


def test_manager_lists_only_their_team(worlds):
    a, b = worlds
    page = team.list_members(a.manager.actor, a.tenant_id, per_page=4)
    assert page.total == 9 and len(page.items) == 4
    emails = {m.email for m in team.list_members(a.manager.actor, a.tenant_id, per_page=50).items}
    assert all(e.endswith("@alpha.test") for e in emails)
    assert team.list_members(a.manager.actor, a.tenant_id, query="COUNSELOR").total == 1
    assert team.list_members(a.manager.actor, a.tenant_id, role="student").total == 1


def test_other_tenant_team_is_refused(worlds):
    a, b = worlds
    with pytest.raises(Forbidden):
        team.list_members(b.manager.actor, a.tenant_id)
    with pytest.raises(NotFound):
        team.get_member(b.manager.actor, b.tenant_id, a.counselor.membership_id)


def test_students_do_not_see_the_team(world_a):
    with pytest.raises(Forbidden):
        team.list_members(world_a.student.actor, world_a.tenant_id)


def test_invite_a_new_counselor_who_then_signs_in(world_a, run_outbox):
    view = team.do_invite_member(world_a.manager.actor, world_a.tenant_id, email="Sara@alpha.test",
                                 full_name="Sara Bennani", roles=["career_counselor"],
                                 responsibilities=["communication"])
    assert view.roles == ("career_counselor",) and view.responsibilities == ("communication",)
    assert not view.has_password
    run_outbox()
    with system_session("t") as s:
        mail = s.exec(select(DevMail).where(DevMail.to_email == "sara@alpha.test")).one()
    assert "Centre ALPHA" in mail.subject
    token = re.search(r"/reset\?token=(\S+)", mail.body_text).group(1)
    auth.do_reset_password(token, "Counselor-pass-1")
    acc = auth.authenticate("sara@alpha.test", "Counselor-pass-1")
    assert auth.actor_for(acc.id, world_a.tenant_id).roles == frozenset({"career_counselor"})
    with system_session("t") as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "member.invited")).first()


def test_invite_someone_from_another_centre_adds_a_membership(worlds, run_outbox):
    a, b = worlds
    team.do_invite_member(a.manager.actor, a.tenant_id, email="manager@beta.test", full_name="Beta Manager",
                          roles=["career_counselor"])
    assert auth.actor_for(b.manager.account_id, a.tenant_id).roles == frozenset({"career_counselor"})
    assert auth.actor_for(b.manager.account_id, b.tenant_id).roles == frozenset({"manager"})


@pytest.mark.parametrize("kwargs,code", [
    (dict(email="counselor@alpha.test", full_name="Dup", roles=["intern"]), "already_member"),
    (dict(email="x@alpha.test", full_name="X Y", roles=["wizard"]), "invalid_role"),
    (dict(email="x@alpha.test", full_name="X Y", roles=["network_admin"]), "invalid_role"),
    (dict(email="x@alpha.test", full_name="X Y", roles=[]), "roles_required"),
    (dict(email="nope", full_name="X Y", roles=["intern"]), "invalid_email"),
])
def test_invite_refusals_change_nothing(world_a, kwargs, code):
    before = team.list_members(world_a.manager.actor, world_a.tenant_id).total
    with pytest.raises((Invalid, Conflict)) as exc:
        team.do_invite_member(world_a.manager.actor, world_a.tenant_id, **kwargs)
    assert exc.value.code == code
    assert team.list_members(world_a.manager.actor, world_a.tenant_id).total == before


def test_only_managers_invite(world_a):
    with pytest.raises(Forbidden):
        team.do_invite_member(world_a.counselor.actor, world_a.tenant_id, email="x@alpha.test",
                              full_name="X Y", roles=["intern"])


def test_change_roles_and_keep_a_manager(world_a):
    v = team.do_change_roles(world_a.manager.actor, world_a.tenant_id, world_a.counselor.membership_id,
                             roles=["career_counselor", "business_developer"], responsibilities=["coordination"])
    assert v.roles == ("career_counselor", "business_developer")
    with pytest.raises(Conflict) as exc:
        team.do_change_roles(world_a.manager.actor, world_a.tenant_id, world_a.manager.membership_id,
                             roles=["career_counselor"])
    assert exc.value.code == "last_manager"


def test_deactivate_and_reactivate(world_a):
    v = team.do_set_member_active(world_a.manager.actor, world_a.tenant_id, world_a.counselor.membership_id,
                                  active=False)
    assert not v.active
    assert auth.actor_for(world_a.counselor.account_id, world_a.tenant_id).roles == frozenset()
    with pytest.raises(Conflict):
        team.do_set_member_active(world_a.manager.actor, world_a.tenant_id, world_a.manager.membership_id,
                                  active=False)
    team.do_set_member_active(world_a.manager.actor, world_a.tenant_id, world_a.counselor.membership_id,
                              active=True)
    with system_session("t") as s:
        m = s.get(Membership, world_a.counselor.membership_id)
    assert m.active
