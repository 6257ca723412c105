"""The outbox (DESIGN §7): what must happen is written in the same transaction as its cause.

A relay task (`integrations.tasks`) picks pending rows and hands each to the handler
registered for its kind. A row moves pending → sending → sent | failed, claimed by a
conditional UPDATE so two workers never send the same message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import JSON, Column, update
from sqlmodel import Field, Session, SQLModel, select

from integrations.db import ts_column, utcnow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
MAX_ATTEMPTS = 6
# A row left in `sending` longer than this belongs to a worker that died: retry it.
STALE_AFTER = timedelta(minutes=5)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    # the tenant whose change caused it, when there is one (kept for the relay's logs)
    origin_tenant_id: int | None = Field(default=None, foreign_key="tenant.id", index=True)
    kind: str = Field(max_length=60)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    idempotency_key: str = Field(max_length=200, unique=True)
    state: str = Field(default=PENDING, max_length=20, index=True)
    attempts: int = 0
    available_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    locked_at: datetime | None = Field(default=None, sa_column=ts_column())
    last_error: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=ts_column())


_HANDLERS: dict[str, Callable[[dict], None]] = {}


def handler(kind: str) -> Callable[[Callable[[dict], None]], Callable[[dict], None]]:
    def deco(fn: Callable[[dict], None]) -> Callable[[dict], None]:
        _HANDLERS[kind] = fn
        return fn

    return deco


def enqueue(session: Session, kind: str, payload: dict, *, key: str, tenant_id: int | None = None) -> OutboxMessage:
    """Add a message to the caller's transaction. The same key twice is one message."""
    existing = session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).first()
    if existing:
        return existing
    msg = OutboxMessage(origin_tenant_id=tenant_id, kind=kind, payload=payload, idempotency_key=key)
    session.add(msg)
    session.info.setdefault("outbox_new", []).append(msg)
    return msg


def claim(session: Session, message_id: int) -> OutboxMessage | None:
    """Take a message for sending; None when another worker has it or it is done."""
    now = utcnow()
    res = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .where(
            (OutboxMessage.state == PENDING) & (OutboxMessage.available_at <= now)
            | ((OutboxMessage.state == SENDING) & (OutboxMessage.locked_at < now - STALE_AFTER))
        )
        .values(state=SENDING, locked_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if res.rowcount != 1:
        return None
    msg = session.get(OutboxMessage, message_id, populate_existing=True)
    # end the read transaction: the handler may open its own session (SQLite allows one writer)
    session.commit()
    return msg


def deliver(session: Session, message_id: int) -> str:
    """Run one message's handler; returns its new state. Idempotent on the message id."""
    msg = claim(session, message_id)
    if msg is None:
        current = session.get(OutboxMessage, message_id, populate_existing=True)
        state = current.state if current else "missing"
        session.commit()
        return state
    fn = _HANDLERS.get(msg.kind)
    try:
        if fn is None:
            raise LookupError(f"no outbox handler for kind {msg.kind!r}")
        fn({**msg.payload, "_outbox_id": msg.id, "_idempotency_key": msg.idempotency_key})
    except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
        msg.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if msg.attempts >= MAX_ATTEMPTS or isinstance(exc, LookupError):
            msg.state = FAILED
        else:
            msg.state = PENDING
            # exponential backoff: 30 s, 1 min, 2 min, ...
            msg.available_at = utcnow() + timedelta(seconds=30 * 2 ** (msg.attempts - 1))
        msg.locked_at = None
        session.add(msg)
        session.commit()
        return msg.state
    msg.state = SENT
    msg.sent_at = utcnow()
    msg.locked_at = None
    msg.last_error = ""
    session.add(msg)
    session.commit()
    return SENT


def due_ids(session: Session, limit: int = 100) -> list[int]:
    now = utcnow()
    rows = session.exec(
        select(OutboxMessage.id)
        .where(
            ((OutboxMessage.state == PENDING) & (OutboxMessage.available_at <= now))
            | ((OutboxMessage.state == SENDING) & (OutboxMessage.locked_at < now - STALE_AFTER))
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    return list(rows)
