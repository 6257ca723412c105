"""REST isolation case of an activity's poster (A01, issue 7): staff who see the calendar;
another centre's event is not found."""

from __future__ import annotations

from tenants.core.roles import Perm
from tests.isolation.test_rest_matrix import PREFIX, Case, _event

CASES = {
    ("GET", PREFIX + "/events/{event_id}/poster"): Case(Perm.CALENDAR_VIEW, ids=_event,
                                                        params={"format": "png", "template": "bold"}),
}
