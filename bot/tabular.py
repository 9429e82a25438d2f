"""Rendering rows for the terminal and for files: json, csv or an aligned table."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from storage.exports import csv_text

FORMATS = ("table", "json", "csv")


def render(fields: Sequence[str], rows: Sequence[Mapping[str, Any]], fmt: str) -> str:
    """``rows`` (dicts) as ``fmt``: ``json`` (a list of objects), ``csv`` or ``table``."""
    if fmt == "json":
        return json.dumps([{f: r[f] for f in fields} for r in rows], ensure_ascii=False, indent=2)
    if fmt == "csv":
        return csv_text(fields, [[_cell(r[f]) for f in fields] for r in rows])
    return table(fields, [[_cell(r[f]) for f in fields] for r in rows])


def _cell(value: Any) -> str | int:
    if isinstance(value, bool):
        return "是" if value else "否"
    return value if isinstance(value, int) else str(value)


def width(text: str) -> int:
    """Display width: East Asian wide and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(fields: Sequence[str], rows: Sequence[Sequence[str | int]]) -> str:
    """An aligned plain-text table (numbers right-aligned)."""
    cells = [[str(v) for v in row] for row in rows]
    widths = [max([width(f), *(width(r[i]) for r in cells)]) for i, f in enumerate(fields)]
    numeric = [bool(rows) and all(isinstance(r[i], int) for r in rows) for i in range(len(fields))]
    lines = [_line(list(fields), widths, [False] * len(fields))]
    lines.append("  ".join("-" * w for w in widths))
    lines += [_line(r, widths, numeric) for r in cells]
    return "\n".join(lines)


def _line(values: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> str:
    parts = []
    for value, w, r in zip(values, widths, right, strict=True):
        pad = " " * (w - width(value))
        parts.append(pad + value if r else value + pad)
    return "  ".join(parts).rstrip()
