"""Beat job of the procedure engine: e-mail reminders of tasks due soon or overdue (thin; the
rule is in services)."""

from __future__ import annotations

from celery import shared_task

from workflows.procedures.services import enqueue_task_reminders

REMINDERS_EVERY_SECONDS = 3600.0


@shared_task(name="workflows.procedures.send_task_reminders", ignore_result=True)
def send_task_reminders() -> int:
    """Enqueue the reminders that are due (at most one a day per task); the outbox relay sends them."""
    return enqueue_task_reminders()
