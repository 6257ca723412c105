"""Jobs of reporting (thin; the rules are in workflows.reporting.statistics and .reports): the
backfill of one centre's statistics from its source tables, for a centre that had activity
before the statistics were fed (or after a restore), idempotent; and the beat job reminding
members of their weekly individual report on its due day, the day before the meeting."""

from __future__ import annotations

from celery import shared_task

from workflows.reporting.reports import enqueue_weekly_reminders
from workflows.reporting.statistics import rebuild

REMINDERS_EVERY_SECONDS = 3600.0


@shared_task(name="workflows.reporting.rebuild_statistics", ignore_result=True, acks_late=True)
def rebuild_statistics(tenant_id: int) -> int:
    """Count whatever the sources hold that the statistics do not yet; returns how many."""
    if not isinstance(tenant_id, int) or isinstance(tenant_id, bool) or tenant_id <= 0:
        return 0
    return rebuild(tenant_id)


@shared_task(name="workflows.reporting.send_weekly_report_reminders", ignore_result=True)
def send_weekly_report_reminders() -> int:
    """Enqueue the reminders due today; the outbox relay sends them."""
    return enqueue_weekly_reminders()
