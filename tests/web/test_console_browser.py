"""The bureaus' console and the public lookup in real Chromium (issue 11, done-when): log in,
the matrix, a drill-down, an entry edit, the exports and the public card, on a phone-sized
and a desk-sized window, with full-page screenshots saved under a folder the run prints."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    ViewportSize,
    async_playwright,
)
from sqlmodel import col, select

from config import Settings
from storage.db import Database
from storage.models import AuditEntry, ServiceLogEntry
from storage.periods import Month
from tests.web.conftest import PASSWORD, World
from tests.web.test_browser import CHROMIUM, FLAGS

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="未安装 chromium（make browser-deps 会安装）"
)

VIEWPORTS: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desk": {"width": 1366, "height": 900},
}
REPO = Path(__file__).resolve().parents[2]
# a violation is reported to the page's own listener, whatever the console shows
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.vcbotCsp(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


@pytest.fixture(scope="session")
def shots(request: pytest.FixtureRequest) -> Path:
    """The screenshot folder (``VCBOT_SCREENSHOTS`` or ``var/screenshots``), printed once."""
    folder = Path(os.environ.get("VCBOT_SCREENSHOTS") or REPO / "var" / "screenshots").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():  # what capsys.disabled() does
            reporter.ensure_newline()
            reporter.write_line(f"截图保存在：{folder}")
    return folder


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium with the machine's closed network in mind."""
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        await b.close()


class Watch:
    """What went wrong in the page: console errors, uncaught exceptions, CSP violations."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.csp: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} @ {message.location.get('url', '')}")
        if "Content Security Policy" in message.text:
            self.csp.append(message.text)

    def page_error(self, error: Any) -> None:
        self.errors.append(f"uncaught: {error}")

    def violation(self, what: str) -> None:
        self.csp.append(what)


async def _context(browser: Browser, viewport: str, watch: Watch) -> BrowserContext:
    context = await browser.new_context(
        viewport=VIEWPORTS[viewport],
        accept_downloads=True,
        locale="zh-CN",
    )
    await context.expose_function("vcbotCsp", watch.violation)
    await context.add_init_script(CSP_LISTENER)
    return context


async def _page(context: BrowserContext, watch: Watch) -> Page:
    page = await context.new_page()
    page.on("console", watch.console)
    page.on("pageerror", watch.page_error)
    return page


@pytest.fixture
def watch() -> Watch:
    """Collects the page's complaints; the test asserts on them at its end."""
    return Watch()


async def _log_in(page: Page, username: str, password: str) -> None:
    await page.fill("#username", username)
    await page.fill("#password", password)
    async with page.expect_navigation():
        await page.click("#login button[type=submit]")


