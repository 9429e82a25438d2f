"""The durable outbox: what the bot sends is written first, delivered after commit.

Delivery is a claim, not a read. A relay claims a batch of due rows (an atomic
conditional UPDATE; PostgreSQL skips rows another relay holds), sends them, and marks
them sent: a paced relay each right after its send, an unpaced one (whose sends take
milliseconds) the whole batch in one transaction, which is the next batch's claim when
that follows at once (:func:`mark_sent_and_claim`). On SQLite, claims and marks ride the
transaction that holds the process's write turn, if one does (:mod:`storage.turn`): that
transaction's own replies are claimed in it too. A claim carries a lease: a row still
unsent when its lease has run out belonged to a sender that died or hung mid-send, so it
may or may not have reached the chat. It is marked *uncertain* and reported, never sent
again blindly (a duplicated WeChat message is worse than a reported one). A send that
failed for sure is released with a back-off and retried, up to :data:`MAX_ATTEMPTS`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import cache
from types import ModuleType
from typing import Any

from sqlalchemy import BindParameter, Integer, bindparam, func, update
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database, Executor, insert_params, new_row, param, table_of
from storage.models import InboundMessage, OutboxMessage, utcnow
from storage.prepared import Prepared

MAX_ATTEMPTS = 8
DEFAULT_LEASE = timedelta(seconds=60)


async def enqueue(
    session: AsyncSession,
    *,
    channel: str,
    target_kind: str,
    target_id: str,
    text: str,
    mentions: Sequence[str] = (),
    not_before: datetime | None = None,
    dedup_key: str | None = None,
) -> bool:
    """Add a message to the outbox in the caller's transaction; True when queued.

    With ``dedup_key`` a message already queued under that key is not queued again
    (False), also when another process queues the same key at the same moment: the
    insert yields to the unique key instead of failing.
    """
    given: dict[str, Any] = {
        "channel": channel,
        "target_kind": target_kind,
        "target_id": target_id,
        "text": text,
        "mentions": list(mentions),
        "dedup_key": dedup_key,
    }
    if not_before is not None:
        given["not_before"] = not_before
    statement = _ENQUEUE if dedup_key is None else _ENQUEUE_ONCE
    return await statement.first(session, new_row(OutboxMessage, given)) is not None


def _enqueue_statement(dialect_name: str, *, dedup: bool) -> UpdateBase:
    """The outbox insert for a backend (issue 12)."""
    dialect = _dialect(dialect_name)
    # on the table, not the entity: the ORM would take a dict of values for a bulk insert
    # and build a new statement each time
    stmt = dialect.insert(table_of(OutboxMessage)).values(insert_params(OutboxMessage))
    if dedup:
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedup_key"])
    built: UpdateBase = stmt.returning(col(OutboxMessage.id))
    return built


_ENQUEUE = Prepared(lambda backend: _enqueue_statement(backend, dedup=False))
_ENQUEUE_ONCE = Prepared(lambda backend: _enqueue_statement(backend, dedup=True))


def _dialect(name: str) -> ModuleType:
    """The dialect module with the backend's INSERT … ON CONFLICT, imported when first
    needed (PostgreSQL's dialects cost a SQLite process 25 ms of start-up)."""
    if name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql
    from sqlalchemy.dialects import sqlite

    return sqlite


def _seen_statement(dialect_name: str) -> UpdateBase:
    """The inbound dedup insert for a backend (issue 12)."""
    dialect = _dialect(dialect_name)
    built: UpdateBase = (
        dialect.insert(table_of(InboundMessage))
        .values(
            channel=param(InboundMessage.channel),
            message_id=param(InboundMessage.message_id),
            received_at=param(InboundMessage.received_at),
        )
        .on_conflict_do_nothing(index_elements=["channel", "message_id"])
        .returning(col(InboundMessage.message_id))
    )
    return built


_SEEN = Prepared(_seen_statement)


def _claimable(channels: int) -> ColumnElement[bool]:
    """Due and free, for the parameters ``channel_0`` … (``channels`` of them) and
    ``now``."""
    return (
        col(OutboxMessage.sent_at).is_(None)
        & col(OutboxMessage.claim_token).is_(None)
        & col(OutboxMessage.uncertain_at).is_(None)
        & col(OutboxMessage.channel).in_(_numbered(OutboxMessage.channel, "channel", channels))
        & (col(OutboxMessage.not_before) <= param(OutboxMessage.not_before, "now"))
        & (col(OutboxMessage.attempts) < MAX_ATTEMPTS)
    )


def _numbered(column: Any, name: str, count: int) -> list[BindParameter[Any]]:
    """``count`` parameters ``name_0`` … typed like ``column``: a prebuilt statement's
    ``IN`` (an expanding parameter would be rewritten at each execution)."""
    return [param(column, f"{name}_{n}") for n in range(count)]


def _given(name: str, values: Sequence[Any]) -> dict[str, Any]:
    """The values of :func:`_numbered`'s parameters."""
    return {f"{name}_{n}": value for n, value in enumerate(values)}


# The relay's statements, prebuilt per number of channels or of rows and run on the
# driver: building them per batch was half of an unpaced relay's CPU, and running them
# through the ORM session half of what was left (issue 12).
_OUTBOX = table_of(OutboxMessage)


@cache
def _due(channels: int) -> Prepared:
    return Prepared(
        lambda _: (
            select(OutboxMessage.id)
            .where(_claimable(channels))
            .order_by(col(OutboxMessage.id))
            .limit(bindparam("limit", type_=Integer))
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's write lock serialises
        )
    )


@dataclass(frozen=True, slots=True)
class ClaimedRow:
    """What a relay needs of a row it claimed: where it goes, what it says, how often it
    was tried. A plain record: an ORM object per claimed row cost 0.17 ms (issue 12)."""

    id: int
    target_kind: str
    target_id: str
    text: str
    mentions: list[str]
    attempts: int


_CLAIMED = tuple(f.name for f in fields(ClaimedRow))


@cache
def _claim(channels: int, rows: int) -> Prepared:
    return Prepared(
        lambda _: (
            update(_OUTBOX)
            .where(_OUTBOX.c.id.in_(_numbered(OutboxMessage.id, "id", rows)), _claimable(channels))
            .values(
                claim_token=bindparam("token"),
                lease_until=param(OutboxMessage.lease_until),
                attempts=_OUTBOX.c.attempts + 1,
            )
            .returning(*(_OUTBOX.c[name] for name in _CLAIMED))  # as they now are: no second read
        )
    )


@cache
def _mark_sent(rows: int) -> Prepared:
    return Prepared(
        lambda _: (
            update(_OUTBOX)
            .where(
                _OUTBOX.c.id.in_(_numbered(OutboxMessage.id, "id", rows)),
                _OUTBOX.c.claim_token == bindparam("token"),
            )
            .values(
                sent_at=param(OutboxMessage.sent_at, "when"), lease_until=None, uncertain_at=None
            )
            .returning(_OUTBOX.c.id)
        )
    )


@dataclass(frozen=True, slots=True)
class Claim:
    """A row this relay holds, and the token that proves it."""

    row: ClaimedRow
    token: str


async def claim_next(
    db: Database, channels: Sequence[str], now: datetime, lease: timedelta = DEFAULT_LEASE
) -> Claim | None:
    """Claim the oldest due row of ``channels`` for one send, or None when none is due."""
    claims = await claim_batch(db, channels, now, lease, limit=1)
    return claims[0] if claims else None


async def claim_batch(
    db: Database,
    channels: Sequence[str],
    now: datetime,
    lease: timedelta = DEFAULT_LEASE,
    *,
    limit: int = 20,
) -> list[Claim]:
    """Claim up to ``limit`` of the oldest due rows of ``channels`` in one transaction, in
    id order (issue 12: one claim per batch, not per message). A crash before a row is
    marked sent leaves it unmarked: reported uncertain when its lease runs out, never
    resent."""
    _, claims = await mark_sent_and_claim(db, (), channels, lambda: now, lease, limit=limit)
    return claims


async def mark_sent_and_claim(
    db: Database,
    sent: Sequence[Claim],
    channels: Sequence[str],
    clock: Callable[[], datetime],
    lease: timedelta = DEFAULT_LEASE,
    *,
    limit: int = 20,
) -> tuple[list[int], list[Claim]]:
    """Record the deliveries of ``sent`` and claim the next batch, in one transaction: a
    relay's drain that follows straight on the one before saves a commit (issue 12). The
    ids that could not be marked (their claim lost meanwhile), and the new claims.

    It rides the transaction that holds this process's write turn, if one does
    (:meth:`storage.db.Database.ride`): the claims are on disk when it returns, and
    "due" is what is due when it runs (``clock()`` then), replies queued by that very
    transaction included."""

    async def work(on: Executor) -> tuple[list[int], list[Claim]]:
        now = clock()
        lapsed = await _mark_sent_on(on, sent, now)
        return lapsed, await _claim_on(on, channels, now, lease, limit)

    return await db.ride(work)


async def _claim_on(
    connection: Executor, channels: Sequence[str], now: datetime, lease: timedelta, limit: int
) -> list[Claim]:
    token = uuid.uuid4().hex
    due = {**_given("channel", channels), "now": now}
    # the SELECT locks the rows (PostgreSQL) before the UPDATE names them: no IN over a
    # SKIP LOCKED subquery, which PostgreSQL may run again per row
    found = await _due(len(channels)).rows(connection, {**due, "limit": limit})
    ids = [i for (i,) in found]
    if not ids:
        return []
    values = {**due, **_given("id", ids), "token": token, "lease_until": now + lease}
    claimed = await _claim(len(channels), len(ids)).rows(connection, values)
    rows = sorted((ClaimedRow(*row) for row in claimed), key=_by_id)
    return [Claim(row, token) for row in rows]


def _by_id(row: ClaimedRow) -> int:
    return row.id


async def mark_sent(db: Database, claim: Claim, when: datetime) -> bool:
    """Record a delivery; False when the claim was lost (the row had been marked uncertain,
    which this corrects: it did go out, once)."""
    async with db.transaction() as session:
        result = await session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == claim.row.id, col(OutboxMessage.claim_token) == claim.token
            )
            .values(sent_at=when, lease_until=None, uncertain_at=None)
        )
    return bool(result.rowcount)


