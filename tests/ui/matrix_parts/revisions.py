"""The isolation matrix of the procedure revision pages (issue 6 §5, P31):
/staff/procedures/[code]/revisions and /staff/procedures/incidents.

setup gives centre A a draft of P02 (a step titled with a secret), a draft of P03, a version
of P04 under review, an open incident and an accepted incident of P05 (secret descriptions)."""

from __future__ import annotations

import copy
from collections.abc import Callable

from sqlmodel import func, select

from integrations.db import system_session
from tests.ui.matrix_cases import Probe, Public, View
from workflows.procedures import revisions as rev
from workflows.procedures.models import ProcedureIncident, ProcedureVersion

INCIDENTS = "/staff/procedures/incidents"


def _page(code: str) -> str:
    return f"/staff/procedures/{code}/revisions"


def setup(a, ids: dict, secrets: list) -> None:
    m, tid = a.manager.actor, a.tenant_id
    draft = rev.do_create_draft(m, tid, "P02")
    definition = copy.deepcopy(draft.definition)
    definition["steps"][0]["title_en"] = "Alpha secret step"
    rev.do_update_draft(m, tid, draft.id, definition)
    ids["rev_draft_id"] = draft.id
    ids["rev_submit_id"] = rev.do_create_draft(m, tid, "P03").id
    review = rev.do_create_draft(m, tid, "P04")
    rev.do_submit_draft(m, tid, review.id)
    ids["rev_review_id"] = review.id
    ids["rev_incident_id"] = rev.do_log_incident(a.counselor.actor, tid, code="P01",
                                                 description="Alpha secret incident").id
    accepted = rev.do_log_incident(a.counselor.actor, tid, code="P05", description="Alpha secret accepted")
    rev.do_decide_incident(m, tid, accepted.id, accept=True, note="Alpha secret decision")
    ids["rev_accepted_id"] = accepted.id
    secrets += ["Alpha secret step", "Alpha secret incident", "Alpha secret accepted", "Alpha secret decision"]


def _version(key: str) -> Callable[[dict], tuple]:
    def snap(a: dict) -> tuple:
        with system_session("matrix snapshot") as s:
            v = s.get(ProcedureVersion, a[key])
            return v.status, repr(v.definition), v.change_note
    return snap


def _incident(key: str) -> Callable[[dict], tuple]:
    def snap(a: dict) -> tuple:
        with system_session("matrix snapshot") as s:
            i = s.get(ProcedureIncident, a[key])
            versions = s.exec(select(func.count()).select_from(ProcedureVersion)).one()
            return i.status, i.decision_note, i.version_id, versions
    return snap


def _save_form(a: dict) -> tuple:
    return ({"version_id": str(a["rev_draft_id"]), "count": "1", "orig_0": "1", "n_0": "1",
             "title_en_0": "Stolen step title", "title_fr_0": "Étape volée", "kind_0": "task",
             "role_0_manager": "on", "after_0": "", "due_anchor_0": "", "docs_0": "0"},)


ENTRIES: dict[str, Probe | View | Public] = {
    "RevisionsState.on_load": View(_page("P02")),
    # a draft of the page's procedure in the caller's own centre
    "RevisionsState.create_draft": View(_page("P01")),
    "RevisionsState.save_draft": Probe(_page("P02"), _save_form, _version("rev_draft_id")),
    "RevisionsState.add_step": Public("adds an empty row to the editor on screen"),
    "RevisionsState.remove_step": Public("removes a row of the editor on screen"),
    "RevisionsState.add_document": Public("adds a document line to a row on screen"),
    "RevisionsState.remove_document": Public("removes a document line of a row on screen"),
    "RevisionsState.edit_note": Public("types the change note"),
    "RevisionsState.submit_draft": Probe(_page("P03"), lambda a: (a["rev_submit_id"],), _version("rev_submit_id")),
    "RevisionsState.publish": Probe(_page("P04"), lambda a: (a["rev_review_id"], "Stolen note"),
                                    _version("rev_review_id")),
    "RevisionsState.show_diff": View(_page("P02"), lambda a: ({"a": "1", "b": "2"},)),
    "IncidentsState.on_load": View(INCIDENTS),
    # an incident of the caller's own centre
    "IncidentsState.log_incident": View(INCIDENTS, lambda a: ({"code": "P01", "description": "B's own"},)),
    "IncidentsState.decide": Probe(INCIDENTS, lambda a: ({"incident_id": str(a["rev_incident_id"]),
                                                          "decision": "dismiss", "note": "Stolen"},),
                                   _incident("rev_incident_id")),
    "IncidentsState.create_draft": Probe(INCIDENTS, lambda a: (a["rev_accepted_id"], "P05"),
                                         _incident("rev_accepted_id")),
    "IncidentsState.filter_status": View(INCIDENTS, lambda a: ("accepted",)),
    "IncidentsState.next_page": View(INCIDENTS),
    "IncidentsState.prev_page": View(INCIDENTS),
}
