"""Celery tasks of the communications' delivery: thin, taking ids (DESIGN §7)."""

from __future__ import annotations

from celery import shared_task

from workflows.communications import delivery


@shared_task(name="workflows.communications.send_mail_batch", acks_late=True, ignore_result=True)
def send_mail_batch(tenant_id: int, mailing_id: int, ids: list[int]) -> dict:
    return delivery.send_batch(int(tenant_id), int(mailing_id), [int(i) for i in ids])


@shared_task(name="workflows.communications.publish_post", acks_late=True, ignore_result=True, bind=True,
             max_retries=8)
def publish_post(self, tenant_id: int, delivery_id: int) -> str:  # noqa: ANN001
    try:
        return delivery.publish_post(int(tenant_id), int(delivery_id))
    except delivery.RetryPost as exc:
        # back on its network's queue after the provider's Retry-After (or the backoff)
        raise self.retry(countdown=max(1.0, exc.countdown),
                         queue=delivery.post_queue(int(tenant_id), int(delivery_id))) from None


@shared_task(name="workflows.communications.sweep_mailings", ignore_result=True, bind=True)
def sweep_mailings(self) -> int:  # noqa: ANN001
    """Beat: hand again to the workers what a dead worker or a lost task left behind (mailings,
    and posts, including those that waited for a channel the centre reconnected)."""
    task = self.app.tasks[send_mail_batch.name]
    n = 0
    for tenant_id, mailing_id, batches in delivery.sweep():
        for batch in batches:
            task.apply_async((tenant_id, mailing_id, batch), queue=delivery.MAIL_QUEUE)
            n += 1
    post = self.app.tasks[publish_post.name]
    for tenant_id, delivery_id in delivery.sweep_posts():
        post.apply_async((tenant_id, delivery_id), queue=delivery.post_queue(tenant_id, delivery_id))
        n += 1
    return n
