"""The public lookup at ``/`` (Q8, issue 11): find a village, see its counsel's card.

The roster of ``tests/handlers/conftest.py`` is loaded: 示范县 / 东岭镇 with 南岗村 (DL01)
and 北坑村 (DL02), both served by 陈明远 (wx_chen). Tests add places as they need them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from config import Settings
from handlers.texts.common import hm_span, md
from storage.db import Database
from storage.models import Assignment, Counsel, County, Question, Town, Village, Visit
from storage.services import public
from web.app import create_app

Client = TestClient[Any, Any]
XSS = "<script>alert(1)</script>"
LINK = re.compile(r'<a class="village-link" href="([^"]*)">([^<]*)</a>')


async def add_place(
    db: Database,
    county: str,
    town: str,
    villages: Sequence[tuple[str, str]],
    counsel: Sequence[Counsel] = (),
) -> tuple[int, int]:
    """A town (and its county, when new) with villages, each served by ``counsel``;
    returns the county's and the town's ids."""
    async with db.transaction() as session:
        found = (await session.exec(select(County).where(County.name == county))).first()
        if found is not None and found.id is not None:
            county_id = found.id
        else:
            row = County(name=county)
            session.add(row)
            await session.flush()
            assert row.id is not None
            county_id = row.id
        place = Town(county_id=county_id, name=town)
        session.add(place)
        await session.flush()
        assert place.id is not None
        for c in counsel:
            if await session.get(Counsel, c.id) is None:
                session.add(c)
        await session.flush()
        for village_id, name in villages:
            session.add(Village(id=village_id, name=name, town_id=place.id))
            await session.flush()
            for c in counsel:
                session.add(Assignment(counsel_id=c.id, village_id=village_id))
        return county_id, place.id


async def add_visits(db: Database, *visits: Visit) -> None:
    """Store visits as given."""
    async with db.transaction() as session:
        session.add_all(visits)


def links(html: str) -> list[tuple[str, str]]:
    """The result links: (href with ``&amp;`` undone, village name)."""
    return [(href.replace("&amp;", "&"), name) for href, name in LINK.findall(html)]


def section(html: str, element_id: str) -> str:
    """The HTML from the element with this id to the end of the page."""
    start = html.find(f'id="{element_id}"')
    assert start >= 0, f"#{element_id} is missing"
    return html[start:]


def selected(html: str, select_id: str) -> list[str]:
    """The labels of the selected options of a select."""
    body = section(html, select_id).split("</select>", 1)[0]
    return re.findall(r"<option value=\"\d+\" selected>([^<]*)</option>", body)


def options(html: str, select_id: str) -> list[str]:
    """The labels of a select's options with a value."""
    body = section(html, select_id).split("</select>", 1)[0]
    return re.findall(r"<option value=\"\d+\"(?: selected)?>([^<]*)</option>", body)


async def page(client: Client, **params: str) -> tuple[int, str]:
    """GET / with these parameters: the status and the HTML."""
    r = await client.get("/", params=params)
    return r.status, await r.text()


# --- the form --------------------------------------------------------------------------


async def test_the_only_county_is_preselected_with_its_towns(client: Client) -> None:
    status, html = await page(client)
    assert status == 200
    assert '<form id="find" class="find" method="get" action="/">' in html
    assert selected(html, "county") == ["示范县"]
    assert options(html, "town") == ["东岭镇"]
    assert 'id="q" name="q"' in html
    assert [name for _, name in links(html)] == ["南岗村", "北坑村"]  # by village id


async def test_towns_are_those_of_the_chosen_county(client: Client, db: Database) -> None:
    county_id, town_id = await add_place(db, "乙县", "西川镇", [("XC01", "西川村")])
    _, first = await page(client)
    assert selected(first, "county") == []  # two counties: none chosen
    assert options(first, "county") == ["乙县", "示范县"]
    assert options(first, "town") == []
    _, chosen = await page(client, county=str(county_id), town="", q="")
    assert selected(chosen, "county") == ["乙县"]
    assert options(chosen, "town") == ["西川镇"]
    assert [name for _, name in links(chosen)] == ["西川村"]
    # a town of another county (left over from the previous choice) is dropped
    _, elsewhere = await page(client, county=str(county_id), town=str(town_id + 100))
    assert selected(elsewhere, "town") == []
    _, town = await page(client, county=str(county_id), town=str(town_id))
    assert selected(town, "town") == ["西川镇"]


