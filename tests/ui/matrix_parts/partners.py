"""Isolation matrix of the partner pages (BD01): the companies, a company's record, the
contacts, the CSV import, company portal access, and the public access request page."""

from __future__ import annotations

from sqlmodel import func, select

from integrations.db import system_session
from tenants.sourcing.needs.models import CompanyAccessRequest
from tenants.sourcing.partners import access as acc
from tenants.sourcing.partners import services as svc
from tenants.sourcing.partners.models import Company, Interaction, Person
from tests.ui.matrix_cases import Probe, Public, View

COMPANIES = "/staff/partners"
CONTACTS = "/staff/partners/contacts"
IMPORT = "/staff/partners/import"
ACCESS = "/staff/partners/access"


def _record(a: dict) -> str:
    return f"/staff/partners/{a['partner_company_id']}"


def setup(a, ids: dict, secrets: list) -> None:
    """A's company with a contact, a history and a duplicate, and a pending access request."""
    bd = a.people["business_developer"].actor
    c = svc.do_create_company(bd, a.tenant_id, {"name": "Alpha Secret Company", "city": "Alphaville",
                                                "notes": "Alpha secret notes"})
    dup = svc.do_create_company(bd, a.tenant_id, {"name": "Alpha Secret Duplicate"})
    p = svc.do_create_person(bd, a.tenant_id, {"full_name": "Alpha Secret Contact", "email": "secret-contact@alpha.test",
                                               "company_id": c.id})
    svc.do_add_interaction(bd, a.tenant_id, c.id, {"kind": "call", "summary": "Alpha secret talk"})
    r = acc.do_request_access(a.slug, {"company_name": "Alpha Secret Requester Co", "full_name": "Alpha Secret Requester",
                                       "email": "secret-requester@alpha.test"})
    ids.update(partner_company_id=c.id, partner_dup_id=dup.id, partner_person_id=p.id, access_request_id=r.id)
    secrets += ["Alpha Secret Company", "Alpha Secret Duplicate", "Alpha secret notes", "Alpha Secret Contact",
                "secret-contact@alpha.test", "Alpha secret talk", "Alpha Secret Requester",
                "secret-requester@alpha.test"]


def _company(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        out = []
        for key in ("partner_company_id", "partner_dup_id"):
            c = s.get(Company, a[key])
            out.append((c.name, c.city, c.notes, c.merged_into_id))
        return tuple(out)


def _history(a: dict) -> int:
    with system_session("matrix snapshot") as s:
        return s.exec(select(func.count()).select_from(Interaction)
                      .where(Interaction.company_id == a["partner_company_id"])).one()


def _person(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        p = s.get(Person, a["partner_person_id"])
        return p.full_name, p.email, p.job_title, p.company_id, p.membership_id


def _people_of_a(a: dict) -> int:
    with system_session("matrix snapshot") as s:
        return s.exec(select(func.count()).select_from(Person).where(Person.tenant_id == a["tenant_id"])).one()


def _request(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        r = s.get(CompanyAccessRequest, a["access_request_id"])
        return r.status, r.company_id, r.rejection_reason


ENTRIES: dict[str, Probe | View | Public] = {
    "CompaniesState.on_load": View(COMPANIES),
    "CompaniesState.apply_filters": View(COMPANIES, lambda a: ({"query": "secret", "city": "Alphaville",
                                                                "relationship": "prospect", "key_only": "on"},)),
    "CompaniesState.clear_filters": View(COMPANIES),
    "CompaniesState.next_page": View(COMPANIES),
    "CompaniesState.prev_page": View(COMPANIES),
    "CompaniesState.toggle_create": Public("opens a dialog"),
    # creating writes in the caller's own centre
    "CompaniesState.create": View(COMPANIES, lambda a: ({"name": "Company of B"},)),
    "CompaniesState.create_anyway": View(COMPANIES),
    # the company of the address, looked up in the caller's centre: A's id reads "not found"
    "CompanyState.on_load": View(_record),
    "CompanyState.toggle_edit": Public("opens a dialog"),
    "CompanyState.save": Probe(_record, lambda a: ({"name": "Stolen name", "city": "Stolen city",
                                                    "notes": "Stolen"},), _company),
    "CompanyState.add_interaction": Probe(_record, lambda a: ({"kind": "call", "summary": "Stolen talk"},), _history),
    "CompanyState.next_history": View(_record),
    "CompanyState.prev_history": View(_record),
    "CompanyState.find_duplicates": View(_record, lambda a: ({"merge_query": "Alpha"},)),
    "CompanyState.merge": Probe(_record, lambda a: (a["partner_dup_id"],), _company),
    "CompanyState.give_access": Probe(_record, lambda a: (a["partner_person_id"],), _person),
    "ContactsState.on_load": View(CONTACTS),
    "ContactsState.apply_filters": View(CONTACTS, lambda a: ({"query": "secret", "kind": "hr",
                                                              "company": str(a["partner_company_id"])},)),
    "ContactsState.clear_filters": View(CONTACTS),
    "ContactsState.next_page": View(CONTACTS),
    "ContactsState.prev_page": View(CONTACTS),
    "ContactsState.toggle_create": Public("opens a dialog"),
    "ContactsState.create": Probe(CONTACTS, lambda a: ({"full_name": "Stolen Contact", "kind": "hr",
                                                        "company": str(a["partner_company_id"])},), _people_of_a),
    "ContactsState.start_edit": Probe(CONTACTS, lambda a: (a["partner_person_id"],), _person, expect="nothing"),
    "ContactsState.stop_edit": Public("closes a dialog"),
    # a duplicate among the rows on screen, merged into the contact whose dialog is open: as B,
    # neither A's ids nor anything of A is ever on screen
    "ContactsState.choose_merge": View(CONTACTS, lambda a: (str(a["partner_person_id"]),)),
    "ContactsState.merge_duplicate": View(CONTACTS),
    "ContactsState.save": Probe(CONTACTS, lambda a: ({"person_id": str(a["partner_person_id"]),
                                                      "full_name": "Stolen Name", "kind": "hr",
                                                      "job_title": "Stolen"},), _person),
    "ImportState.on_load": View(IMPORT),
    "ImportState.check_file": View(IMPORT, lambda a: ([],)),
    "ImportState.confirm_import": View(IMPORT),
    "ImportState.start_over": Public("clears the page"),
    "AccessState.on_load": View(ACCESS),
    "AccessState.start_approve": Probe(ACCESS, lambda a: (a["access_request_id"],), _request, expect="nothing"),
    "AccessState.start_reject": Probe(ACCESS, lambda a: (a["access_request_id"],), _request, expect="nothing"),
    "AccessState.stop_dialog": Public("closes a dialog"),
    "AccessState.approve": Probe(ACCESS, lambda a: ({"request_id": str(a["access_request_id"]),
                                                     "company": str(a["partner_company_id"])},), _request),
    "AccessState.reject": Probe(ACCESS, lambda a: ({"request_id": str(a["access_request_id"]),
                                                    "reason": "Stolen decision"},), _request),
    "AccessState.invite": Probe(ACCESS, lambda a: ({"full_name": "Stolen Invitee", "email": "stolen@example.org",
                                                    "company": str(a["partner_company_id"])},), _people_of_a),
    "RequestAccessState.on_load": Public("public page: shows the name of the centre of the address"),
    "RequestAccessState.send": Public("a public form: files a request in the centre of the address, rate-limited"),
}
