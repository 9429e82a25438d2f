"""One unit of work per incoming message: dedup, handlers and outbox in one transaction.

Messages that arrive together share a commit (group commit, issue 12): while one batch is
being handled, newcomers queue; the next batch handles them all in one transaction, and
pays for one BEGIN and one fsync'd COMMIT instead of one per message. If any of them
fails, nothing of the batch is committed and the batch is handled again, each message
in a savepoint of its own, so that the one that fails is rolled back alone. (A savepoint
for every message cost more CPU than the message's own statements; failures are rare.)
A message alone (the usual case in a quiet group) takes the plain path of one
transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence

from config import Settings
from handlers.context import Context, Language, Router
from handlers.outbox_chat import OutboxChat
from handlers.ports import IncomingMessage, clean_incoming
from handlers.texts.common import INTERNAL_ERROR
from storage.db import Database, Session
from storage.errors import DomainError
from storage.services import outbox

log = logging.getLogger(__name__)
BATCH_LIMIT = 32  # messages at most in one group commit: bounds the wait of the first


class Dispatcher:
    """Hands each incoming message to the routers, in order, inside one transaction."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        language: Language,
        routers: Sequence[Router],
        *,
        batch_limit: int = BATCH_LIMIT,
    ) -> None:
        self.db = db
        self.settings = settings
        self.language = language
        self.routers = tuple(routers)
        self.batch_limit = max(1, batch_limit)
        self._waiting: deque[tuple[IncomingMessage, asyncio.Future[bool]]] = deque()
        self._worker: asyncio.Task[None] | None = None

    async def handle(self, message: IncomingMessage) -> bool:
        """Handle one message; False when nothing handled it or it was a redelivery.

        Returns once the message's work is committed (its replies are in the outbox).
        Messages are handled in the order ``handle`` was called. The chat edge of the
        domain errors: a refusal is the sender's reply, as it says.
        """
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((clean_incoming(message), future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work())
        return await asyncio.shield(future)  # a caller that gives up leaves the batch be

    async def _work(self) -> None:
        """Take whatever waits, a batch at a time, until nothing does."""
        while self._waiting:
            count = min(len(self._waiting), self.batch_limit)
            batch = [self._waiting.popleft() for _ in range(count)]
            try:
                results = await self._handle_batch([message for message, _ in batch])
            except BaseException:  # cancelled (shutting down): no caller waits forever
                batch.extend(self._waiting)
                self._waiting.clear()
                for _, future in batch:
                    future.cancel()
                raise
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _handle_batch(self, messages: list[IncomingMessage]) -> list[bool]:
        if len(messages) == 1:
            return [await self._handle_alone(messages[0])]
        try:
            async with self.db.transaction() as session:
                return [await self._route(session, m) for m in messages]
        except Exception:  # nothing was committed: again, each message in a savepoint
            log.debug("a message of a batch of %d failed; again, each alone", len(messages))
        try:
            async with self.db.transaction() as session:
                return [await self._handle_in_savepoint(session, m) for m in messages]
        except Exception:
            # the shared transaction failed as a whole (the database, say): nothing of it
            # was committed, so each message is handled again on its own
            log.exception("group commit of %d messages failed; handling each alone", len(messages))
            return [await self._handle_alone(m) for m in messages]

    async def _handle_alone(self, message: IncomingMessage) -> bool:
        try:
            async with self.db.transaction() as session:
                return await self._route(session, message)
        except Exception as err:
            text = _failure_reply(message, err)
            if text:
                await self._reply_outside(message, text)
        return False

    async def _handle_in_savepoint(self, session: Session, message: IncomingMessage) -> bool:
        """One message of a batch: its work in a savepoint, rolled back alone on error."""
        try:
            async with session.begin_nested():
                return await self._route(session, message)
        except Exception as err:
            text = _failure_reply(message, err)
            if text:
                await self._answer_in_savepoint(session, message, text)
        return False

    async def _route(self, session: Session, message: IncomingMessage) -> bool:
        if message.message_id and not await outbox.first_time_seen(
            session, message.channel, message.message_id
        ):
            log.info("duplicate message %s ignored", message.message_id)
            return False
        chat = self._chat(session, message)
        ctx = Context(message, chat, session, self.settings, self.language)
        for router in self.routers:
            if await router.dispatch(ctx):
                return True
        return False

    def _chat(self, session: Session, message: IncomingMessage) -> OutboxChat:
        """Replies leave through the instance the message came in by, within its limit."""
        limit = self.settings.conversation.chars_for(message.reply_channel)
        return OutboxChat(session, message.reply_channel, max_chars=limit)

    async def _answer(self, session: Session, message: IncomingMessage, text: str) -> None:
        """Count the message as handled and tell its sender ``text`` (unless a redelivery
        of it was handled meanwhile: that one answered)."""
        if message.message_id and not await outbox.first_time_seen(
            session, message.channel, message.message_id
        ):
            return
        await self._chat(session, message).say(message.reply_target, text)

    async def _answer_in_savepoint(
        self, session: Session, message: IncomingMessage, text: str
    ) -> None:
        """The message's work was rolled back: answer it in the batch's transaction."""
        try:
            async with session.begin_nested():
                await self._answer(session, message, text)
        except Exception:
            log.exception("could not answer message %s", message.message_id)

    async def _reply_outside(self, message: IncomingMessage, text: str) -> None:
        """The work was rolled back: tell the sender in a fresh transaction (and count the
        message as handled). If even that fails, log it: the channel goes on."""
        try:
            async with self.db.transaction() as session:
                await self._answer(session, message, text)
        except Exception:
            log.exception("could not answer message %s", message.message_id)


def _failure_reply(message: IncomingMessage, err: Exception) -> str | None:
    """What the sender is told when the work for their message failed: a refusal says
    why; anything else is logged, and only a private message hears of it (a group is
    not told of the bot's own faults)."""
    if isinstance(err, DomainError):
        return str(err)
    log.error("handler failed for message %s", message.message_id, exc_info=err)
    return None if message.is_group else INTERNAL_ERROR
