"""The simulator in real Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, async_playwright

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="未安装 chromium（make browser-deps 会安装）"
)
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium with the machine's closed network in mind."""
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        await b.close()


async def test_simulator_answers_a_question(browser: Browser, client: TestClient[Any, Any]) -> None:
    page = await browser.new_page()
    await page.goto(str(client.make_url("/simulator")))
    await page.wait_for_selector("#persona option", state="attached")
    await page.fill("#text", "我家宅基地被占了怎么办")
    await page.click("button[type=submit]")
    bot = page.locator(".msg.out")
    await bot.first.wait_for()
    text = await bot.first.inner_text()
    assert "@陈明远" in text
    assert "#1" in text


async def test_empty_message_shows_an_error(browser: Browser, client: TestClient[Any, Any]) -> None:
    page = await browser.new_page()
    await page.goto(str(client.make_url("/simulator")))
    await page.wait_for_selector("#persona option", state="attached")
    await page.click("button[type=submit]")
    assert await page.inner_text("#error") == "请输入内容"


async def test_first_page_renders_the_notice(
    browser: Browser, client: TestClient[Any, Any]
) -> None:
    page = await browser.new_page(viewport={"width": 375, "height": 740})
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    await page.goto(str(client.make_url("/")))
    assert "村（社区）法律顾问公示" in await page.inner_text("h1")
    assert await page.locator("#results a.village-link").count() == 2
    await page.fill("#q", "南岗")
    await page.click("#find button[type=submit]")
    await page.locator("#card").wait_for()
    assert await page.inner_text("#card .counsel-name") == "陈明远"
    assert "12348" in await page.inner_text("#channels")
    # a phone: nothing wider than the screen, the form's fields one under another
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    boxes = [await page.locator(s).bounding_box() for s in ("#county", "#town", "#q")]
    tops = [box["y"] for box in boxes if box is not None]
    assert len(tops) == 3
    assert tops[0] < tops[1] < tops[2]
    assert refused == []
