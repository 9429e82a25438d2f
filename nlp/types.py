"""The classifier's result type and the fixed category and intent codes (docs/rules.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

CATEGORIES: Final = (
    "land",
    "homestead",
    "expropriation",
    "collective",
    "marriage",
    "inheritance",
    "labor",
    "debt",
    "contract",
    "traffic",
    "tort",
    "neighbor",
    "administrative",
    "criminal",
    "other",
)

Intent = Literal["question", "chitchat", "legal_aid", "complaint", "urgent"]
INTENTS: Final[tuple[Intent, ...]] = ("question", "chitchat", "legal_aid", "complaint", "urgent")


@dataclass(frozen=True, slots=True)
class Classification:
    """What one villager message is about.

    ``category`` is one of :data:`CATEGORIES`; ``confidence`` lies in [0, 1];
    ``keywords`` are the lexicon entries that matched, strongest first; ``intents``
    holds ``question`` or ``chitchat`` (exactly one) plus any of ``legal_aid``,
    ``complaint``, ``urgent``.
    """

    category: str
    confidence: float
    keywords: tuple[str, ...] = ()
    intents: frozenset[Intent] = field(default_factory=frozenset)

    @property
    def is_question(self) -> bool:
        """True when the bot should answer (a real question, not chit-chat)."""
        return "question" in self.intents

    @property
    def is_urgent(self) -> bool:
        """True for a group-incident or safety risk that is reported at once (G3)."""
        return "urgent" in self.intents
