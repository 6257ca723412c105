"""The first real job: the password-reset e-mail, through the outbox relay tasks."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import update
from sqlmodel import select

from integrations import outbox
from integrations.db import system_session, utcnow
from integrations.i18n import t
from integrations.mail import DevMail
from integrations.outbox import OutboxMessage
from integrations.settings import get_settings
from integrations.tasks import deliver_outbox_message
from tenants.auth.services import authenticate, do_request_password_reset, do_reset_password
from tests.conftest import create_person

NEW_PASSWORD = "Brand-new-pass-77"


@pytest.fixture
def person(world_a):
    # an address email_validator accepts (it refuses the special-use .test domain)
    return create_person("salma.reset@alpha.example.ma", tenant_id=world_a.tenant_id, roles=["student"])


def _relay_once() -> list[str]:
    """What beat + workers do, in-process: every due id through the delivery task body."""
    with system_session("test relay") as s:
        ids = outbox.due_ids(s)
    return [deliver_outbox_message(mid) for mid in ids]


def _messages() -> list[OutboxMessage]:
    with system_session("test read outbox") as s:
        return list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def _token_from(text: str) -> str:
    base = re.escape(get_settings().base_url)
    m = re.search(base + r"/reset\?token=(\S+)", text)
    assert m, text
    return unquote(m.group(1))


def test_reset_email_goes_out_over_smtp_and_its_link_works(person, smtp_server):
    student = person
    do_request_password_reset(student.email.upper())
    assert smtp_server.messages == []  # nothing leaves before the relay runs

    assert _relay_once() == ["sent"]
    assert len(smtp_server.messages) == 1
    msg = smtp_server.messages[0]
    assert msg["To"] == student.email
    assert msg["Subject"] == t("mail.reset.subject", "fr")
    assert "mot de passe" in msg["Subject"]
    assert smtp_server.envelopes[0][1] == [student.email]
    body = msg.get_content()
    token = _token_from(body)

    do_reset_password(token, NEW_PASSWORD)
    assert authenticate(student.email, NEW_PASSWORD).id == student.account_id
    with pytest.raises(Exception) as exc:
        do_reset_password(token, "Another-pass-88")
    assert getattr(exc.value, "code", "") == "reset_token_used"

    # A second delivery of the same message (a redelivered task) sends nothing more.
    mid = _messages()[0].id
    assert deliver_outbox_message(mid) == "sent"
    assert _relay_once() == []
    assert len(smtp_server.messages) == 1


def test_without_smtp_the_mail_lands_in_the_dev_mailbox(person):
    assert get_settings().smtp_url is None
    do_request_password_reset(person.email)
    assert _relay_once() == ["sent"]
    with system_session("test read dev mailbox") as s:
        mails = s.exec(select(DevMail)).all()
    assert [m.to_email for m in mails] == [person.email]
    assert mails[0].subject == t("mail.reset.subject", "fr")
    token = _token_from(mails[0].body_text)
    do_reset_password(token, NEW_PASSWORD)
    assert deliver_outbox_message(_messages()[0].id) == "sent"
    with system_session("test read dev mailbox") as s:
        assert len(s.exec(select(DevMail)).all()) == 1


def test_unknown_email_sends_nothing(person, smtp_server):
    do_request_password_reset("nobody@nowhere.example.ma")
    assert _relay_once() == []
    assert _messages() == []


def test_failing_smtp_retries_with_backoff_then_fails(person, smtp_server):
    smtp_server.fail_with = "451 4.3.0 mailbox temporarily unavailable"
    do_request_password_reset(person.email)
    mid = _messages()[0].id

    for attempt in range(1, outbox.MAX_ATTEMPTS):
        before = utcnow()
        assert deliver_outbox_message(mid) == "pending"
        msg = _messages()[0]
        assert msg.attempts == attempt
        assert "451" in msg.last_error
        delay = msg.available_at - before
        expected = timedelta(seconds=30 * 2 ** (attempt - 1))
        assert expected - timedelta(seconds=2) <= delay <= expected + timedelta(seconds=2)
        # not due before its backoff ends: the relay leaves it alone
        assert _relay_once() == []
        with system_session("test: time passes") as s:
            s.execute(update(OutboxMessage).where(OutboxMessage.id == mid)
                      .values(available_at=utcnow() - timedelta(seconds=1)))
            s.commit()

    assert _relay_once() == ["failed"]
    msg = _messages()[0]
    assert msg.state == "failed" and msg.attempts == outbox.MAX_ATTEMPTS
    assert _relay_once() == []
    assert smtp_server.messages == []

    # the server recovers: a failed message stays failed (no surprise mail days later)
    smtp_server.fail_with = None
    assert deliver_outbox_message(mid) == "failed"
    assert smtp_server.messages == []
