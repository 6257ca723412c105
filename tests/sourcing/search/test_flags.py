"""The search row's flags (consenting, active) follow their causes in the same transaction:
a consent given or withdrawn, a member deactivated or reactivated, a reindex. On PostgreSQL
the index is read through a SECURITY DEFINER function that answers only for the session's
own centre."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from integrations.db import system_session, tenant_session
from tenants.portal.profiles import services as prof
from tenants.sourcing.search import services as search
from tenants.sourcing.search.ddl import PG_MATCH_FUNCTION
from tenants.sourcing.search.models import StudentSearchDoc
from tenants.team import services as team
from tests.conftest import IS_PG
from tests.sourcing.search.helpers import make_student


def names(page) -> list[str]:  # noqa: ANN001
    return sorted(h.full_name for h in page.rows)


def flags(w, membership_id: int) -> tuple[bool, bool]:  # noqa: ANN001
    with tenant_session(w.tenant_id) as s:
        doc = s.exec(select(StudentSearchDoc).where(StudentSearchDoc.membership_id == membership_id)).one()
        return doc.consenting, doc.active


@pytest.fixture
def a(world_a):
    w = world_a
    w.s = {"amina": make_student(w, "amina", "Amina Benali", skills=["Python", "SQL"]),
           "omar": make_student(w, "omar", "Omar Tazi", skills=["Python"], consent=False),
           "sara": make_student(w, "sara", "Sara Idrissi", skills=["Python"], consent=None)}
    return w


def test_consent_flag_follows_the_latest_answer(a):
    staff = a.counselor.actor
    assert flags(a, a.s["amina"].membership_id) == (True, True)
    assert flags(a, a.s["omar"].membership_id) == (False, True)
    assert flags(a, a.s["sara"].membership_id) == (False, True)
    assert names(search.search_students(staff, a.tenant_id, "python", {"consent_only": True})) == ["Amina Benali"]
    prof.do_set_consent(a.s["amina"].actor, a.tenant_id, granted=False)
    prof.do_set_consent(a.s["sara"].actor, a.tenant_id, granted=True)
    assert flags(a, a.s["amina"].membership_id) == (False, True)
    assert names(search.search_students(staff, a.tenant_id, "python", {"consent_only": True})) == ["Sara Idrissi"]
    assert names(search.search_students(staff, a.tenant_id, "", {"consent_only": True})) == ["Sara Idrissi"]
    # without the filter everyone is still found
    assert len(search.search_students(staff, a.tenant_id, "python").rows) == 3


def test_a_deactivated_member_is_not_found_until_reactivated(a):
    staff, manager, amina = a.counselor.actor, a.manager.actor, a.s["amina"]
    team.do_set_member_active(manager, a.tenant_id, amina.membership_id, active=False)
    assert flags(a, amina.membership_id) == (True, False)
    assert "Amina Benali" not in names(search.search_students(staff, a.tenant_id, "python"))
    assert "Amina Benali" not in names(search.search_students(staff, a.tenant_id, ""))
    assert search.search_students(staff, a.tenant_id, "python", {"consent_only": True}).total == 0
    team.do_set_member_active(manager, a.tenant_id, amina.membership_id, active=True)
    assert flags(a, amina.membership_id) == (True, True)
    assert names(search.search_students(staff, a.tenant_id, "python", {"consent_only": True})) == ["Amina Benali"]


def test_the_member_update_moves_the_flag_too(a):
    staff, manager, omar = a.counselor.actor, a.manager.actor, a.s["omar"]
    team.do_update_member(manager, a.tenant_id, omar.membership_id, active=False)
    assert flags(a, omar.membership_id) == (False, False)
    assert "Omar Tazi" not in names(search.search_students(staff, a.tenant_id, "python"))
    team.do_update_member(manager, a.tenant_id, omar.membership_id, active=True)
    assert "Omar Tazi" in names(search.search_students(staff, a.tenant_id, "python"))


def test_an_anonymised_profile_is_inactive_and_not_consenting(a):
    amina = a.s["amina"]
    req = prof.do_request_deletion(amina.actor, a.tenant_id)
    prof.do_handle_deletion_request(a.manager.actor, a.tenant_id, req.id, approve=True)
    with tenant_session(a.tenant_id) as s:
        doc = s.exec(select(StudentSearchDoc).where(StudentSearchDoc.membership_id.is_(None))).one()
        assert (doc.consenting, doc.active, doc.body) == (False, False, "")


def test_reindex_fills_the_flags_of_existing_rows(a):
    with tenant_session(a.tenant_id) as s:
        for d in s.exec(select(StudentSearchDoc)).all():
            d.consenting, d.active = False, False
            s.add(d)
        s.commit()
    staff = a.counselor.actor
    assert search.search_students(staff, a.tenant_id, "python").total == 0
    assert search.reindex_tenant(a.tenant_id) == 3
    assert flags(a, a.s["amina"].membership_id) == (True, True)
    assert flags(a, a.s["omar"].membership_id) == (False, True)
    assert names(search.search_students(staff, a.tenant_id, "python", {"consent_only": True})) == ["Amina Benali"]


pg_only = pytest.mark.skipif(not IS_PG, reason="the PostgreSQL index function")
CALL = text(f"SELECT profile_id FROM {PG_MATCH_FUNCTION}(:t, 'python', false, 100)")


@pg_only
def test_the_index_function_answers_only_for_the_sessions_centre(a, world_b):
    make_student(world_b, "other", "Omar Python", skills=["Python"])
    with tenant_session(a.tenant_id) as s:
        assert len(s.execute(CALL, {"t": a.tenant_id}).all()) == 3
        assert s.execute(CALL, {"t": world_b.tenant_id}).all() == []
    with tenant_session(world_b.tenant_id) as s:
        assert len(s.execute(CALL, {"t": world_b.tenant_id}).all()) == 1
        assert s.execute(CALL, {"t": a.tenant_id}).all() == []
    with system_session("test: no centre") as s:
        assert s.execute(CALL, {"t": a.tenant_id}).all() == []


@pg_only
def test_the_search_reads_the_index_within_row_level_security(a):
    """No owner connection: the match runs in the tenant session, as the app role."""
    with tenant_session(a.tenant_id) as s:
        user = s.execute(text("SELECT current_user")).scalar()
        owner = s.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = 'student_search_doc'")).scalar()
        assert user != owner
        assert len(search.pg_text_matches(a.tenant_id, "python", session=s)) == 3
        assert len(search.pg_text_matches(a.tenant_id, "python", consenting_only=True, session=s)) == 1


def test_words_paging_counts_every_match(a):
    staff = a.counselor.actor
    p1 = search.search_students(staff, a.tenant_id, "python", {}, page=1, per_page=2)
    p2 = search.search_students(staff, a.tenant_id, "python", {}, page=2, per_page=2)
    p3 = search.search_students(staff, a.tenant_id, "python", {}, page=3, per_page=2)
    assert (p1.total, len(p1.rows), p2.total, len(p2.rows), p3.total, p3.rows) == (3, 2, 3, 1, 3, [])
    assert set(names(p1)) | set(names(p2)) == {"Amina Benali", "Omar Tazi", "Sara Idrissi"}
    assert search.search_students(staff, a.tenant_id, "kotlin").total == 0