async def mark_sent_many(db: Database, claims: Sequence[Claim], when: datetime) -> list[int]:
    """Record the deliveries of several claims in one transaction (an unpaced relay's
    batch, issue 12), riding the writer that holds the turn if one does; the ids it
    could not mark, their claim lost meanwhile."""

    async def work(on: Executor) -> list[int]:
        return await _mark_sent_on(on, claims, when)

    return await db.ride(work)


async def _mark_sent_on(connection: Executor, claims: Sequence[Claim], when: datetime) -> list[int]:
    by_token: dict[str, list[int]] = {}
    for claim in claims:
        by_token.setdefault(claim.token, []).append(claim.row.id)
    marked: set[int] = set()
    for token, ids in by_token.items():
        values = {**_given("id", ids), "token": token, "when": when}
        marked.update(i for (i,) in await _mark_sent(len(ids)).rows(connection, values))
    return sorted(i for ids in by_token.values() for i in ids if i not in marked)


async def mark_failed(db: Database, claim: Claim, error: str, when: datetime) -> None:
    """A send that surely failed: release the row and back off before the next try.

    Only while the claim's lease holds: a claim that outlived its lease may have been
    reported uncertain already, or may yet be, so it is reported uncertain instead.
    """
    backoff = timedelta(seconds=2**claim.row.attempts)
    async with db.transaction() as session:
        result = await session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == claim.row.id,
                col(OutboxMessage.claim_token) == claim.token,
                col(OutboxMessage.uncertain_at).is_(None),
                col(OutboxMessage.lease_until) >= when,
            )
            .values(
                claim_token=None,
                lease_until=None,
                last_error=error[:500],
                not_before=when + backoff,
            )
        )
    if not result.rowcount:
        await mark_uncertain(db, claim, error, when)


