"""A generic webhook: the post as JSON to the tenant's URL, signed with the tenant's secret.

Headers: X-CC-Timestamp (unix seconds), X-CC-Signature: sha256=<hex HMAC-SHA256 of
"<timestamp>.<body>">, X-CC-Idempotency-Key. Signing the timestamp with the body lets the receiver
refuse replays (verify_signature checks both). The receiver answers 2xx, optionally
{"id": ..., "url": ...}; 401/403 mean it no longer accepts our secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx

from integrations import ratelimit
from integrations.errors import ServiceError
from integrations.social.base import MB, Adapter, Post, Result, SocialInvalid, TokenExpired, _detail

SIGNATURE_HEADER = "X-CC-Signature"
TIMESTAMP_HEADER = "X-CC-Timestamp"
IDEMPOTENCY_HEADER = "X-CC-Idempotency-Key"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, *,
                     tolerance: float = 300.0, now: float | None = None) -> bool:
    """What a receiver runs: the right secret, and a timestamp within `tolerance` seconds."""
    if not timestamp.isdigit():
        return False
    current = ratelimit.now() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature or "")


class WebhookAdapter(Adapter):
    name = "webhook"
    max_image_bytes = 5 * MB  # base64 in JSON: keep the body reasonable
    max_images = 10
    max_text = 10000

    def validate_credentials(self) -> None:
        if not self.credentials.secret:
            raise SocialInvalid("a webhook needs its signing secret", code="social_bad_account",
                                provider=self.name)
        if not self.base_url:
            raise SocialInvalid("a webhook needs its URL", code="social_bad_account", provider=self.name)

    def payload(self, post: Post) -> bytes:
        return json.dumps({
            "id": post.idempotency_key,
            "text": post.text,
            "link": post.link,
            "images": [{"mimetype": i.mimetype, "alt": i.alt, "filename": i.filename,
                        "data": base64.b64encode(i.data).decode()} for i in post.images],
        }, ensure_ascii=False, separators=(",", ":")).encode()

    def _publish(self, c: httpx.Client, post: Post) -> Result:
        body = self.payload(post)
        timestamp = int(ratelimit.now())
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: str(timestamp),
                   SIGNATURE_HEADER: sign(self.credentials.secret, timestamp, body)}
        if post.idempotency_key:
            headers[IDEMPOTENCY_HEADER] = post.idempotency_key
        r = c.post(self.base_url, content=body, headers=headers)
        data = self.check(r)
        data = data if isinstance(data, dict) else {}
        return Result(provider_post_id=str(data.get("id") or post.idempotency_key or ""),
                      url=str(data.get("url") or ""))

    def error_for(self, response: httpx.Response) -> ServiceError:
        if response.status_code in (401, 403):
            return TokenExpired(f"the webhook refused our signature: {_detail(response)}",
                                provider=self.name)
        return super().error_for(response)

