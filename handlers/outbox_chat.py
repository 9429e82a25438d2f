"""The chat port over the durable outbox: what is said commits with the work that said it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers.ports import Target
from storage.db import Session
from storage.services import outbox


class OutboxChat:
    """A :class:`~handlers.ports.Chat` that queues in the caller's transaction.

    ``not_before`` holds every message back until then (quiet hours of scheduled jobs);
    the relay delivers each row once it is due and the transaction has committed.
    """

    def __init__(
        self, session: Session, channel: str, *, not_before: datetime | None = None
    ) -> None:
        self._session = session
        self._channel = channel
        self._not_before = not_before

    async def say(
        self,
        target: Target,
        text: str,
        mentions: Sequence[str] = (),
        *,
        dedup_key: str | None = None,
    ) -> bool:
        """Queue ``text`` for ``target`` on this channel; False when ``dedup_key`` was used."""
        return await outbox.enqueue(
            self._session,
            channel=self._channel,
            target_kind=target.kind,
            target_id=target.id,
            text=text,
            mentions=mentions,
            not_before=self._not_before,
            dedup_key=dedup_key,
        )
