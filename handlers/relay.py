"""Delivery of the outbox to a transport, in order, with pacing and retries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from handlers.ports import OutgoingMessage, Target
from storage.db import Database
from storage.models import OutboxMessage
from storage.services import outbox

log = logging.getLogger(__name__)


class Transport(Protocol):
    """Something that can put a message on the wire (console, simulator, WeChat)."""

    async def deliver(self, message: OutgoingMessage) -> None:
        """Deliver one message or raise."""
        ...


def to_outgoing(row: OutboxMessage) -> OutgoingMessage:
    """The port-level message of an outbox row."""
    target = (
        Target.group(row.target_id) if row.target_kind == "group" else Target.person(row.target_id)
    )
    return OutgoingMessage(target, row.text, tuple(row.mentions))


class OutboxRelay:
    """Moves due outbox messages of some channels to one transport.

    ``pace_seconds`` spaces consecutive sends (WeChat rate limits); a failed send is
    retried later with back-off, and never blocks the messages behind it.
    """

    def __init__(
        self,
        db: Database,
        channels: Sequence[str],
        transport: Transport,
        *,
        pace_seconds: float = 0.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.channels = tuple(channels)
        self.transport = transport
        self.pace_seconds = pace_seconds
        self.clock = clock
        self._draining = asyncio.Lock()

    async def drain(self) -> int:
        """Deliver every due message now; returns how many were delivered.

        One drain at a time per relay: a view that drains right after a message (to show
        the reply at once) and the background loop never deliver the same row twice.
        """
        async with self._draining:
            return await self._drain()

    async def _drain(self) -> int:
        delivered = 0
        while batch := await outbox.pending(self.db, self.channels, self.clock()):
            progress = False
            for row in batch:
                if await self._send(row):
                    delivered += 1
                    progress = True
            if not progress:
                break
        return delivered

    async def _send(self, row: OutboxMessage) -> bool:
        assert row.id is not None
        try:
            await self.transport.deliver(to_outgoing(row))
        except Exception as err:  # the transport's errors are many and not ours
            log.warning("delivery of outbox message %s failed: %s", row.id, err)
            await outbox.mark_failed(self.db, row.id, repr(err), self.clock())
            return False
        await outbox.mark_sent(self.db, row.id, self.clock())
        if self.pace_seconds:
            await asyncio.sleep(self.pace_seconds)
        return True

    async def run(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        """Drain repeatedly until ``stop`` is set."""
        while not stop.is_set():
            try:
                await self.drain()
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("relay for %s failed; retrying", ", ".join(self.channels))
            try:
                await asyncio.wait_for(stop.wait(), poll_seconds)
            except TimeoutError:
                continue
