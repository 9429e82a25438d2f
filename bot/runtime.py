"""What every entry point wires first: settings, database, language and the dispatcher.

bot/server.py (the serving process) and the commands build on it; nothing else wires these.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

from bot.language import NlpLanguage
from config import Settings
from handlers.dispatcher import Dispatcher
from handlers.routing import all_routers
from storage.db import Database


@dataclass(slots=True)
class Runtime:
    """What every channel and the web app share in one process."""

    settings: Settings
    db: Database
    dispatcher: Dispatcher

    async def close(self) -> None:
        """Release the database connections."""
        await self.db.dispose()


def build_runtime(settings: Settings, db: Database | None = None) -> Runtime:
    """Wire the runtime for ``settings`` (a given ``db`` is used as is, e.g. in tests)."""
    database = db or Database(settings.database_url)
    language = NlpLanguage.load(settings.data_dir)
    dispatcher = Dispatcher(database, settings, language, all_routers())
    return Runtime(settings, database, dispatcher)


def settle() -> None:
    """Start-up is over: collect once, then move every object alive now out of the
    garbage collector's sight (``gc.freeze``). What a serving process keeps for its life
    (modules, the classifier's data, SQLAlchemy's compiled statements) is then never
    scanned again: an oldest-generation collection through all of it stalled the chat
    path for 60-100 ms now and then (issue 12, bench/chat_path.py --rate)."""
    gc.collect()
    gc.freeze()
