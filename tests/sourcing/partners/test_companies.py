"""The partner map (BD01): companies, contacts, interactions, duplicates and merging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from integrations.db import tenant_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from tenants.core.models import AuditEvent
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.offers.models import Offer
from tenants.sourcing.partners import services as svc
from tenants.sourcing.partners.models import Company, Interaction, Person
from tenants.sourcing.pipeline.models import ProfileShare
from tests.sourcing.util import make_company, make_need


def _count(tenant_id: int, model: type) -> int:
    with tenant_session(tenant_id) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def _bizdev(w):
    return w.people["business_developer"].actor


# ---------------------------------------------------------------- keys

@pytest.mark.parametrize("a, b", [
    ("Société Générale S.A.", "SOCIETE GENERALE"),
    ("Groupe OCP", "OCP SA"),
    ("Acme S.A.R.L.", "acme"),
    ("Maroc-Telecom", "Maroc Telecom"),
    ("Al Omrane sarlau", "al omrane"),
])
def test_company_key_sees_the_same_company(a, b):
    assert svc.company_key(a) == svc.company_key(b)


def test_company_key_keeps_distinct_companies_apart():
    assert svc.company_key("Acme Maroc") != svc.company_key("Acme")
    assert svc.company_key("SA") == "sa"  # a name made only of a legal form keeps it


# ---------------------------------------------------------------- companies

def test_business_developer_creates_and_lists_a_company(world_a):
    c = svc.do_create_company(_bizdev(world_a), world_a.tenant_id, {
        "name": "  Acme   Maroc ", "sector": "Industrie", "size": "medium", "city": "Casablanca",
        "website": "www.acme.ma", "relationship": "active", "key_partner": True})
    assert c.name == "Acme Maroc" and c.website == "https://www.acme.ma" and c.key_partner
    page = svc.list_companies(world_a.counselor.actor, world_a.tenant_id)
    assert [x.name for x in page.items] == ["Acme Maroc"] and page.total == 1
    with tenant_session(world_a.tenant_id) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "company.created")).one().target_id == str(c.id)


@pytest.mark.parametrize("payload, code", [
    ({"name": "   "}, "name_required"),
    ({"name": "x" * 201}, "text_too_long"),
    ({"name": "Acme", "website": "pas une adresse"}, "invalid_website"),
    ({"name": "Acme", "website": "ftp://acme.ma"}, "invalid_website"),
    ({"name": "Acme", "size": "huge"}, "invalid_size"),
    ({"name": "Acme", "relationship": "friend"}, "invalid_relationship"),
    ({"name": "Acme\x00"}, "invalid"),
    ({"name": "Acme", "owner": "me"}, "invalid"),
])
def test_bad_company_is_refused_and_nothing_is_written(world_a, payload, code):
    with pytest.raises(Invalid) as exc:
        svc.do_create_company(_bizdev(world_a), world_a.tenant_id, payload)
    assert exc.value.code == code
    assert _count(world_a.tenant_id, Company) == 0


def test_duplicate_company_is_refused_unless_asked(world_a):
    first = svc.do_create_company(_bizdev(world_a), world_a.tenant_id, {"name": "Acme SARL"})
    with pytest.raises(Conflict) as exc:
        svc.do_create_company(_bizdev(world_a), world_a.tenant_id, {"name": "ACME s.a."})
    assert exc.value.code == "duplicate_company" and exc.value.params["existing_id"] == first.id
    assert _count(world_a.tenant_id, Company) == 1
    svc.do_create_company(_bizdev(world_a), world_a.tenant_id, {"name": "ACME s.a."}, allow_duplicate=True)
    assert _count(world_a.tenant_id, Company) == 2


def test_same_name_in_another_centre_is_no_duplicate(worlds):
    a, b = worlds
    svc.do_create_company(_bizdev(a), a.tenant_id, {"name": "Acme"})
    svc.do_create_company(_bizdev(b), b.tenant_id, {"name": "Acme"})
    assert svc.list_companies(_bizdev(b), b.tenant_id).total == 1


@pytest.mark.parametrize("who", ["student", "company_contact", "ambassador", "intern", "host_approver"])
def test_others_cannot_see_or_write_the_map(world_a, who):
    actor = world_a.people[who].actor
    with pytest.raises(Forbidden):
        svc.list_companies(actor, world_a.tenant_id)
    with pytest.raises(Forbidden):
        svc.do_create_company(actor, world_a.tenant_id, {"name": "Acme"})
    assert _count(world_a.tenant_id, Company) == 0


def test_another_centres_company_is_not_found(worlds):
    a, b = worlds
    cid = make_company(a, "Acme")
    for call in (lambda: svc.get_company(_bizdev(b), b.tenant_id, cid),
                 lambda: svc.do_update_company(_bizdev(b), b.tenant_id, cid, {"city": "Rabat"}),
                 lambda: svc.list_interactions(_bizdev(b), b.tenant_id, cid),
                 lambda: svc.do_add_interaction(_bizdev(b), b.tenant_id, cid, {"kind": "call", "summary": "x"}),
                 lambda: svc.do_create_person(_bizdev(b), b.tenant_id, {"full_name": "Sara", "company_id": cid})):
        with pytest.raises(NotFound) as exc:
            call()
        assert exc.value.code == "not_found"
    assert svc.get_company(_bizdev(a), a.tenant_id, cid).city == ""


def test_update_changes_given_fields_only_and_checks_renames(world_a):
    actor = _bizdev(world_a)
    acme = svc.do_create_company(actor, world_a.tenant_id, {"name": "Acme", "city": "Fès", "sector": "BTP"})
    other = svc.do_create_company(actor, world_a.tenant_id, {"name": "Beta"})
    c = svc.do_update_company(actor, world_a.tenant_id, acme.id, {"city": "Rabat", "relationship": "partner"})
    assert (c.city, c.sector, c.relationship) == ("Rabat", "BTP", "partner")
    with pytest.raises(Conflict) as exc:
        svc.do_update_company(actor, world_a.tenant_id, other.id, {"name": "ACME SA"})
    assert exc.value.params["existing_id"] == acme.id
    with pytest.raises(Invalid) as exc:
        svc.do_update_company(actor, world_a.tenant_id, acme.id, {})
    assert exc.value.code == "nothing_to_change"


def test_list_filters_and_pages(world_a):
    actor = _bizdev(world_a)
    for i in range(5):
        svc.do_create_company(actor, world_a.tenant_id, {"name": f"Entreprise {i}", "city": "Rabat" if i % 2 else "Fès",
                                                         "sector": "Banque", "key_partner": i == 3,
                                                         "relationship": "active" if i < 2 else "prospect"})
    assert svc.list_companies(actor, world_a.tenant_id, city="rabat").total == 2
    assert [c.name for c in svc.list_companies(actor, world_a.tenant_id, key_partner=True).items] == ["Entreprise 3"]
    assert svc.list_companies(actor, world_a.tenant_id, relationship="active").total == 2
    assert svc.list_companies(actor, world_a.tenant_id, query="entreprise 4").total == 1
    p2 = svc.list_companies(actor, world_a.tenant_id, page=2, per_page=2)
    assert [c.name for c in p2.items] == ["Entreprise 2", "Entreprise 3"] and p2.pages == 3
    with pytest.raises(Invalid):
        svc.list_companies(actor, world_a.tenant_id, relationship="friend")


# ---------------------------------------------------------------- people

def test_people_are_created_with_clean_fields_and_duplicates_caught(world_a):
    actor = _bizdev(world_a)
    cid = make_company(world_a, "Acme")
    p = svc.do_create_person(actor, world_a.tenant_id, {"full_name": "Sara Bennani", "email": " Sara@Acme.MA ",
                                                        "company_id": cid, "kind": "hr", "phone": "+212 600 00 00 00"})
    assert p.email == "sara@acme.ma" and p.company_name == "Acme"
    with pytest.raises(Conflict) as exc:
        svc.do_create_person(actor, world_a.tenant_id, {"full_name": "S. Bennani", "email": "SARA@acme.ma"})
    assert exc.value.code == "duplicate_person" and exc.value.params["existing_id"] == p.id
    with pytest.raises(Conflict):
        svc.do_create_person(actor, world_a.tenant_id, {"full_name": "sara  BENNANI", "company_id": cid})
    # the same name in another company is someone else
    svc.do_create_person(actor, world_a.tenant_id, {"full_name": "Sara Bennani", "company_id": make_company(world_a, "B")})
    assert svc.list_people(actor, world_a.tenant_id, company_id=cid).total == 1


@pytest.mark.parametrize("payload, code", [
    ({"full_name": "S"}, "invalid_name"),
    ({"full_name": "Sara", "email": "pas-un-mail"}, "invalid_email"),
    ({"full_name": "Sara", "kind": "boss"}, "invalid_person_kind"),
    ({"full_name": "Sara", "phone": "call me"}, "invalid_phone"),
])
def test_bad_person_is_refused(world_a, payload, code):
    with pytest.raises(Invalid) as exc:
        svc.do_create_person(_bizdev(world_a), world_a.tenant_id, payload)
    assert exc.value.code == code
    assert _count(world_a.tenant_id, Person) == 0


def test_update_person_and_filters(world_a):
    actor = _bizdev(world_a)
    cid = make_company(world_a, "Acme")
    p = svc.do_create_person(actor, world_a.tenant_id, {"full_name": "Sara", "kind": "alumni"})
    q = svc.do_update_person(actor, world_a.tenant_id, p.id, {"company_id": cid, "job_title": "DRH"})
    assert (q.company_id, q.job_title, q.kind) == (cid, "DRH", "alumni")
    assert svc.list_people(actor, world_a.tenant_id, kind="alumni").total == 1
    assert svc.list_people(actor, world_a.tenant_id, kind="hr").total == 0
    with pytest.raises(NotFound):
        svc.do_update_person(actor, world_a.tenant_id, p.id, {"company_id": 2**31 - 2})


# ---------------------------------------------------------------- interactions

def test_interactions_newest_first_with_person_of_the_company(world_a):
    actor = _bizdev(world_a)
    cid = make_company(world_a, "Acme")
    sara = svc.do_create_person(actor, world_a.tenant_id, {"full_name": "Sara", "company_id": cid})
    stranger = svc.do_create_person(actor, world_a.tenant_id, {"full_name": "Omar"})
    old = svc.do_add_interaction(actor, world_a.tenant_id, cid, {"kind": "meeting", "summary": "Premier RDV",
                                                                 "at": utcnow() - timedelta(days=3)})
    new = svc.do_add_interaction(actor, world_a.tenant_id, cid, {"kind": "call", "summary": "Relance",
                                                                 "person_id": sara.id})
    page = svc.list_interactions(world_a.counselor.actor, world_a.tenant_id, cid)
    assert [i.id for i in page.items] == [new.id, old.id]
    assert page.items[0].person_name == "Sara" and page.items[0].by_name
    with pytest.raises(Invalid) as exc:
        svc.do_add_interaction(actor, world_a.tenant_id, cid, {"kind": "call", "summary": "x", "person_id": stranger.id})
    assert exc.value.code == "person_not_in_company"
    for payload, code in [({"kind": "call", "summary": "  "}, "summary_required"),
                          ({"kind": "party", "summary": "x"}, "invalid_interaction_kind")]:
        with pytest.raises(Invalid) as exc:
            svc.do_add_interaction(actor, world_a.tenant_id, cid, payload)
        assert exc.value.code == code
    assert _count(world_a.tenant_id, Interaction) == 2


# ---------------------------------------------------------------- merging

def test_merge_moves_everything_and_hides_the_merged_company(world_a):
    actor = _bizdev(world_a)
    keep = svc.do_create_company(actor, world_a.tenant_id, {"name": "Acme"})
    gone = svc.do_create_company(actor, world_a.tenant_id, {"name": "Acme Maroc", "city": "Tanger",
                                                            "website": "acme.ma", "key_partner": True})
    sara = svc.do_create_person(actor, world_a.tenant_id, {"full_name": "Sara", "company_id": gone.id})
    svc.do_add_interaction(actor, world_a.tenant_id, gone.id, {"kind": "call", "summary": "Appel"})
    need = make_need(world_a, gone.id)
    with tenant_session(world_a.tenant_id) as s:
        s.add(Offer(tenant_id=world_a.tenant_id, company_id=gone.id, title="Stage", kind="internship"))
        s.add(ProfileShare(tenant_id=world_a.tenant_id, need_id=need, company_id=gone.id, token_hash="h" * 64,
                           expires_at=utcnow() + timedelta(days=7)))
        s.commit()

    kept = svc.do_merge_companies(actor, world_a.tenant_id, keep.id, gone.id)

    assert (kept.city, kept.website, kept.key_partner, kept.people) == ("Tanger", "https://acme.ma", True, 1)
    assert [c.id for c in svc.list_companies(actor, world_a.tenant_id).items] == [keep.id]
    assert svc.get_company(actor, world_a.tenant_id, gone.id).id == keep.id  # an old link shows the kept one
    assert svc.get_person(actor, world_a.tenant_id, sara.id).company_id == keep.id
    assert svc.list_interactions(actor, world_a.tenant_id, keep.id).total == 1
    assert [n.id for n in svc.company_needs(actor, world_a.tenant_id, keep.id)] == [need]
    with tenant_session(world_a.tenant_id) as s:
        assert s.exec(select(JobNeed.company_id)).all() == [keep.id]
        assert s.exec(select(Offer.company_id)).all() == [keep.id]
        assert s.exec(select(ProfileShare.company_id)).all() == [keep.id]
        assert s.get(Company, gone.id).merged_into_id == keep.id
    # the merged company takes no more writes and cannot be merged again
    with pytest.raises(NotFound):
        svc.do_update_company(actor, world_a.tenant_id, gone.id, {"city": "x"})
    with pytest.raises(Conflict) as exc:
        svc.do_merge_companies(actor, world_a.tenant_id, keep.id, gone.id)
    assert exc.value.code == "already_merged"
    # a new company of the merged name is again a duplicate of the kept one only
    with pytest.raises(Conflict) as exc:
        svc.do_create_company(actor, world_a.tenant_id, {"name": "ACME"})
    assert exc.value.params["existing_id"] == keep.id


def test_merge_refuses_itself_and_other_centres(worlds):
    a, b = worlds
    mine, other = make_company(b, "Mine"), make_company(a, "Other")
    with pytest.raises(Invalid) as exc:
        svc.do_merge_companies(_bizdev(b), b.tenant_id, mine, mine)
    assert exc.value.code == "merge_into_itself"
    with pytest.raises(NotFound):
        svc.do_merge_companies(_bizdev(b), b.tenant_id, mine, other)
    with tenant_session(a.tenant_id) as s:
        assert s.get(Company, other).merged_into_id is None


def test_merge_people_moves_interactions_and_access(world_a):
    actor = _bizdev(world_a)
    cid = make_company(world_a, "Acme")
    keep = svc.do_create_person(actor, world_a.tenant_id, {"full_name": "Sara Bennani", "company_id": cid})
    with tenant_session(world_a.tenant_id) as s:
        gone = Person(tenant_id=world_a.tenant_id, full_name="S. Bennani", name_key="s bennani", email="sara@acme.ma",
                      phone="0600000000", company_id=cid,
                      membership_id=world_a.people["company_contact"].membership_id)
        s.add(gone)
        s.commit()
        gone_id = gone.id
    svc.do_add_interaction(actor, world_a.tenant_id, cid, {"kind": "call", "summary": "x", "person_id": gone_id})
    kept = svc.do_merge_people(actor, world_a.tenant_id, keep.id, gone_id)
    assert (kept.email, kept.phone, kept.has_access) == ("sara@acme.ma", "0600000000", True)
    assert svc.list_interactions(actor, world_a.tenant_id, cid).items[0].person_id == keep.id
    assert [p.id for p in svc.list_people(actor, world_a.tenant_id).items] == [keep.id]
    with pytest.raises(Conflict):
        svc.do_merge_people(actor, world_a.tenant_id, keep.id, gone_id)
