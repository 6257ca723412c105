"""Retries, 429 Retry-After and the gate shared by every worker (memory, or Redis when
CC_TEST_REDIS_URL is set: the conftest exports it as CC_REDIS_URL)."""

from __future__ import annotations

import pytest

from integrations import ratelimit, social
from integrations.settings import get_settings
from integrations.social import Credentials, Post, ProviderError, SocialRateLimited, TokenExpired

TENANT = 7


def creds(provider: str, fake) -> Credentials:
    fake.grant(provider, "tok-ok")
    return Credentials(token="tok-ok", account_id={"facebook": "99", "linkedin": "5"}.get(provider, ""),
                       base_url=fake.base_url + ("/hook" if provider == "webhook" else ""),
                       secret=fake.webhook_secret)


@pytest.mark.parametrize("provider,path", [("mastodon", "/api/v1/statuses"), ("x", "/2/tweets"),
                                           ("linkedin", "/rest/posts"), ("facebook", "/v21.0/99/feed"),
                                           ("webhook", "/hook")])
def test_500_then_429_then_200_publishes_once(provider, path, fake, clock):
    fake.script("POST", path, [500, (429, {"Retry-After": "2"})])
    result = social.publish_with_retries(provider, creds(provider, fake), Post(text="Atelier CV", idempotency_key="k1"),
                                         tenant_id=TENANT, backoff=1.0)
    assert len(fake.posts(provider)) == 1
    assert fake.posts(provider)[0].extra["id"] == result.provider_post_id
    assert [m for m, p in fake.requests if p == path] == ["POST"] * 3
    # a backoff after the 500, then exactly the 2 s the provider asked for
    assert len(clock.waits) == 2
    assert 1.0 <= clock.waits[0] <= 1.5
    assert clock.waits[1] == pytest.approx(2.0)


def test_facebook_rate_limit_code_uses_business_usage_header(fake, clock):
    usage = '{"99": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 3}]}'
    fake.script("POST", "/v21.0/99/feed", [(400, {"X-Business-Use-Case-Usage": usage})])
    with pytest.raises(SocialRateLimited) as e:
        social.publish_with_retries("facebook", creds("facebook", fake), Post(text="x"), tenant_id=TENANT)
    assert e.value.retry_after == pytest.approx(180.0)  # longer than a worker sleeps: handed back
    assert clock.waits == [] and fake.published == []
    assert ratelimit.blocked_for("facebook", TENANT) == pytest.approx(180.0)


def test_x_rate_limit_reset_header(fake, clock):
    reset = str(int(clock.now()) + 40)
    fake.script("POST", "/2/tweets", [(429, {"x-rate-limit-reset": reset, "x-rate-limit-remaining": "0"})])
    social.publish_with_retries("x", creds("x", fake), Post(text="x"), tenant_id=TENANT)
    assert 39.0 <= clock.waits[0] <= 40.0
    assert len(fake.posts("x")) == 1


def test_mastodon_rate_limit_reset_iso_time(fake, clock):
    from datetime import UTC, datetime

    reset = datetime.fromtimestamp(clock.now() + 75, UTC).isoformat().replace("+00:00", "Z")
    fake.script("POST", "/api/v1/statuses", [(429, {"X-RateLimit-Reset": reset, "X-RateLimit-Remaining": "0"})])
    with pytest.raises(SocialRateLimited) as e:
        social.publish_with_retries("mastodon", creds("mastodon", fake), Post(text="x"), tenant_id=TENANT)
    assert e.value.retry_after == pytest.approx(75.0, abs=1.0)  # over max_wait: the task reschedules
    assert clock.waits == [] and fake.published == []


def test_block_is_honoured_by_every_caller_without_calling(fake, clock):
    fake.script("POST", "/api/v1/statuses", [(429, {"Retry-After": "30"})])
    c = creds("mastodon", fake)
    with pytest.raises(SocialRateLimited):
        social.publish("mastodon", c, Post(text="a"), tenant_id=TENANT)
    calls = len(fake.requests)
    # another worker (same tenant, same provider): refused before any request
    with pytest.raises(SocialRateLimited) as e:
        social.publish("mastodon", c, Post(text="b"), tenant_id=TENANT)
    assert e.value.retry_after == pytest.approx(30.0)
    assert len(fake.requests) == calls
    # another tenant is not blocked
    social.publish("mastodon", c, Post(text="c"), tenant_id=TENANT + 1)
    clock.sleep(30)
    social.publish("mastodon", c, Post(text="b"), tenant_id=TENANT)
    assert [p.text for p in fake.posts("mastodon")] == ["c", "b"]


def test_retries_give_up_after_attempts(fake, clock):
    fake.script("POST", "/2/tweets", [500, 502, 503])
    with pytest.raises(ProviderError) as e:
        social.publish_with_retries("x", creds("x", fake), Post(text="x"), tenant_id=TENANT, attempts=3, backoff=1.0)
    assert e.value.retryable and len(clock.waits) == 2
    assert clock.waits[1] >= 2.0  # exponential
    assert fake.published == []


def test_token_expired_is_not_retried(fake, clock):
    c = creds("linkedin", fake)
    fake.expire("linkedin", "tok-ok")
    with pytest.raises(TokenExpired):
        social.publish_with_retries("linkedin", c, Post(text="x"), tenant_id=TENANT)
    assert clock.waits == [] and len(fake.requests) == 1


def test_gate_block_keeps_the_later_instant(clock):
    ratelimit.block("x", 1, 50)
    ratelimit.block("x", 1, 10)  # a second worker's shorter wait does not shorten the first
    assert ratelimit.blocked_for("x", 1) == pytest.approx(50.0)
    assert ratelimit.acquire("x", 1) == pytest.approx(50.0)
    assert ratelimit.acquire("x", 2) == 0.0
    clock.sleep(50)
    assert ratelimit.acquire("x", 1) == 0.0


def test_gate_budget_spreads_a_burst(clock):
    assert [ratelimit.acquire("webhook", 3, "2/minute") for _ in range(2)] == [0.0, 0.0]
    wait = ratelimit.acquire("webhook", 3, "2/minute")
    assert 0 < wait <= 60
    assert ratelimit.acquire("webhook", 4, "2/minute") == 0.0  # per tenant


def test_gate_storage_matches_configuration():
    # the same assertions run in both tiers; this one says which tier ran
    ratelimit.block("mastodon", 9, 5)
    if get_settings().redis_url:
        import redis

        assert redis.Redis.from_url(get_settings().redis_url).get("cc:gate:mastodon:9") is not None
    else:
        assert "cc:gate:mastodon:9" in ratelimit._blocks
