"""Quota arithmetic, rule by rule at its edges (docs/rules.md "Quota arithmetic")."""

from __future__ import annotations

from datetime import date
from itertools import count

from config import QuotaSettings
from storage.periods import Month
from storage.quota import Item, MonthResult, judge_month, lectures_over_allowance

NOV = Month(2026, 11)
AFTER_NOV = date(2026, 12, 10)  # November is over
_ids = count(1)


def onsite(minutes: int, day: int = 3, month: Month = NOV, channel: str = "visit") -> Item:
    """An on-site entry of ``month``."""
    return Item(next(_ids), date(month.year, month.month, day), "onsite", channel, minutes)


def offsite(minutes: int, day: int = 4, month: Month = NOV, channel: str = "phone") -> Item:
    """An off-site entry of ``month``."""
    return Item(next(_ids), date(month.year, month.month, day), "offsite", channel, minutes)


def judge(
    *entries: Item,
    month: Month = NOV,
    today: date = AFTER_NOV,
    quota: QuotaSettings | None = None,
    **kwargs: object,
) -> MonthResult:
    """Judge ``entries`` with default settings unless given."""
    return judge_month(
        entries,
        month=month,
        quota=quota or QuotaSettings(),
        today=today,
        **kwargs,  # type: ignore[arg-type]
    )


# rule 1 ------------------------------------------------------------------------------


def test_rule1_onsite_minutes_are_summed() -> None:
    assert judge(onsite(120, day=3), onsite(90, day=10)).onsite == 210


def test_rule1_two_onsite_entries_on_one_day_are_one_visit() -> None:
    result = judge(onsite(120, day=3), onsite(60, day=3, channel="night_school"), onsite(30, day=9))
    assert result.visits == 2


def test_rule1_offsite_entries_make_no_visit() -> None:
    assert judge(offsite(240)).visits == 0


# rule 2 ------------------------------------------------------------------------------


def test_rule2_offsite_minutes_are_summed() -> None:
    assert judge(offsite(30, channel="phone"), offsite(45, channel="wechat")).offsite == 75


def test_rule2_third_video_lecture_of_a_year_is_over_allowance() -> None:
    lectures = [
        offsite(60, month=Month(2026, 2), channel="video_lecture"),
        offsite(60, month=Month(2026, 5), channel="video_lecture"),
        offsite(60, month=NOV, channel="video_lecture"),
    ]
    assert lectures_over_allowance(lectures, 2) == {lectures[2].id}


def test_rule2_second_video_lecture_is_within_allowance() -> None:
    lectures = [offsite(60, channel="video_lecture", day=d) for d in (2, 9)]
    assert lectures_over_allowance(lectures, 2) == frozenset()


def test_rule2_same_day_lectures_are_ordered_by_recording() -> None:
    first, second, third = (offsite(60, day=7, channel="video_lecture") for _ in range(3))
    assert lectures_over_allowance([third, second, first], 2) == {third.id}


def test_rule2_lecture_over_allowance_is_shown_but_counts_zero() -> None:
    phone, lecture = offsite(100), offsite(90, channel="video_lecture")
    result = judge(onsite(240), phone, lecture, over_allowance=frozenset({lecture.id}))
    assert (result.offsite, result.offsite_uncounted, result.credited) == (100, 90, 340)


def test_rule2_allowance_setting_zero_puts_every_lecture_over() -> None:
    lectures = [offsite(60, channel="video_lecture")]
    assert lectures_over_allowance(lectures, 0) == {lectures[0].id}


def test_rule2_other_channels_do_not_use_the_allowance() -> None:
    assert lectures_over_allowance([offsite(60, channel="phone")] * 3, 2) == frozenset()


# rule 3 ------------------------------------------------------------------------------


def test_rule3_offsite_exactly_at_cap_counts_whole() -> None:
    result = judge(onsite(240), offsite(240))
    assert (result.offsite_credited, result.credited) == (240, 480)


def test_rule3_offsite_one_minute_over_cap_is_capped() -> None:
    result = judge(onsite(239), offsite(241))
    assert (result.offsite, result.offsite_credited, result.credited) == (241, 240, 479)


def test_rule3_capped_offsite_cannot_make_up_missing_onsite() -> None:
    assert judge(onsite(200), offsite(400)).status == "missed"


def test_rule3_cap_follows_changed_settings() -> None:
    quota = QuotaSettings(monthly_required_minutes=600, offsite_cap_percent=40)
    result = judge(onsite(360), offsite(300), quota=quota)
    assert (result.required, result.offsite_credited, result.credited) == (600, 240, 600)


# rule 4 ------------------------------------------------------------------------------


def test_rule4_shortfall_is_required_minus_credited() -> None:
    result = judge(onsite(200), offsite(100))
    assert (result.credited, result.shortfall) == (300, 180)


def test_rule4_shortfall_is_never_negative() -> None:
    assert judge(onsite(600), offsite(100)).shortfall == 0


# rule 5 ------------------------------------------------------------------------------


def test_rule5_exactly_480_minutes_with_one_visit_is_met() -> None:
    assert judge(onsite(480)).status == "met"


def test_rule5_479_minutes_is_missed() -> None:
    result = judge(onsite(479))
    assert (result.status, result.shortfall) == ("missed", 1)


def test_rule5_full_minutes_without_a_visit_is_missed() -> None:
    quota = QuotaSettings(offsite_cap_percent=100)
    result = judge(offsite(480), quota=quota)
    assert (result.credited, result.visits, result.status) == (480, 0, "missed")