async def test_an_unknown_county_is_said_so_not_shown_as_another(
    client: Client, db: Database
) -> None:
    county_id, _ = await add_place(db, "乙县", "西川镇", [("XC01", "西川村")])
    for raw, shown in (
        ("999", "999"),
        ("abc", "abc"),
        ("-3", "-3"),
        (XSS, "&lt;script&gt;alert(1)&lt;/sc…"),
    ):
        status, html = await page(client, county=raw)
        assert status == 200
        assert f"没有编号为「{shown}」的县（市、区），请在上面重新选择。" in html
        assert selected(html, "county") == []
        assert "<script>" not in html
    _, known = await page(client, county=str(county_id))
    assert 'id="unknown-county"' not in known
    _, none = await page(client, county="")
    assert 'id="unknown-county"' not in none


async def test_the_page_has_no_inline_script_or_style(client: Client) -> None:
    _, html = await page(client, village="DL01")
    assert "<script" not in html
    assert "style=" not in html
    assert "<style" not in html


# --- finding villages ----------------------------------------------------------------


async def test_q_matches_part_of_the_name_or_the_id(client: Client) -> None:
    _, by_name = await page(client, q="岗")
    assert [name for _, name in links(by_name)] == ["南岗村"]
    _, by_id = await page(client, q="dl02")  # case does not matter
    assert [name for _, name in links(by_id)] == ["北坑村"]
    _, wildcard = await page(client, q="%")  # taken literally, not as a LIKE wildcard
    assert links(wildcard) == []
    assert "共找到 0 个村（社区）" in wildcard
    assert "没有找到符合条件的村（社区）" in wildcard


async def test_results_are_paged_twenty_at_a_time(client: Client, db: Database) -> None:
    names = [(f"XY{i:02d}", f"新屋{i:02d}村") for i in range(1, 26)]
    await add_place(db, "示范县", "西岭镇", names)
    status, first = await page(client, q="新屋")
    assert status == 200
    assert "共找到 25 个村（社区），第 1 / 2 页" in first
    assert [name for _, name in links(first)] == [n for _, n in names[:20]]
    assert 'class="prev"' not in first
    [next_href] = re.findall(r'class="next" rel="next" href="([^"]*)"', first)
    assert next_href.endswith("&amp;q=%E6%96%B0%E5%B1%8B&amp;page=2")
    _, second = await page(client, q="新屋", page="2")
    assert [name for _, name in links(second)] == [n for _, n in names[20:]]
    assert "第 2 / 2 页" in second
    assert 'class="prev"' in second
    assert 'class="next"' not in second


async def test_results_are_sorted_by_county_town_and_village_id(
    client: Client, db: Database
) -> None:
    await add_place(db, "示范县", "A镇", [("Z9", "A镇乙村"), ("A1", "A镇甲村")])
    await add_place(db, "0县", "Z镇", [("M5", "首县村")])
    _, html = await page(client)
    assert [name for _, name in links(html)] == ["首县村", "A镇甲村", "A镇乙村", "南岗村", "北坑村"]


@pytest.mark.parametrize("bad", ["abc", "0", "-3", "1.5", "", "２", "9" * 40])
async def test_a_bad_page_is_page_one(client: Client, bad: str) -> None:
    status, html = await page(client, page=bad)
    assert status == 200
    assert [name for _, name in links(html)] == ["南岗村", "北坑村"]


async def test_a_page_past_the_last_shows_the_last(client: Client) -> None:
    status, html = await page(client, page="99999")
    assert status == 200
    assert [name for _, name in links(html)] == ["南岗村", "北坑村"]


