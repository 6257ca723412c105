"""The procedure revision pages (issue 6 §5, P31), handlers run in-process: the manager
creates a draft, edits it in the table (a step without a role refused on its row, nothing
changed), adds a step, submits it, publishes it; the diff; the incident log and decisions;
staff without the permission."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from integrations.db import system_session
from tests.ui.test_handler_isolation import app_handlers, call, session_cookie
from workflows.procedures import revisions as rev
from workflows.procedures import services as svc
from workflows.procedures.models import ProcedureIncident, ProcedureVersion

PAGE = "/staff/procedures/P01/revisions"
INCIDENTS = "/staff/procedures/incidents"


def _cookie(person) -> str:
    return session_cookie(person.account_id, person.tenant_id)


def _run(state, key: str, *args):
    result = app_handlers()[key][1].fn(state, *args)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def _form(state) -> dict:
    """What the editor's form sends, from the rows on screen."""
    form = {"version_id": str(state.draft_id), "count": str(len(state.steps))}
    for i, st in enumerate(state.steps):
        form |= {f"orig_{i}": st.orig, f"n_{i}": st.n, f"title_en_{i}": st.title_en, f"title_fr_{i}": st.title_fr,
                 f"kind_{i}": st.kind, f"resp_{i}": st.resp, f"after_{i}": st.after,
                 f"due_anchor_{i}": st.due_anchor, f"due_offset_{i}": st.due_offset,
                 f"docs_{i}": str(len(st.documents))}
        for r in st.roles:
            form[f"role_{i}_{r}"] = "on"
        for j, d in enumerate(st.documents):
            form |= {f"doc_{i}_{j}_ref": d.ref, f"doc_{i}_{j}_use": d.use, f"doc_{i}_{j}_record": d.record}
    return form


def _versions() -> list[tuple]:
    with system_session("test") as s:
        return [(v.id, v.status, repr(v.definition)) for v in s.exec(select(ProcedureVersion)).all()]


def test_the_manager_drafts_edits_submits_and_publishes(world_a):
    w = world_a
    cookie = _cookie(w.manager)
    state, _ = call("RevisionsState.on_load", cookie, PAGE, ())
    assert state.error == "" and state.found and [v.version for v in state.versions] == [1]
    assert state.draft_status == "" and state.can_manage
    _run(state, "RevisionsState.create_draft")
    assert state.error == "" and state.draft_status == "draft" and state.draft_version == 2
    book = svc._book("P01")
    assert len(state.steps) == len(book.steps)

    # a step without a role: the message on its row, nothing stored
    form = _form(state)
    second = state.steps[1].n
    for key in [k for k in form if k.startswith("role_1_")]:
        del form[key]
    before = _versions()
    _run(state, "RevisionsState.save_draft", form)
    assert state.error == "error.step_without_role"
    assert state.steps[1].error == "error.step_without_role" and state.steps[0].error == ""
    assert _versions() == before

    # a bad dependency, an unknown document record: refused too
    form = _form(state)
    form["after_0"] = "1, x"
    _run(state, "RevisionsState.save_draft", form)
    assert state.error == "error.missing_dependency" and _versions() == before

    # edit a title and a due date, add a step with a document, save
    _run(state, "RevisionsState.add_step")
    new = len(state.steps) - 1
    _run(state, "RevisionsState.add_document", new)
    form = _form(state)
    form["title_fr_0"] = "Préparer le plan (révisé)"
    form["due_anchor_0"], form["due_offset_0"] = "academic_year_start", "-5"
    form[f"title_en_{new}"] = "Tell the whole team"
    form[f"role_{new}_career_counselor"] = "on"
    form[f"doc_{new}_0_ref"] = "M30"
    form[f"doc_{new}_0_record"] = "action_plan"
    _run(state, "RevisionsState.save_draft", form)
    assert state.error == "" and state.notice == "ui.rev.saved"
    stored = rev.get_version(w.manager.actor, w.tenant_id, "P01", 2).definition
    assert stored["steps"][0]["title_fr"] == "Préparer le plan (révisé)"
    assert stored["steps"][0]["due"]["anchor"] == "academic_year_start"
    assert stored["steps"][0]["due"]["offset_days"] == -5
    last = stored["steps"][-1]
    assert last["title_en"] == "Tell the whole team"
    assert {a["role"] for a in last["actors"]} == {"manager", "career_counselor"}
    assert last["documents"][0]["ref"] == "M30" and last["documents"][0]["record"] == "action_plan"
    # the branches of the book's steps are kept (the table does not edit them)
    assert [st.get("branches") for st in stored["steps"][:-1]] == \
        [[b.model_dump(mode="json") for b in st.branches] for st in book.steps]
    assert second == state.steps[1].n

    # the diff shows the change
    _run(state, "RevisionsState.show_diff", {"a": "1", "b": "2"})
    assert state.error == "" and state.diff_shown
    fields = {(d.step, d.field) for d in state.diff_lines}
    assert (state.steps[-1].n, "step") in fields and (state.steps[0].n, "due") in fields

    # submit, then publish with a note
    _run(state, "RevisionsState.submit_draft", state.draft_id)
    assert state.error == "" and state.draft_status == "in_review"
    _run(state, "RevisionsState.save_draft", _form(state))
    assert state.error == "error.version_not_draft"
    _run(state, "RevisionsState.publish", state.draft_id, "")
    assert state.error == "error.change_note_required"
    _run(state, "RevisionsState.edit_note", "Team informed at the end")
    _run(state, "RevisionsState.publish", state.draft_id, state.change_note)
    assert state.error == "" and state.notice == "ui.rev.published"
    assert [(v.version, v.status) for v in state.versions] == [(1, "retired"), (2, "published")]
    assert state.draft_status == ""
    assert svc.get_procedure(w.counselor.actor, w.tenant_id, "P01").version == 2