def test_rule5_visits_below_setting_is_missed() -> None:
    quota = QuotaSettings(min_visits_per_month=2)
    result = judge(onsite(480, day=3), quota=quota)
    assert (result.visits_met, result.status) == (False, "missed")


def test_rule5_changed_required_minutes() -> None:
    quota = QuotaSettings(monthly_required_minutes=600)
    assert judge(onsite(480), quota=quota).status == "missed"


# rule 6 ------------------------------------------------------------------------------

MAR, SEP = Month(2026, 3), Month(2026, 9)


def test_rule6_threshold_reached_in_first_half_meets_hours() -> None:
    result = judge(onsite(60, month=MAR), month=MAR, flexible=True, halfyear_onsite=3000)
    assert (result.hours_met, result.status) == (True, "met")


def test_rule6_threshold_reached_in_second_half_meets_hours() -> None:
    result = judge(
        onsite(60, month=SEP),
        month=SEP,
        today=date(2026, 10, 2),
        flexible=True,
        halfyear_onsite=3000,
    )
    assert result.status == "met"


def test_rule6_keeps_rule4_shortfall_when_threshold_reached() -> None:
    result = judge(onsite(60, month=MAR), month=MAR, flexible=True, halfyear_onsite=3000)
    assert result.shortfall == 420


def test_rule6_one_minute_below_threshold_in_open_half_is_pending() -> None:
    result = judge(
        onsite(60, month=MAR),
        month=MAR,
        today=date(2026, 4, 10),
        flexible=True,
        halfyear_onsite=2999,
    )
    assert result.status == "pending"


def test_rule6_not_reached_after_half_year_closed_is_missed() -> None:
    result = judge(
        onsite(60, month=MAR),
        month=MAR,
        today=date(2026, 7, 1),
        flexible=True,
        halfyear_onsite=2999,
    )
    assert result.status == "missed"


def test_rule6_second_half_open_until_december_ends() -> None:
    result = judge(
        onsite(60, month=SEP),
        month=SEP,
        today=date(2026, 12, 31),
        flexible=True,
        halfyear_onsite=100,
    )
    assert result.status == "pending"


def test_rule6_second_half_closed_in_january_is_missed() -> None:
    result = judge(
        onsite(60, month=SEP),
        month=SEP,
        today=date(2027, 1, 1),
        flexible=True,
        halfyear_onsite=100,
    )
    assert result.status == "missed"


def test_rule6_visit_part_still_applies_when_threshold_reached() -> None:
    result = judge(offsite(60, month=MAR), month=MAR, flexible=True, halfyear_onsite=3000)
    assert (result.hours_met, result.visits_met, result.status) == (True, False, "missed")


def test_rule6_missing_visit_in_open_half_is_missed_not_pending() -> None:
    result = judge(
        offsite(60, month=MAR),
        month=MAR,
        today=date(2026, 4, 10),
        flexible=True,
        halfyear_onsite=100,
    )
    assert result.status == "missed"


def test_rule6_waiver_setting_waives_visits_when_threshold_reached() -> None:
    quota = QuotaSettings(flexible_waives_visits=True)
    result = judge(
        offsite(60, month=MAR), month=MAR, quota=quota, flexible=True, halfyear_onsite=3000
    )
    assert result.status == "met"


def test_rule6_waiver_makes_visitless_month_pending_in_open_half() -> None:
    quota = QuotaSettings(flexible_waives_visits=True)
    result = judge(
        offsite(60, month=MAR),
        month=MAR,
        today=date(2026, 4, 10),
        quota=quota,
        flexible=True,
        halfyear_onsite=100,
    )
    assert result.status == "pending"


def test_rule6_ignored_for_a_village_not_flexible() -> None:
    result = judge(onsite(60, month=MAR), month=MAR, flexible=False, halfyear_onsite=5000)
    assert result.status == "missed"


def test_rule6_threshold_follows_settings() -> None:
    quota = QuotaSettings(flexible_halfyear_onsite_minutes=1200)
    result = judge(
        onsite(60, month=MAR), month=MAR, quota=quota, flexible=True, halfyear_onsite=1200
    )
    assert result.status == "met"


# rule 7 ------------------------------------------------------------------------------


def test_rule7_unmet_month_not_over_is_in_progress() -> None:
    assert judge(onsite(60), today=date(2026, 11, 20)).status == "in_progress"


def test_rule7_last_day_of_month_is_still_in_progress() -> None:
    assert judge(onsite(60), today=date(2026, 11, 30)).status == "in_progress"


def test_rule7_first_day_after_month_is_missed() -> None:
    assert judge(onsite(60), today=date(2026, 12, 1)).status == "missed"


def test_rule7_month_already_satisfied_mid_month_is_in_progress_with_both_parts_met() -> None:
    result = judge(onsite(480), today=date(2026, 11, 20))
    assert result.status == "in_progress"
    assert result.hours_met
    assert result.visits_met


def test_rule7_month_satisfied_becomes_met_once_it_ends() -> None:
    assert judge(onsite(480), today=date(2026, 12, 1)).status == "met"


def test_rule7_flexible_month_in_progress_is_not_pending() -> None:
    result = judge(
        onsite(60, month=MAR),
        month=MAR,
        today=date(2026, 3, 15),
        flexible=True,
        halfyear_onsite=100,
    )
    assert result.status == "in_progress"
