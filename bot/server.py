"""``vcbot serve``: the composition root of the serving process.

It wires the runtime, the web app, the channels with their relays and the reminder
scheduler, and runs the relays and the scheduler as background tasks for as long as the
app runs. Nothing below bot/ builds a relay or starts a task of its own.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from aiohttp import web

from bot.channels.wechat import WechatChannel, WechatOptions
from bot.leader import Lock, lead, scheduler_lock
from bot.runtime import Runtime, build_runtime, settle
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
LEADER_RETRY_SECONDS = 5.0  # a standby process takes over this soon after the leader dies
HELPER_STOP_SECONDS = 10.0  # a page process's grace to finish its requests on shutdown


def simulator_channel(db: Database, settings: Settings, dispatcher: Dispatcher) -> Simulator:
    """The browser simulator: its event hub, the relay that delivers to it, the dispatcher."""
    hub = SimulatorHub(settings.bot_name)
    relay = OutboxRelay(db, [hub.instance, SIMULATOR_CHANNEL], hub)
    return Simulator(hub, relay, dispatcher)


def wechat_channel(runtime: Runtime) -> WechatChannel:
    """The WeChat channel for the settings' puppet service (endpoint and token resolved)."""
    s = runtime.settings
    options = WechatOptions(
        endpoint=s.wechat.endpoint or "",
        token=s.puppet_token or "",
        ignore_older_than=timedelta(seconds=s.wechat.ignore_older_than_seconds),
        watchdog_seconds=float(s.wechat.watchdog_seconds),
        pace_seconds=60 / s.wechat.messages_per_minute,
        pace_jitter_seconds=s.wechat.jitter_seconds,
    )
    return WechatChannel(options, runtime.dispatcher, runtime.db)


def build_web_app(
    settings: Settings, *, reminders: bool = True, wechat: bool = False
) -> web.Application:
    """The web app wired to a fresh runtime; channels, relays and the scheduler run while
    it runs."""
    runtime = build_runtime(settings)
    simulator = None
    if settings.mode != "production":
        simulator = simulator_channel(runtime.db, runtime.settings, runtime.dispatcher)
    app = create_app(runtime.settings, runtime.db, simulator)
    relays = [simulator.relay] if simulator else []
    channels = [wechat_channel(runtime)] if wechat else []
    app.cleanup_ctx.append(_background(runtime, relays, channels, reminders=reminders))
    return app


def _background(
    runtime: Runtime,
    relays: list[OutboxRelay],
    channels: list[WechatChannel],
    *,
    reminders: bool,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """Start the channels, relays and the scheduler with the app; stop them, then the
    runtime."""

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        scheduler = ReminderScheduler(runtime.db, runtime.settings) if reminders else None
        try:
            tasks += [asyncio.create_task(r.run(stop, RELAY_POLL_SECONDS)) for r in relays]
            tasks += [asyncio.create_task(c.run(stop)) for c in channels]
            if scheduler is not None:
                lock = scheduler_lock(runtime.settings.database_url)
                tasks.append(await _lead_scheduler(lock, scheduler, stop, runtime))
            settle()
            yield
        finally:
            stop.set()
            for failure in await asyncio.gather(*tasks, return_exceptions=True):
                if isinstance(failure, BaseException):
                    log.error("background task ended with %r", failure)
            if scheduler is not None:
                scheduler.shutdown()
            await runtime.close()

    return lifecycle


async def _lead_scheduler(
    lock: Lock, scheduler: ReminderScheduler, stop: asyncio.Event, runtime: Runtime
) -> asyncio.Task[None]:
    """Run the scheduler only while this process leads (one in total per database). The
    first try happens now, before serving; the returned task keeps leading or standing by."""

    async def start() -> None:  # idempotent: lead() calls it on every (re)acquisition
        if not scheduler.scheduler.running:
            scheduler.start()
            log.info("reminder scheduler started (channel %s)", runtime.settings.default_channel)

    if await asyncio.to_thread(lock.try_acquire):
        await start()
    return asyncio.create_task(
        lead(
            lock,
            stop,
            start,
            stop_leading=scheduler.shutdown,
            retry_seconds=LEADER_RETRY_SECONDS,
        )
    )


def serve_forever(
    settings: Settings,
    host: str,
    port: int,
    *,
    reminders: bool = True,
    wechat: bool = False,
    workers: int = 1,
) -> None:
    """Serve until interrupted. With ``workers`` > 1 (production only, checked by the
    command) the pages are served by that many processes on one port, the kernel sharing
    out the connections (``SO_REUSEPORT``); this process alone runs the channels and
    takes part in the reminder scheduler's election."""
    note = "，提醒已启用" if reminders else ""
    note += f"，微信渠道：{settings.wechat.endpoint}" if wechat else ""
    note += f"，{workers} 个网页进程" if workers > 1 else ""
    sim = "（聊天模拟器：/simulator）" if settings.mode != "production" else ""
    print(f"网页已启动：http://{host}:{port}/  {sim}{note}", flush=True)
    app = build_web_app(settings, reminders=reminders, wechat=wechat)
    if workers <= 1:
        web.run_app(app, host=host, port=port, print=None)
        return
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked loop or pool
    helpers = [
        spawn.Process(target=serve_pages, args=(settings, host, port, os.getpid()), daemon=True)
        for _ in range(workers - 1)
    ]
    for helper in helpers:
        helper.start()
    try:
        web.run_app(app, host=host, port=port, print=None, reuse_port=True)
    finally:
        for helper in helpers:
            helper.terminate()
        for helper in helpers:
            helper.join(HELPER_STOP_SECONDS)


def serve_pages(settings: Settings, host: str, port: int, parent: int) -> None:
    """A helper process of ``vcbot serve --workers``: the pages only (no channel, no
    reminders), on the shared port, until its parent stops or dies."""
    app = build_web_app(settings, reminders=False, wechat=False)

    async def orphan_watch(_: web.Application) -> AsyncIterator[None]:
        async def watch() -> None:
            # nothing tells a child of its parent's death: it is polled
            while os.getppid() == parent:  # noqa: ASYNC110
                await asyncio.sleep(1)
            log.warning("vcbot serve (pid %d) is gone: this page process stops", parent)
            os.kill(os.getpid(), signal.SIGTERM)  # run_app's own orderly shutdown

        task = asyncio.create_task(watch())
        yield
        task.cancel()

    app.cleanup_ctx.append(orphan_watch)
    web.run_app(app, host=host, port=port, print=None, reuse_port=True)
