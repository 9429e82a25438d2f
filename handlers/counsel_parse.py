"""Parsing the counsel's private commands: 「记录 …」 and 「请假 …」. Pure, no I/O.

``记录 [日期] 村名 渠道 时长 [摘要] [#活动]``: the leading words (date, village, channel,
duration) may come in any order, each at most once; everything after them is the
summary. Errors are :class:`~storage.errors.InvalidInput` with a short Chinese message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta

from config import LimitSettings
from handlers.texts import counsel as texts
from storage.errors import InvalidInput
from storage.ledger_terms import MAX_MINUTES, MIN_MINUTES, default_kind
from storage.periods import DateWindow

CHANNEL_WORDS = {
    "电话": "phone",
    "微信": "wechat",
    "邮件": "email",
    "邮箱": "email",
    "电邮": "email",
    "qq": "qq",
    "值班": "workstation",
    "工作站": "workstation",
    "工作站值班": "workstation",
    "视频讲座": "video_lecture",
    "微视频": "video_lecture",
    "光盘": "video_lecture",
    "驻村": "visit",
    "现场": "visit",
    "到村": "visit",
    "夜校": "night_school",
    "法律夜校": "night_school",
    "其他": "other",
}
ACTIVITY_WORDS = {
    "法律援助": "legal_aid_case",
    "援助案件": "legal_aid_case",
    "法治课堂": "law_class",
    "纠纷排查": "dispute_screening",
    "矛盾排查": "dispute_screening",
    "法律咨询": "consultation_event",
    "咨询活动": "consultation_event",
}
# ASCII digits only, after an explicit NFKC normalisation (full-width ３０ becomes 30);
# other scripts' digits are refused, not read by accident. Bounded lengths: no overflow.
_DURATION = re.compile(
    r"^(?:(?P<h>[0-9]{1,2}(?:\.[0-9]{1,2})?)(?:小时|个小时|h)(?:(?P<hm>[0-9]{1,2})(?:分钟|分))?"
    r"|(?P<m>[0-9]{1,4})(?:分钟|分|min)|(?P<half>半小时))$",
    re.IGNORECASE,
)
_DURATION_LIKE = re.compile(r"^[0-9][0-9.]*(?:小时|个小时|h|分钟|分|min)", re.IGNORECASE)
_GLUED_DURATION = re.compile(
    r"([0-9]+(?:\.[0-9]+)?(?:小时|个小时|h)(?:[0-9]+(?:分钟|分))?|[0-9]+(?:分钟|分|min))", re.I
)
_MONTH_DAY = re.compile(
    r"^(?:(?P<y>[0-9]{4})[-年/.])?(?P<m>[0-9]{1,2})[-月/.](?P<d>[0-9]{1,2})[日号]?$"
)
_TAG = re.compile(r"#(\S+)")
_DATE = r"(?:[0-9]{4}[-年/.])?[0-9]{1,2}[-月/.][0-9]{1,2}[日号]?"
_LEAVE = re.compile(
    rf"^\s*(?P<a>{_DATE})\s*(?:-|~|—|至|到)\s*(?P<b>{_DATE}|[0-9]{{1,2}}[日号]?)\s*$"
)
RELATIVE_DAYS = {"今天": 0, "昨天": 1, "前天": 2}


@dataclass(frozen=True, slots=True)
class RecordCommand:
    """A parsed 「记录」 command."""

    village_id: str
    day: date
    kind: str
    channel: str
    minutes: int
    summary: str
    activity: str | None


def normalise(text: str) -> str:
    """NFKC: full-width digits, letters and punctuation as their plain forms."""
    return unicodedata.normalize("NFKC", text)


def parse_duration(token: str) -> int | None:
    """``30分钟`` / ``2小时`` / ``1.5小时`` / ``2小时30分`` / ``半小时`` -> minutes, else None.

    A token that looks like a duration but is not a sane one (``99999小时``, ``0分钟``,
    ``1.2.3小时``) is refused: minutes must lie in 1..1440.
    """
    found = _DURATION.match(token)
    if found is None:
        if _DURATION_LIKE.match(token):
            raise InvalidInput(texts.duration_out_of_range(token))
        return None
    if found["half"]:
        return 30
    if found["m"]:
        minutes = int(found["m"])
    else:
        minutes = round(float(found["h"]) * 60) + int(found["hm"] or 0)
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InvalidInput(texts.duration_out_of_range(token))
    return minutes


def parse_day(token: str, today: date, window: DateWindow | None = None) -> date | None:
    """``今天`` ``昨天`` ``前天`` ``11月3日`` ``11-03`` ``2026-11-03`` -> a date, else None.

    A date without a year is the latest such date not after ``today``; one with a year
    must lie in ``window`` (default: the default number of years around today).
    """
    if token in RELATIVE_DAYS:
        return today - timedelta(days=RELATIVE_DAYS[token])
    read = _month_day(token, today.year, texts.no_such_date)
    if read is None:
        return None
    day, year_written = read
    if not year_written and day > today:
        day = day.replace(year=day.year - 1)
    if day not in (window or _default_window(today)):
        raise InvalidInput(texts.date_out_of_window(token, str(window or _default_window(today))))
    return day


def _month_day(token: str, year: int, invalid: Callable[[str], str]) -> tuple[date, bool] | None:
    """``11月3日`` ``11-03`` ``2026-11-03`` -> (the date, whether its year was written),
    in ``year`` when none is written; None when ``token`` is not written as a date.
    A date not in the calendar (2月30日) is refused with ``invalid(token)``."""
    found = _MONTH_DAY.match(token)
    if found is None:
        return None
    try:
        day = date(int(found["y"] or year), int(found["m"]), int(found["d"]))
    except ValueError:
        raise InvalidInput(invalid(token)) from None
    return day, found["y"] is not None


def _default_window(today: date) -> DateWindow:
    return DateWindow.around(today, LimitSettings().date_window_years)


def parse_record(text: str, today: date, villages: Mapping[str, str]) -> RecordCommand:
    """Parse what follows 「记录」; ``villages`` maps names and ids to the counsel's village ids."""
    activity, text = _take_activity(normalise(text))
    tokens = _GLUED_DURATION.sub(r" \1 ", text).split()
    if not tokens:
        raise InvalidInput(texts.RECORD_FORM)
    found: dict[str, object] = {}
    rest = len(tokens)
    for i, token in enumerate(tokens):
        if not _classify(token, today, villages, found):
            rest = i
            break
    return _command(found, tokens, rest, villages, activity, today)


