"""The WeChat channel, through a Wechaty puppet service (``wechaty_puppet_service``).

Events in: each text message becomes an :class:`~handlers.ports.IncomingMessage` (rooms
by room id, people by contact id, the bot's @-mention read from the mention list) and
goes to the dispatcher, which dedups it by message id, so a message redelivered after a
reconnect is handled once. The bot's own echoes, and messages older than the process
start minus a window, are ignored.

Messages out: a relay for this account's channel instance (``wechat:<bot contact id>``)
and the channel kind (``wechat``, for reminders) delivers through :meth:`deliver`, with
the room's real @-mentions (contact ids), paced; it runs only while connected.

Staying connected: the service is watched (a ``ding`` every few seconds must come back
as an event); when the stream ends, fails or goes quiet, the channel reconnects with
back-off, and logs each change of state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.wechaty_compat import (
    REFUSED_BY_SERVICE,
    close,
    is_text,
    load,
    reachable,
    sent_at_of,
    talker_of,
)
from handlers.dispatcher import Dispatcher
from handlers.ports import (
    MAX_INSTANCE,
    IncomingMessage,
    OutgoingMessage,
    clean_id,
    split_bot_mention,
    split_text,
)
from handlers.relay import DeliveryUncertain, OutboxRelay, TransportUnavailable
from storage.db import Database
from storage.services import directory

log = logging.getLogger(__name__)

CHANNEL = "wechat"
RPC_TIMEOUT = 10.0  # seconds for one look-up at the service
SEND_TIMEOUT = 20.0  # seconds for one send; well inside the outbox lease (60 s)


@dataclass(frozen=True, slots=True)
class WechatOptions:
    """Where the puppet service is, and how patient and how fast to be."""

    endpoint: str
    token: str
    ignore_older_than: timedelta = timedelta(minutes=5)
    watchdog_seconds: float = 30.0  # no event for this long: reconnect
    backoff_max_seconds: float = 30.0
    pace_seconds: float = 3.0  # at most 20 messages a minute per account
    pace_jitter_seconds: float = 1.0
    poll_seconds: float = 1.0
    max_text: int = 1500  # a safety net: the outbox already splits at the channel's limit


@dataclass(frozen=True, slots=True)
class _Join:
    """A room-join event: who joined which room, when."""

    room_id: str
    invited_ids: tuple[str, ...]
    timestamp: float


@dataclass
class _Account:
    """What the current connection knows of the logged-in account and its contacts."""

    self_id: str = ""
    self_name: str = ""
    contacts: dict[str, tuple[str, str]] = field(default_factory=dict)  # id: (name, weixin)


class WechatChannel:
    """One WeChat account as a channel: run :meth:`run` as a background task."""

    def __init__(
        self,
        options: WechatOptions,
        dispatcher: Dispatcher,
        db: Database,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.options = options
        self.dispatcher = dispatcher
        self.db = db
        self.clock = clock
        self.started_at = clock()
        self.account = _Account()
        self.connected = asyncio.Event()
        self.relay = OutboxRelay(
            db,
            [CHANNEL],
            self,
            pace_seconds=options.pace_seconds,
            pace_jitter_seconds=options.pace_jitter_seconds,
        )
        self._puppet: Any = None
        self._rooms_recorded: set[str] = set()
        self._members_by_weixin: dict[str, dict[str, str]] = {}  # room: weixin -> contact id
        self._inbox: asyncio.Queue[str | _Join] = asyncio.Queue()
        self._last_event = time.monotonic()
        self._wake = asyncio.Event()

    @property
    def instance(self) -> str:
        """This account's channel instance: its replies are queued under it."""
        return clean_id(f"{CHANNEL}:{self.account.self_id}", MAX_INSTANCE)

    # --- running -------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Stay connected (reconnecting with back-off) and deliver, until ``stop`` is set."""
        workers = [
            asyncio.create_task(self._deliver_while_connected(stop)),
            asyncio.create_task(self._intake()),
        ]
        delay = 1.0
        try:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    await self._connection(stop)
                except Exception as err:  # the service's failures are many and not ours
                    log.warning("WeChat channel: connection failed: %r", err)
                if stop.is_set():
                    break
                delay = 1.0 if time.monotonic() - started > 60 else min(delay * 2, 30.0)
                delay = min(delay, self.options.backoff_max_seconds)
                log.warning("WeChat channel: disconnected; reconnecting in %.0f s", delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _connection(self, stop: asyncio.Event) -> None:
        """One connection: start the service, listen, watch it; return when it ends."""
        self.account = _Account()  # a new login may be another account
        self._rooms_recorded.clear()
        self._members_by_weixin.clear()
        log.info("WeChat channel: connecting to %s", self.options.endpoint)
        await reachable(self.options.endpoint, RPC_TIMEOUT)
        service, options = load()
        puppet = service(options(end_point=self.options.endpoint, token=self.options.token))
        puppet.on("login", self._on_login)
        puppet.on("logout", self._on_logout)
        puppet.on("message", self._on_message)
        puppet.on("room-join", self._on_room_join)
        puppet.on("error", self._on_error)
        for name in ("heartbeat", "dong", "ready"):
            puppet.on(name, self._on_any)
        self._puppet = puppet
        self._last_event = time.monotonic()
        tasks = [
            asyncio.create_task(puppet.start()),
            asyncio.create_task(self._watchdog(puppet)),
            asyncio.create_task(stop.wait()),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # raise what ended it, if anything did
        finally:
            self.connected.clear()  # no new send starts ...
            with contextlib.suppress(TimeoutError):  # ... and the one under way ends first
                await asyncio.wait_for(self.relay.idle(), SEND_TIMEOUT + RPC_TIMEOUT)
            self._puppet = None
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await close(puppet)

    async def _watchdog(self, puppet: Any) -> None:
        """Ding the service every few seconds; return when no event came back in time."""
        limit, since, warned = self.options.watchdog_seconds, time.monotonic(), False
        while time.monotonic() - self._last_event < limit:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(puppet.ding("watchdog"), limit / 3)
            await asyncio.sleep(limit / 6)
            if not warned and not self.connected.is_set() and time.monotonic() - since > limit:
                warned = True  # the service answers, but the account is not logged in
                log.warning("WeChat channel: connected, but the account is not logged in")
        log.warning("WeChat channel: no event for %.0f s; the stream is dead", limit)

    async def _deliver_while_connected(self, stop: asyncio.Event) -> None:
        """The relay loop: drain while connected, wake on new replies or every poll."""
        while not stop.is_set():
            await self.connected.wait()
            try:
                await self.relay.drain()
            except Exception:
                log.exception("WeChat channel: delivery failed; retrying")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.options.poll_seconds)

    # --- events in -------------------------------------------------------------------------

    async def _on_any(self, _: Any = None) -> None:
        self._last_event = time.monotonic()

    async def _on_error(self, error: Any = None) -> None:
        self._last_event = time.monotonic()
        log.error("WeChat channel: the service or a handler failed: %r", error)

    async def _on_login(self, payload: Any) -> None:
        self._last_event = time.monotonic()
        self.account.self_id = str(payload.contact_id)
        self.account.self_name, _ = await self._contact(self.account.self_id)
        self.relay.channels = (self.instance, CHANNEL)
        self.connected.set()
        log.info("WeChat channel: logged in as %s", self.account.self_id)

    async def _on_logout(self, _: Any = None) -> None:
        self._last_event = time.monotonic()
        self.connected.clear()
        log.warning("WeChat channel: the account %s logged out", self.account.self_id)

    async def _on_message(self, payload: Any) -> None:
        """Queue the message id: one consumer handles messages in order (:meth:`_intake`)."""
        self._last_event = time.monotonic()
        self._inbox.put_nowait(str(payload.message_id))

    async def _on_room_join(self, payload: Any) -> None:
        """Queue a join behind the messages before it (the welcome comes in order)."""
        self._last_event = time.monotonic()
        invited = tuple(str(i) for i in (payload.invited_ids or []))
        stamp = float(payload.timestamp or 0)
        self._inbox.put_nowait(_Join(str(payload.room_id or ""), invited, stamp))

    async def _intake(self) -> None:
        """Handle queued messages one at a time, in arrival order; one failure is logged
        and never stops the next."""
        while True:
            item = await self._inbox.get()
            await self.connected.wait()
            try:
                if isinstance(item, _Join):
                    await self._handle_join(item)
                else:
                    await self._handle(item)
            except Exception:
                log.exception("WeChat channel: event %s not handled", item)

    async def _handle_join(self, join: _Join) -> None:
        message = await self.joined(join)
        if message is not None:
            await self.dispatcher.handle(message)
            self._wake.set()

    async def joined(self, join: _Join) -> IncomingMessage | None:
        """The port's join event for a room-join (None: the bot itself, or nobody)."""
        people = [i for i in join.invited_ids if i and i != self.account.self_id]
        if not join.room_id or not people or not self.account.self_id:
            return None
        names = [(await self._contact(i))[0] for i in people]
        # seconds or milliseconds, as puppets differ; a missing one is now
        stamp = join.timestamp / 1000 if join.timestamp > 1e11 else join.timestamp
        sent_at = datetime.fromtimestamp(stamp, UTC) if stamp > 0 else self.clock()
        return IncomingMessage(
            channel=CHANNEL,
            sender_id=people[0],
            sender_name=names[0],
            text="",
            sent_at=sent_at,
            group_id=join.room_id,
            message_id=f"join:{join.room_id}:{','.join(people)}:{int(stamp)}",
            instance=self.instance,
            joined=tuple(names),
        )

    async def _handle(self, message_id: str) -> None:
        puppet = self._puppet
        if puppet is None:
            return
        found = await asyncio.wait_for(puppet.message_payload(message_id), RPC_TIMEOUT)
        await self._contact(talker_of(found))  # its name and WeChat id, before reading it
        message = self.incoming(found)
        if message is None:
            return
        await self.dispatcher.handle(message)
        self._wake.set()
        if message.group_id:
            await self._record_room(message.group_id)

    async def _record_room(self, room_id: str) -> None:
        """Note a room once per connection, for ``vcbot groups`` (best effort)."""
        if room_id in self._rooms_recorded or self._puppet is None:
            return
        try:
            room = await asyncio.wait_for(self._puppet.room_payload(room_id), RPC_TIMEOUT)
            async with self.db.transaction() as session:
                await directory.saw_room(
                    session,
                    room_id,
                    str(room.topic),
                    len(room.member_ids),
                    self.instance,
                    self.clock(),
                )
            self._rooms_recorded.add(room_id)
        except Exception as err:
            log.info("WeChat channel: room %s not recorded (%r)", room_id, err)

    def incoming(self, m: Any) -> IncomingMessage | None:
        """The port's message for a payload, or None for echoes, old and non-text ones."""
        talker = talker_of(m)
        if not self.account.self_id:  # before login there is no instance to answer through
            return None
        if not talker or talker == self.account.self_id or not is_text(m):
            return None
        sent_at = sent_at_of(m, self.clock())
        if sent_at < self.started_at - self.options.ignore_older_than:
            log.info("WeChat channel: message %s is too old; ignored", m.id)
            return None
        mention_ids = tuple(str(i) for i in m.mention_ids)
        mention = split_bot_mention(str(m.text), self.account.self_name)
        name, weixin = self.account.contacts.get(talker, (talker, ""))
        return IncomingMessage(
            channel=CHANNEL,
            sender_id=talker,
            sender_name=name,
            text=mention.text if mention.to_bot else str(m.text),
            sent_at=sent_at,
            group_id=str(m.room_id) or None,
            mentions_bot=mention.to_bot or self.account.self_id in mention_ids,
            message_id=str(m.id),
            mentioned_ids=tuple(i for i in mention_ids if i != self.account.self_id),
            instance=self.instance,
            sender_aliases=(weixin,) if weixin else (),
        )

    async def _contact(self, contact_id: str) -> tuple[str, str]:
        """A contact's (name, weixin), cached for the connection (a failed look-up is not
        cached: the next message tries again)."""
        if contact_id not in self.account.contacts and self._puppet is not None:
            try:
                c = await asyncio.wait_for(self._puppet.contact_payload(contact_id), RPC_TIMEOUT)
                self.account.contacts[contact_id] = (str(c.name or contact_id), str(c.weixin))
            except Exception as err:
                log.info("WeChat channel: contact %s unknown for now (%r)", contact_id, err)
        return self.account.contacts.get(contact_id, (contact_id, ""))

    # --- messages out ------------------------------------------------------------------------

    async def deliver(self, message: OutgoingMessage) -> None:
        """Transport: send one message; mentions become the room's real @ (contact ids).

        Not connected: nothing was tried (TransportUnavailable). The service refused the
        send (a gRPC error status): nothing went out, so it may be retried. Anything else
        (a timeout, a stream that broke): it may have gone out, so it is reported, never
        resent (DeliveryUncertain).
        """
        puppet = self._puppet
        if puppet is None or not self.connected.is_set():
            raise TransportUnavailable("WeChat channel is not connected")
        mentions = await self._mention_ids(message) if message.target.kind == "group" else []
        for n, part in enumerate(split_text(message.text, self.options.max_text)):
            try:  # the @-mentions ring once, with the first part
                send = puppet.message_send_text(
                    message.target.id, part, (mentions or None) if n == 0 else None
                )
                await asyncio.wait_for(send, SEND_TIMEOUT)
            except REFUSED_BY_SERVICE:
                if n == 0:
                    raise
                raise DeliveryUncertain(f"part {n + 1} refused after part 1 went out") from None
            except Exception as err:
                raise DeliveryUncertain(f"part {n + 1}: {err!r}") from err

    async def _mention_ids(self, message: OutgoingMessage) -> list[str]:
        """The contact ids to @: given as contact ids, or as WeChat ids (the roster's
        ``wechat`` column may hold either), looked up among the room's members once per
        connection."""
        wanted = list(message.mentions)
        room = message.target.id
        if not wanted or self._puppet is None:
            return wanted
        if room not in self._members_by_weixin:
            members = await asyncio.wait_for(self._puppet.room_members(room), RPC_TIMEOUT)
            by_weixin = {str(m): str(m) for m in members}
            for member in map(str, members):
                _, weixin = await self._contact(member)
                if weixin:
                    by_weixin[weixin] = member
            self._members_by_weixin[room] = by_weixin
        known = self._members_by_weixin[room]
        return [known[w] for w in wanted if w in known]
