"""X (API v2) with an OAuth 2.0 user-context bearer token (scopes tweet.write, media.write).

Images: POST /2/media/upload (multipart: media, media_category=tweet_image) -> {data: {id}}.
The post: POST /2/tweets {text, media: {media_ids}} -> 201 {data: {id, text}}. Errors are
problem documents {title, detail, type, status}; 401 = token expired/revoked; 429 carries
x-rate-limit-reset (epoch seconds); 403 covers duplicate content and missing scopes.
"""

from __future__ import annotations

import httpx

from integrations import ratelimit
from integrations.social.base import MB, Adapter, Post, ProviderError, Result

# t.co wraps every URL to this many characters
URL_WEIGHT = 23


class XAdapter(Adapter):
    name = "x"
    default_base_url = "https://api.x.com"
    max_image_bytes = 5 * MB
    max_images = 4
    max_text = 280
    image_types = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})

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
            r = c.post(f"{self.base_url}/2/media/upload", headers=self._headers(),
                       data={"media_category": "tweet_image", "media_type": image.mimetype},
                       files={"media": (image.filename, image.data, image.mimetype)})
            data = self.check(r).get("data") or {}
            media_id = str(data.get("id") or "")
            if not media_id:
                raise ProviderError("X gave no media id", retryable=False, provider=self.name)
            media_ids.append(media_id)
            if image.alt:
                self.check(c.post(f"{self.base_url}/2/media/metadata", headers=self._headers(),
                                  json={"id": media_id, "metadata": {"alt_text": {"text": image.alt[:1000]}}}))
        body: dict = {"text": post.body()}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        data = self.check(c.post(f"{self.base_url}/2/tweets", headers=self._headers(), json=body)).get("data") or {}
        post_id = str(data.get("id") or "")
        if not post_id:
            raise ProviderError("X answered without a post id", retryable=False, provider=self.name)
        return Result(provider_post_id=post_id, url=f"https://x.com/i/web/status/{post_id}")

    def retry_after(self, response: httpx.Response, default: float = 900.0) -> float:
        asked = super().retry_after(response, default=-1.0)
        if asked >= 0:
            return asked
        reset = response.headers.get("x-rate-limit-reset", "")
        if reset.isdigit():
            return max(0.0, int(reset) - ratelimit.now())
        return default  # X windows are 15 minutes
