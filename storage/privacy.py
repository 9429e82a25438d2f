"""Masking of ID-card and phone numbers in text that is stored or shown to others."""

from __future__ import annotations

import re

_ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_ID_CARD_OLD = re.compile(r"(?<!\d)(\d{6})(\d{6})(\d{3})(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<![\d-])(0\d{2,3})-?(\d{3,4})(\d{4})(?![\d-])")


def mask_personal_numbers(text: str) -> str:
    """Mask ID-card numbers (keep 3 leading and 2 trailing characters) and phone numbers.

    ``440102199001011234`` -> ``440*************34``; ``13812345678`` -> ``138****5678``;
    ``020-87654321`` -> ``020-****4321``.
    """
    text = _ID_CARD.sub(lambda m: _keep(m.group(0), 3, 2), text)
    text = _ID_CARD_OLD.sub(lambda m: _keep(m.group(0), 3, 2), text)
    text = _MOBILE.sub(lambda m: f"{m.group(2)}****{m.group(4)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)


def _keep(value: str, head: int, tail: int) -> str:
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]
