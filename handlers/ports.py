"""The chat port: a transport-neutral incoming message and the small outgoing interface.

Every channel (console, browser simulator, WeChat) turns its events into
:class:`IncomingMessage` and implements :class:`Chat` (directly or through the outbox).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
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