def _classify(
    token: str, today: date, villages: Mapping[str, str], found: dict[str, object]
) -> bool:
    """Put ``token`` in its slot; False when it fills none (the summary begins)."""
    candidates = (
        ("minutes", lambda: parse_duration(token)),
        ("channel", lambda: CHANNEL_WORDS.get(token.lower()) or CHANNEL_WORDS.get(token)),
        ("day", lambda: parse_day(token, today)),
        ("village", lambda: villages.get(token)),
    )
    for slot, read in candidates:
        if slot not in found and (value := read()) is not None:
            found[slot] = value
            return True
    return False


def _command(
    found: dict[str, object],
    tokens: list[str],
    rest: int,
    villages: Mapping[str, str],
    activity: str | None,
    today: date,
) -> RecordCommand:
    if "minutes" not in found:
        bad = tokens[rest] if rest < len(tokens) else ""
        raise InvalidInput(texts.unknown_word(bad) if bad else texts.MISSING_DURATION)
    if "channel" not in found:
        raise InvalidInput(texts.MISSING_CHANNEL)
    village = found.get("village") or only_village(villages, texts.RECORD_FORM)
    channel = str(found["channel"])
    minutes = found["minutes"]
    assert isinstance(minutes, int)
    day = found.get("day")
    return RecordCommand(
        village_id=str(village),
        day=day if isinstance(day, date) else today,
        kind=default_kind(channel),
        channel=channel,
        minutes=minutes,
        summary=" ".join(tokens[rest:]).strip(),
        activity=activity,
    )


def only_village(villages: Mapping[str, str], form: str) -> str:
    """The counsel's one village when the command names none; a counsel of several is
    told their names and the command's ``form``."""
    ids = sorted(set(villages.values()))
    if len(ids) == 1:
        return ids[0]
    names = "、".join(sorted(k for k in villages if k not in ids))
    raise InvalidInput(texts.name_the_village(names, form))


def _take_activity(text: str) -> tuple[str | None, str]:
    for tag in _TAG.findall(text):
        if tag in ACTIVITY_WORDS:
            return ACTIVITY_WORDS[tag], text.replace(f"#{tag}", " ")
    return None, text


