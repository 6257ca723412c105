"""A local SMTP server (aiosmtpd) on a free port, and helpers to point the app at it."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

import cc_network.worker  # noqa: F401  (builds the app, which turns the on-commit publisher on)
from integrations.settings import reset_settings
from integrations.tasks import enable_prompt_relay

# Only tests that run a worker publish on commit; everywhere else the outbox rows simply wait.
enable_prompt_relay(False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """Collects what the SMTP server received; `fail_with` makes it refuse every message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.fail_with: str | None = None
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        if self.fail_with:
            return self.fail_with
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        self.received.set()
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(monkeypatch):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("CC_SMTP_URL", f"smtp://127.0.0.1:{port}")
    reset_settings()
    try:
        yield inbox
    finally:
        controller.stop()
        monkeypatch.delenv("CC_SMTP_URL", raising=False)
        reset_settings()


@pytest.fixture
def no_prompt_relay():
    """Tests that build a Celery app turn the on-commit publisher off again afterwards."""
    from integrations.tasks import enable_prompt_relay

    yield
    enable_prompt_relay(False)
