"""Communication items (P30): drafting with due dates, approval by the manager, validation in
the weekly coordination meeting, publication hand-over, figures, reminders, isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlmodel import func, select

from integrations import outbox
from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from tenants.calendar.models import Event
from tenants.core.models import AuditEvent
from tests.communications.flow_util import channel, event, item_data, weekly_meeting
from tests.conftest import create_person
from workflows.communications import items as svc
from workflows.communications.models import (
    CommItem,
    LinkClick,
    MailDelivery,
    Mailing,
    PostDelivery,
    TrackedLink,
)
from workflows.meetings import services as meetings


def _count(tenant_id: int) -> int:
    with tenant_session(tenant_id) as s:
        return s.exec(select(func.count()).select_from(CommItem)).one()


def _event_day(w, eid):
    with tenant_session(w.tenant_id) as s:
        e = s.get(Event, eid)
        return e.starts_at.astimezone(svc.tenant_zone(s, w.tenant_id)).date()


def _checked(w, **over) -> int:
    it = svc.do_create_item(w.counselor.actor, w.tenant_id, item_data(event_id=event(w), **over))
    svc.do_submit_item(w.counselor.actor, w.tenant_id, it.id)
    return svc.do_check_item(w.manager.actor, w.tenant_id, it.id).id


# ---------------------------------------------------------------- drafting and due dates

def test_item_about_an_event_is_due_three_months_before_it(world_a):
    w = world_a
    eid = event(w, days=120)
    it = svc.do_create_item(w.counselor.actor, w.tenant_id, item_data(event_id=eid))
    assert it.state == "draft" and it.event_title == "Atelier CV"
    assert it.draft_due_on == _event_day(w, eid) - relativedelta(months=3)
    assert it.late is False
    # still a draft once the due day has passed: late
    after_due = utcnow() + timedelta(days=40)
    assert svc.get_item(w.manager.actor, w.tenant_id, it.id, now=after_due).late is True
    # submitted in time: no longer late, even read later
    svc.do_submit_item(w.counselor.actor, w.tenant_id, it.id)
    assert svc.get_item(w.manager.actor, w.tenant_id, it.id, now=after_due).late is False


def test_item_created_after_its_due_day_is_late(world_a):
    w = world_a
    eid = event(w, days=30)  # less than three months ahead
    it = svc.do_create_item(w.counselor.actor, w.tenant_id, item_data(event_id=eid))
    assert it.late is True
    page = svc.list_items(w.manager.actor, w.tenant_id, late=True)
    assert [x.id for x in page.items] == [it.id] and page.total == 1
    on_time = svc.do_create_item(w.counselor.actor, w.tenant_id, item_data(event_id=event(w, days=150)))
    assert on_time.late is False
    assert {x.id for x in svc.list_items(w.manager.actor, w.tenant_id).items} == {it.id, on_time.id}


def test_item_without_event_has_no_due_day(world_a):
    w = world_a
    it = svc.do_create_item(w.counselor.actor, w.tenant_id, item_data())
    assert it.draft_due_on is None and it.late is False


@pytest.mark.parametrize("over, code", [
    ({"title": "  "}, "comm_title_required"),
    ({"title": None}, "comm_title_required"),
    ({"channels": ["email", "999999"]}, "comm_unknown_channel"),
    ({"channels": ["fax"]}, "comm_unknown_channel"),
    ({"audience": {"kind": "everyone"}}, "audience_invalid"),
    ({"audience": {"kind": "students", "field_ids": ["x"]}}, "audience_invalid"),
    ({"text": {"de": "Hallo"}}, "comm_bad_text"),
    ({"text": "plain"}, "comm_bad_text"),
    ({"subject": {"fr": "x" * 201}}, "comm_bad_subject"),
    ({"publish_at": "2030-01-01T10:00:00"}, "comm_bad_publish_at"),
    ({"publish_at": "tomorrow"}, "comm_bad_publish_at"),
    ({"media_ids": [123456]}, "media_not_found"),
    ({"event_id": 123456}, "event_not_found"),
    ({"offer_id": 123456}, "offer_not_found"),
    ({"color": "red"}, "invalid"),
])
def test_bad_input_is_refused_and_nothing_is_created(world_a, over, code):
    w = world_a
    with pytest.raises((Invalid, NotFound)) as exc:
        svc.do_create_item(w.counselor.actor, w.tenant_id, item_data(**over))
    assert exc.value.code == code
    assert _count(w.tenant_id) == 0


def test_event_of_another_centre_is_not_found(worlds):
    a, b = worlds
    other = event(b)
    with pytest.raises(NotFound) as exc:
        svc.do_create_item(a.counselor.actor, a.tenant_id, item_data(event_id=other))
    assert exc.value.code == "event_not_found"
    with pytest.raises(NotFound):
        svc.do_create_item(a.counselor.actor, a.tenant_id,
                           item_data(audience={"kind": "event_registrants", "event_id": other}))
    assert _count(a.tenant_id) == 0


def test_a_meeting_is_not_an_activity_to_communicate_about(world_a):
    w = world_a
    with pytest.raises(NotFound):
        svc.do_create_item(w.counselor.actor, w.tenant_id,
                           item_data(event_id=event(w, type_="weekly_coordination_meeting")))


def test_social_channels_of_the_centre_are_accepted_by_id(worlds):
    a, b = worlds
    mine, theirs = channel(a), channel(b)
    it = svc.do_create_item(a.counselor.actor, a.tenant_id, item_data(channels=[mine, "email"]))
    assert it.channels == [str(mine), "email"]
    with pytest.raises(Invalid) as exc:
        svc.do_create_item(a.counselor.actor, a.tenant_id, item_data(channels=[theirs]))
    assert exc.value.code == "comm_unknown_channel"


def test_who_may_draft(world_a):
    w = world_a
    for key in ("student", "ambassador", "intern", "host_approver", "company_contact", "business_developer"):
        with pytest.raises(Forbidden):
            svc.do_create_item(w.people[key].actor, w.tenant_id, item_data())
    # the manager stands in for the communication counselor
    assert svc.do_create_item(w.manager.actor, w.tenant_id, item_data()).state == "draft"
    # staff read them
    assert svc.list_items(w.people["business_developer"].actor, w.tenant_id).total == 1
    with pytest.raises(Forbidden):
        svc.list_items(w.student.actor, w.tenant_id)


# ---------------------------------------------------------------- approval

@pytest.mark.parametrize("over, code", [
    ({"text": {}}, "comm_text_required"),
    ({"channels": []}, "comm_channel_required"),
    ({"publish_at": None}, "comm_publish_at_required"),
    ({"audience": {}}, "comm_audience_required"),
    ({"subject": {"fr": "Atelier CV"}}, "comm_subject_required"),
    ({"text": {"fr": "Bonjour {{ nom }}"}, "subject": {"fr": "x"}}, "template_variable_unknown"),
])
def test_an_incomplete_item_cannot_be_submitted(world_a, over, code):
    w = world_a
    it = svc.do_create_item(w.counselor.actor, w.tenant_id, item_data(**over))
    with pytest.raises(Invalid) as exc:
        svc.do_submit_item(w.counselor.actor, w.tenant_id, it.id)
    assert exc.value.code == code
    assert svc.get_item(w.manager.actor, w.tenant_id, it.id).state == "draft"


def test_personalised_text_with_known_variables_is_accepted(world_a):
    w = world_a
    it = svc.do_create_item(w.counselor.actor, w.tenant_id,
                            item_data(text={"fr": "Bonjour {{ first_name }}"}, subject={"fr": "Atelier"}))
    assert svc.do_submit_item(w.counselor.actor, w.tenant_id, it.id).state == "submitted"


def test_submit_check_and_who_may_do_each(world_a):
    w = world_a
    it = svc.do_create_item(w.counselor.actor, w.tenant_id, item_data(event_id=event(w)))
    with pytest.raises(Forbidden):
        svc.do_submit_item(w.people["business_developer"].actor, w.tenant_id, it.id)
    assert svc.do_submit_item(w.counselor.actor, w.tenant_id, it.id).state == "submitted"
    with pytest.raises(Conflict) as exc:
        svc.do_submit_item(w.counselor.actor, w.tenant_id, it.id)
    assert exc.value.code == "comm_item_wrong_state"
    with pytest.raises(Forbidden):  # a counselor does not check their own work
        svc.do_check_item(w.counselor.actor, w.tenant_id, it.id)
    got = svc.do_check_item(w.manager.actor, w.tenant_id, it.id)
    assert got.state == "checked" and got.checked_at is not None


def test_send_back_needs_a_comment_and_returns_to_draft(world_a):
    w = world_a
    it = svc.do_create_item(w.counselor.actor, w.tenant_id, item_data())
    svc.do_submit_item(w.counselor.actor, w.tenant_id, it.id)
    with pytest.raises(Invalid) as exc:
        svc.do_send_back_item(w.manager.actor, w.tenant_id, it.id, "   ")
    assert exc.value.code == "comm_comment_required"
    with pytest.raises(Forbidden):
        svc.do_send_back_item(w.counselor.actor, w.tenant_id, it.id, "non")
    back = svc.do_send_back_item(w.manager.actor, w.tenant_id, it.id, "Ajoutez le lieu.")
    assert back.state == "draft" and back.sent_back_comment == "Ajoutez le lieu."
    with pytest.raises(Conflict):  # a draft is not sent back
        svc.do_send_back_item(w.manager.actor, w.tenant_id, it.id, "encore")


def test_editing_after_check_sends_it_back_to_draft_with_audit(world_a):
    w = world_a
    iid = _checked(w)
    got = svc.do_update_item(w.counselor.actor, w.tenant_id, iid, {"title": "Atelier CV — nouvelle date"})
    assert got.state == "draft" and got.checked_at is None and got.title == "Atelier CV — nouvelle date"
    with tenant_session(w.tenant_id) as s:
        actions = s.exec(select(AuditEvent.action).where(AuditEvent.target_id == str(iid))).all()
    assert "comm_item.reopened" in actions


def test_bad_edit_changes_nothing(world_a):
    w = world_a
    iid = _checked(w)
    with pytest.raises(Invalid):
        svc.do_update_item(w.counselor.actor, w.tenant_id, iid, {"channels": ["fax"]})
    got = svc.get_item(w.manager.actor, w.tenant_id, iid)
    assert got.state == "checked" and got.channels == ["email"]


# ---------------------------------------------------------------- validation in the weekly meeting

def test_validation_in_the_weekly_meeting_shows_on_its_record(world_a):
    w = world_a
    iid = _checked(w)
    mid = weekly_meeting(w)
    before = meetings.get_meeting(w.manager.actor, w.tenant_id, mid)
    assert [x["id"] for x in before.communications["to_validate"]] == [iid]
    with pytest.raises(Forbidden):
        svc.do_validate_item(w.counselor.actor, w.tenant_id, iid, mid)
    got = svc.do_validate_item(w.manager.actor, w.tenant_id, iid, mid)
    assert got.state == "validated" and got.validated_in_meeting_id == mid
    after = meetings.get_meeting(w.manager.actor, w.tenant_id, mid)
    assert after.communications["to_validate"] == []
    assert [x["id"] for x in after.communications["validated"]] == [iid]


def test_validation_only_in_an_open_weekly_meeting(worlds):
    a, b = worlds
    iid = _checked(a)
    monthly = weekly_meeting(a, kind="monthly_management_meeting")
    with pytest.raises(Invalid) as exc:
        svc.do_validate_item(a.manager.actor, a.tenant_id, iid, monthly)
    assert exc.value.code == "comm_not_weekly_meeting"
    closed = weekly_meeting(a, days=3)
    meetings.do_close_meeting(a.manager.actor, a.tenant_id, closed)
    with pytest.raises(Conflict) as exc:
        svc.do_validate_item(a.manager.actor, a.tenant_id, iid, closed)
    assert exc.value.code == "meeting_closed"
    with pytest.raises(NotFound):
        svc.do_validate_item(a.manager.actor, a.tenant_id, iid, weekly_meeting(b))
    assert svc.get_item(a.manager.actor, a.tenant_id, iid).state == "checked"


def test_a_submitted_item_is_checked_before_validation(world_a):
    w = world_a
    it = svc.do_create_item(w.counselor.actor, w.tenant_id, item_data())
    svc.do_submit_item(w.counselor.actor, w.tenant_id, it.id)
    with pytest.raises(Conflict):
        svc.do_validate_item(w.manager.actor, w.tenant_id, it.id, weekly_meeting(w))


# ---------------------------------------------------------------- publication

def _validated(w, publish_at) -> int:
    # the host institution's approver and focal point: an audience with recipients
    iid = _checked(w, publish_at=publish_at, audience={"kind": "host"})
    return svc.do_validate_item(w.manager.actor, w.tenant_id, iid, weekly_meeting(w)).id


def test_a_validated_item_is_published_when_its_time_comes(world_a):
    try:
        from workflows.communications.delivery import queue_item  # noqa: F401
    except ImportError:
        pytest.skip("workflows.communications.delivery.queue_item is not written yet (the lead wires it)")
    w = world_a
    due = _validated(w, utcnow() + timedelta(hours=1))
    later = _validated(w, utcnow() + timedelta(days=10))
    assert svc.publish_due(w.tenant_id, now=utcnow() + timedelta(hours=2)) == [due], \
        svc.get_item(w.manager.actor, w.tenant_id, due).last_error
    assert svc.get_item(w.manager.actor, w.tenant_id, due).state in ("publishing", "published", "waiting")
    assert svc.get_item(w.manager.actor, w.tenant_id, later).state == "validated"
    with pytest.raises(Conflict) as exc:  # under way: no more edits
        svc.do_update_item(w.counselor.actor, w.tenant_id, due, {"title": "x"})
    assert exc.value.code == "comm_item_locked"


def test_an_item_with_nobody_to_mail_stays_validated_and_says_why(world_a):
    try:
        from workflows.communications.delivery import queue_item  # noqa: F401
    except ImportError:
        pytest.skip("workflows.communications.delivery.queue_item is not written yet (the lead wires it)")
    w = world_a
    iid = _checked(w, publish_at=utcnow() + timedelta(hours=1), channels=[channel(w), "email"])  # L3: no student
    svc.do_validate_item(w.manager.actor, w.tenant_id, iid, weekly_meeting(w))
    assert svc.publish_due(w.tenant_id, now=utcnow() + timedelta(hours=2)) == []
    got = svc.get_item(w.manager.actor, w.tenant_id, iid)
    assert got.state == "validated" and got.last_error
    with tenant_session(w.tenant_id) as s:  # nothing half-sent: not even the social post
        assert s.exec(select(func.count()).select_from(PostDelivery)).one() == 0


def test_publication_waits_for_the_delivery_module(world_a, monkeypatch):
    """Until delivery can queue, a due item stays validated (nothing half-done)."""
    w = world_a
    due = _validated(w, utcnow() + timedelta(hours=1))

    def missing(s, item):
        raise ImportError("no delivery")
    monkeypatch.setattr(svc, "_queue", missing)
    assert svc.publish_due(w.tenant_id, now=utcnow() + timedelta(hours=2)) == []
    assert svc.get_item(w.manager.actor, w.tenant_id, due).state == "validated"


def test_an_item_that_fails_to_queue_keeps_its_error(world_a, monkeypatch):
    w = world_a
    due = _validated(w, utcnow() + timedelta(hours=1))

    def boom(s, item):
        raise RuntimeError("no recipients")
    monkeypatch.setattr(svc, "_queue", boom)
    assert svc.publish_due(w.tenant_id, now=utcnow() + timedelta(hours=2)) == []
    got = svc.get_item(w.manager.actor, w.tenant_id, due)
    assert got.state == "validated" and "no recipients" in got.last_error


# ---------------------------------------------------------------- figures

def _deliveries(w, iid: int) -> None:
    with system_session("test: deliveries") as s:
        m = Mailing(tenant_id=w.tenant_id, item_id=iid, title="m")
        s.add(m)
        s.flush()
        for n, state in enumerate(("sent", "sent", "failed", "bounced")):
            s.add(MailDelivery(tenant_id=w.tenant_id, mailing_id=m.id, email=f"s{n}@x.test", state=state))
        s.add(PostDelivery(tenant_id=w.tenant_id, item_id=iid, channel_id=1, state="sent"))
        link = TrackedLink(tenant_id=w.tenant_id, token_hash=f"h{iid}{w.slug}", url="https://x.test", item_id=iid,
                           clicks=3)
        s.add(link)
        s.flush()
        s.add(LinkClick(tenant_id=w.tenant_id, link_id=link.id))
        s.commit()


def test_item_figures_and_weekly_summary(worlds):
    a, b = worlds
    iid = svc.do_create_item(a.counselor.actor, a.tenant_id, item_data()).id
    _deliveries(a, iid)
    f = svc.item_figures(a.manager.actor, a.tenant_id, iid)
    assert f.emails == {"sent": 2, "failed": 1, "bounced": 1} and f.posts == {"sent": 1}
    assert (f.clicks, f.links) == (3, 1)
    with pytest.raises(NotFound):
        svc.item_figures(b.manager.actor, b.tenant_id, iid)
    monday = utcnow().date() - timedelta(days=utcnow().date().weekday())
    week = svc.weekly_summary(a.manager.actor, a.tenant_id, monday)
    assert week["emails_sent"] == 2 and week["emails_failed"] == 2 and week["posts_sent"] == 1
    assert week["clicks"] == 1
    assert svc.weekly_summary(b.manager.actor, b.tenant_id, monday)["emails_sent"] == 0


# ---------------------------------------------------------------- isolation and listing

def test_another_centre_sees_nothing(worlds):
    a, b = worlds
    iid = svc.do_create_item(a.counselor.actor, a.tenant_id, item_data()).id
    for call in (lambda: svc.get_item(b.manager.actor, b.tenant_id, iid),
                 lambda: svc.do_update_item(b.counselor.actor, b.tenant_id, iid, {"title": "x"}),
                 lambda: svc.do_submit_item(b.counselor.actor, b.tenant_id, iid),
                 lambda: svc.do_delete_item(b.counselor.actor, b.tenant_id, iid)):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(Forbidden):  # a's manager asking in b's name
        svc.get_item(a.manager.actor, b.tenant_id, iid)
    assert svc.list_items(b.manager.actor, b.tenant_id).total == 0


def test_list_filters_and_pages(world_a):
    w = world_a
    ids = [svc.do_create_item(w.counselor.actor, w.tenant_id,
                              item_data(title=f"Item {n}", publish_at=utcnow() + timedelta(days=n + 1))).id
           for n in range(5)]
    svc.do_submit_item(w.counselor.actor, w.tenant_id, ids[0])
    page = svc.list_items(w.manager.actor, w.tenant_id, per_page=2, page=2)
    assert [x.id for x in page.items] == ids[2:4] and page.total == 5
    assert [x.id for x in svc.list_items(w.manager.actor, w.tenant_id, state="submitted").items] == [ids[0]]
    assert [x.id for x in svc.list_items(w.manager.actor, w.tenant_id, search="item 3").items] == [ids[3]]
    with pytest.raises(Invalid):
        svc.list_items(w.manager.actor, w.tenant_id, state="lost")


def test_publication_calendar(world_a):
    w = world_a
    start = utcnow().date()
    inside = svc.do_create_item(w.counselor.actor, w.tenant_id, item_data(publish_at=utcnow() + timedelta(days=3))).id
    svc.do_create_item(w.counselor.actor, w.tenant_id, item_data(publish_at=utcnow() + timedelta(days=60)))
    got = svc.publications(w.manager.actor, w.tenant_id, start, start + timedelta(days=31))
    assert [x.id for x in got] == [inside]
    with pytest.raises(Invalid):
        svc.publications(w.manager.actor, w.tenant_id, start, start + timedelta(days=400))


def test_only_a_draft_is_deleted(world_a):
    w = world_a
    it = svc.do_create_item(w.counselor.actor, w.tenant_id, item_data())
    svc.do_submit_item(w.counselor.actor, w.tenant_id, it.id)
    with pytest.raises(Conflict):
        svc.do_delete_item(w.counselor.actor, w.tenant_id, it.id)
    other = svc.do_create_item(w.counselor.actor, w.tenant_id, item_data())
    svc.do_delete_item(w.counselor.actor, w.tenant_id, other.id)
    assert _count(w.tenant_id) == 1


# ---------------------------------------------------------------- reminders

def test_reminder_for_an_upcoming_activity_without_item(worlds):
    a, b = worlds
    comm = create_person(f"comm@{a.slug}.test", tenant_id=a.tenant_id, roles=["career_counselor"],
                         responsibilities=["communication"])
    bare = event(a, days=100, title="Forum emploi")
    covered = event(a, days=100, title="Atelier couvert")
    event(a, days=200, title="Trop loin")
    svc.do_create_item(a.counselor.actor, a.tenant_id, item_data(event_id=covered))
    assert svc.enqueue_item_reminders() == 1
    assert svc.enqueue_item_reminders() == 0  # once per activity and person
    with system_session("test: outbox") as s:
        msgs = s.exec(select(outbox.OutboxMessage).where(
            outbox.OutboxMessage.idempotency_key.like("comm-item-reminder:%"))).all()
    assert [(m.payload["to"], m.origin_tenant_id) for m in msgs] == [(comm.email, a.tenant_id)]
    assert "Forum emploi" in msgs[0].payload["subject"]
    assert msgs[0].idempotency_key.endswith(f":{bare}:{comm.membership_id}")


def test_the_weekly_summary_report_carries_the_communication_figures(world_a):
    from workflows.reporting.reports import do_create_report, get_report

    w = world_a
    iid = svc.do_create_item(w.counselor.actor, w.tenant_id, item_data()).id
    _deliveries(w, iid)
    r = do_create_report(w.manager.actor, w.tenant_id, "weekly_summary", utcnow().date())
    figures = get_report(w.manager.actor, w.tenant_id, r.id).figures
    assert figures["communications"]["emails_sent"] == 2 and figures["communications"]["posts_sent"] == 1
