"""Every workaround the Wechaty puppet-service client needs, in one place, explained.

PyPI ``wechaty`` 0.10.7 and its lower layers (``wechaty_puppet`` 0.4, ``wechaty_puppet_service``
0.8, ``wechaty_grpc`` 0.20) were last released in 2022. On Python 3.11:

* ``pyee<9`` and ``urllib3<2`` are pinned in pyproject.toml (newer ones break the import).
* ``wechaty_puppet.schemas.puppet.PuppetOptions`` is a dataclass with ``eq=True`` whose
  ``__hash__`` is therefore None; the service hashes it, so the import fails without
  ``PuppetOptions.__hash__ = object.__hash__`` applied first (:func:`load`).
* ``ping_endpoint`` uses ``telnetlib`` (deprecated in 3.11, gone in 3.13) and blocks the
  event loop for up to 3 s, after a DNS look-up without a timeout, on every connect:
  :func:`load` replaces it with a no-op and the channel checks the endpoint with an
  asynchronous connect first (:func:`reachable`).
* ``Wechaty`` (the high-level class) neither reconnects reliably nor tells us when its
  event stream died, so the channel drives ``wechaty_puppet_service.PuppetService``
  directly (the issue allows it) and does its own reconnecting (``bot/channels/wechat.py``).
* The client's loggers write to stderr with handlers of their own, at INFO, and warn
  whenever both settings and WECHATY_* variables name the endpoint; :func:`load` keeps
  them to errors (the channel logs every state change itself).
* ``PuppetService.stop()`` first asks the server to stop (an RPC) and only then closes
  the gRPC channel; against a hung server the RPC never returns, the channel stays open,
  and the server keeps the old event stream, refusing the next one (it serves one at a
  time). :func:`close` bounds the RPC and closes the channel regardless.
* The server's message payload still fills the old ``from_id`` field (the talker) and a
  millisecond ``timestamp``; :func:`talker_of` and :func:`sent_at_of` read them.

Nothing outside bot/ imports this module or the wechaty packages (an import contract).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from datetime import UTC, datetime
from types import ModuleType
from typing import Any


def load() -> tuple[Any, Any]:
    """``(PuppetService, PuppetOptions)`` with the shim applied (safe to call twice)."""
    import wechaty_puppet.schemas.puppet as schemas

    schemas.PuppetOptions.__hash__ = object.__hash__
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # telnetlib, on 3.11 only
        service: ModuleType = __import__("wechaty_puppet_service")
        client: Any = __import__("wechaty_puppet_service.puppet", fromlist=["ping_endpoint"])
    client.ping_endpoint = lambda _endpoint: True  # blocking; see reachable()
    logging.getLogger("PuppetService").setLevel(logging.ERROR)
    return service.PuppetService, schemas.PuppetOptions


def talker_of(payload: Any) -> str:
    """Who wrote a message (``from_id`` in this protocol version)."""
    return str(getattr(payload, "talker_id", "") or getattr(payload, "from_id", "") or "")


def sent_at_of(payload: Any, fallback: datetime) -> datetime:
    """When a message was sent (milliseconds since the epoch), or ``fallback``."""
    millis = int(getattr(payload, "timestamp", 0) or 0)
    if millis <= 0:
        return fallback
    seconds = millis / 1000 if millis > 10**11 else millis  # some puppets send seconds
    return datetime.fromtimestamp(seconds, UTC)


def is_text(payload: Any) -> bool:
    """A text message (by the enum's name: the protocol's numbers differ from the puppet's)."""
    return str(getattr(getattr(payload, "type", None), "name", "")) == "MESSAGE_TYPE_TEXT"


async def close(puppet: Any, seconds: float = 5.0) -> None:
    """Stop a puppet-service client, and close its gRPC channel even if the server hangs."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(puppet.stop(), seconds)
    channel = getattr(puppet, "channel", None)
    if channel is not None:
        with contextlib.suppress(Exception):
            channel.close()


async def reachable(endpoint: str, seconds: float) -> None:
    """Open and close a TCP connection to ``host:port``; raise when it cannot be done in time."""
    host, _, port = endpoint.rpartition(":")
    _, writer = await asyncio.wait_for(
        asyncio.open_connection(host or "127.0.0.1", int(port)), seconds
    )
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()


def _grpc_error() -> type[Exception]:
    from grpclib.exceptions import GRPCError

    return GRPCError


REFUSED_BY_SERVICE: tuple[type[Exception], ...] = (_grpc_error(),)
"""Errors that mean the service answered and refused (a gRPC status): nothing was sent."""
