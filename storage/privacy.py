"""Masking of ID-card and phone numbers in text that is stored or shown to others."""

from __future__ import annotations

import re

_ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
# an 18-character ID written in groups: 4401 0219 9001 0112 34, 440102-19900101-1234
_ID_CARD_SPACED = re.compile(r"(?<![0-9A-Za-z])(?:[0-9][ \-]?){17}[0-9Xx](?![0-9A-Za-z])")
# a mobile number in Chinese numerals: 一三八一二三四五六七八 (幺 and 两 are spoken forms)
_DIGIT_WORDS = "零〇一幺二两三四五六七八九"
_MOBILE_WORDS = re.compile(
    rf"(?<![{_DIGIT_WORDS}])([一幺][三四五六七八九][{_DIGIT_WORDS}])([{_DIGIT_WORDS}]{{4}})([{_DIGIT_WORDS}]{{4}})(?![{_DIGIT_WORDS}])"
)
_ID_CARD_OLD = re.compile(r"(?<!\d)(\d{6})(\d{6})(\d{3})(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<![\d-])(0\d{2,3})-?(\d{3,4})(\d{4})(?![\d-])")


def mask_personal_numbers(text: str) -> str:
    """Mask ID-card numbers (keep 3 leading and 2 trailing characters) and phone numbers.

    ``440102199001011234`` -> ``440*************34``; ``13812345678`` -> ``138****5678``;
    ``020-87654321`` -> ``020-****4321``; also an ID written in groups
    (``4401 0219 9001 0112 34``) and a mobile number in Chinese numerals
    (``一三八一二三四五六七八`` -> ``一三八****五六七八``).
    """
    text = _ID_CARD.sub(lambda m: _keep(m.group(0), 3, 2), text)
    text = _ID_CARD_SPACED.sub(lambda m: _keep(re.sub(r"[ \-]", "", m.group(0)), 3, 2), text)
    text = _ID_CARD_OLD.sub(lambda m: _keep(m.group(0), 3, 2), text)
    text = _MOBILE.sub(lambda m: f"{m.group(2)}****{m.group(4)}", text)
    text = _MOBILE_WORDS.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)


def _keep(value: str, head: int, tail: int) -> str:
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]
