"""The evaluator's pages call the same guarded services: an evaluator of another centre meets
"not found" and changes nothing; the assigned evaluator's own calls do reach the assessment
(the positive control); a centre's people are sent away from the evaluator area."""

from __future__ import annotations

from sqlmodel import select

from integrations.db import system_session
from tests.assessment.factories import make_model
from tests.conftest import create_person
from tests.ui.test_handler_isolation import call, session_cookie, shown
from workflows.assessment import external as ext
from workflows.assessment.models import (
    Assessment,
    AssessmentRating,
    EvaluationInterview,
    Recommendation,
)


def _state() -> tuple:
    with system_session("test read") as s:
        return (sorted((a.id, a.status, a.title) for a in s.exec(select(Assessment)).all()),
                sorted((r.rater, r.criterion_id, r.value) for r in s.exec(select(AssessmentRating)).all()),
                len(s.exec(select(EvaluationInterview)).all()), len(s.exec(select(Recommendation)).all()))


def test_evaluator_pages_keep_to_the_assigned_centres(worlds, network_admin):
    a, b = worlds
    make_model(domains=1, criteria=2)
    eva = create_person("eva@eval.test", network_role="external_evaluator")
    other = create_person("other@eval.test", network_role="external_evaluator")
    ext.do_assign(network_admin.actor, a.tenant_id, eva.account_id)
    ext.do_assign(network_admin.actor, b.tenant_id, other.account_id)
    aid = ext.do_start_external(eva.actor, a.tenant_id, title="Alpha external secret").id
    ext.do_plan_external(eva.actor, aid, meeting_on="2031-01-10")
    page = f"/evaluator/assessment/{aid}"
    rating = ({"criterion": "D1.1", "answer": "3", "justification": ""},)

    intruder = session_cookie(other.account_id, None)
    before = _state()
    for key, args in [("EvaluationState.on_load", ()), ("EvaluationState.rate", rating),
                      ("EvaluationState.plan", ({"meeting_on": "2031-02-01", "note": "x"},)),
                      ("EvaluationState.record_interview", ({"membership_id": str(a.counselor.membership_id),
                                                              "held_on": "2031-02-01"},)),
                      ("EvaluationState.add_recommendation", ({"text": "x", "priority": "high",
                                                               "criterion": ""},)),
                      ("EvaluationState.submit_ratings", ()), ("EvaluationState.send", ())]:
        state, _ = call(key, intruder, page, args)
        assert state.error == "error.not_found", key
        assert "Alpha external secret" not in shown(state)
    state, _ = call("EvaluatorCentresState.on_load", intruder, "/evaluator/centres", ())
    assert "Centre ALPHA" not in shown(state) and "Centre BETA" in shown(state)
    assert _state() == before

    # the assigned evaluator, same calls: they reach it
    mine = session_cookie(eva.account_id, None)
    state, _ = call("EvaluationState.rate", mine, page, rating)
    assert state.error == "" and state.status == "rating"
    assert [c.mine for c in state.criteria] == ["3", ""]
    state, _ = call("EvaluationState.rate", mine, page, ({"criterion": "D1.2", "answer": "7"},))
    assert state.error == "error.rating_out_of_scale"

    # a centre's manager is sent to their own area
    state, result = call("EvaluationState.on_load", session_cookie(a.manager.account_id, a.tenant_id), page, ())
    assert not state.found and "Alpha external secret" not in shown(state)
