"""Strict CSV reading shared by the importers: exact header, numbered rows."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from storage.errors import ImportRefused
from storage.exports import restore
from storage.periods import DateWindow

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "是", "真"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "否", "假"})


@dataclass(frozen=True, slots=True)
class Row:
    """One data row with its 1-based line number in the file (the header is line 1)."""

    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        """The stripped value of ``column`` ('' when the column is absent), with the
        apostrophe an export put before formula-looking text taken off again."""
        return restore((self.values.get(column) or "").strip())

    def required(self, column: str) -> str:
        """The value of ``column``; refuses the file when it is empty."""
        value = self.get(column)
        if not value:
            raise ImportRefused(self.line, f"{column} 不能为空")
        return value

    def flag(self, column: str) -> bool:
        """A yes/no column: 1/0, true/false, yes/no, 是/否 (empty means no)."""
        value = self.get(column).lower()
        if value in TRUE_WORDS:
            return True
        if value in FALSE_WORDS:
            return False
        raise ImportRefused(
            self.line, f"{column} 应为 是/否（或 1/0、true/false），而不是 {value!r}"
        )

    def day(self, column: str, window: DateWindow, *, optional: bool = False) -> date | None:
        """An ISO date column (exactly YYYY-MM-DD) inside ``window``; empty is None when
        ``optional``."""
        value = self.get(column)
        if not value and optional:
            return None
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError(value)
            day = date.fromisoformat(value)
        except ValueError:
            raise ImportRefused(
                self.line, f"{column} 应为日期 YYYY-MM-DD，而不是 {value!r}"
            ) from None
        if day not in window:
            raise ImportRefused(self.line, f"{column} {value} 超出允许的日期范围（{window}）")
        return day


def read_rows(text: str, required: Sequence[str], optional: Sequence[str] = ()) -> Iterator[Row]:
    """Rows of a CSV text whose header has every required column and no unknown one."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [h.strip() for h in _next(reader) or []]
    _check_header(header, required, optional)
    while (values := _next(reader)) is not None:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise ImportRefused(line, f"应有 {len(header)} 列，实际 {len(values)} 列")
        yield Row(line, dict(zip(header, values, strict=True)))


def _next(reader: Any) -> list[str] | None:
    """The next record, or None at the end; a malformed one (a NUL, a stray quote or line
    break) refuses the file with its line number instead of escaping as a csv.Error."""
    try:
        return next(reader, None)
    except csv.Error as err:
        raise ImportRefused(reader.line_num or 1, f"不是有效的 CSV（{err}）") from None


def _check_header(header: list[str], required: Sequence[str], optional: Sequence[str]) -> None:
    if not header:
        raise ImportRefused(1, "文件是空的：第一行应是表头 " + ",".join(required))
    unknown = [h for h in header if h not in required and h not in optional]
    if unknown:
        raise ImportRefused(
            1, f"未知的列 {', '.join(unknown)}；允许的列：{','.join([*required, *optional])}"
        )
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportRefused(1, f"缺少列 {', '.join(missing)}")
    if len(set(header)) != len(header):
        raise ImportRefused(1, "表头有重复的列")
