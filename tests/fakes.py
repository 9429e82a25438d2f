"""Fakes for the chat side: a transport and a chat that record what was sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from handlers.ports import OutgoingMessage, Target


@dataclass
class RecordingTransport:
    """A Transport that keeps every delivered message; ``fail_next`` makes sends raise."""

    sent: list[OutgoingMessage] = field(default_factory=list)
    fail_next: int = 0

    async def deliver(self, message: OutgoingMessage) -> None:
        """Record the message (or fail, while ``fail_next`` is positive)."""
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("fake transport down")
        self.sent.append(message)

    def texts(self, target: Target | None = None) -> list[str]:
        """The texts sent, optionally only those to ``target``."""
        return [m.text for m in self.sent if target is None or m.target == target]


@dataclass
class RecordingChat:
    """A Chat port that records what handlers say, without any database."""

    said: list[OutgoingMessage] = field(default_factory=list)

    async def say(self, target: Target, text: str, mentions: Sequence[str] = ()) -> None:
        """Record one message."""
        self.said.append(OutgoingMessage(target, text, tuple(mentions)))
