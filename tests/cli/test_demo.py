"""The demo network: complete, deterministic, idempotent, and each manager sees only their team."""

from __future__ import annotations

from collections import Counter

from click.testing import CliRunner
from sqlmodel import select

from cc_network.cli import main
from cc_network.demo import DEMO_PASSWORD, DOMAIN, INSTITUTIONS, student_profiles
from integrations.db import system_session
from tenants.auth.services import actor_for, authenticate
from tenants.core.models import Account, Membership, Tenant
from tenants.team.services import list_members
from tests.cli.test_backup import _snapshot


def test_demo_network_is_complete_and_idempotent():
    r = CliRunner().invoke(main, ["demo"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert DEMO_PASSWORD in r.output
    first = _snapshot()

    with system_session("test") as s:
        tenants = {t.slug: t for t in s.exec(select(Tenant)).all()}
        assert sorted(t.kind for t in tenants.values()) == ["business_school", "university",
                                                            "vocational_institute"]
        accounts = {a.id: a for a in s.exec(select(Account)).all()}
        members = s.exec(select(Membership)).all()
    assert Counter(a.network_role for a in accounts.values() if a.network_role) == {
        "network_admin": 1, "external_evaluator": 1}

    for slug, t in tenants.items():
        mine = [m for m in members if m.tenant_id == t.id]
        roles = Counter(r for m in mine for r in m.roles)
        assert roles["manager"] == 1
        assert roles["career_counselor"] == 3
        assert roles["business_developer"] == 1
        assert roles["ambassador"] == 3
        assert roles["intern"] == 1
        assert roles["host_approver"] == 1 and roles["host_focal_point"] == 1
        assert roles["student"] >= 40 + 3  # ambassadors are students too
        assert roles["company_contact"] >= 1
        resp = sorted(r for m in mine if "career_counselor" in m.roles for r in m.responsibilities)
        assert resp == ["ambassador_programme", "communication", "coordination"]
        manager = next(a for a in accounts.values() if a.email == f"manager@{slug}.{DOMAIN}")
        assert manager.id in {m.account_id for m in mine if "manager" in m.roles}

    companies = {a.email.split("@")[1] for a in accounts.values()
                 if any("company_contact" in m.roles and m.account_id == a.id for m in members)}
    assert len(companies) == 4
    # students vary: several fields, levels and establishments per centre, distinct names
    for inst in INSTITUTIONS:
        profiles = student_profiles(inst.slug)
        assert len(profiles) >= 40
        assert len({p.full_name for p in profiles}) == len(profiles)
        assert {p.field for p in profiles} == set(inst.fields)
        assert {p.level for p in profiles} == set(inst.levels)
        assert {p.establishment for p in profiles} == set(inst.establishments)
    assert student_profiles("al-qalam") == student_profiles("al-qalam")

    r = CliRunner().invoke(main, ["demo"], catch_exceptions=False)
    assert r.exit_code == 0 and "0 centre(s) and 0 account(s)" in r.output
    assert _snapshot() == first


def test_each_demo_manager_signs_in_and_sees_only_their_team():
    from cc_network.demo import load_demo

    load_demo()
    with system_session("test") as s:
        tenants = {t.slug: t.id for t in s.exec(select(Tenant)).all()}
    for slug, tid in tenants.items():
        acc = authenticate(f"manager@{slug}.{DOMAIN}", DEMO_PASSWORD)
        page = list_members(actor_for(acc.id, tid), tid, per_page=200)
        emails = [m.email for m in page.items]
        assert page.total == len(emails) >= 55
        assert all(e.endswith(f"@{slug}.{DOMAIN}") or ".demo." in e for e in emails)
        assert not any(f"@{other}.{DOMAIN}" in e for other in tenants if other != slug for e in emails)
    authenticate(f"admin@{DOMAIN}", DEMO_PASSWORD)
    authenticate(f"rh@atlas-digital.{DOMAIN}", DEMO_PASSWORD)


def test_each_demo_centre_runs_its_year_weekly_meeting_and_next_years_action_plan():
    from cc_network.demo import WEEKLY_MEETING_TITLE, current_start_year, load_demo, year_label
    from tenants.calendar.models import AcademicYear, Event, EventSeries
    from workflows.procedures import services as proc
    from workflows.procedures.models import DONE, OPEN, RUNNING, ProcedureInstance, ProcedureTask

    load_demo()
    label, next_label = year_label(current_start_year()), year_label(current_start_year() + 1)
    yearly = {p.code for p in proc._book_all() if p.trigger.type == "academic_year_start"}
    with system_session("test") as s:
        tenants = {t.slug: t.id for t in s.exec(select(Tenant)).all()}
        for slug, tid in tenants.items():
            year = s.exec(select(AcademicYear).where(AcademicYear.tenant_id == tid,
                                                     AcademicYear.label == label)).one()
            series = s.exec(select(EventSeries).where(EventSeries.tenant_id == tid)).all()
            assert [(x.type, x.academic_year_id, x.title) for x in series] == [
                ("weekly_coordination_meeting", year.id, WEEKLY_MEETING_TITLE)]
            meetings = s.exec(select(Event).where(Event.series_id == series[0].id)).all()
            assert len(meetings) >= 1 and all(e.starts_at.weekday() == 0 for e in meetings), slug
            insts = s.exec(select(ProcedureInstance).where(ProcedureInstance.tenant_id == tid)).all()
            assert {i.code for i in insts if i.subject_type == "academic_year"} == yearly
            assert all(i.status == RUNNING for i in insts)
            plan = next(i for i in insts if i.code == "P01")
            assert plan.title.endswith(next_label)
            tasks = {(t.step_n, t.role): t.status for t in s.exec(select(ProcedureTask).where(
                ProcedureTask.instance_id == plan.id)).all()}
            assert tasks[(1, "manager")] == DONE
            assert tasks[(2, "career_counselor")] == DONE and tasks[(2, "business_developer")] == OPEN
            done = s.exec(select(ProcedureTask.instance_id).where(
                ProcedureTask.tenant_id == tid, ProcedureTask.status == DONE)).all()
            assert {i.code for i in insts if i.id in set(done)} >= {"P01", "P03"}
    for slug, tid in tenants.items():
        manager = actor_for(authenticate(f"manager@{slug}.{DOMAIN}", DEMO_PASSWORD).id, tid)
        bizdev = actor_for(authenticate(f"bizdev@{slug}.{DOMAIN}", DEMO_PASSWORD).id, tid)
        assert proc.inbox(manager, tid).total > 0
        mine = proc.inbox(bizdev, tid, per_page=100).items
        assert any(t.code == "P01" and t.step_n == 2 and t.can_act for t in mine), slug


def test_the_demo_centres_have_assessments_the_benchmark_compares():
    """Issue 8: every centre but the first has an evaluated self-assessment on the default model,
    and the demo evaluator is assigned to the first two centres."""
    from cc_network.demo import load_demo
    from workflows.assessment.models import Assessment, CentreScore, EvaluatorAssignment

    load_demo()
    load_demo()  # idempotent
    with system_session("test") as s:
        ids = {t.slug: t.id for t in s.exec(select(Tenant)).all()}
        slugs = [i.slug for i in INSTITUTIONS]
        evaluated = {a.tenant_id for a in s.exec(select(Assessment).where(Assessment.status == "evaluated")).all()}
        assert evaluated == {ids[x] for x in slugs[1:]}
        assert {c.centre_id for c in s.exec(select(CentreScore).where(CentreScore.key == "overall")).all()} == evaluated
        assert {x.tenant_id for x in s.exec(select(EvaluatorAssignment)).all()} == {ids[x] for x in slugs[:2]}
