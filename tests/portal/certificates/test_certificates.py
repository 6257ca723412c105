"""Participation certificates (T05, issue 4 §6): issued with the questionnaire's answers, PDF in
the student's language with a QR code of the verification URL, public verification, revocation."""

from __future__ import annotations

import io
import re

import pytest
import segno
from pypdf import PdfReader

from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.settings import get_settings
from tenants.portal.certificates import services as cs
from tenants.portal.surveys import services as sv
from tests.pdf_glyphs import embedded_glyphs
from tests.portal.registrations.util import bulk_students
from tests.portal.surveys.util import held_workshop, set_account

GOOD = {"q1": 5, "q2": 4, "q3": 4, "q4": 5}


def _certified(world, student, **over) -> cs.CertificateView:
    eid, _ = held_workshop(world, [student], **over)
    sv.do_open_questionnaire(world.counselor.actor, world.tenant_id, eid)
    cert = sv.do_submit_answers(student, world.tenant_id, eid, GOOD).certificate
    assert cert is not None
    return cert


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(p.extract_text() for p in reader.pages)


def test_certificate_is_issued_with_the_answers_and_has_a_strong_code(world_a):
    a = world_a
    s1, s2 = bulk_students(a.tenant_id, 2)
    c1 = _certified(a, s1, title="Réussir son entretien")
    c2 = _certified(a, s2)
    assert re.fullmatch(r"[A-Z2-7]{16}", c1.code) and c1.code != c2.code
    assert c1.verify_url == f"{get_settings().base_url.rstrip('/')}/verify/{c1.code}"
    assert (c1.student_name, c1.event_title, c1.lang, c1.valid) == (s1.full_name, "Réussir son entretien",
                                                                     "fr", True)
    assert [c.id for c in cs.my_certificates(s1, a.tenant_id)] == [c1.id]
    assert [c.id for c in cs.list_certificates(a.counselor.actor, a.tenant_id, c1.event_id)] == [c1.id]


def test_no_certificate_for_an_activity_that_is_not_a_training(world_a):
    a = world_a
    (s1,) = bulk_students(a.tenant_id, 1)
    eid, _ = held_workshop(a, [s1], type="guest_speaker")
    sv.do_set_template(a.manager.actor, a.tenant_id, "guest_speaker",
                       {"questions": [{"kind": "rating", "label": "Intérêt de l'intervention"}]})
    sv.do_open_questionnaire(a.counselor.actor, a.tenant_id, eid)
    assert sv.do_submit_answers(s1, a.tenant_id, eid, {"q1": 4}).certificate is None
    assert cs.my_certificates(s1, a.tenant_id) == []


