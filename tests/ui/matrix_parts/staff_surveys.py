"""Handlers of the staff questionnaire pages (T04) and the certificates they list (T05)."""

from __future__ import annotations

from integrations.db import system_session
from tenants.portal.certificates.models import Certificate
from tenants.portal.surveys.services import do_set_template
from tests.ui.matrix_cases import Probe, Public, View


def _results(a: dict) -> str:
    return f"/staff/surveys/events/{a['survey_event_id']}"


def _certificate(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        c = s.get(Certificate, a["certificate_id"])
        return c.revoked_at, c.revoke_reason


ENTRIES: dict[str, Probe | View | Public] = {
    "SurveysState.on_load": View("/staff/surveys"),
    # the questions of a type of the caller's own centre
    "SurveysState.choose_type": View("/staff/surveys", lambda a: ("debate_workshop",)),
    "SurveysState.next_page": View("/staff/surveys"),
    "SurveysState.prev_page": View("/staff/surveys"),
    # only a member the page listed (the caller's centre) is opened
    "SurveysState.open_counselor": View("/staff/surveys", lambda a: ({"counselor": str(a["counselor_mid"])},)),
    "SurveysState.add_question": Public("edits the caller's own unsaved draft"),
    "SurveysState.remove_question": Public("edits the caller's own unsaved draft"),
    "SurveysState.move_question": Public("edits the caller's own unsaved draft"),
    "SurveysState.edit_question": Public("edits the caller's own unsaved draft"),
    "SurveysState.discard_changes": View("/staff/surveys"),
    # saves the caller's own draft as the questions of the caller's own centre
    "SurveysState.save_template": View("/staff/surveys"),
    "EventResultsState.on_load": View(_results),
    # only a certificate of the page's event, looked up in the caller's centre
    "EventResultsState.download_certificate": View(_results, lambda a: (a["certificate_id"],)),
    "EventResultsState.open_revoke": View(_results, lambda a: (a["certificate_id"],)),
    "EventResultsState.close_revoke": Public("closes a dialog"),
    "EventResultsState.type_reason": Public("the reason typed in the caller's own dialog"),
    "EventResultsState.revoke_certificate": Probe(_results, lambda a: (a["certificate_id"], "Stolen revocation"),
                                                  _certificate),
    "CounselorResultsState.on_load": View(lambda a: f"/staff/surveys/counselors/{a['counselor_mid']}"),
}


def setup(a, ids: dict, secrets: list[str]) -> None:
    """A's own questions for debate workshops, and the code of A's certificate, stay A's."""
    do_set_template(a.manager.actor, a.tenant_id, "debate_workshop",
                    {"questions": [{"kind": "rating", "label": "Alpha secret question"}]})
    with system_session("matrix setup") as s:
        code = s.get(Certificate, ids["certificate_id"]).code
    secrets += ["Alpha secret question", code]
