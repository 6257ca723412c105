"""The shortlist of a job need (P22): counselors add students, the business developer
ranks, selects and excludes; the candidate list scores students against the need."""

from __future__ import annotations

import pytest
from sqlmodel import select

from integrations.db import tenant_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.offers.models import Offer, OfferInterest
from tenants.sourcing.pipeline import services as pipe
from tenants.sourcing.pipeline.models import ShortlistEntry
from tests.sourcing.pipeline.helpers import setup_need
from tests.sourcing.search.helpers import make_field, make_student
from tests.sourcing.util import make_company, make_need


def need_row(w, need_id: int) -> JobNeed:
    with tenant_session(w.tenant_id) as s:
        return s.get(JobNeed, need_id)


def entries(w) -> list[ShortlistEntry]:
    with tenant_session(w.tenant_id) as s:
        return list(s.exec(select(ShortlistEntry).order_by(ShortlistEntry.id)).all())


def bizdev(w):
    return w.people["business_developer"].actor


def test_shortlisting_moves_the_need_and_stamps_the_first_time(world_a):
    w = world_a
    nid = make_need(w, make_company(w, "Acme"))
    st = make_student(w, "amina", "Amina Benali")
    assert need_row(w, nid).first_shortlisted_at is None
    v = pipe.do_shortlist(w.counselor.actor, w.tenant_id, nid, st.membership_id, note="Très motivée")
    n = need_row(w, nid)
    assert n.status == "shortlisted" and n.first_shortlisted_at is not None
    assert (v.student_name, v.note, v.status, v.origin, v.consent) == ("Amina Benali", "Très motivée", "proposed",
                                                                       "counselor", True)
    # again: the same entry, nothing doubled
    again = pipe.do_shortlist(w.counselor.actor, w.tenant_id, nid, st.membership_id)
    assert again.id == v.id and len(entries(w)) == 1
    assert [e.student_name for e in pipe.list_shortlist(w.people["host_approver"].actor, w.tenant_id, nid)] == [
        "Amina Benali"]


def test_add_candidate_returns_the_existing_entry(world_a):
    w = world_a
    nid = make_need(w, make_company(w, "Acme"))
    st = make_student(w, "amina", "Amina Benali")
    with tenant_session(w.tenant_id) as s:
        e1 = pipe.add_candidate(s, w.tenant_id, nid, st.membership_id, origin="interest")
        e2 = pipe.add_candidate(s, w.tenant_id, nid, st.membership_id, origin="counselor", note="x")
        s.commit()
        assert e1.id == e2.id and e2.origin == "interest"
    assert len(entries(w)) == 1


@pytest.mark.parametrize("who", ["company_contact", "student", "host_approver", "ambassador"])
def test_only_sourcing_staff_shortlist(world_a, who):
    w = world_a
    nid = make_need(w, make_company(w, "Acme"))
    st = make_student(w, "amina", "Amina Benali")
    with pytest.raises(Forbidden):
        pipe.do_shortlist(w.people[who].actor, w.tenant_id, nid, st.membership_id)
    assert entries(w) == []


def test_an_ended_need_refuses_changes(world_a):
    w = world_a
    st = setup_need(w)
    with tenant_session(w.tenant_id) as s:
        n = s.get(JobNeed, st.need_id)
        n.status = "closed"
        s.add(n)
        s.commit()
    other = make_student(w, "omar", "Omar X")
    for call in (lambda: pipe.do_shortlist(w.counselor.actor, w.tenant_id, st.need_id, other.membership_id),
                 lambda: pipe.do_update_entry(w.counselor.actor, w.tenant_id, st.entries["amina"], {"note": "x"}),
                 lambda: pipe.do_rank(bizdev(w), w.tenant_id, st.need_id, [st.entries["amina"]]),
                 lambda: pipe.do_send_profiles(bizdev(w), w.tenant_id, st.need_id, [st.entries["amina"]])):
        with pytest.raises(Conflict) as e:
            call()
        assert e.value.code == "need_ended"
    assert len(entries(w)) == 3


def test_students_and_needs_of_another_centre_are_not_found(worlds):
    a, b = worlds
    na = make_need(a, make_company(a, "Acme"))
    nb = make_need(b, make_company(b, "Beta"))
    sb = make_student(b, "bob", "Bob B")
    with pytest.raises(NotFound) as e:
        pipe.do_shortlist(a.counselor.actor, a.tenant_id, na, sb.membership_id)
    assert e.value.code == "student_not_found"
    sa = make_student(a, "amina", "Amina Benali")
    with pytest.raises(NotFound) as e:
        pipe.do_shortlist(a.counselor.actor, a.tenant_id, nb, sa.membership_id)
    assert e.value.code == "need_not_found"
    with pytest.raises(Forbidden):
        pipe.do_shortlist(a.counselor.actor, b.tenant_id, nb, sb.membership_id)
    assert entries(a) == [] and entries(b) == []


