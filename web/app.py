"""The aiohttp application factory: the public pages, the bureaus' console and API, and,
outside production, the simulator.

Views are thin (parse the request, call the services or the dispatcher, render), split
by audience: ``web/public.py`` for everyone, ``web/login.py`` and ``web/console/`` for
the bureaus (``web/auth.py`` decides who may see what), ``web/api/`` for other systems,
``web/simulator/`` for trying the bot.
What runs in the background (relays, scheduler) is wired by the composition root,
``bot/server.py``, which hands the simulator channel in.
"""

from __future__ import annotations

from aiohttp import web

from config import Settings
from storage.db import Database
from web import auth, console, login, public
from web.api import docs as api_docs
from web.api import views as api_views
from web.deps import DEPS, SIMULATOR, Simulator, WebDeps, page_templates
from web.errors import PAGES, domain_errors
from web.pages import error_page
from web.simulator import views as simulator_views

MAX_BODY = 64 * 1024
SECURITY_HEADERS = {
    # pages load only their own scripts, styles and images; no inline script, no framing
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Server": "vcbot",  # not Python's and aiohttp's versions
}


async def _security_headers(_: web.Request, response: web.StreamResponse) -> None:
    """Every response, errors and static files included, carries the security headers."""
    response.headers.update(SECURITY_HEADERS)


def create_app(
    settings: Settings, db: Database, simulator: Simulator | None = None
) -> web.Application:
    """The web application over an open database; the simulator is served only when one is
    given and the mode is not production (it lets anyone speak as the counsel)."""
    serve_simulator = simulator is not None and settings.mode != "production"
    app = web.Application(middlewares=[domain_errors], client_max_size=MAX_BODY)
    app.on_response_prepare.append(_security_headers)
    app[DEPS] = WebDeps(settings, db, page_templates(), serve_simulator)
    app[PAGES] = error_page
    auth.setup(app, settings)
    public.setup(app)
    login.setup(app)
    console.setup(app)
    api_views.setup(app)
    api_docs.setup(app)
    if serve_simulator:
        assert simulator is not None
        app[SIMULATOR] = simulator
        simulator_views.setup(app)
    return app
