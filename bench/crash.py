"""Crash test of the chat path (issue 8): exactly once under concurrency, at most once
across crashes, nothing lost.

Two worker processes (channel instances ``crash:A`` and ``crash:B``, as two WeChat
accounts would be) take the same burst of questions, each in its own order, through the
real dispatcher, outbox and relay. Each delivery is appended to a file (the "wire") and
fsync'd before the relay marks it sent. The driver kills a random worker with SIGKILL
at random moments and starts it again, until both have gone through every question.
Then it checks, per question: stored once; its reply on the wire at most once; and a
reply that never reached the wire is reported as uncertain. Duplicates or losses make
the exit code 1.

Run: ``.venv/bin/python bench/crash.py`` (1,000 questions, SQLite) or
``.venv/bin/python bench/crash.py --questions 300 --db postgresql://postgres@127.0.0.1/test``
(that database is reset). ``tests/hostile/test_crash.py`` runs a smoke size.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.errors import one_line_errors  # noqa: E402
from bot.language import NlpLanguage  # noqa: E402
from config import Settings  # noqa: E402
from handlers.dispatcher import Dispatcher  # noqa: E402
from handlers.ports import IncomingMessage, OutgoingMessage  # noqa: E402
from handlers.relay import OutboxRelay  # noqa: E402
from handlers.routing import all_routers  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.services import outbox  # noqa: E402
from storage.services.directory import bind_group  # noqa: E402
from storage.services.roster import COLUMNS, import_roster  # noqa: E402

GROUP: Final = "崩溃测试群"
LEASE: Final = timedelta(seconds=2)  # a claim older than this belonged to a dead sender
QUESTIONS: Final = (
    "隔壁把我家宅基地占了一半，该找谁",
    "老板欠了三个月工钱不给，咋办",
    "承包地被村里收回去了没给补偿怎么办",
    "借给亲戚五万块钱不还，有借条，怎么要回来",
    "离婚后孩子抚养费对方不给怎么办",
)
ASKER: Final = re.compile(r"@村民(\d+)")


def asker(n: int) -> str:
    """The villager who asks question ``n`` (named in the bot's reply)."""
    return f"村民{n}"


class Wire:
    """A transport that appends each delivery to a file and syncs it: once written, sent."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def deliver(self, message: OutgoingMessage) -> None:
        """Append the message's first line and fsync."""
        first_line = message.text.splitlines()[0] if message.text else ""
        with self.path.open("a", encoding="utf-8") as wire:
            wire.write(first_line.replace("\t", " ") + "\n")
            wire.flush()
            os.fsync(wire.fileno())


async def work(db_url: str, instance: str, count: int, descending: bool, wire: Path) -> None:
    """Take every question (dedup makes the second taker a no-op), replying as we go."""
    settings = Settings(mode="development", database_url=db_url)
    db = Database(db_url)
    dispatcher = Dispatcher(db, settings, NlpLanguage.load(), all_routers())
    relay = OutboxRelay(db, [instance], Wire(wire), lease=LEASE)
    order = range(count - 1, -1, -1) if descending else range(count)
    for n in order:
        message = IncomingMessage(
            channel="crash",
            sender_id=f"villager{n}",
            sender_name=asker(n),
            text=QUESTIONS[n % len(QUESTIONS)],
            sent_at=datetime.now(UTC),
            group_id=GROUP,
            message_id=f"q{n}",
            instance=instance,
        )
        await dispatcher.handle(message)
        await relay.drain()
    await asyncio.sleep(LEASE.total_seconds() + 0.2)  # then report what a dead sender left
    await relay.drain()
    await db.dispose()


async def prepare(db_url: str) -> None:
    """A migrated, empty database with one village and its counsel, the group bound."""
    from sqlalchemy import text

    from storage.db import make_sync_engine

    if db_url.startswith("postgresql"):
        engine = make_sync_engine(db_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(db_url)
    db = Database(db_url)
    roster = (
        ",".join(COLUMNS)
        + "\n示范县,东岭镇,DL01,南岗村,否,L001,陈明远,示范所,0000-1,c@x.example,wx_chen,否\n"
    )
    await import_roster(db, roster, Settings().quota)
    async with db.transaction() as session:
        await bind_group(session, GROUP, "DL01", actor="bench")
    await db.dispose()


@dataclass
class Verdict:
    """What the run left behind, per question."""

    questions: int
    stored: int
    delivered_once: int
    duplicated: int
    uncertain_not_delivered: int
    uncertain_but_delivered: int
    lost: int

    @property
    def ok(self) -> bool:
        """No duplicate, nothing lost."""
        return self.duplicated == 0 and self.lost == 0 and self.stored == self.questions


async def verify(db_url: str, count: int, lines: list[str]) -> Verdict:
    """Compare what reached the wire (its ``lines``) with the database."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from storage.models import OutboxMessage, Question

    on_wire = Counter(int(m[1]) for line in lines if (m := ASKER.search(line)))
    db = Database(db_url)
    await asyncio.sleep(LEASE.total_seconds())
    await outbox.expire_leases(db, datetime.now(UTC))  # what the next relay tick reports
    async with db.read() as s:
        stored = (await s.exec(select(func.count()).select_from(Question))).one()
        rows = list(await s.exec(select(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None))))
    await db.dispose()
    uncertain = {int(m[1]) for r in rows if r.uncertain_at and (m := ASKER.search(r.text))}
    verdict = Verdict(count, stored, 0, 0, 0, 0, 0)
    for n in range(count):
        times = on_wire.get(n, 0)
        if times > 1:
            verdict.duplicated += 1
        elif times == 1:
            verdict.delivered_once += 1
            verdict.uncertain_but_delivered += n in uncertain
        elif n in uncertain:
            verdict.uncertain_not_delivered += 1
        else:
            verdict.lost += 1
    return verdict


def start_worker(args: argparse.Namespace, name: str, wire: Path) -> subprocess.Popen[bytes]:
    """A worker process for channel instance ``crash:<name>``."""
    command = [sys.executable, __file__, "worker", "--db", args.db, "--instance", f"crash:{name}"]
    command += ["--questions", str(args.questions), "--wire", str(wire)]
    command += ["--descending"] if name == "B" else []
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)


def drive(args: argparse.Namespace, wire: Path) -> tuple[int, float]:
    """Run both workers, killing one at random moments; the number of kills, the seconds."""
    rng = random.Random(args.seed)
    workers = {name: start_worker(args, name, wire) for name in "AB"}
    kills, started = 0, time.monotonic()
    while any(p.poll() is None for p in workers.values()):
        time.sleep(rng.uniform(args.min_gap, args.max_gap))
        alive = [n for n, p in workers.items() if p.poll() is None]
        if not alive or kills >= args.kills:
            continue
        name = rng.choice(alive)
        workers[name].send_signal(signal.SIGKILL)
        workers[name].wait()
        kills += 1
        workers[name] = start_worker(args, name, wire)
    failed = [n for n, p in workers.items() if p.returncode != 0]
    if failed:
        raise SystemExit(f"worker {failed} ended with an error")
    return kills, time.monotonic() - started


def run(args: argparse.Namespace) -> int:
    """Prepare, drive, verify, print the figures; 1 when anything was duplicated or lost."""
    folder = Path(tempfile.mkdtemp(prefix="vcbot-crash-"))
    args.db = args.db or f"sqlite:///{folder / 'crash.db'}"
    wire = folder / "wire.txt"
    asyncio.run(prepare(args.db))
    kills, seconds = drive(args, wire)
    lines = wire.read_text(encoding="utf-8").splitlines() if wire.exists() else []
    v = asyncio.run(verify(args.db, args.questions, lines))
    backend = "PostgreSQL" if args.db.startswith("postgresql") else "SQLite"
    print(
        f"crash test: {v.questions} questions, 2 workers, {kills} kill -9, {backend}, {seconds:.1f} s"
    )
    print(f"questions stored once:                 {v.stored}")
    print(f"replies delivered exactly once:        {v.delivered_once}")
    print(f"  of which also reported uncertain:    {v.uncertain_but_delivered}")
    print(f"replies not delivered, reported:       {v.uncertain_not_delivered}")
    print(f"replies delivered twice or more:       {v.duplicated}")
    print(f"questions lost (no reply, no report):  {v.lost}")
    print("OK" if v.ok else "FAILED")
    return 0 if v.ok else 1


def main() -> int:
    """``run`` (default) or ``worker``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="run", choices=["run", "worker"])
    parser.add_argument("--db", default="")
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=25)
    parser.add_argument("--min-gap", type=float, default=0.3)
    parser.add_argument("--max-gap", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--instance", default="crash:A")
    parser.add_argument("--wire", default="")
    parser.add_argument("--descending", action="store_true")
    args = parser.parse_args()
    with one_line_errors():
        if args.mode == "worker":
            wire = Path(args.wire)
            asyncio.run(work(args.db, args.instance, args.questions, args.descending, wire))
            return 0
        return run(args)


if __name__ == "__main__":
    sys.exit(main())
