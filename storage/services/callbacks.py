"""Phone call-backs that verify service-log entries (Q12: supervision against false logs).

A bureau user calls the villager or the village cadre named in an entry and records what
they said: 属实 (confirmed), 不属实 (disputed) or 未接通 (unreachable). Each check is
kept, with an audit row; the log shows the latest one of each entry."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import InvalidInput
from storage.models import AuditEntry, CallbackCheck, ServiceLogEntry
from storage.periods import Month
from storage.privacy import mask_personal_numbers
from storage.services.ledger import ENTITY
from storage.services.scope import Scope, check_entry, county_ids, villages_of_counties

RESULTS = ("confirmed", "disputed", "unreachable")
RESULT_LABELS = {"confirmed": "属实", "disputed": "不属实", "unreachable": "未接通"}
MAX_NOTE = 500
MAX_SAMPLE = 200


async def record_callback(
    session: AsyncSession,
    scope: Scope,
    entry_id: int,
    *,
    result: str,
    note: str,
    actor: str,
    now: datetime,
) -> CallbackCheck:
    """Record a call-back on an entry of ``scope``, audited; the note is masked."""
    entry = await check_entry(session, scope, entry_id)
    if result not in RESULTS:
        names = "、".join(f"{k}（{v}）" for k, v in RESULT_LABELS.items())
        raise InvalidInput(f"核实结果应为 {names} 之一，而不是 {result!r}")
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"备注太长：最多 {MAX_NOTE} 个字符")
    check = CallbackCheck(
        entry_id=entry_id,
        result=result,
        note=mask_personal_numbers(note.strip()),
        checked_by=actor,
        checked_at=now,
    )
    session.add(check)
    await session.flush()
    session.add(
        AuditEntry(
            at=now,
            actor=actor,
            action="callback",
            entity=ENTITY,
            entity_id=str(entry_id),
            after={"village_id": entry.village_id, "result": result, "note": check.note},
        )
    )
    return check


async def latest_checks(
    session: AsyncSession, entry_ids: Sequence[int]
) -> dict[int, CallbackCheck]:
    """The latest call-back of each of these entries that has one."""
    if not entry_ids:
        return {}
    stmt = (
        select(CallbackCheck)
        .where(col(CallbackCheck.entry_id).in_(list(entry_ids)))
        .order_by(col(CallbackCheck.checked_at), col(CallbackCheck.id))
    )
    return {c.entry_id: c for c in await session.exec(stmt)}


async def sample_unchecked(
    session: AsyncSession, scope: Scope, month: Month, size: int, seed: int
) -> list[int]:
    """``size`` entries of ``month`` in ``scope`` never called back, drawn at random
    (``seed`` makes a draw repeatable, so the sheet printed is the sheet checked)."""
    if not 1 <= size <= MAX_SAMPLE:
        raise InvalidInput(f"抽查数量应在 1..{MAX_SAMPLE}")
    stmt = select(ServiceLogEntry.id).where(
        col(ServiceLogEntry.day) >= month.first,
        col(ServiceLogEntry.day) <= month.last,
        col(ServiceLogEntry.id).not_in(select(CallbackCheck.entry_id)),
    )
    counties = await county_ids(session, scope)
    if counties is not None:
        stmt = stmt.where(col(ServiceLogEntry.village_id).in_(villages_of_counties(counties)))
    ids = sorted(i for i in await session.exec(stmt) if i is not None)
    return sorted(random.Random(seed).sample(ids, min(size, len(ids))))
