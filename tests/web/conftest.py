"""A served web app over a real database with the demo-like roster."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.server import simulator_channel
from config import Settings
from handlers.dispatcher import Dispatcher
from storage.db import Database
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
