"""Questionnaires (T04) and certificates (T05) over REST (issue 4 §8): the student answers
the questionnaire of a workshop she attended, receives her certificate, downloads it and
its public verification says it is valid; staff read the results and revoke; refusals
leave everything as it was."""

from __future__ import annotations

from pypdf import PdfReader

from tests.api.util import bearer_for, error_code, snapshot
from tests.portal.surveys.util import held_workshop

PORTAL = "/api/v1/tenants/{}/portal"
GOOD = {"q1": 5, "q2": 4, "q3": 4, "q4": 3, "q5": "Très utile"}


def test_student_answers_gets_certificate_downloads_it_and_it_verifies(client, world_a):
    a = world_a
    eid, _ = held_workshop(a, [a.student.actor], title="Atelier CV")
    me = bearer_for(a.student)
    base = PORTAL.format(a.slug)

    pending = client.get(f"{base}/questionnaires", headers=me)
    assert pending.status_code == 200 and [q["event_id"] for q in pending.json()] == [eid]
    q = client.get(f"{base}/questionnaires/{eid}", headers={**me, "Accept-Language": "en"}).json()
    assert [x["key"] for x in q["questions"]] == ["q1", "q2", "q3", "q4", "q5"] and q["submitted_at"] is None

    r = client.post(f"{base}/questionnaires/{eid}/answers", json={"answers": GOOD}, headers=me)
    assert r.status_code == 201, r.text
    cert = r.json()["certificate"]
    assert cert["valid"] and cert["event_title"] == "Atelier CV"
    assert client.get(f"{base}/questionnaires", headers=me).json() == []
    assert [c["id"] for c in client.get(f"{base}/certificates", headers=me).json()] == [cert["id"]]

    pdf = client.get(f"{base}/certificates/{cert['id']}/pdf", headers=me)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "private" in pdf.headers["cache-control"]
    import io
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert cert["code"] in text.replace(" ", "") or cert["student_name"] in text

    public = client.get(f"/api/v1/certificates/{cert['code']}")
    assert public.status_code == 200 and public.json()["valid"] is True
    assert set(public.json()) == {"valid", "student_name", "event_title", "event_date"}

    # staff: the results and the certificates of the event, then a revocation
    staff = bearer_for(a.manager)
    results = client.get(f"/api/v1/tenants/{a.slug}/events/{eid}/questionnaire/results", headers=staff).json()
    assert results["responses"] == 1 and results["attended"] == 1
    assert results["questions"][0]["average"] == 5 and results["questions"][4]["texts"] == ["Très utile"]
    listed = client.get(f"/api/v1/tenants/{a.slug}/events/{eid}/certificates", headers=staff).json()
    assert [c["id"] for c in listed] == [cert["id"]]
    revoked = client.post(f"{base}/certificates/{cert['id']}/revoke", json={"reason": "erreur de saisie"},
                          headers=staff)
    assert revoked.status_code == 200 and revoked.json()["valid"] is False
    assert client.get(f"/api/v1/certificates/{cert['code']}").json()["valid"] is False


def test_refusals_change_nothing(client, world_a):
    a = world_a
    eid, _ = held_workshop(a, [a.student.actor], title="Atelier entretien")
    me = bearer_for(a.student)
    base = PORTAL.format(a.slug)
    before = snapshot()
    cases = [
        ({"answers": {"q1": 9, "q2": 4, "q3": 4, "q4": 3}}, 422, "survey_invalid_rating"),
        ({"answers": {"q1": 5}}, 422, "survey_answer_required"),
        ({"answers": GOOD, "extra": 1}, 422, None),
    ]
    for body, status, code in cases:
        r = client.post(f"{base}/questionnaires/{eid}/answers", json=body, headers=me)
        assert r.status_code == status, r.text
        if code:
            assert error_code(r) == code
    assert snapshot() == before
    assert client.post(f"{base}/questionnaires/{eid}/answers", json={"answers": GOOD}, headers=me).status_code == 201
    twice = client.post(f"{base}/questionnaires/{eid}/answers", json={"answers": GOOD}, headers=me)
    assert twice.status_code == 409

    # a student who did not attend: refused; another student's certificate: not found
    other_eid, _ = held_workshop(a, [a.student.actor], attend=[], title="Atelier manqué")
    r = client.post(f"{base}/questionnaires/{other_eid}/answers", json={"answers": GOOD}, headers=me)
    assert r.status_code == 403 and error_code(r) == "survey_not_attended"
    # a revocation needs a reason
    cert_id = client.get(f"{base}/certificates", headers=me).json()[0]["id"]
    r = client.post(f"{base}/certificates/{cert_id}/revoke", json={"reason": ""}, headers=bearer_for(a.manager))
    assert r.status_code == 422
    assert client.get(f"{base}/certificates/{cert_id}", headers=me).json()["valid"] is True


def test_templates_and_waiver(client, world_a):
    a = world_a
    base = PORTAL.format(a.slug)
    manager, counselor = bearer_for(a.manager), bearer_for(a.counselor)
    default = client.get(f"{base}/questionnaire-templates/workshop", headers=counselor).json()
    assert default["stored"] is False and len(default["questions"]) == 5
    body = {"questions": [{"kind": "rating", "label": "Qualité", "label_en": "Quality", "label_ar": "الجودة"}]}
    assert client.put(f"{base}/questionnaire-templates/workshop", json=body, headers=counselor).status_code == 403
    r = client.put(f"{base}/questionnaire-templates/workshop", json=body, headers={**manager, "Accept-Language": "ar"})
    assert r.status_code == 200 and r.json()["stored"] and r.json()["questions"][0]["label"] == "الجودة"
    bad = client.put(f"{base}/questionnaire-templates/no_such_type", json=body, headers=manager)
    assert bad.status_code in (404, 422)
    waiver = client.get(f"{base}/waiver", headers={**bearer_for(a.student), "Accept-Language": "fr"}).json()
    assert waiver["version"].startswith("M36") and len(waiver["text"]) > 50
