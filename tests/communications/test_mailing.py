"""Mailings (issue 7 §3, §6): templates, segments, preferences, weekly cap, bounces, links,
and sending exactly once through the dev mailbox and a local SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import Forbidden, Invalid, NotFound
from integrations.mail import DevMail
from tests.communications.mailing_util import add_students, deliveries
from tests.jobs.conftest import smtp_server  # noqa: F401  (fixture)
from workflows.communications import delivery, mailing
from workflows.communications.models import (
    CommPreference,
    LinkClick,
    MailDelivery,
    Mailing,
    MailSettings,
)

BODY = {"fr": "Bonjour {{ first_name }},\nAtelier CV au {{ centre }} : https://cc.example.ma/atelier\n"
              "Se désabonner : {{ unsubscribe_url }}",
        "ar": "مرحبا {{ first_name }}، ورشة السيرة الذاتية: https://cc.example.ma/atelier"}
SUBJECT = {"fr": "Atelier CV", "ar": "ورشة السيرة الذاتية"}


def _mailing(actor, audience=None, **kw):
    return mailing.do_create_mailing(actor, actor.tenant_id, title="Atelier CV", subject=kw.get("subject", SUBJECT),
                                     body=kw.get("body", BODY), audience=audience or {"kind": "students"})


def _send_all(tenant_id, mailing_id):
    with tenant_session(tenant_id) as s:
        m = s.get(Mailing, mailing_id)
        if m.state == "scheduled":  # what the dispatch message does
            m.state = "sending"
            m.started_at = utcnow()
            s.add(m)
            s.commit()
        batches = delivery.queued_batches(s, mailing_id)
    for b in batches:
        delivery.send_batch(tenant_id, mailing_id, b)


def test_an_unknown_template_variable_is_refused_and_nothing_is_created(world_a):
    with pytest.raises(Invalid) as e:
        _mailing(world_a.counselor.actor, body={"fr": "Bonjour {{ prenom }}"})
    assert e.value.code == "template_variable_unknown" and e.value.params["variable"] == "prenom"
    with pytest.raises(Invalid) as e:
        _mailing(world_a.counselor.actor, body={"fr": "Bonjour {{ first_name "})
    assert e.value.code == "template_syntax"
    with pytest.raises(Invalid) as e:
        _mailing(world_a.counselor.actor, body={"en": "Hello"})
    assert e.value.code == "mailing_text_required"
    with tenant_session(world_a.tenant_id) as s:
        assert s.exec(select(func.count()).select_from(Mailing)).one() == 0


def test_a_mailing_with_no_recipients_is_refused_and_nothing_is_half_sent(world_a):
    mid = _mailing(world_a.counselor.actor, audience={"kind": "students", "levels": ["D3"]})
    with pytest.raises(Invalid) as e:
        mailing.do_schedule_mailing(world_a.counselor.actor, world_a.tenant_id, mid)
    assert e.value.code == "mailing_no_recipients"
    with tenant_session(world_a.tenant_id) as s:
        assert s.get(Mailing, mid).state == "draft"
        assert s.exec(select(func.count()).select_from(MailDelivery)).one() == 0


def test_students_and_host_cannot_send_and_another_centre_sees_nothing(world_a, world_b):
    with pytest.raises(Forbidden):
        _mailing(world_a.student.actor)
    with pytest.raises(Forbidden):
        _mailing(world_a.people["host_approver"].actor)
    mid = _mailing(world_a.counselor.actor)
    with pytest.raises(Forbidden):  # not a member of that centre
        mailing.do_schedule_mailing(world_b.counselor.actor, world_a.tenant_id, mid)
    with pytest.raises(NotFound):  # in one's own centre, another centre's mailing does not exist
        mailing.do_schedule_mailing(world_b.counselor.actor, world_b.tenant_id, mid)
    with pytest.raises(NotFound):
        mailing.delivery_log(world_b.manager.actor, world_b.tenant_id, mid)


def test_the_segment_skips_who_opted_out_and_who_reached_the_weekly_cap(world_a):
    emails = add_students(world_a.tenant_id, 4)
    token = mailing.preference_token(world_a.tenant_id, emails[0])
    mailing.do_update_preferences(token, unsubscribed_all=True)
    mailing.do_update_preferences(mailing.preference_token(world_a.tenant_id, emails[1]),
                                  unsubscribed_all=False, opted_out=["events"])
    with tenant_session(world_a.tenant_id) as s:
        s.add(MailSettings(tenant_id=world_a.tenant_id, weekly_cap=1))
        # emails[2] already had a mailing this week
        old = Mailing(tenant_id=world_a.tenant_id, title="x", subject={"fr": "x"}, body={"fr": "x"},
                      audience={"kind": "students"}, state="sent")
        s.add(old)
        s.flush()
        s.add(MailDelivery(tenant_id=world_a.tenant_id, mailing_id=old.id, email=emails[2], state="sent",
                           sent_at=utcnow() - timedelta(days=2)))
        s.commit()
    mid = _mailing(world_a.counselor.actor, audience={"kind": "students", "levels": ["M1"]})
    assert mailing.do_schedule_mailing(world_a.counselor.actor, world_a.tenant_id, mid) == 1
    got = deliveries(world_a.tenant_id, mid)
    assert got[emails[0]] == ("skipped", "unsubscribed")
    assert got[emails[1]] == ("skipped", "opted_out")
    assert got[emails[2]] == ("skipped", "weekly_cap")
    assert got[emails[3]] == ("queued", "")


def test_the_dev_mailbox_gets_each_message_once_personalised_in_the_recipients_language(world_a):
    emails = add_students(world_a.tenant_id, 3)
    ar = add_students(world_a.tenant_id, 1, prefix="ar", locale="ar")
    mid = _mailing(world_a.counselor.actor)
    mailing.do_schedule_mailing(world_a.counselor.actor, world_a.tenant_id, mid)
    _send_all(world_a.tenant_id, mid)
    _send_all(world_a.tenant_id, mid)  # a second run (a redelivered task) sends nothing more
    with system_session("test") as s:
        mails = s.exec(select(DevMail).where(DevMail.to_email.in_(emails + ar))).all()
    assert sorted(m.to_email for m in mails) == sorted(emails + ar)
    fr = next(m for m in mails if m.to_email == emails[0])
    assert fr.body_text.startswith("Bonjour Salma0,") and "Centre ALPHA" not in fr.subject
    assert "/r/" in fr.body_text and "https://cc.example.ma/atelier" not in fr.body_text
    assert "/api/v1/public/unsubscribe/" in fr.body_text
    assert fr.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    arabic = next(m for m in mails if m.to_email == ar[0])
    assert arabic.subject == SUBJECT["ar"] and arabic.body_text.startswith("مرحبا Salma0")
    assert set(s for s, _ in deliveries(world_a.tenant_id, mid).values()) == {"sent"}
    with tenant_session(world_a.tenant_id) as s:
        assert s.get(Mailing, mid).state == "sent"


def test_a_local_smtp_server_receives_every_message_once(world_a, smtp_server):  # noqa: F811
    emails = add_students(world_a.tenant_id, 30)
    mid = _mailing(world_a.counselor.actor)
    mailing.do_schedule_mailing(world_a.counselor.actor, world_a.tenant_id, mid)
    _send_all(world_a.tenant_id, mid)
    _send_all(world_a.tenant_id, mid)
    assert sorted(to for _, (to,) in smtp_server.envelopes) == sorted(emails)
    ids = {m["Message-ID"] for m in smtp_server.messages}
    assert len(ids) == 30


def test_a_refused_recipient_is_failed_with_the_reason_and_the_others_go(world_a, smtp_server):  # noqa: F811
    add_students(world_a.tenant_id, 2)
    mid = _mailing(world_a.counselor.actor)
    mailing.do_schedule_mailing(world_a.counselor.actor, world_a.tenant_id, mid)
    smtp_server.fail_with = "550 5.1.1 mailbox unavailable"
    _send_all(world_a.tenant_id, mid)
    states = deliveries(world_a.tenant_id, mid)
    assert {s for s, _ in states.values()} == {"failed"}
    assert all("550" in r for _, r in states.values())


def test_a_tracked_link_counts_the_click_and_redirects(world_a):
    add_students(world_a.tenant_id, 1)
    mid = _mailing(world_a.counselor.actor)
    mailing.do_schedule_mailing(world_a.counselor.actor, world_a.tenant_id, mid)
    _send_all(world_a.tenant_id, mid)
    with system_session("test") as s:
        body = s.exec(select(DevMail.body_text).where(DevMail.to_email.like("etu0.%"))).first()
    link = next(w for w in body.split() if "/r/" in w)
    token, _, query = link.split("/r/")[1].partition("?d=")
    assert mailing.follow_link(token, query) == "https://cc.example.ma/atelier"
    assert mailing.follow_link(token, "1.forged") == "https://cc.example.ma/atelier"
    with tenant_session(world_a.tenant_id) as s:
        clicks = s.exec(select(LinkClick)).all()
    assert len(clicks) == 2 and clicks[0].delivery_id is not None and clicks[1].delivery_id is None
    with pytest.raises(NotFound):
        mailing.follow_link("nope")


def test_the_preference_link_is_signed(world_a):
    token = mailing.preference_token(world_a.tenant_id, "a@b.ma")
    assert mailing.get_preferences(token)["unsubscribed_all"] is False
    with pytest.raises(NotFound):
        mailing.get_preferences(token[:-1] + ("0" if token[-1] != "0" else "1"))
    with pytest.raises(Invalid):
        mailing.do_update_preferences(token, unsubscribed_all=False, opted_out=["spam"])


def test_a_hard_bounce_marks_the_delivery_and_stops_later_mailings(world_a):
    emails = add_students(world_a.tenant_id, 2)
    mid = _mailing(world_a.counselor.actor)
    mailing.do_schedule_mailing(world_a.counselor.actor, world_a.tenant_id, mid)
    _send_all(world_a.tenant_id, mid)
    with tenant_session(world_a.tenant_id) as s:
        d = s.exec(select(MailDelivery).where(MailDelivery.email == emails[0])).one()
        msg_id = d.message_id
    dsn = (
        "From: MAILER-DAEMON@mx.test\r\nTo: no-reply@cc-network.local\r\nSubject: Undelivered\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.test\r\n\r\n"
        f"Final-Recipient: rfc822; {emails[0]}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {msg_id}\r\nSubject: Atelier CV\r\n\r\n--B--\r\n").encode()
    assert mailing.process_bounce(dsn)["permanent"] is True
    assert deliveries(world_a.tenant_id, mid)[emails[0]][0] == "bounced"
    with tenant_session(world_a.tenant_id) as s:
        assert s.exec(select(CommPreference).where(CommPreference.email == emails[0])).one().bounced
    mid2 = _mailing(world_a.counselor.actor)
    mailing.do_schedule_mailing(world_a.counselor.actor, world_a.tenant_id, mid2)
    assert deliveries(world_a.tenant_id, mid2)[emails[0]] == ("skipped", "bounced_before")
    assert mailing.process_bounce(b"Subject: hello\r\n\r\nnot a bounce")["matched"] is False


def test_the_cli_reads_a_bounce_and_the_mail_settings_are_checked(world_a, tmp_path):
    from click.testing import CliRunner

    from cc_network.cli import main

    f = tmp_path / "dsn.eml"
    f.write_bytes(b"Subject: hello\\r\\n\\r\\nnot a bounce")
    out = CliRunner().invoke(main, ["mail", "bounces", str(f)])
    assert out.exit_code == 0 and "ignored" in out.output
    mgr = world_a.manager.actor
    with pytest.raises(Invalid) as e:
        mailing.do_update_mail_settings(mgr, world_a.tenant_id, {"smtp_host": "smtp.alpha.ma", "weekly_cap": 2})
    assert e.value.code == "smtp_sender_required"
    with pytest.raises(Invalid) as e:
        mailing.do_update_mail_settings(mgr, world_a.tenant_id, {"weekly_cap": 99})
    assert e.value.code == "weekly_cap_invalid"
    with pytest.raises(Forbidden):
        mailing.do_update_mail_settings(world_a.counselor.actor, world_a.tenant_id, {"weekly_cap": 1})
    v = mailing.do_update_mail_settings(mgr, world_a.tenant_id, {
        "smtp_host": "smtp.alpha.ma", "smtp_port": 2525, "smtp_username": "cc", "smtp_password": "s3cret-pass",
        "from_address": "Carriere@Alpha.ma", "weekly_cap": 2})
    assert (v.smtp_host, v.smtp_port, v.has_password, v.from_address, v.weekly_cap) == (
        "smtp.alpha.ma", 2525, True, "Carriere@alpha.ma", 2)
    with tenant_session(world_a.tenant_id) as s:
        t = delivery.transport_for(s)
    assert (t.host, t.port, t.password, t.sender) == ("smtp.alpha.ma", 2525, "s3cret-pass", "Carriere@alpha.ma")
