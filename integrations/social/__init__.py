"""Social-network adapters (issue 7): Facebook Pages, LinkedIn organisations, X, Mastodon, webhook.

`publish` is one attempt: validate every image and the text (nothing leaves when one is wrong),
pass the shared per-(provider, tenant) gate, upload the media, post last. `publish_with_retries`
is the caller's loop: backoff on retryable failures, the provider's Retry-After on 429, and it
gives the wait back (RateLimited) when it is longer than a worker should sleep.

Idempotency: Mastodon deduplicates on Post.idempotency_key and the webhook receives it; the
other networks have no such key, so the outbox handler stores the provider post id per
(item, channel) and checks it before calling again.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from integrations import ratelimit
from integrations.social.base import (
    Adapter,
    Credentials,
    Image,
    MediaTooLarge,
    Post,
    ProviderError,
    Result,
    SocialError,
    SocialInvalid,
    SocialRateLimited,
    TokenExpired,
)
from integrations.social.facebook import FacebookAdapter
from integrations.social.linkedin import LinkedInAdapter
from integrations.social.mastodon import MastodonAdapter
from integrations.social.webhook import WebhookAdapter
from integrations.social.x import XAdapter

ADAPTERS: dict[str, type[Adapter]] = {
    "facebook": FacebookAdapter,
    "linkedin": LinkedInAdapter,
    "x": XAdapter,
    "mastodon": MastodonAdapter,
    "webhook": WebhookAdapter,
}
PROVIDERS = tuple(ADAPTERS)
# Our own budget per (provider, tenant), under the providers' documented per-account limits
# (Mastodon: 300 statuses / 3 h; X Basic: 100 posts / 24 h per user; Pages and LinkedIn:
# app-level quotas), so a burst is spread out before the provider starts answering 429.
BUDGETS: dict[str, str] = {
    "facebook": "100/hour",
    "linkedin": "100/day",
    "x": "100/day",
    "mastodon": "250/3hour",
    "webhook": "60/minute",
}

__all__ = ["ADAPTERS", "PROVIDERS", "Credentials", "Image", "MediaTooLarge", "Post", "ProviderError",
           "Result", "SocialError", "SocialInvalid", "SocialRateLimited", "TokenExpired", "adapter",
           "publish", "publish_with_retries"]


def adapter(provider: str, credentials: Credentials, *, tenant_id: int | None) -> Adapter:
    cls = ADAPTERS.get(provider)
    if cls is None:
        raise SocialInvalid(f"unknown provider {provider!r}", code="social_unknown_provider", provider=provider)
    return cls(credentials, tenant_id=tenant_id)


def publish(provider: str, credentials: Credentials, post: Post, *, tenant_id: int | None) -> Result:
    """One attempt. Raises SocialRateLimited (without calling) while the gate is closed."""
    a = adapter(provider, credentials, tenant_id=tenant_id)
    a.validate(post)
    a.validate_credentials()
    wait = ratelimit.acquire(provider, tenant_id, BUDGETS.get(provider))
    if wait > 0:
        raise SocialRateLimited(f"{provider} is rate limited for this account", provider=provider,
                                retry_after=wait)
    try:
        return a.publish(post)
    except SocialRateLimited as exc:
        ratelimit.block(provider, tenant_id, exc.retry_after)
        raise


def publish_with_retries(provider: str, credentials: Credentials, post: Post, *, tenant_id: int | None,
                         attempts: int = 4, backoff: float = 2.0, max_wait: float = 60.0,
                         sleep: Callable[[float], None] | None = None) -> Result:
    """Retry retryable failures with exponential backoff and honour Retry-After up to `max_wait`.

    Token, media and validation errors are raised at once (retrying cannot fix them); a longer
    wait is raised as SocialRateLimited so a Celery task reschedules itself (countdown=retry_after).
    """
    do_sleep = sleep or ratelimit.sleep
    attempt = 0
    while True:
        attempt += 1
        try:
            return publish(provider, credentials, post, tenant_id=tenant_id)
        except SocialRateLimited as exc:
            if attempt >= attempts or exc.retry_after > max_wait:
                raise
            wait = exc.retry_after
        except ProviderError as exc:
            if not exc.retryable or attempt >= attempts:
                raise
            # jitter: many workers failing together do not come back together
            wait = backoff * (2 ** (attempt - 1)) + random.uniform(0, backoff / 2)
        do_sleep(wait)
