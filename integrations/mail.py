"""E-mail: SMTP when CC_SMTP_URL is set, else the dev mailbox table that staff can read."""

from __future__ import annotations

import base64
import binascii
import hashlib
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlparse

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel, select

from integrations.db import system_session, ts_column, utcnow
from integrations.outbox import handler
from integrations.settings import get_settings

EMAIL_KIND = "email"


class DevMail(SQLModel, table=True):
    """What the embedded default 'sends': kept so people can read it in the UI."""

    __tablename__ = "dev_mail"

    id: int | None = Field(default=None, primary_key=True)
    to_email: str = Field(max_length=254, index=True)
    subject: str = Field(max_length=300)
    body_text: str = ""
    message_id: str = Field(max_length=200, unique=True)
    headers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # [{"filename", "content_type", "content_b64"}], as the outbox payload carried them
    attachments: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024


def attachment(filename: str, content_type: str, content: bytes, *, method: str | None = None) -> dict:
    """An attachment as an outbox payload carries it (JSON: the bytes in base64).
    `method`: the iTIP method of a text/calendar part (PUBLISH, CANCEL), which mail
    clients read from the content type."""
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValueError(f"attachment {filename!r} is larger than {MAX_ATTACHMENT_BYTES} bytes")
    out = {"filename": filename, "content_type": content_type,
           "content_b64": base64.b64encode(content).decode("ascii")}
    if method:
        out["method"] = method
    return out


def _decoded(att: dict) -> tuple[str, str, str, bytes]:
    ctype = str(att.get("content_type") or "application/octet-stream")
    maintype, _, subtype = ctype.partition("/")
    try:
        data = base64.b64decode(att["content_b64"], validate=True)
    except (KeyError, binascii.Error) as exc:
        raise ValueError(f"attachment {att.get('filename')!r}: content_b64 is not base64") from exc
    return str(att.get("filename") or "attachment"), maintype, subtype or "octet-stream", data


def build_message(to: str, subject: str, text: str, *, message_id: str | None = None,
                  headers: dict | None = None, attachments: list[dict] | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = get_settings().mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="cc-network.local")
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(text)
    for att in attachments or []:
        filename, maintype, subtype, data = _decoded(att)
        params = {"method": att["method"]} if att.get("method") else {}
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename, params=params)
    return msg


def smtp_send(smtp_url: str, msg: EmailMessage, *, timeout: float = 20) -> None:
    u = urlparse(smtp_url)
    host, port = u.hostname or "localhost", u.port
    if u.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=timeout,
                                                context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port or 25, timeout=timeout)
    with client:
        if u.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
        if u.username:
            client.login(unquote(u.username), unquote(u.password or ""))
        client.send_message(msg)


@handler(EMAIL_KIND)
def send_email(payload: dict) -> None:
    """Outbox handler. The Message-ID comes from the outbox key, so a retry is recognisable."""
    key = payload["_idempotency_key"]
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    message_id = f"<{digest}.{payload['_outbox_id']}@cc-network.local>"
    msg = build_message(payload["to"], payload["subject"], payload["text"], message_id=message_id,
                        headers=payload.get("headers"), attachments=payload.get("attachments"))
    smtp_url = get_settings().smtp_url
    if smtp_url:
        smtp_send(smtp_url, msg)
        return
    with system_session("dev mailbox delivery") as s:
        if s.exec(select(DevMail).where(DevMail.message_id == message_id)).first():
            return  # already delivered by an earlier attempt
        s.add(DevMail(to_email=payload["to"], subject=payload["subject"], body_text=payload["text"],
                      message_id=message_id, headers=payload.get("headers") or {},
                      attachments=list(payload.get("attachments") or [])))
        s.commit()
