"""Leave, as issue 10 asks: over-long refused, overlaps merged, 取消请假, visits flagged."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import col, select

from storage.db import Database
from storage.models import Leave, Visit
from tests.handlers.conftest import COUNSEL_WX, Say, Talk


async def leaves(db: Database) -> list[tuple[date, date]]:
    async with db.read() as s:
        rows = await s.exec(select(Leave).order_by(col(Leave.start)))
        return [(r.start, r.end) for r in rows]


async def test_leave_over_the_maximum_is_refused(talk: Talk, db: Database, msg: Say) -> None:
    [reply] = await talk(msg("请假 12月1日-2月28日", sender=COUNSEL_WX, group=None))
    assert "请假不能超过 60 天" in reply.text
    assert await leaves(db) == []


async def test_overlapping_leave_is_merged(talk: Talk, db: Database, msg: Say) -> None:
    await talk(msg("请假 12月1日-12月7日", sender=COUNSEL_WX, group=None))
    [reply] = await talk(msg("请假 12月5日-12月10日", sender=COUNSEL_WX, group=None))
    assert "12月1日至12月10日" in reply.text
    assert await leaves(db) == [(date(2026, 12, 1), date(2026, 12, 10))]


async def test_touching_leave_is_merged_and_apart_leave_is_not(
    talk: Talk, db: Database, msg: Say
) -> None:
    await talk(msg("请假 12月1日-12月7日", sender=COUNSEL_WX, group=None))
    await talk(msg("请假 12月8日-12月9日", sender=COUNSEL_WX, group=None))
    await talk(msg("请假 12月20日-12月21日", sender=COUNSEL_WX, group=None))
    assert await leaves(db) == [
        (date(2026, 12, 1), date(2026, 12, 9)),
        (date(2026, 12, 20), date(2026, 12, 21)),
    ]


async def test_cancelling_leave(talk: Talk, db: Database, msg: Say) -> None:
    await talk(msg("请假 12月1日-12月7日", sender=COUNSEL_WX, group=None))
    [reply] = await talk(msg("取消请假", sender=COUNSEL_WX, group=None))
    assert "已取消请假：12月1日至12月7日" in reply.text
    assert await leaves(db) == []
    [again] = await talk(msg("取消请假", sender=COUNSEL_WX, group=None))
    assert "没有今天或以后的请假记录" in again.text


async def test_visits_during_leave_are_flagged(talk: Talk, db: Database, msg: Say) -> None:
    async with db.transaction() as s:
        s.add(
            Visit(
                counsel_id="L001",
                village_id="DL01",
                starts_at=datetime(2026, 12, 3, 1, 30, tzinfo=UTC),
            )
        )
    [reply] = await talk(msg("请假 12月1日-12月7日", sender=COUNSEL_WX, group=None))
    assert "12月3日 09:30 南岗村" in reply.text
    assert "改期" in reply.text
