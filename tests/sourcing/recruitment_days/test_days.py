"""Recruitment days (P19): routing by positions, availabilities of both sides, scheduling in
the calendar, closed-door invitations, check-in, results on the shortlist, closing with the
evaluation form."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.mail import DevMail
from tenants.calendar import services as cal
from tenants.calendar.models import Event
from tenants.portal.registrations import services as reg
from tenants.portal.surveys import services as surveys
from tenants.portal.surveys.models import Questionnaire
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.pipeline.models import ShortlistEntry
from tenants.sourcing.recruitment_days import services as days
from tenants.sourcing.recruitment_days.models import RecruitmentDay
from tests.conftest import create_person
from tests.portal.registrations.util import bulk_students, set_event
from tests.sourcing.util import link_company_contact, make_company, make_need


def _d(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def _count(model, **where) -> int:
    with system_session("test: count") as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.execute(q).scalar_one()


def _bizdev(w):
    return w.people["business_developer"].actor


def _day(w, *, positions: int = 12, mode: str = "closed_door", company: str = "Acme"):
    cid = make_company(w, company)
    nid = make_need(w, cid, positions=positions, title="Téléconseillers")
    return cid, nid, days.do_propose_day(_bizdev(w), w.tenant_id, nid, mode=mode)


def _scheduled(w, **kw):
    cid, nid, d = _day(w, **kw)
    days.do_set_dates(_bizdev(w), w.tenant_id, d.id, side="host", dates=[_d(10), _d(12)])
    days.do_set_dates(_bizdev(w), w.tenant_id, d.id, side="company", dates=[_d(12), _d(14)])
    d = days.do_schedule_day(_bizdev(w), w.tenant_id, d.id, {
        "date": _d(12), "start": "09:00", "end": "16:00", "address": "Amphi A", "capacity": 3})
    return cid, nid, d


def _shortlist(w, need_id: int, student_ids: list[int], status: str = "selected") -> None:
    with tenant_session(w.tenant_id) as s:
        for rank, sid in enumerate(student_ids, start=1):
            s.add(ShortlistEntry(tenant_id=w.tenant_id, need_id=need_id, student_membership_id=sid, rank=rank,
                                 status=status))
        s.commit()


def _start_now(event_id: int) -> None:
    start = utcnow() - timedelta(minutes=30)
    set_event(event_id, starts_at=start, ends_at=start + timedelta(hours=6))


# ---------------------------------------------------------------- routing

@pytest.mark.parametrize(("positions", "route"), [(9, "direct"), (10, "recruitment_day"), (12, "recruitment_day")])
def test_a_need_is_routed_to_a_day_from_ten_positions(world_a, positions, route):
    a = world_a
    nid = make_need(a, make_company(a), positions=positions)
    with tenant_session(a.tenant_id) as s:
        assert days.route_for(s.get(JobNeed, nid)) == route
    if route == "direct":
        with pytest.raises(Conflict) as exc:
            days.do_propose_day(_bizdev(a), a.tenant_id, nid, mode="closed_door")
        assert exc.value.code == "below_day_threshold"
        assert _count(RecruitmentDay) == 0
    else:
        d = days.do_propose_day(_bizdev(a), a.tenant_id, nid, mode="open_door")
        assert (d.status, d.mode, d.positions, d.company_name) == ("proposed", "open_door", positions, "Acme")


def test_one_day_per_need_and_never_for_an_ended_need(world_a):
    a = world_a
    _, nid, d = _day(a)
    with pytest.raises(Conflict) as exc:
        days.do_propose_day(_bizdev(a), a.tenant_id, nid, mode="open_door")
    assert exc.value.code == "day_exists"
    ended = make_need(a, make_company(a, "Beta Corp"), positions=20, status="closed")
    with pytest.raises(Conflict) as exc:
        days.do_propose_day(_bizdev(a), a.tenant_id, ended, mode="open_door")
    assert exc.value.code == "need_ended"
    with pytest.raises(Invalid) as exc:
        days.do_propose_day(_bizdev(a), a.tenant_id, make_need(a, make_company(a, "C"), positions=15), mode="x")
    assert exc.value.code == "invalid_day_mode"
    assert _count(RecruitmentDay) == 1


def test_proposing_needs_the_need_manager_and_the_centre(worlds):
    a, b = worlds
    nid = make_need(a, make_company(a), positions=12)
    with pytest.raises(Forbidden):
        days.do_propose_day(a.counselor.actor, a.tenant_id, nid, mode="closed_door")
    with pytest.raises(NotFound):  # another centre's need id, in the actor's own centre
        days.do_propose_day(_bizdev(b), b.tenant_id, nid, mode="closed_door")
    assert _count(RecruitmentDay) == 0


# ---------------------------------------------------------------- availabilities

def test_each_side_gives_its_dates_and_the_common_ones_are_shown(world_a):
    a = world_a
    cid, _, d = _day(a)
    link_company_contact(a, cid)
    approver = a.people["host_approver"].actor
    days.do_set_dates(approver, a.tenant_id, d.id, side="host", dates=[_d(12), _d(10), _d(12)])
    v = days.do_set_dates(a.people["company_contact"].actor, a.tenant_id, d.id, side="company",
                          dates=[_d(14), _d(12)])
    assert v.host_dates == [_d(10), _d(12)] and v.company_dates == [_d(12), _d(14)]
    assert v.common_dates == [_d(12)]
    assert [x.id for x in days.company_days(a.people["company_contact"].actor, a.tenant_id)] == [d.id]
    # the host institution does not speak for the company, nor the company for the host
    with pytest.raises(Forbidden):
        days.do_set_dates(approver, a.tenant_id, d.id, side="company", dates=[_d(20)])
    with pytest.raises(Forbidden):
        days.do_set_dates(a.people["company_contact"].actor, a.tenant_id, d.id, side="host", dates=[_d(20)])
    assert days.get_day(a.manager.actor, a.tenant_id, d.id).common_dates == [_d(12)]


def test_another_companys_contact_cannot_give_dates(world_a):
    a = world_a
    _, _, d = _day(a)
    link_company_contact(a, make_company(a, "Rival"))
    with pytest.raises(NotFound):
        days.do_set_dates(a.people["company_contact"].actor, a.tenant_id, d.id, side="company", dates=[_d(12)])
    assert days.get_day(a.manager.actor, a.tenant_id, d.id).company_dates == []


@pytest.mark.parametrize(("dates", "code"), [
    (["2026-13-40"], "invalid_date"), (["not a date"], "invalid_date"), ([_d(0)], "date_in_past"),
    ([_d(-3)], "date_in_past"), ([_d(i) for i in range(2, 34)], "too_many_dates")])
def test_bad_dates_are_refused_and_nothing_changes(world_a, dates, code):
    a = world_a
    _, _, d = _day(a)
    days.do_set_dates(_bizdev(a), a.tenant_id, d.id, side="host", dates=[_d(10)])
    with pytest.raises(Invalid) as exc:
        days.do_set_dates(_bizdev(a), a.tenant_id, d.id, side="host", dates=dates)
    assert exc.value.code == code
    assert days.get_day(a.manager.actor, a.tenant_id, d.id).host_dates == [_d(10)]


# ---------------------------------------------------------------- scheduling

def test_a_date_not_common_to_both_sides_is_refused_and_nothing_is_created(world_a):
    a = world_a
    _, _, d = _day(a)
    days.do_set_dates(_bizdev(a), a.tenant_id, d.id, side="host", dates=[_d(10), _d(12)])
    days.do_set_dates(_bizdev(a), a.tenant_id, d.id, side="company", dates=[_d(12)])
    with pytest.raises(Invalid) as exc:
        days.do_schedule_day(_bizdev(a), a.tenant_id, d.id, {"date": _d(10), "start": "09:00", "end": "16:00"})
    assert exc.value.code == "date_not_common"
    with pytest.raises(Invalid) as exc:
        days.do_schedule_day(_bizdev(a), a.tenant_id, d.id, {"date": _d(12), "start": "16:00", "end": "09:00"})
    assert exc.value.code == "end_before_start"
    v = days.get_day(a.manager.actor, a.tenant_id, d.id)
    assert (v.status, v.event_id) == ("proposed", None) and _count(Event) == 0


def test_a_scheduled_day_is_a_recruitment_day_in_the_calendar(world_a):
    a = world_a
    _, _, d = _scheduled(a)
    assert d.status == "scheduled" and d.event_id is not None
    start = datetime.combine(date.today(), datetime.min.time()).astimezone()
    cells = cal.calendar_view(a.counselor.actor, a.tenant_id, {"start": start, "end": start + timedelta(days=30)})
    cell = next(c for c in cells if c.id == d.event_id)
    assert (cell.type, cell.status, cell.capacity) == ("recruitment_day", "proposed", 3)
    assert "Acme" in cell.title
    e = cal.get_event(a.manager.actor, a.tenant_id, d.event_id)
    assert e.details == {"company": "Acme", "positions": "12"}
    assert e.starts_at.astimezone(cal.ZoneInfo(e.timezone)).strftime("%Y-%m-%d %H:%M") == f"{_d(12)} 09:00"
    with pytest.raises(Conflict) as exc:  # scheduled once
        days.do_schedule_day(_bizdev(a), a.tenant_id, d.id, {"date": _d(12), "start": "09:00", "end": "16:00"})
    assert exc.value.code == "day_not_proposed"
    with pytest.raises(Conflict) as exc:  # and its dates are settled
        days.do_set_dates(_bizdev(a), a.tenant_id, d.id, side="host", dates=[_d(20)])
    assert exc.value.code == "day_not_proposed"


# ---------------------------------------------------------------- closed door

def test_a_closed_door_day_invites_the_prioritised_students(world_a, run_outbox):
    a = world_a
    _, nid, d = _scheduled(a)
    s1, s2, s3, s4 = bulk_students(a.tenant_id, 4)
    _shortlist(a, nid, [s1.membership_id, s2.membership_id, a.student.membership_id])
    _shortlist(a, nid, [s3.membership_id], status="proposed")  # not kept by the business developer
    reg.do_invite_student(a.counselor.actor, a.tenant_id, d.event_id, s2.membership_id)  # already in
    report = days.do_invite_prioritised(_bizdev(a), a.tenant_id, d.id)
    assert [i for i, _ in report.invited] == [s1.membership_id, a.student.membership_id]
    assert [(i, code) for i, _, code in report.skipped] == [(s2.membership_id, "already_registered")]
    sheet = reg.list_registrations(a.counselor.actor, a.tenant_id, d.event_id)
    assert sorted(r.student_membership_id for r in sheet) == sorted(
        [s1.membership_id, s2.membership_id, a.student.membership_id])
    assert {r.status for r in sheet} == {"confirmed"}
    assert run_outbox() == ["sent"] * 3
    # the day is full (capacity 3): one more invitation is refused
    with pytest.raises(Conflict) as exc:
        days.do_invite_one(_bizdev(a), a.tenant_id, d.id, s4.membership_id)
    assert exc.value.code == "event_full"
    # students cannot register themselves to a closed-door day
    assert d.event_id not in [i.id for i in reg.catalogue(a.student.actor, a.tenant_id).items]
    with pytest.raises(Conflict):
        reg.do_register(s4, a.tenant_id, d.event_id)


def test_an_open_door_day_is_published_for_registration_and_handed_to_communication(world_a, run_outbox):
    a = world_a
    comms = create_person("comms@alpha.test", tenant_id=a.tenant_id, roles=["career_counselor"],
                          responsibilities=["communication"])
    _, _, d = _scheduled(a, mode="open_door")
    with pytest.raises(Conflict) as exc:
        days.do_invite_prioritised(_bizdev(a), a.tenant_id, d.id)
    assert exc.value.code == "not_closed_door"
    with pytest.raises(Forbidden):  # the calendar's rule: the manager validates
        days.do_publish_day(_bizdev(a), a.tenant_id, d.id)
    v = days.do_publish_day(a.manager.actor, a.tenant_id, d.id)
    assert v.event_status == "published"
    assert d.event_id in [i.id for i in reg.catalogue(a.student.actor, a.tenant_id).items]
    assert reg.do_register(a.student.actor, a.tenant_id, d.event_id).status == "pending_confirmation"
    assert run_outbox() == ["sent"]
    with system_session("test: mail") as s:
        mail = s.exec(select(DevMail)).scalars().one()
    assert mail.to_email == comms.email and "Acme" in mail.subject


# ---------------------------------------------------------------- the day, results, closing

def test_check_in_results_and_closing_with_the_evaluation_form(world_a, run_outbox):
    a = world_a
    _, nid, d = _scheduled(a)
    s1, s2 = bulk_students(a.tenant_id, 2)
    _shortlist(a, nid, [s1.membership_id, s2.membership_id])
    days.do_invite_prioritised(_bizdev(a), a.tenant_id, d.id)
    surveys.do_set_template(a.manager.actor, a.tenant_id, "recruitment_day", {"questions": [
        {"kind": "rating", "label": "Organisation de la journée"}]})
    with pytest.raises(Conflict) as exc:  # results come after the day
        days.do_record_day_result(_bizdev(a), a.tenant_id, d.id, s1.membership_id, outcome="hired")
    assert exc.value.code == "day_not_started"
    days.do_publish_day(a.manager.actor, a.tenant_id, d.id)
    _start_now(d.event_id)
    sheet = {r.student_membership_id: r for r in reg.list_registrations(a.counselor.actor, a.tenant_id, d.event_id)}
    assert reg.do_check_in(a.counselor.actor, a.tenant_id, sheet[s1.membership_id].registration_id).status == \
        "attended"
    days.do_mark_day_held(_bizdev(a), a.tenant_id, d.id)

    row = days.do_record_day_result(_bizdev(a), a.tenant_id, d.id, s1.membership_id, outcome="hired",
                                    note="CDI à partir de janvier")
    assert (row.outcome, row.registration_status, row.shortlisted) == ("hired", "attended", True)
    days.do_record_day_result(_bizdev(a), a.tenant_id, d.id, s2.membership_id, outcome="not_retained")
    with pytest.raises(Invalid) as exc:
        days.do_record_day_result(_bizdev(a), a.tenant_id, d.id, s2.membership_id, outcome="maybe")
    assert exc.value.code == "invalid_outcome"
    with pytest.raises(NotFound) as exc:
        days.do_record_day_result(_bizdev(a), a.tenant_id, d.id, a.student.membership_id, outcome="hired")
    assert exc.value.code == "not_a_participant"
    with tenant_session(a.tenant_id) as s:
        outcomes = {x.student_membership_id: x.outcome for x in s.exec(select(ShortlistEntry)).scalars()}
        assert s.get(JobNeed, nid).status == "outcomes"
    assert outcomes == {s1.membership_id: "hired", s2.membership_id: "not_retained"}

    run_outbox()
    report = days.do_close_day(_bizdev(a), a.tenant_id, d.id, notes="Bonne journée")
    assert (report.day.status, report.attended, report.hires) == ("closed", 1, 1)
    e = cal.get_event(a.manager.actor, a.tenant_id, d.event_id)
    assert (e.status, e.attendance_count, e.figures["hires"]) == ("closed", 1, 1.0)
    # the evaluation form went to the one who came
    with system_session("test: q") as s:
        q = s.exec(select(Questionnaire)).scalars().one()
    assert (q.event_id, q.invitations_sent) == (d.event_id, 1)
    with pytest.raises(Conflict) as exc:
        days.do_record_day_result(_bizdev(a), a.tenant_id, d.id, s1.membership_id, outcome="interview")
    assert exc.value.code == "day_closed"


def test_a_day_is_closed_only_once_held(world_a):
    a = world_a
    _, _, d = _scheduled(a)
    with pytest.raises(Conflict) as exc:
        days.do_close_day(_bizdev(a), a.tenant_id, d.id)
    assert exc.value.code == "day_not_held"
    with pytest.raises(Conflict) as exc:
        days.do_mark_day_held(_bizdev(a), a.tenant_id, d.id)
    assert exc.value.code == "day_not_started"


def test_another_centres_day_is_not_found(worlds):
    a, b = worlds
    _, _, d = _day(a)
    for call in (lambda: days.get_day(b.manager.actor, b.tenant_id, d.id),
                 lambda: days.do_set_dates(_bizdev(b), b.tenant_id, d.id, side="host", dates=[_d(9)]),
                 lambda: days.do_schedule_day(_bizdev(b), b.tenant_id, d.id,
                                              {"date": _d(9), "start": "09:00", "end": "12:00"}),
                 lambda: days.do_invite_prioritised(_bizdev(b), b.tenant_id, d.id),
                 lambda: days.do_close_day(_bizdev(b), b.tenant_id, d.id)):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(Forbidden):  # acting in a centre one is not a member of
        days.get_day(b.manager.actor, a.tenant_id, d.id)
    assert days.get_day(a.manager.actor, a.tenant_id, d.id).host_dates == []
    assert [x.id for x in days.list_days(a.counselor.actor, a.tenant_id)] == [d.id]
    assert days.list_days(b.counselor.actor, b.tenant_id) == []


def test_a_walk_in_of_an_open_door_day_is_added_to_the_shortlist_with_the_result(world_a):
    a = world_a
    _, nid, d = _scheduled(a, mode="open_door")
    days.do_publish_day(a.manager.actor, a.tenant_id, d.id)
    r = reg.do_register(a.student.actor, a.tenant_id, d.event_id)
    _start_now(d.event_id)
    reg.do_check_in(a.counselor.actor, a.tenant_id, r.id)
    days.do_mark_day_held(_bizdev(a), a.tenant_id, d.id)
    row = days.do_record_day_result(_bizdev(a), a.tenant_id, d.id, a.student.membership_id, outcome="interview")
    assert (row.shortlisted, row.outcome) == (True, "interview")
    with tenant_session(a.tenant_id) as s:
        entry = s.exec(select(ShortlistEntry)).scalars().one()
    assert (entry.need_id, entry.origin, entry.outcome) == (nid, "staff", "interview")
    assert [p.outcome for p in days.day_participants(a.manager.actor, a.tenant_id, d.id)] == ["interview"]


def test_the_needs_waiting_for_a_day_are_those_of_ten_positions_or_more_without_one(world_a):
    a = world_a
    cid = make_company(a, "Acme")
    small = make_need(a, cid, positions=9, title="Petit besoin")
    big = make_need(a, cid, positions=10, title="Grand besoin")
    make_need(a, cid, positions=30, title="Besoin clos", status="closed")
    taken = make_need(a, cid, positions=14, title="Déjà une journée")
    days.do_propose_day(_bizdev(a), a.tenant_id, taken, mode="open_door")
    assert [(c.need_id, c.company_name) for c in days.needs_awaiting_day(a.manager.actor, a.tenant_id)] == [
        (big, "Acme")]
    assert small not in [c.need_id for c in days.needs_awaiting_day(a.manager.actor, a.tenant_id)]


def test_the_mode_changes_until_the_day_is_scheduled_and_a_day_can_be_cancelled(world_a):
    a = world_a
    _, _, d = _day(a)
    assert days.do_set_mode(_bizdev(a), a.tenant_id, d.id, mode="open_door").mode == "open_door"
    with pytest.raises(Invalid) as exc:
        days.do_cancel_day(_bizdev(a), a.tenant_id, d.id, reason="")
    assert exc.value.code == "reason_required"
    _, _, s = _scheduled(a, company="Beta SA")
    with pytest.raises(Conflict) as exc:
        days.do_set_mode(_bizdev(a), a.tenant_id, s.id, mode="open_door")
    assert exc.value.code == "day_not_proposed"
    v = days.do_cancel_day(a.manager.actor, a.tenant_id, s.id, reason="L'entreprise a gelé ses recrutements")
    assert (v.status, v.event_status) == ("cancelled", "cancelled")
    with pytest.raises(Conflict) as exc:
        days.do_cancel_day(a.manager.actor, a.tenant_id, s.id, reason="encore")
    assert exc.value.code == "day_not_cancellable"
