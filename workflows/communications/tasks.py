"""Jobs of communications (thin; the rules are in workflows.communications.items): the beat
job that hands validated items to delivery when their time comes, and the reminder to the
communication counselor of an upcoming activity with no item yet (P30.1)."""

from __future__ import annotations

from celery import shared_task

from workflows.communications.items import enqueue_item_reminders, publish_all_due

PUBLISH_EVERY_SECONDS = 60.0
REMINDERS_EVERY_SECONDS = 3600.0


@shared_task(name="workflows.communications.publish_due_items", ignore_result=True)
def publish_due_items() -> int:
    """Validated items whose publish_at has come: to `publishing`, deliveries queued."""
    return publish_all_due()


@shared_task(name="workflows.communications.send_item_reminders", ignore_result=True)
def send_item_reminders() -> int:
    """Upcoming activities with no communication item: remind their counselor (once each)."""
    return enqueue_item_reminders()
