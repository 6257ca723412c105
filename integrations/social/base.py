"""What every social-network adapter shares: the post, the result, the typed errors and the
order of work that keeps a post whole (validate every image, then upload, then post).

Adapters are the integrations floor: they take credentials and ids, never a tenant row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from integrations import http
from integrations.errors import Invalid, RateLimited, ServiceError, Unauthenticated

MB = 1024 * 1024
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


@dataclass(frozen=True)
class Image:
    data: bytes
    mimetype: str
    alt: str = ""
    filename: str = "image"


@dataclass(frozen=True)
class Post:
    text: str
    link: str = ""
    images: tuple[Image, ...] = ()
    # stable per (item, channel): Mastodon dedups on it; the webhook receiver gets it too
    idempotency_key: str = ""

    def body(self) -> str:
        """The text with the link appended (networks without a separate link field)."""
        if self.link and self.link not in self.text:
            return f"{self.text}\n{self.link}" if self.text else self.link
        return self.text


@dataclass(frozen=True)
class Credentials:
    """What a tenant's connection holds, decrypted only for the call.

    token: page access token (Facebook), OAuth 2.0 bearer (LinkedIn, X, Mastodon);
    account_id: page id, organisation id; base_url: the provider's API root (the Mastodon
    instance, the webhook URL; tests point it at the local fake); secret: webhook HMAC key.
    """

    token: str = ""
    account_id: str = ""
    base_url: str = ""
    secret: str = ""


@dataclass(frozen=True)
class Result:
    provider_post_id: str
    url: str = ""


# ---------------------------------------------------------------- errors


class SocialError(ServiceError):
    code = "social_error"
    http_status = 502


class TokenExpired(Unauthenticated):
    """The provider refused the token (expired, revoked): the tenant reconnects; the item waits."""

    code = "social_token_expired"
    http_status = 409


class MediaTooLarge(Invalid):
    code = "social_media_too_large"


class SocialInvalid(Invalid):
    """The post itself is refused (too long, bad image type, provider validation error)."""

    code = "social_invalid"


class SocialRateLimited(RateLimited):
    """Wait `retry_after` seconds; every worker honours the same block (ratelimit.acquire)."""

    code = "social_rate_limited"

    def __init__(self, message: str = "", *, retry_after: float, **params: Any):
        self.retry_after = max(0.0, float(retry_after))
        super().__init__(message, retry_after=round(self.retry_after, 1), **params)


class ProviderError(SocialError):
    """The provider failed. `retryable`: a 5xx or a network failure, worth another attempt."""

    code = "social_provider_error"

    def __init__(self, message: str = "", *, retryable: bool, status: int | None = None, **params: Any):
        self.retryable = retryable
        self.status = status
        super().__init__(message, status=status, **params)


# ---------------------------------------------------------------- adapter base


class Adapter:
    """One provider. Subclasses set the limits and implement `_publish`."""

    name = ""
    default_base_url = ""
    max_image_bytes = 5 * MB
    max_images = 4
    max_text = 5000
    image_types = IMAGE_TYPES

    def __init__(self, credentials: Credentials, *, tenant_id: int | None):
        self.credentials = credentials
        self.tenant_id = tenant_id
        self.base_url = (credentials.base_url or self.default_base_url).rstrip("/")

    # -- validation: everything checked before the first byte leaves

    def text_length(self, post: Post) -> int:
        return len(post.body())

    def validate(self, post: Post) -> None:
        if not (post.text.strip() or post.link.strip() or post.images):
            raise SocialInvalid("empty post", code="social_empty_post", provider=self.name)
        if self.text_length(post) > self.max_text:
            raise SocialInvalid(f"text longer than {self.max_text} characters for {self.name}",
                                code="social_text_too_long", provider=self.name, limit=self.max_text)
        if len(post.images) > self.max_images:
            raise SocialInvalid(f"{self.name} takes at most {self.max_images} images",
                                code="social_too_many_images", provider=self.name, limit=self.max_images)
        for image in post.images:
            if image.mimetype not in self.image_types:
                raise SocialInvalid(f"{image.mimetype} is not an image {self.name} accepts",
                                    code="social_bad_image_type", provider=self.name,
                                    mimetype=image.mimetype)
            if len(image.data) > self.max_image_bytes:
                raise MediaTooLarge(
                    f"image of {len(image.data)} bytes, {self.name} takes at most {self.max_image_bytes}",
                    provider=self.name, size=len(image.data), limit=self.max_image_bytes)

    def validate_credentials(self) -> None:
        if not self.credentials.token:
            raise TokenExpired(f"no token for {self.name}", provider=self.name)

    def publish(self, post: Post) -> Result:
        self.validate(post)
        self.validate_credentials()
        with self.client() as c:
            try:
                return self._publish(c, post)
            except httpx.TransportError as exc:
                # a timeout after the request left may have published: the caller's retry relies on
                # the provider's idempotency (Mastodon) or on the post id it keeps (DESIGN §8)
                raise ProviderError(f"{self.name} unreachable: {exc.__class__.__name__}",
                                    retryable=True, provider=self.name) from exc

    def _publish(self, c: httpx.Client, post: Post) -> Result:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- HTTP

    def extra_hosts(self) -> tuple[str, ...]:
        return ()

    def client(self) -> httpx.Client:
        # retries=0: the caller's retry loop owns backoff and the shared gate (ratelimit.acquire)
        return http.client(provider=f"social:{self.name}", tenant_id=self.tenant_id,
                           hosts=(self.base_url, *self.extra_hosts()), rate_limit=None, retries=0,
                           timeout=httpx.Timeout(30.0, connect=5.0))

    def check(self, response: httpx.Response) -> Any:
        """The decoded JSON of a success; the typed error otherwise."""
        if response.status_code < 300:
            return _json(response)
        raise self.error_for(response)

    def error_for(self, response: httpx.Response) -> ServiceError:
        """Default mapping: 401 token, 429 rate limit (Retry-After), 5xx retryable, the rest final."""
        status = response.status_code
        detail = _detail(response)
        if status == 401:
            return TokenExpired(f"{self.name} refused the token: {detail}", provider=self.name)
        if status == 429:
            return SocialRateLimited(f"{self.name} rate limit: {detail}", provider=self.name,
                                     retry_after=self.retry_after(response))
        if status == 413:
            return MediaTooLarge(f"{self.name}: {detail}", provider=self.name)
        if status >= 500:
            return ProviderError(f"{self.name} answered {status}: {detail}", retryable=True,
                                 status=status, provider=self.name)
        return ProviderError(f"{self.name} refused ({status}): {detail}", retryable=False,
                             status=status, provider=self.name)

    def retry_after(self, response: httpx.Response, default: float = 60.0) -> float:
        asked = http.retry_after_seconds(response)
        return default if asked is None else asked


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return {}
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}


def _detail(response: httpx.Response) -> str:
    data = _json(response)
    if isinstance(data, dict):
        for key in ("detail", "error_description", "error", "message", "title"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value[:300]
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"][:300]
    return response.text[:300] if response.text else response.reason_phrase

