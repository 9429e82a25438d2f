"""One unit of work per incoming message: dedup, handlers and outbox in one transaction."""

from __future__ import annotations

import logging
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


class Dispatcher:
    """Hands each incoming message to the routers, in order, inside one transaction."""

    def __init__(
        self, db: Database, settings: Settings, language: Language, routers: Sequence[Router]
    ) -> None:
        self.db = db
        self.settings = settings
        self.language = language
        self.routers = tuple(routers)

    async def handle(self, message: IncomingMessage) -> bool:
        """Handle one message; False when nothing handled it or it was a redelivery.

        The chat edge of the domain errors: a refusal is the sender's reply, as it says.
        """
        message = clean_incoming(message)
        try:
            return await self._handle(message)
        except DomainError as err:
            await self._reply_outside(message, str(err))
        except Exception:
            log.exception("handler failed for message %s", message.message_id)
            if not message.is_group:
                await self._reply_outside(message, INTERNAL_ERROR)
        return False

    async def _handle(self, message: IncomingMessage) -> bool:
        async with self.db.transaction() as session:
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

    async def _reply_outside(self, message: IncomingMessage, text: str) -> None:
        """The work was rolled back: tell the sender in a fresh transaction (and count the
        message as handled). If even that fails, log it: the channel goes on."""
        try:
            async with self.db.transaction() as session:
                if message.message_id and not await outbox.first_time_seen(
                    session, message.channel, message.message_id
                ):
                    return  # a redelivery of it was handled meanwhile: that one answered
                await self._chat(session, message).say(message.reply_target, text)
        except Exception:
            log.exception("could not answer message %s", message.message_id)
