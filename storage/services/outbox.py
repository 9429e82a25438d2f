"""The durable outbox: what the bot sends is written first, delivered after commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.models import InboundMessage, OutboxMessage, utcnow

MAX_ATTEMPTS = 8


async def enqueue(
    session: AsyncSession,
    *,
    channel: str,
    target_kind: str,
    target_id: str,
    text: str,
    mentions: Sequence[str] = (),
    not_before: datetime | None = None,
    dedup_key: str | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction.

    With ``dedup_key`` a message already queued under that key is not queued again
    (returns None): reminders use it to be sent exactly once.
    """
    if dedup_key is not None:
        found = await session.exec(
            select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key)
        )
        if found.first() is not None:
            return None
    row = OutboxMessage(
        channel=channel,
        target_kind=target_kind,
        target_id=target_id,
        text=text,
        mentions=list(mentions),
        dedup_key=dedup_key,
        not_before=not_before or utcnow(),
    )
    session.add(row)
    return row


async def pending(
    db: Database, channels: Sequence[str], now: datetime, limit: int = 50
) -> list[OutboxMessage]:
    """Unsent messages for these channels that are due, oldest first."""
    async with db.read() as session:
        stmt = (
            select(OutboxMessage)
            .where(
                col(OutboxMessage.sent_at).is_(None),
                col(OutboxMessage.channel).in_(list(channels)),
                col(OutboxMessage.not_before) <= now,
                col(OutboxMessage.attempts) < MAX_ATTEMPTS,
            )
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        )
        return list(await session.exec(stmt))


async def mark_sent(db: Database, message_id: int, when: datetime) -> None:
    """Record a delivery."""
    async with db.transaction() as session:
        row = await session.get(OutboxMessage, message_id)
        if row is not None:
            row.sent_at = when
            row.attempts += 1
            session.add(row)


async def mark_failed(db: Database, message_id: int, error: str, when: datetime) -> None:
    """Record a failed delivery and back off exponentially before the next try."""
    async with db.transaction() as session:
        row = await session.get(OutboxMessage, message_id)
        if row is not None:
            row.attempts += 1
            row.last_error = error[:500]
            row.not_before = when + timedelta(seconds=2**row.attempts)
            session.add(row)


async def first_time_seen(session: AsyncSession, channel: str, message_id: str) -> bool:
    """Record an incoming message id; False when it was handled before (redelivery)."""
    if await session.get(InboundMessage, (channel, message_id)) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(InboundMessage(channel=channel, message_id=message_id))
    except IntegrityError:
        return False
    return True
