"""Per-category guidance from guidance.toml: the Chinese name, lawful channels (G1), a tip."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from nlp.lexicon import LexiconError
from nlp.types import CATEGORIES

GUIDANCE_FILE: Final = "guidance.toml"


@dataclass(frozen=True, slots=True)
class Guidance:
    """What the bot tells a villager about one category: its name, channels in order, a tip."""

    code: str
    name: str
    channels: tuple[str, ...]
    tip: str


def _section_line(text: str, code: str) -> int | None:
    """The line number of ``[code]`` in the TOML text, for error messages."""
    for number, line in enumerate(text.splitlines(), start=1):
        if re.fullmatch(rf"\s*\[\s*{re.escape(code)}\s*\]\s*(#.*)?", line):
            return number
    return None


def _guidance(path: Path, text: str, code: str, table: object) -> Guidance:
    """Validate one ``[code]`` table."""
    line = _section_line(text, code)
    if not isinstance(table, dict):
        raise LexiconError(path, line, f"[{code}] 应是一个表")
    name, channels, tip = table.get("name"), table.get("channels"), table.get("tip")
    if not isinstance(name, str) or not name.strip():
        raise LexiconError(path, line, f"[{code}] 缺少 name（中文类别名）")
    if not isinstance(channels, list) or not channels:
        raise LexiconError(path, line, f"[{code}] 的 channels 应是非空的字符串列表")
    if not all(isinstance(c, str) and c.strip() for c in channels):
        raise LexiconError(path, line, f"[{code}] 的 channels 里有空项或非字符串")
    if not isinstance(tip, str):
        raise LexiconError(path, line, f"[{code}] 缺少 tip（一句提示）")
    return Guidance(code, name.strip(), tuple(c.strip() for c in channels), tip.strip())


def read_guidance(path: Path) -> dict[str, Guidance]:
    """Read and validate guidance.toml: one table per category code, all 15 present."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(path, None, f"无法读取文件（{exc}）") from exc
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise LexiconError(path, int(found[1]) if found else None, f"TOML 格式错误：{exc}") from exc
    for code in data:
        if code not in CATEGORIES:
            raise LexiconError(path, _section_line(text, code), f"未知类别“{code}”")
    missing = [code for code in CATEGORIES if code not in data]
    if missing:
        raise LexiconError(path, None, f"缺少类别：{', '.join(missing)}")
    return {code: _guidance(path, text, code, data[code]) for code in CATEGORIES}
