"""Student search for sourcing (P22): the index follows the profiles, words and filters
find the right students on both engines, consent is shown, anonymised students and other
centres' students are never found."""

from __future__ import annotations

import pytest
from sqlmodel import select

from integrations.db import tenant_session
from integrations.errors import Forbidden, Invalid
from tenants.portal.profiles import services as prof
from tenants.sourcing.pipeline.models import ShortlistEntry
from tenants.sourcing.search import services as search
from tenants.sourcing.search.models import StudentSearchDoc
from tests.conftest import IS_PG
from tests.sourcing.search.helpers import make_establishment, make_field, make_student
from tests.sourcing.util import make_company, make_need


@pytest.fixture
def a(world_a):
    w = world_a
    w.info = {"info": make_field(w, "Informatique", sector="Numérique"),
              "fin": make_field(w, "Finance", sector="Banque"),
              "fsa": make_establishment(w, "Faculté des sciences"),
              "enc": make_establishment(w, "École de commerce")}
    w.s = {
        "amina": make_student(w, "amina", "Amina Benali", field_id=w.info["info"], level="bac+5",
                              establishment_id=w.info["fsa"], graduation_year=2026,
                              skills=["Python", "SQL"], languages=[{"language": "Français", "level": "C2"},
                                                                  {"language": "Anglais", "level": "B2"}],
                              experiences=[{"title": "Développeur stagiaire", "organisation": "Inwi",
                                            "start": "2025-02-01", "description": "API et tableaux de bord"}]),
        "youssef": make_student(w, "youssef", "Youssef Alami", field_id=w.info["fin"], level="bac+3",
                                establishment_id=w.info["enc"], graduation_year=2027, skills=["Excel", "Audit"],
                                languages=[{"language": "Espagnol", "level": "B1"}], consent=False),
        "sara": make_student(w, "sara", "Sara Idrissi", field_id=w.info["info"], level="bac+3",
                             establishment_id=w.info["fsa"], graduation_year=2027, skills=["Java", "Réseaux"],
                             languages=[{"language": "Anglais", "level": "C1"}], consent=None),
    }
    return w


def names(page) -> list[str]:
    return [h.full_name for h in page.rows]


def test_words_find_students_by_skill_experience_and_name(a):
    staff = a.counselor.actor
    assert names(search.search_students(staff, a.tenant_id, "python")) == ["Amina Benali"]
    assert names(search.search_students(staff, a.tenant_id, "Inwi")) == ["Amina Benali"]
    assert names(search.search_students(staff, a.tenant_id, "alami")) == ["Youssef Alami"]
    # every word must match
    assert names(search.search_students(staff, a.tenant_id, "java python")) == []


def test_the_hit_carries_what_the_counselor_needs(a):
    (hit,) = search.search_students(a.counselor.actor, a.tenant_id, "python").rows
    assert hit.membership_id == a.s["amina"].membership_id
    assert (hit.field, hit.level, hit.establishment, hit.graduation_year) == (
        "Informatique", "bac+5", "Faculté des sciences", 2026)
    assert hit.skills == ("Python", "SQL") and hit.languages == ("Français", "Anglais")
    assert hit.consent is True and hit.in_shortlist is False


@pytest.mark.skipif(not IS_PG, reason="French stemming is PostgreSQL's")
def test_french_stemming_on_postgresql(a):
    assert names(search.search_students(a.counselor.actor, a.tenant_id, "développeurs")) == ["Amina Benali"]


@pytest.mark.skipif(IS_PG, reason="accent folding and prefixes are the SQLite FTS5 tokenizer's")
def test_accents_and_prefix_on_sqlite(a):
    staff = a.counselor.actor
    assert names(search.search_students(staff, a.tenant_id, "developpeur")) == ["Amina Benali"]
    assert names(search.search_students(staff, a.tenant_id, "reseaux")) == ["Sara Idrissi"]
    assert names(search.search_students(staff, a.tenant_id, "pyth")) == ["Amina Benali"]  # the last word is a prefix


@pytest.mark.parametrize("q", ['"', "python OR", "NEAR(a b)", "*", "col:python", "a AND", "(", "-python", "'; DROP"])
def test_user_syntax_never_breaks_the_search(a, q):
    page = search.search_students(a.counselor.actor, a.tenant_id, q)
    assert page.total == len(page.rows)


def test_filters_without_words_newest_first(a):
    staff, i = a.counselor.actor, a.info
    assert names(search.search_students(staff, a.tenant_id, "", {"field_id": i["info"]})) == [
        "Sara Idrissi", "Amina Benali"]
    assert names(search.search_students(staff, a.tenant_id, "", {"level": "bac+3"})) == [
        "Sara Idrissi", "Youssef Alami"]
    assert names(search.search_students(staff, a.tenant_id, "", {"establishment_id": i["enc"]})) == ["Youssef Alami"]
    assert names(search.search_students(staff, a.tenant_id, "", {"graduation_year": 2026})) == ["Amina Benali"]
    assert names(search.search_students(staff, a.tenant_id, "", {"language": "anglais"})) == [
        "Sara Idrissi", "Amina Benali"]
    assert names(search.search_students(staff, a.tenant_id, "", {"language": "Français"})) == ["Amina Benali"]
    assert names(search.search_students(staff, a.tenant_id, "", {"consent_only": True})) == ["Amina Benali"]
    assert names(search.search_students(staff, a.tenant_id, "", {"field_id": i["info"], "level": "bac+5"})) == [
        "Amina Benali"]


