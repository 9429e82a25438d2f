"""The chat pipeline in one process (issue 12): each villager question goes through the
dispatcher (dedup, classifier, ticket, replies in the outbox, one transaction) and the
relay delivers the replies; latency per message (until its reply is delivered), SQL
statements and commits per message, for one villager at a time and for ``--clients`` at
once (where group commit shares transactions), side by side with one bare ORM transaction
on the same database in the same run.

    .venv/bin/python bench/chat_path.py --url sqlite:///var/chat-bench.db --messages 2000
    .venv/bin/python bench/chat_path.py --messages 5000 --rate 1000   # and an open loop

``--rate R`` adds a run where questions arrive at R a second whatever the bot's progress
(villagers of many groups do not wait for each other's replies); a question's latency runs
from when it was due to when its reply was delivered.

Latency ends when the transport is handed the reply (what the villager waits for). The
p99 in brackets, "returned", ends when the sender's ``handle`` and ``drain`` calls
returned: that also waits for a drain already under way, and for the sent mark.

The open-loop line also says how much of the run the process's SQLite write turn was held,
by the dispatcher's transactions and by the relay's (every round needs it alone).

The database is made empty first (a file is removed; a PostgreSQL schema is dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bench.crash import GROUP, QUESTIONS, prepare  # noqa: E402
from bench.errors import one_line_errors  # noqa: E402
from bot import runtime  # noqa: E402
from bot.language import NlpLanguage  # noqa: E402
from config import Settings  # noqa: E402
from handlers.dispatcher import Dispatcher  # noqa: E402
from handlers.ports import IncomingMessage, OutgoingMessage  # noqa: E402
from handlers.relay import OutboxRelay  # noqa: E402
from handlers.routing import all_routers  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import SeenRoom  # noqa: E402


class Sink:
    """A transport that keeps nothing but when each villager's reply went out: the bench
    measures the bot, not a chat."""

    def __init__(self) -> None:
        self.sent = 0
        self.delivered: dict[str, float] = {}  # the @-mentioned villager -> when

    async def deliver(self, message: OutgoingMessage) -> None:
        """Count it, and note when the first reply to its villager went out."""
        self.sent += 1
        if message.mentions:
            self.delivered.setdefault(message.mentions[0], time.perf_counter())

    def latencies(self, started: dict[int, float]) -> list[float]:
        """Milliseconds from each question's start to its reply's delivery."""
        return [(self.delivered[f"villager{n}"] - t) * 1000 for n, t in started.items()]


class Counter:
    """Statements SQLite runs (every one: BEGIN, COMMIT, PRAGMA and the prebuilt ones run
    on the driver, through SQLite's trace callback) and commits (the engine's and its
    line's), on a SQLite database."""

    def __init__(self, db: Database) -> None:
        self.statements = 0
        self.commits = 0
        self.db = db
        self.traced = db.engine.dialect.name == "sqlite"  # PostgreSQL: statements uncounted
        if self.traced:
            event.listen(db.engine.sync_engine, "connect", self._traced)
        event.listen(db.engine.sync_engine, "commit", self._commit)
        line = getattr(db, "line", None)  # None also for code before the line (baselines)
        if line is not None:
            line.after_commit.append(self._commit)

    def trace_line(self) -> None:
        """Trace the line's connection too (open once the relay has run)."""
        driver = getattr(getattr(self.db, "line", None), "_driver", None)
        sqlite = getattr(driver, "_connection", None)
        if sqlite is not None:
            sqlite.set_trace_callback(self._statement)

    def _traced(self, dbapi_connection: Any, _record: Any) -> None:
        sqlite = dbapi_connection._connection._connection  # adapter -> aiosqlite -> sqlite3
        sqlite.set_trace_callback(self._statement)

    def _statement(self, *_: Any) -> None:
        self.statements += 1

    def _commit(self, *_: Any) -> None:
        self.commits += 1


class TurnMeter:
    """How long the process's SQLite write turn is held (``Database._write_turn``, which
    each writer of the process takes before SQLite's own lock), and by whom: the
    dispatcher's transactions or the relay's statements. On SQLite the turn is the one
    thing every round of the chat path must have alone."""

    def __init__(self, db: Database) -> None:
        self.held: dict[str, float] = {"transaction": 0.0, "statements": 0.0}
        self.on = False
        turn = getattr(db, "_write_turn", None)  # None: code before the turn (a baseline)
        if turn is not None:
            db._write_turn = self._metered(turn)  # type: ignore[method-assign]

    def _metered(self, turn: Any) -> Any:
        @asynccontextmanager
        async def metered() -> AsyncIterator[None]:
            frame: FrameType | None = sys._getframe(1)  # up to db.transaction or .statements
            while frame is not None and frame.f_code.co_name not in self.held:
                frame = frame.f_back
            who = "" if frame is None else frame.f_code.co_name
            async with turn():
                began = time.perf_counter()
                try:
                    yield
                finally:
                    if self.on and who in self.held:
                        self.held[who] += time.perf_counter() - began

        return metered

    def share(self, seconds: float) -> str:
        """The shares of ``seconds`` the turn was held, in all and by whom."""
        if not any(self.held.values()):
            return ""
        parts = {who: held / seconds * 100 for who, held in self.held.items()}
        return (
            f"  write turn held {sum(parts.values()):3.0f} % (dispatcher "
            f"{parts['transaction']:.0f} %, relay {parts['statements']:.0f} %)"
        )


def percentile(values: list[float], p: float) -> float:
    """The ``p`` quantile (0..1) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def bare(db: Database, count: int) -> float:
    """One ORM transaction per message (insert a row, commit): the floor, ms per message."""
    began = time.perf_counter()
    for n in range(count):
        async with db.transaction() as session:
            session.add(SeenRoom(id=f"bare{n}", topic="t", members=1))
    return (time.perf_counter() - began) / count * 1000


def question(n: int) -> IncomingMessage:
    """The ``n``-th villager question (one villager each, all in the bench's group)."""
    return IncomingMessage(
        channel="bench",
        sender_id=f"villager{n}",
        sender_name=f"村民{n}",
        text=QUESTIONS[n % len(QUESTIONS)],
        sent_at=datetime.now(UTC),
        group_id=GROUP,
        message_id=f"m{n}",
        instance="bench",
    )


@dataclass
class Run:
    """What a run measured: seconds in all, and per question when it started (sent, or
    was due) and how long its sender's ``handle`` and ``drain`` took to return (ms)."""

    elapsed: float
    started: dict[int, float]
    returned: list[float]


async def pipeline(
    dispatcher: Dispatcher, relay: OutboxRelay, first: int, count: int, clients: int
) -> Run:
    """``count`` questions from ``clients`` villagers speaking at once, each waiting for
    its reply to be delivered before the next."""
    started: dict[int, float] = {}
    returned: list[float] = []
    numbers = iter(range(first, first + count))

    async def client() -> None:
        for n in numbers:
            t = started[n] = time.perf_counter()
            await dispatcher.handle(question(n))
            await relay.drain()
            returned.append((time.perf_counter() - t) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return Run(time.perf_counter() - began, started, returned)


COUNSEL_CHAT_ID = "wx_chen"  # the counsel of bench.crash's roster
CHATTER = ("哈哈好的", "收到", "今晚几点开会？", "👍", "明天下雨吗", "谢谢大家")


async def chatter(dispatcher: Dispatcher, counter: Counter, first: int, count: int) -> str:
    """``count`` lines of a group's chit-chat, one at a time: the bot stays quiet, but
    each line is still deduplicated, classified and kept for a while (it may lead into a
    question). Most of a busy group's lines are such."""
    lines = [
        replace(question(n), text=CHATTER[n % len(CHATTER)]) for n in range(first, first + count)
    ]
    return await one_at_a_time("chit-chat", lines, dispatcher, None, counter)


async def follow_ups(
    dispatcher: Dispatcher, relay: OutboxRelay, counter: Counter, asked: range
) -> str:
    """A second line from each villager numbered in ``asked`` (who asked moments ago):
    it is added to their ticket (issue 10), one at a time."""
    lines = [replace(question(n), text="而且对方还威胁我", message_id=f"f{n}") for n in asked]
    return await one_at_a_time("follow-up", lines, dispatcher, relay, counter)


async def answers(
    dispatcher: Dispatcher, relay: OutboxRelay, counter: Counter, asked: range
) -> str:
    """The village's counsel answering each villager numbered in ``asked`` in the group,
    @-mentioning them by name, one at a time: each closes a ticket and sends two
    replies (the villager's rating prompt, the counsel's note)."""
    lines = [
        replace(
            question(n),
            sender_id=COUNSEL_CHAT_ID,
            sender_name="陈明远",
            text=f"@村民{n} 您好，这种情况可以先找村调委会调解。",
            message_id=f"a{n}",
        )
        for n in asked
    ]
    return await one_at_a_time("counsel answer", lines, dispatcher, relay, counter)


async def one_at_a_time(
    label: str,
    lines: list[IncomingMessage],
    dispatcher: Dispatcher,
    relay: OutboxRelay | None,
    counter: Counter,
) -> str:
    """Handle ``lines`` one after the other (each drained by ``relay``, if given): CPU,
    statements (SQLite) and commits a line."""
    statements, commits = counter.statements, counter.commits
    cpu = time.process_time()
    for line in lines:
        await dispatcher.handle(line)
        if relay is not None:
            await relay.drain()
    cpu = (time.process_time() - cpu) / len(lines) * 1000
    counted = f"  {(counter.statements - statements) / len(lines):5.1f} SQLite statements"
    return (
        f"{label}, 1 at once: {cpu:4.2f} ms CPU per line"
        + (counted if counter.traced else "")
        + f"  {(counter.commits - commits) / len(lines):4.2f} commits per line"
    )


async def arrivals(
    dispatcher: Dispatcher, relay: OutboxRelay, first: int, count: int, rate: float
) -> Run:
    """``count`` questions arriving at ``rate`` a second, whether or not the earlier ones
    are answered (open loop, as villagers of many groups speak). A question starts when
    it was due to arrive, so that the bot falling behind shows as latency."""
    started: dict[int, float] = {}
    returned: list[float] = []

    async def one(n: int, due: float) -> None:
        await dispatcher.handle(question(n))
        await relay.drain()
        returned.append((time.perf_counter() - due) * 1000)

    tasks = []
    began = time.perf_counter()
    for i in range(count):
        due = started[first + i] = began + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(first + i, due)))
    await asyncio.gather(*tasks)
    return Run(time.perf_counter() - began, started, returned)


async def run(url: str, count: int, clients: int, rate: float = 0) -> list[str]:
    """Prepare, then the pipeline one villager at a time, ``clients`` at once, and the
    bare transaction."""
    await prepare(url)
    settings = Settings(mode="development", database_url=url)
    db = Database(url)
    dispatcher = Dispatcher(db, settings, NlpLanguage.load(), all_routers())
    sink = Sink()
    relay = OutboxRelay(db, ["bench"], sink)
    counter = Counter(db)
    meter = TurnMeter(db)
    await pipeline(dispatcher, relay, 10**6, 20, 1)  # warm: connections open, statements built
    settle = getattr(runtime, "settle", None)  # None: code before it (a baseline)
    if settle is not None:
        settle()  # as `vcbot serve` does once started
    counter.trace_line()
    lines = [f"backend {url.split(':', 1)[0]}: {count} questions per run"]
    first = 0
    for crowd in dict.fromkeys((1, clients)):
        statements, commits, sent = counter.statements, counter.commits, sink.sent
        cpu = time.process_time()
        measured = await pipeline(dispatcher, relay, first, count, crowd)
        cpu = (time.process_time() - cpu) / count * 1000
        first += count
        latencies = sink.latencies(measured.started)
        lines += [
            f"{crowd:3d} at once: {count / measured.elapsed:7.0f} msg/s  p50 "
            f"{statistics.median(latencies):6.2f} ms  p99 {percentile(latencies, 0.99):6.2f} ms"
            f" (returned {percentile(measured.returned, 0.99):6.2f})"
            + (
                f"  {(counter.statements - statements) / count:5.1f} SQLite statements"
                if counter.traced
                else ""
            )
            + f"  {(counter.commits - commits) / count:4.2f} commits per message"
            f"  {cpu:4.2f} ms CPU per message  ({sink.sent - sent} replies)",
        ]
    if rate:
        cpu = time.process_time()
        meter.on = True
        measured = await arrivals(dispatcher, relay, first, count, rate)
        meter.on = False
        cpu = (time.process_time() - cpu) / count * 1000
        latencies = sink.latencies(measured.started)
        lines.append(
            f"{rate:5.0f}/s arriving: {count / measured.elapsed:5.0f} msg/s  p50 "
            f"{statistics.median(latencies):6.2f} ms  p99 {percentile(latencies, 0.99):6.2f} ms"
            f" (returned {percentile(measured.returned, 0.99):6.2f})"
            f"  max {max(latencies):6.2f} ms  {cpu:4.2f} ms CPU per message"
            + meter.share(measured.elapsed)
        )
        first += count
    # after the question runs, so that those see the database as before these were added;
    # the follow-ups come from the latest run's askers, well within the merge window
    asked = range(first - count, first)
    lines.append(await chatter(dispatcher, counter, first, count))
    lines.append(await follow_ups(dispatcher, relay, counter, asked))
    lines.append(await answers(dispatcher, relay, counter, asked))
    floor = await bare(db, 500)
    await db.dispose()
    return [*lines, f"bare ORM transaction (insert + commit): {floor:6.2f} ms"]


def main() -> None:
    """Parse, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="sqlite:///var/chat-bench.db")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50, help="villagers speaking at once")
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="also: questions arriving at this many a second, answered or not (open loop)",
    )
    args = parser.parse_args()
    if args.rate < 0 or args.messages < 1 or args.clients < 1:
        parser.error("--rate 不能为负，--messages 和 --clients 至少为 1")
    if args.url.startswith("sqlite:///"):
        Path(args.url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    with one_line_errors():
        lines = asyncio.run(run(args.url, args.messages, args.clients, args.rate))
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
