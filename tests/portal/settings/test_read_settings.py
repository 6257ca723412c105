"""Reading the portal settings for the manager's page: only who may change them, only their centre."""

from __future__ import annotations

import pytest

from integrations.errors import Forbidden
from tenants.portal.settings.services import do_update_portal_settings, read_portal_settings


def test_the_manager_reads_the_settings_of_their_own_centre_only(worlds):
    a, b = worlds
    assert read_portal_settings(a.manager.actor, a.tenant_id).session_minutes == 45  # the default
    do_update_portal_settings(a.manager.actor, a.tenant_id, {"session_minutes": 30, "no_show_limit": 2})
    got = read_portal_settings(a.manager.actor, a.tenant_id)
    assert (got.session_minutes, got.no_show_limit) == (30, 2)
    assert read_portal_settings(b.manager.actor, b.tenant_id).session_minutes == 45
    with pytest.raises(Forbidden):
        read_portal_settings(b.manager.actor, a.tenant_id)
    for role in ("counselor", "student", "business_developer"):
        with pytest.raises(Forbidden):
            read_portal_settings(a.people[role].actor, a.tenant_id)
