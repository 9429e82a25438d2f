"""The outbox under concurrency and crashes: claimed before sent, once; a sender that died
mid-send leaves an uncertain row that is reported, never resent (issue 8, case 1 and 9)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from handlers.ports import OutgoingMessage
from handlers.relay import OutboxRelay
from storage.db import Database
from storage.models import OutboxMessage
from storage.services import outbox
from tests.fakes import RecordingTransport

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


async def queue(db: Database, count: int, channel: str = "test") -> None:
    async with db.transaction() as s:
        for i in range(count):
            await outbox.enqueue(
                s,
                channel=channel,
                target_kind="group",
                target_id="g",
                text=f"第{i}条",
                not_before=T0,
            )


class SlowTransport(RecordingTransport):
    """Yields inside every delivery, as a network send does."""

    async def deliver(self, message: OutgoingMessage) -> None:
        """Record after a pause."""
        await asyncio.sleep(0.002)
        await super().deliver(message)


async def rows(db: Database) -> list[OutboxMessage]:
    async with db.read() as s:
        return list(await s.exec(select(OutboxMessage).order_by(OutboxMessage.id)))  # type: ignore[arg-type]


async def test_relays_of_two_processes_send_each_row_once(db: Database) -> None:
    other = Database(db.url.render_as_string(hide_password=False))  # a second connection pool
    later = T0 + timedelta(hours=1)
    transports = [SlowTransport() for _ in range(4)]
    relays = [
        OutboxRelay(database, ["test"], t, clock=lambda: later)
        for database, t in zip((db, other, db, other), transports, strict=True)
    ]
    try:
        await queue(db, 40)
        await asyncio.gather(*(r.drain() for r in relays))
    finally:
        await other.dispose()
    sent = [text for t in transports for text in t.texts()]
    assert sorted(sent) == sorted(f"第{i}条" for i in range(40))
    assert all(r.sent_at is not None for r in await rows(db))


async def test_every_row_is_delivered_exactly_once_by_concurrent_relays(db: Database) -> None:
    await queue(db, 30)
    transports = [SlowTransport() for _ in range(4)]
    later = T0 + timedelta(hours=1)
    await asyncio.gather(
        *(OutboxRelay(db, ["test"], t, clock=lambda: later).drain() for t in transports)
    )
    sent = [text for t in transports for text in t.texts()]
    assert sorted(sent) == sorted(f"第{i}条" for i in range(30))


async def test_a_claim_whose_sender_died_is_reported_uncertain_not_resent(db: Database) -> None:
    await queue(db, 1)
    claim = await outbox.claim_next(db, ["test"], T0 + timedelta(hours=1))
    assert claim is not None  # ... and the process dies here, mid-send
    transport = RecordingTransport()
    later = T0 + timedelta(hours=1) + outbox.DEFAULT_LEASE + timedelta(seconds=1)
    relay = OutboxRelay(db, ["test"], transport, clock=lambda: later)
    assert await relay.drain() == 0
    assert transport.sent == []
    [row] = await rows(db)
    assert (row.sent_at, row.uncertain_at) == (None, later)
    assert (await outbox.counts(db)).uncertain == 1
    assert [r.id for r in await outbox.uncertain(db)] == [row.id]


async def test_a_claim_within_its_lease_is_left_alone(db: Database) -> None:
    await queue(db, 1)
    assert await outbox.claim_next(db, ["test"], T0) is not None
    transport = RecordingTransport()
    relay = OutboxRelay(db, ["test"], transport, clock=lambda: T0 + timedelta(seconds=5))
    assert await relay.drain() == 0
    [row] = await rows(db)
    assert row.uncertain_at is None


async def test_a_slow_send_that_finishes_after_its_lease_corrects_the_report(
    db: Database,
) -> None:
    await queue(db, 1)
    claim = await outbox.claim_next(db, ["test"], T0)
    assert claim is not None
    late = T0 + outbox.DEFAULT_LEASE * 2
    assert await outbox.expire_leases(db, late) == [claim.row.id]
    assert await outbox.mark_sent(db, claim, late) is True
    [row] = await rows(db)
    assert (row.sent_at, row.uncertain_at) == (late, None)


async def test_a_failed_send_is_released_and_retried_after_back_off(db: Database) -> None:
    await queue(db, 1)
    transport = RecordingTransport(fail_next=1)
    clock = [T0]
    relay = OutboxRelay(db, ["test"], transport, clock=lambda: clock[0])
    assert await relay.drain() == 0
    [row] = await rows(db)
    assert (row.claim_token, row.attempts, row.not_before) == (None, 1, T0 + timedelta(seconds=2))
    clock[0] = T0 + timedelta(seconds=3)
    assert await relay.drain() == 1
    assert transport.texts() == ["第0条"]


async def test_concurrent_enqueues_under_one_key_queue_one_row(db: Database) -> None:
    other = Database(db.url.render_as_string(hide_password=False))

    async def enqueue_in(database: Database) -> bool:
        async with database.transaction() as s:
            queued = await outbox.enqueue(
                s, channel="test", target_kind="person", target_id="p", text="提醒", dedup_key="k"
            )
            await asyncio.sleep(0.05)  # hold the transaction open while the other tries
            return queued

    try:
        results = await asyncio.gather(*(enqueue_in(d) for d in (db, other, db, other)))
    finally:
        await other.dispose()
    assert sorted(results) == [False, False, False, True]
    assert len(await rows(db)) == 1


async def test_rows_of_other_channels_are_not_claimed(db: Database) -> None:
    await queue(db, 1, channel="console:a")
    assert await outbox.claim_next(db, ["console:b", "console"], T0 + timedelta(hours=1)) is None
    assert await outbox.claim_next(db, ["console:a"], T0 + timedelta(hours=1)) is not None


async def test_a_failure_reported_after_the_lease_ran_out_is_uncertain_not_retried(
    db: Database,
) -> None:
    await queue(db, 1)

    class SlowThenFails(RecordingTransport):
        async def deliver(self, message: OutgoingMessage) -> None:
            raise ConnectionError("reset after a long wait")  # it may have gone out

    clock = [T0 + timedelta(hours=1)]
    claim = await outbox.claim_next(db, ["test"], clock[0], lease=timedelta(seconds=1))
    assert claim is not None
    await outbox.mark_failed(db, claim, "reset", clock[0] + timedelta(seconds=2))
    [row] = await rows(db)
    assert row.uncertain_at is not None
    relay = OutboxRelay(db, ["test"], SlowThenFails(), clock=lambda: clock[0] + timedelta(hours=1))
    assert await relay.drain() == 0  # never claimed again


async def test_an_unavailable_transport_gives_the_row_back_without_counting(
    db: Database,
) -> None:
    from handlers.relay import TransportUnavailable

    await queue(db, 3)
    tries: list[str] = []

    class Offline(RecordingTransport):
        async def deliver(self, message: OutgoingMessage) -> None:
            tries.append(message.text)
            raise TransportUnavailable("logged out")

    later = T0 + timedelta(hours=1)
    assert await OutboxRelay(db, ["test"], Offline(), clock=lambda: later).drain() == 0
    assert tries == ["第0条"]  # the drain stopped at once
    assert [(r.attempts, r.claim_token, r.sent_at) for r in await rows(db)] == [(0, None, None)] * 3
    online = RecordingTransport()
    assert await OutboxRelay(db, ["test"], online, clock=lambda: later).drain() == 3
