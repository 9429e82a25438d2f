"""The bureaus' console (login required): the compliance matrix, the service log with its
entries, counsel pages, complaints and the audit trail. Views parse, call a service, render."""

from __future__ import annotations

from aiohttp import web

from web.console.complaints import setup as setup_complaints
from web.console.counsel import setup as setup_counsel
from web.console.entries import setup as setup_entries
from web.console.matrix import setup as setup_matrix


def setup(app: web.Application) -> None:
    """Register every console route (each named ``console-…``)."""
    for register in (setup_matrix, setup_entries, setup_counsel, setup_complaints):
        register(app)
