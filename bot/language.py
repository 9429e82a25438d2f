"""The nlp package behind the handlers' Language port (loaded once per process)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from nlp import Classification, Classifier, Guidance, load_guidance


class NlpLanguage:
    """Classifier plus guidance texts; a bad data file fails here, at start-up."""

    def __init__(self, classifier: Classifier, guidance: Mapping[str, Guidance]) -> None:
        self._classifier = classifier
        self._guidance = dict(guidance)

    @classmethod
    def load(cls, data_dir: Path | None = None) -> NlpLanguage:
        """Load the data files (``config/data`` unless ``data_dir`` is given)."""
        return cls(Classifier(data_dir), load_guidance(data_dir))

    def classify(self, text: str) -> Classification:
        """Classify one villager message."""
        return self._classifier.classify(text)

    def guidance(self, category: str) -> Guidance:
        """The guidance of a category; unknown codes get the ``other`` guidance."""
        return self._guidance.get(category) or self._guidance["other"]
