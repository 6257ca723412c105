"""The dev mailbox service: a centre's staff read only mail sent to their centre's members."""

from __future__ import annotations

import pytest

from integrations.errors import Forbidden
from tenants.team.mailbox import list_dev_mail
from tenants.team.services import do_invite_member


def test_staff_see_only_mail_of_their_centre_newest_first(worlds, run_outbox):
    a, b = worlds
    # given an invitation in each centre, delivered to the dev mailbox
    do_invite_member(a.manager.actor, a.tenant_id, email="new-a@example.org", full_name="New A",
                     roles=["career_counselor"])
    do_invite_member(b.manager.actor, b.tenant_id, email="new-b@example.org", full_name="New B",
                     roles=["intern"])
    do_invite_member(a.manager.actor, a.tenant_id, email="second-a@example.org", full_name="Second A",
                     roles=["intern"])
    assert run_outbox() == ["sent", "sent", "sent"]
    # when a counselor of A reads the mailbox
    got = list_dev_mail(a.counselor.actor, a.tenant_id)
    # then only A's mail shows, newest first, with the set-password link
    assert [m.to_email for m in got.items] == ["second-a@example.org", "new-a@example.org"]
    assert got.total == 2
    assert "/reset?token=" in got.items[0].body_text
    # and paging splits it
    assert [m.to_email for m in list_dev_mail(a.counselor.actor, a.tenant_id, per_page=1, page=2).items] \
        == ["new-a@example.org"]


def test_other_centre_students_and_outsiders_are_refused(worlds, network_admin, run_outbox):
    a, b = worlds
    do_invite_member(a.manager.actor, a.tenant_id, email="new-a@example.org", full_name="New A",
                     roles=["intern"])
    run_outbox()
    with pytest.raises(Forbidden):
        list_dev_mail(b.manager.actor, a.tenant_id)
    with pytest.raises(Forbidden):
        list_dev_mail(a.student.actor, a.tenant_id)
    with pytest.raises(Forbidden):
        list_dev_mail(a.manager.actor, None)
    admin = network_admin.actor
    assert [m.to_email for m in list_dev_mail(admin, None).items] == ["new-a@example.org"]
