"""Bureau accounts: users with argon2 password hashes, API tokens (stored as SHA-256),
logins with a lockout after repeated failures, and an audit row for each of them."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config.settings import WebSettings
from storage.errors import Conflict, InvalidInput, NotFound, Throttled
from storage.models import ApiToken, AuditEntry, BureauUser, County, LoginFailure
from storage.services.scope import LEVELS

ENTITY = "bureau_user"
MIN_PASSWORD = 10
MAX_NAME = 64
_HASHER = PasswordHasher()  # argon2id with the library's current recommended costs


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so that a wrong name costs as long as a
    wrong password and timing does not tell which names exist (made on first use: a
    hash costs ~0.1 s, which no command that never logs anyone in should pay)."""
    return _HASHER.hash("not a password of anyone")


LEVEL_LABELS = {"county": "县级", "city": "市级", "province": "省级", "admin": "管理员"}


@dataclass(frozen=True, slots=True)
class NewUser:
    """What ``vcbot user add`` asks for."""

    username: str
    password: str
    level: str
    scope: str
    can_edit_closed: bool = False


def _audit(
    actor: str, action: str, name: str, now: datetime, after: dict[str, Any] | None
) -> AuditEntry:
    return AuditEntry(
        at=now, actor=actor, action=action, entity=ENTITY, entity_id=name[:MAX_NAME], after=after
    )


def _public(user: BureauUser) -> dict[str, Any]:
    """The user as the audit trail keeps it (never the hash)."""
    return {
        "username": user.username,
        "level": user.level,
        "scope": user.scope,
        "can_edit_closed": user.can_edit_closed,
        "disabled": user.disabled,
    }


def check_password(password: str) -> None:
    """Refuse a password that is too short or only spaces."""
    if len(password.strip()) < MIN_PASSWORD:
        raise InvalidInput(f"密码太短：至少 {MIN_PASSWORD} 个字符")


async def _check_scope(session: AsyncSession, level: str, scope: str) -> None:
    if level not in LEVELS:
        raise InvalidInput(f"级别应为 {' / '.join(LEVELS)} 之一，而不是 {level!r}")
    if level == "admin":
        return
    if not scope.strip():
        raise InvalidInput(f"{LEVEL_LABELS[level]}账号需要 --scope（所辖的县、市或省的名称）")
    column = {"county": County.name, "city": County.city, "province": County.province}[level]
    if (await session.exec(select(County.id).where(column == scope).limit(1))).first() is None:
        known = sorted({v for v in await session.exec(select(column)) if v})
        raise NotFound(
            f"没有{LEVEL_LABELS[level]}区域「{scope}」；名册里已有：{'、'.join(known) or '无'}"
        )


async def add_user(session: AsyncSession, new: NewUser, *, actor: str, now: datetime) -> BureauUser:
    """Create a bureau user in the caller's transaction (Conflict when the name is taken)."""
    name = new.username.strip()
    if not name or len(name) > MAX_NAME or any(c.isspace() for c in name):
        raise InvalidInput(f"用户名应为 1..{MAX_NAME} 个字符且不含空格")
    check_password(new.password)
    await _check_scope(session, new.level, new.scope)
    if await find_user(session, name) is not None:
        raise Conflict(f"用户名 {name} 已存在")
    user = BureauUser(
        username=name,
        password_hash=_HASHER.hash(new.password),
        level=new.level,
        scope="" if new.level == "admin" else new.scope.strip(),
        can_edit_closed=new.can_edit_closed,
        created_at=now,
    )
    session.add(user)
    session.add(_audit(actor, "create", name, now, _public(user)))
    await session.flush()
    return user


async def find_user(session: AsyncSession, username: str) -> BureauUser | None:
    """The user called ``username``, disabled or not."""
    return (await session.exec(select(BureauUser).where(BureauUser.username == username))).first()


async def user_by_id(session: AsyncSession, user_id: int) -> BureauUser | None:
    """The user with id ``user_id`` if the account is enabled."""
    user = await session.get(BureauUser, user_id)
    return None if user is None or user.disabled else user


