"""The reports over REST, as a client would use them: the manager drafts the monthly report,
edits it, validates it; editing it afterwards answers 409 with the hint of a new version; the
PDF downloads with the browser's session; a month not ended is refused, nothing written."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from cc_network.api import api_app
from tests.api.util import bearer_for, cookie_for, error_code, snapshot
from tests.reporting.reports.util import local_today, log_visit, reports_count


@pytest.fixture
def client() -> TestClient:
    return TestClient(api_app, raise_server_exceptions=True)


def test_the_monthly_report_lifecycle_over_rest(client, world_a):
    a = world_a
    log_visit(a, a.student)
    base = f"/api/v1/tenants/{a.slug}/reports"
    auth = bearer_for(a.manager)
    today = local_today()

    before = snapshot(), reports_count()
    r = client.post(base, json={"kind": "monthly", "period_start": today.isoformat()}, headers=auth)
    assert r.status_code == 422 and error_code(r) == "period_not_ended"
    r = client.post(base, json={"kind": "yearly", "period_start": today.isoformat()}, headers=auth)
    assert r.status_code == 422
    assert (snapshot(), reports_count()) == before

    last_month = today.replace(day=1) - timedelta(days=1)
    r = client.post(base, json={"kind": "monthly", "period_start": last_month.isoformat()}, headers=auth)
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["status"] == "draft" and report["figures"]["counts"]["visits"] == 0  # the visit is this month
    url = f"{base}/{report['id']}"
    r = client.put(url, json={"sections": [{"key": "outlook", "body": "Préparer le salon"}],
                              "budget": [{"label": "Impression", "planned": 100, "spent": 20}]}, headers=auth)
    assert r.status_code == 200 and r.json()["budget"][0]["spent"] == 20.0
    r = client.put(url, json={"budget": [{"label": "x", "planned": -5}]}, headers=auth)
    assert r.status_code == 422
    assert client.post(url + "/validate", headers=auth).status_code == 200

    r = client.put(url, json={"sections": [{"key": "outlook", "body": "Changé"}]}, headers=auth)
    assert r.status_code == 409 and error_code(r) == "report_validated"
    assert client.get(url, headers=auth).json()["sections"][-1]["body"] == "Préparer le salon"
    r = client.post(url + "/new-version", headers=auth)
    assert r.status_code == 201 and r.json()["version_no"] == 2 and r.json()["status"] == "draft"
    listed = client.get(base, params={"kind": "monthly"}, headers=auth).json()
    assert [(x["version_no"], x["versions"]) for x in listed] == [(2, 2)]
    assert client.get(base, params={"period": last_month.isoformat()}, headers=auth).json()[0]["id"] \
        == r.json()["id"]
    assert client.get(base, params={"period": today.isoformat()}, headers=auth).json() == []

    # the page's download link: the browser's session cookie
    r = client.get(url + "/export", params={"format": "pdf", "lang": "ar"}, headers=cookie_for(a.manager))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "attachment" in r.headers["content-disposition"]
    assert len(PdfReader(io.BytesIO(r.content)).pages) >= 1
    r = client.get(url + "/export", params={"format": "docx"}, headers=auth)
    assert r.status_code == 422
