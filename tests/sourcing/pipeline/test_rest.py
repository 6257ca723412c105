"""The pipeline over REST: staff search, shortlist and send; the secure link serves the
profiles and files to anyone holding it (and nothing once it expired); the company contact
reads its candidates and records outcomes with its token."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import select

from integrations import storage
from integrations.db import tenant_session, utcnow
from tenants.portal.profiles.models import StudentProfile
from tenants.sourcing.pipeline.models import ProfileShare, ProfileViewLog
from tests.api.util import bearer_for, cookie_for
from tests.sourcing.pipeline.helpers import secret_of, setup_need


@pytest.fixture(scope="module")
def client() -> TestClient:
    from cc_network.api import api_app

    return TestClient(api_app, raise_server_exceptions=True)


def test_staff_search_shortlist_rank_and_send_over_rest(client, world_a):
    w = world_a
    st = setup_need(w, consents={"amina": True, "youssef": False})
    base = f"/api/v1/tenants/{w.slug}/sourcing"
    staff = bearer_for(w.counselor)
    r = client.get(base + "/students", params={"q": "python", "consent_only": True, "need_id": st.need_id},
                   headers=staff)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 1 and body["items"][0]["full_name"] == "Amina Test" and body["items"][0]["in_shortlist"]
    r = client.get(base + "/students", params={"level": "master"}, headers=staff)
    assert r.status_code == 422
    r = client.get(base + f"/needs/{st.need_id}/shortlist", headers=staff)
    assert [e["student_name"] for e in r.json()] == ["Amina Test", "Youssef Test"]
    bd = bearer_for(w.people["business_developer"])
    ids = [st.entries["youssef"], st.entries["amina"]]
    r = client.put(base + f"/needs/{st.need_id}/ranking", json={"entry_ids": ids}, headers=bd)
    assert [e["id"] for e in r.json()] == ids
    r = client.patch(base + f"/shortlist/{st.entries['amina']}", json={"rank": 1}, headers=staff)
    assert r.status_code == 403
    r = client.post(base + f"/needs/{st.need_id}/sendings", json={"entry_ids": ids, "valid_days": 91}, headers=bd)
    assert r.status_code == 422
    r = client.post(base + f"/needs/{st.need_id}/sendings", json={"entry_ids": ids, "valid_days": 5}, headers=bd)
    assert r.status_code == 201, r.text
    sent = r.json()
    assert sent["included"] == [st.entries["amina"]]
    assert sent["skipped"] == [{"entry_id": st.entries["youssef"], "student_name": "Youssef Test",
                                "reason": "no_consent"}]
    r = client.get(base + f"/needs/{st.need_id}/sendings", headers=staff)
    assert r.json()[0]["students"] == ["Amina Test"]
    r = client.get(base + "/metrics", headers=staff)
    assert r.json()["by_company"][0]["key"] == "Acme"


def test_the_secure_link_serves_profiles_and_files_and_logs_each_view(client, world_a):
    w = world_a
    st = setup_need(w, consents={"amina": True})
    amina = st.students["amina"].membership_id
    key = storage.save_private(w.tenant_id, "cv", b"%PDF-1.4 the cv", ext="pdf")
    with tenant_session(w.tenant_id) as s:
        p = s.exec(select(StudentProfile).where(StudentProfile.membership_id == amina)).one()
        p.cv_key, p.cv_filename = key, "CV Amina.pdf"
        s.add(p)
        s.commit()
    from tenants.sourcing.pipeline import services as pipe

    share_id = pipe.do_send_profiles(w.manager.actor, w.tenant_id, st.need_id, [st.entries["amina"]]).share_id
    secret = secret_of(share_id)
    r = client.get("/api/v1/shared/profiles", params={"t": secret})
    assert r.status_code == 200 and [p["full_name"] for p in r.json()["profiles"]] == ["Amina Test"]
    assert "phone" not in r.text and "email" not in r.text
    r = client.get(f"/api/v1/shared/profiles/{amina}/cv", params={"t": secret})
    assert r.status_code == 200 and r.content == b"%PDF-1.4 the cv"
    assert r.headers["cache-control"] == "private, no-store"
    r = client.get("/api/v1/shared/profiles/pdf", params={"t": secret}, headers=cookie_for(w.people["company_contact"]))
    assert r.status_code == 200 and len(PdfReader(io.BytesIO(r.content)).pages) == 1
    r = client.get(f"/api/v1/shared/profiles/{amina}/profile", params={"t": secret})
    assert r.status_code == 200
    with tenant_session(w.tenant_id) as s:
        rows = s.exec(select(ProfileViewLog).order_by(ProfileViewLog.id)).all()
        assert [x.kind for x in rows] == ["list", "cv", "pdf", "profile"]
        assert rows[2].viewer_membership_id == w.people["company_contact"].membership_id
        sh = s.get(ProfileShare, share_id)
        sh.expires_at = utcnow() - timedelta(minutes=1)
        s.add(sh)
        s.commit()
    for url in ("/api/v1/shared/profiles", "/api/v1/shared/profiles/pdf", f"/api/v1/shared/profiles/{amina}/cv"):
        r = client.get(url, params={"t": secret})
        assert r.status_code == 404 and r.json()["error"]["code"] == "link_expired"
    r = client.get("/api/v1/shared/profiles", params={"t": "not-a-real-secret-at-all"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "link_expired"
    with tenant_session(w.tenant_id) as s:
        assert len(s.exec(select(ProfileViewLog)).all()) == 4


def test_the_company_contact_reads_candidates_and_records_outcomes(client, world_a):
    w = world_a
    st = setup_need(w)
    from tenants.sourcing.pipeline import services as pipe

    share_id = pipe.do_send_profiles(w.manager.actor, w.tenant_id, st.need_id, list(st.entries.values())).share_id
    company = bearer_for(w.people["company_contact"])
    c = f"/api/v1/tenants/{w.slug}/company"
    r = client.get(c + f"/needs/{st.need_id}/candidates", headers=company)
    assert sorted(p["full_name"] for p in r.json()) == ["Amina Test", "Sara Test"]
    r = client.post(c + f"/candidates/{st.entries['amina']}/outcome", json={"outcome": "hired", "note": "Bravo"},
                    headers=company)
    assert r.status_code == 200 and r.json()["outcome"] == "hired"
    r = client.post(c + f"/candidates/{st.entries['amina']}/outcome", json={"outcome": "maybe"}, headers=company)
    assert r.status_code == 422
    r = client.get(c + f"/shares/{share_id}", headers=company)
    assert r.status_code == 200 and r.json()["profiles"][0]["outcome"] in ("hired", "")
    r = client.get(c + f"/shares/{share_id}/pdf", headers=company)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
