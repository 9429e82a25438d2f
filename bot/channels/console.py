"""The console channel: ``发送者@群: 内容`` / ``发送者: 内容`` lines in, ``>>`` lines out."""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

from handlers.ports import IncomingMessage, OutgoingMessage, split_bot_mention

CHANNEL = "console"
LINE_FORMAT = (
    "格式：「发送者@群: 内容」（群消息）、「发送者: 内容」（私聊机器人）"
    "或「+新成员@群」（有人入群，多人用逗号隔开）"
)
_JOIN = re.compile(r"^\+(?P<names>[^@:：]+?)\s*@(?P<group>[^:：]+?)\s*$")
_LINE = re.compile(r"^(?P<sender>[^@:：]+?)\s*(?:@(?P<group>[^:：]+?))?\s*[:：]\s*(?P<text>.*)$")


class ConsoleLineError(ValueError):
    """A console line is not in the expected form."""


@dataclass(frozen=True, slots=True)
class ConsoleParser:
    """Turns console lines into incoming messages (sender name = sender id)."""

    bot_name: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    instance: str = field(default_factory=lambda: f"{CHANNEL}:{uuid.uuid4().hex}")

    def parse(self, line: str) -> IncomingMessage:
        """Parse one line or raise :class:`ConsoleLineError`."""
        joined = _JOIN.match(line.strip())
        if joined is not None:
            return self._join(joined["names"], joined["group"].strip())
        found = _LINE.match(line.strip())
        if found is None or not found["text"].strip():
            raise ConsoleLineError(f"看不懂这一行：{line.strip()!r}。{LINE_FORMAT}")
        mention = split_bot_mention(found["text"].strip(), self.bot_name)
        sender = found["sender"].strip()
        return IncomingMessage(
            channel=CHANNEL,
            sender_id=sender,
            sender_name=sender,
            text=mention.text,
            sent_at=self.clock(),
            group_id=found["group"].strip() if found["group"] else None,
            mentions_bot=mention.to_bot,
            message_id=f"console-{uuid.uuid4().hex}",
            mentioned_ids=mention.others,
            instance=self.instance,
        )

    def _join(self, names: str, group: str) -> IncomingMessage:
        """``+赵六@南岗村群``: who joined which group (a join event, no text)."""
        people = tuple(n.strip() for n in re.split(r"[,，、]", names) if n.strip())
        if not people:
            raise ConsoleLineError(f"「+」后面要写入群的人。{LINE_FORMAT}")
        return IncomingMessage(
            channel=CHANNEL,
            sender_id=people[0],
            sender_name=people[0],
            text="",
            sent_at=self.clock(),
            group_id=group,
            message_id=f"console-{uuid.uuid4().hex}",
            instance=self.instance,
            joined=people,
        )


class ConsoleTransport:
    """Prints what the bot sends: ``>> 群: 内容`` or ``>> 私聊 某人: 内容``."""

    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out

    async def deliver(self, message: OutgoingMessage) -> None:
        """Print one message; continuation lines are indented under it."""
        where = message.target.id
        head = f">> {where}" if message.target.kind == "group" else f">> 私聊 {where}"
        body = message.text.replace("\n", "\n   ")
        self.out.write(f"{head}: {body}\n")
        self.out.flush()
