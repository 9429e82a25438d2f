"""The aiohttp application: the first page and the browser chat simulator.

Views are thin: parse the request, call the same services and dispatcher as the chat
channels, render. Domain errors map to 4xx with a Chinese message.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from config import Settings
from handlers.dispatcher import Dispatcher
from handlers.ports import IncomingMessage
from handlers.relay import OutboxRelay
from storage.db import Database
from storage.errors import DomainError, NotFound
from storage.services import directory, public
from web.simulator import CHANNEL, SimulatorHub

VILLAGER_PERSONAS = (("sim_zhangsan", "张三"), ("sim_lisi", "李四"), ("sim_wangdabo", "王大伯"))
CADRE_PERSONA = ("sim_cadre", "村干部老刘")
MAX_TEXT = 1000
STATIC_DIR = Path(__file__).parent / "static"


@dataclass(frozen=True, slots=True)
class WebDeps:
    """What the views need; built once by the composition root."""

    settings: Settings
    db: Database
    dispatcher: Dispatcher
    hub: SimulatorHub
    relay: OutboxRelay
    templates: jinja2.Environment


DEPS = web.AppKey("deps", WebDeps)


def create_app(settings: Settings, db: Database, dispatcher: Dispatcher) -> web.Application:
    """The web application over an open database and a wired dispatcher."""
    hub = SimulatorHub(settings.bot_name)
    templates = jinja2.Environment(
        loader=jinja2.PackageLoader("web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    app = web.Application(middlewares=[_errors], client_max_size=64 * 1024)
    app[DEPS] = WebDeps(settings, db, dispatcher, hub, OutboxRelay(db, [CHANNEL], hub), templates)
    app.router.add_get("/", index)
    if settings.mode != "production":  # anyone could speak as the counsel: never in production
        app.router.add_get("/simulator", simulator_page)
        app.router.add_get("/api/sim/setup", sim_setup)
        app.router.add_post("/api/sim/send", sim_send)
        app.router.add_get("/api/sim/feed", sim_feed)
    app.router.add_static("/static", str(STATIC_DIR))
    return app


@web.middleware
async def _errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except NotFound as err:
        return _json_error(404, str(err))
    except DomainError as err:
        return _json_error(409, str(err))


def _json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, dumps=_dumps)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _render(request: web.Request, name: str, **context: Any) -> web.Response:
    deps = request.app[DEPS]
    html = deps.templates.get_template(name).render(
        bot_name=deps.settings.bot_name,
        simulator=deps.settings.mode != "production",
        **context,
    )
    return web.Response(text=html, content_type="text/html")


async def index(request: web.Request) -> web.Response:
    """The first page: the public notice of every village (Q8) and the way to the simulator."""
    deps = request.app[DEPS]
    today = datetime.now(deps.settings.tz).date()
    async with deps.db.read() as session:
        board = await public.notice_board(session, today)
    return _render(request, "index.html", board=board, contacts=deps.settings.contacts)


async def simulator_page(request: web.Request) -> web.Response:
    """The browser chat simulator."""
    return _render(request, "simulator.html")


async def sim_setup(request: web.Request) -> web.Response:
    """The bound groups with the personas one can speak as."""
    deps = request.app[DEPS]
    today = datetime.now(deps.settings.tz).date()
    groups = []
    async with deps.db.read() as session:
        for group, village in await directory.groups_with_villages(session):
            counsel = await directory.counsel_of_village(session, village.id, today)
            personas = [{"id": i, "name": n, "role": "村民"} for i, n in VILLAGER_PERSONAS]
            personas.append({"id": CADRE_PERSONA[0], "name": CADRE_PERSONA[1], "role": "村干部"})
            personas += [
                {"id": c.wechat, "name": c.name, "role": "法律顾问"} for c in counsel if c.wechat
            ]
            groups.append({"id": group.id, "village": village.name, "personas": personas})
    return web.json_response({"groups": groups, "bot": deps.settings.bot_name}, dumps=_dumps)


async def sim_send(request: web.Request) -> web.Response:
    """A persona speaks (in a group, or privately to the bot); returns the new events."""
    deps = request.app[DEPS]
    body = await _json_body(request)
    message = _incoming(body, deps.settings.bot_name)
    deps.hub.record_incoming(message)
    await deps.dispatcher.handle(message)
    await deps.relay.drain()
    after = _int(body.get("after", 0), "after")
    events = deps.hub.feed(message.group_id, message.sender_id, after)
    return web.json_response({"events": [e.as_json() for e in events]}, dumps=_dumps)


async def sim_feed(request: web.Request) -> web.Response:
    """Events a persona sees after a given id (for polling)."""
    deps = request.app[DEPS]
    await deps.relay.drain()
    persona = request.query.get("persona", "")
    if not persona:
        return _json_error(400, "缺少 persona：要以哪个身份查看？")
    group = request.query.get("group") or None
    after = _int(request.query.get("after", "0"), "after")
    events = deps.hub.feed(group, persona, after)
    return web.json_response({"events": [e.as_json() for e in events]}, dumps=_dumps)


class BadRequest(web.HTTPBadRequest):
    """400 with a JSON body that says what is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(text=_dumps({"error": message}), content_type="application/json")


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("请求体应是 JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("请求体应是 JSON 对象")
    return body


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} 应是整数") from None


def _incoming(body: dict[str, Any], bot_name: str) -> IncomingMessage:
    text = str(body.get("text", "")).strip()
    persona_id = str(body.get("persona_id", "")).strip()
    persona_name = str(body.get("persona_name", "")).strip() or persona_id
    if not text:
        raise BadRequest("消息不能为空")
    if len(text) > MAX_TEXT:
        raise BadRequest(f"消息太长：最多 {MAX_TEXT} 字")
    if not persona_id:
        raise BadRequest("请选择发言身份（persona_id）")
    group = body.get("group_id") or None
    mentions_bot = f"@{bot_name}" in text
    return IncomingMessage(
        channel=CHANNEL,
        sender_id=persona_id,
        sender_name=persona_name,
        text=text.replace(f"@{bot_name}", "").strip() or text,
        sent_at=datetime.now(UTC),
        group_id=str(group) if group else None,
        mentions_bot=mentions_bot,
        message_id=f"sim-{uuid.uuid4().hex}",
    )
