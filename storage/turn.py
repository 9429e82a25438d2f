"""The process's SQLite write turn, and short prebuilt work that rides the next write
transaction instead of paying for one of its own (issue 12).

SQLite lets one writer in at a time, so this process's writers take turns before they
ask for SQLite's lock (see :meth:`storage.db.Database.transaction`). Under load the turn
is nearly always held: the dispatcher's batches follow one another, and the relay's
claims and marks queued between them, each in a transaction of its own with its own
fsync'd COMMIT. Yet a claim is two statements: it can as well be committed by the
transaction that holds the turn when it asks, or by the next one.

A :class:`Rider` is such work. Asked for while the turn is free, it runs at once in a
transaction of its own, as before. Asked for while the turn is held, it waits; the
holder runs every waiting rider at the end of its own work, just before its COMMIT, and
hands each its result once that COMMIT is done (never before: a claim must be on disk
before its message is sent). A holder that fails puts its riders back for the next
transaction. When the turn is let go with riders still waiting (they came while the
holder was committing) and no other writer takes it at once, a transaction of their own
takes them.

Riders run only on SQLite, where a statement that fails undoes itself and leaves the
transaction usable, so a rider's error is its own: it is handed to the rider after the
holder's COMMIT, and the holder's work stands.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from storage.line import LoopLock


@dataclass(eq=False)
class Rider:
    """Work waiting for the next write transaction, and what came of it."""

    work: Callable[[Any], Awaitable[Any]]
    done: asyncio.Future[Any]
    outcome: list[Any] = field(default_factory=list)  # [result] or [] (failed)
    error: BaseException | None = None


class Turn:
    """One process's SQLite write turn, in order of asking, and the riders waiting for
    it to be let go. ``alone`` runs waiting riders in a transaction of their own."""

    def __init__(self, timeout: float, alone: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self.timeout = timeout
        self._alone = alone
        self._locks = LoopLock()
        self._riders: list[Rider] = []
        self._looking = False  # a look for a free turn is scheduled

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Hold the turn: wait for the writers before (up to ``timeout``, then fail as
        SQLite would)."""
        lock = self._locks.get()
        try:
            async with asyncio.timeout(self.timeout):
                await lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError(
                "database is locked (another writer of this process)"
            ) from None
        try:
            yield
        finally:
            lock.release()
            if self._riders:
                self._look_soon()

    def busy(self) -> bool:
        """True while a writer of this process holds the turn."""
        return self._locks.get().locked()

    async def wait_for_holder(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        """Leave ``work`` to the next holder; its result once that holder committed."""
        rider = Rider(work, asyncio.get_running_loop().create_future())
        self._riders.append(rider)
        try:
            return await rider.done
        finally:
            if rider in self._riders:  # given up (cancelled) before any holder took it
                self._riders.remove(rider)

    def waiting(self) -> bool:
        """True when a rider still waits for a transaction."""
        return any(not r.done.done() for r in self._riders)

    def fail(self, err: BaseException) -> None:
        """Tell every waiting rider that the transaction meant to carry it failed."""
        for rider in self.take():
            rider.done.set_exception(err)

    def take(self) -> list[Rider]:
        """The waiting riders whose callers still wait, taken to be run now."""
        riders = [r for r in self._riders if not r.done.done()]
        self._riders.clear()
        return riders

    async def run(self, riders: list[Rider], on: Any) -> None:
        """Run each rider's work on ``on`` (the holder's transaction); a rider's error is
        kept for it, never raised into the holder's work."""
        for rider in riders:
            try:
                rider.outcome = [await rider.work(on)]
            except Exception as err:
                rider.error = err

    @staticmethod
    def deliver(riders: list[Rider]) -> None:
        """The holder committed: hand each rider its result or its error."""
        for rider in riders:
            if rider.done.done():
                continue
            if rider.error is not None:
                rider.done.set_exception(rider.error)
            else:
                rider.done.set_result(rider.outcome[0])

    def put_back(self, riders: list[Rider]) -> None:
        """The holder failed: its riders' work was undone with it; they wait again, first."""
        for rider in riders:
            rider.outcome, rider.error = [], None
        self._riders[:0] = [r for r in riders if not r.done.done()]

    def _look_soon(self) -> None:
        """Once the code that let the turn go has had its chance to take it again (the
        dispatcher's next batch takes it at once, and carries the riders), a transaction
        of their own for any riders still waiting on a free turn."""
        if not self._looking:
            self._looking = True
            asyncio.get_running_loop().call_soon(self._look)

    def _look(self) -> None:
        self._looking = False
        if self._riders and not self.busy():
            task = asyncio.get_running_loop().create_task(self._alone())
            _RUNNING.add(task)
            task.add_done_callback(_RUNNING.discard)


_RUNNING: set[asyncio.Task[None]] = set()  # the riders' own transactions, kept from the GC
