"""Statements compiled once and run on the driver (issue 12): the same values as through
the ORM, in the session's transaction and savepoints, SQLAlchemy's errors. On SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlmodel
from sqlalchemy import bindparam, exc, insert, select
from sqlmodel import col

from storage.db import Database, insert_params, new_row, param, table_of
from storage.models import OutboxMessage, SeenRoom
from storage.prepared import Prepared

_INSERT = Prepared(
    lambda _: (
        insert(table_of(OutboxMessage))
        .values(insert_params(OutboxMessage))
        .returning(table_of(OutboxMessage).c.id)
    )
)
_READ = Prepared(
    lambda _: select(
        col(OutboxMessage.created_at), col(OutboxMessage.mentions), col(OutboxMessage.text)
    ).where(col(OutboxMessage.id) == param(OutboxMessage.id))
)
_ROOM = Prepared(lambda _: select(col(SeenRoom.topic)).where(col(SeenRoom.id) == "r1"))
EAST8 = timezone(timedelta(hours=8))


def row(**given: object) -> dict[str, object]:
    values = {"channel": "c", "target_kind": "group", "target_id": "g", "text": "你好"}
    return new_row(OutboxMessage, values | given)


async def test_values_read_and_write_as_through_the_orm(db: Database) -> None:
    when = datetime(2026, 12, 3, 9, 30, tzinfo=EAST8)
    async with db.transaction() as session:
        found = await _INSERT.first(session, row(created_at=when, mentions=["张三", "李四"]))
        assert found is not None
        created_at, mentions, text = (await _READ.rows(session, {"id": found[0]}))[0]
    assert created_at == when
    assert created_at.tzinfo is not None
    assert mentions == ["张三", "李四"]
    assert text == "你好"
    async with db.read() as session:
        stored = await session.get(OutboxMessage, found[0])
    assert stored is not None
    assert stored.created_at == when
    assert stored.mentions == mentions


async def test_it_sees_pending_orm_changes_and_rolls_back_with_a_savepoint(
    db: Database,
) -> None:
    async with db.transaction() as session:
        session.add(SeenRoom(id="r1", topic="南岗村群", members=3))
        assert await _ROOM.first(session) == ("南岗村群",)  # flushed first, as autoflush

        async def withdrawn() -> None:
            async with session.begin_nested():
                await _INSERT.first(session, row(text="撤回"))
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            await withdrawn()
        kept = await _INSERT.first(session, row(text="留下"))
    async with db.read() as session:
        texts = list(await session.exec(sqlmodel.select(col(OutboxMessage.text))))
    assert kept is not None
    assert texts == ["留下"]


async def test_errors_are_sqlalchemys(db: Database) -> None:
    with pytest.raises(exc.StatementError):  # a naive datetime, refused by its type
        async with db.transaction() as session:
            await _INSERT.first(session, row(created_at=datetime(2026, 12, 3)))  # noqa: DTZ001

    async def twice() -> None:
        async with db.transaction() as session:
            await _INSERT.first(session, row(dedup_key="k"))
            await _INSERT.first(session, row(dedup_key="k"))

    with pytest.raises(exc.IntegrityError):  # the driver's, wrapped
        await twice()


async def test_a_missing_parameter_is_named(db: Database) -> None:
    async def unnamed() -> None:
        async with db.transaction() as session:
            await _READ.rows(session, {})

    with pytest.raises(exc.StatementError, match="parameters not given: id"):
        await unnamed()


def test_an_expanding_parameter_is_refused(db: Database) -> None:
    expanding = Prepared(
        lambda _: select(col(OutboxMessage.id)).where(
            col(OutboxMessage.id).in_(bindparam("ids", expanding=True))
        )
    )
    with pytest.raises(ValueError, match="expanded at execution"):
        expanding.compiled(db.engine.dialect)


async def test_compiled_once_per_backend(db: Database) -> None:
    first = _READ.compiled(db.engine.dialect)
    assert _READ.compiled(db.engine.dialect) is first
    assert first.sql.lstrip().upper().startswith("SELECT")
