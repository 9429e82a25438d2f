"""The browser chat simulator: a transport that keeps what was said, per group and person."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from handlers.ports import IncomingMessage, OutgoingMessage

CHANNEL = "simulator"
MAX_EVENTS = 2000


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One line of the simulated chat: a persona's message or the bot's."""

    id: int
    direction: str  # "in" (a persona spoke) | "out" (the bot spoke)
    group_id: str | None
    person_id: str | None  # private chats: the persona's id
    sender: str
    text: str
    at: str

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


class SimulatorHub:
    """Receives the bot's messages (as a Transport) and the personas' messages, in order."""

    def __init__(self, bot_name: str) -> None:
        self.bot_name = bot_name
        self.instance = f"{CHANNEL}:{uuid.uuid4().hex}"  # this process's simulator
        self._events: list[SimEvent] = []
        self._next = 1

    def _add(
        self, direction: str, group_id: str | None, person_id: str | None, sender: str, text: str
    ) -> SimEvent:
        event = SimEvent(
            self._next, direction, group_id, person_id, sender, text, datetime.now(UTC).isoformat()
        )
        self._next += 1
        self._events.append(event)
        del self._events[:-MAX_EVENTS]
        return event

    def record_incoming(self, message: IncomingMessage) -> SimEvent:
        """Keep a persona's message so every viewer of the group sees it."""
        return self._add(
            direction="in",
            group_id=message.group_id,
            person_id=None if message.group_id else message.sender_id,
            sender=message.sender_name,
            text=message.text or ("（" + "、".join(message.joined) + " 加入了群聊）"),
        )

    async def deliver(self, message: OutgoingMessage) -> None:
        """Transport: keep a message of the bot's."""
        group = message.target.id if message.target.kind == "group" else None
        person = message.target.id if message.target.kind == "person" else None
        self._add(
            direction="out",
            group_id=group,
            person_id=person,
            sender=self.bot_name,
            text=message.text,
        )

    def feed(self, group_id: str | None, persona_id: str, after: int) -> list[SimEvent]:
        """Events after ``after`` that this persona sees: the group's, and its private ones."""
        return [
            e
            for e in self._events
            if e.id > after
            and ((group_id is not None and e.group_id == group_id) or e.person_id == persona_id)
        ]
