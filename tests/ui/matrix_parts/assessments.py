"""The isolation matrix of the self-assessment pages (P28): /staff/assessment, an assessment's page
/staff/assessment/[assessment_id] and its results /staff/assessment/[assessment_id]/results.

setup gives A three self-assessments: one collecting (a rating and a note), one ready to complete
(every criterion rated) and one evaluated (its action plan), and a draft action plan for the
matrix's year 2030-2031 (the current year, for carrying an improvement into it)."""

from __future__ import annotations

from sqlmodel import select

from integrations.db import system_session
from tests.assessment.factories import make_model
from tests.ui.matrix_cases import Probe, Public, View
from workflows.assessment import services as sa
from workflows.assessment.models import (
    Assessment,
    AssessmentAction,
    AssessmentEvidence,
    AssessmentRating,
)
from workflows.planning import services as plans

LIST = "/staff/assessment"
PDF = b"%PDF-1.4\n%%EOF\n"


class _Upload:
    """What Reflex hands an upload handler: a name and an async read."""

    filename = "stolen.pdf"

    async def read(self, n: int = -1) -> bytes:
        return PDF


def _collecting(mgr, title: str) -> int:  # noqa: ANN001
    aid = sa.do_start(mgr, title=title, framing_note="Alpha secret framing").summary.id
    sa.do_plan(mgr, aid)
    return aid


def setup(a, ids: dict, secrets: list) -> None:  # noqa: ANN001
    mgr = a.manager.actor
    make_model(domains=1, criteria=2, live_keys={"D1.1": "workshops_held"})
    collect = _collecting(mgr, "Alpha secret assessment")
    sa.do_rate(mgr, collect, "D1.1", value=1, justification="Alpha secret justification")
    note = sa.do_add_note(mgr, collect, note="Alpha secret evidence", criterion_code="D1.1")
    ready = _collecting(mgr, "Alpha ready assessment")
    done = _collecting(mgr, "Alpha evaluated assessment")
    for aid in (ready, done):
        sa.do_rate(mgr, aid, "D1.1", value=1, justification="Alpha secret justification")
        sa.do_rate(mgr, aid, "D1.2", value=3)
    sa.do_complete(mgr, done)
    sa.do_compute(done)
    actions = {x.kind: x.id for x in sa.list_actions(mgr, done)}
    sa.do_update_action(mgr, actions["improvement"], text="Alpha secret action")
    plans.do_create_plan(mgr, a.tenant_id, ids["year_id"], title="Alpha assessment plan")
    ids.update(sa_collect_id=collect, sa_note_id=note.id, sa_ready_id=ready, sa_done_id=done,
               sa_improvement_id=actions["improvement"], sa_strength_id=actions["strength"])
    secrets += ["Alpha secret assessment", "Alpha secret framing", "Alpha secret justification",
                "Alpha secret evidence", "Alpha secret action"]


def _page(key: str, tail: str = ""):  # noqa: ANN202
    return lambda a: f"{LIST}/{a[key]}{tail}"


def _assessment(key: str):  # noqa: ANN202
    def snap(a: dict) -> tuple:
        with system_session("matrix snapshot") as s:
            x = s.get(Assessment, a[key])
            return x.status, x.title, x.period_label, x.framing_note, x.planned_start, x.review_meeting_id
    return snap


def _ratings(key: str):  # noqa: ANN202
    def snap(a: dict) -> list:
        with system_session("matrix snapshot") as s:
            return sorted((r.criterion_id, r.status, r.value, r.justification) for r in s.exec(
                select(AssessmentRating).where(AssessmentRating.assessment_id == a[key])).all())
    return snap


def _evidence(a: dict) -> list:
    with system_session("matrix snapshot") as s:
        return sorted((e.id, e.kind, e.title, e.note, e.url) for e in s.exec(
            select(AssessmentEvidence).where(AssessmentEvidence.assessment_id == a["sa_collect_id"])).all())


def _actions(a: dict) -> list:
    with system_session("matrix snapshot") as s:
        return sorted((x.id, x.kind, x.text, x.owner_membership_id, x.deadline, x.done, x.plan_activity_key)
                      for x in s.exec(select(AssessmentAction)
                                      .where(AssessmentAction.assessment_id == a["sa_done_id"])).all())


COLLECT, RESULTS = _page("sa_collect_id"), _page("sa_done_id", "/results")
ENTRIES: dict[str, Probe | View | Public] = {
    "AssessmentListState.on_load": View(LIST),
    "AssessmentListState.next_page": View(LIST),
    "AssessmentListState.prev_page": View(LIST),
    # starts one in the caller's own centre only (the service takes the actor's centre)
    "AssessmentListState.start": View(LIST, lambda a: ({"title": "Stolen assessment"},)),
    "AssessmentState.on_load": View(COLLECT),
    "AssessmentState.save_framing": Probe(COLLECT, lambda a: ({"title": "Stolen", "period_label": "x",
                                                               "framing_note": "Stolen"},),
                                          _assessment("sa_collect_id")),
    "AssessmentState.plan": Probe(COLLECT, lambda a: ({"planned_start": "2031-01-05", "planned_end": ""},),
                                  _assessment("sa_collect_id")),
    "AssessmentState.choose": Probe(COLLECT, lambda a: ("D1.1",), _ratings("sa_collect_id"), expect="nothing"),
    "AssessmentState.rate": Probe(COLLECT, lambda a: ({"criterion_code": "D1.1", "answer": "3",
                                                       "justification": ""},), _ratings("sa_collect_id")),
    "AssessmentState.add_link": Probe(COLLECT, lambda a: ({"url": "https://stolen.example.org", "title": "",
                                                           "criterion_code": ""},), _evidence, owner="counselor"),
    "AssessmentState.add_note": Probe(COLLECT, lambda a: ({"note": "Stolen note", "title": "",
                                                           "criterion_code": "D1.1"},), _evidence, owner="counselor"),
    "AssessmentState.upload_file": Probe(COLLECT, lambda a: ([_Upload()],), _evidence, owner="counselor"),
    "AssessmentState.capture_live": Probe(COLLECT, lambda a: (), _evidence, owner="counselor"),
    "AssessmentState.remove_evidence": Probe(COLLECT, lambda a: (a["sa_note_id"],), _evidence),
    "AssessmentState.complete": Probe(_page("sa_ready_id"), lambda a: (), _assessment("sa_ready_id")),
    "AssessmentResultState.on_load": View(RESULTS),
    "AssessmentResultState.add_action": Probe(RESULTS, lambda a: ({"kind": "improvement", "text": "Stolen action",
                                                                   "owner_membership_id": "", "deadline": "",
                                                                   "criterion_code": ""},), _actions),
    "AssessmentResultState.edit": Probe(RESULTS, lambda a: (a["sa_improvement_id"],), _actions, expect="nothing"),
    "AssessmentResultState.cancel_edit": Public("closes the page's own edit form"),
    "AssessmentResultState.save_action": Probe(RESULTS, lambda a: ({"action_id": str(a["sa_improvement_id"]),
                                                                    "text": "Stolen", "owner_membership_id": "",
                                                                    "deadline": "", "done": "on"},), _actions),
    "AssessmentResultState.carry": Probe(RESULTS, lambda a: (a["sa_improvement_id"],), _actions),
    "AssessmentResultState.delete_action": Probe(RESULTS, lambda a: (a["sa_strength_id"],), _actions),
}
