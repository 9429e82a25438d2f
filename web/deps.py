"""What the views share, stored on the app under typed keys (aiohttp's ``web.AppKey``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jinja2
from aiohttp import web

from config import Settings
from handlers.dispatcher import Dispatcher
from handlers.relay import OutboxRelay
from storage.db import Database
from web.simulator.hub import SimulatorHub


@dataclass(frozen=True, slots=True)
class WebDeps:
    """The settings, the database and the page templates; built once by :func:`create_app`."""

    settings: Settings
    db: Database
    templates: jinja2.Environment
    simulator: bool  # whether the simulator is served (never in production)

    def render(self, name: str, **context: Any) -> web.Response:
        """Template ``name`` as an HTML page, with what every page shows."""
        html = self.templates.get_template(name).render(
            bot_name=self.settings.bot_name, simulator=self.simulator, **context
        )
        return web.Response(text=html, content_type="text/html")


@dataclass(frozen=True, slots=True)
class Simulator:
    """The simulator channel as the composition root wires it: its transport, the relay
    that delivers to it, and the dispatcher its personas speak to."""

    hub: SimulatorHub
    relay: OutboxRelay
    dispatcher: Dispatcher


DEPS = web.AppKey("deps", WebDeps)
SIMULATOR = web.AppKey("simulator", Simulator)


def page_templates() -> jinja2.Environment:
    """The page templates, HTML autoescaped. They ship with the code, so a template is
    loaded once per process, never checked again for changes on disk (that check, a
    ``stat`` per page, was 3 % of the public page's CPU, issue 12)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        auto_reload=False,
    )