def parse_leave(text: str, today: date, window: DateWindow | None = None) -> tuple[date, date]:
    """``12月1日-12月7日`` / ``2026-12-01至2026-12-07`` -> (start, end), years inferred forward.

    Without a year, an end in an earlier month than the start crosses the new year
    (``12月28日-1月3日``); an end earlier in the same month is a mistake and refused.
    """
    found = _LEAVE.match(normalise(text))
    if found is None:
        raise InvalidInput(texts.LEAVE_FORM)
    start = _leave_day(found["a"], today)
    end = _leave_day(found["b"], today, month_of=start)
    written_year = re.match(r"^[0-9]{4}", found["b"]) is not None
    if end < start and not written_year and end.month < start.month:
        end = end.replace(year=end.year + 1)
    if end < start:
        raise InvalidInput(texts.LEAVE_ENDS_BEFORE_START)
    limits = window or _default_window(today)
    for day, token in ((start, found["a"]), (end, found["b"])):
        if day not in limits:
            raise InvalidInput(texts.date_out_of_window(token, str(limits)))
    return start, end


def _leave_day(token: str, today: date, month_of: date | None = None) -> date:
    """A leave date: with year as written; without, this year or (if long past) the next."""
    if month_of is not None and re.fullmatch(r"[0-9]{1,2}[日号]?", token):
        token = f"{month_of.year}-{month_of.month}-{token.rstrip('日号')}"
    read = _month_day(token, today.year, texts.no_such_leave_date)
    if read is None:
        raise InvalidInput(texts.unreadable_leave_date(token))
    day, year_written = read
    if not year_written and day < today - timedelta(days=31):
        day = day.replace(year=day.year + 1)
    return day


# --- 排班 南岗村 12月10日 9:00-12:00 [地点] ---------------------------------------------------

_CLOCK = r"(?:[01]?[0-9]|2[0-3])(?:[:：.][0-5][0-9]|点(?:[0-5]?[0-9]分?|半)?)"
_TIME_RANGE = re.compile(rf"^(?P<a>{_CLOCK})\s*(?:-|~|—|至|到)\s*(?P<b>{_CLOCK})$")
_AHEAD_DAYS = {"今天": 0, "明天": 1, "后天": 2}


@dataclass(frozen=True, slots=True)
class VisitCommand:
    """A parsed 「排班」: which village, which day, from when to when, where."""

    village_id: str
    day: date
    start: time
    end: time
    place: str


def parse_clock(token: str) -> time:
    """``9:00`` ``14：30`` ``9点`` ``9点半`` -> a time of day."""
    found = re.fullmatch(r"([0-9]{1,2})(?:[:：.]([0-9]{2})|点(?:([0-9]{1,2})分?|(半))?)", token)
    if found is None:
        raise InvalidInput(texts.VISIT_FORM)
    minute = 30 if found[4] else int(found[2] or found[3] or 0)
    try:
        return time(int(found[1]), minute)
    except ValueError:
        raise InvalidInput(f"时间「{token}」不对；{texts.VISIT_FORM}") from None


def parse_visit_day(token: str, today: date) -> date | None:
    """``明天`` ``12月10日`` ``12-10`` ``2026-12-10`` -> the next such day (today or later)."""
    if token in _AHEAD_DAYS:
        return today + timedelta(days=_AHEAD_DAYS[token])
    read = _month_day(token, today.year, texts.no_such_visit_date)
    if read is None:
        return None
    day, year_written = read
    if not year_written and day < today:
        day = day.replace(year=day.year + 1)
    return day


def parse_visit(text: str, today: date, villages: Mapping[str, str]) -> VisitCommand:
    """Parse what follows 「排班」/「驻村」: village, day and time range in any order, then
    an optional place (default: none given)."""
    tokens = normalise(text).split()
    village: str | None = None
    day: date | None = None
    span: tuple[time, time] | None = None
    rest = len(tokens)
    for i, token in enumerate(tokens):
        if village is None and token in villages:
            village = villages[token]
        elif day is None and (found := parse_visit_day(token, today)) is not None:
            day = found
        elif span is None and (times := _TIME_RANGE.match(token)):
            span = (parse_clock(times["a"]), parse_clock(times["b"]))
        else:
            rest = i
            break
    if day is None or span is None:
        raise InvalidInput(texts.VISIT_FORM)
    if span[1] <= span[0]:
        raise InvalidInput(f"结束时间应晚于开始时间；{texts.VISIT_FORM}")
    if day > today + timedelta(days=366):
        raise InvalidInput(f"只能排一年以内的驻村时间；{texts.VISIT_FORM}")
    return VisitCommand(
        village_id=village or only_village(villages, texts.VISIT_FORM),
        day=day,
        start=span[0],
        end=span[1],
        place=" ".join(tokens[rest:])[:64],
    )
