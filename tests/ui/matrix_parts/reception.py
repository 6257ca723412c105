"""Isolation matrix: reception, visit sheets and the kiosk (issue 4 §2, P06)."""

from __future__ import annotations

from integrations.db import system_session
from tenants.portal.visits.models import KioskToken
from tenants.portal.visits.services import do_create_kiosk_token, do_log_visit
from tests.ui.matrix_cases import Probe, Public, View

PATH = "/staff/visits"


def _kiosk(a: dict) -> object:
    with system_session("matrix snapshot") as s:
        return s.get(KioskToken, a["kiosk_id"]).revoked_at


ENTRIES: dict[str, Probe | View | Public] = {
    "VisitsState.on_load": View(PATH),
    "VisitsState.choose_mode": Public("switches the sheet between a registered student and a new one"),
    # the search runs in the caller's centre only
    "VisitsState.search_students": View(PATH, lambda a: ({"query": "alpha"},)),
    # both pick among the students the caller's own page listed; with none, nothing
    "VisitsState.pick_student": View(PATH, lambda a: (a["reception_student_mid"],)),
    "VisitsState.filter_student": View(PATH, lambda a: (a["reception_student_mid"],)),
    "VisitsState.clear_pick": Public("forgets the student picked on the caller's own sheet"),
    # the student comes from the caller's own pick (none here); a new student joins the caller's centre
    "VisitsState.log_visit": View(PATH, lambda a: ({"channel": "walk_in", "need_cv": "on",
                                                    "orientation": "Stolen orientation"},)),
    "VisitsState.apply_filters": View(PATH, lambda a: ({"from": "2020-01-01", "to": "2040-01-01"},)),
    "VisitsState.clear_filters": View(PATH),
    "VisitsState.next_page": View(PATH),
    "VisitsState.prev_page": View(PATH),
    # a kiosk of the caller's own centre
    "VisitsState.create_kiosk": View(PATH, lambda a: ({"kiosk_name": "Borne B"},)),
    "VisitsState.hide_kiosk_link": Public("hides the link shown once on the caller's own page"),
    "VisitsState.revoke_kiosk": Probe(PATH, lambda a: (a["kiosk_id"],), _kiosk),
    "KioskState.on_load": Public("the kiosk's public page; it loads nothing"),
    "KioskState.check_in": Public("needs the kiosk's secret from the page address; answers a first name only"),
    "KioskState.clear_screen": Public("clears the kiosk's greeting"),
}


def setup(a, ids: dict, secrets: list[str]) -> None:
    kiosk = do_create_kiosk_token(a.manager.actor, a.tenant_id, name="Alpha front kiosk")
    do_log_visit(a.counselor.actor, a.tenant_id, {"student_membership_id": a.student.membership_id,
                                                  "channel": "walk_in", "needs": ["cv"],
                                                  "orientation": "Alpha secret orientation"})
    met = do_log_visit(a.counselor.actor, a.tenant_id, {
        "new_student": {"email": "quick-alpha@example.org", "full_name": "Alpha Quick Student"},
        "channel": "event"})
    ids["kiosk_id"] = kiosk.id
    ids["reception_student_mid"] = met.student_membership_id
    secrets += ["Alpha front kiosk", "Alpha secret orientation", "Alpha Quick Student", "quick-alpha@example.org",
                kiosk.secret, kiosk.secret[:12]]
