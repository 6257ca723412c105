"""The annual action plan (M30, P01): drafting, review, finalisation, the host institution's
validation, versions, sharing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from integrations.db import system_session, tenant_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from tenants.calendar.models import Event
from tenants.core.models import AuditEvent
from tests.conftest import create_person
from tests.planning.util import content, mails, make_year, validated_plan
from workflows.meetings.models import MeetingRecord
from workflows.planning import services as plans
from workflows.planning.models import ActionPlanVersion
from workflows.reporting.models import Report


def _versions(w, plan_id: int) -> list[ActionPlanVersion]:
    with tenant_session(w.tenant_id) as s:
        return list(s.exec(select(ActionPlanVersion).where(ActionPlanVersion.plan_id == plan_id)
                           .order_by(ActionPlanVersion.version_no)).all())


def _actions(w) -> list[str]:
    with tenant_session(w.tenant_id) as s:
        return [a.action for a in s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
                if a.action.startswith("plan.")]


# ---------------------------------------------------------------- creating

def test_manager_creates_the_years_draft_once(world_a):
    w = world_a
    year = make_year(w)
    p = plans.do_create_plan(w.manager.actor, w.tenant_id, year)
    assert (p.status, p.version_no, p.version_label, p.year_label) == ("draft", 1, "Avant-projet", "2030-2031")
    assert p.content["activities"] == [] and p.title == "Plan d'action 2030-2031"
    with pytest.raises(Conflict) as exc:
        plans.do_create_plan(w.manager.actor, w.tenant_id, year)
    assert exc.value.code == "plan_exists"
    assert len(plans.list_plans(w.manager.actor, w.tenant_id)) == 1


@pytest.mark.parametrize("role", ["counselor", "business_developer", "host_approver", "student", "company_contact"])
def test_only_the_manager_creates_a_plan(world_a, role):
    w = world_a
    year = make_year(w)
    with pytest.raises(Forbidden):
        plans.do_create_plan(w.people[role].actor, w.tenant_id, year)
    assert plans.list_plans(w.manager.actor, w.tenant_id) == []


@pytest.mark.parametrize("role", ["student", "company_contact", "ambassador", "intern"])
def test_students_companies_and_ambassadors_do_not_see_plans(world_a, role):
    w = world_a
    pid = validated_plan(w, make_year(w))
    with pytest.raises(Forbidden):
        plans.get_plan(w.people[role].actor, w.tenant_id, pid)
    with pytest.raises(Forbidden):
        plans.list_plans(w.people[role].actor, w.tenant_id)


def test_another_centres_year_and_plan_are_not_found(worlds):
    a, b = worlds
    year_a = make_year(a)
    pid = validated_plan(a, year_a)
    with pytest.raises(NotFound) as exc:
        plans.do_create_plan(b.manager.actor, b.tenant_id, year_a)
    assert exc.value.code == "academic_year_not_found"
    for call in (lambda: plans.get_plan(b.manager.actor, b.tenant_id, pid),
                 lambda: plans.do_save_draft(b.manager.actor, b.tenant_id, pid, content(b)),
                 lambda: plans.do_open_review(b.manager.actor, b.tenant_id, pid),
                 lambda: plans.do_host_validate(b.people["host_approver"].actor, b.tenant_id, pid),
                 lambda: plans.do_start_mid_year_review(b.manager.actor, b.tenant_id, pid),
                 lambda: plans.diff_versions(b.manager.actor, b.tenant_id, pid, 1, 1)):
        with pytest.raises(NotFound) as exc:
            call()
        assert exc.value.code == "not_found"
    # acting in the other centre with one's own membership is refused before any lookup
    with pytest.raises(Forbidden):
        plans.get_plan(b.manager.actor, a.tenant_id, pid)
    assert plans.get_plan(a.manager.actor, a.tenant_id, pid).content == _versions(a, pid)[-1].content


def test_the_new_draft_starts_from_last_years_validated_plan_and_shows_what_last_year_said(world_a):
    w = world_a
    last = make_year(w, 2029)
    validated_plan(w, last)
    with tenant_session(w.tenant_id) as s:
        s.add(Report(tenant_id=w.tenant_id, kind="annual", period_start=datetime(2029, 9, 1).date(),
                     period_end=datetime(2030, 6, 30).date(), title="Rapport annuel 2029-2030",
                     sections=[{"key": "bilan", "title": "Bilan", "body": "Trop peu d'ateliers"}]))
        e = Event(tenant_id=w.tenant_id, uid="closing@test", type="annual_closing_meeting", title="Clôture",
                  starts_at=datetime(2030, 6, 20, 9, tzinfo=UTC), ends_at=datetime(2030, 6, 20, 11, tzinfo=UTC),
                  timezone="Africa/Casablanca", status="closed")
        s.add(e)
        s.flush()
        s.add(MeetingRecord(tenant_id=w.tenant_id, event_id=e.id, kind="annual_closing_meeting", status="closed",
                            minutes="Orientation : doubler les ateliers"))
        s.commit()
    year = make_year(w, 2030)

    p = plans.do_create_plan(w.manager.actor, w.tenant_id, year)
    assert [a["title"] for a in p.content["activities"]] == ["Ateliers CV", "Accueil des étudiants"]
    assert p.content["objectives"][0]["title"] == "Améliorer l'insertion"
    assert p.content["budget_lines"][0]["amount"] == "1500.50"
    said = plans.last_year(w.manager.actor, w.tenant_id, year)
    assert said.year_label == "2029-2030" and len(said.activities) == 2
    assert said.report_title == "Rapport annuel 2029-2030" and said.report_sections[0]["body"] == "Trop peu d'ateliers"
    assert said.closing_minutes == "Orientation : doubler les ateliers"
    # the first year has nothing before it
    assert plans.last_year(w.manager.actor, w.tenant_id, last) is None


# ---------------------------------------------------------------- content

@pytest.mark.parametrize("bad, code", [
    ("dix", "target_not_a_number"),
    ([1], "target_not_a_number"),
    (True, "target_not_a_number"),
    (-1, "target_negative"),
])
def test_a_target_that_is_not_a_number_is_refused_naming_the_activity(world_a, bad, code):
    w = world_a
    p = plans.do_create_plan(w.manager.actor, w.tenant_id, make_year(w))
    plans.do_save_draft(w.manager.actor, w.tenant_id, p.id, content(w))
    before = _versions(w, p.id)[0].content
    with pytest.raises(Invalid) as exc:
        plans.do_save_draft(w.manager.actor, w.tenant_id, p.id, content(w, s1=bad))
    assert exc.value.code == code
    assert "Ateliers CV" in str(exc.value)
    assert _versions(w, p.id)[0].content == before


@pytest.mark.parametrize("change, code", [
    (lambda c: c["activities"][0].update(objective_key="nope"), "unknown_objective"),
    (lambda c: c["activities"][0].update(budget_line="nope"), "unknown_budget_line"),
    (lambda c: c["activities"][0].update(type="cooking_class"), "unknown_activity_type"),
    (lambda c: c["activities"][0].update(type="weekly_coordination_meeting"), "unknown_activity_type"),
    (lambda c: c["activities"][0].update(metric="smiles"), "invalid"),
    (lambda c: c["activities"][0].update(targets={"S3": 4}), "invalid_semester"),
    (lambda c: c["activities"][0].update(title="  "), "activity_title_required"),
    (lambda c: c["objectives"][0].update(title=""), "objective_title_required"),
    (lambda c: c["budget_lines"][0].update(amount="-5"), "amount_negative"),
    (lambda c: c["budget_lines"][0].update(amount="beaucoup"), "amount_not_a_number"),
    (lambda c: c["budget_lines"][0].update(currency="dirhams"), "invalid_currency"),
    (lambda c: c["activities"][1].update(key="ateliers"), "duplicate_key"),
    (lambda c: c.update(surprise=1), "invalid"),
])
def test_bad_content_is_refused_with_a_clear_code_and_nothing_changes(world_a, change, code):
    w = world_a
    p = plans.do_create_plan(w.manager.actor, w.tenant_id, make_year(w))
    bad = content(w)
    change(bad)
    with pytest.raises(Invalid) as exc:
        plans.do_save_draft(w.manager.actor, w.tenant_id, p.id, bad)
    assert exc.value.code == code
    assert _versions(w, p.id)[0].content["activities"] == []


def test_an_owner_from_another_centre_is_refused(worlds):
    a, b = worlds
    p = plans.do_create_plan(a.manager.actor, a.tenant_id, make_year(a))
    with pytest.raises(Invalid) as exc:
        plans.do_save_draft(a.manager.actor, a.tenant_id, p.id, content(a, owner=b.counselor.membership_id))
    assert exc.value.code == "unknown_owner"


def test_keys_are_made_when_missing_and_amounts_kept_exact(world_a):
    w = world_a
    p = plans.do_create_plan(w.manager.actor, w.tenant_id, make_year(w))
    data = {"objectives": [{"title": "Objectif"}],
            "budget_lines": [{"label": "Salle", "amount": "1 200,5"}],
            "activities": []}
    saved = plans.do_save_draft(w.manager.actor, w.tenant_id, p.id, data).content
    okey = saved["objectives"][0]["key"]
    assert okey.startswith("obj-")
    assert saved["budget_lines"][0]["amount"] == "1200.50" and saved["budget_lines"][0]["currency"] == "MAD"
    data = {**saved, "activities": [{"title": "Forum", "objective_key": okey, "metric": "events",
                                     "targets": {"S1": "2", "S2": ""}}]}
    saved = plans.do_save_draft(w.manager.actor, w.tenant_id, p.id, data).content
    assert saved["activities"][0]["targets"] == {"S1": 2.0} and saved["activities"][0]["type"] == "other"
    assert saved["activities"][0]["key"].startswith("act-")


# ---------------------------------------------------------------- workflow

def test_the_plan_goes_through_review_finalisation_and_the_host_institution(world_a):
    w = world_a
    mgr, counselor, approver = w.manager.actor, w.counselor.actor, w.people["host_approver"].actor
    p = plans.do_create_plan(mgr, w.tenant_id, make_year(w))
    plans.do_save_draft(mgr, w.tenant_id, p.id, content(w))

    # the host institution does not see the draft
    with pytest.raises(NotFound):
        plans.get_plan(approver, w.tenant_id, p.id)
    assert plans.list_plans(approver, w.tenant_id) == []

    # P01.1-2: the avant-projet goes to the counselors and the business developer
    assert plans.do_open_review(mgr, w.tenant_id, p.id).status == "in_review"
    to = {m["to"] for m in mails()}
    assert to == {"counselor@alpha.test", "bizdev@alpha.test"}
    c = plans.do_comment(counselor, w.tenant_id, p.id, "Ajouter un forum", item_key="ateliers")
    plans.do_comment(w.people["business_developer"].actor, w.tenant_id, p.id, "Et des visites d'entreprise")
    view = plans.get_plan(mgr, w.tenant_id, p.id)
    assert [(x.item_key, x.body) for x in view.comments] == [("ateliers", "Ajouter un forum"),
                                                             ("", "Et des visites d'entreprise")]
    assert c.author_name
    with pytest.raises(Invalid) as exc:
        plans.do_comment(counselor, w.tenant_id, p.id, "x", item_key="nothing")
    assert exc.value.code == "unknown_item"
    with pytest.raises(Invalid) as exc:
        plans.do_comment(counselor, w.tenant_id, p.id, "   ")
    assert exc.value.code == "comment_required"

    # P01.3-4: finalised in the internal meeting, sent to the host institution
    assert plans.do_finalise(mgr, w.tenant_id, p.id).status == "finalised"
    with pytest.raises(Conflict) as exc:
        plans.do_comment(counselor, w.tenant_id, p.id, "Trop tard")
    assert exc.value.code == "plan_wrong_state"
    with pytest.raises(Conflict) as exc:
        plans.do_save_draft(mgr, w.tenant_id, p.id, content(w, s1=99))
    assert exc.value.code == "plan_wrong_state"
    n = len(mails())
    assert plans.do_submit_to_host(mgr, w.tenant_id, p.id).status == "submitted"
    new = mails()[n:]
    assert [m["to"] for m in new] == ["approver@alpha.test"]
    assert "/host/plan" in new[0]["text"]

    # the host institution sees it now; the focal point may not decide
    assert plans.get_plan(approver, w.tenant_id, p.id).version_status == "submitted"
    with pytest.raises(Forbidden):
        plans.do_host_validate(w.people["host_focal_point"].actor, w.tenant_id, p.id)
    # the approver validates but does not edit
    with pytest.raises(Forbidden):
        plans.do_save_draft(approver, w.tenant_id, p.id, content(w, s1=1))
    v = plans.do_host_validate(approver, w.tenant_id, p.id, comment="Conforme aux orientations")
    assert (v.status, v.version_status, v.host_comment) == ("validated", "validated", "Conforme aux orientations")
    frozen = _versions(w, p.id)[0]
    assert frozen.host_validated_at is not None and frozen.host_validated_by_membership_id == \
        w.people["host_approver"].membership_id
    assert _actions(w) == ["plan.created", "plan.saved", "plan.review_opened", "plan.commented", "plan.commented",
                           "plan.finalised", "plan.submitted", "plan.host_validated"]


def test_the_host_institution_sends_the_plan_back_with_a_comment(world_a):
    w = world_a
    mgr, approver = w.manager.actor, w.people["host_approver"].actor
    p = plans.do_create_plan(mgr, w.tenant_id, make_year(w))
    plans.do_open_review(mgr, w.tenant_id, p.id)
    plans.do_finalise(mgr, w.tenant_id, p.id)
    plans.do_submit_to_host(mgr, w.tenant_id, p.id)
    with pytest.raises(Invalid) as exc:
        plans.do_host_return(approver, w.tenant_id, p.id, comment="  ")
    assert exc.value.code == "comment_required"
    assert plans.get_plan(mgr, w.tenant_id, p.id).status == "submitted"
    back = plans.do_host_return(approver, w.tenant_id, p.id, comment="Ajouter les activités co-organisées")
    assert back.status == "in_review"
    assert plans.get_plan(mgr, w.tenant_id, p.id).host_comment == "Ajouter les activités co-organisées"
    assert mails()[-1]["to"] == "manager@alpha.test"
    assert "Ajouter les activités co-organisées" in mails()[-1]["text"]
    # and around again: the approver is told again
    plans.do_finalise(mgr, w.tenant_id, p.id)
    plans.do_submit_to_host(mgr, w.tenant_id, p.id)
    assert [m["to"] for m in mails()].count("approver@alpha.test") == 2
    assert plans.do_host_validate(approver, w.tenant_id, p.id).status == "validated"


@pytest.mark.parametrize("step", ["finalise", "submit", "validate", "return", "share", "review"])
def test_a_transition_in_the_wrong_state_is_refused(world_a, step):
    w = world_a
    mgr, approver = w.manager.actor, w.people["host_approver"].actor
    p = plans.do_create_plan(mgr, w.tenant_id, make_year(w))
    if step == "review":
        plans.do_open_review(mgr, w.tenant_id, p.id)
    call = {"finalise": lambda: plans.do_finalise(mgr, w.tenant_id, p.id),
            "submit": lambda: plans.do_submit_to_host(mgr, w.tenant_id, p.id),
            "validate": lambda: plans.do_host_validate(approver, w.tenant_id, p.id),
            "return": lambda: plans.do_host_return(approver, w.tenant_id, p.id, comment="Non"),
            "share": lambda: plans.do_share_with_team(mgr, w.tenant_id, p.id),
            "review": lambda: plans.do_open_review(mgr, w.tenant_id, p.id)}[step]
    before = plans.get_plan(mgr, w.tenant_id, p.id).status
    with pytest.raises((Conflict, NotFound)) as exc:
        call()
    # the host institution was never sent this plan: for it, the plan does not exist yet
    assert exc.value.code == ("not_found" if step in {"validate", "return"} else "plan_wrong_state")
    assert plans.get_plan(mgr, w.tenant_id, p.id).status == before


def test_a_validated_version_is_never_edited_a_change_makes_the_next_version(world_a):
    w = world_a
    pid = validated_plan(w, make_year(w))
    v1 = _versions(w, pid)[0].content
    view = plans.do_save_draft(w.manager.actor, w.tenant_id, pid, content(w, s1=20), change_note="Plus d'ateliers")
    assert (view.status, view.version_no, view.version_status) == ("updating", 2, "updating")
    v = _versions(w, pid)
    assert v[0].content == v1 and v[0].status == "validated"
    assert v[1].content["activities"][0]["targets"]["S1"] == 20 and v[1].change_note == "Plus d'ateliers"
    # saving again edits version 2, no third version
    plans.do_save_draft(w.manager.actor, w.tenant_id, pid, content(w, s1=25))
    assert len(_versions(w, pid)) == 2 and _versions(w, pid)[0].content == v1
    # the host institution still sees only what it was sent
    assert [x.version_no for x in plans.get_plan(w.people["host_approver"].actor, w.tenant_id, pid).versions] == [1]


def test_the_validated_plan_is_shared_with_the_team_as_a_pdf(world_a, run_outbox):
    w = world_a
    create_person("arabic@alpha.test", tenant_id=w.tenant_id, roles=["career_counselor"])
    with system_session("test") as s:
        from tenants.core.models import Account

        acc = s.exec(select(Account).where(Account.email == "arabic@alpha.test")).one()
        acc.locale = "ar"
        s.add(acc)
        s.commit()
    pid = validated_plan(w, make_year(w))
    n = len(mails())
    sent = plans.do_share_with_team(w.manager.actor, w.tenant_id, pid)
    new = mails()[n:]
    assert sent == len(new) == 6  # manager, two counselors, business developer, ambassador, intern
    assert {m["to"] for m in new} >= {"ambassador@alpha.test", "intern@alpha.test", "bizdev@alpha.test"}
    assert not {m["to"] for m in new} & {"student@alpha.test", "company@alpha.test", "approver@alpha.test"}
    assert all(m["attachments"][0]["filename"] == f"plan-{pid}.pdf" for m in new)
    arabic = next(m for m in new if m["to"] == "arabic@alpha.test")
    assert "خطة العمل" in arabic["subject"]
    assert "shared" in _actions(w)[-1]
    assert set(run_outbox()) == {"sent"}


def test_finalising_may_name_the_internal_meeting(worlds):
    a, b = worlds
    mgr = a.manager.actor
    p = plans.do_create_plan(mgr, a.tenant_id, make_year(a))
    plans.do_open_review(mgr, a.tenant_id, p.id)
    with pytest.raises(NotFound) as exc:
        plans.do_finalise(mgr, a.tenant_id, p.id, meeting_id=123456)
    assert exc.value.code == "meeting_not_found"
    assert plans.get_plan(mgr, a.tenant_id, p.id).status == "in_review"
    with tenant_session(a.tenant_id) as s:
        e = Event(tenant_id=a.tenant_id, uid="m@test", type="monthly_management_meeting", title="Gestion",
                  starts_at=datetime(2030, 6, 2, 9, tzinfo=UTC), ends_at=datetime(2030, 6, 2, 10, tzinfo=UTC),
                  timezone="Africa/Casablanca")
        s.add(e)
        s.flush()
        rec = MeetingRecord(tenant_id=a.tenant_id, event_id=e.id, kind="monthly_management_meeting")
        s.add(rec)
        s.commit()
        rid = rec.id
    with pytest.raises(Forbidden):
        plans.do_finalise(b.manager.actor, a.tenant_id, p.id, meeting_id=rid)
    assert plans.do_finalise(mgr, a.tenant_id, p.id, meeting_id=rid).status == "finalised"
    assert _versions(a, p.id)[0].finalised_at is not None
