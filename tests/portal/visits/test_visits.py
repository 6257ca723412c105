"""Reception and visits (issue 4 §2, P06): visit sheets, quick registration, kiosk check-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthenticated
from integrations.mail import DevMail
from tenants.auth.services import authenticate, do_reset_password
from tenants.calendar.models import Event
from tenants.core.models import Account, Membership
from tenants.portal.profiles import services as prof
from tenants.portal.visits import services as vis
from tenants.portal.visits.models import Visit


def _event(tenant_id: int) -> int:
    with tenant_session(tenant_id) as s:
        start = utcnow() - timedelta(hours=3)
        e = Event(tenant_id=tenant_id, uid=f"ev-{tenant_id}", type="job_fair", title="Forum",
                  starts_at=start, ends_at=start + timedelta(hours=2), timezone="Africa/Casablanca")
        s.add(e)
        s.commit()
        return e.id


def _visit_count(tenant_id: int) -> int:
    with tenant_session(tenant_id) as s:
        return len(s.exec(select(Visit)).all())


# ---------------------------------------------------------------- visit sheets

@pytest.mark.parametrize("who", ["counselor", "ambassador", "intern", "manager"])
def test_reception_team_logs_a_visit(world_a, who):
    logger = world_a.people[who]
    v = vis.do_log_visit(logger.actor, world_a.tenant_id, {
        "student_membership_id": world_a.student.membership_id, "channel": "walk_in",
        "needs": ["cv", "internship", "cv"], "orientation": "Atelier CV de jeudi, puis BD stages."})
    assert v.needs == ("cv", "internship") and v.student_email == world_a.student.email
    assert v.logged_by_membership_id == logger.membership_id
    listed = vis.list_visits(world_a.people["ambassador"].actor, world_a.tenant_id)
    assert [x.id for x in listed] == [v.id]
    assert listed[0].logged_by_name == logger.email.split("@")[0].title()


@pytest.mark.parametrize("who", ["student", "company_contact", "host_focal_point"])
def test_others_cannot_log_visits(world_a, who):
    with pytest.raises(Forbidden):
        vis.do_log_visit(world_a.people[who].actor, world_a.tenant_id,
                         {"student_membership_id": world_a.student.membership_id, "channel": "walk_in"})
    assert _visit_count(world_a.tenant_id) == 0


@pytest.mark.parametrize("payload, code", [
    ({"channel": "walk_in"}, "visit_student_required"),
    ({"channel": "kiosk"}, "invalid_channel"),
    ({"channel": "fax"}, "invalid"),
    ({"channel": "walk_in", "needs": ["money"]}, "invalid"),
    ({"channel": "walk_in", "at": "2026-01-01T10:00:00"}, "naive_datetime"),
])
def test_bad_visit_sheet_changes_nothing(world_a, payload, code):
    payload = {"student_membership_id": world_a.student.membership_id, **payload}
    if code == "visit_student_required":
        payload.pop("student_membership_id")
    with pytest.raises(Invalid) as e:
        vis.do_log_visit(world_a.counselor.actor, world_a.tenant_id, payload)
    assert e.value.code == code
    assert _visit_count(world_a.tenant_id) == 0


def test_visit_in_the_future_is_refused(world_a):
    with pytest.raises(Invalid) as e:
        vis.do_log_visit(world_a.counselor.actor, world_a.tenant_id, {
            "student_membership_id": world_a.student.membership_id, "channel": "phone",
            "at": (utcnow() + timedelta(hours=2)).isoformat()})
    assert e.value.code == "visit_in_future"


def test_event_and_student_of_another_centre_are_not_found(worlds):
    a, b = worlds
    ev_a = _event(a.tenant_id)
    with pytest.raises(NotFound) as e:
        vis.do_log_visit(b.counselor.actor, b.tenant_id, {"student_membership_id": b.student.membership_id,
                                                          "channel": "event", "event_id": ev_a})
    assert e.value.code == "event_not_found"
    with pytest.raises(NotFound):
        vis.do_log_visit(b.counselor.actor, b.tenant_id, {"student_membership_id": a.student.membership_id,
                                                          "channel": "walk_in"})
    with pytest.raises(NotFound):  # a staff member is not a student
        vis.do_log_visit(a.counselor.actor, a.tenant_id, {"student_membership_id": a.manager.membership_id,
                                                          "channel": "walk_in"})
    assert _visit_count(b.tenant_id) == 0
    v = vis.do_log_visit(a.counselor.actor, a.tenant_id, {"student_membership_id": a.student.membership_id,
                                                          "channel": "event", "event_id": ev_a})
    assert v.event_id == ev_a


# ---------------------------------------------------------------- quick registration

def test_quick_registration_creates_a_student_who_sets_a_password(world_a, run_outbox):
    ev = _event(world_a.tenant_id)
    v = vis.do_log_visit(world_a.people["ambassador"].actor, world_a.tenant_id, {
        "new_student": {"email": "Yasmine.B@Example.org", "full_name": "Yasmine Bennani", "phone": "0622334455"},
        "channel": "event", "event_id": ev, "needs": ["job"]})
    assert v.registered_here and v.student_email == "yasmine.b@example.org"
    assert run_outbox() == ["sent"]
    with system_session("test") as s:
        acc = s.exec(select(Account).where(Account.email == "yasmine.b@example.org")).one()
        assert acc.password_hash is None
        m = s.exec(select(Membership).where(Membership.account_id == acc.id)).one()
        assert m.roles == ["student"] and m.tenant_id == world_a.tenant_id
        mail = s.exec(select(DevMail).where(DevMail.to_email == acc.email)).one()
    token = mail.body_text.split("token=", 1)[1].split()[0]
    do_reset_password(token, "Another-horse-77")
    assert authenticate("yasmine.b@example.org", "Another-horse-77").id == acc.id
    # the phone given at the desk is on her profile
    assert prof.get_student_profile(world_a.counselor.actor, world_a.tenant_id, m.id).phone == "0622334455"


def test_quick_registration_of_a_registered_student_finds_her(world_a, run_outbox):
    v = vis.do_log_visit(world_a.counselor.actor, world_a.tenant_id, {
        "new_student": {"email": world_a.student.email, "full_name": "Whoever"}, "channel": "walk_in"})
    assert v.student_membership_id == world_a.student.membership_id and not v.registered_here
    assert run_outbox() == []  # nobody is e-mailed
    with pytest.raises(Conflict) as e:  # a staff member is not turned into a student
        vis.do_log_visit(world_a.counselor.actor, world_a.tenant_id, {
            "new_student": {"email": world_a.manager.email, "full_name": "Boss"}, "channel": "walk_in"})
    assert e.value.code == "already_member"


def test_quick_registration_of_another_centres_student_adds_her_here(worlds, run_outbox):
    a, b = worlds
    v = vis.do_log_visit(b.counselor.actor, b.tenant_id, {
        "new_student": {"email": a.student.email, "full_name": "Student A"}, "channel": "event"})
    assert v.registered_here and v.student_membership_id != a.student.membership_id
    assert run_outbox() == ["sent"]
    with system_session("test") as s:
        mail = s.exec(select(DevMail).where(DevMail.to_email == a.student.email)).one()
        assert "token=" not in mail.body_text  # she has a password already: a sign-in link
        assert s.exec(select(Account).where(Account.email == a.student.email)).one().password_hash


@pytest.mark.parametrize("new_student, code", [
    ({"email": "not-an-email", "full_name": "X Y"}, "invalid_email"),
    ({"email": "x@alpha.test", "full_name": "X"}, "invalid_name"),
    ({"email": "x@alpha.test", "full_name": "X Y", "phone": "call me"}, "invalid_phone"),
])
def test_quick_registration_with_bad_input_changes_nothing(world_a, new_student, code):
    with pytest.raises(Invalid) as e:
        vis.do_log_visit(world_a.counselor.actor, world_a.tenant_id, {"new_student": new_student,
                                                                      "channel": "event"})
    assert e.value.code == code
    with system_session("test") as s:
        assert s.exec(select(Account).where(Account.email == "x@alpha.test")).first() is None
    assert _visit_count(world_a.tenant_id) == 0


# ---------------------------------------------------------------- statistics

def test_visit_counts(world_a):
    c = world_a.counselor.actor
    other = vis.do_log_visit(c, world_a.tenant_id, {"new_student": {"email": "x@alpha.test", "full_name": "X Y"},
                                                    "channel": "event", "needs": ["job"]})
    for needs in (["cv"], ["cv", "job"]):
        vis.do_log_visit(c, world_a.tenant_id, {"student_membership_id": world_a.student.membership_id,
                                                "channel": "walk_in", "needs": needs})
    now = utcnow()
    counts = vis.visit_counts(c, world_a.tenant_id, since=now - timedelta(days=1), until=now + timedelta(days=1))
    assert counts.total == 3 and counts.students == 2
    assert counts.by_channel == {"walk_in": 2, "event": 1} and counts.by_need == {"cv": 2, "job": 2}
    assert vis.list_visits(c, world_a.tenant_id, student_membership_id=other.student_membership_id)[0].id == other.id
    with pytest.raises(Forbidden):  # figures are for staff
        vis.visit_counts(world_a.people["ambassador"].actor, world_a.tenant_id, since=now, until=now)


def test_search_students_finds_students_only(worlds):
    a, b = worlds
    hits = vis.search_students(a.people["intern"].actor, a.tenant_id, "alpha.test")
    assert [h.membership_id for h in hits] == [a.student.membership_id]
    assert vis.search_students(a.people["intern"].actor, a.tenant_id, "s") == []


# ---------------------------------------------------------------- kiosk

@pytest.fixture
def kiosk(world_a):
    return vis.do_create_kiosk_token(world_a.manager.actor, world_a.tenant_id, name="Accueil bâtiment A")


def test_kiosk_check_in_by_email_and_by_qr(world_a, kiosk):
    done = vis.kiosk_check_in(kiosk.secret, email=" STUDENT@alpha.test ", needs=["orientation"])
    assert not done.repeated and done.first_name == "Student"
    # a double tap within the repeat window is the same visit
    again = vis.kiosk_check_in(kiosk.secret, qr=vis.student_qr_value(world_a.student.actor, world_a.tenant_id))
    assert again.repeated and again.visit_id == done.visit_id
    with tenant_session(world_a.tenant_id) as s:
        v = s.exec(select(Visit)).one()
        assert v.channel == "kiosk" and v.kiosk_id == kiosk.id and v.logged_by_membership_id is None
        assert v.needs == ["orientation"]
        # an hour later it is a new visit
        v.at = utcnow() - timedelta(hours=1)
        s.add(v)
        s.commit()
    qr = vis.student_qr_value(world_a.student.actor, world_a.tenant_id)
    assert qr == vis.student_qr_value(world_a.student.actor, world_a.tenant_id)  # stable
    assert not vis.kiosk_check_in(kiosk.secret, qr=qr).repeated
    assert _visit_count(world_a.tenant_id) == 2


def test_kiosk_refuses_unknown_people_and_other_centres(worlds, kiosk):
    a, b = worlds
    for kw in ({"email": "nobody@alpha.test"}, {"email": a.manager.email}, {"email": b.student.email},
               {"qr": vis.student_qr_value(b.student.actor, b.tenant_id)}, {"qr": "made-up"}):
        with pytest.raises(NotFound) as e:
            vis.kiosk_check_in(kiosk.secret, **kw)
        assert e.value.code == "check_in_unknown_student"
    with pytest.raises(Invalid):
        vis.kiosk_check_in(kiosk.secret)
    assert _visit_count(a.tenant_id) == 0 and _visit_count(b.tenant_id) == 0


def test_kiosk_token_is_the_managers_and_revocable(world_a, world_b, kiosk):
    with pytest.raises(Forbidden):
        vis.do_create_kiosk_token(world_a.counselor.actor, world_a.tenant_id, name="Hall")
    with pytest.raises(Unauthenticated):
        vis.kiosk_check_in("ccnk_forged", email=world_a.student.email)
    with pytest.raises(NotFound):
        vis.do_revoke_kiosk_token(world_b.manager.actor, world_b.tenant_id, kiosk.id)
    vis.kiosk_check_in(kiosk.secret, email=world_a.student.email)
    listed = vis.list_kiosk_tokens(world_a.manager.actor, world_a.tenant_id)
    assert listed[0].last_used_at is not None and kiosk.secret.startswith(listed[0].prefix)
    assert kiosk.secret not in repr(listed)
    vis.do_revoke_kiosk_token(world_a.manager.actor, world_a.tenant_id, kiosk.id)
    with pytest.raises(Unauthenticated) as e:
        vis.kiosk_check_in(kiosk.secret, email=world_a.student.email)
    assert e.value.code == "kiosk_token_invalid"


def test_kiosk_is_rate_limited(world_a, kiosk):
    for _ in range(60):
        with pytest.raises(NotFound):
            vis.kiosk_check_in(kiosk.secret, email="guess@alpha.test")
    with pytest.raises(RateLimited):
        vis.kiosk_check_in(kiosk.secret, email=world_a.student.email)


def test_anonymised_student_can_no_longer_check_in(world_a, kiosk):
    qr = vis.student_qr_value(world_a.student.actor, world_a.tenant_id)
    req = prof.do_request_deletion(world_a.student.actor, world_a.tenant_id)
    prof.do_handle_deletion_request(world_a.manager.actor, world_a.tenant_id, req.id, approve=True)
    with pytest.raises(NotFound):
        vis.kiosk_check_in(kiosk.secret, qr=qr)
    with pytest.raises(NotFound):
        vis.kiosk_check_in(kiosk.secret, email=world_a.student.email)


def test_visits_are_paged_and_counted_with_the_same_filters(worlds):
    a, b = worlds
    c = a.counselor.actor
    now = utcnow()
    made = [vis.do_log_visit(c, a.tenant_id, {"student_membership_id": a.student.membership_id, "channel": "walk_in",
                                              "at": now - timedelta(hours=h)}).id for h in (1, 2, 3, 30)]
    first = vis.list_visits(c, a.tenant_id, limit=2)
    second = vis.list_visits(c, a.tenant_id, limit=2, offset=2)
    assert [v.id for v in first + second] == made  # newest first, no overlap
    assert vis.count_visits(c, a.tenant_id) == 4
    assert vis.count_visits(c, a.tenant_id, since=now - timedelta(days=1)) == 3
    assert vis.count_visits(c, a.tenant_id, student_membership_id=a.student.membership_id,
                            until=now - timedelta(hours=2, minutes=30)) == 2
    # another centre counts its own rows only; a student role may not count
    assert vis.count_visits(b.counselor.actor, b.tenant_id, student_membership_id=a.student.membership_id) == 0
    with pytest.raises(Forbidden):
        vis.count_visits(a.student.actor, a.tenant_id)
