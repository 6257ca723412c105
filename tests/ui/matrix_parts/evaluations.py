"""Isolation matrix of the external evaluation pages (evaluators' area, admin assignments). They
serve external evaluators and network admins; a centre's people (every role of B) are sent to
their own area or refused, whatever ids of A they send: A's external assessment, its interview
notes and recommendations stay unseen and unchanged. The evaluator's own scope (an unassigned
centre answers not found) is tested in tests/assessment/test_external_services.py."""

from __future__ import annotations

from tests.assessment.factories import make_model
from tests.conftest import create_person
from tests.ui.matrix_cases import View
from workflows.assessment import external as ext

CENTRES = "/evaluator/centres"
ADMIN = "/admin/evaluators"


def _page(a: dict) -> str:
    return f"/evaluator/assessment/{a['external_assessment_id']}"


def setup(a, ids: dict, secrets: list) -> None:
    """An evaluator of A and A's external assessment, being rated, with an interview note."""
    make_model(domains=1, criteria=2)
    admin = create_person("matrix-admin@network.test", network_role="network_admin")
    evaluator = create_person("matrix-evaluator@eval.test", network_role="external_evaluator",
                              name="Alpha Secret Evaluator")
    asg = ext.do_assign(admin.actor, a.tenant_id, evaluator.account_id)
    aid = ext.do_start_external(evaluator.actor, a.tenant_id, title="Alpha secret external evaluation").id
    ext.do_plan_external(evaluator.actor, aid, meeting_on="2031-01-10", note="Alpha secret planning note")
    ext.do_record_interview(evaluator.actor, aid, membership_id=a.counselor.membership_id, held_on="2031-01-11",
                            notes="Alpha secret interview notes")
    ext.do_rate(evaluator.actor, aid, "D1.1", value=3)
    ids.update(external_assessment_id=aid, evaluator_assignment_id=asg.id)
    secrets += ["Alpha secret external evaluation", "Alpha secret planning note", "Alpha secret interview notes",
                "Alpha Secret Evaluator"]


def _rating(a: dict) -> tuple:
    return ({"criterion": "D1.1", "answer": "0", "justification": "stolen"},)


ENTRIES: dict = {
    "EvaluatorAssignState.on_load": View(ADMIN),
    "EvaluatorAssignState.assign": View(ADMIN, lambda a: ({"centre_id": str(a["tenant_id"]), "evaluator_id": "1"},)),
    "EvaluatorAssignState.unassign": View(ADMIN, lambda a: (a["evaluator_assignment_id"],)),
    "EvaluatorCentresState.on_load": View(CENTRES),
    "EvaluatorCentresState.start": View(CENTRES, lambda a: ({"centre_id": str(a["tenant_id"]), "title": "Stolen"},)),
    "EvaluationState.on_load": View(_page),
    "EvaluationState.plan": View(_page, lambda a: ({"meeting_on": "2031-02-01", "note": "stolen"},)),
    "EvaluationState.record_interview": View(_page, lambda a: ({"membership_id": str(a["counselor_mid"]),
                                                                "held_on": "2031-02-01", "notes": "stolen"},)),
    "EvaluationState.rate": View(_page, _rating),
    "EvaluationState.submit_ratings": View(_page),
    "EvaluationState.open_consensus": View(_page),
    "EvaluationState.set_consensus": View(_page, _rating),
    "EvaluationState.complete": View(_page),
    "EvaluationState.add_recommendation": View(_page, lambda a: ({"text": "stolen", "priority": "high",
                                                                  "criterion": ""},)),
    "EvaluationState.delete_recommendation": View(_page, lambda a: (1,)),
    "EvaluationState.send": View(_page),
}