def test_consent_shown_is_the_latest_record(a):
    staff = a.counselor.actor
    prof.do_set_consent(a.s["amina"].actor, a.tenant_id, granted=False)
    (hit,) = search.search_students(staff, a.tenant_id, "python").rows
    assert hit.consent is False
    assert search.search_students(staff, a.tenant_id, "", {"consent_only": True}).total == 0
    prof.do_set_consent(a.s["youssef"].actor, a.tenant_id, granted=True)
    assert names(search.search_students(staff, a.tenant_id, "", {"consent_only": True})) == ["Youssef Alami"]


def test_paging(a):
    staff = a.counselor.actor
    p1 = search.search_students(staff, a.tenant_id, "", {}, page=1, per_page=2)
    p2 = search.search_students(staff, a.tenant_id, "", {}, page=2, per_page=2)
    assert p1.total == 3 and p1.pages == 2 and len(p1.rows) == 2 and len(p2.rows) == 1
    assert set(names(p1)) | set(names(p2)) == {"Amina Benali", "Youssef Alami", "Sara Idrissi"}


def test_the_index_follows_profile_changes(a):
    staff, amina = a.counselor.actor, a.s["amina"]
    prof.do_update_my_profile(amina.actor, a.tenant_id, {"skills": ["Kotlin"]})
    assert names(search.search_students(staff, a.tenant_id, "kotlin")) == ["Amina Benali"]
    assert names(search.search_students(staff, a.tenant_id, "python")) == []


def test_already_in_the_needs_shortlist_is_shown(a):
    need = make_need(a, make_company(a, "Acme"))
    with tenant_session(a.tenant_id) as s:
        s.add(ShortlistEntry(tenant_id=a.tenant_id, need_id=need, student_membership_id=a.s["sara"].membership_id))
        s.commit()
    hits = search.search_students(a.counselor.actor, a.tenant_id, "", {"need_id": need}).rows
    assert {h.full_name: h.in_shortlist for h in hits} == {"Sara Idrissi": True, "Amina Benali": False,
                                                           "Youssef Alami": False}


def test_an_anonymised_student_is_never_found(a):
    amina = a.s["amina"]
    req = prof.do_request_deletion(amina.actor, a.tenant_id)
    prof.do_handle_deletion_request(a.manager.actor, a.tenant_id, req.id, approve=True)
    staff = a.counselor.actor
    assert search.search_students(staff, a.tenant_id, "python").total == 0
    assert "Amina Benali" not in names(search.search_students(staff, a.tenant_id, ""))
    with tenant_session(a.tenant_id) as s:
        doc = s.exec(select(StudentSearchDoc).where(StudentSearchDoc.membership_id.is_(None))).one()
        assert doc.body == ""


def test_reindex_rebuilds_the_text(a):
    with tenant_session(a.tenant_id) as s:
        for d in s.exec(select(StudentSearchDoc)).all():
            d.body = ""
            s.add(d)
        s.commit()
    assert search.search_students(a.counselor.actor, a.tenant_id, "python").total == 0
    assert search.reindex_tenant(a.tenant_id) == 3
    assert names(search.search_students(a.counselor.actor, a.tenant_id, "python")) == ["Amina Benali"]


def test_only_this_centres_students(a, world_b):
    make_student(world_b, "other", "Omar Python", skills=["Python"])
    assert names(search.search_students(a.counselor.actor, a.tenant_id, "python")) == ["Amina Benali"]
    assert names(search.search_students(world_b.counselor.actor, world_b.tenant_id, "python")) == ["Omar Python"]
    with pytest.raises(Forbidden):
        search.search_students(a.counselor.actor, world_b.tenant_id, "python")


@pytest.mark.parametrize("role", ["student", "company_contact", "host_approver", "ambassador"])
def test_only_sourcing_staff_search(a, role):
    with pytest.raises(Forbidden):
        search.search_students(a.people[role].actor, a.tenant_id, "python")


def test_bad_input_is_refused(a):
    staff = a.counselor.actor
    with pytest.raises(Invalid) as e:
        search.search_students(staff, a.tenant_id, "x" * 201)
    assert e.value.code == "query_too_long"
    with pytest.raises(Invalid):
        search.search_students(staff, a.tenant_id, "", {"level": "master"})
    with pytest.raises(Invalid):
        search.search_students(staff, a.tenant_id, "", {"unknown": 1})
