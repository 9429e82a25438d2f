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
from tests.conftest import commits_of
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

    def __init__(self) -> None:
        super().__init__()
        self.sending = asyncio.Event()  # set once a delivery has begun

    async def deliver(self, message: OutgoingMessage) -> None:
        """Record after a pause."""
        self.sending.set()
        await asyncio.sleep(0.01)
        await super().deliver(message)


class GatedTransport(RecordingTransport):
    """Holds every delivery until ``gate`` is set: a test decides when a send ends."""

    def __init__(self) -> None:
        super().__init__()
        self.sending = asyncio.Event()  # set once a delivery has begun
        self.gate = asyncio.Event()

    async def deliver(self, message: OutgoingMessage) -> None:
        """Record once the gate opens."""
        self.sending.set()
        await self.gate.wait()
        await super().deliver(message)


async def drain_behind(relay: OutboxRelay, transport: GatedTransport) -> asyncio.Future[int]:
    """A second drain, started while the first is held mid-send: it waits to share the
    next drain (its first step runs in the one loop turn given here); then the first's
    send is let go."""
    second = asyncio.ensure_future(relay.drain())
    await asyncio.sleep(0)
    transport.gate.set()
    return second


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
    real_claim = outbox.mark_sent_and_claim
    failures = [ConnectionError("database went away")]

    async def flaky(*args: Any, **kwargs: Any) -> tuple[list[int], list[outbox.Claim]]:
        if failures:
            raise failures.pop()
        return await real_claim(*args, **kwargs)

    monkeypatch.setattr(outbox, "mark_sent_and_claim", flaky)
    await queue(db, "一")
    await run_until_delivered(OutboxRelay(db, ["test"], transport), transport)
    assert (failures, transport.texts()) == ([], ["一"])


