"""Memory of one process serving many groups (issue 12): a small province, ``--groups``
chat groups bound to its villages, a question in each group through the dispatcher and the
relay; the peak RSS of the process, beside the RSS right after start-up.

    .venv/bin/python bench/groups_rss.py --groups 500
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chat_path import Sink  # noqa: E402
from bench.crash import QUESTIONS  # noqa: E402
from bench.province import SIZES, generate  # noqa: E402
from bot.language import NlpLanguage  # noqa: E402
from config import Settings  # noqa: E402
from handlers.dispatcher import Dispatcher  # noqa: E402
from handlers.ports import IncomingMessage  # noqa: E402
from handlers.relay import OutboxRelay  # noqa: E402
from handlers.routing import all_routers  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import ChatGroup  # noqa: E402
from storage.periods import Month  # noqa: E402


def rss_mib() -> float:
    """The process's peak resident set so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(url: str, groups: int, rounds: int) -> list[str]:
    """Bind the groups, then ``rounds`` questions in each."""
    size = SIZES["small"]
    settings = Settings(mode="development", database_url=url)
    db = Database(url)
    async with db.transaction() as session:
        for g in range(groups):
            session.add(ChatGroup(id=f"群{g:04d}", village_id=f"V{g % size.villages:06d}"))
    dispatcher = Dispatcher(db, settings, NlpLanguage.load(), all_routers())
    relay = OutboxRelay(db, ["bench"], Sink())
    at_start = rss_mib()
    n = 0
    for _ in range(rounds):
        for g in range(groups):
            n += 1
            await dispatcher.handle(
                IncomingMessage(
                    channel="bench",
                    sender_id=f"villager{n}",
                    sender_name=f"村民{n}",
                    text=QUESTIONS[n % len(QUESTIONS)],
                    sent_at=datetime.now(UTC),
                    group_id=f"群{g:04d}",
                    message_id=f"m{n}",
                    instance="bench",
                )
            )
            await relay.drain()
    await db.dispose()
    return [
        f"{groups} groups, {n} questions answered",
        f"peak RSS after start-up (language loaded): {at_start:6.1f} MiB",
        f"peak RSS after serving them:               {rss_mib():6.1f} MiB",
    ]


def main() -> None:
    """A fresh SQLite province in a temporary folder, then the run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/groups.db"
        generate(url, SIZES["small"], last=Month.of(datetime.now(UTC).date()), progress=False)
        for line in asyncio.run(run(url, args.groups, args.rounds)):
            print(line)


if __name__ == "__main__":
    main()
