"""Offers (P12): sources registry, collection, ambassadors first then every student, what each
reader sees, interest feeding the shortlist of the need the offer advertises."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from integrations.db import system_session, tenant_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.mail import DevMail
from tenants.sourcing.offers import services as offers
from tenants.sourcing.offers.models import Offer, OfferInterest, OfferSource
from tenants.sourcing.pipeline.models import ShortlistEntry
from tests.conftest import create_person
from tests.sourcing.util import make_company, make_need


def _count(model, **where) -> int:
    with system_session("test: count") as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.execute(q).scalar_one()


def _bizdev(w):
    return w.people["business_developer"].actor


def _offer(w, title: str = "Stage data analyst", **kw) -> int:
    data = {"title": title, "kind": "internship", "company_name": "Acme", "place": "Casablanca",
            "deadline": (date.today() + timedelta(days=20)).isoformat()} | kw
    return offers.do_collect_offer(_bizdev(w), w.tenant_id, data).id


def _titles(actor, w, **filters) -> list[str]:
    return [i.title for i in offers.browse_offers(actor, w.tenant_id, filters).items]


# ---------------------------------------------------------------- sources

def test_the_sources_registry(world_a):
    a = world_a
    src = offers.do_create_source(_bizdev(a), a.tenant_id, {"name": "Rekrute", "kind": "job_board",
                                                            "url": "https://www.rekrute.com"})
    offers.do_create_source(_bizdev(a), a.tenant_id, {"name": "Réseau des anciens", "kind": "network"})
    with pytest.raises(Conflict) as exc:
        offers.do_create_source(_bizdev(a), a.tenant_id, {"name": "REKRUTE", "kind": "job_board"})
    assert exc.value.code == "source_exists"
    with pytest.raises(Invalid) as exc:
        offers.do_create_source(_bizdev(a), a.tenant_id, {"name": "X site", "kind": "newspaper"})
    assert exc.value.code == "invalid_kind"
    with pytest.raises(Invalid) as exc:
        offers.do_create_source(_bizdev(a), a.tenant_id, {"name": "Y site", "url": "ftp://y"})
    assert exc.value.code == "invalid_url"
    assert [x.name for x in offers.list_sources(a.manager.actor, a.tenant_id)] == ["Rekrute", "Réseau des anciens"]
    v = offers.do_update_source(_bizdev(a), a.tenant_id, src.id, {"name": "ReKrute.com", "kind": "job_board"})
    assert v.name == "ReKrute.com"
    # a source that brought offers is kept, inactive
    _offer(a, source_id=src.id)
    offers.do_delete_source(_bizdev(a), a.tenant_id, src.id)
    assert [(x.name, x.active, x.offers) for x in offers.list_sources(a.manager.actor, a.tenant_id)] == [
        ("Réseau des anciens", True, 0), ("ReKrute.com", False, 1)]
    with pytest.raises(Forbidden):
        offers.list_sources(a.student.actor, a.tenant_id)


# ---------------------------------------------------------------- collecting

def test_bad_offers_are_refused_with_clear_codes_and_nothing_written(worlds):
    a, b = worlds
    other_source = offers.do_create_source(_bizdev(b), b.tenant_id, {"name": "Rekrute", "kind": "job_board"})
    cases = [
        ({"deadline": (date.today() - timedelta(days=1)).isoformat()}, "deadline_past"),
        ({"source_id": 999999}, "source_not_found"),
        ({"source_id": other_source.id}, "source_not_found"),  # another centre's source
        ({"company_id": make_company(b, "Beta SA")}, "company_not_found"),
        ({"kind": "freelance"}, "invalid_kind"),
        ({"title": ""}, "invalid"),
        ({"url": "javascript:alert(1)"}, "invalid_url"),
    ]
    for extra, code in cases:
        with pytest.raises((Invalid, NotFound)) as exc:
            _offer(a, **extra)
        assert exc.value.code == code, extra
    assert _count(Offer, tenant_id=a.tenant_id) == 0
    with pytest.raises(Forbidden):
        offers.do_collect_offer(a.student.actor, a.tenant_id, {"title": "Stage", "kind": "job"})


def test_an_offer_from_a_bd01_company_shows_its_name_and_can_be_edited(world_a):
    a = world_a
    cid = make_company(a, "Maroc Telecom")
    src = offers.do_create_source(_bizdev(a), a.tenant_id, {"name": "LinkedIn", "kind": "social_network"})
    oid = _offer(a, company_id=cid, company_name="", source_id=src.id, kind="job")
    v = offers.get_offer(a.manager.actor, a.tenant_id, oid)
    assert (v.company, v.source, v.status, v.featured) == ("Maroc Telecom", "LinkedIn", "collected", False)
    v = offers.do_update_offer(_bizdev(a), a.tenant_id, oid, {"title": "Ingénieur réseaux", "kind": "job",
                                                              "company_id": cid, "place": "Rabat"})
    assert (v.title, v.place, v.deadline) == ("Ingénieur réseaux", "Rabat", None)
    assert offers.do_set_featured(_bizdev(a), a.tenant_id, oid, True).featured is True


# ---------------------------------------------------------------- lifecycle and visibility

def test_featured_offers_go_to_ambassadors_first_then_to_every_student(world_a, run_outbox):
    a = world_a
    student, ambassador = a.student.actor, a.people["ambassador"].actor
    oid = _offer(a, "Stage marketing digital", featured=True)
    plain = _offer(a, "Stage comptabilité")
    assert _titles(student, a) == [] and _titles(ambassador, a) == []  # collected: nobody sees it

    with pytest.raises(Conflict) as exc:
        offers.do_publish_offer(_bizdev(a), a.tenant_id, oid)
    assert exc.value.code == "ambassadors_first"
    offers.do_publish_to_ambassadors(_bizdev(a), a.tenant_id, oid)
    assert _titles(student, a) == []
    page = offers.browse_offers(ambassador, a.tenant_id)
    assert [(i.title, i.preview) for i in page.items] == [("Stage marketing digital", True)]
    assert run_outbox() == ["sent"]  # the ambassador is told
    with system_session("test: mail") as s:
        assert s.exec(select(DevMail.to_email)).scalars().all() == [a.people["ambassador"].email]

    offers.do_publish_offer(_bizdev(a), a.tenant_id, plain)  # not featured: straight to everyone
    offers.do_publish_offer(_bizdev(a), a.tenant_id, oid)
    assert _titles(student, a) == ["Stage marketing digital", "Stage comptabilité"]  # newest first
    assert [i.preview for i in offers.browse_offers(ambassador, a.tenant_id).items] == [False, False]

    offers.do_close_offer(_bizdev(a), a.tenant_id, oid)
    assert _titles(student, a) == ["Stage comptabilité"]
    with pytest.raises(Conflict) as exc:
        offers.do_publish_offer(_bizdev(a), a.tenant_id, oid)
    assert exc.value.code == "invalid_offer_status"


def test_students_filter_and_page_published_offers(world_a):
    a = world_a
    for i, (kind, place) in enumerate([("job", "Rabat"), ("internship", "Casablanca"), ("job", "Casablanca")]):
        offers.do_publish_offer(_bizdev(a), a.tenant_id, _offer(a, f"Offre {i}", kind=kind, place=place,
                                                                description="Python SQL" if i == 2 else ""))
    expired = _offer(a, "Offre expirée")
    offers.do_publish_offer(_bizdev(a), a.tenant_id, expired)
    with tenant_session(a.tenant_id) as s:  # the deadline passes
        o = s.get(Offer, expired)
        o.deadline = date.today() - timedelta(days=2)
        s.add(o)
        s.commit()
    st = a.student.actor
    assert _titles(st, a) == ["Offre 2", "Offre 1", "Offre 0"]
    assert _titles(st, a, kind="job") == ["Offre 2", "Offre 0"]
    assert _titles(st, a, place="casa") == ["Offre 2", "Offre 1"]
    assert _titles(st, a, text="python") == ["Offre 2"]
    p2 = offers.browse_offers(st, a.tenant_id, {"per_page": 2, "page": 2})
    assert (p2.total, [i.title for i in p2.items]) == (3, ["Offre 0"])
    with pytest.raises(Invalid) as exc:
        offers.browse_offers(st, a.tenant_id, {"kind": "cdi"})
    assert exc.value.code == "invalid_filter"
    staff = offers.list_offers(a.manager.actor, a.tenant_id, {"status": "published"})
    assert staff.total == 4  # staff still see the expired one


# ---------------------------------------------------------------- interest

def test_interest_feeds_the_shortlist_of_the_need(world_a):
    a = world_a
    cid = make_company(a, "Acme")
    nid = make_need(a, cid, positions=4)
    oid = _offer(a, need_id=nid, company_id=cid, company_name="")
    offers.do_publish_offer(_bizdev(a), a.tenant_id, oid)
    st = a.student.actor
    v = offers.do_express_interest(st, a.tenant_id, oid, note="Disponible dès juin")
    assert v.shortlisted is True
    with pytest.raises(Conflict) as exc:
        offers.do_express_interest(st, a.tenant_id, oid)
    assert exc.value.code == "already_interested"
    item = offers.browse_offers(st, a.tenant_id).items[0]
    assert (item.interested, item.my_note) == (True, "Disponible dès juin")
    with tenant_session(a.tenant_id) as s:
        entry = s.exec(select(ShortlistEntry)).scalars().one()
    assert (entry.need_id, entry.student_membership_id, entry.origin) == (nid, a.student.membership_id, "interest")
    rows = offers.offer_interests(_bizdev(a), a.tenant_id, oid)
    assert [(r.email, r.note, r.shortlisted) for r in rows] == [(a.student.email, "Disponible dès juin", True)]
    assert offers.get_offer(a.manager.actor, a.tenant_id, oid).interests == 1

    offers.do_withdraw_interest(st, a.tenant_id, oid)
    assert offers.browse_offers(st, a.tenant_id).items[0].interested is False
    with pytest.raises(NotFound) as exc:
        offers.do_withdraw_interest(st, a.tenant_id, oid)
    assert exc.value.code == "not_interested"


def test_interest_only_in_what_the_student_sees(worlds):
    a, b = worlds
    st = a.student.actor
    collected = _offer(a, "Pas encore publiée")
    preview = _offer(a, "Avant-première", featured=True)
    offers.do_publish_to_ambassadors(_bizdev(a), a.tenant_id, preview)
    closed = _offer(a, "Close")
    offers.do_publish_offer(_bizdev(a), a.tenant_id, closed)
    offers.do_close_offer(_bizdev(a), a.tenant_id, closed)
    for oid in (collected, preview):
        with pytest.raises(NotFound) as exc:
            offers.do_express_interest(st, a.tenant_id, oid)
        assert exc.value.code == "offer_not_found"
    with pytest.raises(Conflict) as exc:
        offers.do_express_interest(st, a.tenant_id, closed)
    assert exc.value.code == "offer_not_open"
    # an ambassador who is not a student sees the preview but says nothing as a candidate
    assert [i.title for i in offers.browse_offers(a.people["ambassador"].actor, a.tenant_id).items] == [
        "Avant-première"]
    with pytest.raises(Forbidden):
        offers.do_express_interest(a.people["ambassador"].actor, a.tenant_id, preview)
    # another centre's offer
    other = _offer(b, "Offre beta")
    offers.do_publish_offer(_bizdev(b), b.tenant_id, other)
    with pytest.raises(NotFound):
        offers.do_express_interest(st, a.tenant_id, other)
    with pytest.raises(Forbidden):
        offers.do_express_interest(b.student.actor, a.tenant_id, collected)
    with pytest.raises(Invalid) as exc:
        offers.do_express_interest(st, a.tenant_id, preview, note="x" * 1001)
    assert exc.value.code == "note_too_long"
    assert _count(OfferInterest) == 0
    # staff and company contacts do not browse the portal's offers as students do
    with pytest.raises(Forbidden):
        offers.browse_offers(a.people["company_contact"].actor, a.tenant_id)
    with pytest.raises(Forbidden):
        offers.do_express_interest(a.counselor.actor, a.tenant_id, preview)


def test_another_centres_offer_and_source_are_not_found(worlds):
    a, b = worlds
    oid = _offer(a)
    src = offers.do_create_source(_bizdev(a), a.tenant_id, {"name": "Rekrute", "kind": "job_board"})
    for call in (lambda: offers.get_offer(b.manager.actor, b.tenant_id, oid),
                 lambda: offers.do_publish_offer(_bizdev(b), b.tenant_id, oid),
                 lambda: offers.do_close_offer(_bizdev(b), b.tenant_id, oid),
                 lambda: offers.offer_interests(_bizdev(b), b.tenant_id, oid),
                 lambda: offers.do_update_source(_bizdev(b), b.tenant_id, src.id, {"name": "Mine"}),
                 lambda: offers.do_delete_source(_bizdev(b), b.tenant_id, src.id)):
        with pytest.raises(NotFound):
            call()
    assert offers.get_offer(a.manager.actor, a.tenant_id, oid).status == "collected"
    assert _count(OfferSource, name="Rekrute") == 1


def test_a_student_who_is_also_an_ambassador_sees_the_preview(world_a):
    a = world_a
    both = create_person("both@alpha.test", tenant_id=a.tenant_id, roles=["student", "ambassador"])
    oid = _offer(a, featured=True)
    offers.do_publish_to_ambassadors(_bizdev(a), a.tenant_id, oid)
    assert [i.preview for i in offers.browse_offers(both.actor, a.tenant_id).items] == [True]
    assert offers.do_express_interest(both.actor, a.tenant_id, oid).offer_id == oid


def test_an_inactive_source_is_no_longer_offered_for_new_offers(world_a):
    a = world_a
    src = offers.do_create_source(_bizdev(a), a.tenant_id, {"name": "Rekrute", "kind": "job_board"})
    kept = _offer(a, source_id=src.id)
    assert offers.do_set_source_active(_bizdev(a), a.tenant_id, src.id, False).active is False
    with pytest.raises(NotFound) as exc:
        _offer(a, "Nouvelle offre", source_id=src.id)
    assert exc.value.code == "source_not_found"
    # the offer it brought can still be edited with it
    v = offers.do_update_offer(_bizdev(a), a.tenant_id, kept, {"title": "Stage data (modifié)", "kind": "internship",
                                                               "source_id": src.id})
    assert v.source == "Rekrute"
    assert [x.name for x in offers.list_sources(a.manager.actor, a.tenant_id, active_only=True)] == []


def test_interest_in_an_offer_of_a_closed_need_does_not_touch_its_shortlist(world_a):
    a = world_a
    nid = make_need(a, make_company(a, "Acme"), positions=2, status="closed")
    oid = _offer(a, need_id=nid)
    offers.do_publish_offer(_bizdev(a), a.tenant_id, oid)
    assert offers.do_express_interest(a.student.actor, a.tenant_id, oid).shortlisted is False
    assert _count(ShortlistEntry) == 0 and _count(OfferInterest) == 1
