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
        taken = bool(
            conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar()
        )
        conn.commit()
        if taken:
            self._conn = conn
        else:
            conn.close()
        return taken

    def release(self) -> None:
        """Drop the connection (and with it the lock)."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
        self._engine.dispose()


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
    retry_seconds: float = 5.0,
) -> None:
    """Wait until this process holds ``lock``, then ``start()``; hold it until ``stop``."""
    try:
        while not stop.is_set():
            if await asyncio.to_thread(lock.try_acquire):
                log.info("this process leads: it runs the reminder scheduler")
                await start()
                await stop.wait()
                return
            log.info("another process runs the reminder scheduler; standing by")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), retry_seconds)
    finally:
        await asyncio.to_thread(lock.release)