def test_pdf_parses_and_carries_name_code_centre_and_qr(world_a):
    a = world_a
    (s1,) = bulk_students(a.tenant_id, 1)
    cert = _certified(a, s1, title="Rédiger son CV")
    pdf = cs.certificate_pdf(s1, a.tenant_id, cert.id)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    for expected in (s1.full_name, cert.code, "Rédiger son CV", "Centre ALPHA", "Attestation de participation"):
        assert expected in text
    # the embedded image is the QR code of the verification URL, module for module
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 1
    img = page.images[0].image.convert("L")
    qr = segno.make(cert.verify_url, error="m", micro=False)
    scale, border = 10, 4
    assert img.size == qr.symbol_size(scale=scale, border=border)
    for y, row in enumerate(qr.matrix):
        for x, dark in enumerate(row):
            px = img.getpixel(((x + border) * scale + scale // 2, (y + border) * scale + scale // 2))
            assert (px < 128) == bool(dark), f"module ({x}, {y}) differs"


def test_pdf_in_arabic_and_english_per_the_student_locale(world_a):
    a = world_a
    s1, s2 = bulk_students(a.tenant_id, 2)
    set_account(s1.account_id, locale="ar", full_name="فاطمة الزهراء")
    set_account(s2.account_id, locale="en")
    ar = _certified(a, s1, title="ورشة السيرة الذاتية")
    en = _certified(a, s2)
    assert (ar.lang, ar.student_name, en.lang) == ("ar", "فاطمة الزهراء", "en")
    pdf = cs.certificate_pdf(s1, a.tenant_id, ar.id)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "ar"
    text = _text(pdf)
    assert ar.code in text
    # shaped Arabic: the text layer holds Arabic letters (presentation forms once joined)
    assert re.search("[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]", text)
    # and drawn joined: the title's sheen in its initial form, its teh marbuta in its final one
    assert {"uniFEB7", "uniFE94"} <= embedded_glyphs(pdf)
    assert "Attestation" not in text
    en_text = _text(cs.certificate_pdf(a.counselor.actor, a.tenant_id, en.id))
    assert "Certificate of participation" in en_text and en.code in en_text


def test_only_the_student_and_staff_download_the_pdf(worlds):
    a, b = worlds
    s1, s2 = bulk_students(a.tenant_id, 2)
    cert = _certified(a, s1)
    assert cs.certificate_pdf(a.manager.actor, a.tenant_id, cert.id).startswith(b"%PDF")
    with pytest.raises(NotFound):  # another student: as if it did not exist
        cs.certificate_pdf(s2, a.tenant_id, cert.id)
    with pytest.raises(Forbidden):  # a company contact is no staff
        cs.certificate_pdf(a.people["company_contact"].actor, a.tenant_id, cert.id)
    # another centre's certificate id answers "not found"
    with pytest.raises(NotFound):
        cs.certificate_pdf(b.manager.actor, b.tenant_id, cert.id)
    with pytest.raises(NotFound):
        cs.get_certificate(b.counselor.actor, b.tenant_id, cert.id)
    with pytest.raises(NotFound):
        cs.do_revoke_certificate(b.manager.actor, b.tenant_id, cert.id, "erreur de saisie")
    with pytest.raises(Forbidden):
        cs.certificate_pdf(b.manager.actor, a.tenant_id, cert.id)


def test_public_verification_shows_only_name_event_date_and_validity(world_a):
    a = world_a
    (s1,) = bulk_students(a.tenant_id, 1)
    cert = _certified(a, s1, title="Préparer un salon")
    v = cs.verify_certificate(cert.code)
    assert (v.student_name, v.event_title, v.event_date, v.valid) == (s1.full_name, "Préparer un salon",
                                                                      cert.event_date, True)
    assert set(vars(v)) == {"student_name", "event_title", "event_date", "valid"}
    assert cs.verify_certificate(f"  {cert.code.lower()} ").valid  # read out or typed by hand
    for bad in ("", "AAAAAAAAAAAAAAAA", cert.code[:-1], cert.code + "A", "../../etc/passwd"):
        with pytest.raises(NotFound):
            cs.verify_certificate(bad)


def test_staff_revoke_with_a_reason_and_verification_says_not_valid(world_a):
    a = world_a
    (s1,) = bulk_students(a.tenant_id, 1)
    cert = _certified(a, s1)
    with pytest.raises(Forbidden):
        cs.do_revoke_certificate(s1, a.tenant_id, cert.id, "je n'en veux plus")
    with pytest.raises(Invalid) as bad:
        cs.do_revoke_certificate(a.counselor.actor, a.tenant_id, cert.id, " ")
    assert bad.value.code == "revoke_reason_required"
    out = cs.do_revoke_certificate(a.counselor.actor, a.tenant_id, cert.id, "Présence saisie par erreur")
    assert (out.valid, out.revoke_reason) == (False, "Présence saisie par erreur")
    assert cs.verify_certificate(cert.code).valid is False
    with pytest.raises(Conflict) as exc:
        cs.do_revoke_certificate(a.manager.actor, a.tenant_id, cert.id, "encore")
    assert exc.value.code == "certificate_revoked"
    assert "Attestation révoquée" in _text(cs.certificate_pdf(s1, a.tenant_id, cert.id))


def test_public_verification_over_rest(world_a):
    """GET /api/v1/certificates/<code>: no sign-in, only name, activity, date, validity."""
    from fastapi.testclient import TestClient

    from cc_network.api import api_app

    a = world_a
    (s1,) = bulk_students(a.tenant_id, 1)
    eid, _ = held_workshop(a, [s1])
    sub = sv.do_submit_answers(s1, a.tenant_id, eid, {"q1": 5, "q2": 4, "q3": 5, "q4": 4})
    client = TestClient(api_app)
    r = client.get(f"/api/v1/certificates/{sub.certificate.code}")
    assert r.status_code == 200, r.text
    assert r.json() == {"valid": True, "student_name": sub.certificate.student_name,
                        "event_title": sub.certificate.event_title,
                        "event_date": sub.certificate.event_date.isoformat()}
    assert client.get("/api/v1/certificates/NOPE0000NOPE0000").status_code == 404
