"""Masking of ID-card and phone numbers before storing."""

from __future__ import annotations

import pytest

from storage.privacy import mask_personal_numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证440102199001011234丢了", "身份证440*************34丢了"),
        ("身份证44010219900101123X", "身份证440*************3X"),
        ("电话13812345678找我", "电话138****5678找我"),
        ("手机 138-1234-5678", "手机 138****5678"),
        ("+86 13812345678", "138****5678"),
        ("座机020-87654321", "座机020-****4321"),
        ("身份证 4401 0219 9001 0112 34 补办", "身份证 440*************34 补办"),
        ("身份证440102-19900101-123X", "身份证440*************3X"),
        ("电话一三八一二三四五六七八", "电话一三八****五六七八"),
        ("打幺三九零零零零一二三四", "打幺三九****一二三四"),
    ],
)
def test_numbers_are_masked(text: str, expected: str) -> None:
    assert mask_personal_numbers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "工资3000元欠了2年",
        "2026年11月22日",
        "借了50000块",
        "一二三四五六七八九十",  # counting, not a phone number
        "欠款 1000 2000 3000 元",
    ],
)
def test_ordinary_numbers_are_kept(text: str) -> None:
    assert mask_personal_numbers(text) == text
