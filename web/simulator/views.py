"""The simulator's page and API: a persona speaks, the bot's real handlers answer."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from handlers.ports import IncomingMessage, clean_incoming, split_bot_mention
from storage.errors import InvalidInput
from storage.services import directory
from web.deps import DEPS, SIMULATOR
from web.errors import dumps
from web.simulator.hub import CHANNEL, SimEvent
from web.simulator.personas import personas

MAX_TEXT = 1000


async def simulator_page(request: web.Request) -> web.Response:
    """The browser chat simulator."""
    return request.app[DEPS].render("simulator.html")


async def sim_setup(request: web.Request) -> web.Response:
    """The bound groups with the personas one can speak as."""
    deps = request.app[DEPS]
    today = datetime.now(deps.settings.tz).date()
    groups = []
    async with deps.db.read() as session:
        for group, village in await directory.groups_with_villages(session):
            counsel = await directory.counsel_of_village(session, village.id, today)
            groups.append({"id": group.id, "village": village.name, "personas": personas(counsel)})
    return web.json_response({"groups": groups, "bot": deps.settings.bot_name}, dumps=dumps)


async def sim_send(request: web.Request) -> web.Response:
    """A persona speaks (in a group, or privately to the bot); returns the new events."""
    sim, bot_name = request.app[SIMULATOR], request.app[DEPS].settings.bot_name
    body = await _json_body(request)
    after = _int(body.get("after", 0), "after")  # every check before anything is handled
    message = clean_incoming(_incoming(body, bot_name, sim.hub.instance))
    sim.hub.record_incoming(message)
    await sim.dispatcher.handle(message)
    await sim.relay.drain()
    return _events(sim.hub.feed(message.group_id, message.sender_id, after))


async def sim_feed(request: web.Request) -> web.Response:
    """Events a persona sees after a given id (for polling)."""
    persona = request.query.get("persona", "")
    if not persona:
        raise InvalidInput("缺少 persona：要以哪个身份查看？")
    group = request.query.get("group") or None
    after = _int(request.query.get("after", "0"), "after")
    return _events(request.app[SIMULATOR].hub.feed(group, persona, after))


def _events(events: list[SimEvent]) -> web.Response:
    return web.json_response({"events": [e.as_json() for e in events]}, dumps=dumps)


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInput("请求体应是 JSON") from None
    except RecursionError:
        raise InvalidInput("请求体的 JSON 嵌套太深") from None
    if not isinstance(body, dict):
        raise InvalidInput("请求体应是 JSON 对象")
    return body


_COUNTER = re.compile(r"[0-9]{1,12}")


def _int(value: Any, name: str) -> int:  # a JSON value or a query string
    """A non-negative event id: digits only (no 1e400, no 3.7, no -1, no ３)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**12:
        return value
    if isinstance(value, str) and _COUNTER.fullmatch(value):
        return int(value)
    raise InvalidInput(f"{name} 应是非负整数")


def _incoming(body: dict[str, Any], bot_name: str, instance: str) -> IncomingMessage:
    text = str(body.get("text", "")).strip()
    persona_id = str(body.get("persona_id", "")).strip()
    persona_name = str(body.get("persona_name", "")).strip() or persona_id
    if body.get("join") is True:  # the persona joins the group (a join event, no text)
        return _join(body.get("group_id"), persona_id, persona_name, instance)
    if not text:
        raise InvalidInput("消息不能为空")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"消息太长：最多 {MAX_TEXT} 字")
    if not persona_id:
        raise InvalidInput("请选择发言身份（persona_id）")
    group = body.get("group_id") or None
    mention = split_bot_mention(text, bot_name)
    return IncomingMessage(
        channel=CHANNEL,
        sender_id=persona_id,
        sender_name=persona_name,
        text=mention.text or text,
        sent_at=datetime.now(UTC),
        group_id=str(group) if group else None,
        mentions_bot=mention.to_bot,
        message_id=f"sim-{uuid.uuid4().hex}",
        instance=instance,
    )


def setup(app: web.Application) -> None:
    """Register the simulator's page and API."""
    app.router.add_get("/simulator", simulator_page, name="simulator-page")
    app.router.add_get("/api/sim/setup", sim_setup, name="simulator-setup")
    app.router.add_post("/api/sim/send", sim_send, name="simulator-send")
    app.router.add_get("/api/sim/feed", sim_feed, name="simulator-feed")


def _join(group: Any, persona_id: str, persona_name: str, instance: str) -> IncomingMessage:
    """The persona joining the chosen group."""
    if not group:
        raise InvalidInput("入群要先选择一个村群")
    if not persona_id:
        raise InvalidInput("请选择发言身份（persona_id）")
    return IncomingMessage(
        channel=CHANNEL,
        sender_id=persona_id,
        sender_name=persona_name,
        text="",
        sent_at=datetime.now(UTC),
        group_id=str(group),
        message_id=f"sim-{uuid.uuid4().hex}",
        instance=instance,
        joined=(persona_name,),
    )