def test_note_by_counselors_rank_and_status_by_the_business_developer(world_a):
    w = world_a
    st = setup_need(w)
    eid = st.entries["amina"]
    assert pipe.do_update_entry(w.counselor.actor, w.tenant_id, eid, {"note": "Disponible en mars"}).note == \
        "Disponible en mars"
    with pytest.raises(Forbidden):
        pipe.do_update_entry(w.counselor.actor, w.tenant_id, eid, {"rank": 1})
    with pytest.raises(Forbidden):
        pipe.do_update_entry(w.counselor.actor, w.tenant_id, eid, {"status": "selected"})
    v = pipe.do_update_entry(bizdev(w), w.tenant_id, eid, {"status": "selected", "rank": 1})
    assert (v.status, v.rank) == ("selected", 1)
    v = pipe.do_update_entry(bizdev(w), w.tenant_id, eid, {"status": "excluded"})
    assert (v.status, v.rank) == ("excluded", None)
    with pytest.raises(Invalid) as e:
        pipe.do_update_entry(bizdev(w), w.tenant_id, eid, {"status": "sent"})
    assert e.value.code == "invalid_entry_status"


def test_ranking_orders_the_list_and_moves_up_and_down(world_a):
    w = world_a
    st = setup_need(w)
    e = st.entries
    order = [e["sara"], e["youssef"], e["amina"]]
    ranked = pipe.do_rank(bizdev(w), w.tenant_id, st.need_id, order)
    assert [(x.id, x.rank) for x in ranked] == [(e["sara"], 1), (e["youssef"], 2), (e["amina"], 3)]
    assert [x.id for x in pipe.list_shortlist(w.counselor.actor, w.tenant_id, st.need_id)] == order
    moved = pipe.do_move(bizdev(w), w.tenant_id, e["amina"], -1)
    assert [x.id for x in moved] == [e["sara"], e["amina"], e["youssef"]]
    # ranking only some: the others lose their rank and come after
    ranked = pipe.do_rank(bizdev(w), w.tenant_id, st.need_id, [e["youssef"]])
    assert [(x.id, x.rank) for x in ranked][0] == (e["youssef"], 1)
    assert all(x.rank is None for x in ranked[1:])


def test_ranking_refuses_foreign_ids_and_changes_nothing(worlds):
    a, b = worlds
    st = setup_need(a)
    other = setup_need(b, company="Beta")
    bad = [st.entries["amina"], other.entries["amina"]]
    with pytest.raises(NotFound) as e:
        pipe.do_rank(bizdev(a), a.tenant_id, st.need_id, bad)
    assert e.value.code == "entry_not_found"
    with pytest.raises(Invalid):
        pipe.do_rank(bizdev(a), a.tenant_id, st.need_id, "1,2")
    assert all(x.rank is None for x in entries(a))


def test_removing_a_candidate(world_a):
    w = world_a
    st = setup_need(w)
    pipe.do_remove_entry(w.counselor.actor, w.tenant_id, st.entries["sara"])
    assert {x.student_membership_id for x in entries(w)} == {st.students["amina"].membership_id,
                                                              st.students["youssef"].membership_id}
    with pytest.raises(NotFound):
        pipe.do_remove_entry(w.counselor.actor, w.tenant_id, st.entries["sara"])


def test_candidate_list_scores_students_against_the_need(world_a):
    w = world_a
    cid = make_company(w, "Acme")
    info, fin = make_field(w, "Informatique"), make_field(w, "Finance")
    nid = make_need(w, cid, title="Développeur Python", field_ids=[info], level="bac+5", skills=["Python", "SQL"],
                    languages=["Anglais"])
    best = make_student(w, "best", "Best Match", field_id=info, level="bac+5", skills=["Python", "SQL"],
                        languages=[{"language": "Anglais", "level": "C1"}])
    mid = make_student(w, "mid", "Mid Match", field_id=info, level="bac+3", skills=["Python"], consent=False)
    far = make_student(w, "far", "Far Away", field_id=fin, level="bac+3", skills=["Excel"])
    keen = make_student(w, "keen", "Keen Finance", field_id=fin, level="bac+3", skills=["Comptabilité"])
    with tenant_session(w.tenant_id) as s:
        o = Offer(tenant_id=w.tenant_id, need_id=nid, title="Développeur Python", kind="job", company_id=cid)
        s.add(o)
        s.flush()
        s.add(OfferInterest(tenant_id=w.tenant_id, offer_id=o.id, student_membership_id=keen.membership_id))
        s.commit()
    rows = pipe.rank_candidates(w.counselor.actor, w.tenant_id, nid)
    got = [r.full_name for r in rows]
    assert got[0] == "Best Match" and got[1] == "Mid Match"
    assert "Keen Finance" in got and "Far Away" not in got  # no field, no word, no interest: not a candidate
    top = rows[0]
    assert {"field", "level", "skill:Python", "skill:SQL", "language:Anglais", "consent"} <= set(top.reasons)
    assert "interest" in next(r for r in rows if r.full_name == "Keen Finance").reasons
    assert not rows[1].consent and "consent" not in rows[1].reasons
    assert best.membership_id == top.membership_id and mid.membership_id == rows[1].membership_id
    assert far.membership_id not in {r.membership_id for r in rows}
    pipe.do_shortlist(w.counselor.actor, w.tenant_id, nid, best.membership_id)
    assert pipe.rank_candidates(w.counselor.actor, w.tenant_id, nid)[0].in_shortlist is True
