"""What a second read of the console found (issue 11), each kept from coming back:
redirects off the site, copied cookies after logout, complaints of another county, and
inputs that gave a 500 instead of saying what was wrong."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook

from config import Settings
from handlers.dispatcher import Dispatcher
from storage.db import Database
from storage.models import Assignment, Complaint
from tests.web.conftest import PASSWORD, World, csrf_of, login
from web.app import create_app

Client = TestClient[web.Request, web.Application]
HTML = {"Accept": "text/html"}


@pytest.mark.parametrize(
    "target",
    ["/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil", "https://evil.example/"],
)
async def test_next_never_leads_off_the_site(client: Client, world: World, target: str) -> None:
    token = csrf_of(await (await client.get("/login")).text())
    r = await client.post(
        "/login",
        data={"_csrf": token, "username": "shifan", "password": PASSWORD, "next": target},
        allow_redirects=False,
    )
    assert r.headers["Location"] == "/console/"


async def test_a_copied_cookie_dies_with_the_logout(client: Client, world: World) -> None:
    csrf = await login(client, "shifan")
    copied = "; ".join(f"{c.key}={c.value}" for c in client.session.cookie_jar)
    thief = {"Cookie": copied}
    assert (await client.get("/console/log", headers=thief, allow_redirects=False)).status == 200
    await client.post("/logout", data={"_csrf": csrf}, allow_redirects=False)
    after = await client.get("/console/log", headers=thief, allow_redirects=False)
    assert after.status == 303  # the cookie is still well formed, but its epoch has passed


async def test_a_villageless_complaint_belongs_where_the_counsel_served_that_day(
    client: Client, world: World, db: Database
) -> None:
    async with db.transaction() as session:  # L900 once served 示范县's DL02, years ago
        session.add(
            Assignment(
                counsel_id="L900", village_id="DL02", start=date(2019, 1, 1), end=date(2019, 12, 31)
            )
        )
        complaint = Complaint(counsel_id="L900", complainant_id="wx_v9", text="邻县律师没回电话")
        session.add(complaint)
        await session.flush()
        complaint_id = complaint.id
    csrf = await login(client, "shifan")
    listed = await (await client.get("/console/complaints", params={"status": "all"})).text()
    assert "邻县律师没回电话" not in listed
    handle = await client.post(
        f"/console/complaints/{complaint_id}/handle",
        data={"_csrf": csrf, "resolution": "越权"},
        headers=HTML,
    )
    assert handle.status == 403
    api = await client.get(
        "/api/v1/complaints",
        params={"status": "all"},
        headers={"Authorization": f"Bearer {world.tokens['linxian']}"},
    )
    assert "邻县律师没回电话" in await api.text()  # 邻县, where L900 serves now, sees it


@pytest.mark.parametrize(
    "path",
    [
        "/console/log?page=²",
        "/console/entries/²",
        "/console/log?sample=²&sample_month=2026-01",
        "/console/?to=0001-01",
        "/console/log?sample=5&sample_month=0000-05&seed=1",
    ],
)
async def test_odd_numbers_and_years_are_bad_input(client: Client, world: World, path: str) -> None:
    await login(client, "shifan")
    r = await client.get(path, headers=HTML)
    assert r.status == 400, await r.text()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/report?month=0000-01", None),
        ("GET", "/api/v1/entries/99999999999999999999", None),
        ("GET", "/api/v1/entries?offset=99999999999999999999", None),
        ("PATCH", "/api/v1/entries/{entry}", {"minutes": None}),
        ("PATCH", "/api/v1/entries/{entry}", {"day": None}),
        ("PATCH", "/api/v1/entries/{entry}", {"summary": None}),
    ],
)
async def test_the_api_answers_bad_values_with_400(
    client: Client, world: World, method: str, path: str, body: object
) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['shifan']}"}
    r = await client.request(method, path.format(entry=world.entry), json=body, headers=headers)
    assert r.status == 400, await r.text()
    assert "error" in await r.json()


async def test_a_form_that_is_not_utf8_is_bad_input(client: Client, world: World) -> None:
    csrf = await login(client, "shifan")
    for content_type in (
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=bogus",
    ):
        r = await client.post(
            f"/console/entries/{world.entry}",
            data=f"_csrf={csrf}&summary=".encode() + b"\xff\xfe",
            headers={"Content-Type": content_type, **HTML},
        )
        assert r.status == 400, content_type


async def test_a_control_character_does_not_break_the_excel_export(
    client: Client, world: World, settings: Settings
) -> None:
    csrf = await login(client, "shifan")
    today = datetime.now(settings.tz).date().isoformat()
    saved = await client.post(
        f"/console/entries/{world.entry}",
        data={
            "_csrf": csrf,
            "village_id": "DL01",
            "day": today,
            "kind": "offsite",
            "channel": "wechat",
            "minutes": "15",
            "summary": "bad\x07char\x1b",
            "activity": "",
        },
        allow_redirects=False,
    )
    assert saved.status == 303
    r = await client.get("/console/log", params={"format": "xlsx"})
    assert r.status == 200
    sheet = load_workbook(io.BytesIO(await r.read())).active
    assert sheet is not None
    assert any(c.value == "badchar" for row in sheet.iter_rows() for c in row)


async def test_production_cookies_are_secure(
    db: Database, settings: Settings, dispatcher: Dispatcher
) -> None:
    production = settings.model_copy(
        update={"mode": "production", "secret_key": "k" * 20 + "x" * 20}
    )
    async with TestClient(TestServer(create_app(production, db), host="127.0.0.1")) as c:
        r = await c.get("/login")  # the form's CSRF token lives in the session cookie
        cookie = r.headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
