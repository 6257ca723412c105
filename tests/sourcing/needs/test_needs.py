"""Job needs (P22.1-5): a company submits a need, staff enter one received by e-mail, the
business developer takes it, writes the job sheet, sends it to the host institution and the
counselors and asks for its publication; a company sees only its own needs."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import func, select

from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.outbox import OutboxMessage
from tenants.core.models import AuditEvent, Membership
from tenants.portal.profiles.models import StudyField
from tenants.sourcing.needs import services as needs
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.partners.models import Interaction
from tenants.sourcing.pipeline.models import ProfileShare
from tests.conftest import create_person
from tests.sourcing.util import link_company_contact, make_company, make_need

SOON = date.today() + timedelta(days=30)


def local_today() -> date:
    """Today in the centre's time zone (the fixtures' default): what a deadline is compared to."""
    return datetime.now(ZoneInfo("Africa/Casablanca")).date()


def need_data(**over) -> dict:
    base = {"title": "Stagiaire analyste de données", "description": "Six mois au siège.", "kind": "internship",
            "place": "Casablanca", "positions": 3, "skills": ["Python", "SQL", "python"],
            "languages": [{"language": "Français", "level": "C1"}], "deadline": SOON.isoformat()}
    return base | over


def field(w, name: str = "Informatique", active: bool = True) -> int:
    with tenant_session(w.tenant_id) as s:
        f = StudyField(tenant_id=w.tenant_id, name=name, active=active)
        s.add(f)
        s.commit()
        return f.id


def mails_to(email: str) -> list[dict]:
    with system_session("test") as s:
        rows = s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [m.payload for m in rows if m.payload.get("to") == email]


def counts() -> tuple[int, int, int]:
    with system_session("test") as s:
        return (s.exec(select(func.count(JobNeed.id))).one(), s.exec(select(func.count(Interaction.id))).one(),
                s.exec(select(func.count(OutboxMessage.id))).one())


@pytest.fixture
def hook_calls():
    calls: list[int] = []

    def hook(session, need) -> None:
        assert session.in_transaction()
        calls.append(need.id)

    needs.NEED_SUBMITTED_HOOKS.append(hook)
    yield calls
    needs.NEED_SUBMITTED_HOOKS.remove(hook)


@pytest.fixture
def acme(world_a) -> int:
    cid = make_company(world_a, "Acme Maroc")
    link_company_contact(world_a, cid)
    return cid


def contact(w):
    return w.people["company_contact"].actor


def bizdev(w):
    return w.people["business_developer"].actor


# ---------------------------------------------------------------- submitting

def test_a_company_contact_submits_a_need_for_their_company(world_a, acme, hook_calls):
    fid = field(world_a)
    v = needs.do_submit_need(contact(world_a), world_a.tenant_id, need_data(field_ids=[fid], level="bac+5"))

    assert (v.company_id, v.company_name, v.source, v.status) == (acme, "Acme Maroc", "portal", "received")
    assert v.skills == ("Python", "SQL")  # de-duplicated, first spelling kept
    assert v.languages == ({"language": "Français", "level": "C1"},)
    assert v.field_names == ("Informatique",) and v.level == "bac+5"
    assert hook_calls == [v.id]
    with tenant_session(world_a.tenant_id) as s:
        (entry,) = s.exec(select(Interaction).where(Interaction.company_id == acme)).all()
        assert entry.kind == "job_need" and "Stagiaire analyste" in entry.summary and entry.person_id is not None
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "need.submitted")).first() is not None
    (mail,) = mails_to(world_a.people["business_developer"].email)
    assert "Acme Maroc" in mail["subject"] and "Stagiaire analyste" in mail["text"]
    assert mails_to(world_a.manager.email) == []  # a business developer is there


def test_a_failing_hook_undoes_the_whole_submission(world_a, acme):
    def broken(session, need) -> None:
        raise Conflict("procedure could not start", code="conflict")

    needs.NEED_SUBMITTED_HOOKS.append(broken)
    try:
        with pytest.raises(Conflict):
            needs.do_submit_need(contact(world_a), world_a.tenant_id, need_data())
    finally:
        needs.NEED_SUBMITTED_HOOKS.remove(broken)
    assert counts() == (0, 0, 0)


def test_each_submitted_need_calls_the_hooks_once(world_a, acme, hook_calls):
    first = needs.do_submit_need(contact(world_a), world_a.tenant_id, need_data())
    second = needs.do_enter_need(bizdev(world_a), world_a.tenant_id, acme, need_data(), source="staff")
    assert hook_calls == [first.id, second.id]


def test_without_a_business_developer_the_managers_are_told(world_a, acme):
    with system_session("test") as s:
        s.execute(update(Membership).where(Membership.id == world_a.people["business_developer"].membership_id)
                  .values(active=False))
        s.commit()
    needs.do_submit_need(contact(world_a), world_a.tenant_id, need_data())
    assert len(mails_to(world_a.manager.email)) == 1
    assert mails_to(world_a.people["business_developer"].email) == []


@pytest.mark.parametrize("over, code", [
    ({"positions": 0}, "positions_min"),
    ({"positions": -2}, "positions_min"),
    ({"positions": "abc"}, "invalid_positions"),
    ({"positions": 1.5}, "invalid_positions"),
    ({"positions": True}, "invalid_positions"),
    ({"positions": 1001}, "positions_max"),
    ({"deadline": (date.today() - timedelta(days=1)).isoformat()}, "deadline_past"),
    ({"deadline": "demain"}, "invalid"),
    ({"title": "   "}, "title_required"),
    ({"title": "x" * 201}, "too_long"),
    ({"kind": "cdi"}, "invalid_kind"),
    ({"level": "bac+9"}, "invalid"),
    ({"skills": [f"skill {i}" for i in range(31)]}, "too_many_skills"),
    ({"start_date": (SOON - timedelta(days=1)).isoformat()}, "deadline_after_start"),
    ({"salary": 10}, "invalid"),
])
def test_bad_input_is_refused_and_nothing_is_written(world_a, acme, hook_calls, over, code):
    before = counts()
    with pytest.raises(Invalid) as exc:
        needs.do_submit_need(contact(world_a), world_a.tenant_id, need_data(**over))
    assert exc.value.code == code
    assert counts() == before and hook_calls == []


def test_unknown_inactive_or_other_centre_fields_are_refused(world_a, world_b, acme, hook_calls):
    before = counts()
    for fid in (field(world_b, "Beta field"), field(world_a, "Ancienne filière", active=False), 2**31 - 2):
        with pytest.raises(NotFound) as exc:
            needs.do_submit_need(contact(world_a), world_a.tenant_id, need_data(field_ids=[fid]))
        assert exc.value.code == "unknown_field"
    assert counts() == before and hook_calls == []


def test_a_deadline_before_the_start_date_and_a_count_as_text_are_fine(world_a, acme):
    v = needs.do_submit_need(contact(world_a), world_a.tenant_id,
                             need_data(positions="12", start_date=(SOON + timedelta(days=10)).isoformat(),
                                       deadline=local_today().isoformat()))
    assert v.positions == 12 and v.recruitment_day
    assert v.deadline == local_today() and v.start_date == SOON + timedelta(days=10)


def test_a_contact_linked_to_no_company_cannot_submit(world_a):
    with pytest.raises(Forbidden) as exc:
        needs.do_submit_need(contact(world_a), world_a.tenant_id, need_data())
    assert exc.value.code == "no_company"
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("role", ["student", "manager", "business_developer", "host_approver"])
def test_only_company_contacts_submit_from_the_portal(world_a, acme, role):
    with pytest.raises(Forbidden):
        needs.do_submit_need(world_a.people[role].actor, world_a.tenant_id, need_data())


# ---------------------------------------------------------------- what a company sees

def test_a_company_contact_never_sees_another_companys_need(world_a, acme):
    other = make_company(world_a, "Concurrent SA")
    theirs = make_need(world_a, other, title="Poste confidentiel")
    mine = needs.do_submit_need(contact(world_a), world_a.tenant_id, need_data())

    assert [v.id for v in needs.list_my_needs(contact(world_a), world_a.tenant_id)] == [mine.id]
    assert needs.get_my_need(contact(world_a), world_a.tenant_id, mine.id).title == mine.title
    for fn in (needs.get_my_need, needs.do_cancel_my_need, needs.list_need_shares_for_company):
        with pytest.raises(NotFound) as exc:
            fn(contact(world_a), world_a.tenant_id, theirs)
        assert exc.value.code == "not_found"
    with tenant_session(world_a.tenant_id) as s:
        assert s.get(JobNeed, theirs).status == "received"


def test_a_company_contact_never_sees_another_centres_need(worlds):
    a, b = worlds
    link_company_contact(a, make_company(a, "Acme"))
    b_need = make_need(b, make_company(b, "Beta Corp"))
    with pytest.raises(NotFound):
        needs.get_my_need(contact(a), a.tenant_id, b_need)
    with pytest.raises(Forbidden):  # acting in a centre one is not a member of
        needs.list_my_needs(contact(a), b.tenant_id)


def test_a_company_cancels_its_need_once(world_a, acme):
    v = needs.do_submit_need(contact(world_a), world_a.tenant_id, need_data())
    done = needs.do_cancel_my_need(contact(world_a), world_a.tenant_id, v.id, reason="Poste pourvu en interne")
    assert done.status == "cancelled" and done.cancel_reason == "Poste pourvu en interne" and done.closed_at
    assert [m.key for m in needs.timeline(done)][-1] == "cancelled"
    with pytest.raises(Conflict) as exc:
        needs.do_cancel_my_need(contact(world_a), world_a.tenant_id, v.id)
    assert exc.value.code == "need_ended"


def test_the_company_lists_the_sendings_of_its_need(world_a, acme):
    mine = make_need(world_a, acme)
    other_need = make_need(world_a, acme, title="Autre besoin")
    now = utcnow()
    with tenant_session(world_a.tenant_id) as s:
        for need_id, h in ((mine, "a" * 64), (mine, "b" * 64), (other_need, "c" * 64)):
            s.add(ProfileShare(tenant_id=world_a.tenant_id, need_id=need_id, company_id=acme, token_hash=h,
                               expires_at=now + timedelta(days=7), sent_at=now))
        s.commit()
    shares = needs.list_need_shares_for_company(contact(world_a), world_a.tenant_id, mine)
    assert len(shares) == 2 and {x.need_id for x in shares} == {mine} and all(x.profiles == 0 for x in shares)


# ---------------------------------------------------------------- staff enter a need

def test_staff_enter_a_need_received_by_email(world_a, hook_calls):
    cid = make_company(world_a, "Banque du Nord")
    v = needs.do_enter_need(bizdev(world_a), world_a.tenant_id, cid, need_data(), source="email")
    assert (v.company_name, v.source, v.status) == ("Banque du Nord", "email", "received")
    assert hook_calls == [v.id]
    assert mails_to(world_a.people["business_developer"].email) == []  # entered it themselves
    choices = needs.list_company_choices(bizdev(world_a), world_a.tenant_id)
    assert [c.name for c in choices] == ["Banque du Nord"]


def test_staff_entry_refuses_another_centres_company_and_a_bad_source(worlds, hook_calls):
    a, b = worlds
    b_company = make_company(b, "Beta Corp")
    with pytest.raises(NotFound):
        needs.do_enter_need(bizdev(a), a.tenant_id, b_company, need_data())
    with pytest.raises(Invalid) as exc:
        needs.do_enter_need(bizdev(a), a.tenant_id, make_company(a), need_data(), source="portal")
    assert exc.value.code == "invalid_source"
    with pytest.raises(Invalid) as exc:
        needs.do_enter_need(bizdev(a), a.tenant_id, make_company(a, "Zeta"), need_data(positions=0))
    assert exc.value.code == "positions_min"
    assert counts() == (0, 0, 0) and hook_calls == []


@pytest.mark.parametrize("role", ["counselor", "ambassador", "host_approver", "company_contact"])
def test_only_need_managers_enter_needs(world_a, role):
    cid = make_company(world_a)
    with pytest.raises(Forbidden):
        needs.do_enter_need(world_a.people[role].actor, world_a.tenant_id, cid, need_data())
    with pytest.raises(Forbidden):
        needs.list_company_choices(world_a.people[role].actor, world_a.tenant_id)


# ---------------------------------------------------------------- staff: reading

def test_staff_list_needs_by_status_and_company_page_by_page(world_a):
    acme, other = make_company(world_a, "Acme"), make_company(world_a, "Other")
    ids = [make_need(world_a, acme, title=f"Besoin {i}") for i in range(5)]
    make_need(world_a, other, status="sourcing")
    mgr = world_a.manager.actor
    assert needs.list_needs(mgr, world_a.tenant_id).total == 6
    assert needs.list_needs(world_a.counselor.actor, world_a.tenant_id, status="sourcing").total == 1
    first = needs.list_needs(mgr, world_a.tenant_id, company_id=acme, page=1, per_page=2)
    last = needs.list_needs(mgr, world_a.tenant_id, company_id=acme, page=3, per_page=2)
    assert (first.total, first.pages, len(first.items), len(last.items)) == (5, 3, 2, 1)
    assert {v.id for v in first.items} | {v.id for v in last.items} < set(ids)
    with pytest.raises(Invalid):
        needs.list_needs(mgr, world_a.tenant_id, status="nonsense")
    with pytest.raises(Forbidden):
        needs.list_needs(world_a.student.actor, world_a.tenant_id)


@pytest.mark.parametrize("role", ["host_approver", "host_focal_point"])
def test_host_roles_see_only_needs_whose_sheet_was_sent(world_a, role):
    cid = make_company(world_a)
    quiet = make_need(world_a, cid, title="Pas encore envoyé")
    sent = make_need(world_a, cid, title="Fiche envoyée")
    needs.do_write_sheet(bizdev(world_a), world_a.tenant_id, sent, sheet="Fiche de poste")
    needs.do_send_sheet(bizdev(world_a), world_a.tenant_id, sent)
    host = world_a.people[role].actor

    assert [v.id for v in needs.list_needs(host, world_a.tenant_id).items] == [sent]
    assert needs.get_need(host, world_a.tenant_id, sent).sheet == "Fiche de poste"
    with pytest.raises(NotFound):
        needs.get_need(host, world_a.tenant_id, quiet)
    # staff see both
    assert needs.list_needs(world_a.counselor.actor, world_a.tenant_id).total == 2


def test_another_centres_need_is_not_found_for_staff(worlds):
    a, b = worlds
    b_need = make_need(b, make_company(b, "Beta Corp"))
    for fn, kw in ((needs.get_need, {}), (needs.do_take_need, {}), (needs.do_write_sheet, {"sheet": "x"}),
                   (needs.do_send_sheet, {}), (needs.do_request_publication, {}), (needs.do_close_need, {}),
                   (needs.do_cancel_need, {"reason": "x"})):
        with pytest.raises(NotFound):
            fn(a.manager.actor, a.tenant_id, b_need, **kw)
    with tenant_session(b.tenant_id) as s:
        n = s.get(JobNeed, b_need)
        assert (n.status, n.owner_membership_id, n.sheet) == ("received", None, "")


# ---------------------------------------------------------------- the P22 steps

def test_the_business_developer_takes_writes_sends_and_asks_for_publication(world_a):
    publisher = create_person("comm@alpha.test", tenant_id=world_a.tenant_id, roles=["career_counselor"],
                              responsibilities=["communication"])
    cid = make_company(world_a, "Acme")
    nid = make_need(world_a, cid, title="Développeur web")
    bd = bizdev(world_a)

    taken = needs.do_take_need(bd, world_a.tenant_id, nid)
    assert taken.owner_membership_id == world_a.people["business_developer"].membership_id
    assert taken.owner_name

    draft = needs.prefilled_sheet(taken)
    assert "Développeur web" in draft and "Acme" in draft
    with pytest.raises(Invalid) as exc:
        needs.do_write_sheet(bd, world_a.tenant_id, nid, sheet="  ")
    assert exc.value.code == "sheet_required"
    with pytest.raises(Conflict) as exc:
        needs.do_send_sheet(bd, world_a.tenant_id, nid)
    assert exc.value.code == "sheet_required"

    ready = needs.do_write_sheet(bd, world_a.tenant_id, nid, sheet=draft)
    assert ready.status == "sheet_ready" and ready.sheet_ready_at is not None

    sent = needs.do_send_sheet(bd, world_a.tenant_id, nid)
    assert sent.status == "sourcing" and sent.sheet_sent_at is not None
    for key in ("host_approver", "host_focal_point", "counselor"):
        (mail,) = mails_to(world_a.people[key].email)
        assert "Développeur web" in mail["text"]
    assert len(mails_to(publisher.email)) == 1  # a counselor too
    assert mails_to(world_a.student.email) == [] and mails_to(world_a.people["company_contact"].email) == []

    asked = needs.do_request_publication(bd, world_a.tenant_id, nid)
    assert asked.publication_requested_at is not None
    assert len(mails_to(publisher.email)) == 2
    assert len(mails_to(world_a.counselor.email)) == 1  # coordination, not communication
    assert [m.key for m in needs.timeline(asked)][:3] == ["received", "sheet_ready", "sheet_sent"]


def test_without_a_communication_counselor_the_managers_publish(world_a):
    nid = make_need(world_a, make_company(world_a))
    needs.do_write_sheet(bizdev(world_a), world_a.tenant_id, nid, sheet="Fiche")
    needs.do_request_publication(bizdev(world_a), world_a.tenant_id, nid)
    assert len(mails_to(world_a.manager.email)) == 1


@pytest.mark.parametrize("role", ["counselor", "host_approver", "company_contact", "student"])
def test_only_need_managers_move_a_need(world_a, role):
    nid = make_need(world_a, make_company(world_a))
    actor = world_a.people[role].actor
    for fn, kw in ((needs.do_take_need, {}), (needs.do_write_sheet, {"sheet": "x"}), (needs.do_send_sheet, {}),
                   (needs.do_request_publication, {}), (needs.do_close_need, {}),
                   (needs.do_cancel_need, {"reason": "x"})):
        with pytest.raises(Forbidden):
            fn(actor, world_a.tenant_id, nid, **kw)


def test_a_cancelled_or_closed_need_refuses_changes(world_a):
    cid = make_company(world_a)
    cancelled, closed = make_need(world_a, cid), make_need(world_a, cid)
    bd = bizdev(world_a)
    with pytest.raises(Invalid) as exc:
        needs.do_cancel_need(bd, world_a.tenant_id, cancelled, reason=" ")
    assert exc.value.code == "reason_required"
    v = needs.do_cancel_need(bd, world_a.tenant_id, cancelled, reason="Doublon")
    assert v.status == "cancelled" and v.cancel_reason == "Doublon"
    assert needs.do_close_need(bd, world_a.tenant_id, closed).status == "closed"
    for nid in (cancelled, closed):
        for fn, kw in ((needs.do_take_need, {}), (needs.do_write_sheet, {"sheet": "x"}), (needs.do_send_sheet, {}),
                       (needs.do_request_publication, {}), (needs.do_close_need, {}),
                       (needs.do_cancel_need, {"reason": "x"})):
            with pytest.raises(Conflict) as exc:
                fn(bd, world_a.tenant_id, nid, **kw)
            assert exc.value.code == "need_ended"
    with tenant_session(world_a.tenant_id) as s:
        assert (s.get(JobNeed, cancelled).sheet, s.get(JobNeed, closed).owner_membership_id) == ("", None)
