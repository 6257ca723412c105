"""Mastodon (any instance) with an OAuth bearer token (scope write:statuses write:media).

Images: POST /api/v2/media (multipart file, description) -> 200 with a url, or 202 while the
instance processes it (url null; GET /api/v1/media/:id answers 206 until done, then 200).
The post: POST /api/v1/statuses {status, media_ids[]} with an Idempotency-Key header, so a
retried request after a lost answer does not post twice. 401 = token revoked/invalid; 422 =
validation failed; 429 with X-RateLimit-Reset (an ISO 8601 time).
"""

from __future__ import annotations

from datetime import datetime

import httpx

from integrations import ratelimit
from integrations.errors import ServiceError
from integrations.social.base import (
    MB,
    Adapter,
    Post,
    ProviderError,
    Result,
    SocialInvalid,
    _detail,
)

URL_WEIGHT = 23
MEDIA_POLLS = 10


class MastodonAdapter(Adapter):
    name = "mastodon"
    default_base_url = ""  # the instance is the tenant's (credentials.base_url)
    max_image_bytes = 16 * MB  # Mastodon 4 default image_size_limit; instances may lower it
    max_images = 4
    max_text = 500  # the default max_characters; instances may raise it
    image_types = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif",
                             "image/heic"})

    def __init__(self, *args, poll_sleep=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._poll_sleep = poll_sleep or ratelimit.sleep

    def validate_credentials(self) -> None:
        super().validate_credentials()
        if not self.base_url:
            raise SocialInvalid("a Mastodon connection names its instance", code="social_bad_account",
                                provider=self.name)

    def text_length(self, post: Post) -> int:
        body = post.body()
        if post.link and post.link in body:
            body = body.replace(post.link, "x" * URL_WEIGHT)
        return len(body)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credentials.token}"}

    def _publish(self, c: httpx.Client, post: Post) -> Result:
        media_ids = []
        for image in post.images:
            r = c.post(f"{self.base_url}/api/v2/media", headers=self._headers(),
                       data={"description": image.alt[:1500]} if image.alt else {},
                       files={"file": (image.filename, image.data, image.mimetype)})
            media = self.check(r)
            media_id = str(media.get("id") or "")
            if not media_id:
                raise ProviderError("Mastodon gave no media id", retryable=False, provider=self.name)
            if r.status_code == 202:
                self._wait_processed(c, media_id)
            media_ids.append(media_id)
        headers = self._headers()
        if post.idempotency_key:
            headers["Idempotency-Key"] = post.idempotency_key
        body = {"status": post.body(), "visibility": "public", "media_ids": media_ids}
        status = self.check(c.post(f"{self.base_url}/api/v1/statuses", headers=headers, json=body))
        post_id = str(status.get("id") or "")
        if not post_id:
            raise ProviderError("Mastodon answered without a status id", retryable=False, provider=self.name)
        return Result(provider_post_id=post_id, url=str(status.get("url") or status.get("uri") or ""))

    def _wait_processed(self, c: httpx.Client, media_id: str) -> None:
        for attempt in range(MEDIA_POLLS):
            r = c.get(f"{self.base_url}/api/v1/media/{media_id}", headers=self._headers())
            if r.status_code == 200:
                return
            if r.status_code != 206:
                raise self.error_for(r)
            self._poll_sleep(min(0.5 * (2 ** attempt), 5.0))
        # the instance is slow: a retryable failure, the whole post is tried again later
        raise ProviderError("Mastodon is still processing the image", retryable=True, provider=self.name)

    def error_for(self, response: httpx.Response) -> ServiceError:
        if response.status_code == 422:
            return SocialInvalid(f"Mastodon refused the post: {_detail(response)}", provider=self.name)
        return super().error_for(response)

    def retry_after(self, response: httpx.Response, default: float = 300.0) -> float:
        asked = super().retry_after(response, default=-1.0)
        if asked >= 0:
            return asked
        reset = response.headers.get("x-ratelimit-reset", "")
        try:
            when = datetime.fromisoformat(reset.replace("Z", "+00:00"))
        except ValueError:
            return default  # Mastodon's windows are 5 minutes
        return max(0.0, when.timestamp() - ratelimit.now())
