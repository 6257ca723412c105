"""Communication items, plans and the media library over REST, as an API client drives them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from cc_network.api import api_app
from integrations.db import utcnow
from tenants.auth.services import do_create_api_token
from tests.api.util import error_code
from tests.communications.flow_util import event, png, weekly_meeting


@pytest.fixture
def client() -> TestClient:
    return TestClient(api_app)


def _auth(person) -> dict:  # noqa: ANN001
    return {"Authorization": "Bearer " + do_create_api_token(person.actor, name="test").secret}


def test_an_item_through_its_approval(worlds, client):
    w, other = worlds
    counselor, mgr = _auth(w.counselor), _auth(w.manager)
    base = f"/api/v1/tenants/{w.slug}/communication-items"
    eid = event(w, days=150)
    body = {"title": "Atelier CV", "event_id": eid, "text": {"fr": "Bonjour {{ first_name }}, inscrivez-vous."},
            "subject": {"fr": "Atelier CV"}, "channels": ["email"],
            "audience": {"kind": "students", "levels": ["L3"]},
            "publish_at": (utcnow() + timedelta(days=40)).isoformat()}

    r = client.post(base, json=body | {"channels": ["fax"]}, headers=counselor)
    assert r.status_code == 422 and error_code(r) == "comm_unknown_channel"
    r = client.post(base, json=body | {"event_id": event(other)}, headers=counselor)
    assert r.status_code == 404 and error_code(r) == "event_not_found"
    r = client.post(base, json=body | {"audience": {"kind": "all"}}, headers=counselor)
    assert r.status_code == 422 and error_code(r) == "audience_invalid"
    assert client.get(base, headers=mgr).json()["total"] == 0

    r = client.post(base, json=body, headers=counselor)
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["state"] == "draft" and item["late"] is False and item["draft_due_on"]
    iid = item["id"]
    assert client.post(f"{base}/{iid}/submit", headers=counselor).json()["state"] == "submitted"
    r = client.post(f"{base}/{iid}/check", headers=counselor)
    assert r.status_code == 403
    r = client.post(f"{base}/{iid}/send-back", json={"comment": "Précisez la salle."}, headers=mgr)
    assert r.json()["state"] == "draft" and r.json()["sent_back_comment"] == "Précisez la salle."
    r = client.patch(f"{base}/{iid}", json={"text": {"fr": "Salle B12, inscrivez-vous."}}, headers=counselor)
    assert r.status_code == 200 and r.json()["text"] == {"fr": "Salle B12, inscrivez-vous."}
    client.post(f"{base}/{iid}/submit", headers=counselor)
    assert client.post(f"{base}/{iid}/check", headers=mgr).json()["state"] == "checked"
    mid = weekly_meeting(w)
    r = client.post(f"{base}/{iid}/validate", json={"meeting_id": mid}, headers=mgr)
    assert r.status_code == 200 and r.json()["state"] == "validated" and r.json()["validated_in_meeting_id"] == mid
    r = client.get(f"/api/v1/tenants/{w.slug}/meetings/{mid}", headers=mgr)
    assert [x["id"] for x in r.json()["communications"]["validated"]] == [iid]
    r = client.get(f"{base}/{iid}/figures", headers=mgr)
    assert r.json() == {"item_id": iid, "emails": {}, "posts": {}, "clicks": 0, "links": 0}
    start = utcnow().date()
    r = client.get(f"/api/v1/tenants/{w.slug}/publications", headers=mgr,
                   params={"start": start.isoformat(), "end": (start + timedelta(days=60)).isoformat()})
    assert [x["id"] for x in r.json()] == [iid]
    # another centre's token: not found
    r = client.get(f"/api/v1/tenants/{other.slug}/communication-items/{iid}", headers=_auth(other.manager))
    assert r.status_code == 404 and error_code(r) == "comm_item_not_found"


def test_a_plan_through_rest(world_a, client):
    w = world_a
    zone = ZoneInfo("Africa/Casablanca")
    event(w, starts_at=datetime.combine(date(2031, 5, 12), time(10), tzinfo=zone), title="Forum")
    counselor, mgr = _auth(w.counselor), _auth(w.manager)
    base = f"/api/v1/tenants/{w.slug}/communication-plans"
    r = client.post(base, json={"period_kind": "month", "start": "2031-05-01", "end": "2031-05-31"}, headers=counselor)
    assert r.status_code == 201, r.text
    pid, entries = r.json()["id"], r.json()["entries"]
    assert [e["title"] for e in entries] == ["Forum"]
    r = client.post(base, json={"period_kind": "week", "start": "2031-05-26", "end": "2031-06-01"}, headers=counselor)
    assert r.status_code == 409 and error_code(r) == "comm_plan_overlap"
    r = client.patch(f"{base}/{pid}", json={"entries": [{"event_id": entries[0]["event_id"], "message": "Affiches"}]},
                     headers=counselor)
    assert r.json()["entries"][0]["message"] == "Affiches"
    for step, who in (("propose", counselor), ("validate", mgr), ("send", mgr), ("fold", mgr)):
        r = client.post(f"{base}/{pid}/{step}", headers=who)
        assert r.status_code == 200, (step, r.text)
    assert r.json()["state"] == "folded"


def test_media_through_rest(worlds, client):
    w, other = worlds
    counselor, mgr = _auth(w.counselor), _auth(w.manager)
    base = f"/api/v1/tenants/{w.slug}/media"
    r = client.post(base, files={"file": ("x.png", b"not an image", "image/png")}, headers=counselor)
    assert r.status_code == 422 and error_code(r) == "media_bad_type"
    r = client.post(base, files={"file": ("affiche.png", png(20, 10), "image/png")},
                    data={"title": "Affiche forum", "tags": "forum, 2031"}, headers=counselor)
    assert r.status_code == 201, r.text
    m = r.json()
    assert (m["width"], m["height"], m["tags"]) == (20, 10, ["forum", "2031"])
    r = client.get(f"{base}/{m['id']}/file", headers=mgr)
    assert r.status_code == 200 and r.content == png(20, 10) and r.headers["content-type"] == "image/png"
    assert r.headers["x-content-type-options"] == "nosniff"
    r = client.get(f"/api/v1/tenants/{other.slug}/media/{m['id']}/file", headers=_auth(other.manager))
    assert r.status_code == 404
    assert client.get(base, params={"tag": "forum"}, headers=mgr).json()["total"] == 1
    r = client.delete(f"{base}/{m['id']}", headers=counselor)
    assert r.status_code == 422 and error_code(r) == "confirmation_required"
    assert client.delete(f"{base}/{m['id']}", params={"confirm": "true"}, headers=counselor).status_code == 204
    assert client.get(base, headers=mgr).json()["total"] == 0
