"""What the scheduled reminders say, to counsel, village groups and bureaus (Q1, G6)."""

from __future__ import annotations

SUMMARY_MAX_LINES = 30


def visit_eve_reminder(*, village: str, when: str) -> str:
    """To the counsel, the day before a scheduled visit."""
    return f"【驻村提醒】您明天（{when}）安排到{village}现场服务。如需改期，请提前告知村委会。"


def visit_morning_notice(*, counsel: str, when: str, place: str = "村委会") -> str:
    """To the village group, the morning of a visit."""
    return (
        f"【今日驻村】法律顾问{counsel}律师今天 {when} 到村服务，"
        f"有法律问题的村民可前往{place or '村委会'}当面咨询。"
    )


def visit_eve_notice(*, counsel: str, when: str, place: str) -> str:
    """To the village group, the day before a visit."""
    return (
        f"【明日驻村】法律顾问{counsel}律师明天 {when} 在{place or '村委会'}现场服务，"
        "有法律问题的村民可以当面咨询。"
    )


def no_visit_reminder(*, month: str, villages: list[str]) -> str:
    """To the counsel when the month is half over with no on-site visit (Q1)."""
    return (
        f"【现场服务提醒】{month} 已过半，您在{'、'.join(villages)}还没有现场服务记录。"
        "按规定每月至少到每个服务村现场服务一次。"
    )


def shortfall_line(*, village: str, shortfall: int, hours_met: bool, visits_met: bool) -> str:
    """One village of the month-end reminder: what it still misses."""
    parts = [] if hours_met else [f"还差 {shortfall} 分钟"]
    parts += [] if visits_met else ["本月还没有现场服务"]
    return f"{village}：{'，'.join(parts)}"


def shortfall_reminder(*, month: str, days_left: int, lines: list[str]) -> str:
    """To the counsel, N days before the month ends, with what is still missing."""
    return f"【月底提醒】{month} 还剩 {days_left} 天，以下村尚未达标：\n" + "\n".join(lines)


def question_waiting(*, ticket: int, village: str, asker: str, hours: int) -> str:
    """To the counsel when a question waits longer than the first-response limit (G6)."""
    return (
        f"【待答复】{village}群 {asker} 的问题 #{ticket} 已等待 {hours} 小时，"
        "请尽快在群里 @提问人 答复。"
    )


def question_escalated(*, ticket: int, village: str, asker: str, hours: int, counsel: str) -> str:
    """To the county bureau contact when a question waits twice the limit (G6)."""
    return (
        f"【超时未答复】{village}群 {asker} 的问题 #{ticket} 已等待 {hours} 小时，"
        f"法律顾问：{counsel or '未配置'}。请跟进。"
    )


ANONYMOUS_ASKER = "村民"


def missed_line(*, village: str, counsel: str, credited: int, required: int, visits: int) -> str:
    """One missed counsel-village of the bureau's month summary."""
    return f"{village}（{counsel}）：计 {credited}/{required} 分钟，现场 {visits} 次"


def summary_overflow(*, more: int, month: str) -> str:
    """The last line of a summary cut at :data:`SUMMARY_MAX_LINES`."""
    return f"……另有 {more} 个，详见 vcbot report --month {month}"


def month_summary(*, month: str, county: str, counts: dict[str, int], lines: list[str]) -> str:
    """To a county bureau contact after the month closes: who missed what."""
    head = (
        f"【{month} 服务情况 · {county}】派驻 {sum(counts.values())} 个："
        f"达标 {counts.get('met', 0)}，未达标 {counts.get('missed', 0)}，"
        f"待定 {counts.get('pending', 0)}。"
    )
    if not lines:
        return head + "全部达标。"
    return head + "\n未达标：\n" + "\n".join(lines)
