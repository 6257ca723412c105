"""Local fakes of the social networks' APIs (a real HTTP server on 127.0.0.1): no test reaches
the internet. Each fake checks what the real endpoint checks (bearer/page token, LinkedIn's
version headers, multipart fields, uploaded media belonging to the caller), answers in the
provider's own error format, and records what was published.

`script(method, path, [status or (status, headers), ...])` makes a route answer those statuses
first (a failure sequence such as 500, then 429 Retry-After: 2), then behave normally.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from integrations.social import webhook

FB_VERSION_PREFIX = "/v"


@dataclass
class Published:
    provider: str
    account: str
    text: str
    media: list[bytes] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, part content type)."""
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    out = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        out[name] = (part.get_payload(decode=True) or b"", part.get_content_type())
    return out


class FakeSocial:
    """One server for every provider: Facebook under /v21.0, LinkedIn under /rest, X under /2,
    Mastodon under /api, the webhook receiver at /hook."""

    def __init__(self, port: int = 0):
        self.tokens: dict[str, set[str]] = defaultdict(set)
        self.webhook_secret = "whsec-test"
        self.mastodon_async_media = False
        self.published: list[Published] = []
        self.requests: list[tuple[str, str]] = []
        self._scripts: dict[tuple[str, str], deque] = defaultdict(deque)
        self._ids = itertools.count(1000)
        self._lock = threading.Lock()
        self.fb_photos: dict[str, tuple[str, bytes, bool]] = {}  # id -> (page, bytes, published)
        self.li_uploads: dict[str, tuple[str, bytes | None]] = {}  # image urn -> (owner, bytes)
        self.x_media: dict[str, bytes] = {}
        self.x_alt: dict[str, str] = {}
        self.masto_media: dict[str, dict] = {}
        self.masto_idem: dict[str, dict] = {}
        self.webhook_bodies: list[tuple[dict, bytes]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_a):
                pass

            def do_GET(self):
                fake._handle(self)

            def do_POST(self):
                fake._handle(self)

            def do_PUT(self):
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ------------------------------------------------------------ control

    def start(self) -> FakeSocial:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def grant(self, provider: str, token: str) -> None:
        self.tokens[provider].add(token)

    def expire(self, provider: str, token: str) -> None:
        self.tokens[provider].discard(token)

    def script(self, method: str, path: str, answers: list) -> None:
        for a in answers:
            status, headers = (a, {}) if isinstance(a, int) else a
            self._scripts[(method, path)].append((status, headers))

    def posts(self, provider: str) -> list[Published]:
        return [p for p in self.published if p.provider == provider]

    def _next_id(self) -> str:
        with self._lock:
            return str(next(self._ids))

    # ------------------------------------------------------------ dispatch

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        parts = urlsplit(h.path)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.requests.append((h.command, path))
            scripted = self._scripts[(h.command, path)].popleft() if self._scripts[(h.command, path)] else None
        if scripted:
            status, headers = scripted
            return self._send(h, status, self._scripted_body(path, status), headers)
        try:
            if path.startswith(FB_VERSION_PREFIX):
                status, payload, headers = self._facebook(h, path, body)
            elif path.startswith("/rest/") or path.startswith("/dms-uploads/"):
                status, payload, headers = self._linkedin(h, path, query, body)
            elif path.startswith("/2/"):
                status, payload, headers = self._x(h, path, body)
            elif path.startswith("/api/"):
                status, payload, headers = self._mastodon(h, path, body)
            elif path == "/hook":
                status, payload, headers = self._webhook(h, body)
            else:
                status, payload, headers = 404, {"error": "not found"}, {}
        except Exception as exc:  # a fake bug must show, not hang the client
            status, payload, headers = 599, {"error": repr(exc)}, {}
        self._send(h, status, payload, headers)

    @staticmethod
    def _scripted_body(path: str, status: int) -> Any:
        if path.startswith(FB_VERSION_PREFIX):
            if status == 429 or status == 400:
                return {"error": {"message": "(#4) Application request limit reached", "type": "OAuthException",
                                  "code": 4, "is_transient": True, "fbtrace_id": "Afake"}}
            return {"error": {"message": "An unexpected error has occurred.", "type": "OAuthException",
                              "code": 2, "is_transient": True, "fbtrace_id": "Afake"}}
        if path.startswith("/2/"):
            return {"title": "Too Many Requests" if status == 429 else "Internal Error", "type": "about:blank",
                    "status": status, "detail": "scripted"}
        if path.startswith("/rest/"):
            return {"status": status, "message": "scripted"}
        return {"error": "scripted"}

    @staticmethod
    def _send(h, status: int, payload: Any, headers: dict) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _bearer(self, h, provider: str) -> bool:
        auth = h.headers.get("Authorization") or ""
        return auth.startswith("Bearer ") and auth[7:] in self.tokens[provider]

    # ------------------------------------------------------------ Facebook Graph API

    def _facebook(self, h, path: str, body: bytes):
        ctype = h.headers.get("Content-Type") or ""
        if ctype.startswith("multipart/form-data"):
            form = {k: v[0].decode() if k != "source" else v[0] for k, v in _multipart(ctype, body).items()}
        else:
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("access_token") not in self.tokens["facebook"]:
            return 400, {"error": {"message": "Error validating access token: Session has expired.",
                                   "type": "OAuthException", "code": 190, "error_subcode": 463,
                                   "fbtrace_id": "Afake"}}, {"WWW-Authenticate": 'OAuth "Facebook Platform"'}
        _, _version, page, edge = path.split("/", 3)
        if edge == "photos":
            if "source" not in form:
                return 400, {"error": {"message": "(#324) Requires upload file", "type": "OAuthException",
                                       "code": 324}}, {}
            pid = self._next_id()
            self.fb_photos[pid] = (page, form["source"], form.get("published") != "false")
            return 200, {"id": pid}, {}
        if edge == "feed":
            media = []
            for key in sorted(k for k in form if k.startswith("attached_media[")):
                fbid = json.loads(form[key]).get("media_fbid")
                photo = self.fb_photos.get(fbid)
                if not photo or photo[0] != page or photo[2]:
                    return 400, {"error": {"message": "(#100) Invalid media_fbid", "type": "OAuthException",
                                           "code": 100}}, {}
                media.append(photo[1])
            if not form.get("message") and not form.get("link") and not media:
                return 400, {"error": {"message": "(#100) Missing message or attachment",
                                       "type": "OAuthException", "code": 100}}, {}
            post_id = f"{page}_{self._next_id()}"
            self.published.append(Published("facebook", page, form.get("message", ""), media,
                                            {"link": form.get("link", ""), "id": post_id}))
            return 200, {"id": post_id}, {}
        return 404, {"error": {"message": "Unknown path components", "code": 2500}}, {}

    # ------------------------------------------------------------ LinkedIn REST API

    def _linkedin(self, h, path: str, query: dict, body: bytes):
        if not self._bearer(h, "linkedin"):
            return 401, {"status": 401, "serviceErrorCode": 65600, "code": "EXPIRED_ACCESS_TOKEN",
                         "message": "The token used in the request has expired"}, {}
        if path.startswith("/dms-uploads/"):
            urn = "urn:li:image:" + path.rsplit("/", 1)[1]
            if h.command != "PUT" or urn not in self.li_uploads:
                return 404, {"status": 404, "message": "no such upload"}, {}
            self.li_uploads[urn] = (self.li_uploads[urn][0], body)
            return 201, None, {}
        version = h.headers.get("LinkedIn-Version") or ""
        if not (version.isdigit() and len(version) == 6):
            return 426, {"status": 426, "code": "NONEXISTENT_VERSION", "message": "Requested version is not active"}, {}
        if h.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return 400, {"status": 400, "message": "X-Restli-Protocol-Version 2.0.0 required"}, {}
        data = json.loads(body or b"{}")
        if path == "/rest/images" and query.get("action") == "initializeUpload":
            owner = data["initializeUploadRequest"]["owner"]
            n = self._next_id()
            urn = f"urn:li:image:{n}"
            self.li_uploads[urn] = (owner, None)
            return 200, {"value": {"uploadUrlExpiresAt": 1, "uploadUrl": f"{self.base_url}/dms-uploads/{n}",
                                   "image": urn}}, {}
        if path == "/rest/posts" and h.command == "POST":
            author = data.get("author", "")
            content = data.get("content") or {}
            refs = ([content["media"]] if "media" in content
                    else content.get("multiImage", {}).get("images", []))
            media = []
            for ref in refs:
                owner, blob = self.li_uploads.get(ref["id"], ("", None))
                if owner != author or blob is None:
                    return 422, {"status": 422, "message": f"image {ref['id']} not uploaded by {author}"}, {}
                media.append(blob)
            for key in ("commentary", "visibility", "distribution", "lifecycleState"):
                if key not in data:
                    return 422, {"status": 422, "message": f"/{key} is required"}, {}
            urn = f"urn:li:share:{self._next_id()}"
            self.published.append(Published("linkedin", author, data["commentary"], media, {"id": urn}))
            return 201, None, {"x-restli-id": urn}
        return 404, {"status": 404, "message": "no such resource"}, {}

    # ------------------------------------------------------------ X API v2

    def _x(self, h, path: str, body: bytes):
        if not self._bearer(h, "x"):
            return 401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                         "detail": "Unauthorized"}, {}
        if path == "/2/media/upload":
            ctype = h.headers.get("Content-Type") or ""
            form = _multipart(ctype, body)
            if "media" not in form or form.get("media_category", (b"",))[0] != b"tweet_image":
                return 400, {"errors": [{"message": "media and media_category required"}],
                             "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
                             "type": "https://api.twitter.com/2/problems/invalid-request"}, {}
            mid = self._next_id()
            self.x_media[mid] = form["media"][0]
            return 200, {"data": {"id": mid, "media_key": f"3_{mid}", "size": len(form["media"][0]),
                                  "expires_after_secs": 86400}}, {}
        if path == "/2/media/metadata":
            data = json.loads(body)
            self.x_alt[data["id"]] = data["metadata"]["alt_text"]["text"]
            return 200, {"data": {"associated_metadata": True, "id": data["id"]}}, {}
        if path == "/2/tweets":
            data = json.loads(body)
            text = data.get("text", "")
            ids = (data.get("media") or {}).get("media_ids", [])
            if any(i not in self.x_media for i in ids):
                return 400, {"title": "Invalid Request", "detail": "media_ids invalid", "type": "about:blank",
                             "status": 400}, {}
            if any(p.text == text for p in self.posts("x")):
                return 403, {"title": "Forbidden", "type": "about:blank", "status": 403,
                             "detail": "You are not allowed to create a Tweet with duplicate content."}, {}
            tid = self._next_id()
            self.published.append(Published("x", "me", text, [self.x_media[i] for i in ids], {"id": tid}))
            return 201, {"data": {"id": tid, "text": text, "edit_history_tweet_ids": [tid]}}, {}
        return 404, {"title": "Not Found Error", "status": 404, "detail": path}, {}

    # ------------------------------------------------------------ Mastodon

    def _mastodon(self, h, path: str, body: bytes):
        if not self._bearer(h, "mastodon"):
            return 401, {"error": "The access token is invalid"}, {}
        if path == "/api/v2/media" and h.command == "POST":
            form = _multipart(h.headers.get("Content-Type") or "", body)
            if "file" not in form:
                return 422, {"error": "Validation failed: File can't be blank"}, {}
            mid = self._next_id()
            ready = not self.mastodon_async_media
            self.masto_media[mid] = {"data": form["file"][0], "polls": 0, "ready": ready}
            return (200 if ready else 202), {"id": mid, "type": "image",
                                             "url": f"{self.base_url}/m/{mid}" if ready else None}, {}
        if path.startswith("/api/v1/media/") and h.command == "GET":
            m = self.masto_media.get(path.rsplit("/", 1)[1])
            if not m:
                return 404, {"error": "Record not found"}, {}
            m["polls"] += 1
            m["ready"] = m["polls"] >= 2
            return (200 if m["ready"] else 206), {"id": path.rsplit("/", 1)[1]}, {}
        if path == "/api/v1/statuses" and h.command == "POST":
            key = h.headers.get("Idempotency-Key")
            if key and key in self.masto_idem:
                return 200, self.masto_idem[key], {}
            data = json.loads(body)
            status = data.get("status", "")
            if len(status) > 500:
                return 422, {"error": "Validation failed: Text character limit of 500 exceeded"}, {}
            media = []
            for mid in data.get("media_ids", []):
                m = self.masto_media.get(mid)
                if not m:
                    return 422, {"error": "Validation failed: media not found"}, {}
                if not m["ready"]:
                    return 422, {"error": "Cannot attach files that have not finished processing. Try again in a moment!"}, {}
                media.append(m["data"])
            sid = self._next_id()
            answer = {"id": sid, "url": f"{self.base_url}/@cc/{sid}", "content": f"<p>{status}</p>"}
            if key:
                self.masto_idem[key] = answer
            self.published.append(Published("mastodon", "cc", status, media, {"id": sid, "key": key}))
            return 200, answer, {}
        return 404, {"error": "Record not found"}, {}

    # ------------------------------------------------------------ webhook receiver

    def _webhook(self, h, body: bytes):
        ok = webhook.verify_signature(self.webhook_secret, h.headers.get(webhook.TIMESTAMP_HEADER) or "",
                                      body, h.headers.get(webhook.SIGNATURE_HEADER) or "")
        if not ok:
            return 401, {"error": "bad signature"}, {}
        data = json.loads(body)
        self.webhook_bodies.append((dict(h.headers), body))
        hid = f"hook-{self._next_id()}"
        self.published.append(Published("webhook", "hook", data["text"], [],
                                        {"id": hid, "key": data["id"], "link": data["link"]}))
        return 200, {"id": hid}, {}
