"""The self-assessment (P28, first variant): start, plan, evidence, the manager's ratings,
completion, the evaluation job, the action plan; locked once completed; other centres see nothing."""

from __future__ import annotations

import pytest
from sqlmodel import select

from integrations.db import system_session, tenant_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from tests.assessment.factories import make_model
from workflows.assessment import hooks, scoring, tasks
from workflows.assessment import services as sa
from workflows.assessment.models import (
    Assessment,
    AssessmentAction,
    AssessmentEvidence,
    AssessmentRating,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# D1..D3 with three criteria each; the first of each domain is a "must"
ANSWERS = {
    "D1.1": ("rated", 3, ""), "D1.2": ("rated", 2, ""), "D1.3": ("rated", 1, "Trop peu d'ateliers"),
    "D2.1": ("rated", 1, "Plan non validé"), "D2.2": ("not_applicable", None, "Pas de salon cette année"),
    "D2.3": ("rated", 3, ""),
    "D3.1": ("insufficient_evidence", None, "Pièces manquantes"), "D3.2": ("rated", 0, "Rien de fait"),
    "D3.3": ("rated", 2, ""),
}


def _started(world, model_id=None):
    model_id = model_id or make_model()
    d = sa.do_start(world.manager.actor, title="Auto-évaluation 2026", period_label="2025-2026",
                    framing_note="Présentation de la démarche en réunion")
    return d, model_id


def _collecting(world):
    d, model_id = _started(world)
    d = sa.do_plan(world.manager.actor, d.summary.id, planned_start="2026-01-05", planned_end="2026-02-27")
    return d, model_id


def _rate_all(world, aid, answers=ANSWERS):
    for code, (status, value, why) in answers.items():
        sa.do_rate(world.manager.actor, aid, code, status=status, value=value, justification=why)


def _row(aid) -> Assessment:
    with system_session("test: read") as s:
        return s.get(Assessment, aid)


def test_start_takes_the_newest_published_model_and_plan_opens_the_collection(world_a):
    make_model(version=1)
    newest = make_model(version=2)
    make_model(version=3, published=False)
    d = sa.do_start(world_a.manager.actor, title="  Auto-évaluation  ", period_label="2025-2026")
    assert d.summary.model_id == newest and d.summary.status == "framing" and d.summary.title == "Auto-évaluation"
    assert d.total == 9 and d.answered == 0 and len(d.missing) == 9
    assert [dv.code for dv in d.domains] == ["D1", "D2", "D3"]
    d = sa.do_plan(world_a.manager.actor, d.summary.id, planned_start="2026-01-05", planned_end="2026-02-27")
    assert d.summary.status == "collecting" and str(d.planned_end) == "2026-02-27"
    with pytest.raises(Invalid) as e:
        sa.do_plan(world_a.manager.actor, d.summary.id, planned_start="2026-03-01", planned_end="2026-02-01")
    assert e.value.code == "end_before_start"
    with pytest.raises(Invalid) as e:
        sa.do_start(world_a.manager.actor, title="   ")
    assert e.value.code == "assessment_title_required"
    items, total = sa.list_assessments(world_a.counselor.actor)
    assert total == 1 and items[0].id == d.summary.id and items[0].model_version == 2


def test_no_published_model_is_a_clear_conflict(world_a):
    make_model(published=False)
    with pytest.raises(Conflict) as e:
        sa.do_start(world_a.manager.actor, title="Auto-évaluation")
    assert e.value.code == "no_published_model"


def test_lifecycle_end_to_end_the_job_computes_what_scoring_evaluates(world_a, run_outbox):
    d, model_id = _collecting(world_a)
    aid = d.summary.id
    _rate_all(world_a, aid)
    done = sa.do_complete(world_a.manager.actor, aid)
    assert done.summary.status == "completed" and done.summary.overall_score is None
    with pytest.raises(Conflict) as e:
        sa.get_result(world_a.manager.actor, aid)
    assert e.value.code == "assessment_not_evaluated"

    assert run_outbox() == ["sent"]

    with system_session("test") as s:
        specs = sa.criterion_specs(s, model_id)
    expected = scoring.evaluate(specs, {c: scoring.Answer(st, v) for c, (st, v, _w) in ANSWERS.items()})
    row = _row(aid)
    assert row.status == "evaluated" and row.result == expected
    assert row.overall_score == expected["overall"] and row.maturity == expected["maturity"]
    assert row.must_unmet == len(expected["must_unmet"]) == 1  # D2.1 rated 1; D3.1 unverified
    assert row.peer_kind == "university" and row.size_band == "small" and row.model_id == model_id

    res = sa.get_result(world_a.counselor.actor, aid)
    assert res.overall == expected["overall"] and res.must_unmet == ["D2.1"] and res.must_unverified == ["D3.1"]
    assert [x["code"] for x in res.domains] == ["D1", "D2", "D3"]
    flagged = [c["code"] for c in res.criteria if c["must_unmet"]]
    assert flagged == ["D2.1"]
    # suggested actions: improvements from unmet/partly met, strengths from fully met
    kinds = {(a.kind, a.criterion_code) for a in res.actions}
    assert ("improvement", "D2.1") in kinds and ("improvement", "D3.2") in kinds and ("improvement", "D1.3") in kinds
    assert ("strength", "D1.1") in kinds and ("strength", "D2.3") in kinds
    assert not any(c in {"D1.2", "D3.3", "D2.2", "D3.1"} for _k, c in kinds)


def test_completion_needs_every_criterion_and_then_locks(world_a):
    d, _ = _collecting(world_a)
    aid = d.summary.id
    partial = dict(list(ANSWERS.items())[:7])
    _rate_all(world_a, aid, partial)
    with pytest.raises(Invalid) as e:
        sa.do_complete(world_a.manager.actor, aid)
    assert e.value.code == "assessment_incomplete" and e.value.params["missing"] == ["D3.2", "D3.3"]
    assert _row(aid).status == "collecting"
    _rate_all(world_a, aid)
    sa.do_complete(world_a.manager.actor, aid)
    before = _ratings(aid)
    for attempt in (
        lambda: sa.do_rate(world_a.manager.actor, aid, "D1.1", status="rated", value=0, justification="x"),
        lambda: sa.do_add_note(world_a.counselor.actor, aid, note="trop tard"),
        lambda: sa.do_plan(world_a.manager.actor, aid),
        lambda: sa.do_update_framing(world_a.manager.actor, aid, title="Autre"),
        lambda: sa.do_complete(world_a.manager.actor, aid),
        lambda: sa.do_capture_live(world_a.manager.actor, aid),
    ):
        with pytest.raises(Conflict) as e:
            attempt()
        assert e.value.code == "assessment_locked"
    assert _ratings(aid) == before and _row(aid).title == "Auto-évaluation 2026"


def _ratings(aid):
    with system_session("test") as s:
        return sorted((r.criterion_id, r.status, r.value, r.justification)
                      for r in s.exec(select(AssessmentRating).where(AssessmentRating.assessment_id == aid)).all())


@pytest.mark.parametrize(("status", "value", "why", "code"), [
    ("rated", 4, "", "rating_out_of_scale"),
    ("rated", -1, "because", "rating_out_of_scale"),
    ("rated", "2.5", "", "rating_out_of_scale"),
    ("rated", None, "", "rating_out_of_scale"),
    ("rated", 1, "", "justification_required"),
    ("not_applicable", None, "  ", "justification_required"),
    ("insufficient_evidence", None, "", "justification_required"),
    ("maybe", 2, "", "rating_status_invalid"),
])
def test_bad_ratings_are_refused_and_change_nothing(world_a, status, value, why, code):
    d, _ = _collecting(world_a)
    aid = d.summary.id
    sa.do_rate(world_a.manager.actor, aid, "D1.2", status="rated", value=2)
    before = _ratings(aid)
    with pytest.raises(Invalid) as e:
        sa.do_rate(world_a.manager.actor, aid, "D1.2", status=status, value=value, justification=why)
    assert e.value.code == code
    assert _ratings(aid) == before


def test_rating_an_unknown_criterion_or_before_planning(world_a):
    d, _ = _started(world_a)
    with pytest.raises(Conflict) as e:
        sa.do_rate(world_a.manager.actor, d.summary.id, "D1.1", value=2)
    assert e.value.code == "assessment_not_collecting"
    sa.do_plan(world_a.manager.actor, d.summary.id)
    with pytest.raises(NotFound) as e:
        sa.do_rate(world_a.manager.actor, d.summary.id, "ZZ.9", value=2)
    assert e.value.code == "criterion_not_found"


def test_the_assessment_keeps_its_model_version_when_a_newer_one_is_published(world_a, run_outbox):
    v1 = make_model(version=1)
    d = sa.do_start(world_a.manager.actor, title="Auto-évaluation")
    aid = d.summary.id
    sa.do_plan(world_a.manager.actor, aid)
    v2 = make_model(domains=2, criteria=2, version=2)  # published during the assessment
    assert sa.get_assessment(world_a.manager.actor, aid).summary.model_id == v1
    assert sa.get_assessment(world_a.manager.actor, aid).total == 9
    _rate_all(world_a, aid)
    sa.do_complete(world_a.manager.actor, aid)
    run_outbox()
    row = _row(aid)
    assert row.model_id == v1 and set(row.result["domains"]) == {"D1", "D2", "D3"}
    # a new assessment takes the new version
    assert sa.do_start(world_a.manager.actor, title="Suivante").summary.model_id == v2


def test_another_centre_sees_nothing(worlds):
    a, b = worlds
    d, _ = _collecting(a)
    aid = d.summary.id
    ev = sa.do_add_note(a.counselor.actor, aid, note="Compte rendu de la réunion", criterion_code="D1.1")
    for attempt in (
        lambda: sa.get_assessment(b.manager.actor, aid),
        lambda: sa.do_rate(b.manager.actor, aid, "D1.1", value=2),
        lambda: sa.do_add_note(b.counselor.actor, aid, note="x"),
        lambda: sa.do_complete(b.manager.actor, aid),
        lambda: sa.do_plan(b.manager.actor, aid),
        lambda: sa.do_remove_evidence(b.manager.actor, ev.id),
        lambda: sa.list_actions(b.manager.actor, aid),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert sa.list_assessments(b.manager.actor) == ([], 0)


def test_counselors_add_evidence_but_neither_rate_nor_complete(world_a):
    d, _ = _collecting(world_a)
    aid = d.summary.id
    counselor = world_a.counselor.actor
    ev = sa.do_add_link(counselor, aid, url="https://intranet.example.ma/pv-reunion", criterion_code="D1.1")
    assert ev.kind == "link" and ev.criterion_code == "D1.1" and ev.title == "intranet.example.ma"
    sa.do_add_file(counselor, aid, filename="plan d'action.pdf", data=PDF, criterion_code="D2.1")
    with pytest.raises(Forbidden):
        sa.do_rate(counselor, aid, "D1.1", value=2)
    with pytest.raises(Forbidden):
        sa.do_complete(counselor, aid)
    with pytest.raises(Forbidden):
        sa.do_start(counselor, title="Mienne")
    with pytest.raises(Forbidden):
        sa.do_add_note(world_a.student.actor, aid, note="x")
    detail = sa.get_assessment(counselor, aid)
    assert [e.kind for e in detail.evidence] == ["link", "file"]
    assert not detail.can_manage and detail.can_contribute
    data, name, ctype = sa.read_evidence_file(world_a.manager.actor, detail.evidence[1].id)
    assert data == PDF and name == "plan d'action.pdf" and ctype == "application/pdf"


@pytest.mark.parametrize(("url", "code"), [("ftp://x.ma/a", "link_invalid"), ("javascript:alert(1)", "link_invalid"),
                                           ("", "url_required"), ("https://", "link_invalid")])
def test_links_are_http_only(world_a, url, code):
    d, _ = _collecting(world_a)
    with pytest.raises(Invalid) as e:
        sa.do_add_link(world_a.counselor.actor, d.summary.id, url=url)
    assert e.value.code == code
    assert sa.get_assessment(world_a.manager.actor, d.summary.id).evidence == []


@pytest.mark.parametrize(("name", "data", "code"), [
    ("virus.exe", b"MZ\x90\x00", "file_type_not_allowed"),
    ("faux.pdf", b"<html>not a pdf</html>", "file_type_not_allowed"),
    ("vide.pdf", b"", "file_empty"),
    ("enorme.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "file_too_large"),
])
def test_bad_files_are_refused(world_a, name, data, code):
    d, _ = _collecting(world_a)
    with pytest.raises(Invalid) as e:
        sa.do_add_file(world_a.counselor.actor, d.summary.id, filename=name, data=data)
    assert e.value.code == code
    with tenant_session(world_a.tenant_id) as s:
        assert s.exec(select(AssessmentEvidence)).all() == []


def test_evidence_waits_for_the_planning_and_contributors_remove_only_their_own(world_a):
    d, _ = _started(world_a)
    with pytest.raises(Conflict) as e:
        sa.do_add_note(world_a.counselor.actor, d.summary.id, note="x")
    assert e.value.code == "assessment_not_collecting"
    sa.do_plan(world_a.manager.actor, d.summary.id)
    mine = sa.do_add_note(world_a.manager.actor, d.summary.id, note="note du manager")
    with pytest.raises(NotFound):
        sa.do_remove_evidence(world_a.counselor.actor, mine.id)
    theirs = sa.do_add_note(world_a.counselor.actor, d.summary.id, note="note du conseiller")
    sa.do_remove_evidence(world_a.counselor.actor, theirs.id)
    sa.do_remove_evidence(world_a.manager.actor, mine.id)
    assert sa.get_assessment(world_a.manager.actor, d.summary.id).evidence == []


def test_the_job_is_idempotent_and_calls_the_hooks_once(world_a):
    calls = []

    def hook(session, assessment):
        calls.append((assessment.id, assessment.status, session.info.get("system") is not None))

    hooks.EVALUATED_HOOKS.append(hook)
    try:
        d, _ = _collecting(world_a)
        aid = d.summary.id
        assert tasks.compute_assessment.run(aid) is False  # not completed yet: nothing done
        _rate_all(world_a, aid)
        sa.do_complete(world_a.manager.actor, aid)
        first = sa.do_compute(aid)
        actions = _actions(aid)
        second = sa.do_compute(aid)
        assert tasks.compute_assessment.run(aid) is True
        assert first == second == _row(aid).result
        assert calls == [(aid, "evaluated", True)]
        assert _actions(aid) == actions  # suggestions made once
        assert sa.do_compute(999_999) is None and tasks.compute_assessment.run("1") is False
    finally:
        hooks.EVALUATED_HOOKS.remove(hook)


def _actions(aid):
    with system_session("test") as s:
        return sorted((x.id, x.kind, x.text) for x in s.exec(select(AssessmentAction)
                                                            .where(AssessmentAction.assessment_id == aid)).all())


def test_a_failing_hook_rolls_the_evaluation_back(world_a):
    def boom(session, assessment):
        raise RuntimeError("benchmark down")

    hooks.EVALUATED_HOOKS.append(boom)
    try:
        d, _ = _collecting(world_a)
        _rate_all(world_a, d.summary.id)
        sa.do_complete(world_a.manager.actor, d.summary.id)
        with pytest.raises(RuntimeError):
            sa.do_compute(d.summary.id)
        row = _row(d.summary.id)
        assert row.status == "completed" and row.result == {} and _actions(d.summary.id) == []
    finally:
        hooks.EVALUATED_HOOKS.remove(boom)


def test_action_plan_editing(world_a):
    d, _ = _collecting(world_a)
    aid = d.summary.id
    with pytest.raises(Conflict) as e:
        sa.do_add_action(world_a.manager.actor, aid, kind="improvement", text="Trop tôt")
    assert e.value.code == "assessment_not_evaluated"
    _rate_all(world_a, aid)
    sa.do_complete(world_a.manager.actor, aid)
    sa.do_compute(aid)
    x = sa.do_add_action(world_a.manager.actor, aid, kind="improvement", text="Former l'équipe au RGPD",
                         owner_membership_id=world_a.counselor.membership_id, deadline="2026-06-30",
                         criterion_code="D3.2")
    assert x.owner_name and str(x.deadline) == "2026-06-30" and x.criterion_code == "D3.2"
    x = sa.do_update_action(world_a.manager.actor, x.id, done=True, deadline="")
    assert x.done and x.deadline is None
    for kwargs, code in (({"owner_membership_id": world_a.student.membership_id}, "owner_not_in_team"),
                         ({"text": "  "}, "action_text_required"), ({"done": "yes"}, "invalid_flag"),
                         ({"deadline": "demain"}, "invalid_date"), ({"kind": "wish"}, "action_kind_invalid")):
        with pytest.raises(Invalid) as e:
            sa.do_update_action(world_a.manager.actor, x.id, **kwargs)
        assert e.value.code == code
    with pytest.raises(Forbidden):
        sa.do_update_action(world_a.counselor.actor, x.id, done=False)
    sa.do_delete_action(world_a.manager.actor, x.id)
    assert x.id not in {a.id for a in sa.list_actions(world_a.manager.actor, aid)}


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_the_report_is_a_pdf_once_evaluated(world_a, lang):
    from workflows.assessment.report import render_report

    d, _ = _collecting(world_a)
    aid = d.summary.id
    sa.do_add_link(world_a.counselor.actor, aid, url="https://example.ma/pv", criterion_code="D1.1")
    _rate_all(world_a, aid)
    sa.do_complete(world_a.manager.actor, aid)
    with pytest.raises(Conflict) as e:
        render_report(world_a.manager.actor, aid, lang)
    assert e.value.code == "assessment_not_evaluated"
    sa.do_compute(aid)
    data = render_report(world_a.counselor.actor, aid, lang)
    assert data.startswith(b"%PDF-") and len(data) > 2000
