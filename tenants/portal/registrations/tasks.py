"""Beat job of registrations: holds on freed seats that run out go to the next student."""

from __future__ import annotations

from celery import shared_task

from tenants.portal.registrations.services import expire_offers

EXPIRE_OFFERS_EVERY_SECONDS = 300.0


@shared_task(name="tenants.portal.registrations.expire_offers", acks_late=True, ignore_result=True)
def expire_registration_offers() -> int:
    return expire_offers()
