"""Beat jobs of the procedure engine (thin; the rules are in services and schedule): e-mail
reminders of tasks due soon or overdue, and the calendar's triggers (year, semester, month, week)."""

from __future__ import annotations

from celery import shared_task

from workflows.procedures.services import enqueue_task_reminders

REMINDERS_EVERY_SECONDS = 3600.0


@shared_task(name="workflows.procedures.send_task_reminders", ignore_result=True)
def send_task_reminders() -> int:
    """Enqueue the reminders that are due (at most one a day per task); the outbox relay sends them."""
    return enqueue_task_reminders()


@shared_task(name="workflows.procedures.start_due_procedures", ignore_result=True)
def start_due() -> int:
    """Start the procedures the calendar calls for (year, semester, month, week): once per period."""
    from workflows.procedures.schedule import start_due_procedures

    return start_due_procedures()
