"""The mid-year review (P02): gaps between semester 1's targets and what was counted, their
explanations, the plan's "Mise à jour S2" version and its validation; versions compared;
target against actual so far; exports."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from integrations.db import tenant_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from tests.planning.util import content, count_activity, mails, make_year, utc, validated_plan
from workflows.planning import services as plans
from workflows.planning.export import export_plan
from workflows.planning.models import GapItem


def _reviewed(w):
    """A validated plan (S1 targets: 10 workshops, 3 visits) with 4 workshops held and 5 visits in S1."""
    pid = validated_plan(w, make_year(w))
    count_activity(w, "event_held", utc(2030, 10, 15), 4, event_type="workshop")
    count_activity(w, "visit", utc(2030, 11, 3), 5)
    count_activity(w, "event_held", utc(2031, 3, 3), 7, event_type="workshop")  # semester 2: not counted
    return pid


def test_the_review_lists_the_activities_below_their_first_semester_target(world_a):
    w = world_a
    pid = _reviewed(w)
    r = plans.do_start_mid_year_review(w.manager.actor, w.tenant_id, pid)
    assert (r.status, r.semester_no, r.based_on_version_no) == ("open", 1, 1)
    assert [(g.activity_title, g.metric, g.target, g.actual) for g in r.gaps] == [("Ateliers CV", "workshops", 10, 4)]
    # the activity's owner is asked first
    assert r.gaps[0].assignee_membership_id == w.counselor.membership_id
    with pytest.raises(Conflict) as exc:
        plans.do_start_mid_year_review(w.manager.actor, w.tenant_id, pid)
    assert exc.value.code == "review_exists"
    assert plans.get_review(w.counselor.actor, w.tenant_id, pid).id == r.id


def test_the_review_needs_a_validated_plan_and_the_manager(world_a):
    w = world_a
    p = plans.do_create_plan(w.manager.actor, w.tenant_id, make_year(w))
    with pytest.raises(Conflict) as exc:
        plans.do_start_mid_year_review(w.manager.actor, w.tenant_id, p.id)
    assert exc.value.code == "plan_wrong_state"
    pid = validated_plan(w, make_year(w, 2031))
    for role in ("counselor", "host_approver", "student", "company_contact"):
        with pytest.raises(Forbidden):
            plans.do_start_mid_year_review(w.people[role].actor, w.tenant_id, pid)
    assert plans.get_review(w.manager.actor, w.tenant_id, pid) is None


def test_gaps_are_assigned_explained_and_end_in_the_s2_update_validated_by_the_host(world_a):
    w = world_a
    mgr, approver = w.manager.actor, w.people["host_approver"].actor
    pid = _reviewed(w)
    r = plans.do_start_mid_year_review(mgr, w.tenant_id, pid)
    gap = r.gaps[0]
    bizdev = w.people["business_developer"]

    n = len(mails())
    assigned = plans.do_assign_gap(mgr, w.tenant_id, gap.id, bizdev.membership_id)
    assert assigned.assignee_membership_id == bizdev.membership_id and assigned.assignee_name
    assert [m["to"] for m in mails()[n:]] == ["bizdev@alpha.test"]
    for who in ("student", "ambassador", "host_approver"):
        with pytest.raises(NotFound) as exc:
            plans.do_assign_gap(mgr, w.tenant_id, gap.id, w.people[who].membership_id)
        assert exc.value.code == "member_not_found"

    # someone else than the assignee (and not the manager) may not write it
    with pytest.raises(Forbidden) as exc:
        plans.do_explain_gap(w.counselor.actor, w.tenant_id, gap.id, explanation="Pas moi")
    assert exc.value.code == "gap_not_yours"
    with pytest.raises(Invalid) as exc:
        plans.do_explain_gap(bizdev.actor, w.tenant_id, gap.id, explanation=" ")
    assert exc.value.code == "explanation_required"
    done = plans.do_explain_gap(bizdev.actor, w.tenant_id, gap.id, explanation="Salle indisponible en novembre",
                                new_action="Deux ateliers par mois au S2")
    assert (done.explanation, done.new_action) == ("Salle indisponible en novembre", "Deux ateliers par mois au S2")
    assert done.written_at is not None

    # P02.7: the next version, then the host institution validates it
    updated = content(w, s2=20)
    v = plans.do_make_updated_version(mgr, w.tenant_id, r.id, updated)
    assert (v.version_no, v.version_label, v.status) == (2, "Mise à jour S2", "updating")
    assert plans.get_review(mgr, w.tenant_id, pid).status == "closed"
    with pytest.raises(Conflict) as exc:
        plans.do_explain_gap(mgr, w.tenant_id, gap.id, explanation="Trop tard")
    assert exc.value.code == "review_closed"
    plans.do_submit_to_host(mgr, w.tenant_id, pid)
    final = plans.do_host_validate(approver, w.tenant_id, pid)
    assert (final.status, final.version_no) == ("validated", 2)
    assert [(x.version_no, x.label, x.status) for x in final.versions] == [
        (1, "Avant-projet", "validated"), (2, "Mise à jour S2", "validated")]

    d = plans.diff_versions(approver, w.tenant_id, pid, 1, 2)
    assert d.added == [] and d.removed == []
    assert d.changed == [{"key": "ateliers", "title": "Ateliers CV",
                          "changes": {"targets": [{"S1": 10.0, "S2": 12.0}, {"S1": 10.0, "S2": 20.0}]}}]


def test_a_gap_of_another_centre_is_not_found(worlds):
    a, b = worlds
    pid = _reviewed(a)
    r = plans.do_start_mid_year_review(a.manager.actor, a.tenant_id, pid)
    gid = r.gaps[0].id
    with pytest.raises(NotFound) as exc:
        plans.do_assign_gap(b.manager.actor, b.tenant_id, gid, b.counselor.membership_id)
    assert exc.value.code == "not_found"
    with pytest.raises(NotFound):
        plans.do_explain_gap(b.manager.actor, b.tenant_id, gid, explanation="x")
    with pytest.raises(NotFound):
        plans.do_make_updated_version(b.manager.actor, b.tenant_id, r.id)
    # nor may one assign one's own gap to another centre's member
    with pytest.raises(NotFound):
        plans.do_assign_gap(a.manager.actor, a.tenant_id, gid, b.counselor.membership_id)
    with tenant_session(a.tenant_id) as s:
        g = s.exec(select(GapItem).where(GapItem.id == gid)).one()
    assert (g.assignee_membership_id, g.explanation) == (a.counselor.membership_id, "")


def test_diff_lists_added_removed_and_changed_activities(world_a):
    w = world_a
    pid = validated_plan(w, make_year(w))
    c = content(w)
    c["activities"] = [c["activities"][0] | {"title": "Ateliers CV et lettres", "period": "Toute l'année"},
                       {"key": "forum", "objective_key": "insertion", "type": "job_fair", "title": "Forum",
                        "metric": "events", "targets": {"S2": 1}}]
    c["budget_lines"][0]["amount"] = "2000"
    plans.do_save_draft(w.manager.actor, w.tenant_id, pid, c)
    d = plans.diff_versions(w.manager.actor, w.tenant_id, pid, 1, 2)
    assert [x["title"] for x in d.added] == ["Forum"]
    assert [x["title"] for x in d.removed] == ["Accueil des étudiants"]
    assert d.changed[0]["changes"] == {"title": ["Ateliers CV", "Ateliers CV et lettres"],
                                       "period": ["Octobre-mai", "Toute l'année"]}
    assert d.budget_changed == [{"key": "com", "label": "Communication", "before": "1500.50 MAD",
                                 "after": "2000.00 MAD"}]
    with pytest.raises(NotFound) as exc:
        plans.diff_versions(w.manager.actor, w.tenant_id, pid, 1, 9)
    assert exc.value.code == "version_not_found"
    # the host institution was not sent version 2
    with pytest.raises(NotFound):
        plans.diff_versions(w.people["host_approver"].actor, w.tenant_id, pid, 1, 2)


def test_target_against_actual_so_far(world_a):
    w = world_a
    pid = _reviewed(w)
    lines = plans.plan_progress(w.manager.actor, w.tenant_id, pid, today=date(2030, 12, 1))
    assert [(x.title, x.target_s1, x.actual_s1, x.actual_s2) for x in lines] == [
        ("Ateliers CV", 10, 4, None), ("Accueil des étudiants", 3, 5, None)]
    later = plans.plan_progress(w.manager.actor, w.tenant_id, pid, today=date(2031, 4, 1))
    assert later[0].actual_s2 == 7


def test_exports_in_three_formats_and_arabic_right_to_left(world_a):
    w = world_a
    pid = validated_plan(w, make_year(w))
    name, ctype, body = export_plan(w.manager.actor, w.tenant_id, pid, "pdf", lang="fr")
    assert (name, ctype) == (f"plan-{pid}.pdf", "application/pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    assert "Ateliers CV" in text and "Communication" in text
    _n, _c, ar = export_plan(w.manager.actor, w.tenant_id, pid, "pdf", lang="ar")
    ar_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(ar)).pages)
    assert "الأهداف الاستراتيجية" in ar_text and "Ateliers CV" in ar_text

    _n, ctype, xlsx = export_plan(w.manager.actor, w.tenant_id, pid, "xlsx", lang="ar")
    wb = load_workbook(io.BytesIO(xlsx))
    ws = wb.worksheets[0]
    assert ws.sheet_view.rightToLeft is True
    values = [c.value for sheet in wb.worksheets for row in sheet.iter_rows() for c in row]
    assert "Ateliers CV" in values and 10 in values and 1500.5 in values

    _n, ctype, csv = export_plan(w.manager.actor, w.tenant_id, pid, "csv", lang="en")
    lines = csv.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:2] == ["Objective", "Activity"]
    assert "Ateliers CV" in lines[1] and len(lines) == 3
    with pytest.raises(Invalid) as exc:
        export_plan(w.manager.actor, w.tenant_id, pid, "docx")
    assert exc.value.code == "invalid_format"
    with pytest.raises(Forbidden):
        export_plan(w.student.actor, w.tenant_id, pid, "csv")
