"""Bureau accounts (issue 11): users, argon2 hashes, tokens, the login lockout, the audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from config import Settings
from storage.db import Database
from storage.errors import Conflict, InvalidInput, NotFound, Throttled
from storage.models import AuditEntry, BureauUser, County
from storage.services import accounts
from storage.services.accounts import NewUser
from storage.services.scope import Scope, county_ids
from tests.ledger_data import load_roster

NOW = datetime(2026, 11, 25, 2, tzinfo=UTC)
PW = "a-long-password"


async def _user(
    db: Database, name: str = "zhang", level: str = "county", scope: str = "示范县"
) -> BureauUser:
    async with db.transaction() as s:
        return await accounts.add_user(s, NewUser(name, PW, level, scope), actor="cli", now=NOW)


async def test_a_user_is_stored_with_an_argon2_hash_and_audited(
    db: Database, settings: Settings
) -> None:
    await load_roster(db, settings)
    await _user(db)
    async with db.read() as s:
        user = await accounts.find_user(s, "zhang")
        audit = (await s.exec(select(AuditEntry).where(AuditEntry.entity == "bureau_user"))).one()
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PW not in user.password_hash
    assert audit.action == "create"
    assert audit.after is not None
    assert "password_hash" not in audit.after


@pytest.mark.parametrize(
    ("new", "error", "words"),
    [
        (NewUser("zhang", "short", "county", "示范县"), InvalidInput, "密码太短"),
        (NewUser("has space", PW, "county", "示范县"), InvalidInput, "不含空格"),
        (NewUser("zhang", PW, "town", "示范县"), InvalidInput, "级别应为"),
        (NewUser("zhang", PW, "county", ""), InvalidInput, "--scope"),
        (NewUser("zhang", PW, "county", "示范具"), NotFound, "示范县"),
        (NewUser("zhang", PW, "city", "无此市"), NotFound, "无此市"),
    ],
)
async def test_bad_users_are_refused_with_what_is_right(
    db: Database, settings: Settings, new: NewUser, error: type[Exception], words: str
) -> None:
    await load_roster(db, settings)
    with pytest.raises(error, match=words):
        async with db.transaction() as s:
            await accounts.add_user(s, new, actor="cli", now=NOW)
    async with db.read() as s:
        assert await accounts.list_users(s) == []


async def test_a_taken_name_is_a_conflict(db: Database, settings: Settings) -> None:
    await load_roster(db, settings)
    await _user(db)
    with pytest.raises(Conflict, match="已存在"):
        await _user(db)


async def _try(
    db: Database,
    settings: Settings,
    password: str,
    address: str = "10.0.0.1",
    at: datetime = NOW,
    name: str = "zhang",
) -> BureauUser | None:
    async with db.transaction() as s:
        return await accounts.attempt_login(
            s, name, password, address=address, now=at, rules=settings.web
        )


async def test_login_checks_the_password_and_records_failures(
    db: Database, settings: Settings
) -> None:
    await load_roster(db, settings)
    await _user(db)
    assert await _try(db, settings, "wrong") is None
    assert await _try(db, settings, PW) is not None
    async with db.read() as s:
        stmt = select(AuditEntry.action).where(AuditEntry.entity == "bureau_user")
        actions = list(await s.exec(stmt.order_by(col(AuditEntry.id))))
    assert actions == ["create", "login_failed", "login"]


async def test_five_failures_lock_the_name_then_the_lock_lifts(
    db: Database, settings: Settings
) -> None:
    await load_roster(db, settings)
    await _user(db)
    for i in range(settings.web.login_max_failures):
        assert await _try(db, settings, "wrong", address=f"10.0.0.{i}") is None
    with pytest.raises(Throttled) as locked:
        await _try(db, settings, PW, address="10.9.9.9")  # even the right password waits
    assert 0 < locked.value.retry_after <= settings.web.login_lockout_seconds + 1
    later = NOW + timedelta(seconds=settings.web.login_lockout_seconds + 1)
    assert await _try(db, settings, PW, at=later) is not None


async def test_five_failures_from_an_address_lock_that_address(
    db: Database, settings: Settings
) -> None:
    await load_roster(db, settings)
    await _user(db)
    for i in range(settings.web.login_max_failures):
        assert await _try(db, settings, "wrong", name=f"guess{i}") is None
    with pytest.raises(Throttled):
        await _try(db, settings, PW)
    assert await _try(db, settings, PW, address="10.0.0.2") is not None


async def test_tokens_are_stored_hashed_and_die_with_the_user(
    db: Database, settings: Settings
) -> None:
    await load_roster(db, settings)
    await _user(db)
    async with db.transaction() as s:
        token = await accounts.add_token(s, "zhang", label="报表系统", actor="cli", now=NOW)
    async with db.read() as s:
        found = await accounts.user_of_token(s, token)
        assert found is not None
        assert found.username == "zhang"
        assert await accounts.user_of_token(s, token + "x") is None
    async with db.transaction() as s:
        await accounts.disable_user(s, "zhang", actor="cli", now=NOW)
    async with db.read() as s:
        assert await accounts.user_of_token(s, token) is None
    assert await _try(db, settings, PW) is None  # a disabled user cannot log in
    with pytest.raises(Conflict, match="已停用"):
        async with db.transaction() as s:
            await accounts.add_token(s, "zhang", label="", actor="cli", now=NOW)


async def test_scope_of_a_city_and_a_province(db: Database, settings: Settings) -> None:
    await load_roster(db, settings)
    async with db.transaction() as s:
        for county in await s.exec(select(County)):
            county.city = "甲市" if county.name == "示范县" else "乙市"
            county.province = "丙省"
            s.add(county)
    async with db.read() as s:
        assert len(await county_ids(s, Scope(city="甲市")) or []) == 1
        assert len(await county_ids(s, Scope(province="丙省")) or []) == 2
        assert await county_ids(s, Scope(city="无此市")) == []
        assert await county_ids(s, Scope()) is None
