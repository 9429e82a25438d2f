"""Question understanding: pure, synchronous; jieba and the data files in ``config/data``.

``classify(text)`` gives a :class:`Classification`; :class:`Classifier` can be built from
another data folder; ``load_guidance()`` gives the name, lawful channels and tip per category.
"""

from __future__ import annotations

from pathlib import Path

from nlp.classifier import (
    Classifier,
    classification_to_json,
    classify,
    default_classifier,
    default_data_dir,
)
from nlp.guidance import GUIDANCE_FILE, Guidance, read_guidance
from nlp.lexicon import LexiconError
from nlp.types import CATEGORIES, INTENTS, Classification, Intent


def load_guidance(data_dir: Path | None = None) -> dict[str, Guidance]:
    """The guidance per category code from ``guidance.toml`` (validated; all 15 codes)."""
    folder = data_dir if data_dir is not None else default_data_dir()
    return read_guidance(folder / GUIDANCE_FILE)


__all__ = [
    "CATEGORIES",
    "INTENTS",
    "Classification",
    "Classifier",
    "Guidance",
    "Intent",
    "LexiconError",
    "classification_to_json",
    "classify",
    "default_classifier",
    "default_data_dir",
    "load_guidance",
]
