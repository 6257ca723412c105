"""The partner pages run in-process: the companies list (filters, empty state, creating with
the duplicate check), a company's record (history, merge), the CSV import (preview then
confirm), access requests (public request, approval) and the contacts' edit dialog."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from integrations.db import tenant_session
from tenants.sourcing.needs.models import CompanyAccessRequest
from tenants.sourcing.partners import services as svc
from tenants.sourcing.partners.models import Company
from tests.ui.test_handler_isolation import app_handlers, call, session_cookie


def _cookie(person) -> str:
    return session_cookie(person.account_id, person.tenant_id)


def _run(state, key: str, *args):
    result = app_handlers()[key][1].fn(state, *args)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


class _Upload:
    def __init__(self, name: str, data: bytes):
        self.filename, self._data = name, data

    async def read(self, size: int = -1) -> bytes:
        return self._data if size < 0 else self._data[:size]


def test_companies_list_filters_and_duplicate_check(world_a):
    bd = world_a.people["business_developer"]
    cookie = _cookie(bd)
    state, _ = call("CompaniesState.on_load", cookie, "/staff/partners", ())
    assert state.rows == [] and state.can_manage and state.error == ""
    svc.do_create_company(bd.actor, world_a.tenant_id, {"name": "Acme SARL", "city": "Rabat", "key_partner": True})
    svc.do_create_company(bd.actor, world_a.tenant_id, {"name": "Beta", "city": "Fès"})
    _run(state, "CompaniesState.apply_filters", {"query": "", "city": "rabat", "sector": "", "relationship": ""})
    assert [r.name for r in state.rows] == ["Acme SARL"]
    _run(state, "CompaniesState.apply_filters", {"query": "zzz", "city": "", "sector": "", "relationship": ""})
    assert state.rows == [] and state.total == 0  # the empty state shows

    # creating "ACME" finds Acme SARL: open it, or create anyway
    _run(state, "CompaniesState.create", {"name": "ACME", "relationship": "prospect"})
    assert state.error == "error.duplicate_company" and state.dup_name == "Acme SARL"
    result = _run(state, "CompaniesState.create_anyway")
    assert result is not None and state.dup_id == 0
    with tenant_session(world_a.tenant_id) as s:
        assert sorted(c.name for c in s.exec(select(Company)).all()) == ["ACME", "Acme SARL", "Beta"]


def test_an_ambassador_sees_no_map(world_a):
    state, _ = call("CompaniesState.on_load", _cookie(world_a.people["ambassador"]), "/staff/partners", ())
    assert state.error == "error.forbidden" and state.rows == [] and not state.can_manage


def test_company_record_history_and_merge(world_a):
    bd = world_a.people["business_developer"]
    keep = svc.do_create_company(bd.actor, world_a.tenant_id, {"name": "Acme"})
    dup = svc.do_create_company(bd.actor, world_a.tenant_id, {"name": "Acme Maroc", "city": "Tanger"})
    svc.do_create_person(bd.actor, world_a.tenant_id, {"full_name": "Sara", "company_id": dup.id})
    path = f"/staff/partners/{keep.id}"
    state, _ = call("CompanyState.on_load", _cookie(bd), path, ())
    assert state.found and state.name == "Acme" and state.people == []
    _run(state, "CompanyState.add_interaction", {"kind": "meeting", "summary": "Premier rendez-vous", "at": ""})
    assert state.error == "" and [h.summary for h in state.history] == ["Premier rendez-vous"]
    _run(state, "CompanyState.add_interaction", {"kind": "meeting", "summary": " ", "at": ""})
    assert state.error == "error.summary_required" and len(state.history) == 1
    _run(state, "CompanyState.find_duplicates", {"merge_query": "acme"})
    assert [c.name for c in state.candidates] == ["Acme Maroc"]
    _run(state, "CompanyState.merge", dup.id)
    assert state.notice == "ui.partners.merged" and state.city == "Tanger" and [p.name for p in state.people] == ["Sara"]
    # the merged company's old address opens the kept one
    old, _ = call("CompanyState.on_load", _cookie(bd), f"/staff/partners/{dup.id}", ())
    assert old.found and old.company_id == keep.id


def test_import_preview_then_confirm(world_a):
    bd = world_a.people["business_developer"]
    state, _ = call("ImportState.on_load", _cookie(bd), "/staff/partners/import", ())
    bad = b"entreprise;site\nAcme;pas un site\n"
    _run(state, "ImportState.check_file", [_Upload("bd01.csv", bad)])
    assert state.error == "error.import_has_errors" and not state.ready
    assert state.rows[0].errors == ["error.invalid_website"] and state.rows[0].error_columns == ["website"]
    _run(state, "ImportState.confirm_import")
    assert svc.list_companies(bd.actor, world_a.tenant_id).total == 0  # nothing imported
    good = "entreprise;ville;contact_nom;contact_email\nAcme;Fès;Sara;sara@acme.ma\n".encode("cp1252")
    _run(state, "ImportState.check_file", [_Upload("bd01.csv", good)])
    assert state.ready and state.new_companies == 1 and state.rows[0].company_action == "ui.partners.import_company.new"
    _run(state, "ImportState.confirm_import")
    assert state.done and state.created_companies == 1 and state.created_people == 1
    assert svc.list_companies(bd.actor, world_a.tenant_id).items[0].city == "Fès"


def test_public_request_then_approval(world_a):
    page, _ = call("RequestAccessState.on_load", "", "/company/request-access?c=alpha", ())
    assert page.centre == "Centre ALPHA" and page.error == ""
    _run(page, "RequestAccessState.send", {"company_name": "Atlas", "full_name": "Nadia Tazi",
                                           "email": "nadia@atlas.ma", "message": "Bonjour"})
    assert page.sent and page.notice == "ui.partners.request_sent"
    unknown, _ = call("RequestAccessState.on_load", "", "/company/request-access?c=nowhere", ())
    assert unknown.centre == "" and unknown.error == "error.unknown_tenant"

    bd = world_a.people["business_developer"]
    state, _ = call("AccessState.on_load", _cookie(bd), "/staff/partners/access", ())
    assert [r.full_name for r in state.pending] == ["Nadia Tazi"]
    rid = state.pending[0].id
    _run(state, "AccessState.start_approve", rid)
    assert state.editing_id == rid and state.dialog == "approve"
    _run(state, "AccessState.approve", {"request_id": str(rid), "company": ""})
    assert state.notice == "ui.partners.access_approved" and state.pending == []
    assert [r.status for r in state.handled] == ["approved"]
    with tenant_session(world_a.tenant_id) as s:
        assert s.exec(select(CompanyAccessRequest)).one().company_id is not None


def test_contacts_edit_dialog_only_opens_rows_on_screen(world_a):
    bd = world_a.people["business_developer"]
    p = svc.do_create_person(bd.actor, world_a.tenant_id, {"full_name": "Sara", "email": "sara@acme.ma"})
    state, _ = call("ContactsState.on_load", _cookie(bd), "/staff/partners/contacts", ())
    _run(state, "ContactsState.start_edit", 2**31 - 2)
    assert state.editing_id == 0
    _run(state, "ContactsState.start_edit", p.id)
    assert state.editing_id == p.id and state.editing.email == "sara@acme.ma"
    _run(state, "ContactsState.save", {"person_id": str(p.id), "full_name": "Sara B.", "kind": "manager",
                                       "email": "sara@acme.ma", "company": ""})
    assert state.editing_id == 0 and state.rows[0].name == "Sara B." and state.rows[0].kind == "manager"


def test_a_duplicate_contact_is_merged_from_the_edit_dialog(world_a):
    bd = world_a.people["business_developer"]
    keep = svc.do_create_person(bd.actor, world_a.tenant_id, {"full_name": "Sara Benali", "email": "sara@acme.ma"})
    dup = svc.do_create_person(bd.actor, world_a.tenant_id, {"full_name": "S. Benali", "email": "s.benali@acme.ma"})
    state, _ = call("ContactsState.on_load", _cookie(bd), "/staff/partners/contacts", ())
    _run(state, "ContactsState.start_edit", keep.id)
    _run(state, "ContactsState.choose_merge", str(2**31 - 2))  # not on screen: nothing chosen
    assert state.merge_choice == 0
    _run(state, "ContactsState.choose_merge", str(keep.id))  # itself: refused
    assert state.merge_choice == 0
    _run(state, "ContactsState.choose_merge", str(dup.id))
    _run(state, "ContactsState.merge_duplicate")
    assert state.error == "" and state.notice == "ui.partners.contacts_merged"
    assert [r.name for r in state.rows] == ["Sara Benali"]
    from tenants.sourcing.partners.models import Person

    with tenant_session(world_a.tenant_id) as s:
        assert s.get(Person, dup.id).merged_into_id == keep.id
