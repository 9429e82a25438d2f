"""One scheduler in total, whatever the number of bot processes (issue 9, several accounts).

Several processes (one WeChat account each) may share one database; the reminder
scheduler must run in exactly one of them. A process *leads* while it holds a lock
that the operating system or the database releases when the process dies:

* PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a connection kept
  open for as long as the process leads; the server releases it when that connection
  drops, dead process included.
* SQLite: an exclusive ``flock`` on ``<database file>.scheduler.lock``; the kernel
  releases it when the process dies.

The others stand by and try again every few seconds, so one of them takes over within
that time when the leader dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from storage.db import is_sqlite, make_sync_engine

log = logging.getLogger(__name__)

LOCK_KEY = 0x76636274  # "vcbt": the advisory lock of the reminder scheduler


class Lock(Protocol):
    """A lock that is released when its holder dies."""

    def try_acquire(self) -> bool:
        """Take it if free; True when held (again) by this process."""
        ...

    def still_held(self) -> bool:
        """True while this process still holds it (a dropped connection loses it)."""
        ...

    def release(self) -> None:
        """Let it go."""
        ...


class AdvisoryLock:
    """PostgreSQL's session advisory lock, on a connection of its own."""

    def __init__(self, url: str) -> None:
        self._engine = make_sync_engine(url)
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        """Take the lock if no other session holds it."""
        if self._conn is not None:
            return True
        conn = self._engine.connect()
        try:
            query = text("SELECT pg_try_advisory_lock(:k)")
            taken = bool(conn.execute(query, {"k": LOCK_KEY}).scalar())
            conn.commit()
        except Exception:
            conn.close()
            raise
        if taken:
            self._conn = conn
        else:
            conn.close()
        return taken

    def still_held(self) -> bool:
        """The lock lives as long as its session: ask that session whether it holds it."""
        if self._conn is None:
            return False
        try:
            query = text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND objid = :k AND pid = pg_backend_pid() AND granted"
            )
            held = bool(self._conn.execute(query, {"k": LOCK_KEY}).scalar())
            self._conn.commit()
        except Exception:
            held = False
        if not held:
            self._drop()
        return held

    def release(self) -> None:
        """Drop the connection (and with it the lock)."""
        self._drop()
        self._engine.dispose()

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None


class FileLock:
    """An exclusive flock on a file beside the SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        """Take the lock if no other process holds it."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def still_held(self) -> bool:
        """An flock is held until released or until the process dies."""
        return self._fd is not None

    def release(self) -> None:
        """Unlock and close."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def scheduler_lock(url: str) -> Lock:
    """The lock that elects the scheduler's process for this database."""
    if is_sqlite(url):
        database = make_url(url).database or "vcbot.db"
        return FileLock(Path(f"{database}.scheduler.lock"))
    return AdvisoryLock(url)


async def lead(
    lock: Lock,
    stop: asyncio.Event,
    start: Callable[[], Awaitable[None]],
    *,
    stop_leading: Callable[[], None] = lambda: None,
    retry_seconds: float = 5.0,
) -> None:
    """Lead whenever this process can: take ``lock``, ``start()``, and check every few
    seconds that the lock is still held. On ``stop``, or when the lock is lost (the
    database restarted), ``stop_leading()`` comes first and only then is the lock let go,
    so two schedulers never run at once. A failed try is logged and tried again."""
    try:
        while not stop.is_set():
            if await _attempt(lock.try_acquire):
                log.info("this process leads: it runs the reminder scheduler")
                await start()
                while not stop.is_set() and await _attempt(lock.still_held):
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), retry_seconds)
                stop_leading()
                if not stop.is_set():
                    log.warning("the scheduler lock was lost; standing by")
                continue
            log.info("another process runs the reminder scheduler; standing by")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), retry_seconds)
    finally:
        await asyncio.to_thread(lock.release)


async def _attempt(check: Callable[[], bool]) -> bool:
    """Run a blocking lock call in a thread; a failure counts as no."""
    try:
        return await asyncio.to_thread(check)
    except Exception as err:
        log.warning("scheduler lock: %r; trying again", err)
        return False
