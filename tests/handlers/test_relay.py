"""The outbox relay: in order, exactly once, failures retried without blocking others."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from handlers.ports import OutgoingMessage, Target
from handlers.relay import OutboxRelay
from storage.db import Database
from storage.models import OutboxMessage
from storage.services import outbox
from tests.fakes import RecordingTransport


async def queue(db: Database, *texts: str, key: str | None = None) -> None:
    async with db.transaction() as s:
        for text in texts:
            await outbox.enqueue(
                s, channel="test", target_kind="group", target_id="g", text=text, dedup_key=key
            )


async def test_messages_are_delivered_in_order_once(db: Database) -> None:
    transport = RecordingTransport()
    relay = OutboxRelay(db, ["test"], transport)
    await queue(db, "一", "二", "三")
    assert await relay.drain() == 3
    assert await relay.drain() == 0
    assert transport.texts(Target.group("g")) == ["一", "二", "三"]


async def test_other_channels_are_left_alone(db: Database) -> None:
    transport = RecordingTransport()
    await queue(db, "一")
    assert await OutboxRelay(db, ["wechat"], transport).drain() == 0
    assert transport.sent == []


async def test_failed_send_is_retried_later_and_others_go_on(db: Database) -> None:
    transport = RecordingTransport(fail_next=1)
    await queue(db, "一", "二")
    now = datetime.now(UTC)
    relay = OutboxRelay(db, ["test"], transport, clock=lambda: now)
    assert await relay.drain() == 1
    assert transport.texts() == ["二"]
    async with db.read() as s:
        failed = (await s.exec(select(OutboxMessage).where(OutboxMessage.text == "一"))).one()
    assert failed.attempts == 1
    assert "fake transport down" in failed.last_error
    later = OutboxRelay(db, ["test"], transport, clock=lambda: now + timedelta(seconds=5))
    assert await later.drain() == 1
    assert transport.texts() == ["二", "一"]


async def test_dedup_key_queues_once(db: Database) -> None:
    await queue(db, "提醒", key="visit-eve:1")
    await queue(db, "提醒", key="visit-eve:1")
    transport = RecordingTransport()
    assert await OutboxRelay(db, ["test"], transport).drain() == 1


async def run_until_delivered(relay: OutboxRelay, transport: RecordingTransport) -> None:
    """Run the relay's polling loop until something is delivered (at most a second)."""
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop, poll_seconds=0.01))
    for _ in range(100):
        if transport.sent:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 1)


async def test_run_delivers_until_stopped(db: Database) -> None:
    transport = RecordingTransport()
    await queue(db, "一")
    await run_until_delivered(OutboxRelay(db, ["test"], transport), transport)
    assert transport.texts() == ["一"]


class SlowTransport(RecordingTransport):
    """Yields to the event loop inside every delivery, as a real network send does."""

    async def deliver(self, message: OutgoingMessage) -> None:
        """Record after a pause."""
        await asyncio.sleep(0.01)
        await super().deliver(message)


async def test_concurrent_drains_of_one_relay_deliver_each_message_once(db: Database) -> None:
    transport = SlowTransport()
    relay = OutboxRelay(db, ["test"], transport)
    await queue(db, "一", "二", "三")
    counts = await asyncio.gather(*(relay.drain() for _ in range(5)))
    assert sum(counts) == 3
    assert transport.texts() == ["一", "二", "三"]


async def test_polling_loop_survives_a_failed_drain(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = RecordingTransport()
    real_claim = outbox.claim_batch
    failures = [ConnectionError("database went away")]

    async def flaky(*args: Any, **kwargs: Any) -> list[outbox.Claim]:
        if failures:
            raise failures.pop()
        return await real_claim(*args, **kwargs)

    monkeypatch.setattr(outbox, "claim_batch", flaky)
    await queue(db, "一")
    await run_until_delivered(OutboxRelay(db, ["test"], transport), transport)
    assert (failures, transport.texts()) == ([], ["一"])
