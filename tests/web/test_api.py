"""The JSON API (issue 11, item 10): bearer tokens, scopes, JSON errors with the right
status, the report as the CLI gives it, and the OpenAPI description."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from click.testing import CliRunner

from bot.cli import main
from config import Settings
from tests.web.conftest import World

Client = TestClient[web.Request, web.Application]


def bearer(world: World, user: str = "shifan") -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[user]}"}


async def test_without_a_valid_token_the_api_answers_401(client: Client, world: World) -> None:
    r = await client.get("/api/v1/entries")
    assert r.status == 401
    assert "error" in await r.json()
    r = await client.get("/api/v1/entries", headers={"Authorization": "Bearer nope"})
    assert r.status == 401
    assert (await r.json())["error"] == "API 令牌无效或已作废"


async def test_villages_and_counsel_of_the_scope(client: Client, world: World) -> None:
    villages = await (await client.get("/api/v1/villages", headers=bearer(world))).json()
    assert [v["id"] for v in villages] == ["DL01", "DL02"]
    assert villages[0]["counsel_ids"] == ["L001"]
    province = await (await client.get("/api/v1/villages", headers=bearer(world, "yisheng"))).json()
    assert {v["id"] for v in province} == {"DL01", "DL02", "LX01"}
    counsel = await (await client.get("/api/v1/counsel", headers=bearer(world))).json()
    assert [c["id"] for c in counsel] == ["L001"]


async def test_the_report_has_the_fields_and_figures_of_the_cli(
    client: Client, world: World, db_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    month = datetime.now(settings.tz).strftime("%Y-%m")
    r = await client.get(
        "/api/v1/report", params={"month": month, "county": "示范县"}, headers=bearer(world)
    )
    assert r.status == 200
    api_rows: list[dict[str, Any]] = await r.json()
    monkeypatch.setenv("VCBOT_DATABASE_URL", db_url)
    out = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["report", "--month", month, "--county", "示范县", "--format", "json"],
    )
    assert out.exit_code == 0, out.output
    assert api_rows == json.loads(out.stdout)
    assert {r["village_id"] for r in api_rows} == {"DL01", "DL02"}


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"month": "2026-13"}, 400, "YYYY-MM"),
        ({}, 400, "month"),
        ({"month": "2026-11", "county": "无此县"}, 404, "无此县"),
        ({"month": "2026-11", "county": "邻县"}, 403, "不在您的管辖范围内"),
    ],
)
async def test_report_errors_are_json_with_their_status(
    client: Client, world: World, params: dict[str, str], status: int, words: str
) -> None:
    r = await client.get("/api/v1/report", params=params, headers=bearer(world))
    assert r.status == status
    body = await r.json()
    assert list(body) == ["error"]
    assert words in body["error"]


async def test_entries_are_created_read_patched_and_deleted(
    client: Client, world: World, settings: Settings
) -> None:
    today = datetime.now(settings.tz).date().isoformat()
    new = {
        "counsel_id": "L001",
        "village_id": "DL02",
        "day": today,
        "kind": "offsite",
        "channel": "phone",
        "minutes": 20,
        "summary": "API 新增",
    }
    r = await client.post("/api/v1/entries", json=new, headers=bearer(world))
    assert r.status == 201, await r.text()
    entry = await r.json()
    assert entry["source"] == "web"
    assert entry["created_by"] == "bureau:shifan"
    url = f"/api/v1/entries/{entry['id']}"
    assert (await (await client.get(url, headers=bearer(world))).json())["minutes"] == 20
    r = await client.patch(url, json={"minutes": 35}, headers=bearer(world))
    assert r.status == 200
    assert (await r.json())["minutes"] == 35
    listed = await (
        await client.get("/api/v1/entries", params={"village": "DL02"}, headers=bearer(world))
    ).json()
    assert listed["total"] == 1
    assert listed["minutes"] == 35
    assert (await client.delete(url, headers=bearer(world))).status == 200
    assert (await client.get(url, headers=bearer(world))).status == 404


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"minutes": 0}, 400, "minutes"),
        ({"minutes": 30, "surprise": 1}, 400, "surprise"),
        ({"minutes": 30, "channel": "visit"}, 400, "不能记为"),
        ({"minutes": 30, "counsel_id": "L900"}, 400, "没有派驻"),
        ({"minutes": 30, "village_id": "NOPE"}, 404, "NOPE"),
    ],
)
async def test_bad_entries_are_refused_with_json_errors(
    client: Client, world: World, settings: Settings, body: dict[str, Any], status: int, words: str
) -> None:
    today = datetime.now(settings.tz).date().isoformat()
    new = {
        "counsel_id": "L001",
        "village_id": "DL01",
        "day": today,
        "kind": "offsite",
        "channel": "phone",
        **body,
    }
    r = await client.post("/api/v1/entries", json=new, headers=bearer(world))
    assert r.status == status
    error = (await r.json())["error"]
    assert words in error


async def test_a_locked_month_is_423_and_an_empty_patch_400(client: Client, world: World) -> None:
    url = f"/api/v1/entries/{world.closed_entry}"
    r = await client.patch(url, json={"minutes": 60}, headers=bearer(world))
    assert r.status == 423
    assert "关账" in (await r.json())["error"]
    assert (await client.delete(url, headers=bearer(world))).status == 423
    empty = await client.patch(f"/api/v1/entries/{world.entry}", json={}, headers=bearer(world))
    assert empty.status == 400
    bad_id = await client.get("/api/v1/entries/abc", headers=bearer(world))
    assert bad_id.status == 400
    assert "error" in await bad_id.json()


async def test_complaints_and_handling_twice_is_409(client: Client, world: World) -> None:
    found = await (await client.get("/api/v1/complaints", headers=bearer(world))).json()
    assert [c["id"] for c in found] == [world.complaint]
    url = f"/api/v1/complaints/{world.complaint}/handle"
    first = await client.post(url, json={"resolution": "已回访"}, headers=bearer(world))
    assert first.status == 200
    assert (await first.json())["status"] == "handled"
    second = await client.post(url, json={"resolution": "再次"}, headers=bearer(world))
    assert second.status == 409
    assert "处理完毕" in (await second.json())["error"]


async def test_the_openapi_description_is_generated_from_the_handlers(
    client: Client, world: World
) -> None:
    spec = await (await client.get("/api/openapi.json")).json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    assert {"/api/v1/report", "/api/v1/entries", "/api/v1/entries/{entry_id}"} <= set(paths)
    report = paths["/api/v1/report"]["get"]
    assert {p["name"] for p in report["parameters"]} == {"month", "county"}
    assert "423" in paths["/api/v1/entries/{entry_id}"]["patch"]["responses"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    docs = await (await client.get("/api/docs")).text()
    assert "GET /api/v1/report" in docs


async def test_a_call_back_through_the_api(client: Client, world: World) -> None:
    url = f"/api/v1/entries/{world.entry}/callback"
    r = await client.post(url, json={"result": "confirmed", "note": "属实"}, headers=bearer(world))
    assert r.status == 201
    assert (await r.json())["checked_by"] == "bureau:shifan"
    bad = await client.post(url, json={"result": "perhaps"}, headers=bearer(world))
    assert bad.status == 400
    assert "result" in (await bad.json())["error"]
