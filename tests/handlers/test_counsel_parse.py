"""Parsing 「记录」 and 「请假」: forgiving word order, unambiguous result."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.counsel_parse import parse_day, parse_duration, parse_leave, parse_record
from storage.errors import InvalidInput

TODAY = date(2026, 11, 22)
MINE = {"南岗村": "V1", "南岗": "V1", "V1": "V1", "北岭村": "V2", "V2": "V2"}


@pytest.mark.parametrize(
    ("token", "minutes"),
    [
        ("30分钟", 30),
        ("45分", 45),
        ("2小时", 120),
        ("1.5小时", 90),
        ("2小时30分", 150),
        ("半小时", 30),
    ],
)
def test_durations(token: str, minutes: int) -> None:
    assert parse_duration(token) == minutes


def test_word_is_not_a_duration() -> None:
    assert parse_duration("电话") is None


def test_day_without_year_is_latest_not_after_today() -> None:
    assert parse_day("12月30日", TODAY) == date(2025, 12, 30)


def test_relative_day() -> None:
    assert parse_day("昨天", TODAY) == date(2026, 11, 21)


def test_record_in_documented_order() -> None:
    cmd = parse_record("南岗村 电话 30分钟 解答宅基地纠纷", TODAY, MINE)
    assert (cmd.village_id, cmd.kind, cmd.channel, cmd.minutes, cmd.day, cmd.summary) == (
        "V1",
        "offsite",
        "phone",
        30,
        TODAY,
        "解答宅基地纠纷",
    )


def test_record_in_any_order_with_date_and_glued_duration() -> None:
    cmd = parse_record("电话30分钟 昨天 北岭村 回访", TODAY, MINE)
    assert (cmd.village_id, cmd.minutes, cmd.day, cmd.summary) == (
        "V2",
        30,
        date(2026, 11, 21),
        "回访",
    )


def test_onsite_channel_makes_onsite_entry() -> None:
    assert parse_record("南岗 驻村 3小时", TODAY, MINE).kind == "onsite"


def test_activity_tag_is_taken_out_of_summary() -> None:
    cmd = parse_record("南岗村 夜校 2小时 #法治课堂 土地法讲座", TODAY, MINE)
    assert (cmd.activity, cmd.summary) == ("law_class", "土地法讲座")


def test_village_may_be_left_out_when_counsel_has_one() -> None:
    assert parse_record("微信 20分钟", TODAY, {"南岗村": "V1", "V1": "V1"}).village_id == "V1"


def test_missing_village_with_two_villages_is_refused() -> None:
    with pytest.raises(InvalidInput, match="请写明村名"):
        parse_record("微信 20分钟", TODAY, MINE)


def test_missing_duration_is_refused_with_form() -> None:
    with pytest.raises(InvalidInput, match=r"没写时长.*格式"):
        parse_record("南岗村 电话", TODAY, MINE)


def test_unknown_word_before_duration_is_named() -> None:
    with pytest.raises(InvalidInput, match="不认识「东坑村」"):
        parse_record("东坑村 电话 30分钟", TODAY, MINE)


def test_missing_channel_is_refused() -> None:
    with pytest.raises(InvalidInput, match="渠道"):
        parse_record("南岗村 30分钟 解答", TODAY, MINE)


def test_leave_with_chinese_dates() -> None:
    assert parse_leave("12月1日-12月7日", TODAY) == (date(2026, 12, 1), date(2026, 12, 7))


def test_leave_with_iso_dates() -> None:
    assert parse_leave("2026-12-01至2026-12-07", TODAY) == (date(2026, 12, 1), date(2026, 12, 7))


def test_leave_across_new_year() -> None:
    assert parse_leave("12月30日-1月3日", TODAY) == (date(2026, 12, 30), date(2027, 1, 3))


def test_leave_end_as_day_only() -> None:
    assert parse_leave("12月1日至7日", TODAY) == (date(2026, 12, 1), date(2026, 12, 7))


def test_leave_in_january_written_in_november_is_next_year() -> None:
    assert parse_leave("1月5日-1月9日", TODAY) == (date(2027, 1, 5), date(2027, 1, 9))


def test_leave_without_range_shows_form() -> None:
    with pytest.raises(InvalidInput, match="请假 12月1日-12月7日"):
        parse_leave("下周", TODAY)
