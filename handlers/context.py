"""The typed context handed to every handler, and the per-module router."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from config import Settings
from handlers.ports import Chat, IncomingMessage
from nlp.types import Classification
from storage.db import Session

T = TypeVar("T")


class Guidance(Protocol):
    """What the reply needs to know of a category: its name, lawful channels and a tip."""

    @property
    def name(self) -> str:
        """Chinese name of the category."""
        ...

    @property
    def channels(self) -> Sequence[str]:
        """The lawful channels in the order to try them (G1)."""
        ...

    @property
    def tip(self) -> str:
        """One line of practical advice."""
        ...


class Language(Protocol):
    """The question classifier and the guidance texts (nlp, injected by bot/)."""

    def classify(self, text: str) -> Classification:
        """Classify one villager message."""
        ...

    def guidance(self, category: str) -> Guidance:
        """The guidance of a category code."""
        ...


@dataclass(slots=True)
class Context:
    """Everything a handler may use for one incoming message."""

    message: IncomingMessage
    chat: Chat
    session: Session
    settings: Settings
    language: Language

    @property
    def now(self) -> datetime:
        """When the message was sent (aware)."""
        return self.message.sent_at

    @property
    def today(self) -> date:
        """The message's date in the deployment's zone."""
        return self.message.sent_at.astimezone(self.settings.tz).date()

    async def reply(self, text: str, mentions: Sequence[str] = ()) -> None:
        """Answer where the message came from (its group, or the sender privately)."""
        await self.chat.say(self.message.reply_target, text, mentions)


Match = Callable[[Context], Awaitable[T | None]]
Handler = Callable[[Context, T], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _Route:
    # Any: one router holds routes of different match types; each pair agrees on its own.
    match: Match[Any]
    handler: Handler[Any]


class Router:
    """Routes of one handler module: the first route whose match returns a value handles.

    A match is an async callable returning None (no match) or what it matched, which is
    handed to the handler (so a handler never re-parses what its filter already found).
    """

    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def route(self, match: Match[T]) -> Callable[[Handler[T]], Handler[T]]:
        """Register the decorated handler behind ``match``."""

        def register(handler: Handler[T]) -> Handler[T]:
            self._routes.append(_Route(match, handler))
            return handler

        return register

    async def dispatch(self, ctx: Context) -> bool:
        """Run the first matching route; True when one handled the message."""
        for route in self._routes:
            matched = await route.match(ctx)
            if matched is not None:
                await route.handler(ctx, matched)
                return True
        return False
