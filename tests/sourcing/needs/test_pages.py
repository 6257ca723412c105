"""The need pages, run in-process: the company's home, its need form and one need (timeline,
sendings, cancel), the staff's entry of a need received by e-mail, the host's job sheets."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import func, select

from integrations.db import system_session, tenant_session, utcnow
from tenants.portal.profiles.models import StudyField
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.pipeline.models import ProfileShare
from tests.sourcing.util import link_company_contact, make_company, make_need
from tests.ui.test_handler_isolation import call, session_cookie, shown

SOON = (date.today() + timedelta(days=20)).isoformat()


def _cookie(person) -> str:
    return session_cookie(person.account_id, person.tenant_id)


def _needs() -> list[JobNeed]:
    with system_session("test") as s:
        return list(s.exec(select(JobNeed).order_by(JobNeed.id)).all())


def _form(**over) -> dict:
    return {"title": "Stagiaire RH", "kind": "internship", "positions": "3", "place": "Rabat",
            "description": "Accompagner le recrutement.", "skills": "Excel, communication\nexcel",
            "lang_0": "Français", "lang_level_0": "C1", "lang_1": "", "lang_level_1": "B1",
            "level": "bac+3", "deadline": SOON, "start_date": ""} | over


def test_the_company_submits_a_need_from_the_form_and_finds_it_at_home(world_a):
    cid = make_company(world_a, "Acme")
    link_company_contact(world_a, cid)
    with tenant_session(world_a.tenant_id) as s:
        f = StudyField(tenant_id=world_a.tenant_id, name="Gestion RH")
        s.add(f)
        s.commit()
        fid = f.id
    cookie = _cookie(world_a.people["company_contact"])

    state, _ = call("CompanyNeedFormState.on_load", cookie, "/company/needs/new", ())
    assert [o.label for o in state.fields] == ["Gestion RH"]
    state, result = call("CompanyNeedFormState.submit", cookie, "/company/needs/new", (_form(**{f"field_{fid}": "on"}),))
    assert state.error == ""
    (need,) = _needs()
    assert (need.company_id, need.source, need.positions, need.field_ids) == (cid, "portal", 3, [fid])
    assert need.skills == ["Excel", "communication"] and need.languages == [{"language": "Français", "level": "C1"}]
    assert f"/company/needs/{need.id}?sent=1" in str(result)
    state, _ = call("CompanyNeedState.on_load", cookie, f"/company/needs/{need.id}?sent=1", ())
    assert state.found and state.notice == "ui.company_needs.submitted"

    home, _ = call("CompanyHomeState.on_load", cookie, "/company", ())
    assert [(r.title, r.status) for r in home.rows] == [("Stagiaire RH", "received")]


def test_a_bad_form_shows_the_error_and_writes_nothing(world_a):
    link_company_contact(world_a, make_company(world_a))
    cookie = _cookie(world_a.people["company_contact"])
    for over, key in (({"positions": "0"}, "error.positions_min"), ({"positions": "abc"}, "error.invalid_positions"),
                      ({"deadline": "2001-01-01"}, "error.deadline_past")):
        state, _ = call("CompanyNeedFormState.submit", cookie, "/company/needs/new", (_form(**over),))
        assert state.error == key
    assert _needs() == []


def test_the_home_of_a_new_company_shows_the_empty_state(world_a):
    link_company_contact(world_a, make_company(world_a))
    state, _ = call("CompanyHomeState.on_load", _cookie(world_a.people["company_contact"]), "/company", ())
    assert state.rows == [] and state.loaded and state.error == ""


def test_one_need_shows_its_timeline_and_sendings_and_can_be_cancelled(world_a):
    cid = make_company(world_a, "Acme")
    link_company_contact(world_a, cid)
    nid = make_need(world_a, cid, title="Analyste", status="sourcing", sheet="Fiche", sheet_ready_at=utcnow(),
                    sheet_sent_at=utcnow())
    other = make_need(world_a, make_company(world_a, "Rival"), title="Rival secret")
    with tenant_session(world_a.tenant_id) as s:
        s.add(ProfileShare(tenant_id=world_a.tenant_id, need_id=nid, company_id=cid, token_hash="d" * 64,
                           expires_at=utcnow() + timedelta(days=7)))
        s.commit()
    cookie = _cookie(world_a.people["company_contact"])
    path = f"/company/needs/{nid}"

    state, _ = call("CompanyNeedState.on_load", cookie, path, ())
    assert state.found and state.title == "Analyste"
    assert [(st.key, st.done) for st in state.steps][:4] == [("received", True), ("sheet_ready", True),
                                                              ("sheet_sent", True), ("shortlisted", False)]
    assert len(state.shares) == 1 and state.shares[0].open

    state, _ = call("CompanyNeedState.on_load", cookie, f"/company/needs/{other}", ())
    assert not state.found and state.error == "error.not_found" and "Rival secret" not in shown(state)

    state, _ = call("CompanyNeedState.cancel", cookie, path, ({"reason": "Poste pourvu"},))
    assert state.error == "" and state.status == "cancelled" and state.ended
    with system_session("test") as s:
        assert s.get(JobNeed, other).status == "received"


def test_staff_enter_a_need_received_by_email(world_a):
    cid = make_company(world_a, "Banque du Nord", city="Tanger")
    cookie = _cookie(world_a.people["business_developer"])
    state, _ = call("StaffNewNeedState.on_load", cookie, "/staff/needs/new", ())
    assert [(o.value, o.label) for o in state.companies] == [(str(cid), "Banque du Nord (Tanger)")]
    state, result = call("StaffNewNeedState.submit", cookie, "/staff/needs/new",
                         (_form(company_id=str(cid), source="email"),))
    assert state.error == ""
    (need,) = _needs()
    assert (need.company_id, need.source) == (cid, "email")
    assert f"/staff/needs/{need.id}" in str(result)

    state, _ = call("StaffNewNeedState.submit", cookie, "/staff/needs/new", (_form(company_id="", source="email"),))
    assert state.error == "error.invalid"
    state, _ = call("StaffNewNeedState.on_load", _cookie(world_a.counselor), "/staff/needs/new", ())
    assert state.error == "error.forbidden"
    with system_session("test") as s:
        assert s.exec(select(func.count(JobNeed.id))).one() == 1


def test_the_host_reads_only_the_sheets_sent_to_it(world_a):
    cid = make_company(world_a, "Acme")
    sent = make_need(world_a, cid, title="Fiche envoyée", status="sourcing", sheet="Le texte de la fiche",
                     sheet_sent_at=utcnow())
    quiet = make_need(world_a, cid, title="Brouillon interne")
    cookie = _cookie(world_a.people["host_approver"])
    state, _ = call("HostNeedsState.on_load", cookie, "/host/needs", ())
    assert [r.title for r in state.rows] == ["Fiche envoyée"] and "Brouillon interne" not in shown(state)
    state, _ = call("HostNeedState.on_load", cookie, f"/host/needs/{sent}", ())
    assert state.found and state.sheet == "Le texte de la fiche"
    state, _ = call("HostNeedState.on_load", cookie, f"/host/needs/{quiet}", ())
    assert not state.found and state.error == "error.not_found"


def test_the_company_gives_its_dates_for_the_proposed_recruitment_day(world_a):
    from tenants.sourcing.recruitment_days.models import RecruitmentDay

    cid = make_company(world_a, "Acme")
    link_company_contact(world_a, cid)
    need = make_need(world_a, cid, positions=12, title="Conseillers clientèle")
    with tenant_session(world_a.tenant_id) as s:
        s.add(RecruitmentDay(tenant_id=world_a.tenant_id, need_id=need, mode="closed_door",
                             host_dates=[(date.today() + timedelta(days=30)).isoformat()]))
        s.commit()
    cookie = _cookie(world_a.people["company_contact"])
    path = f"/company/needs/{need}"
    state, _ = call("CompanyNeedState.on_load", cookie, path, ())
    assert state.has_day and state.day_status == "proposed" and state.common_dates == []
    d1, d2 = (date.today() + timedelta(days=30)).isoformat(), (date.today() + timedelta(days=31)).isoformat()
    state, _ = call("CompanyNeedState.give_dates", cookie, path, ({"dates": f"{d1}\n{d2}"},))
    assert state.error == "" and state.notice == "ui.company_needs.dates_saved"
    assert state.common_dates == [d1]
    # a date in the past: a clear error, nothing changed
    state, _ = call("CompanyNeedState.give_dates", cookie, path, ({"dates": "2001-01-01"},))
    assert state.error != ""
    with system_session("test") as s:
        assert s.exec(select(RecruitmentDay)).one().company_dates == [d1, d2]


def test_the_host_institution_gives_its_dates_for_a_sent_need(world_a):
    from tenants.sourcing.recruitment_days.models import RecruitmentDay

    cid = make_company(world_a, "Acme")
    need = make_need(world_a, cid, positions=12, title="Conseillers clientèle", status="sourcing",
                     sheet="Fiche", sheet_sent_at=utcnow())
    with tenant_session(world_a.tenant_id) as s:
        s.add(RecruitmentDay(tenant_id=world_a.tenant_id, need_id=need, mode="open_door"))
        s.commit()
    cookie = _cookie(world_a.people["host_approver"])
    d1 = (date.today() + timedelta(days=30)).isoformat()
    state, _ = call("HostNeedState.give_dates", cookie, f"/host/needs/{need}", ({"dates": d1},))
    assert state.error == "" and state.has_day and state.my_dates == d1
    with system_session("test") as s:
        assert s.exec(select(RecruitmentDay)).one().host_dates == [d1]
