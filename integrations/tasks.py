"""The outbox relay as Celery tasks (DESIGN §7). Thin: they take ids and call integrations.outbox.

Tasks are `shared_task`s, so this floor never imports the Celery app (cc_network.worker
builds it). Retries are the outbox's own state (attempts, backoff in `available_at`),
not Celery's: a message the broker loses is picked up again by `relay_outbox`.
"""

from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy import event, inspect
from sqlmodel import Session

import integrations.mail  # noqa: F401  (registers the e-mail handler in every worker)
from integrations import outbox
from integrations.db import system_session

log = logging.getLogger(__name__)

RELAY_EVERY_SECONDS = 10.0


@shared_task(name="integrations.deliver_outbox_message", acks_late=True, ignore_result=True)
def deliver_outbox_message(message_id: int) -> str:
    with system_session("outbox delivery") as s:
        return outbox.deliver(s, int(message_id))


@shared_task(name="integrations.relay_outbox", ignore_result=True, bind=True)
def relay_outbox(self) -> int:  # noqa: ANN001
    """Beat calls this: hand every due message to a delivery task.

    Published through the app running this task (its broker), not whichever app the
    process last made current: a process may hold several (the tests do)."""
    with system_session("outbox relay") as s:
        ids = outbox.due_ids(s, limit=500)
    deliver = self.app.tasks[deliver_outbox_message.name]
    for mid in ids:
        deliver.delay(mid)
    return len(ids)


# ---------------------------------------------------------------- prompt relay on commit

_prompt = {"enabled": False}


def enable_prompt_relay(enabled: bool = True) -> None:
    """Publish a delivery task as soon as a transaction that enqueued messages commits.

    Called by the process that configured a Celery app (cc_network.worker); off by
    default so code without a broker (tests, scripts) never tries to publish.
    """
    _prompt["enabled"] = enabled


@event.listens_for(Session, "after_commit")
def _publish_new_messages(session: Session) -> None:
    new = session.info.pop("outbox_new", None)
    if not new or not _prompt["enabled"]:
        return
    for msg in new:
        identity = inspect(msg).identity  # no SQL: the row was flushed by the commit
        if not identity:
            continue
        try:
            # No publish retries: if the broker is down, the beat relay sends it later.
            deliver_outbox_message.apply_async((identity[0],), retry=False)
        except Exception:  # noqa: BLE001 - the outbox row is safe; only promptness is lost
            log.warning("could not publish outbox message %s; the relay will", identity[0],
                        exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget_new_messages(session: Session) -> None:
    session.info.pop("outbox_new", None)
