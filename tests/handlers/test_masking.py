"""G4: the forms of ID-card and phone numbers seen in issue 10 are stored masked."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import Question
from tests.handlers.conftest import Say, Talk


@pytest.mark.parametrize(
    ("text", "clear"),
    [
        ("宅基地证办不下来，身份证4401 0219 9001 0112 34", "0219 9001"),
        ("宅基地被占了，电话一三八一二三四五六七八", "一二三四五六七八"),
    ],
)
async def test_spaced_ids_and_numeral_phones_are_not_stored_in_clear(
    talk: Talk, db: Database, msg: Say, text: str, clear: str
) -> None:
    await talk(msg(text))
    async with db.read() as s:
        [q] = list(await s.exec(select(Question)))
    assert clear not in q.text
    assert "****" in q.text