async def release(db: Database, claim: Claim) -> None:
    """Give a claimed row back untouched (the transport was not there to try): the
    attempt does not count, and it is due again at once."""
    async with db.transaction() as session:
        await session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == claim.row.id, col(OutboxMessage.claim_token) == claim.token
            )
            .values(claim_token=None, lease_until=None, attempts=OutboxMessage.attempts - 1)
        )


async def mark_uncertain(db: Database, claim: Claim, error: str, when: datetime) -> None:
    """A send that may have partly gone out: report it, never resend it on its own."""
    async with db.transaction() as session:
        await session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == claim.row.id, col(OutboxMessage.claim_token) == claim.token
            )
            .values(uncertain_at=when, lease_until=None, last_error=error[:500])
        )


async def expire_leases(db: Database, now: datetime) -> list[int]:
    """Mark uncertain every claimed, unsent row whose lease ran out; the ids it marked."""
    stale = (
        col(OutboxMessage.sent_at).is_(None)
        & col(OutboxMessage.claim_token).is_not(None)
        & col(OutboxMessage.uncertain_at).is_(None)
        & (col(OutboxMessage.lease_until) < now)
    )
    async with db.transaction() as session:
        marked = await session.exec(
            update(OutboxMessage)
            .where(stale)
            .values(uncertain_at=now)
            .returning(col(OutboxMessage.id))
            .execution_options(synchronize_session=False)
        )
        return sorted(i for i in marked.scalars() if i is not None)


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    """How the outbox stands, per state."""

    pending: int
    sent: int
    uncertain: int
    given_up: int  # failed MAX_ATTEMPTS times


