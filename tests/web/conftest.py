"""A served web app over a real database with the demo-like roster."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bot.server import simulator_channel
from config import Settings
from handlers.dispatcher import Dispatcher
from storage.db import Database
from storage.models import (
    Assignment,
    Complaint,
    Counsel,
    County,
    Question,
    ServiceLogEntry,
    Town,
    Village,
)
from storage.services import accounts
from tests.handlers.conftest import dispatcher as dispatcher
from web.app import create_app


@pytest.fixture
async def client(
    db: Database, settings: Settings, dispatcher: Dispatcher
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """An HTTP client to the app on a loopback port."""
    app = create_app(settings, db, simulator_channel(db, settings, dispatcher))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


PASSWORD = "correct-horse-42"


@dataclass(frozen=True, slots=True)
class World:
    """Two counties in two cities of one province, a user at each level, one entry, one
    answered question and one complaint in each county, and an API token per user."""

    entry: int  # an entry of 示范县 (DL01, this month)
    closed_entry: int  # an entry of 示范县 in a month that is closed
    other_entry: int  # an entry of 邻县 (LX01)
    complaint: int  # a complaint about DL01
    other_complaint: int  # a complaint about LX01
    tokens: dict[str, str]  # user name -> API token


async def _add_world(db: Database, settings: Settings) -> World:
    now = datetime.now(settings.tz)
    today = now.date()
    old = (today.replace(day=1) - timedelta(days=70)).replace(day=3)
    async with db.transaction() as session:
        home = (await session.exec(select(County).where(County.name == "示范县"))).one()
        home.city, home.province = "甲市", "乙省"
        other = County(name="邻县", city="丙市", province="乙省")
        session.add_all([home, other])
        await session.flush()
        assert other.id is not None
        town = Town(county_id=other.id, name="邻镇")
        session.add(town)
        await session.flush()
        assert town.id is not None
        session.add(Village(id="LX01", name="邻村", town_id=town.id))
        session.add(Counsel(id="L900", name="邻律师", firm="邻所", phone="0000-9"))
        await session.flush()
        session.add(Assignment(counsel_id="L900", village_id="LX01", start=date(2020, 1, 1)))
        question = Question(
            village_id="DL01",
            group_id="南岗村群",
            asker_id="wx_v1",
            asker_name="王大伯",
            text="宅基地被占了怎么办",
            status="answered",
            answered_at=now,
            answered_by="L001",
            answer_text="先找村调解委员会调解，不成可起诉。",
        )
        session.add(question)
        await session.flush()
        entries = [
            ServiceLogEntry(
                counsel_id="L001",
                village_id="DL01",
                day=today,
                kind="offsite",
                channel="wechat",
                minutes=15,
                summary="群里答复宅基地问题",
                source="group",
                question_id=question.id,
            ),
            ServiceLogEntry(
                counsel_id="L001",
                village_id="DL01",
                day=old,
                kind="onsite",
                channel="visit",
                minutes=120,
                summary="驻村",
                source="import",
            ),
            ServiceLogEntry(
                counsel_id="L900",
                village_id="LX01",
                day=today,
                kind="offsite",
                channel="phone",
                minutes=30,
                summary="邻县电话咨询",
                source="web",
            ),
        ]
        complaints = [
            Complaint(
                village_id="DL01", counsel_id="L001", complainant_id="wx_v2", text="没来驻村"
            ),
            Complaint(
                village_id="LX01", counsel_id="L900", complainant_id="wx_v3", text="邻县投诉"
            ),
        ]
        session.add_all([*entries, *complaints])
        await session.flush()
        users = [
            ("shifan", "county", "示范县"),
            ("linxian", "county", "邻县"),
            ("jiashi", "city", "甲市"),
            ("yisheng", "province", "乙省"),
        ]
        tokens = {}
        for name, level, scope in users:
            await accounts.add_user(
                session, accounts.NewUser(name, PASSWORD, level, scope), actor="test", now=now
            )
            tokens[name] = await accounts.add_token(session, name, label="", actor="test", now=now)
    e, c = [x.id or 0 for x in entries], [x.id or 0 for x in complaints]
    return World(e[0], e[1], e[2], c[0], c[1], tokens)


@pytest.fixture
async def world(db: Database, settings: Settings, dispatcher: Dispatcher) -> World:
    """The two-county world over the handlers' roster (示范县: DL01, DL02, L001)."""
    return await _add_world(db, settings)


async def login(
    client: TestClient[web.Request, web.Application], username: str, password: str = PASSWORD
) -> str:
    """Log in through the form; returns the session's CSRF token."""
    page = await client.get("/login")
    token = csrf_of(await page.text())
    r = await client.post(
        "/login",
        data={"_csrf": token, "username": username, "password": password, "next": "/console/"},
        allow_redirects=False,
    )
    assert r.status == 303, await r.text()
    return csrf_of(await (await client.get("/console/")).text())


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert found is not None, "no CSRF field on the page"
    return found[1]