async def list_users(session: AsyncSession) -> list[BureauUser]:
    """Every bureau user, by name."""
    return list(await session.exec(select(BureauUser).order_by(col(BureauUser.username))))


async def disable_user(
    session: AsyncSession, username: str, *, actor: str, now: datetime
) -> BureauUser:
    """Disable a user and revoke their tokens; their sessions end at their next request."""
    user = await find_user(session, username)
    if user is None:
        raise NotFound(f"没有用户 {username}")
    user.disabled = True
    user.session_epoch += 1
    session.add(user)
    for token in await session.exec(select(ApiToken).where(ApiToken.user_id == user.id)):
        token.revoked = True
        session.add(token)
    session.add(_audit(actor, "disable", username, now, _public(user)))
    return user


def token_digest(token: str) -> str:
    """The SHA-256 of a token: what is stored (a token is random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


async def add_token(
    session: AsyncSession, username: str, *, label: str, actor: str, now: datetime
) -> str:
    """A new API token for an enabled user; returned once, only its digest is stored."""
    user = await find_user(session, username)
    if user is None or user.id is None:
        raise NotFound(f"没有用户 {username}")
    if user.disabled:
        raise Conflict(f"用户 {username} 已停用，不能发放令牌")
    token = "vcb_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(user_id=user.id, token_hash=token_digest(token), label=label[:64], created_at=now)
    )
    session.add(_audit(actor, "token_add", username, now, {"label": label[:64]}))
    return token


async def user_of_token(session: AsyncSession, token: str) -> BureauUser | None:
    """The enabled user a live token belongs to, or None."""
    stmt = (
        select(BureauUser)
        .join(ApiToken, col(ApiToken.user_id) == col(BureauUser.id))
        .where(
            ApiToken.token_hash == token_digest(token),
            col(ApiToken.revoked).is_(False),
            col(BureauUser.disabled).is_(False),
        )
    )
    return (await session.exec(stmt)).first()


async def check_not_locked(
    session: AsyncSession, username: str, address: str, now: datetime, rules: WebSettings
) -> None:
    """Throttled when the name or the address has failed too often in the lockout window."""
    since = now - timedelta(seconds=rules.login_lockout_seconds)
    stmt = select(func.count(), func.max(LoginFailure.at)).where(
        col(LoginFailure.at) > since,
        or_(LoginFailure.username == username[:MAX_NAME], LoginFailure.address == address[:64]),
    )
    count, latest = (await session.exec(stmt)).one()
    if count >= rules.login_max_failures and latest is not None:
        wait = (
            int((latest + timedelta(seconds=rules.login_lockout_seconds) - now).total_seconds()) + 1
        )
        raise Throttled(f"登录失败次数过多，请 {max(wait, 1) // 60 + 1} 分钟后再试", max(wait, 1))


async def attempt_login(
    session: AsyncSession,
    username: str,
    password: str,
    *,
    address: str,
    now: datetime,
    rules: WebSettings,
) -> BureauUser | None:
    """Check a login in the caller's transaction: the user, or None after recording the
    failure (which the caller commits). Throttled before any check while locked out."""
    username = username.strip()[:MAX_NAME]
    await check_not_locked(session, username, address, now, rules)
    user = await find_user(session, username)
    if user is not None and not user.disabled and _verify(user.password_hash, password):
        await session.exec(delete(LoginFailure).where(col(LoginFailure.username) == username))
        if _HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = _HASHER.hash(password)
            session.add(user)
        session.add(_audit(f"bureau:{username}", "login", username, now, {"address": address}))
        return user
    if user is None:
        _verify(_dummy_hash(), password)
    session.add(LoginFailure(username=username, address=address[:64], at=now))
    session.add(_audit(f"web:{address[:64]}", "login_failed", username, now, {"address": address}))
    return None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def record_logout(session: AsyncSession, user: BureauUser, now: datetime) -> None:
    """End every session of the user (a new epoch) and audit the logout."""
    stored = await session.get(BureauUser, user.id)
    if stored is not None:
        stored.session_epoch += 1
        session.add(stored)
    session.add(_audit(f"bureau:{user.username}", "logout", user.username, now, None))
