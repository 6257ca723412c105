"""Beat job of individual sessions: reminders 24 h and 2 h before (thin; the rule is in services)."""

from __future__ import annotations

from celery import shared_task

from tenants.portal.sessions.services import enqueue_due_reminders

REMINDERS_EVERY_SECONDS = 300.0


@shared_task(name="portal.sessions.send_reminders", ignore_result=True)
def send_session_reminders() -> int:
    """Enqueue the reminders that are due; the outbox relay sends them."""
    return enqueue_due_reminders()
