"""Each adapter against its local fake: text + image, expired token, too-large image, errors."""

from __future__ import annotations

import json

import pytest

from integrations import social
from integrations.social import Credentials, Image, MediaTooLarge, Post, SocialInvalid, TokenExpired
from integrations.social.linkedin import escape_commentary
from integrations.social.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify_signature

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TENANT = 7


def creds(provider: str, fake, token: str = "tok-ok") -> Credentials:
    fake.grant(provider, "tok-ok")
    account = {"facebook": "1234567890", "linkedin": "424242"}.get(provider, "")
    url = fake.base_url + ("/hook" if provider == "webhook" else "")
    return Credentials(token=token, account_id=account, base_url=url, secret=fake.webhook_secret)


def post_with_image(key: str = "item-1:chan-1") -> Post:
    return Post(text="Forum emploi jeudi (salle B)", link="https://cc.example.org/e/1",
                images=(Image(PNG, "image/png", alt="affiche"),), idempotency_key=key)


@pytest.mark.parametrize("provider", social.PROVIDERS)
def test_text_and_image_published_once(provider, fake, clock):
    result = social.publish(provider, creds(provider, fake), post_with_image(), tenant_id=TENANT)
    posts = fake.posts(provider)
    assert len(posts) == 1
    assert posts[0].extra["id"] == result.provider_post_id
    assert "Forum emploi jeudi" in posts[0].text
    if provider != "webhook":
        assert posts[0].media == [PNG]  # the image went up and is attached to this post


def test_facebook_uses_unpublished_photos_then_attached_media(fake, clock):
    r = social.publish("facebook", creds("facebook", fake), post_with_image(), tenant_id=TENANT)
    assert r.provider_post_id.startswith("1234567890_")
    assert [m for m, p in fake.requests] == ["POST", "POST"]
    assert fake.requests[0][1].endswith("/1234567890/photos") and fake.requests[1][1].endswith("/feed")
    (photo,) = fake.fb_photos.values()
    assert photo[2] is False  # published=false: invisible until the feed post attaches it
    assert "https://cc.example.org/e/1" in fake.posts("facebook")[0].text


def test_facebook_text_only_sends_link_field(fake, clock):
    social.publish("facebook", creds("facebook", fake), Post(text="Bonjour", link="https://cc.example.org"),
                   tenant_id=TENANT)
    p = fake.posts("facebook")[0]
    assert (p.text, p.extra["link"]) == ("Bonjour", "https://cc.example.org")


def test_linkedin_escapes_reserved_characters_and_references_image(fake, clock):
    r = social.publish("linkedin", creds("linkedin", fake), post_with_image(), tenant_id=TENANT)
    assert r.provider_post_id.startswith("urn:li:share:")
    p = fake.posts("linkedin")[0]
    assert p.account == "urn:li:organization:424242"
    assert r"\(salle B\)" in p.text
    assert escape_commentary("a_b #c @d") == r"a\_b \#c \@d"


def test_mastodon_waits_for_async_media_and_sends_idempotency_key(fake, clock):
    fake.mastodon_async_media = True
    c = creds("mastodon", fake)
    r1 = social.publish("mastodon", c, post_with_image(), tenant_id=TENANT)
    # a retry after a lost answer: same key, the instance gives the same status back
    r2 = social.publish("mastodon", c, post_with_image(), tenant_id=TENANT)
    assert r1.provider_post_id == r2.provider_post_id
    assert len(fake.posts("mastodon")) == 1
    assert fake.posts("mastodon")[0].extra["key"] == "item-1:chan-1"
    assert ("GET", f"/api/v1/media/{next(iter(fake.masto_media))}") in fake.requests


def test_x_sets_alt_text_and_counts_links_as_23(fake, clock):
    social.publish("x", creds("x", fake), post_with_image(), tenant_id=TENANT)
    assert list(fake.x_alt.values()) == ["affiche"]
    long_link = "https://cc.example.org/" + "x" * 300
    social.publish("x", creds("x", fake), Post(text="a" * 250, link=long_link), tenant_id=TENANT)
    assert len(fake.posts("x")) == 2
    with pytest.raises(SocialInvalid) as e:
        social.publish("x", creds("x", fake), Post(text="a" * 281), tenant_id=TENANT)
    assert e.value.code == "social_text_too_long"