async def test_an_over_long_q_is_refused_without_a_query(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_query(*_: Any, **__: Any) -> None:
        raise AssertionError("an over-long q must not be looked up")

    monkeypatch.setattr(public, "find_villages", no_query)
    status, html = await page(client, q="村" * 65)
    assert status == 200
    assert "输入的村名太长了" in html
    assert 'id="results"' not in html


async def test_find_villages_counts_and_pages(db: Database, client: Client) -> None:
    await add_place(db, "示范县", "西岭镇", [(f"XY{i:02d}", f"新屋{i:02d}村") for i in range(7)])
    async with db.read() as session:
        found = await public.find_villages(session, text="新屋", page=2, per_page=3)
    assert found.total == 7
    assert found.pages == 3
    assert [h.village_id for h in found.hits] == ["XY03", "XY04", "XY05"]
    assert {h.town for h in found.hits} == {"西岭镇"}
    assert {h.county for h in found.hits} == {"示范县"}


# --- one village's card --------------------------------------------------------------


async def test_a_result_links_to_its_card_keeping_the_search(client: Client) -> None:
    _, html = await page(client, q="坑")
    [(href, name)] = links(html)
    assert name == "北坑村"
    county = re.findall(r"county=(\d+)", href)[0]
    assert href == f"/?county={county}&q=%E5%9D%91&page=1&village=DL02"
    _, card = await page(client, county=county, q="坑", page="1", village="DL02")
    assert 'id="results"' in card
    assert '<h2 id="card-title">北坑村</h2>' in section(card, "card")


async def test_exactly_one_match_shows_its_card(client: Client) -> None:
    _, html = await page(client, q="南岗")
    card = section(html, "card")
    assert '<span class="counsel-name">陈明远</span>' in card
    assert "示范正言律师事务所" in card
    assert 'href="tel:0000-1000001"' in card
    assert "chen@x.example" in card
    _, two = await page(client, q="村")
    assert 'id="card"' not in two


async def test_a_village_link_alone_shows_its_card_and_place(client: Client) -> None:
    status, html = await page(client, village="DL01")
    assert status == 200
    assert 'id="results"' not in html
    assert selected(html, "county") == ["示范县"]
    assert selected(html, "town") == ["东岭镇"]
    assert "示范县 · 东岭镇 · 编号 DL01" in section(html, "card")


async def test_the_card_shows_the_next_five_scheduled_visits(
    client: Client, db: Database, settings: Settings
) -> None:
    await add_place(
        db, "示范县", "西岭镇", [("XL01", "西岭村")], [Counsel(id="L009", name="周律师")]
    )
    soon = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(hours=2)
    planned = [
        Visit(
            counsel_id="L001",
            village_id="DL01",
            starts_at=soon + timedelta(days=d),
            ends_at=soon + timedelta(days=d, hours=3),
            place=f"村委会{d}",
        )
        for d in (6, 1, 3, 2, 5, 4)  # six, stored out of order
    ]
    await add_visits(
        db,
        *planned,
        Visit(counsel_id="L001", village_id="DL01", starts_at=soon - timedelta(days=1)),
        Visit(
            counsel_id="L001",
            village_id="DL01",
            starts_at=soon + timedelta(minutes=30),
            status="cancelled",
        ),
        Visit(counsel_id="L001", village_id="DL02", starts_at=soon, place="别村"),
        Visit(counsel_id="L009", village_id="DL01", starts_at=soon, place="前任"),  # not assigned
    )
    _, html = await page(client, village="DL01")
    items = re.findall(r"<li>(.*?)</li>", section(html, "visits").split("</ul>", 1)[0], re.S)
    assert len(items) == 5
    tz = settings.tz
    for item, days in zip(items, (1, 2, 3, 4, 5), strict=True):
        start = soon + timedelta(days=days)
        assert md(start.astimezone(tz).date()) in item
        assert hm_span(start, start + timedelta(hours=3), tz) in item
        assert f"村委会{days}" in item
        assert "（周" in item
    assert "别村" not in html
    assert "前任" not in html


async def test_a_card_without_visits_says_none_are_planned(client: Client) -> None:
    _, html = await page(client, village="DL02")
    assert 'id="visits"' not in html
    assert "暂未排期" in section(html, "card")


async def test_the_card_shows_legal_aid_and_complaint_channels(
    client: Client, settings: Settings
) -> None:
    _, html = await page(client, village="DL01")
    channels = section(section(html, "card"), "channels")
    contacts = settings.contacts
    for published in (
        contacts.legal_aid_hotline,
        contacts.legal_aid_centre,
        contacts.bureau_phone,
        contacts.bureau_email,
        contacts.complaint_email,
    ):
        assert published in channels
    assert "投诉" in channels


async def test_a_trainee_is_marked_and_listed_after_the_lawyer(
    client: Client, db: Database
) -> None:
    async with db.transaction() as session:
        session.add(Counsel(id="T001", name="林实习", trainee=True))
        await session.flush()
        session.add(Assignment(counsel_id="T001", village_id="DL01"))
    _, html = await page(client, village="DL01")
    names = re.findall(r'<span class="counsel-name">([^<]*)</span>', html)
    assert names == ["陈明远", "林实习"]
    assert "实习人员，协助律师服务" in html


async def test_a_village_without_counsel_says_whom_to_call(
    client: Client, db: Database, settings: Settings
) -> None:
    await add_place(db, "示范县", "西岭镇", [("XL02", "空缺村")])
    _, html = await page(client, village="XL02")
    assert 'class="counsel-name"' not in html
    assert f"空缺村暂未配置法律顾问，请联系县司法局 {settings.contacts.bureau_phone}" in html


async def test_the_card_shows_the_published_wechat_id_and_no_villager_data(
    client: Client, db: Database
) -> None:
    async with db.transaction() as session:
        session.add(
            Question(village_id="DL01", asker_id="wx_villager_9", asker_name="王五", text="秘密")
        )
    _, html = await page(client, village="DL01")
    assert "wx_chen" in html  # the counsel's WeChat id is on the roster's notice (Q8, Q9)
    for private in ("wx_villager_9", "王五", "秘密"):
        assert private not in html


async def test_an_unknown_village_is_a_chinese_404_page(client: Client) -> None:
    r = await client.get("/", params={"village": "NOPE"})
    html = await r.text()
    assert r.status == 404
    assert r.content_type == "text/html"
    assert "没有找到编号为「NOPE」的村（社区）" in html
    assert 'id="card"' not in html
    assert 'id="channels"' in html
    long = await client.get("/", params={"village": "X" * 500})
    assert long.status == 404


# --- escaping --------------------------------------------------------------------------


async def test_names_are_shown_as_text_never_as_markup(client: Client, db: Database) -> None:
    evil = Counsel(id="E001", name=XSS, firm=XSS, phone="0000-1", email="e@x.example")
    county_id, town_id = await add_place(db, XSS, XSS, [("EV01", XSS)], [evil])
    await add_visits(
        db,
        Visit(
            counsel_id="E001",
            village_id="EV01",
            starts_at=datetime.now(UTC) + timedelta(days=1),
            place=XSS,
        ),
    )
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for params in (
        {"county": str(county_id), "town": str(town_id)},
        {"village": "EV01"},
        {"q": "script"},  # the only match: list and card
        {"q": XSS},
        {"village": XSS},
    ):
        _, html = await page(client, **params)
        assert "<script" not in html, params
    _, card = await page(client, village="EV01")
    assert f'<span class="counsel-name">{escaped}</span>' in card
    assert card.count(escaped) >= 5  # county and town (select and card), village, firm, place


async def test_without_a_roster_the_page_says_how_to_import_one(
    db: Database, settings: Settings
) -> None:
    async with TestClient(TestServer(create_app(settings, db), host="127.0.0.1")) as c:
        r = await c.get("/")
        html = await r.text()
    assert r.status == 200
    assert "还没有名册" in html
    assert 'id="find"' not in html
    assert "共找到" not in html
    assert settings.contacts.complaint_email in section(html, "channels")


# --- routes --------------------------------------------------------------------------


async def test_public_routes_are_named(client: Client) -> None:
    router = client.app.router
    assert str(router["public-index"].url_for()) == "/"
    assert str(router["public-favicon"].url_for()) == "/favicon.ico"
    assert str(router["public-static"].url_for(filename="style.css")) == "/static/style.css"
    css = await client.get("/static/style.css")
    assert "/* public lookup (issue 11) */" in await css.text()


async def test_the_simulator_link_is_kept(client: Client) -> None:
    _, html = await page(client)
    assert '<a href="/simulator">聊天模拟器</a>' in html
