"""The bureaus' console over HTTP (issue 11): login, CSRF, lockout, the matrix, the log,
entry edits within the month lock, complaints, exports."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from aiohttp import web
from aiohttp.test_utils import TestClient
from openpyxl import load_workbook
from sqlmodel import col, select

from config import Settings
from storage.db import Database
from storage.models import AuditEntry, CallbackCheck, Complaint, ServiceLogEntry
from storage.services import accounts
from tests.web.conftest import PASSWORD, World, csrf_of, login

Client = TestClient[web.Request, web.Application]
HTML = {"Accept": "text/html"}


async def test_a_stranger_is_sent_to_the_login_form(client: Client, world: World) -> None:
    r = await client.get("/console/log", allow_redirects=False)
    assert r.status == 303
    assert r.headers["Location"] in ("/login?next=/console/log", "/login?next=%2Fconsole%2Flog")
    post = await client.post("/console/entries", data={}, allow_redirects=False)
    assert post.status in (401, 403)  # no login (and no CSRF token): never a write


async def test_the_login_form_needs_its_csrf_token(client: Client, world: World) -> None:
    await client.get("/login")
    r = await client.post("/login", data={"username": "shifan", "password": PASSWORD})
    assert r.status == 403
    assert "CSRF" in await r.text()


async def test_the_session_cookie_is_httponly_and_samesite(client: Client, world: World) -> None:
    page = await client.get("/login")
    r = await client.post(
        "/login",
        data={"_csrf": csrf_of(await page.text()), "username": "shifan", "password": PASSWORD},
        allow_redirects=False,
    )
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert PASSWORD not in cookie


async def test_wrong_passwords_lock_out_with_429(
    client: Client, world: World, settings: Settings
) -> None:
    token = csrf_of(await (await client.get("/login")).text())
    for _ in range(settings.web.login_max_failures):
        r = await client.post(
            "/login", data={"_csrf": token, "username": "shifan", "password": "wrong"}
        )
        assert r.status == 401
        assert "用户名或密码不对" in await r.text()
    r = await client.post(
        "/login", data={"_csrf": token, "username": "shifan", "password": PASSWORD}
    )
    assert r.status == 429
    assert int(r.headers["Retry-After"]) > 0
    assert "登录失败次数过多" in await r.text()


async def test_next_never_leaves_the_site(client: Client, world: World) -> None:
    token = csrf_of(await (await client.get("/login")).text())
    r = await client.post(
        "/login",
        data={
            "_csrf": token,
            "username": "shifan",
            "password": PASSWORD,
            "next": "//evil.example/x",
        },
        allow_redirects=False,
    )
    assert r.headers["Location"] == "/console/"


async def test_a_disabled_user_is_logged_out_at_the_next_request(
    client: Client, world: World, db: Database, settings: Settings
) -> None:
    await login(client, "shifan")
    assert (await client.get("/console/log", allow_redirects=False)).status == 200
    async with db.transaction() as s:
        await accounts.disable_user(s, "shifan", actor="cli", now=datetime.now(settings.tz))
    assert (await client.get("/console/log", allow_redirects=False)).status == 303


async def test_logout_ends_the_session_and_is_audited(
    client: Client, world: World, db: Database
) -> None:
    csrf = await login(client, "shifan")
    assert (await client.post("/logout", allow_redirects=False)).status == 403  # no token
    r = await client.post("/logout", data={"_csrf": csrf}, allow_redirects=False)
    assert r.status == 303
    assert (await client.get("/console/", allow_redirects=False)).status == 303
    async with db.read() as s:
        actions = set(await s.exec(select(AuditEntry.action)))
    assert {"login", "logout"} <= actions


async def test_the_matrix_shows_villages_by_month_with_hours(client: Client, world: World) -> None:
    await login(client, "shifan")
    html = await (await client.get("/console/")).text()
    assert 'id="matrix"' in html
    assert "南岗村" in html
    assert "北坑村" in html
    assert "东岭镇" in html  # the town totals
    assert 'class="drill"' in html
    assert "/console/log?village=DL01" in html


async def test_the_matrix_filters_by_status_and_refuses_bad_months(
    client: Client, world: World
) -> None:
    await login(client, "shifan")
    r = await client.get("/console/", params={"from": "2026-13"}, headers=HTML)
    assert r.status == 400
    assert "YYYY-MM" in await r.text()
    r = await client.get("/console/", params={"from": "2026-11", "to": "2026-01"}, headers=HTML)
    assert r.status == 400
    assert "晚于" in await r.text()
    r = await client.get("/console/", params={"from": "2020-01", "to": "2026-11"}, headers=HTML)
    assert r.status == 400
    assert "最多" in await r.text()
    r = await client.get("/console/", params={"status": "bogus"}, headers=HTML)
    assert r.status == 400
    met_only = await (await client.get("/console/", params={"status": "met"})).text()
    assert "南岗村" not in met_only  # 15 minutes this month meets nothing


async def test_matrix_exports(client: Client, world: World) -> None:
    await login(client, "shifan")
    r = await client.get("/console/", params={"format": "csv"})
    assert r.headers["Content-Disposition"].startswith("attachment")
    text = await r.text()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["县（区）", "镇（街道）", "村（社区）"]
    assert any("南岗村" in row for row in rows)
    x = await client.get("/console/", params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(await x.read())).active
    assert sheet is not None
    assert any(c.value == "南岗村" for row in sheet.iter_rows() for c in row)


async def test_the_log_shows_the_question_and_answer_behind_an_entry(
    client: Client, world: World
) -> None:
    await login(client, "shifan")
    html = await (await client.get("/console/log")).text()
    assert "宅基地被占了怎么办" in html
    assert "先找村调解委员会调解" in html
    entry = await (await client.get(f"/console/entries/{world.entry}")).text()
    assert 'id="evidence"' in entry
    assert "先找村调解委员会调解，不成可起诉。" in entry


async def test_the_log_filters_and_refuses_bad_filters(client: Client, world: World) -> None:
    await login(client, "shifan")
    onsite = await (await client.get("/console/log", params={"kind": "onsite"})).text()
    assert "驻村" in onsite
    assert "群里答复宅基地问题" not in onsite
    for params, words in (
        ({"from": "2026-02-30"}, "YYYY-MM-DD"),
        ({"kind": "nap"}, "kind"),
        ({"from": "2026-11-20", "to": "2026-11-01"}, "晚于"),
        ({"page": "0"}, "page"),
        ({"village": "x" * 65}, "太长"),
    ):
        r = await client.get("/console/log", params=params, headers=HTML)
        assert r.status == 400, params
        assert words in await r.text(), params
    csv_text = await (
        await client.get("/console/log", params={"format": "csv", "kind": "onsite"})
    ).text()
    assert "驻村" in csv_text
    assert "群里答复宅基地问题" not in csv_text


async def test_an_entry_is_edited_audited_and_the_history_shown(
    client: Client, world: World, db: Database
) -> None:
    csrf = await login(client, "shifan")
    page = await (await client.get(f"/console/entries/{world.entry}")).text()
    day = page.split('name="day" type="date" required value="')[1][:10]
    r = await client.post(
        f"/console/entries/{world.entry}",
        data={
            "_csrf": csrf,
            "village_id": "DL01",
            "day": day,
            "kind": "offsite",
            "channel": "wechat",
            "minutes": "25",
            "summary": "改过的摘要",
            "activity": "",
        },
        allow_redirects=False,
    )
    assert r.status == 303, await r.text()
    async with db.read() as s:
        entry = await s.get(ServiceLogEntry, world.entry)
        audit = (await s.exec(select(AuditEntry).where(AuditEntry.action == "update"))).one()
    assert entry is not None
    assert entry.minutes == 25
    assert audit.actor == "bureau:shifan"
    after = await (await client.get(f"/console/entries/{world.entry}")).text()
    assert "分钟 15 → 25" in after
    audit_page = await (await client.get("/console/audit")).text()
    assert f"#{world.entry}" in audit_page
    assert "25 分钟" in audit_page


async def test_a_closed_month_is_locked_423(client: Client, world: World, db: Database) -> None:
    csrf = await login(client, "shifan")
    r = await client.post(
        f"/console/entries/{world.closed_entry}/delete", data={"_csrf": csrf}, headers=HTML
    )
    assert r.status == 423
    assert "关账" in await r.text()
    async with db.read() as s:
        assert await s.get(ServiceLogEntry, world.closed_entry) is not None


async def test_bad_entry_forms_say_what_is_wrong(client: Client, world: World) -> None:
    csrf = await login(client, "shifan")
    base = {
        "_csrf": csrf,
        "village_id": "DL01",
        "day": "2026-11-02",
        "kind": "offsite",
        "channel": "phone",
        "summary": "",
        "activity": "",
    }
    for change, words in (
        ({"minutes": "0"}, "minutes"),
        ({"minutes": "abc"}, "minutes"),
        ({"minutes": "30", "day": "2026-11-31"}, "YYYY-MM-DD"),
        ({"minutes": "30", "channel": "visit"}, "不能记为"),
        ({"minutes": "30", "village_id": "NOPE"}, "NOPE"),
    ):
        r = await client.post(
            f"/console/entries/{world.entry}", data={**base, **change}, headers=HTML
        )
        assert r.status in (400, 404), change
        assert words in await r.text(), change
    assert (await client.get("/console/entries/abc", headers=HTML)).status == 400
    assert (await client.get("/console/entries/999999", headers=HTML)).status == 404


async def test_a_new_entry_and_a_deletion(
    client: Client, world: World, db: Database, settings: Settings
) -> None:
    csrf = await login(client, "shifan")
    today = datetime.now(settings.tz).date().isoformat()
    r = await client.post(
        "/console/entries",
        data={
            "_csrf": csrf,
            "counsel_id": "L001",
            "village_id": "DL02",
            "day": today,
            "kind": "offsite",
            "channel": "phone",
            "minutes": "40",
            "summary": "电话回访",
            "activity": "",
        },
        allow_redirects=False,
    )
    assert r.status == 303, await r.text()
    new_id = int(r.headers["Location"].split("/")[-1].split("?")[0])
    r = await client.post(
        f"/console/entries/{new_id}/delete", data={"_csrf": csrf}, allow_redirects=False
    )
    assert r.status == 303
    async with db.read() as s:
        assert await s.get(ServiceLogEntry, new_id) is None
        stmt = select(AuditEntry.action).where(AuditEntry.entity_id == str(new_id))
        assert list(await s.exec(stmt.order_by(col(AuditEntry.id)))) == ["create", "delete"]
    audit_page = await (await client.get("/console/audit")).text()
    assert f"#{new_id}" in audit_page
    assert "删除" in audit_page


async def test_complaints_are_listed_handled_and_exported(
    client: Client, world: World, db: Database
) -> None:
    csrf = await login(client, "shifan")
    html = await (await client.get("/console/complaints")).text()
    assert "没来驻村" in html
    assert "邻县投诉" not in html
    url = f"/console/complaints/{world.complaint}/handle"
    empty = await client.post(url, data={"_csrf": csrf, "resolution": " "}, headers=HTML)
    assert empty.status == 400
    ok = await client.post(
        url, data={"_csrf": csrf, "resolution": "已约谈律师"}, allow_redirects=False
    )
    assert ok.status == 303
    again = await client.post(url, data={"_csrf": csrf, "resolution": "再来"}, headers=HTML)
    assert again.status == 409
    async with db.read() as s:
        complaint = await s.get(Complaint, world.complaint)
    assert complaint is not None
    assert complaint.handled_by == "bureau:shifan"
    text = await (
        await client.get("/console/complaints", params={"status": "all", "format": "csv"})
    ).text()
    assert "已约谈律师" in text


async def test_the_counsel_page_has_a_chart_and_the_counsels_record(
    client: Client, world: World
) -> None:
    await login(client, "shifan")
    html = await (await client.get("/console/counsel/L001")).text()
    assert 'id="hours-chart" src="data:image/svg+xml' in html
    assert "南岗村" in html
    assert "没来驻村" in html  # the complaint about them
    assert (await client.get("/console/counsel/NOPE", headers=HTML)).status == 404


async def test_console_pages_carry_the_security_headers_and_no_inline_script(
    client: Client, world: World
) -> None:
    await login(client, "shifan")
    for path in ("/console/", "/console/log", "/console/counsel/L001", "/login", "/api/docs"):
        r = await client.get(path)
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "<script>" not in await r.text()


async def test_a_call_back_is_recorded_shown_in_the_log_and_audited(
    client: Client, world: World, db: Database
) -> None:
    csrf = await login(client, "shifan")
    url = f"/console/entries/{world.entry}/callback"
    bad = await client.post(url, data={"_csrf": csrf, "result": "maybe"}, headers=HTML)
    assert bad.status == 400
    assert "属实" in await bad.text()
    ok = await client.post(
        url,
        data={"_csrf": csrf, "result": "disputed", "note": "村民说没咨询过，电话13812345678"},
        allow_redirects=False,
    )
    assert ok.status == 303
    async with db.read() as s:
        check = (await s.exec(select(CallbackCheck))).one()
    assert check.result == "disputed"
    assert "13812345678" not in check.note  # masked like every stored text
    log = await (await client.get("/console/log")).text()
    assert "不属实" in log
    page = await (await client.get(f"/console/entries/{world.entry}")).text()
    assert "回访核实：不属实" in page
    assert "不属实" in await (await client.get("/console/log", params={"format": "csv"})).text()


async def test_a_call_back_sample_is_random_repeatable_and_skips_checked_entries(
    client: Client, world: World, db: Database, settings: Settings
) -> None:
    csrf = await login(client, "shifan")
    month = datetime.now(settings.tz).strftime("%Y-%m")
    r = await client.get(
        "/console/log", params={"sample": "5", "sample_month": month}, allow_redirects=False
    )
    assert r.status == 303
    seeded = r.headers["Location"]
    assert "seed=" in seeded
    first = await (await client.get(seeded)).text()
    assert first == await (await client.get(seeded)).text()
    assert f'href="/console/entries/{world.entry}"' in first
    assert "邻村" not in first
    await client.post(
        f"/console/entries/{world.entry}/callback",
        data={"_csrf": csrf, "result": "confirmed"},
    )
    after = await (await client.get(seeded)).text()
    assert f'href="/console/entries/{world.entry}"' not in after
    no_month = await client.get("/console/log", params={"sample": "5"}, headers=HTML)
    assert no_month.status == 400
