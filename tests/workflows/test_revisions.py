"""Revising procedures (issue 6 §5, P31): incidents, drafts, review, approval and publication,
running instances keeping their version, notifications, the diff, bad input, permissions and
another centre's objects."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func
from sqlmodel import select

from integrations.db import system_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.outbox import OutboxMessage
from tenants.core.models import AuditEvent
from tests.workflows.engine_helpers import tasks
from workflows.procedures import revisions as rev
from workflows.procedures import services as svc
from workflows.procedures.models import (
    DRAFT,
    INCIDENT_ACCEPTED,
    INCIDENT_ADDRESSED,
    INCIDENT_DISMISSED,
    INCIDENT_OPEN,
    PUBLISHED,
    RETIRED,
    REVIEW,
    ProcedureIncident,
    ProcedureInstance,
    ProcedureVersion,
)


def snapshot() -> tuple:
    """Everything revising writes, in every centre."""
    with system_session("test snapshot") as s:
        v = sorted((x.id, x.status, repr(x.definition), x.change_note) for x in s.exec(select(ProcedureVersion)).all())
        i = sorted((x.id, x.status, x.decision_note, x.version_id, x.code) for x in s.exec(select(ProcedureIncident)).all())
        n = s.exec(select(func.count()).select_from(ProcedureInstance)).one()
        a = s.exec(select(func.count()).select_from(AuditEvent)).one()
        o = s.exec(select(func.count()).select_from(OutboxMessage)).one()
    return v, i, n, a, o


def _draft(w, code: str = "P01", **kw):
    return rev.do_create_draft(w.manager.actor, w.tenant_id, code, **kw)


def _publish(w, draft, note: str = "Revised"):
    rev.do_submit_draft(w.manager.actor, w.tenant_id, draft.id)
    return rev.do_approve_and_publish(w.manager.actor, w.tenant_id, draft.id, change_note=note)


def _mails() -> dict[str, dict]:
    with system_session("test") as s:
        return {m.payload["to"]: m.payload for m in s.exec(select(OutboxMessage)).all()}


def _shorter(definition: dict) -> dict:
    """P01 with its first step renamed, its last step removed, and a new step 99 at the end."""
    d = copy.deepcopy(definition)
    d["steps"][0]["title_fr"] = "Préparer le plan révisé"
    last = d["steps"].pop()
    d["steps"].append({"n": 99, "title_en": "Brand new step", "title_fr": "Étape nouvelle", "kind": "task",
                       "actors": [{"role": "business_developer"}]})
    d["_removed"] = last["n"]
    return d


# ---------------------------------------------------------------- drafts

def test_draft_copies_the_current_version_with_the_next_number(world_a):
    w = world_a
    d = _draft(w)
    assert (d.code, d.version, d.status) == ("P01", 2, DRAFT)
    book = svc._book("P01")
    assert len(d.definition["steps"]) == len(book.steps)
    assert d.definition["steps"][0]["title_en"] == book.steps[0].title_en
    with pytest.raises(Conflict) as e:
        _draft(w)
    assert e.value.code == "draft_exists"
    versions = rev.list_versions(w.manager.actor, w.tenant_id, "P01")
    assert [(v.version, v.status) for v in versions] == [(1, PUBLISHED), (2, DRAFT)]
    # staff without PROCEDURE_MANAGE do not see drafts
    assert [v.version for v in rev.list_versions(w.counselor.actor, w.tenant_id, "P01")] == [1]
    with pytest.raises(NotFound):
        rev.get_version(w.counselor.actor, w.tenant_id, "P01", 2)


def test_update_draft_validates_and_bad_input_changes_nothing(world_a):
    w = world_a
    d = _draft(w)
    good = copy.deepcopy(d.definition)
    good["steps"][0]["title_fr"] = "Nouveau titre"
    got = rev.do_update_draft(w.manager.actor, w.tenant_id, d.id, good)
    assert got.definition["steps"][0]["title_fr"] == "Nouveau titre"
    cases = []
    no_role = copy.deepcopy(good)
    no_role["steps"][1]["actors"] = []
    cases.append((no_role, "step_without_role", good["steps"][1]["n"]))
    bad_role = copy.deepcopy(good)
    bad_role["steps"][0]["actors"] = [{"role": "janitor"}]
    cases.append((bad_role, "unknown_role", good["steps"][0]["n"]))
    bad_kind = copy.deepcopy(good)
    bad_kind["steps"][0]["kind"] = "dance"
    cases.append((bad_kind, "unknown_step_kind", good["steps"][0]["n"]))
    bad_dep = copy.deepcopy(good)
    bad_dep["steps"][1]["after"] = [150]
    cases.append((bad_dep, "missing_dependency", good["steps"][1]["n"]))
    dup = copy.deepcopy(good)
    dup["steps"][1]["n"] = dup["steps"][0]["n"]
    cases.append((dup, "duplicate_step", dup["steps"][0]["n"]))
    short_title = copy.deepcopy(good)
    short_title["steps"][0]["title_en"] = "x"
    cases.append((short_title, "invalid_definition", good["steps"][0]["n"]))
    before = snapshot()
    for definition, code, step in cases:
        with pytest.raises(Invalid) as e:
            rev.do_update_draft(w.manager.actor, w.tenant_id, d.id, definition)
        assert e.value.code == code, (code, e.value)
        assert e.value.params.get("step") == step
    for junk in (None, "text", {"steps": []}, {"steps": "x"}):
        with pytest.raises(Invalid):
            rev.do_update_draft(w.manager.actor, w.tenant_id, d.id, junk)
    assert snapshot() == before
    assert rev.get_version(w.manager.actor, w.tenant_id, "P01", 2).definition["steps"][0]["title_fr"] == "Nouveau titre"


def test_only_a_draft_is_edited_and_only_a_reviewed_version_is_published(world_a):
    w = world_a
    d = _draft(w)
    with pytest.raises(Conflict) as e:
        rev.do_approve_and_publish(w.manager.actor, w.tenant_id, d.id, change_note="too early")
    assert e.value.code == "version_not_in_review"
    rev.do_submit_draft(w.manager.actor, w.tenant_id, d.id)
    assert rev.get_version(w.manager.actor, w.tenant_id, "P01", 2).status == REVIEW
    with pytest.raises(Conflict) as e:
        rev.do_update_draft(w.manager.actor, w.tenant_id, d.id, d.definition)
    assert e.value.code == "version_not_draft"
    with pytest.raises(Invalid) as e:
        rev.do_approve_and_publish(w.manager.actor, w.tenant_id, d.id, change_note="  ")
    assert e.value.code == "change_note_required"
    got = rev.do_approve_and_publish(w.manager.actor, w.tenant_id, d.id, change_note="Steps clarified")
    assert got.status == PUBLISHED and got.change_note == "Steps clarified"
    with pytest.raises(Conflict):
        rev.do_approve_and_publish(w.manager.actor, w.tenant_id, d.id, change_note="twice")
    assert [(v.version, v.status) for v in rev.list_versions(w.counselor.actor, w.tenant_id, "P01")] == \
        [(1, RETIRED), (2, PUBLISHED)]


def test_publishing_a_step_without_role_is_refused_and_changes_nothing(world_a):
    """A definition stored without a role (bypassing the editor) is checked again on publish."""
    w = world_a
    d = _draft(w)
    rev.do_submit_draft(w.manager.actor, w.tenant_id, d.id)
    broken = copy.deepcopy(d.definition)
    broken["steps"][0]["actors"] = []
    with system_session("test") as s:
        row = s.get(ProcedureVersion, d.id)
        row.definition = broken
        s.add(row)
        s.commit()
    before = snapshot()
    with pytest.raises(Invalid) as e:
        rev.do_approve_and_publish(w.manager.actor, w.tenant_id, d.id, change_note="broken")
    assert e.value.code == "step_without_role"
    assert snapshot() == before
    assert rev.get_version(w.manager.actor, w.tenant_id, "P01", 2).status == REVIEW
    assert svc.get_procedure(w.manager.actor, w.tenant_id, "P01").version == 1
    assert _mails() == {}


def test_running_instances_keep_their_version_and_new_ones_use_the_new_one(world_a):
    w = world_a
    old = svc.do_start_instance(w.manager.actor, w.tenant_id, "P01", label="before")
    old_steps = {x.step_n for x in tasks(w.tenant_id, old.id)}
    d = _draft(w)
    changed = _shorter(d.definition)
    removed = changed.pop("_removed")
    rev.do_update_draft(w.manager.actor, w.tenant_id, d.id, changed)
    _publish(w, d)
    new = svc.do_start_instance(w.manager.actor, w.tenant_id, "P01", label="after")
    new_steps = {x.step_n for x in tasks(w.tenant_id, new.id)}
    assert old.version == 1 and new.version == 2
    assert removed in old_steps and 99 not in old_steps
    assert 99 in new_steps and removed not in new_steps
    # the old instance's stored definition is untouched
    assert {x.step_n for x in tasks(w.tenant_id, old.id)} == old_steps
    assert svc.get_instance(w.manager.actor, w.tenant_id, old.id).instance.version == 1


def test_publication_mails_every_member_holding_a_role_of_the_new_version(world_a):
    w = world_a
    d = _draft(w)
    definition = copy.deepcopy(d.definition)
    definition["steps"] = [{"n": 1, "title_en": "Only the business developer", "kind": "task",
                            "actors": [{"role": "business_developer"}]},
                           {"n": 2, "title_en": "Then the intern", "kind": "task", "actors": [{"role": "intern"}]}]
    rev.do_update_draft(w.manager.actor, w.tenant_id, d.id, definition)
    _publish(w, d, note="Shorter plan")
    mails = _mails()
    assert set(mails) == {"bizdev@alpha.test", "intern@alpha.test"}
    assert "Shorter plan" in mails["intern@alpha.test"]["text"]
    assert "P01" in mails["intern@alpha.test"]["subject"]


# ---------------------------------------------------------------- the diff

def test_diff_lists_added_removed_and_changed_fields(world_a):
    w = world_a
    d = _draft(w)
    changed = _shorter(d.definition)
    removed = changed.pop("_removed")
    first = changed["steps"][0]["n"]
    changed["steps"][0]["actors"] = [{"role": "career_counselor", "responsibility": "coordination"}]
    changed["steps"][0]["due"] = {"anchor": "academic_year_start", "offset_days": -10}
    rev.do_update_draft(w.manager.actor, w.tenant_id, d.id, changed)
    lines = rev.diff_versions(w.manager.actor, w.tenant_id, "P01", 1, 2)
    got = {(x.step, x.field): (x.before, x.after) for x in lines}
    assert got[(99, "step")] == ("", "Étape nouvelle")
    assert got[(removed, "step")][1] == ""
    assert "révisé" in got[(first, "title")][1]
    assert got[(first, "roles")][1] == "career_counselor:coordination"
    assert got[(first, "due")][1].startswith("academic_year_start -10d")
    assert rev.diff_versions(w.manager.actor, w.tenant_id, "P01", 1, 1) == []
    with pytest.raises(NotFound):
        rev.diff_versions(w.manager.actor, w.tenant_id, "P01", 1, 7)
    # a counselor cannot read the draft through the diff
    with pytest.raises(NotFound):
        rev.diff_versions(w.counselor.actor, w.tenant_id, "P01", 1, 2)


def test_long_texts_are_diffed_word_by_word():
    a = {"steps": [{"n": 1, "title_fr": "", "condition": "when the plan " + "is really long " * 8 + "and done"}]}
    b = {"steps": [{"n": 1, "title_fr": "", "condition": "when the plan " + "is really long " * 8 + "and signed"}]}
    (line,) = rev.diff_definitions(a, b)
    assert line.field == "condition"
    assert "[-done-]" in line.before and "{+signed+}" in line.after and "…" in line.after


# ---------------------------------------------------------------- incidents

def test_incident_flow_accepted_incident_leads_to_a_draft_and_is_addressed(world_a):
    w = world_a
    inc = rev.do_log_incident(w.counselor.actor, w.tenant_id, code="P01", description="Step 3 was never done")
    other = rev.do_log_incident(w.counselor.actor, w.tenant_id, description="No procedure for alumni")
    assert inc.status == INCIDENT_OPEN and other.code is None and inc.raised_by_name
    with pytest.raises(Forbidden):
        rev.do_decide_incident(w.counselor.actor, w.tenant_id, inc.id, accept=True, note="yes")
    with pytest.raises(Invalid):
        _draft(w, incident_ids=[inc.id])  # not accepted yet
    got = rev.do_decide_incident(w.manager.actor, w.tenant_id, inc.id, accept=True, note="Revise P01")
    assert got.status == INCIDENT_ACCEPTED and got.decision_note == "Revise P01"
    dismissed = rev.do_decide_incident(w.manager.actor, w.tenant_id, other.id, accept=False, note="Out of scope")
    assert dismissed.status == INCIDENT_DISMISSED
    with pytest.raises(Conflict) as e:
        rev.do_decide_incident(w.manager.actor, w.tenant_id, inc.id, accept=False, note="again")
    assert e.value.code == "incident_already_decided"
    d = _draft(w, incident_ids=[inc.id])
    assert d.incident_ids == (inc.id,)
    _publish(w, d)
    (row,) = [i for i in rev.list_incidents(w.manager.actor, w.tenant_id)[0] if i.id == inc.id]
    assert row.status == INCIDENT_ADDRESSED and row.version_id == d.id
    items, total = rev.list_incidents(w.manager.actor, w.tenant_id, status=INCIDENT_DISMISSED)
    assert total == 1 and items[0].id == other.id


def test_incident_bad_input_changes_nothing(world_a):
    w = world_a
    before = snapshot()
    for kw, code in [({"description": "  "}, "description_required"), ({"description": "x" * 5000}, "too_long"),
                     ({"description": "ok", "code": "P77"}, "not_found"),
                     ({"description": "ok", "code": "nope"}, "not_found"),
                     ({"description": "ok", "meeting_id": 999999}, "event_not_found")]:
        with pytest.raises((Invalid, NotFound)) as e:
            rev.do_log_incident(w.counselor.actor, w.tenant_id, **kw)
        assert e.value.code == code
    with pytest.raises(Forbidden):
        rev.do_log_incident(w.student.actor, w.tenant_id, description="from a student")
    with pytest.raises(Invalid):
        rev.list_incidents(w.manager.actor, w.tenant_id, status="weird")
    assert snapshot() == before


# ---------------------------------------------------------------- permissions and other centres

def test_permissions_and_other_centre(worlds):
    a, b = worlds
    d = _draft(a)
    inc = rev.do_log_incident(a.counselor.actor, a.tenant_id, code="P01", description="Late")
    for call in (lambda: rev.do_create_draft(a.counselor.actor, a.tenant_id, "P02"),
                 lambda: rev.do_update_draft(a.counselor.actor, a.tenant_id, d.id, d.definition),
                 lambda: rev.do_submit_draft(a.counselor.actor, a.tenant_id, d.id),
                 lambda: rev.do_approve_and_publish(a.counselor.actor, a.tenant_id, d.id, change_note="x")):
        with pytest.raises(Forbidden):
            call()
    with pytest.raises(Forbidden):
        rev.list_versions(a.student.actor, a.tenant_id, "P01")
    before = snapshot()
    # b's manager with a's ids, in b's centre: not found
    for call in (lambda: rev.do_update_draft(b.manager.actor, b.tenant_id, d.id, d.definition),
                 lambda: rev.do_submit_draft(b.manager.actor, b.tenant_id, d.id),
                 lambda: rev.do_approve_and_publish(b.manager.actor, b.tenant_id, d.id, change_note="x"),
                 lambda: rev.do_decide_incident(b.manager.actor, b.tenant_id, inc.id, accept=True, note="x"),
                 lambda: rev.do_create_draft(b.manager.actor, b.tenant_id, "P01", incident_ids=[inc.id])):
        with pytest.raises(NotFound):
            call()
    # a's manager actor used against b's tenant: refused
    with pytest.raises((Forbidden, NotFound)):
        rev.do_submit_draft(a.manager.actor, b.tenant_id, d.id)
    assert snapshot() == before
    assert [v.version for v in rev.list_versions(b.manager.actor, b.tenant_id, "P01")] == [1]
    assert rev.list_incidents(b.manager.actor, b.tenant_id) == ([], 0)


def test_junk_inside_a_definition_is_refused_cleanly(world_a):
    w = world_a
    d = _draft(w)
    before = snapshot()
    for mutate, code in [
        (lambda st: st.update(n=True), "invalid_step"),
        (lambda st: st.update(actors=[["manager"]]), "unknown_role"),
        (lambda st: st.update(actors=[{"role": "manager", "fallback": ["x"]}]), "unknown_role"),
        (lambda st: st.update(after="1"), "missing_dependency"),
        (lambda st: st.update(kind="decision", branches=[{"key": "go", "label_en": "Go", "goto": [1]}]),
         "missing_dependency"),
    ]:
        definition = copy.deepcopy(d.definition)
        mutate(definition["steps"][0])
        with pytest.raises(Invalid) as e:
            rev.do_update_draft(w.manager.actor, w.tenant_id, d.id, definition)
        assert e.value.code == code
    assert snapshot() == before
