"""Facebook Pages through the Graph API with a page access token.

Text/link: POST /{version}/{page-id}/feed. Images: each one POST /{version}/{page-id}/photos with
published=false (an unpublished photo, invisible until attached), then the feed post carries
attached_media[i]={"media_fbid": id}. Errors come as {"error": {"code", "error_subcode", "message",
"type", "fbtrace_id"}}: 190 invalid/expired token, 4/17/32/613 and 80001-80014 rate limits
(X-Business-Use-Case-Usage tells the minutes until access comes back), 1/2 transient, 368 blocked.
"""

from __future__ import annotations

import json

import httpx

from integrations.errors import ServiceError
from integrations.social.base import (
    MB,
    Adapter,
    Post,
    ProviderError,
    Result,
    SocialInvalid,
    SocialRateLimited,
    TokenExpired,
    _json,
)

GRAPH_VERSION = "v21.0"
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613}) | frozenset(range(80001, 80015))
TRANSIENT_CODES = frozenset({1, 2})
TOKEN_CODES = frozenset({190, 102})
PERMISSION_CODES = frozenset({10, 200, 210})


class FacebookAdapter(Adapter):
    name = "facebook"
    default_base_url = "https://graph.facebook.com"
    max_image_bytes = 4 * MB  # Graph API photo uploads
    max_images = 10
    max_text = 63206
    image_types = frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"})

    def validate_credentials(self) -> None:
        super().validate_credentials()
        if not self.credentials.account_id.isdigit():
            raise SocialInvalid("a Facebook page id is digits", code="social_bad_account", provider=self.name)

    def _url(self, edge: str) -> str:
        return f"{self.base_url}/{GRAPH_VERSION}/{self.credentials.account_id}/{edge}"

    def _publish(self, c: httpx.Client, post: Post) -> Result:
        token = self.credentials.token
        photo_ids = []
        for i, image in enumerate(post.images):
            data = {"published": "false", "access_token": token}
            if image.alt:
                data["alt_text_custom"] = image.alt
            r = c.post(self._url("photos"), data=data,
                       files={"source": (f"{image.filename}-{i}", image.data, image.mimetype)})
            photo_ids.append(str(self.check(r)["id"]))
        data = {"access_token": token}
        if photo_ids:
            # with attached media the link field is ignored: the link goes in the message
            data["message"] = post.body()
            for i, fbid in enumerate(photo_ids):
                data[f"attached_media[{i}]"] = json.dumps({"media_fbid": fbid})
        else:
            data["message"] = post.text
            if post.link:
                data["link"] = post.link
        body = self.check(c.post(self._url("feed"), data=data))
        post_id = str(body.get("id") or "")
        if not post_id:
            raise ProviderError("Facebook answered without a post id", retryable=False, provider=self.name)
        return Result(provider_post_id=post_id, url=f"https://www.facebook.com/{post_id}")

    def error_for(self, response: httpx.Response) -> ServiceError:
        data = _json(response)
        err = data.get("error") if isinstance(data, dict) else None
        if not isinstance(err, dict):
            return super().error_for(response)
        code = err.get("code")
        message = str(err.get("message") or "")[:300]
        if code in TOKEN_CODES:
            return TokenExpired(f"Facebook token refused: {message}", provider=self.name)
        if code in RATE_LIMIT_CODES or response.status_code == 429:
            return SocialRateLimited(f"Facebook rate limit ({code}): {message}", provider=self.name,
                                     retry_after=self.retry_after(response, default=300.0))
        if code in TRANSIENT_CODES or response.status_code >= 500 or err.get("is_transient"):
            return ProviderError(f"Facebook temporary error ({code}): {message}", retryable=True,
                                 status=response.status_code, provider=self.name)
        if code == 100:
            return SocialInvalid(f"Facebook refused a parameter: {message}", provider=self.name)
        return ProviderError(f"Facebook refused ({code}): {message}", retryable=False,
                             status=response.status_code, provider=self.name)

    def retry_after(self, response: httpx.Response, default: float = 60.0) -> float:
        asked = super().retry_after(response, default=-1.0)
        if asked >= 0:
            return asked
        # X-Business-Use-Case-Usage: {"<id>": [{"type": "pages", "estimated_time_to_regain_access": minutes}]}
        minutes = 0.0
        try:
            usage = json.loads(response.headers.get("x-business-use-case-usage") or "{}")
            for entries in usage.values():
                for entry in entries:
                    minutes = max(minutes, float(entry.get("estimated_time_to_regain_access") or 0))
        except (ValueError, TypeError, AttributeError):
            minutes = 0.0
        return minutes * 60.0 if minutes > 0 else default