async def _fits_the_window(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    inner = await page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url} 比窗口宽：{width} > {inner}"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
async def test_console_walkthrough(
    viewport: str,
    browser: Browser,
    client: TestClient[Any, Any],
    world: World,
    db: Database,
    settings: Settings,
    shots: Path,
    watch: Watch,
) -> None:
    phone = viewport == "phone"
    context = await _context(browser, viewport, watch)
    page = await _page(context, watch)

    def url(path: str) -> str:
        return str(client.make_url(path))

    def shot(name: str) -> Path:
        return shots / f"{viewport}-{name}"

    # 1. the console sends a stranger to the login form
    await page.goto(url("/console/"))
    assert page.url.startswith(url("/login"))
    await page.locator("#login").wait_for()
    assert await page.locator("#login input[name=_csrf]").get_attribute("value")
    await page.fill("#username", "shifan")
    await page.fill("#password", PASSWORD)
    await page.screenshot(path=shot("01-login.png"), full_page=True)
    async with page.expect_navigation():
        await page.click("#login button[type=submit]")

    # 2. the matrix of 示范县
    assert page.url == url("/console/")
    matrix = page.locator("#matrix")
    await matrix.wait_for()
    assert await page.locator("#console-nav").is_visible()
    row = matrix.locator("tbody tr", has_text="南岗村")
    assert await row.count() == 1
    this_month = Month.of(datetime.now(settings.tz).date())
    drill = row.locator(f'td.cell a.drill[href*="from={this_month.first.isoformat()}"]')
    assert await drill.count() == 1
    assert "village=DL01" in (await drill.get_attribute("href") or "")
    assert "邻村" not in await matrix.inner_text()  # another county's village
    if phone:  # the matrix scrolls inside its wrapper, the page does not
        await _fits_the_window(page)
    await page.screenshot(path=shot("02-matrix.png"), full_page=True)

    # 3. the drill-down: the log of DL01 and 陈明远 this month
    async with page.expect_navigation():
        await drill.click()
    assert "village=DL01" in page.url
    assert "counsel=L001" in page.url
    assert f"from={this_month.first.isoformat()}" in page.url
    assert (await page.inner_text("#log-count")).startswith("共 1 条")
    link = page.locator(f'#log a.entry-link[href="/console/entries/{world.entry}"]')
    assert await link.count() == 1
    assert await page.locator("#log a.entry-link").count() == 1
    if phone:
        await _fits_the_window(page)
    await page.screenshot(path=shot("03-drilldown.png"), full_page=True)

    # 4. the entry: its evidence, then an edit of the minutes and the summary
    async with page.expect_navigation():
        await link.click()
    assert page.url == url(f"/console/entries/{world.entry}")
    assert "宅基地被占了怎么办" in await page.inner_text("#evidence")
    assert await page.input_value("#minutes") == "15"
    await page.fill("#minutes", "25")
    await page.fill("#summary", "电话回访：宅基地问题已调解")
    async with page.expect_navigation():
        await page.click("#save-entry")
    assert page.url.startswith(url(f"/console/entries/{world.entry}"))
    assert await page.input_value("#minutes") == "25"
    assert await page.input_value("#summary") == "电话回访：宅基地问题已调解"
    edits = page.locator("#history li", has_text="修改")
    assert await edits.count() == 1
    edit = await edits.first.inner_text()
    assert "bureau:shifan" in edit
    assert "15 → 25" in edit
    if phone:
        await _fits_the_window(page)
    await page.screenshot(path=shot("04-entry-edited.png"), full_page=True)
    async with db.read() as session:
        entry = await session.get(ServiceLogEntry, world.entry)
        assert entry is not None
        assert entry.minutes == 25
        assert entry.summary == "电话回访：宅基地问题已调解"
        audits = (
            await session.exec(
                select(AuditEntry).where(
                    col(AuditEntry.entity) == "service_log",
                    col(AuditEntry.entity_id) == str(world.entry),
                    col(AuditEntry.action) == "update",
                )
            )
        ).all()
    assert [a.actor for a in audits] == ["bureau:shifan"]

    # 5. the exports: the filtered log as CSV, the matrix as Excel
    await page.goto(url("/console/log?village=DL01"))
    async with page.expect_download() as csv_info:
        await page.click("#export-log-csv")
    csv_download = await csv_info.value
    assert csv_download.suggested_filename == "服务日志.csv"
    csv_path = shot("05-export-log.csv")
    await csv_download.save_as(csv_path)
    data = csv_path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "日期" in text.splitlines()[0]
    assert "南岗村" in text
    assert "电话回访：宅基地问题已调解" in text
    await page.screenshot(path=shot("05-export.png"), full_page=True)

    await page.goto(url("/console/"))
    async with page.expect_download() as xlsx_info:
        await page.click("#export-matrix-xlsx")
    xlsx_download = await xlsx_info.value
    assert xlsx_download.suggested_filename.endswith(".xlsx")
    xlsx_path = shot("05-export-matrix.xlsx")
    await xlsx_download.save_as(xlsx_path)
    book = openpyxl.load_workbook(xlsx_path, read_only=True)
    try:
        sheet = book.active
        cells = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    assert cells[0][:3] == ("县（区）", "镇（街道）", "村（社区）")
    villages = {r[2] for r in cells[1:]}
    assert villages == {"南岗村", "北坑村"}

    # 6. the public lookup: 南岗 finds the card with the counsel and the channels
    await page.goto(url("/"))
    await page.fill("#q", "南岗")
    async with page.expect_navigation():
        await page.click("#find button[type=submit]")
    card = page.locator("#card")
    if not await card.count():  # a list of hits: open 南岗村's card
        async with page.expect_navigation():
            await page.click("#results a.village-link >> text=南岗村")
    await card.wait_for()
    assert await page.inner_text("#card .counsel-name") == "陈明远"
    assert await page.locator("#channels").is_visible()
    if phone:
        await _fits_the_window(page)
    await page.screenshot(path=shot("06-public-card.png"), full_page=True)

    await context.close()
    assert watch.errors == []
    assert watch.csp == []


async def test_wrong_password_then_lockout(
    browser: Browser, client: TestClient[Any, Any], world: World, settings: Settings, watch: Watch
) -> None:
    context = await _context(browser, "desk", watch)
    page = await _page(context, watch)
    login = str(client.make_url("/login"))
    await page.goto(login)
    statuses: list[int] = []
    for _ in range(settings.web.login_max_failures):
        async with page.expect_response(
            lambda r: r.request.method == "POST" and r.url == login
        ) as answer:
            await _log_in(page, "shifan", "not-the-password")
        statuses.append((await answer.value).status)
        assert page.url == login
        assert "用户名或密码不对" in await page.inner_text("#login-error")
        assert await page.input_value("#username") == "shifan"
    assert statuses == [401] * settings.web.login_max_failures
    # locked out: even the right password is refused for a while
    async with page.expect_response(
        lambda r: r.request.method == "POST" and r.url == login
    ) as answer:
        await _log_in(page, "shifan", PASSWORD)
    response = await answer.value
    assert response.status == 429
    assert await response.header_value("retry-after")
    assert page.url == login
    assert await page.locator("#login-error").is_visible()
    await context.close()
    # a failed form answers 401/429, which Chromium reports as a failed resource load
    assert [e for e in watch.errors if "status of 4" not in e] == []
    assert watch.csp == []