async def counts(db: Database) -> OutboxCounts:
    """The outbox's rows counted by state."""
    m = OutboxMessage
    states = {
        "sent": col(m.sent_at).is_not(None),
        "uncertain": col(m.sent_at).is_(None) & col(m.uncertain_at).is_not(None),
        "given_up": col(m.sent_at).is_(None)
        & col(m.uncertain_at).is_(None)
        & (col(m.attempts) >= MAX_ATTEMPTS)
        & col(m.claim_token).is_(None),
    }
    async with db.read() as session:
        found = {
            name: (await session.exec(select(func.count()).where(cond))).one()
            for name, cond in states.items()
        }
        total = (await session.exec(select(func.count()).select_from(m))).one()
    return OutboxCounts(total - sum(found.values()), **found)


async def uncertain(db: Database, limit: int = 100) -> list[OutboxMessage]:
    """Rows that may or may not have gone out, newest first."""
    stmt = (
        select(OutboxMessage)
        .where(col(OutboxMessage.sent_at).is_(None), col(OutboxMessage.uncertain_at).is_not(None))
        .order_by(col(OutboxMessage.id).desc())
        .limit(limit)
    )
    async with db.read() as session:
        return list(await session.exec(stmt))


async def first_time_seen(session: AsyncSession, channel: str, message_id: str) -> bool:
    """Record an incoming message id; False when it was handled before (redelivery).

    One ``INSERT … ON CONFLICT DO NOTHING`` (issue 12): the row it returns says whether
    this message is new, with no SELECT first and no SAVEPOINT around it."""
    values = {"channel": channel, "message_id": message_id, "received_at": utcnow()}
    return await _SEEN.first(session, values) is not None
