"""The chat port: a transport-neutral incoming message and the small outgoing interface.

Every channel (console, browser simulator, WeChat) turns its events into
:class:`IncomingMessage` and implements :class:`Chat` (directly or through the outbox).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal, Protocol

TargetKind = Literal["group", "person"]


@dataclass(frozen=True, slots=True)
class Target:
    """Where a message goes: a group (by stable group id) or a person (by sender id)."""

    kind: TargetKind
    id: str

    @classmethod
    def group(cls, group_id: str) -> Target:
        """A group target."""
        return cls("group", group_id)

    @classmethod
    def person(cls, person_id: str) -> Target:
        """A private-chat target."""
        return cls("person", person_id)


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One message received by the bot, whatever the channel."""

    channel: str
    sender_id: str
    sender_name: str
    text: str
    sent_at: datetime
    group_id: str | None = None
    mentions_bot: bool = False
    message_id: str | None = None
    mentioned_ids: tuple[str, ...] = ()
    instance: str = ""  # the channel instance it came through; replies leave through it
    sender_aliases: tuple[str, ...] = ()  # other ids of the sender (a WeChat id, weixin)
    joined: tuple[str, ...] = ()  # a join event: the names of who joined the group (no text)

    @property
    def reply_channel(self) -> str:
        """Who must deliver the replies: the instance it came through, else its channel."""
        return self.instance or self.channel

    @property
    def is_group(self) -> bool:
        """True for a group message, False for a private one."""
        return self.group_id is not None

    @property
    def reply_target(self) -> Target:
        """The group it came from, or the sender for a private message."""
        return Target.group(self.group_id) if self.group_id else Target.person(self.sender_id)


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A message to deliver; ``mentions`` are person ids @-mentioned in a group."""

    target: Target
    text: str
    mentions: tuple[str, ...] = field(default=())


class Chat(Protocol):
    """What a handler or a job may do to the outside world: say something to someone."""

    async def say(
        self,
        target: Target,
        text: str,
        mentions: Sequence[str] = (),
        *,
        dedup_key: str | None = None,
    ) -> bool:
        """Send ``text`` to ``target``, @-mentioning ``mentions`` (person ids) in a group.

        With ``dedup_key``, a message already sent under that key is not sent again
        (returns False): scheduled jobs use it so a re-run sends nothing twice.
        """
        ...


_MENTION = re.compile(r"@([^\s@，,:：]+)")


def mentioned_names(text: str) -> tuple[str, ...]:
    """The names @-mentioned in ``text`` as typed (``@张三 …`` -> ``("张三",)``), in order."""
    return tuple(_MENTION.findall(text))


@dataclass(frozen=True, slots=True)
class BotMention:
    """A message's text with the bot's @-mention taken out, and whether it was there."""

    text: str
    to_bot: bool
    others: tuple[str, ...]


def split_bot_mention(text: str, bot_name: str) -> BotMention:
    """Take ``@bot_name`` out of ``text``; the other names @-mentioned are kept in order.

    For channels whose events carry the mention as text (the console, the simulator).
    """
    tag = f"@{bot_name}"
    to_bot = tag in text
    rest = text.replace(tag, "").strip() if to_bot else text
    return BotMention(rest, to_bot, mentioned_names(rest))


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, cut at line ends where possible."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:  # one line longer than the limit: cut it
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            parts.append(current)
            current = ""
        current += line
    parts.append(current)
    kept = [p.rstrip("\n") for p in parts if p.strip()]
    return kept or [text]


_NUMBER_ROOM = 12  # room for the 「(12/12) 」 prefix of a numbered part


def split_numbered(text: str, limit: int) -> list[str]:
    """``text`` as is when it fits in ``limit`` characters, else in parts that do, each
    numbered 「(1/3) 」 so that a reader sees the order and that nothing is missing."""
    if len(text) <= limit:
        return [text]
    parts = split_text(text, max(limit - _NUMBER_ROOM, 1))
    return [f"({n}/{len(parts)}) {part}" for n, part in enumerate(parts, 1)]


# --- the boundary: what a channel hands in is made storable here, once -----------------

MAX_ID = 128  # the id columns' width
MAX_CHANNEL = 32  # inboundmessage.channel
MAX_INSTANCE = 64  # outboxmessage.channel, seenroom.instance
MAX_NAME = 64
MAX_TEXT = 4000
# NUL and other control characters (but tab and newline), and lone surrogates (a Python
# str holds no valid pairs, so any surrogate code point is a lone one): no database
# stores them, and no person typed them.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` without unstorable characters, at most ``limit`` characters long."""
    return _UNSTORABLE.sub("", text)[:limit]


def clean_id(value: str, limit: int = MAX_ID) -> str:
    """An id that fits the id columns: unstorable characters removed, and one that is too
    long shortened deterministically (a prefix, ``~`` and a hash of the whole id), so the
    same long id always maps to the same stored id and two long ids stay apart."""
    cleaned = _UNSTORABLE.sub("", value).strip()
    if 0 < len(cleaned) <= limit and cleaned == value:
        return cleaned
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{cleaned[: limit - 17]}~{digest}"


def clean_incoming(message: IncomingMessage) -> IncomingMessage:
    """The message with every field storable: the port's boundary, applied by the
    dispatcher to whatever a channel hands in."""
    return replace(
        message,
        channel=clean_id(message.channel, MAX_CHANNEL),
        sender_id=clean_id(message.sender_id),
        sender_name=clean_text(message.sender_name, MAX_NAME).strip() or "?",
        text=clean_text(message.text),
        group_id=None if message.group_id is None else clean_id(message.group_id),
        message_id=None if message.message_id is None else clean_id(message.message_id),
        mentioned_ids=tuple(clean_id(m) for m in message.mentioned_ids),
        instance=clean_id(message.instance, MAX_INSTANCE) if message.instance else "",
        sender_aliases=tuple(clean_id(a) for a in message.sender_aliases if a),
        joined=tuple(n for n in (clean_text(j, MAX_NAME).strip() for j in message.joined) if n)[
            :50
        ],
    )
