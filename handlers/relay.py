"""Delivery of the outbox to a transport: claimed, in order, with pacing and retries.

Exactly once under concurrency, at most once across crashes: a relay claims a row before
sending it (see :mod:`storage.services.outbox`), so two relays, two processes or a view
and a background loop never send the same row; a row whose sender died mid-send is
reported as uncertain, never resent.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol

from handlers.ports import OutgoingMessage, Target
from storage.db import Database
from storage.services import outbox

log = logging.getLogger(__name__)
BATCH = 20  # rows claimed at once by an unpaced relay (issue 12)


class DeliveryUncertain(Exception):
    """Raised by a transport when a message may have (partly) gone out: the row is
    reported as uncertain, never sent again (say, the second half of a split message
    failed after the first half was delivered)."""


class TransportUnavailable(Exception):
    """Raised by a transport that could not even try (not connected, logged out): the
    row goes back untouched, the attempt does not count, and the drain stops."""


class Transport(Protocol):
    """Something that can put a message on the wire (console, simulator, WeChat)."""

    async def deliver(self, message: OutgoingMessage) -> None:
        """Deliver one message or raise (raising means: surely not delivered)."""
        ...


def to_outgoing(row: outbox.ClaimedRow) -> OutgoingMessage:
    """The port-level message of an outbox row."""
    target = (
        Target.group(row.target_id) if row.target_kind == "group" else Target.person(row.target_id)
    )
    return OutgoingMessage(target, row.text, tuple(row.mentions))


class OutboxRelay:
    """Moves due outbox messages addressed to ``channels`` to one transport.

    ``channels`` are this relay's own instance (replies to messages that came in through
    it) and the channel kind it serves (proactive messages any instance may send).
    ``pace_seconds`` (plus up to ``pace_jitter_seconds``) spaces consecutive sends (WeChat
    rate limits and bans machine-regular senders); a failed send is
    retried later with back-off, and never blocks the messages behind it. ``lease``
    must outlast one send: a claim older than that counts as a sender that died.
    """

    def __init__(
        self,
        db: Database,
        channels: Sequence[str],
        transport: Transport,
        *,
        pace_seconds: float = 0.0,
        pace_jitter_seconds: float = 0.0,
        lease: timedelta = outbox.DEFAULT_LEASE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.channels = tuple(channels)
        self.transport = transport
        self.pace_seconds = pace_seconds
        self.pace_jitter_seconds = pace_jitter_seconds
        self.lease = lease
        self.clock = clock
        self._draining = asyncio.Lock()
        self._next: asyncio.Future[int] | None = None  # the drain the next callers share
        self._next_expiry_check: datetime | None = None
        self._unmarked: list[outbox.Claim] = []  # sent, not yet recorded so
        # a batch's last send must come well within the lease of its claim
        per_send = pace_seconds + pace_jitter_seconds + 1.0
        self.batch = max(1, int(lease.total_seconds() / (4 * per_send))) if self.paced else BATCH

    async def drain(self) -> int:
        """Deliver every message due when it was called; returns how many a drain
        delivered.

        One drain at a time per relay (the claims make that safe anyway; the lock keeps a
        view's drain and the background loop from racing for nothing). Callers that come
        while a drain runs share the next one (issue 12): it starts after their rows
        were committed, so it sees them, and a crowd of callers costs one drain, not one
        each. A drain that such a next one follows leaves the marking of its sends to
        the next one's claim transaction: one commit fewer a drain, and the window
        between a send and its mark grows hardly longer, since that claim queues for
        the write turn when the mark would have. With nobody waiting, a drain marks its
        sends before it returns.
        """
        shared = self._next
        if shared is not None:
            return await asyncio.shield(shared)
        shared = self._next = asyncio.get_running_loop().create_future()
        try:
            async with self._draining:
                self._next = None  # who comes from now on may need rows this one misses
                delivered = await self._drain()
        except BaseException as err:
            self._next = None if self._next is shared else self._next
            if not shared.done():
                shared.set_exception(err)
                shared.exception()  # retrieved: the sharers (if any) raise it, no warning
            raise
        shared.set_result(delivered)
        return delivered

    async def idle(self) -> None:
        """Return once no drain is under way and every send is recorded (a channel closing
        waits for its last send)."""
        async with self._draining:
            await self._mark_unmarked()

    async def _drain(self) -> int:
        await self._expire_now_and_then()
        delivered = 0
        handed_on = False
        try:
            while claims := await self._mark_and_claim():
                for i, claim in enumerate(claims):
                    try:
                        if await self._send(claim):
                            delivered += 1
                    except TransportUnavailable as err:
                        log.info("transport unavailable (%s); delivery paused", err)
                        for held in claims[i:]:
                            await outbox.release(self.db, held)
                        return delivered
                if len(claims) < self.batch:
                    break  # nothing more was due: no empty claim transaction to find that out
            # a caller already waits for the next drain, which starts as soon as this one
            # ends: its claim transaction marks these sends, one commit instead of two
            handed_on = self._next is not None
            return delivered
        finally:
            if not handed_on:
                await self._mark_unmarked()

    @property
    def paced(self) -> bool:
        """True when sends are spaced (a chat service's rate limit)."""
        return bool(self.pace_seconds or self.pace_jitter_seconds)

    async def _mark_and_claim(self) -> list[outbox.Claim]:
        """Claim the next batch, marking the sends not yet marked in the same transaction."""
        with self._marking() as unmarked:
            lapsed, claims = await outbox.mark_sent_and_claim(
                self.db, unmarked, self.channels, self.clock, self.lease, limit=self.batch
            )
        self._lapsed(lapsed)
        return claims

    async def _mark_unmarked(self) -> None:
        """Record the unmarked sends of unpaced batches in one transaction (a paced relay
        marked each right after its send: a second between sends, one commit is cheap)."""
        if not self._unmarked:
            return
        with self._marking() as unmarked:
            self._lapsed(await outbox.mark_sent_many(self.db, unmarked, self.clock()))

    @contextmanager
    def _marking(self) -> Iterator[list[outbox.Claim]]:
        """The unmarked sends, taken to be marked; put back (still to be marked) if the
        transaction that marks them fails."""
        unmarked, self._unmarked = self._unmarked, []
        try:
            yield unmarked
        except BaseException:
            self._unmarked = unmarked + self._unmarked
            raise

    @staticmethod
    def _lapsed(ids: Sequence[int]) -> None:
        for row_id in ids:
            log.warning("outbox message %s was sent after its claim lapsed", row_id)

    async def _expire_now_and_then(self) -> None:
        """Look for dead senders' rows at most every quarter lease (not on every drain)."""
        now = self.clock()
        if self._next_expiry_check is None or now >= self._next_expiry_check:
            await self.report_uncertain()
            self._next_expiry_check = now + self.lease / 4

    async def report_uncertain(self) -> int:
        """Mark and log the rows whose sender died mid-send; how many there were."""
        ids = await outbox.expire_leases(self.db, self.clock())
        if ids:
            log.warning(
                "%d outbox message(s) may or may not have been delivered (sender died "
                "mid-send); not resent, see 'vcbot outbox status': %s",
                len(ids),
                ", ".join(map(str, ids)),
            )
        return len(ids)

    async def _send(self, claim: outbox.Claim) -> bool:
        try:
            await self.transport.deliver(to_outgoing(claim.row))
        except TransportUnavailable:
            raise
        except DeliveryUncertain as err:
            log.warning("outbox message %s may have partly gone out: %s", claim.row.id, err)
            await outbox.mark_uncertain(self.db, claim, repr(err), self.clock())
            return False
        except Exception as err:  # the transport's errors are many and not ours
            log.warning("delivery of outbox message %s failed: %s", claim.row.id, err)
            await outbox.mark_failed(self.db, claim, repr(err), self.clock())
            return False
        if not self.paced:
            self._unmarked.append(claim)  # marked with the rest of its batch
            return True
        if not await outbox.mark_sent(self.db, claim, self.clock()):
            self._lapsed([claim.row.id])
        # chat services ban machine rhythm
        await asyncio.sleep(self.pace_seconds + random.uniform(0, self.pace_jitter_seconds))
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
