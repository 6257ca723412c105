"""The weekly cut-off and the host institution's addresses, set by the manager (P24.2)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from integrations.db import system_session
from integrations.errors import Forbidden, Invalid
from workflows.reporting.models import ReportingSettings
from workflows.reporting.settings import do_update_reporting_settings, get_reporting_settings


def _rows() -> list[tuple]:
    with system_session("test: read settings") as s:
        return [(r.tenant_id, r.cutoff_weekday, r.meeting_weekday, r.host_recipients)
                for r in s.exec(select(ReportingSettings)).all()]


def test_defaults_are_thursday_for_the_friday_meeting(world_a):
    v = get_reporting_settings(world_a.counselor.actor, world_a.tenant_id)
    assert (v.cutoff_weekday, v.meeting_weekday, v.host_recipients) == (3, 4, ())


def test_the_manager_sets_the_days_and_the_recipients(world_a):
    a = world_a
    v = do_update_reporting_settings(a.manager.actor, a.tenant_id, {
        "cutoff_weekday": 2, "meeting_weekday": 3,
        "host_recipients": ["Presidence@Univ.test", "presidence@univ.test", " doyen@univ.test "]})
    assert v.host_recipients == ("presidence@univ.test", "doyen@univ.test")
    assert get_reporting_settings(a.people["host_approver"].actor, a.tenant_id) == v
    do_update_reporting_settings(a.manager.actor, a.tenant_id, {"cutoff_weekday": 3, "meeting_weekday": 4,
                                                                "host_recipients": "a@univ.test; b@univ.test"})
    assert _rows() == [(a.tenant_id, 3, 4, ["a@univ.test", "b@univ.test"])]


@pytest.mark.parametrize("data,code", [
    ({"cutoff_weekday": 9, "meeting_weekday": 4}, "invalid_weekday"),
    ({"cutoff_weekday": -1, "meeting_weekday": 4}, "invalid_weekday"),
    ({"cutoff_weekday": "jeudi", "meeting_weekday": 4}, "invalid_weekday"),
    ({"cutoff_weekday": True, "meeting_weekday": 4}, "invalid_weekday"),
    ({"cutoff_weekday": 5, "meeting_weekday": 4}, "cutoff_after_meeting"),
    ({"host_recipients": ["not an address"]}, "invalid_email"),
    ({"host_recipients": [f"p{i}@univ.test" for i in range(21)]}, "too_many_recipients"),
    ({"cutoff_weekday": 3, "colour": "red"}, "invalid"),
])
def test_bad_settings_are_refused_and_nothing_changes(world_a, data, code):
    a = world_a
    do_update_reporting_settings(a.manager.actor, a.tenant_id, {"host_recipients": ["ok@univ.test"]})
    before = _rows()
    with pytest.raises(Invalid) as exc:
        do_update_reporting_settings(a.manager.actor, a.tenant_id, data)
    assert exc.value.code.startswith(code), exc.value.code
    assert _rows() == before


def test_only_the_manager_of_the_centre_changes_them(worlds):
    a, b = worlds
    for actor in (a.counselor.actor, a.people["host_approver"].actor, b.manager.actor):
        with pytest.raises(Forbidden):
            do_update_reporting_settings(actor, a.tenant_id, {"cutoff_weekday": 1, "meeting_weekday": 2})
    with pytest.raises(Forbidden):
        get_reporting_settings(a.student.actor, a.tenant_id)
    assert _rows() == []
