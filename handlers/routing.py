"""The routers in the order they are tried; the composition root wires them."""

from __future__ import annotations

from handlers import counsel, directory, groups, help, questions, ratings, welcome
from handlers.context import Router


def all_routers() -> list[Router]:
    """Every handler module's router, most specific first; help is the fallback."""
    return [
        welcome.router,
        directory.router,
        groups.router,
        counsel.router,
        ratings.router,
        questions.router,
        help.router,
    ]