@pytest.mark.parametrize("provider", [p for p in social.PROVIDERS if p != "webhook"])
def test_expired_token_raises_token_expired_nothing_posted(provider, fake, clock):
    c = creds(provider, fake)
    fake.expire(provider, "tok-ok")
    with pytest.raises(TokenExpired) as e:
        social.publish(provider, c, post_with_image(), tenant_id=TENANT)
    assert e.value.code == "social_token_expired"
    assert fake.published == []
    # the image upload is the first call and it is refused: no orphan either
    assert fake.fb_photos == {} and fake.x_media == {} and fake.masto_media == {}


def test_webhook_with_wrong_secret_is_token_expired(fake, clock):
    c = Credentials(base_url=fake.base_url + "/hook", secret="not-the-one")
    with pytest.raises(TokenExpired):
        social.publish("webhook", c, Post(text="x"), tenant_id=TENANT)
    assert fake.published == []


@pytest.mark.parametrize("provider,limit_mb", [("facebook", 4), ("linkedin", 8), ("x", 5),
                                                ("mastodon", 16), ("webhook", 5)])
def test_too_large_image_refused_before_any_request(provider, limit_mb, fake, clock):
    big = Image(b"\xff" * (limit_mb * 1024 * 1024 + 1), "image/jpeg")
    ok = Image(PNG, "image/png")
    post = Post(text="affiche", images=(ok, big))  # the good one first: still nothing leaves
    with pytest.raises(MediaTooLarge) as e:
        social.publish(provider, creds(provider, fake), post, tenant_id=TENANT)
    assert e.value.code == "social_media_too_large"
    assert e.value.params["limit"] == limit_mb * 1024 * 1024
    assert fake.requests == []


def test_bad_input_refused_before_any_request(fake, clock):
    c = creds("mastodon", fake)
    for post, code in [(Post(text=""), "social_empty_post"),
                       (Post(text="x", images=(Image(b"%PDF", "application/pdf"),)), "social_bad_image_type"),
                       (Post(text="x", images=tuple(Image(PNG, "image/png") for _ in range(5))),
                        "social_too_many_images"),
                       (Post(text="é" * 501), "social_text_too_long")]:
        with pytest.raises(SocialInvalid) as e:
            social.publish("mastodon", c, post, tenant_id=TENANT)
        assert e.value.code == code
    with pytest.raises(SocialInvalid) as e:
        social.publish("nowhere", c, Post(text="x"), tenant_id=TENANT)
    assert e.value.code == "social_unknown_provider"
    assert fake.requests == []


def test_provider_validation_error_is_final(fake, clock):
    fake.script("POST", "/api/v1/statuses", [422])
    with pytest.raises(SocialInvalid):
        social.publish_with_retries("mastodon", creds("mastodon", fake), Post(text="x"), tenant_id=TENANT)
    assert clock.waits == [] and fake.published == []


def test_webhook_signature_verifiable(fake, clock):
    social.publish("webhook", creds("webhook", fake), post_with_image(), tenant_id=TENANT)
    ((headers, body),) = fake.webhook_bodies
    ts, sig = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    assert verify_signature(fake.webhook_secret, ts, body, sig)
    assert sig == sign(fake.webhook_secret, int(ts), body)
    assert not verify_signature("other", ts, body, sig)
    assert not verify_signature(fake.webhook_secret, ts, body + b" ", sig)
    assert not verify_signature(fake.webhook_secret, ts, body, sig, now=int(ts) + 3600)  # replay
    data = json.loads(body)
    assert data["id"] == "item-1:chan-1" and data["images"][0]["mimetype"] == "image/png"


def test_webhook_refuses_plain_http_to_another_host(clock):
    from integrations.http import HostNotAllowed

    with pytest.raises(HostNotAllowed):
        social.publish("webhook", Credentials(base_url="http://example.org/hook", secret="s"),
                       Post(text="x"), tenant_id=TENANT)
