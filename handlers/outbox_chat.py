"""The chat port over the durable outbox: what is said commits with the work that said it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers.ports import Target, split_numbered
from storage.db import Session
from storage.services import outbox


class OutboxChat:
    """A :class:`~handlers.ports.Chat` that queues in the caller's transaction.

    ``not_before`` holds every message back until then (quiet hours of scheduled jobs);
    the relay delivers each row once it is due and the transaction has committed. A text
    longer than ``max_chars`` (the channel's limit) is queued as numbered parts, one row
    each, in order: each part is delivered once, whatever happens to the others.
    """

    def __init__(
        self,
        session: Session,
        channel: str,
        *,
        not_before: datetime | None = None,
        max_chars: int = 1500,
    ) -> None:
        self._session = session
        self._channel = channel
        self._not_before = not_before
        self._max_chars = max_chars

    async def say(
        self,
        target: Target,
        text: str,
        mentions: Sequence[str] = (),
        *,
        dedup_key: str | None = None,
    ) -> bool:
        """Queue ``text`` for ``target`` on this channel; False when ``dedup_key`` was used.

        The @-mentions ring once, with the first part."""
        parts = split_numbered(text, self._max_chars)
        queued = False
        for n, part in enumerate(parts):
            key = dedup_key if dedup_key is None or n == 0 else f"{dedup_key}#{n + 1}"
            queued = await outbox.enqueue(
                self._session,
                channel=self._channel,
                target_kind=target.kind,
                target_id=target.id,
                text=part,
                mentions=mentions if n == 0 else (),
                not_before=self._not_before,
                dedup_key=key,
            )
            if not queued:  # already said under this key: so were its other parts
                return False
        return queued
