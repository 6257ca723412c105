"""Sending mailings (issue 7 §6): from the dispatch message to one SMTP transaction per recipient.

Exactly once, as far as SMTP allows:
- every recipient has one MailDelivery row (unique per mailing and e-mail), written when the
  mailing was scheduled; a worker claims a batch with one conditional UPDATE (queued → sending),
  so two workers never hold the same row;
- a message is sent in two steps: envelope and content first, then the row is committed `sent`,
  and only then the final "." that makes the server accept it. A worker killed before that commit
  leaves the server an unfinished transaction (discarded) and the row in `sending`; after
  CC_MAIL_STALE_SECONDS the sweep hands it to another worker. Killed after the commit, the "." is
  already written or about to be: the one unsafe moment is the few microseconds between the
  commit's return and that write (SMTP has no two-phase commit). A refusal at the "." turns the
  row back to failed or queued;
- the dev mailbox (the embedded default) writes the message and the state in one transaction;
- the dispatch message lives in the outbox table: with Redis down, nothing is lost; the relay
  publishes it when the broker is back.
"""

from __future__ import annotations

import email.policy
import logging
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from urllib.parse import unquote, urlparse

from sqlalchemy import and_, bindparam, or_, update
from sqlmodel import Session, select

from integrations import outbox, social
from integrations.crypto import decrypt
from integrations.db import system_session, tenant_session, utcnow
from integrations.errors import NotFound
from integrations.mail import DevMail
from integrations.settings import get_settings
from tenants.core.models import Tenant
from workflows.communications.mailing import DISPATCH_KIND, link_tokens, personalise
from workflows.communications.models import (
    CommItem,
    DeliveryState,
    ItemState,
    MailDelivery,
    Mailing,
    MailingState,
    MailSettings,
    MediaAsset,
    PostDelivery,
)

log = logging.getLogger(__name__)

MAIL_QUEUE = "mail"
BATCH = 200
MAX_ATTEMPTS = 5


def message_id(delivery: MailDelivery) -> str:
    return f"<delivery-{delivery.id}.{delivery.tenant_id}@cc-network.local>"


# ---------------------------------------------------------------- SMTP


@dataclass(frozen=True)
class Transport:
    """Where a centre's mail goes: its own SMTP server, the platform's, or the dev mailbox."""

    host: str = ""
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    tls: bool = False
    sender: str = ""

    @property
    def dev_mailbox(self) -> bool:
        return not self.host


def transport_for(s: Session) -> Transport:
    ms = s.exec(select(MailSettings)).first()
    sender = get_settings().mail_from
    if ms and ms.smtp_host:
        from_addr = f"{ms.from_name} <{ms.from_address}>" if ms.from_name and ms.from_address else (
            ms.from_address or sender)
        return Transport(ms.smtp_host, ms.smtp_port, ms.smtp_username, decrypt(ms.smtp_password_enc),
                         starttls=ms.smtp_starttls, sender=from_addr)
    url = get_settings().smtp_url
    if not url:
        return Transport(sender=sender)
    u = urlparse(url)
    return Transport(u.hostname or "localhost", u.port or (465 if u.scheme == "smtps" else 25),
                     unquote(u.username or ""), unquote(u.password or ""),
                     starttls=u.scheme == "smtp+starttls", tls=u.scheme == "smtps", sender=sender)


class _Connection:
    """One SMTP connection reused for a batch; each message in two steps (see the module's note)."""

    def __init__(self, t: Transport) -> None:
        self.t = t
        self.client: smtplib.SMTP | None = None
        self.envelope_from = parseaddr(t.sender)[1] or "no-reply@cc-network.local"

    def _open(self) -> smtplib.SMTP:
        t = self.t
        client = (smtplib.SMTP_SSL(t.host, t.port, timeout=20, context=ssl.create_default_context()) if t.tls
                  else smtplib.SMTP(t.host, t.port, timeout=20))
        # the content and the final "." go in two writes: without this, Nagle's algorithm holds the
        # second until the server's delayed ACK (~40 ms a message)
        client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.ehlo_or_helo_if_needed()
        if t.starttls:
            client.starttls(context=ssl.create_default_context())
            client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            client.ehlo()
        if t.username:
            client.login(t.username, t.password)
        return client

    def begin(self, to: str, data: bytes) -> None:
        """MAIL, RCPT, DATA and the content, without the final "." (nothing is accepted yet)."""
        data = re.sub(rb"(?m)^\.", b"..", data)  # RFC 5321 4.5.2 dot-stuffing
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        for attempt in (1, 2):
            if self.client is None:
                self.client = self._open()
            c = self.client
            try:
                code, resp = c.mail(self.envelope_from)
                if code != 250:
                    c.rset()
                    raise smtplib.SMTPSenderRefused(code, resp, self.envelope_from)
                code, resp = c.rcpt(to)
                if code not in (250, 251):
                    c.rset()
                    if 500 <= code < 600:
                        raise smtplib.SMTPRecipientsRefused({to: (code, resp)})
                    raise smtplib.SMTPResponseException(code, resp)
                c.putcmd("data")
                code, resp = c.getreply()
                if code != 354:
                    c.rset()
                    raise smtplib.SMTPDataError(code, resp)
                c.send(data)
                return
            except smtplib.SMTPServerDisconnected:
                self.client = None
                if attempt == 2:
                    raise

    def finish(self) -> tuple[int, bytes]:
        """The final ".": the server accepts (250) or refuses the message."""
        assert self.client is not None
        self.client.send(b".\r\n")
        return self.client.getreply()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.client = None


