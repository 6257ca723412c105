"""Reception (P06): the staff visit sheet with quick registration, the recent visits and this
week's figures, the kiosks of the centre, the public kiosk page and the student's QR code —
handlers run in-process as signed-in people (or as the kiosk device)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from integrations.crypto import token_hash
from integrations.db import system_session, tenant_session, utcnow
from integrations.i18n import LANGS, catalog
from integrations.mail import DevMail
from integrations.qr import qr_data_url
from tenants.calendar.models import Event
from tenants.core.models import Account, Membership
from tenants.portal.visits import services as vis
from tenants.portal.visits.models import Channel, KioskToken, Need, Visit
from tests.ui.test_handler_isolation import app_handlers, call, session_cookie

PATH = "/staff/visits"
ZONE = ZoneInfo("Africa/Casablanca")


def _cookie(person) -> str:
    return session_cookie(person.account_id, person.tenant_id)


def _run(state, key: str, *args):
    result = app_handlers()[key][1].fn(state, *args)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def _visits(tenant_id: int) -> list[Visit]:
    with tenant_session(tenant_id) as s:
        return list(s.exec(select(Visit).order_by(Visit.id)).all())


def _own_vars(state) -> str:
    return json.dumps({k: getattr(state, k) for k in state.base_vars}, default=str)


def _event(tenant_id: int, title: str) -> int:
    with tenant_session(tenant_id) as s:
        start = utcnow() - timedelta(hours=3)
        e = Event(tenant_id=tenant_id, uid=f"ev-{title}", type="job_fair", title=title, starts_at=start,
                  ends_at=start + timedelta(hours=2), timezone="Africa/Casablanca", status="held")
        s.add(e)
        s.commit()
        return e.id


# ---------------------------------------------------------------- the visit sheet

def test_a_counselor_finds_a_student_and_logs_a_visit(world_a):
    a = world_a
    state, _ = call("VisitsState.on_load", _cookie(a.counselor), PATH, ())
    assert state.error == "" and state.allowed and state.visits == [] and state.total == 0
    assert state.has_counts and state.week_total == 0 and not state.can_kiosk
    # nobody picked yet: the service refuses, nothing is written
    _run(state, "VisitsState.log_visit", {"channel": "walk_in", "need_cv": "on"})
    assert state.error == "error.visit_student_required" and _visits(a.tenant_id) == []
    _run(state, "VisitsState.search_students", {"query": "STUDENT@alpha"})
    assert state.error == "" and [(h.id, h.email) for h in state.hits] == [(a.student.membership_id,
                                                                             a.student.email)]
    # only a listed student can be picked
    _run(state, "VisitsState.pick_student", a.manager.membership_id)
    assert state.error == "error.student_not_found" and state.picked_id == 0
    _run(state, "VisitsState.pick_student", str(a.student.membership_id))
    assert state.error == "" and state.picked_id == a.student.membership_id and state.picked_email == a.student.email
    _run(state, "VisitsState.log_visit", {"channel": "walk_in", "need_cv": "on", "need_job": "on",
                                          "need_bogus": "on", "orientation": "Atelier CV jeudi", "at": ""})
    assert state.error == "" and state.notice == "ui.visits.logged"
    [v] = _visits(a.tenant_id)
    assert (v.student_membership_id, v.channel, v.needs, v.orientation, v.logged_by_membership_id) == (
        a.student.membership_id, "walk_in", ["cv", "job"], "Atelier CV jeudi", a.counselor.membership_id)
    # the sheet is cleared, the list and the week's figures show the visit
    assert state.picked_id == 0 and state.hits == [] and state.total == 1
    [row] = state.visits
    assert (row.student, row.channel, row.needs, row.by) == (
        "Student", "walk_in", ["cv", "job"], "Counselor")
    assert state.week_total == 1 and state.week_students == 1
    assert {(c.key, c.count) for c in state.week_by_need} == {("cv", 1), ("job", 1)}


def test_an_ambassador_registers_someone_met_at_an_event(world_a, run_outbox):
    a = world_a
    forum = _event(a.tenant_id, "Forum des métiers")
    state, _ = call("VisitsState.on_load", _cookie(a.people["ambassador"]), PATH, ())
    # ambassadors log visits; the figures and the kiosks are not theirs
    assert state.error == "" and state.allowed and not state.has_counts and not state.can_kiosk
    assert [o.value for o in state.events] == [str(forum)]
    _run(state, "VisitsState.choose_mode", "new")
    assert state.mode == "new"
    _run(state, "VisitsState.choose_mode", "other")
    assert state.mode == "new"
    form = {"channel": "event", "event": str(forum), "need_internship": "on", "new_full_name": "Salma Idrissi",
            "new_email": "not-an-email", "new_phone": ""}
    _run(state, "VisitsState.log_visit", form)
    assert state.error == "error.invalid_email" and _visits(a.tenant_id) == []
    _run(state, "VisitsState.log_visit", {**form, "new_phone": "call me"})
    assert state.error == "error.invalid_phone" and _visits(a.tenant_id) == []
    _run(state, "VisitsState.log_visit", {**form, "new_email": "salma@example.org", "new_phone": "+212 600 000 000"})
    assert state.error == "" and state.notice == "ui.visits.logged_registered" and state.mode == "existing"
    with system_session("test") as s:
        acc = s.exec(select(Account).where(Account.email == "salma@example.org")).one()
        m = s.exec(select(Membership).where(Membership.account_id == acc.id)).one()
        assert m.tenant_id == a.tenant_id and m.roles == ["student"] and acc.password_hash is None
    # she is e-mailed a link to choose her password
    assert run_outbox() == ["sent"]
    with system_session("test") as s:
        assert "token=" in s.exec(select(DevMail).where(DevMail.to_email == "salma@example.org")).one().body_text
    [v] = _visits(a.tenant_id)
    assert (v.student_membership_id, v.event_id, v.needs, v.registered_here) == (m.id, forum, ["internship"], True)
    [row] = state.visits
    assert row.student == "Salma Idrissi" and row.registered_here and row.channel == "event"


def test_bad_sheets_are_refused_and_change_nothing(world_a):
    a = world_a
    state, _ = call("VisitsState.on_load", _cookie(a.counselor), PATH, ())
    _run(state, "VisitsState.search_students", {"query": "student"})
    _run(state, "VisitsState.pick_student", a.student.membership_id)
    future = (datetime.now(ZONE) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    for form, code in [
        ({"channel": "kiosk"}, "error.invalid_channel"),
        ({"channel": "walk_in", "at": future}, "error.visit_in_future"),
        ({"channel": "walk_in", "at": "yesterday"}, "error.invalid_datetime"),
        ({"channel": "walk_in", "event": "abc"}, "error.invalid"),
        ({"channel": "walk_in", "event": "999999"}, "error.event_not_found"),
        ({"channel": "walk_in", "orientation": "x" * 5000}, "error.invalid"),
        ("not a form", "error.invalid"),
    ]:
        _run(state, "VisitsState.log_visit", form)
        assert state.error == code, (form, state.error)
    assert _visits(a.tenant_id) == [] and state.picked_id == a.student.membership_id
    # a time typed in the centre's clock is kept
    earlier = (datetime.now(ZONE) - timedelta(days=1)).replace(second=0, microsecond=0)
    _run(state, "VisitsState.log_visit", {"channel": "phone", "at": earlier.strftime("%Y-%m-%dT%H:%M")})
    assert state.error == ""
    assert _visits(a.tenant_id)[0].at == earlier


def test_people_without_the_permission_meet_a_forbidden_message(world_a):
    a = world_a
    for who in ("student", "company_contact", "host_focal_point"):
        state, _ = call("VisitsState.on_load", _cookie(a.people[who]), PATH, ())
        assert state.error == "error.forbidden" and not state.allowed and state.visits == []
        state.picked_id = a.student.membership_id  # even with a forged pick
        _run(state, "VisitsState.log_visit", {"channel": "walk_in"})
        assert state.error == "error.forbidden"
        _run(state, "VisitsState.search_students", {"query": "student"})
        assert state.error == "error.forbidden" and state.hits == []
    assert _visits(a.tenant_id) == []


# ---------------------------------------------------------------- the list

def test_recent_visits_are_paged_and_filtered(world_a):
    a = world_a
    c = a.counselor.actor
    now = utcnow()
    for h in range(1, 25):
        vis.do_log_visit(c, a.tenant_id, {"student_membership_id": a.student.membership_id, "channel": "walk_in",
                                          "at": now - timedelta(minutes=10 * h)})
    other = vis.do_log_visit(c, a.tenant_id, {"new_student": {"email": "old@example.org", "full_name": "Old Visit"},
                                              "channel": "phone", "at": now - timedelta(days=10)})
    state, _ = call("VisitsState.on_load", _cookie(a.counselor), PATH, ())
    assert state.total == 25 and state.pages == 2 and len(state.visits) == 20
    _run(state, "VisitsState.next_page")
    assert state.page == 2 and [v.student for v in state.visits][-1] == "Old Visit" and len(state.visits) == 5
    _run(state, "VisitsState.next_page")
    assert state.page == 2
    _run(state, "VisitsState.prev_page")
    assert state.page == 1 and len(state.visits) == 20
    # the last few days only
    since = (datetime.now(ZONE) - timedelta(days=3)).date().isoformat()
    _run(state, "VisitsState.apply_filters", {"from": since, "to": ""})
    assert state.error == "" and state.total == 24 and "Old Visit" not in {v.student for v in state.visits}
    _run(state, "VisitsState.apply_filters", {"from": since, "to": "2000-01-01"})
    assert state.error == "error.end_before_start" and state.total == 24 and state.f_to == ""
    _run(state, "VisitsState.apply_filters", {"from": "03/03/2031"})
    assert state.error == "error.invalid_date" and state.total == 24
    _run(state, "VisitsState.clear_filters")
    assert state.total == 25 and state.f_from == ""
    # one student's visits: only a student the page shows
    _run(state, "VisitsState.filter_student", 999999)
    assert state.error == "error.student_not_found" and state.total == 25
    _run(state, "VisitsState.filter_student", a.student.membership_id)
    assert state.error == "" and state.total == 24 and state.f_student_name == "Student"
    _run(state, "VisitsState.clear_filters")
    _run(state, "VisitsState.next_page")
    _run(state, "VisitsState.filter_student", other.student_membership_id)
    assert state.total == 1 and state.page == 1 and state.visits[0].student == "Old Visit"


# ---------------------------------------------------------------- kiosks

def test_the_manager_creates_a_kiosk_sees_its_link_once_and_revokes_it(world_a):
    a = world_a
    state, _ = call("VisitsState.on_load", _cookie(a.manager), PATH, ())
    assert state.can_kiosk and state.kiosks == []
    _run(state, "VisitsState.create_kiosk", {"kiosk_name": " "})
    assert state.error == "error.name_required" and state.new_kiosk_link == ""
    _run(state, "VisitsState.create_kiosk", {"kiosk_name": "Hall du bâtiment A"})
    assert state.error == "" and state.notice == "ui.kiosk.created"
    link = state.new_kiosk_link
    assert "/kiosk?k=ccnk_" in link and state.new_kiosk_name == "Hall du bâtiment A"
    secret = link.split("k=", 1)[1]
    with tenant_session(a.tenant_id) as s:
        [k] = s.exec(select(KioskToken)).all()
        assert k.token_hash == token_hash(secret) and k.revoked_at is None
    assert [(r.id, r.name, r.revoked) for r in state.kiosks] == [(k.id, "Hall du bâtiment A", False)]
    # shown once: the next load does not have it, the list shows only the prefix
    again, _ = call("VisitsState.on_load", _cookie(a.manager), PATH, ())
    assert again.new_kiosk_link == "" and secret not in _own_vars(again)
    assert secret.startswith(again.kiosks[0].prefix)
    # a counselor neither sees nor creates kiosks
    cs, _ = call("VisitsState.on_load", _cookie(a.counselor), PATH, ())
    assert not cs.can_kiosk and cs.kiosks == []
    _run(cs, "VisitsState.create_kiosk", {"kiosk_name": "Mine"})
    _run(cs, "VisitsState.revoke_kiosk", k.id)
    assert cs.error == "error.forbidden"
    _run(again, "VisitsState.revoke_kiosk", "x")
    assert again.error == "error.invalid"
    _run(again, "VisitsState.revoke_kiosk", 999999)
    assert again.error == "error.not_found"
    with tenant_session(a.tenant_id) as s:
        assert len(s.exec(select(KioskToken)).all()) == 1 and s.get(KioskToken, k.id).revoked_at is None
    _run(again, "VisitsState.revoke_kiosk", k.id)
    assert again.error == "" and again.notice == "ui.kiosk.revoked" and again.kiosks[0].revoked
    with tenant_session(a.tenant_id) as s:
        assert s.get(KioskToken, k.id).revoked_at is not None


# ---------------------------------------------------------------- the kiosk page

def test_the_kiosk_page_checks_students_in_by_email_and_qr(world_a):
    a = world_a
    secret = vis.do_create_kiosk_token(a.manager.actor, a.tenant_id, name="Entrée").secret
    path = f"/kiosk?k={secret}"
    state, _ = call("KioskState.on_load", "", path, ())
    assert state.error == "" and state.welcome_name == ""
    result = _run(state, "KioskState.check_in", {"identifier": "  Student@Alpha.test ", "need_cv": "on",
                                                 "need_orientation": "on"})
    assert state.error == "" and state.welcome_name == "Student" and not state.repeated
    assert "setTimeout" in str(result) and secret not in _own_vars(state)
    [v] = _visits(a.tenant_id)
    assert (v.channel, v.needs, v.student_membership_id) == ("kiosk", ["cv", "orientation"], a.student.membership_id)
    # the timer of this greeting clears it; an older timer does not
    seq = state.shown_seq
    _run(state, "KioskState.clear_screen", seq - 1)
    assert state.welcome_name == "Student"
    _run(state, "KioskState.clear_screen", seq)
    assert state.welcome_name == ""
    # the QR value typed by a scanner: the same visit within the repeat window
    qr = vis.student_qr_value(a.student.actor, a.tenant_id)
    _run(state, "KioskState.check_in", {"identifier": qr})
    assert state.error == "" and state.welcome_name == "Student" and state.repeated and len(_visits(a.tenant_id)) == 1


def test_the_kiosk_page_explains_refusals(world_a):
    a = world_a
    issued = vis.do_create_kiosk_token(a.manager.actor, a.tenant_id, name="Entrée")
    path = f"/kiosk?k={issued.secret}"
    for form, code in [
        ({"identifier": "nobody@alpha.test"}, "error.check_in_unknown_student"),
        ({"identifier": a.counselor.email}, "error.check_in_unknown_student"),
        ({"identifier": "made-up-qr"}, "error.check_in_unknown_student"),
        ({"identifier": "   "}, "error.check_in_identifier_required"),
        ({"identifier": "x" * 300}, "error.invalid"),
        ([], "error.invalid"),
    ]:
        state, _ = call("KioskState.check_in", "", path, (form,))
        assert state.error == code and state.welcome_name == "", (form, state.error)
    state, _ = call("KioskState.on_load", "", "/kiosk", ())
    assert state.error == "error.kiosk_token_invalid"
    # a link without its secret, a forged one, a revoked kiosk
    for bad in ("/kiosk", "/kiosk?k=ccnk_forged", "/kiosk?k=" + "z" * 500):
        state, _ = call("KioskState.check_in", "", bad, ({"identifier": a.student.email},))
        assert state.error == "error.kiosk_token_invalid"
    vis.do_revoke_kiosk_token(a.manager.actor, a.tenant_id, issued.id)
    state, _ = call("KioskState.check_in", "", path, ({"identifier": a.student.email},))
    assert state.error == "error.kiosk_token_invalid" and state.welcome_name == ""
    assert _visits(a.tenant_id) == []
    # the error leaves the screen with the timer too
    _run(state, "KioskState.clear_screen", state.shown_seq)
    assert state.error == ""


# ---------------------------------------------------------------- the student's QR code

def test_the_student_sees_their_qr_code_on_the_portal_home(world_a):
    a = world_a
    home, _ = call("PortalHomeState.on_load", _cookie(a.student), "/portal", ())
    assert home.error == ""
    assert home.qr_src == qr_data_url(vis.student_qr_value(a.student.actor, a.tenant_id))
    assert home.qr_src.startswith("data:image/png;base64,")


def test_every_need_and_channel_has_a_label_in_every_language():
    """The pages build these keys at run time, out of reach of the catalogue's scan."""
    keys = [f"ui.visits.need.{n.value}" for n in Need] + [f"ui.visits.channel.{c.value}" for c in Channel]
    for lang in LANGS:
        assert [k for k in keys if not catalog(lang).get(k)] == [], lang
