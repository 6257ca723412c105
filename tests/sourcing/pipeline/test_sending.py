"""Profiles sent to the company (P22): only consenting students go, through a secret link
valid a few days; the company sees a profile only while the student still consents; every
view is logged; the company records outcomes; the board and its metrics."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from integrations import storage
from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.outbox import OutboxMessage
from tenants.portal.profiles import services as prof
from tenants.portal.profiles.models import StudentProfile
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.pipeline import services as pipe
from tenants.sourcing.pipeline.models import (
    ProfileShare,
    ProfileShareItem,
    ProfileViewLog,
    ShortlistEntry,
)
from tests.conftest import create_person
from tests.sourcing.pipeline.helpers import add_contact, secret_of, setup_need
from tests.sourcing.util import make_company


def bizdev(w):
    return w.people["business_developer"].actor


def logs(w) -> list[ProfileViewLog]:
    with tenant_session(w.tenant_id) as s:
        return list(s.exec(select(ProfileViewLog).order_by(ProfileViewLog.id)).all())


def send_all(st, **kw):
    return pipe.do_send_profiles(bizdev(st.w), st.w.tenant_id, st.need_id, list(st.entries.values()), **kw)


def test_three_shortlisted_two_consenting_the_company_sees_exactly_two(world_a):
    w = world_a
    st = setup_need(w)  # amina, sara consent; youssef refused
    res = send_all(st)
    assert set(res.included) == {st.entries["amina"], st.entries["sara"]}
    assert [(x.entry_id, x.reason) for x in res.skipped] == [(st.entries["youssef"], "no_consent")]
    assert res.recipients == ("company@alpha.test", "rh@acme.test") and res.pdf_attached
    with tenant_session(w.tenant_id) as s:
        share = s.get(ProfileShare, res.share_id)
        items = s.exec(select(ProfileShareItem)).all()
        assert len(share.token_hash) == 64 and (share.expires_at - share.sent_at).days == 14
        assert len(items) == 2 and all(i.consent_record_id for i in items)
        statuses = {e.id: e.status for e in s.exec(select(ShortlistEntry)).all()}
        assert s.get(JobNeed, st.need_id).status == "sent"
    assert statuses == {st.entries["amina"]: "sent", st.entries["sara"]: "sent", st.entries["youssef"]: "proposed"}
    secret = secret_of(res.share_id)
    assert pipe.hash_secret(secret) == share.token_hash and secret not in share.token_hash
    page = pipe.open_share(secret, ip="203.0.113.9")
    assert sorted(p.full_name for p in page.profiles) == ["Amina Test", "Sara Test"]
    assert page.company_name == "Acme" and page.need_title == "Développeur Python"
    (lg,) = logs(w)
    assert (lg.kind, lg.share_id, lg.ip, lg.viewer_membership_id) == ("list", res.share_id, "203.0.113.9", None)


def test_the_email_carries_the_link_and_a_pdf_with_one_page_per_profile_and_no_contact_data(world_a):
    w = world_a
    st = setup_need(w)
    prof.do_update_my_profile(st.students["amina"].actor, w.tenant_id, {"phone": "+212 600 000 000"})
    res = send_all(st)
    with system_session("test") as s:
        msgs = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("profiles-sent:%"))
                      .order_by(OutboxMessage.id)).all()
    assert [m.payload["to"] for m in msgs] == ["company@alpha.test", "rh@acme.test"]
    m = msgs[1]
    assert "/shared/profiles?t=" in m.payload["text"]
    (att,) = m.payload["attachments"]
    pdf = PdfReader(io.BytesIO(base64.b64decode(att["content_b64"])))
    assert len(pdf.pages) == 2
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Amina Test" in text and "Sara Test" in text and "Youssef" not in text
    assert "600 000" not in text and "@" not in text.replace("@cc", "")
    assert res.share_id


def test_no_consenting_candidate_is_refused_and_nothing_changes(world_a):
    w = world_a
    st = setup_need(w, consents={"youssef": False, "karim": None})
    with pytest.raises(Invalid) as e:
        send_all(st)
    assert e.value.code == "no_consenting_candidate"
    with tenant_session(w.tenant_id) as s:
        assert s.exec(select(ProfileShare)).all() == []
        assert {e.status for e in s.exec(select(ShortlistEntry)).all()} == {"proposed"}
        assert s.get(JobNeed, st.need_id).status == "shortlisted"


@pytest.mark.parametrize("days", [0, 91, -1, "14", True])
def test_valid_days_between_1_and_90(world_a, days):
    st = setup_need(world_a)
    with pytest.raises(Invalid) as e:
        send_all(st, valid_days=days)
    assert e.value.code == "invalid_valid_days"


def test_sending_is_the_business_developers(world_a):
    st = setup_need(world_a)
    with pytest.raises(Forbidden):
        pipe.do_send_profiles(world_a.counselor.actor, world_a.tenant_id, st.need_id, [st.entries["amina"]])


def test_revoking_consent_hides_the_profile_from_then_on(world_a):
    w = world_a
    st = setup_need(w)
    secret = secret_of(send_all(st).share_id)
    prof.do_set_consent(st.students["sara"].actor, w.tenant_id, granted=False)
    assert [p.full_name for p in pipe.open_share(secret).profiles] == ["Amina Test"]
    with pytest.raises(NotFound):
        pipe.shared_file(secret, "cv", st.students["sara"].membership_id)
    # granting again later does not matter for what was sent: the item had consent at sending
    prof.do_set_consent(st.students["sara"].actor, w.tenant_id, granted=True)
    assert len(pipe.open_share(secret).profiles) == 2


def test_expired_revoked_or_unknown_links_show_nothing_and_log_nothing(world_a):
    w = world_a
    st = setup_need(w)
    res = send_all(st, valid_days=1)
    secret = secret_of(res.share_id)
    with tenant_session(w.tenant_id) as s:
        sh = s.get(ProfileShare, res.share_id)
        sh.expires_at = utcnow() - timedelta(seconds=1)
        s.add(sh)
        s.commit()
    for bad in (secret, "x" * 43, "", "short"):
        with pytest.raises(NotFound) as e:
            pipe.open_share(bad)
        assert e.value.code == "link_expired"
    with pytest.raises(NotFound):
        pipe.shared_file(secret, "pdf")
    assert logs(w) == []
    # revoked: same answer
    res2 = send_all(setup_need(w, company="Other", signed_in_contact=False, consents={"lina": True}))
    secret2 = secret_of(res2.share_id)
    assert len(pipe.open_share(secret2).profiles) == 1
    pipe.do_revoke_share(bizdev(w), w.tenant_id, res2.share_id)
    with pytest.raises(NotFound) as e:
        pipe.open_share(secret2)
    assert e.value.code == "link_expired"
    assert len(logs(w)) == 1


def test_every_view_is_logged_cv_profile_and_pdf(world_a):
    w = world_a
    st = setup_need(w)
    amina = st.students["amina"]
    key = storage.save_private(w.tenant_id, "cv", b"%PDF-1.4 cv", ext="pdf")
    with tenant_session(w.tenant_id) as s:
        p = s.exec(select(StudentProfile).where(StudentProfile.membership_id == amina.membership_id)).one()
        p.cv_key, p.cv_filename = key, "cv-amina.pdf"
        s.add(p)
        s.commit()
    secret = secret_of(send_all(st).share_id)
    assert pipe.shared_file(secret, "cv", amina.membership_id) == ("cv-amina.pdf", b"%PDF-1.4 cv")
    name, data = pipe.shared_file(secret, "profile", amina.membership_id)
    assert data.startswith(b"%PDF") and len(PdfReader(io.BytesIO(data)).pages) == 1
    name, data = pipe.shared_file(secret, "pdf")
    assert name == "profils.pdf" and len(PdfReader(io.BytesIO(data)).pages) == 2
    with pytest.raises(NotFound):
        pipe.shared_file(secret, "cv", st.students["youssef"].membership_id)  # not sent
    with pytest.raises(NotFound) as e:
        pipe.shared_file(secret, "cv", st.students["sara"].membership_id)  # no CV on file
    assert e.value.code == "no_cv"
    assert [(lg.kind, lg.student_membership_id) for lg in logs(w)] == [
        ("cv", amina.membership_id), ("profile", amina.membership_id), ("pdf", None)]
    views = pipe.list_shares(w.counselor.actor, w.tenant_id, st.need_id)[0].views
    assert [v.kind for v in views] == ["pdf", "profile", "cv"] and views[-1].student_name == "Amina Test"


def test_a_signed_in_contact_sees_only_their_own_companys_sendings(world_a):
    w = world_a
    st = setup_need(w)
    res = send_all(st)
    contact = w.people["company_contact"].actor
    page = pipe.share_for_company(contact, w.tenant_id, res.share_id)
    assert len(page.profiles) == 2
    assert logs(w)[-1].viewer_membership_id == w.people["company_contact"].membership_id
    assert [s.id for s in pipe.list_company_shares(contact, w.tenant_id)] == [res.share_id]
    assert {c.full_name for c in pipe.company_candidates(contact, w.tenant_id, st.need_id)} == {
        "Amina Test", "Sara Test"}
    # another company's contact of the same centre
    other_cid = make_company(w, "Rival")
    rival = create_person("rival@alpha.test", tenant_id=w.tenant_id, roles=["company_contact"])
    with tenant_session(w.tenant_id) as s:
        from tenants.sourcing.partners.models import Person as Contact

        s.add(Contact(tenant_id=w.tenant_id, full_name="Rival", name_key="rival", email=rival.email,
                      company_id=other_cid, membership_id=rival.membership_id))
        s.commit()
    with pytest.raises(NotFound):
        pipe.share_for_company(rival.actor, w.tenant_id, res.share_id)
    with pytest.raises(NotFound):
        pipe.company_candidates(rival.actor, w.tenant_id, st.need_id)
    with pytest.raises(NotFound):
        pipe.company_share_file(rival.actor, w.tenant_id, res.share_id, "pdf")
    with pytest.raises(NotFound):
        pipe.do_record_outcome(rival.actor, w.tenant_id, st.entries["amina"], "hired")
    assert pipe.list_company_shares(rival.actor, w.tenant_id) == []


def test_another_centre_sees_nothing(worlds):
    a, b = worlds
    st = setup_need(a)
    res = send_all(st)
    setup_need(b, company="Beta")
    cb = b.people["company_contact"].actor
    with pytest.raises(NotFound):
        pipe.share_for_company(cb, b.tenant_id, res.share_id)
    with pytest.raises(NotFound):
        pipe.company_candidates(cb, b.tenant_id, st.need_id)
    with pytest.raises(NotFound):
        pipe.do_record_outcome(cb, b.tenant_id, st.entries["amina"], "hired")
    with pytest.raises(Forbidden):
        pipe.share_for_company(cb, a.tenant_id, res.share_id)
    with pytest.raises(NotFound):
        pipe.list_shares(b.counselor.actor, b.tenant_id, st.need_id)


def test_outcomes_are_recorded_by_the_company_and_feed_the_metrics(world_a):
    w = world_a
    st = setup_need(w)
    send_all(st)
    contact = w.people["company_contact"].actor
    v = pipe.do_record_outcome(contact, w.tenant_id, st.entries["amina"], "hired", "Commence le 1er avril")
    assert (v.outcome, v.outcome_note) == ("hired", "Commence le 1er avril")
    pipe.do_record_outcome(contact, w.tenant_id, st.entries["sara"], "interview")
    with tenant_session(w.tenant_id) as s:
        assert s.get(JobNeed, st.need_id).status == "outcomes"
    with pytest.raises(Invalid):
        pipe.do_record_outcome(contact, w.tenant_id, st.entries["sara"], "maybe")
    with pytest.raises(NotFound):  # not sent: the company never got it
        pipe.do_record_outcome(contact, w.tenant_id, st.entries["youssef"], "hired")
    with pytest.raises(Forbidden):
        pipe.do_record_outcome(w.counselor.actor, w.tenant_id, st.entries["amina"], "hired")
    m = pipe.pipeline_metrics(w.manager.actor, w.tenant_id)
    (acme,) = m.by_company
    assert (acme.key, acme.positions, acme.hired) == ("Acme", 3, 1) and round(acme.rate, 2) == 0.33
    assert m.by_sector[0].key == "Numérique" and m.needs_shortlisted == 1
    assert m.median_days_to_shortlist is not None and m.median_days_to_shortlist < 1


def test_revoked_consent_also_hides_the_candidate_from_the_signed_in_contact(world_a):
    w = world_a
    st = setup_need(w)
    send_all(st)
    prof.do_set_consent(st.students["amina"].actor, w.tenant_id, granted=False)
    contact = w.people["company_contact"].actor
    assert [c.full_name for c in pipe.company_candidates(contact, w.tenant_id, st.need_id)] == ["Sara Test"]
    with pytest.raises(NotFound):
        pipe.do_record_outcome(contact, w.tenant_id, st.entries["amina"], "contacted")


def test_no_contact_no_sending(world_a):
    w = world_a
    st = setup_need(w, signed_in_contact=False)
    with tenant_session(w.tenant_id) as s:
        from tenants.sourcing.partners.models import Person as Contact

        for p in s.exec(select(Contact)).all():
            p.email = ""
            s.add(p)
        s.commit()
    with pytest.raises(Conflict) as e:
        send_all(st)
    assert e.value.code == "no_company_contact"
    add_contact(w, st.company_id, "jobs@acme.test")
    assert send_all(st).recipients == ("jobs@acme.test",)


def test_the_board_groups_needs_by_status(world_a):
    w = world_a
    st = setup_need(w)
    other = make_company(w, "Zeta")
    from tests.sourcing.util import make_need

    make_need(w, other, title="Comptable")
    board = pipe.pipeline_board(w.people["host_focal_point"].actor, w.tenant_id)
    assert [c.title for c in board.columns["received"]] == ["Comptable"]
    assert [c.title for c in board.columns["shortlisted"]] == ["Développeur Python"]
    assert list(board.columns) == ["received", "sheet_ready", "sourcing", "shortlisted", "preparing", "sent",
                                   "outcomes"]
    only = pipe.pipeline_board(w.manager.actor, w.tenant_id, company_id=st.company_id)
    assert sum(len(v) for v in only.columns.values()) == 1
    card = only.columns["shortlisted"][0]
    assert (card.company_name, card.positions, card.days_since_received) == ("Acme", 3, 0)
    with pytest.raises(Forbidden):
        pipe.pipeline_board(w.student.actor, w.tenant_id)