_CRLF = email.policy.compat32.clone(linesep="\r\n")


def _header(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


def mime_bytes(sender: str, to: str, subject: str, body: str, message_id: str, headers: dict[str, str]) -> bytes:
    """One plain-text message, as the SMTP DATA sends it. Built with the compat32 API, five times
    cheaper than EmailMessage's header objects: a mailing builds ten thousand of them."""
    msg = MIMEText(body, "plain", "utf-8")
    name, addr = parseaddr(sender)
    msg["From"] = formataddr((str(Header(name, "utf-8")) if name and not name.isascii() else name, addr)) \
        if name else addr
    msg["To"] = to
    msg["Subject"] = _header(subject)
    msg["Message-ID"] = message_id
    msg["Date"] = formatdate(localtime=False)
    for k, v in headers.items():
        msg[k] = _header(v)
    return msg.as_bytes(policy=_CRLF)


# ---------------------------------------------------------------- dispatch and batches


def queued_batches(s: Session, mailing_id: int) -> list[list[int]]:
    ids = list(s.exec(select(MailDelivery.id).where(
        MailDelivery.mailing_id == mailing_id,
        MailDelivery.state.in_([DeliveryState.QUEUED.value, DeliveryState.SENDING.value])).order_by(
        MailDelivery.id)).all())
    return [ids[i:i + BATCH] for i in range(0, len(ids), BATCH)]


def _publish_batches(tenant_id: int, mailing_id: int, batches: list[list[int]]) -> None:
    from workflows.communications.delivery_tasks import send_mail_batch

    for batch in batches:
        send_mail_batch.apply_async((tenant_id, mailing_id, batch), queue=MAIL_QUEUE, retry=False)


@outbox.handler(DISPATCH_KIND)
def dispatch(payload: dict) -> None:
    """The scheduled mailing's time came: mark it sending and hand its recipients to the workers.
    If the broker is down this raises and the outbox retries later; nothing is marked sent."""
    tenant_id, mailing_id = int(payload["tenant_id"]), int(payload["mailing_id"])
    with tenant_session(tenant_id) as s:
        m = s.get(Mailing, mailing_id)
        if m is None or m.state == MailingState.CANCELLED.value:
            return
        if m.state == MailingState.SCHEDULED.value:
            m.state = MailingState.SENDING.value
            m.started_at = utcnow()
            s.add(m)
        batches = queued_batches(s, mailing_id)
        if not batches:
            _finish_if_done(s, m)
        s.commit()
    _publish_batches(tenant_id, mailing_id, batches)


def _claim(s: Session, tenant_id: int, ids: list[int]) -> list[int]:
    now = utcnow()
    stale = now - timedelta(seconds=get_settings().mail_stale_seconds)
    cond = and_(MailDelivery.tenant_id == tenant_id, MailDelivery.id.in_(ids), or_(
        MailDelivery.state == DeliveryState.QUEUED.value,
        and_(MailDelivery.state == DeliveryState.SENDING.value, MailDelivery.locked_at < stale)))
    got = list(s.execute(update(MailDelivery).where(cond).values(
        state=DeliveryState.SENDING.value, locked_at=now, attempts=MailDelivery.attempts + 1)
        .returning(MailDelivery.id).execution_options(synchronize_session=False)).scalars())
    s.commit()
    return sorted(got)


# one Core statement, compiled once: it runs once a message (the ORM's bulk-update path costs more
# than the statement). The tenant is in the WHERE clause since a connection skips the ORM's scope.
_MARK = (update(MailDelivery.__table__)
         .where(MailDelivery.__table__.c.tenant_id == bindparam("tid"), MailDelivery.__table__.c.id == bindparam("did"))
         .values(state=bindparam("state"), reason=bindparam("reason"), locked_at=None, sent_at=bindparam("sent_at"),
                 message_id=bindparam("message_id")))


def _mark(s: Session, d: MailDelivery, state: str, reason: str = "", *, message: str = "") -> None:
    sent = state == DeliveryState.SENT.value
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        # no WAL flush wait for this small commit (the one per message): a worker's death loses
        # nothing (the server has it); only a crash of the database server itself could forget the
        # last fraction of a second of marks, whose messages would then go a second time
        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
    conn.execute(_MARK, {"tid": d.tenant_id, "did": d.id, "state": state, "reason": reason[:1000],
                                   "sent_at": utcnow() if sent else None, "message_id": message if sent else ""})


def _finish_if_done(s: Session, m: Mailing) -> None:
    left = s.exec(select(MailDelivery.id).where(
        MailDelivery.mailing_id == m.id,
        MailDelivery.state.in_([DeliveryState.QUEUED.value, DeliveryState.SENDING.value])).limit(1)).first()
    if left is None and m.state == MailingState.SENDING.value:
        m.state = MailingState.SENT.value
        m.finished_at = utcnow()
        s.add(m)
        if m.item_id:
            s.flush()
            finish_item(s, m.item_id)


def send_batch(tenant_id: int, mailing_id: int, ids: list[int]) -> dict[str, int]:
    """Send what of `ids` is still to send. Safe to run twice or side by side with another worker."""
    counts = {"sent": 0, "failed": 0, "retry": 0}
    with tenant_session(tenant_id) as s:
        m = s.get(Mailing, mailing_id)
        if m is None or m.state not in (MailingState.SENDING.value, MailingState.SCHEDULED.value):
            return counts
        claimed = _claim(s, tenant_id, [int(i) for i in ids])
        if not claimed:
            return counts
        tenant = s.get(Tenant, tenant_id)
        centre = tenant.name if tenant else ""
        transport = transport_for(s)
        links = link_tokens(m)
        rows = {d.id: d for d in s.exec(select(MailDelivery).where(MailDelivery.id.in_(claimed))).all()}
        s.commit()
        conn = None if transport.dev_mailbox else _Connection(transport)
        try:
            for did in claimed:
                d = rows[did]
                mid = message_id(d)
                subject, body = personalise(m, d, centre=centre, links=links)
                headers = {"List-Unsubscribe": f"<{_unsub(d)}>",
                           "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                           "X-CC-Mailing": str(m.id)}
                if conn is None:
                    # the dev mailbox: message and state in one transaction
                    if s.exec(select(DevMail.id).where(DevMail.message_id == mid)).first() is None:
                        s.add(DevMail(to_email=d.email, subject=subject[:300], body_text=body, message_id=mid,
                                      headers=headers))
                    _mark(s, d, DeliveryState.SENT.value, message=mid)
                    s.commit()
                    counts["sent"] += 1
                    continue
                try:
                    conn.begin(d.email, mime_bytes(transport.sender, d.email, subject, body, mid, headers))
                except smtplib.SMTPRecipientsRefused as exc:
                    _mark(s, d, DeliveryState.FAILED.value, f"refused: {exc.recipients}")
                    s.commit()
                    counts["failed"] += 1
                    continue
                except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError, smtplib.SMTPResponseException) as exc:
                    _refused(s, d, exc.smtp_code, exc.smtp_error, counts)
                    s.commit()
                    continue
                _mark(s, d, DeliveryState.SENT.value, message=mid)
                s.commit()
                code, resp = conn.finish()
                if code == 250:
                    counts["sent"] += 1
                    continue
                _refused(s, d, code, resp, counts)
                s.commit()
        except (OSError, smtplib.SMTPException) as exc:
            # the server is unreachable: what was not sent stays claimed and goes back to the queue
            log.warning("mailing %s: SMTP unavailable (%s); the sweep will retry", mailing_id, exc)
            s.rollback()
            s.execute(update(MailDelivery).where(
                MailDelivery.id.in_(claimed), MailDelivery.state == DeliveryState.SENDING.value).values(
                state=DeliveryState.QUEUED.value, locked_at=None, reason=f"smtp: {exc}"[:1000])
                .execution_options(synchronize_session=False))
            s.commit()
            raise
        finally:
            if conn is not None:
                conn.close()
        m = s.get(Mailing, mailing_id, populate_existing=True)
        _finish_if_done(s, m)
        s.commit()
    return counts


def _refused(s: Session, d: MailDelivery, code: int, resp: bytes | str, counts: dict[str, int]) -> None:
    """A permanent refusal fails the row; a temporary one puts it back in the queue for the sweep."""
    reason = f"{code} {resp.decode(errors='replace') if isinstance(resp, bytes) else resp}"
    if 500 <= code < 600 or d.attempts >= MAX_ATTEMPTS:
        _mark(s, d, DeliveryState.FAILED.value, reason)
        counts["failed"] += 1
    else:
        _mark(s, d, DeliveryState.QUEUED.value, reason)
        counts["retry"] += 1


def _unsub(d: MailDelivery) -> str:
    from workflows.communications.mailing import unsubscribe_url

    return unsubscribe_url(d.tenant_id, d.email)


def sweep(limit: int = 100) -> list[tuple[int, int, list[list[int]]]]:
    """Mailings with recipients left behind (a worker died, a temporary failure, a lost task):
    their batches, for the caller to publish again."""
    stale = utcnow() - timedelta(seconds=get_settings().mail_stale_seconds)
    out: list[tuple[int, int, list[list[int]]]] = []
    with system_session("mailing sweep") as s:
        pairs = s.exec(select(MailDelivery.tenant_id, MailDelivery.mailing_id).join(
            Mailing, and_(Mailing.tenant_id == MailDelivery.tenant_id, Mailing.id == MailDelivery.mailing_id)).where(
            Mailing.state == MailingState.SENDING.value,
            Mailing.started_at < stale,
            or_(MailDelivery.state == DeliveryState.QUEUED.value,
                and_(MailDelivery.state == DeliveryState.SENDING.value, MailDelivery.locked_at < stale)))
            .distinct().limit(limit)).all()
    for tenant_id, mailing_id in pairs:
        with tenant_session(tenant_id) as s:
            out.append((tenant_id, mailing_id, queued_batches(s, mailing_id)))
    return out


# ---------------------------------------------------------------- a communication item's publication

POST_KIND = "comm.post"


def social_queue(provider: str) -> str:
    """One queue per network: a slow or rate-limited provider never holds up the others."""
    return f"social.{provider}" if provider in social.PROVIDERS else "social"


def post_queue(tenant_id: int, delivery_id: int) -> str:
    from workflows.communications.channels import SocialChannel

    with tenant_session(tenant_id) as s:
        d = s.get(PostDelivery, delivery_id)
        c = s.get(SocialChannel, d.channel_id) if d is not None else None
        return social_queue(c.provider if c is not None else "")
EMAIL_CHANNEL = "email"
# a post claimed this long ago without an answer: the worker died, the sweep hands it on
POST_STALE = timedelta(minutes=5)


def queue_item(s: Session, item: CommItem) -> None:
    """In the caller's transaction: one PostDelivery (and its outbox message) per social channel,
    and the e-mail as a mailing to the item's audience. Anything refused (no recipient, a bad
    template) refuses the whole: no channel goes out alone."""
    from workflows.communications import mailing as mailing_rules

    for raw in item.channels or []:
        if raw == EMAIL_CHANNEL:
            continue
        channel_id = int(raw)
        d = s.exec(select(PostDelivery).where(PostDelivery.item_id == item.id,
                                              PostDelivery.channel_id == channel_id)).first()
        if d is None:
            d = PostDelivery(tenant_id=item.tenant_id, item_id=item.id, channel_id=channel_id)
            s.add(d)
            s.flush()
        outbox.enqueue(s, POST_KIND, {"tenant_id": item.tenant_id, "delivery_id": d.id},
                       key=f"post:{item.tenant_id}:{d.id}", tenant_id=item.tenant_id)
    if EMAIL_CHANNEL in (item.channels or []):
        body = mailing_rules.clean_texts(item.text, field="text", limit=mailing_rules.MAX_BODY)
        subject = mailing_rules.clean_texts(item.subject or {"fr": item.title}, field="subject",
                                             limit=mailing_rules.MAX_SUBJECT)
        m = Mailing(tenant_id=item.tenant_id, item_id=item.id, title=item.title[:200], subject=subject, body=body,
                    audience=mailing_rules.clean_audience(item.audience), category="events")
        s.add(m)
        s.flush()
        mailing_rules.schedule(s, None, m)
    if not item.channels:
        finish_item(s, item.id)


@outbox.handler(POST_KIND)
def hand_post(payload: dict) -> None:
    """The outbox's part: put the post on its network's queue (a broker down raises: retried later)."""
    from workflows.communications.delivery_tasks import publish_post

    tenant_id, delivery_id = int(payload["tenant_id"]), int(payload["delivery_id"])
    publish_post.apply_async((tenant_id, delivery_id), queue=post_queue(tenant_id, delivery_id), retry=False)


def _post_of(s: Session, item: CommItem, d: PostDelivery) -> social.Post:
    from integrations import storage

    text = (item.text or {}).get("fr") or next(iter((item.text or {}).values()), item.title)
    images = []
    for mid in item.media_ids or []:
        asset = s.get(MediaAsset, int(mid))
        if asset is not None and asset.content_type.startswith("image/"):
            images.append(social.Image(storage.read_private(item.tenant_id, asset.storage_key), asset.content_type,
                                       alt=asset.title, filename=asset.filename))
    return social.Post(text=text, images=tuple(images), idempotency_key=f"cc-item-{item.id}-channel-{d.channel_id}")


class RetryPost(Exception):
    """The post should be tried again after `countdown` seconds (the task reschedules itself)."""

    def __init__(self, countdown: float) -> None:
        super().__init__(f"retry in {countdown:.0f} s")
        self.countdown = countdown


def publish_post(tenant_id: int, delivery_id: int, *, attempts: int = 3, max_wait: float = 30.0) -> str:
    """Publish one item on one channel; returns the delivery's state. A post already sent is never
    sent again; a provider that answers 5xx or 429 is retried (honouring Retry-After, through the
    gate shared by every worker); an expired token makes the item wait for the centre."""
    from workflows.communications import channels

    with tenant_session(tenant_id) as s:
        d = s.exec(select(PostDelivery).where(PostDelivery.id == delivery_id).with_for_update()).first()
        if d is None or d.state in (DeliveryState.SENT.value, DeliveryState.FAILED.value):
            return d.state if d else "missing"
        if d.state == DeliveryState.SENDING.value and d.locked_at and d.locked_at > utcnow() - POST_STALE:
            return d.state  # another worker has it
        item = s.get(CommItem, d.item_id)
        post = _post_of(s, item, d)
        d.state, d.locked_at, d.attempts = DeliveryState.SENDING.value, utcnow(), d.attempts + 1
        s.add(d)
        s.commit()
        channel_id = d.channel_id
    state, reason, result, retry_in = DeliveryState.SENT.value, "", None, None
    try:
        result = channels.publish(tenant_id, channel_id, post, attempts=attempts, max_wait=max_wait)
    except social.TokenExpired as exc:
        state, reason = DeliveryState.WAITING.value, f"token expired: {exc}"
    except (social.MediaTooLarge, social.SocialInvalid) as exc:
        state, reason = DeliveryState.FAILED.value, f"{exc.code}: {exc}"
    except social.SocialRateLimited as exc:
        state, reason, retry_in = DeliveryState.QUEUED.value, f"rate limited: {exc}", float(exc.retry_after)
    except social.ProviderError as exc:
        if exc.retryable:
            state, reason, retry_in = DeliveryState.QUEUED.value, f"provider: {exc}", 60.0
        else:
            state, reason = DeliveryState.FAILED.value, f"provider: {exc}"
    except NotFound as exc:  # the channel was disconnected meanwhile
        state, reason = DeliveryState.FAILED.value, f"channel: {exc}"
    with tenant_session(tenant_id) as s:
        d = s.exec(select(PostDelivery).where(PostDelivery.id == delivery_id).with_for_update()).one()
        d.state, d.reason, d.locked_at = state, reason[:1000], None
        if result is not None:
            d.provider_post_id, d.url, d.sent_at = result.provider_post_id[:200], (result.url or "")[:1000], utcnow()
        s.add(d)
        item = s.get(CommItem, d.item_id)
        if state == DeliveryState.WAITING.value and item.state == ItemState.PUBLISHING.value:
            item.state, item.last_error = ItemState.WAITING.value, reason[:2000]
            s.add(item)
        finish_item(s, item.id)
        s.commit()
    if retry_in is not None:
        raise RetryPost(retry_in)
    return state


def finish_item(s: Session, item_id: int) -> None:
    """An item is published once every delivery of it has ended (sent, failed, bounced, skipped)."""
    item = s.get(CommItem, item_id)
    if item is None or item.state not in (ItemState.PUBLISHING.value, ItemState.WAITING.value):
        return
    open_states = [DeliveryState.QUEUED.value, DeliveryState.SENDING.value, DeliveryState.WAITING.value]
    posts_open = s.exec(select(PostDelivery.id).where(PostDelivery.item_id == item_id,
                                                      PostDelivery.state.in_(open_states)).limit(1)).first()
    mail_open = s.exec(select(Mailing.id).where(Mailing.item_id == item_id, Mailing.state.in_(
        [MailingState.SCHEDULED.value, MailingState.SENDING.value])).limit(1)).first()
    if posts_open is None and mail_open is None:
        item.state, item.published_at = ItemState.PUBLISHED.value, utcnow()
        s.add(item)
    elif item.state == ItemState.WAITING.value and not s.exec(select(PostDelivery.id).where(
            PostDelivery.item_id == item_id, PostDelivery.state == DeliveryState.WAITING.value).limit(1)).first():
        item.state = ItemState.PUBLISHING.value
        s.add(item)


def sweep_posts(limit: int = 200) -> list[tuple[int, int]]:
    """Posts to hand to a worker again: a claim gone stale, a lost task, and the posts that waited
    for a channel the centre has since reconnected. (tenant id, delivery id) pairs."""
    from workflows.communications.channels import ChannelStatus, SocialChannel

    now = utcnow()
    with system_session("post sweep") as s:
        stale = s.exec(select(PostDelivery.tenant_id, PostDelivery.id).where(or_(
            and_(PostDelivery.state == DeliveryState.SENDING.value, PostDelivery.locked_at < now - POST_STALE),
            and_(PostDelivery.state == DeliveryState.QUEUED.value, PostDelivery.created_at < now - POST_STALE)))
            .limit(limit)).all()
        resumed = s.exec(select(PostDelivery).join(SocialChannel, and_(
            SocialChannel.tenant_id == PostDelivery.tenant_id, SocialChannel.id == PostDelivery.channel_id)).where(
            PostDelivery.state == DeliveryState.WAITING.value,
            SocialChannel.status == ChannelStatus.CONNECTED.value).limit(limit)).all()
        for d in resumed:
            d.state, d.reason = DeliveryState.QUEUED.value, "channel reconnected"
            s.add(d)
        s.commit()
        return [(t, i) for t, i in stale] + [(d.tenant_id, d.id) for d in resumed]


# ---------------------------------------------------------------- an item's delivery log


@dataclass(frozen=True)
class PostRow:
    id: int
    channel_id: int
    channel: str
    state: str
    reason: str
    url: str
    attempts: int
    sent_at: object


@dataclass(frozen=True)
class ItemDeliveries:
    posts: list[PostRow]
    mailing_id: int | None
    mail_counts: dict[str, int]


def item_deliveries(actor, tenant_id: int, item_id: int, *,  # noqa: ANN001
                    count_mails: bool = True) -> ItemDeliveries:
    """Per channel: the post's state (and its reason, its link once published); for the e-mail,
    the mailing and its deliveries per state (the per-recipient log is the mailing's).
    `count_mails=False` leaves the counts empty, for a caller that shows `item_figures`
    already (the item page)."""
    from sqlalchemy import func

    from tenants.core.actor import require
    from tenants.core.roles import Perm
    from workflows.communications.channels import SocialChannel

    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        if s.get(CommItem, item_id) is None:
            raise NotFound("no such item", code="comm_item_not_found")
        names = {c.id: f"{c.provider} · {c.display_name}" for c in s.exec(select(SocialChannel)).all()}
        posts = [PostRow(d.id, d.channel_id, names.get(d.channel_id, str(d.channel_id)), d.state, d.reason, d.url,
                         d.attempts, d.sent_at)
                 for d in s.exec(select(PostDelivery).where(PostDelivery.item_id == item_id)
                                 .order_by(PostDelivery.id)).all()]
        m = s.exec(select(Mailing).where(Mailing.item_id == item_id)).first()
        counts = {}
        if m is not None and count_mails:
            counts = dict(s.exec(select(MailDelivery.state, func.count()).where(MailDelivery.mailing_id == m.id)
                                 .group_by(MailDelivery.state)).all())
        return ItemDeliveries(posts, m.id if m else None, counts)
