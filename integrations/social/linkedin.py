"""LinkedIn organisation posts through the versioned REST API (Posts API, Images API).

Every call carries `Authorization: Bearer`, `LinkedIn-Version: YYYYMM` and
`X-Restli-Protocol-Version: 2.0.0`. Images: POST /rest/images?action=initializeUpload with the
organisation as owner -> {value: {uploadUrl, image}}; PUT the bytes to uploadUrl; the post then
references the image urn. The post: POST /rest/posts, author urn:li:organization:{id}; 201 with the
post urn in the x-restli-id header. 401 = expired/revoked token (serviceErrorCode 65600/65601),
429 = throttled, 422 = validation.
"""

from __future__ import annotations

import re

import httpx

from integrations.errors import ServiceError
from integrations.social.base import MB, Adapter, Post, ProviderError, Result, SocialInvalid

API_VERSION = "202411"
# "little text" reserves these characters; a literal one is backslash-escaped
_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")


def escape_commentary(text: str) -> str:
    return _RESERVED.sub(r"\\\1", text)


class LinkedInAdapter(Adapter):
    name = "linkedin"
    default_base_url = "https://api.linkedin.com"
    max_image_bytes = 8 * MB  # conservative: the Images API bounds pixels (36 152 320) rather than bytes
    max_images = 20
    max_text = 3000
    image_types = frozenset({"image/jpeg", "image/png", "image/gif"})

    def validate_credentials(self) -> None:
        super().validate_credentials()
        if not self.credentials.account_id.isdigit():
            raise SocialInvalid("a LinkedIn organisation id is digits", code="social_bad_account",
                                provider=self.name)

    def extra_hosts(self) -> tuple[str, ...]:
        return ("www.linkedin.com",)  # uploadUrl points at the DMS upload host

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credentials.token}", "LinkedIn-Version": API_VERSION,
                "X-Restli-Protocol-Version": "2.0.0"}

    @property
    def author(self) -> str:
        return f"urn:li:organization:{self.credentials.account_id}"

    def _publish(self, c: httpx.Client, post: Post) -> Result:
        headers = self._headers()
        images = []
        for image in post.images:
            init = self.check(c.post(f"{self.base_url}/rest/images", params={"action": "initializeUpload"},
                                     json={"initializeUploadRequest": {"owner": self.author}},
                                     headers=headers))
            value = init.get("value") or {}
            upload_url, urn = value.get("uploadUrl"), value.get("image")
            if not upload_url or not urn:
                raise ProviderError("LinkedIn gave no upload URL", retryable=False, provider=self.name)
            self.check(c.put(upload_url, content=image.data,
                             headers={"Authorization": headers["Authorization"],
                                      "Content-Type": "application/octet-stream"}))
            images.append({"id": urn, "altText": image.alt[:4086]})
        body = {
            "author": self.author,
            "commentary": escape_commentary(post.body()),
            "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                             "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if len(images) == 1:
            body["content"] = {"media": images[0]}
        elif images:
            body["content"] = {"multiImage": {"images": images}}
        r = c.post(f"{self.base_url}/rest/posts", json=body, headers=headers)
        self.check(r)
        urn = r.headers.get("x-restli-id") or r.headers.get("x-linkedin-id") or ""
        if not urn:
            raise ProviderError("LinkedIn answered without a post urn", retryable=False, provider=self.name)
        return Result(provider_post_id=urn, url=f"https://www.linkedin.com/feed/update/{urn}/")

    def error_for(self, response: httpx.Response) -> ServiceError:
        if response.status_code == 422:
            from integrations.social.base import _detail

            return SocialInvalid(f"LinkedIn refused the post: {_detail(response)}", provider=self.name)
        return super().error_for(response)

    def retry_after(self, response: httpx.Response, default: float = 600.0) -> float:
        # LinkedIn rarely sends Retry-After; its daily quotas reset at midnight UTC
        return super().retry_after(response, default=default)
