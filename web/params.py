"""Reading query strings and forms: each bad value is an InvalidInput that says what is
wrong and what is right (the console shows it, the API answers 400)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from storage.errors import InvalidInput
from storage.periods import Month

MAX_TEXT = 64


def text(params: Mapping[str, str], name: str, *, limit: int = MAX_TEXT) -> str | None:
    """A short text parameter, stripped; None when absent or empty."""
    value = params.get(name, "").strip()
    if not value:
        return None
    if len(value) > limit:
        raise InvalidInput(f"{name} 太长：最多 {limit} 个字符")
    return value


def choice(
    params: Mapping[str, str], name: str, allowed: tuple[str, ...] | frozenset[str]
) -> str | None:
    """A parameter that must be one of ``allowed``."""
    value = text(params, name)
    if value is not None and value not in allowed:
        raise InvalidInput(f"{name} 应为 {'、'.join(sorted(allowed))} 之一，而不是 {value!r}")
    return value


def day(params: Mapping[str, str], name: str) -> date | None:
    """A ``YYYY-MM-DD`` parameter."""
    value = text(params, name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{name} 应写成 YYYY-MM-DD（例如 2026-11-03），而不是 {value!r}"
        ) from None


def month(params: Mapping[str, str], name: str) -> Month | None:
    """A ``YYYY-MM`` parameter."""
    value = text(params, name)
    if value is None:
        return None
    try:
        return Month.parse(value)
    except ValueError as err:
        raise InvalidInput(f"{name}：{err}") from None


def number(params: Mapping[str, str], name: str, *, low: int = 1, high: int = 10**9) -> int | None:
    """A whole-number parameter within ``low..high``."""
    value = text(params, name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise InvalidInput(f"{name} 应为 {low}..{high} 的整数，而不是 {value!r}")
    return int(value)


def path_id(request: web.Request, name: str, what: str) -> int:
    """A row id from the path (``{entry_id}``…): ASCII digits, at most 12 of them."""
    raw = request.match_info[name]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise InvalidInput(f"{what}应为数字，而不是 {raw!r}")
    return int(raw)


async def form_of(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | FileField]:
    """The request's form; a body that is not valid text in its charset is bad input
    (400), not a server error."""
    try:
        return await request.post()
    except (UnicodeDecodeError, LookupError, ValueError):
        raise InvalidInput("表单内容无法按 UTF-8 读取：请用网页上的表单提交") from None
