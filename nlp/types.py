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
Crisis = Literal["group", "self_harm", "fraud"]
INTENTS: Final[tuple[Intent, ...]] = ("question", "chitchat", "legal_aid", "complaint", "urgent")


@dataclass(frozen=True, slots=True)
class Classification:
    """What one villager message is about.

    ``category`` is one of :data:`CATEGORIES`; ``confidence`` lies in [0, 1];
    ``keywords`` are the lexicon entries that matched, strongest first; ``intents``
    holds ``question`` or ``chitchat`` (exactly one) plus any of ``legal_aid``,
    ``complaint``, ``urgent``. ``crisis`` says which risk it is: ``group`` (a group
    incident, urgent), ``self_harm`` (urgent, answered privately) or ``fraud`` (just
    cheated: call 110 and the anti-fraud line first).
    """

    category: str
    confidence: float
    keywords: tuple[str, ...] = ()
    intents: frozenset[Intent] = field(default_factory=frozenset)
    crisis: Crisis | None = None  # which kind of risk, when the reply must differ

    @property
    def is_question(self) -> bool:
        """True when the bot should answer (a real question, not chit-chat)."""
        return "question" in self.intents

    @property
    def is_urgent(self) -> bool:
        """True for a group-incident or safety risk that is reported at once (G3)."""
        return "urgent" in self.intents
