"""CSV import of the partner map (BD01): preview with line-level errors and duplicates, then
all or nothing."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from integrations.db import tenant_session
from integrations.errors import Forbidden, Invalid
from tenants.sourcing.partners import importing as imp
from tenants.sourcing.partners import services as svc
from tenants.sourcing.partners.models import Company, Person
from tests.sourcing.util import make_company

FRENCH = (
    "Entreprise;Secteur;Taille;Ville;Site;Relation;Partenaire clé;Contact nom;Contact email;"
    "Contact téléphone;Contact fonction;Contact type\r\n"
    "Société Générale SA;Banque;grande;Casablanca;www.sg.ma;partenaire;oui;Amal Idrissi;amal@sg.ma;"
    "0522000000;DRH;RH\r\n"
    "SOCIETE GENERALE;;;;;;non;Karim Alami;karim@sg.ma;;Chargé RH;rh\r\n"
    "Atlas Conseil;Conseil;micro;Rabat;;prospect;;;;;;\r\n"
)


def _bizdev(w):
    return w.people["business_developer"].actor


def _counts(tenant_id: int) -> tuple[int, int]:
    with tenant_session(tenant_id) as s:
        return (s.exec(select(func.count()).select_from(Company)).one(),
                s.exec(select(func.count()).select_from(Person)).one())


def test_french_excel_export_in_cp1252_is_previewed_then_imported(world_a):
    data = FRENCH.encode("cp1252")
    preview = imp.preview_import(_bizdev(world_a), world_a.tenant_id, data)
    assert preview.error_count == 0 and _counts(world_a.tenant_id) == (0, 0)  # a preview writes nothing
    first, second, third = preview.lines
    assert (first.line, first.company_match, first.person_match) == (2, "new", "new")
    assert (second.company_match, second.company_line, second.person_match) == ("earlier_line", 2, "new")
    assert (third.company_match, third.person_match) == ("new", "none")

    result = imp.do_import(_bizdev(world_a), world_a.tenant_id, data)

    assert (result.companies_created, result.people_created) == (2, 2)
    page = svc.list_companies(_bizdev(world_a), world_a.tenant_id)
    sg = next(c for c in page.items if c.name == "Société Générale SA")
    assert (sg.size, sg.relationship, sg.key_partner, sg.website, sg.people) == (
        "large", "partner", True, "https://www.sg.ma", 2)
    people = svc.list_people(_bizdev(world_a), world_a.tenant_id, company_id=sg.id).items
    assert {(p.full_name, p.kind, p.email) for p in people} == {("Amal Idrissi", "hr", "amal@sg.ma"),
                                                                 ("Karim Alami", "hr", "karim@sg.ma")}


def test_english_headers_comma_and_bom(world_a):
    data = ("company,city,contact_name,contact_email\nAcme,Fès,Sara,sara@acme.ma\n").encode("utf-8-sig")
    result = imp.do_import(_bizdev(world_a), world_a.tenant_id, data)
    assert (result.companies_created, result.people_created) == (1, 1)
    assert svc.list_companies(_bizdev(world_a), world_a.tenant_id).items[0].city == "Fès"


def test_line_errors_are_reported_and_nothing_is_imported(world_a):
    data = ("entreprise;taille;site;partenaire_cle;contact_nom;contact_email\n"
            "Acme;moyenne;acme.ma;oui;Sara;sara@acme.ma\n"
            ";;;;Omar;omar@x.ma\n"
            "Beta;énorme;pas un site;peut-être;Lina;pas-un-mail\n").encode()
    preview = imp.preview_import(_bizdev(world_a), world_a.tenant_id, data)
    assert preview.error_count == 2
    assert preview.lines[0].errors == []
    assert {(e.column, e.code) for e in preview.lines[1].errors} == {("company", "name_required")}
    assert {(e.column, e.code) for e in preview.lines[2].errors} == {
        ("size", "invalid_size"), ("website", "invalid_website"), ("key_partner", "invalid_boolean"),
        ("contact_email", "invalid_email")}
    with pytest.raises(Invalid) as exc:
        imp.do_import(_bizdev(world_a), world_a.tenant_id, data)
    assert exc.value.code == "import_has_errors"
    assert [ln["line"] for ln in exc.value.params["lines"]] == [3, 4]
    assert _counts(world_a.tenant_id) == (0, 0)


def test_existing_company_and_contact_are_linked_and_filled_not_duplicated(world_a):
    actor = _bizdev(world_a)
    cid = make_company(world_a, "Acme")
    sara = svc.do_create_person(actor, world_a.tenant_id, {"full_name": "Sara", "email": "sara@acme.ma"})
    data = (b"company;city;sector;contact_name;contact_email;contact_title\n"
            b"ACME SARL;Tanger;Industrie;Sara B.;SARA@acme.ma;DRH\n"
            b"Acme;Rabat;;Sara B.;sara@acme.ma;\n")
    preview = imp.preview_import(actor, world_a.tenant_id, data)
    assert (preview.lines[0].company_match, preview.lines[0].company_id) == ("existing", cid)
    assert (preview.lines[0].person_match, preview.lines[0].person_id) == ("existing", sara.id)
    assert (preview.lines[1].person_match, preview.lines[1].person_line) == ("earlier_line", 2)
    result = imp.do_import(actor, world_a.tenant_id, data)
    assert (result.companies_created, result.companies_linked, result.people_created, result.people_linked) == (
        0, 1, 0, 1)
    c = svc.get_company(actor, world_a.tenant_id, cid)
    assert (c.city, c.sector) == ("Tanger", "Industrie")
    p = svc.get_person(actor, world_a.tenant_id, sara.id)
    assert (p.full_name, p.job_title, p.company_id) == ("Sara", "DRH", cid)  # the name on file is kept
    assert _counts(world_a.tenant_id) == (1, 1)


@pytest.mark.parametrize("data, code", [
    (b"", "import_empty"),
    (b"entreprise;ville\n", "import_empty"),
    (b"nom;ville\nAcme;Fes\n", "import_no_company_column"),
    (b"\x00\x01\x02", "import_bad_file"),
    (b"company\n" + b"x" * (imp.MAX_BYTES + 1), "import_too_large"),
    (b"company\n" + b"Acme\n" * (imp.MAX_LINES + 1), "import_too_many_lines"),
])
def test_unreadable_files_are_refused_clearly(world_a, data, code):
    with pytest.raises(Invalid) as exc:
        imp.preview_import(_bizdev(world_a), world_a.tenant_id, data)
    assert exc.value.code == code
    assert _counts(world_a.tenant_id) == (0, 0)


def test_import_needs_partner_manage(world_a):
    with pytest.raises(Forbidden):
        imp.do_import(world_a.people["ambassador"].actor, world_a.tenant_id, b"company\nAcme\n")
    assert _counts(world_a.tenant_id) == (0, 0)
