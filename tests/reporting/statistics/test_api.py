"""The statistics over REST: the same answers as the services, exports a spreadsheet opens."""

from __future__ import annotations

import io
from datetime import datetime

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from cc_network.api import api_app
from tests.api.util import bearer_for, cookie_for, error_code
from tests.reporting.statistics.util import CASA, dims, put

client = TestClient(api_app)
NOV = datetime(2025, 11, 4, 10, tzinfo=CASA)


def _seed(a) -> None:
    dims(a)
    put(a, "visit", 1, NOV, student=a.student.membership_id, counselor=a.counselor.membership_id, recorded_at=NOV)
    put(a, "visit", 2, NOV, student=a.student.membership_id, counselor=a.counselor.membership_id)
    put(a, "event_held", 3, NOV, counselor=a.counselor.membership_id, event_type="workshop", recorded_at=NOV)


def test_statistics_grouped_and_filtered(world_a):
    a = world_a
    _seed(a)
    h = bearer_for(a.manager)
    r = client.get(f"/api/v1/tenants/{a.slug}/statistics", headers=h,
                   params={"start": "2025-11-01", "end": "2025-11-30", "group_by": "kind,counselor"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["total"], body["late"]) == (3, 1)
    assert sorted((x["keys"][0], x["labels"][1], x["count"]) for x in body["rows"]) == [
        ("event_held", "Counselor", 1), ("visit", "Counselor", 2)]
    r = client.get(f"/api/v1/tenants/{a.slug}/statistics", headers=h,
                   params={"start": "2025-11-01", "end": "2025-11-30", "gender": "female"})
    assert r.json()["total"] == 2
    r = client.get(f"/api/v1/tenants/{a.slug}/statistics", headers=h,
                   params={"start": "2025-11-01", "end": "2025-11-30", "group_by": "shoe_size"})
    assert (r.status_code, error_code(r)) == (422, "invalid_group_by")
    late = client.get(f"/api/v1/tenants/{a.slug}/statistics/late", headers=h,
                      params={"start": "2025-11-01", "end": "2025-11-30"}).json()
    assert late["total"] == 1 and late["items"][0]["source_id"] == 2


def test_exports_are_translated(world_a):
    a = world_a
    _seed(a)
    h = cookie_for(a.manager)
    q = {"start": "2025-11-01", "end": "2025-11-30", "group_by": "kind"}
    r = client.get(f"/api/v1/tenants/{a.slug}/statistics/export", headers=h, params={**q, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "Type d'activité;Nombre;Saisies tardives"
    assert "Visite;2;1" in text
    r = client.get(f"/api/v1/tenants/{a.slug}/statistics/export", headers=h,
                   params={**q, "format": "xlsx", "lang": "ar"})
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.sheet_view.rightToLeft
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "زيارة" in values and 2 in values
    r = client.get(f"/api/v1/tenants/{a.slug}/statistics/late/export", headers=h,
                   params={"start": "2025-11-01", "end": "2025-11-30", "format": "csv", "lang": "en"})
    assert r.content.decode("utf-8-sig").splitlines()[1].startswith("Visit;04/11/2025 10:00;")
    # the same table as a PDF, in Arabic too (right to left)
    for lang, word in (("fr", "Visite"), ("ar", "زيارة")):
        r = client.get(f"/api/v1/tenants/{a.slug}/statistics/export", headers=h,
                       params={**q, "format": "pdf", "lang": lang})
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        page_text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
        assert word in page_text and "2" in page_text
    r = client.get(f"/api/v1/tenants/{a.slug}/statistics/late/export", headers=h,
                   params={"start": "2025-11-01", "end": "2025-11-30", "format": "pdf"})
    assert r.status_code == 200 and len(PdfReader(io.BytesIO(r.content)).pages) == 1
    r = client.get(f"/api/v1/tenants/{a.slug}/statistics/export", headers=h, params={**q, "format": "docx"})
    assert r.status_code == 422


def test_settings_over_rest(world_a):
    a = world_a
    h = bearer_for(a.manager)
    url = f"/api/v1/tenants/{a.slug}/reporting-settings"
    assert client.get(url, headers=h).json() == {"cutoff_weekday": 3, "meeting_weekday": 4, "host_recipients": []}
    r = client.put(url, headers=h, json={"cutoff_weekday": 9, "meeting_weekday": 4})
    assert (r.status_code, error_code(r)) == (422, "invalid_weekday")
    r = client.put(url, headers=h, json={"cutoff_weekday": 2, "meeting_weekday": 4, "host_recipients": ["x@"]})
    assert (r.status_code, error_code(r)) == (422, "invalid_email")
    r = client.put(url, headers=h, json={"cutoff_weekday": 2, "meeting_weekday": 4,
                                         "host_recipients": ["presidence@univ.test"]})
    assert r.json() == {"cutoff_weekday": 2, "meeting_weekday": 4, "host_recipients": ["presidence@univ.test"]}
    r = client.put(url, headers=bearer_for(a.counselor), json={"cutoff_weekday": 1, "meeting_weekday": 4})
    assert r.status_code == 403


def test_dashboard_over_rest(world_a):
    a = world_a
    _seed(a)
    r = client.get(f"/api/v1/tenants/{a.slug}/dashboard", headers=bearer_for(a.people["host_approver"]),
                   params={"start": "2025-11-01", "end": "2025-11-30", "unit": "week"})
    assert r.status_code == 200, r.text
    assert [(p["period"], p["visit"], p["event_held"]) for p in r.json()["activity"]] == [("2025-11-03", 2, 1)]