def test_a_counselor_sees_versions_but_cannot_draft(world_a):
    w = world_a
    rev.do_create_draft(w.manager.actor, w.tenant_id, "P01")
    state, _ = call("RevisionsState.on_load", _cookie(w.counselor), PAGE, ())
    assert state.error == "" and not state.can_manage
    assert [v.version for v in state.versions] == [1] and state.steps == []
    before = _versions()
    _run(state, "RevisionsState.create_draft")
    assert state.error == "error.forbidden" and _versions() == before
    state, _ = call("RevisionsState.on_load", _cookie(w.student), PAGE, ())
    assert not state.found


def test_the_incident_log_and_the_decision(world_a):
    w = world_a
    state, _ = call("IncidentsState.on_load", _cookie(w.counselor), INCIDENTS, ())
    assert state.error == "" and state.allowed and state.rows == [] and not state.can_manage
    assert "P01" in {o.value for o in state.codes}
    _run(state, "IncidentsState.log_incident", {"code": "P01", "description": "   "})
    assert state.error == "error.description_required" and state.rows == []
    _run(state, "IncidentsState.log_incident", {"code": "P01", "description": "The host approval came late"})
    assert state.error == "" and [r.description for r in state.rows] == ["The host approval came late"]
    incident_id = state.rows[0].id
    _run(state, "IncidentsState.decide", {"incident_id": str(incident_id), "decision": "accept", "note": "ok"})
    assert state.error == "error.forbidden"

    manager, _ = call("IncidentsState.on_load", _cookie(w.manager), INCIDENTS, ())
    assert manager.can_manage
    _run(manager, "IncidentsState.decide", {"incident_id": str(incident_id), "decision": "maybe", "note": "x"})
    assert manager.error == "error.invalid"
    _run(manager, "IncidentsState.decide", {"incident_id": str(incident_id), "decision": "accept", "note": ""})
    assert manager.error == "error.reason_required"
    _run(manager, "IncidentsState.decide", {"incident_id": str(incident_id), "decision": "accept",
                                            "note": "Revise P01 in the semester meeting"})
    assert manager.error == "" and manager.rows[0].status == "accepted"
    _run(manager, "IncidentsState.create_draft", incident_id, "P01")
    assert manager.error == ""
    with system_session("test") as s:
        inc = s.get(ProcedureIncident, incident_id)
        draft = s.exec(select(ProcedureVersion).where(ProcedureVersion.code == "P01")).one()
    assert inc.version_id == draft.id and draft.status == "draft"
    _run(manager, "IncidentsState.filter_status", "open")
    assert manager.rows == []
    _run(manager, "IncidentsState.filter_status", "weird")
    assert manager.f_status == "open"
