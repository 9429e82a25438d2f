"""Fakes for the chat side: a transport that records what was sent, a fixed language."""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.ports import OutgoingMessage, Target
from nlp.types import Classification, Intent


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


@dataclass(frozen=True)
class FakeGuidance:
    """Guidance with fixed texts."""

    name: str
    channels: tuple[str, ...]
    tip: str


@dataclass
class FakeLanguage:
    """A Language whose classification is looked up by substring, for handler tests.

    ``rules`` maps a substring to (category, intents); the first rule found wins;
    anything else is chit-chat.
    """

    rules: dict[str, tuple[str, frozenset[Intent]]] = field(default_factory=dict)

    def classify(self, text: str) -> Classification:
        """The first rule whose key is in ``text``."""
        for key, (category, intents) in self.rules.items():
            if key in text:
                return Classification(category, 0.9, (key,), intents)
        return Classification("other", 0.0, (), frozenset({"chitchat"}))

    def guidance(self, category: str) -> FakeGuidance:
        """Fixed guidance naming the category."""
        return FakeGuidance(f"{category}类", ("人民调解", "诉讼"), "请保留证据。")


def village_language() -> FakeLanguage:
    """A fake covering the examples the handler tests use."""
    q: frozenset[Intent] = frozenset({"question"})
    return FakeLanguage(
        {
            "宅基地": ("homestead", q),
            "工钱": ("labor", q),
            "法律援助": ("labor", frozenset({"question", "legal_aid"})),
            "跳楼": ("labor", frozenset({"question", "urgent"})),
            "律师不回": ("other", frozenset({"question", "complaint"})),
        }
    )