async def test_callers_during_a_drain_share_the_next_one(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = SlowTransport()
    relay = OutboxRelay(db, ["test"], transport)
    claims = [0]
    real_claim = outbox.mark_sent_and_claim

    async def counted(*args: Any, **kwargs: Any) -> tuple[list[int], list[outbox.Claim]]:
        claims[0] += 1
        return await real_claim(*args, **kwargs)

    monkeypatch.setattr(outbox, "mark_sent_and_claim", counted)
    await queue(db, "一")
    first = asyncio.ensure_future(relay.drain())
    await transport.sending.wait()  # the first drain is sending 一 (its claim is done)
    await queue(db, "二")  # committed before the crowd calls: the drain they share sees it
    crowd = await asyncio.gather(*(relay.drain() for _ in range(20)))
    assert await first == 1
    assert crowd == [1] * 20  # each was told what the drain it waited for delivered
    assert claims[0] == 2  # one claim for the first drain, one for the twenty
    assert transport.texts() == ["一", "二"]


async def test_an_unpaced_batch_is_marked_sent_in_one_transaction(db: Database) -> None:
    await queue(db, *"一二三四五")
    commits = commits_of(db)
    assert await OutboxRelay(db, ["test"], RecordingTransport()).drain() == 5
    # the first drain's look for dead senders, the claim and the marks (was seven)
    assert commits[0] == 3
    async with db.read() as s:
        rows = list(await s.exec(select(OutboxMessage)))
    assert all(r.sent_at is not None and r.lease_until is None for r in rows)


async def sent_marks(db: Database) -> dict[str, bool]:
    async with db.read() as s:
        return {r.text: r.sent_at is not None for r in await s.exec(select(OutboxMessage))}


async def test_a_drain_with_a_caller_waiting_leaves_its_marks_to_the_next_claim(
    db: Database,
) -> None:
    transport = GatedTransport()
    relay = OutboxRelay(db, ["test"], transport)
    await relay.drain()  # the look for dead senders is done: only claims and marks commit
    await queue(db, "一")
    first = asyncio.ensure_future(relay.drain())
    await transport.sending.wait()
    await queue(db, "二")
    commits = commits_of(db)
    second = await drain_behind(relay, transport)
    assert (await first, await second) == (1, 1)
    # the next drain's claim marked 一 in its transaction (before: a commit of its own),
    # then 二 was marked alone, as nobody waited for a drain after it
    assert commits[0] == 2
    assert await sent_marks(db) == {"一": True, "二": True}


async def test_marks_handed_on_survive_a_failed_claim_and_idle_writes_them(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = GatedTransport()
    relay = OutboxRelay(db, ["test"], transport)
    await queue(db, "一")
    first = asyncio.ensure_future(relay.drain())
    await transport.sending.wait()

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("database went away")

    with monkeypatch.context() as patched:
        patched.setattr(outbox, "mark_sent_and_claim", broken)
        patched.setattr(outbox, "mark_sent_many", broken)
        second = await drain_behind(relay, transport)
        assert await first == 1
        with pytest.raises(ConnectionError):
            await second  # its claim, which carried 一's mark, failed; so did marking alone
    assert await sent_marks(db) == {"一": False}
    await relay.idle()  # a channel closing: every send is recorded before it returns
    assert await sent_marks(db) == {"一": True}
    assert transport.texts() == ["一"]


async def test_a_paced_relay_marks_each_send_at_once(db: Database) -> None:
    await queue(db, "一", "二")
    commits = commits_of(db)
    relay = OutboxRelay(db, ["test"], RecordingTransport(), pace_seconds=0.001)
    assert await relay.drain() == 2
    assert commits[0] == 4  # the dead-sender check, the claim, one mark after each send


class DiesAfter(RecordingTransport):
    """Delivers ``alive`` messages, then the process 'dies' in the middle of a send."""

    def __init__(self, alive: int) -> None:
        super().__init__()
        self.alive = alive

    async def deliver(self, message: OutgoingMessage) -> None:
        """Record, or die."""
        if len(self.sent) == self.alive:
            raise KeyboardInterrupt("killed mid-send")
        await super().deliver(message)


async def test_a_death_mid_batch_marks_what_went_out_and_never_resends_the_rest(
    db: Database,
) -> None:
    await queue(db, "一", "二", "三")
    now = datetime.now(UTC)
    with pytest.raises(KeyboardInterrupt):
        await OutboxRelay(db, ["test"], DiesAfter(1), clock=lambda: now).drain()
    later = now + outbox.DEFAULT_LEASE + timedelta(seconds=1)
    transport = RecordingTransport()
    assert await OutboxRelay(db, ["test"], transport, clock=lambda: later).drain() == 0
    assert transport.sent == []  # 二 (in flight) and 三 (claimed) are never sent blindly
    async with db.read() as s:
        rows = {r.text: r for r in await s.exec(select(OutboxMessage))}
    assert rows["一"].sent_at is not None
    assert rows["二"].uncertain_at is not None
    assert rows["三"].uncertain_at is not None


async def test_a_drain_asked_for_during_a_batch_rides_it(db: Database) -> None:
    """Under load the turn is nearly always held: the claim waits for the batch's work to
    end and commits with it (issue 12), taking that batch's own replies too; nothing is
    sent before that COMMIT."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("riders are SQLite's: PostgreSQL has no write turn")
    transport = RecordingTransport()
    relay = OutboxRelay(db, ["test"], transport)
    await relay.drain()  # the look for dead senders is done: only claims and marks commit
    await queue(db, "一")  # an earlier batch's reply
    commits = commits_of(db)
    async with db.transaction() as s:
        draining = asyncio.ensure_future(relay.drain())
        await asyncio.sleep(0.02)
        assert transport.sent == []  # waiting for this transaction, not one of its own
        await outbox.enqueue(s, channel="test", target_kind="group", target_id="g", text="二")
    assert await draining == 2
    assert transport.texts() == ["一", "二"]
    # the batch's COMMIT carried the claim; the marks had nobody to hand them on to
    assert commits[0] == 2
    assert await sent_marks(db) == {"一": True, "二": True}
