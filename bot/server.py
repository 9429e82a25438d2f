"""``vcbot serve``: the composition root of the serving process.

It wires the runtime, the web app, the channels with their relays and the reminder
scheduler, and runs the relays and the scheduler as background tasks for as long as the
app runs. Nothing below bot/ builds a relay or starts a task of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from bot.runtime import Runtime, build_runtime
from bot.scheduler import ReminderScheduler
from config import Settings
from handlers.dispatcher import Dispatcher
from handlers.relay import OutboxRelay
from storage.db import Database
from web.app import create_app
from web.deps import Simulator
from web.simulator.hub import CHANNEL as SIMULATOR_CHANNEL
from web.simulator.hub import SimulatorHub

log = logging.getLogger(__name__)
RELAY_POLL_SECONDS = 1.0


def simulator_channel(db: Database, settings: Settings, dispatcher: Dispatcher) -> Simulator:
    """The browser simulator: its event hub, the relay that delivers to it, the dispatcher."""
    hub = SimulatorHub(settings.bot_name)
    relay = OutboxRelay(db, [hub.instance, SIMULATOR_CHANNEL], hub)
    return Simulator(hub, relay, dispatcher)


def build_web_app(settings: Settings, *, reminders: bool = True) -> web.Application:
    """The web app wired to a fresh runtime; relays and the scheduler run while it runs."""
    runtime = build_runtime(settings)
    simulator = None
    if settings.mode != "production":
        simulator = simulator_channel(runtime.db, runtime.settings, runtime.dispatcher)
    app = create_app(runtime.settings, runtime.db, simulator)
    relays = [simulator.relay] if simulator else []
    app.cleanup_ctx.append(_background(runtime, relays, reminders=reminders))
    return app


def _background(
    runtime: Runtime, relays: list[OutboxRelay], *, reminders: bool
) -> Callable[[web.Application], AsyncIterator[None]]:
    """Start the relays and the scheduler with the app; stop them, then the runtime."""

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(r.run(stop, RELAY_POLL_SECONDS)) for r in relays]
        scheduler = ReminderScheduler(runtime.db, runtime.settings) if reminders else None
        if scheduler is not None:
            scheduler.start()
            log.info("reminder scheduler started (channel %s)", runtime.settings.default_channel)
        yield
        stop.set()
        await asyncio.gather(*tasks)
        if scheduler is not None:
            scheduler.shutdown()
        await runtime.close()

    return lifecycle


def serve_forever(settings: Settings, host: str, port: int, *, reminders: bool = True) -> None:
    """Serve until interrupted."""
    note = "，提醒已启用" if reminders else ""
    sim = "（聊天模拟器：/simulator）" if settings.mode != "production" else ""
    print(f"网页已启动：http://{host}:{port}/  {sim}{note}", flush=True)
    web.run_app(build_web_app(settings, reminders=reminders), host=host, port=port, print=None)
