"""The chat path's roster lookups kept in memory while the roster stands (issue 12).

Every group message asks who the group's village is, whether the sender is a counsel
and, for a question, who the village's counsel are. Through the ORM each of those cost
190–390 µs of CPU; the roster changes a few times a month. A lookup here first reads
the roster's token (one prebuilt statement on the driver, in the caller's transaction,
:class:`storage.models.RosterVersion`), and answers from memory when what it keeps was
read under that same token.

The token is changed by triggers in the transaction that changes the roster, so:

- a change by anyone (another process, the console, the CLI) is seen by the next lookup;
- a transaction sees its own uncommitted change (it reads its own token);
- a rolled-back change puts back the old token, under which the old values were read;
  values read under the rolled-back token are never asked for again (it was random).

What is kept are detached copies, built from columns (:func:`storage.db.detached`; never
the session's own objects, which a rollback would expire): read-only, never to be
changed or added to a session. A database without the token row (made by hand, not by
the migrations) is not cached.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Engine, Pool, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import WRITES
from storage.models import RosterVersion
from storage.prepared import Prepared, connection_info

T = TypeVar("T")
MAX_ENTRIES = 20_000  # a province's groups and villages; older entries are dropped first

_SEEN = "vcbot_roster_token"  # session.info: (transaction, writes, token)
_TOKEN = Prepared(lambda _: select(col(RosterVersion.token)).where(col(RosterVersion.id) == 1))


class _Kept:
    """One database's kept lookups: key -> (token, value), least recently used first."""

    def __init__(self) -> None:
        self.entries: OrderedDict[Hashable, tuple[str, Any]] = OrderedDict()
        self.hits = 0
        self.misses = 0


# by the engine's pool: the engines of one database with other execution options (the
# writers' BEGIN IMMEDIATE, PostgreSQL's autocommit glances) share it
_kept: weakref.WeakKeyDictionary[Pool, _Kept] = weakref.WeakKeyDictionary()


def _kept_for(session: AsyncSession) -> _Kept:
    bind = session.get_bind()
    pool = bind.pool if isinstance(bind, Engine) else bind.engine.pool
    kept = _kept.get(pool)
    if kept is None:
        kept = _kept[pool] = _Kept()
    return kept


async def lookup(session: AsyncSession, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
    """The value of ``load()`` for ``key``, from memory when read under the roster's
    current token; ``load`` must return detached values (see the module's doc)."""
    current = await token(session)
    if current is None:  # no token row: nothing can be kept safely
        return await load()
    kept = _kept_for(session)
    found = kept.entries.get(key)
    if found is not None and found[0] == current:
        kept.entries.move_to_end(key)
        kept.hits += 1
        value: T = found[1]
        return value
    kept.misses += 1
    value = await load()
    kept.entries[key] = (current, value)
    kept.entries.move_to_end(key)
    while len(kept.entries) > MAX_ENTRIES:
        kept.entries.popitem(last=False)
    return value


async def token(session: AsyncSession) -> str | None:
    """The roster's token as the session's transaction sees it (None: the database has
    no token row; equal tokens mean an unchanged roster): read once, and again
    only after a statement that may have changed the roster (any statement through
    SQLAlchemy other than a SELECT, a flush included, and a prebuilt one on a roster
    table: :data:`storage.db.WRITES`)."""
    info = await connection_info(session)
    writes = info.get(WRITES, 0)
    transaction = session.sync_session.get_transaction()
    kept = session.info.get(_SEEN)
    if kept is not None and kept[0] is transaction and kept[1] == writes:
        seen: str | None = kept[2]
        return seen
    row = await _TOKEN.first(session)
    current = None if row is None else str(row[0])
    session.info[_SEEN] = (transaction, writes, current)
    return current


def counts(session: AsyncSession) -> tuple[int, int]:
    """Hits and misses of the session's database so far (for tests and benches)."""
    kept = _kept_for(session)
    return kept.hits, kept.misses
