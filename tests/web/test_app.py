"""The first page and the simulator API."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.server import simulator_channel
from config import Settings
from handlers.dispatcher import Dispatcher
from storage.db import Database
from tests.handlers.conftest import COUNSEL_WX, GROUP
from web.app import create_app

Client = TestClient[Any, Any]


async def test_first_page_finds_villages_and_shows_the_counsel_card(client: Client) -> None:
    r = await client.get("/")
    html = await r.text()
    assert r.status == 200
    assert 'id="find"' in html
    assert "南岗村" in html
    assert "北坑村" in html
    assert "tousu@sft.example" in html
    card = await (await client.get("/", params={"village": "DL01"})).text()
    assert "陈明远" in card


async def test_setup_lists_bound_groups_with_personas(client: Client) -> None:
    data = await (await client.get("/api/sim/setup")).json()
    [group] = data["groups"]
    assert group["id"] == GROUP
    assert {"id": COUNSEL_WX, "name": "陈明远", "role": "法律顾问"} in group["personas"]


async def test_question_gets_an_answer(client: Client) -> None:
    body = {
        "group_id": GROUP,
        "persona_id": "sim_zhangsan",
        "persona_name": "张三",
        "text": "宅基地被占了怎么办",
    }
    r = await client.post("/api/sim/send", json=body)
    events = (await r.json())["events"]
    assert r.status == 200
    assert [e["direction"] for e in events] == ["in", "out"]
    assert "@陈明远" in events[1]["text"]


async def test_private_events_are_not_shown_to_other_personas(client: Client) -> None:
    body = {"group_id": None, "persona_id": "sim_zhangsan", "persona_name": "张三", "text": "你好"}
    await client.post("/api/sim/send", json=body)
    mine = await (await client.get("/api/sim/feed", params={"persona": "sim_zhangsan"})).json()
    other = await (await client.get("/api/sim/feed", params={"persona": "sim_lisi"})).json()
    assert len(mine["events"]) == 2
    assert other["events"] == []


async def test_empty_message_is_refused_with_reason(client: Client) -> None:
    r = await client.post(
        "/api/sim/send", json={"group_id": GROUP, "persona_id": "x", "text": "  "}
    )
    assert r.status == 400
    assert (await r.json())["error"] == "消息不能为空"


async def test_non_json_body_is_refused(client: Client) -> None:
    r = await client.post("/api/sim/send", data=b"not json")
    assert r.status == 400
    assert "JSON" in (await r.json())["error"]


async def test_feed_without_persona_is_refused(client: Client) -> None:
    r = await client.get("/api/sim/feed")
    assert r.status == 400


async def test_simulator_is_not_served_in_production(
    db: Database, settings: Settings, dispatcher: Dispatcher
) -> None:
    production = settings.model_copy(update={"mode": "production"})
    app = create_app(production, db, simulator_channel(db, production, dispatcher))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        assert (await c.get("/simulator")).status == 404
        assert (await c.post("/api/sim/send", json={})).status == 404
        assert "聊天模拟器" not in await (await c.get("/")).text()


async def test_favicon_is_served(client: Client) -> None:
    r = await client.get("/favicon.ico")
    assert r.status == 200
    assert (await r.read())[:4] == b"\x00\x00\x01\x00"  # an ICO file's signature


async def test_domain_error_in_a_view_gets_its_status_and_message(client: Client) -> None:
    r = await client.get("/api/sim/feed", params={"persona": "sim_zhangsan", "after": "x"})
    assert r.status == 400
    assert (await r.json())["error"] == "after 应是非负整数"


async def test_a_persona_joining_a_group_is_welcomed(client: Client) -> None:
    body = {"group_id": GROUP, "persona_id": "sim_zhaoliu", "persona_name": "赵六", "join": True}
    r = await client.post("/api/sim/send", json=body)
    events = (await r.json())["events"]
    assert r.status == 200
    assert events[0]["text"] == "（赵六 加入了群聊）"
    assert events[1]["text"].startswith("欢迎 赵六 加入")
    private = {**body, "group_id": None}
    refused = await client.post("/api/sim/send", json=private)
    assert refused.status == 400
    assert "村群" in (await refused.json())["error"]
