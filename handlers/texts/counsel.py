"""The counsel's private commands: logging service, progress, deleting, leave (issue 4)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers.texts.common import md

COUNSEL_HELP = (
    "法律顾问可私聊我：\n"
    "· 记录服务：记录 南岗村 电话 30分钟 解答宅基地纠纷\n"
    "  （渠道：电话 微信 邮件 QQ 值班 视频讲座 驻村 夜校 其他；可加日期「昨天」「11月3日」，"
    "可加活动标签 #法律援助 #法治课堂 #纠纷排查 #法律咨询）\n"
    "· 进度：本月进度 / 上月进度\n"
    "· 撤销上一条：撤销；删除某条：删除记录 #编号（仅限未关账月份）\n"
    "· 驻村排班：排班 南岗村 12月10日 9:00-12:00 村委会；我的排班；取消排班 #3\n"
    "· 现场签到：到村 南岗村，离开时：离村（自动记为驻村服务）\n"
    "· 群里答复后：回复 1 记为微信解答服务\n"
    "· 请假暂停提醒：请假 12月1日-12月7日；取消：取消请假"
)
VISIT_FORM = "格式：排班 村名 12月10日 9:00-12:00 地点，例如「排班 南岗村 明天 9:00-12:00 村委会」"
CANCEL_VISIT_FORM = "格式：取消排班 #编号（编号见「我的排班」）"
NO_VISITS = "您目前没有安排驻村。排班：排班 南岗村 12月10日 9:00-12:00 村委会"
NOTHING_TO_UNDO = "没有可以撤销的记录。"
NOTHING_TO_LOG = "最近没有待记录的群内答复（群里 @提问人 答复后，可在这里回复 1 记录）。"
ARRIVE_FORM = "格式：到村 村名（离开时发「离村」）"
EVIDENCE_FORM = "格式：回复 1（按默认时长记录）或「1 20分钟」"
RECORD_FORM = "格式：记录 村名 渠道 时长 摘要，例如「记录 南岗村 电话 30分钟 解答宅基地纠纷」"
LEAVE_FORM = "格式：请假 12月1日-12月7日（或 请假 2026-12-01至2026-12-07）"
DELETE_FORM = "格式：删除记录 #编号（编号见记录时的回复）"
COUNSEL_ONLY = "这是法律顾问专用的命令。村民有法律问题，请在本村群里直接提问。"
NO_VILLAGES = "您目前没有派驻的村，无法记录服务。"
NO_FUTURE_RECORDS = "不能记录今天以后的服务。"
CHANNELS_HINT = "电话、微信、邮件、QQ、值班、视频讲座、驻村、夜校、其他"


# --- what a malformed command is told -----------------------------------------------------


def unknown_word(word: str) -> str:
    """A 「记录」 whose duration is missing because a word was not understood."""
    return f"不认识「{word}」；{RECORD_FORM}"


MISSING_DURATION = f"没写时长（如 30分钟、1.5小时）；{RECORD_FORM}"
MISSING_CHANNEL = f"没写服务渠道（{CHANNELS_HINT}）；{RECORD_FORM}"


def name_the_village(names: str, form: str) -> str:
    """A command by a counsel of several villages that names none of them."""
    return f"请写明村名（{names}）；{form}"


def no_such_date(token: str) -> str:
    """A date that is not in the calendar (2月30日)."""
    return f"日期「{token}」不存在"


def no_such_visit_date(token: str) -> str:
    """A visit date that is not in the calendar."""
    return f"{no_such_date(token)}；{VISIT_FORM}"


def unreadable_leave_date(token: str) -> str:
    """A leave date that cannot be read."""
    return f"看不懂日期「{token}」；{LEAVE_FORM}"


def no_such_leave_date(token: str) -> str:
    """A leave date that is not in the calendar."""
    return f"{no_such_date(token)}；{LEAVE_FORM}"


LEAVE_ENDS_BEFORE_START = f"结束日期早于开始日期；{LEAVE_FORM}"


def duration_out_of_range(token: str) -> str:
    """A duration that is not between one minute and 24 hours."""
    return f"时长「{token}」不对：应在 1 分钟到 24 小时之间（如 30分钟、1.5小时）"


def date_out_of_window(token: str, window: str) -> str:
    """A date too far from today (a mistyped year)."""
    return f"日期「{token}」超出允许的范围（{window}）"


# --- replies ------------------------------------------------------------------------------


def record_saved(
    *, entry_id: int, village: str, channel: str, minutes: int, day: date, progress: str
) -> str:
    """The reply to a logged service entry, with the village's month so far."""
    return f"已记录 #{entry_id}：{md(day)} {village} {channel} {minutes} 分钟。\n{progress}"


def record_deleted(entry_id: int) -> str:
    """The reply to a deleted entry."""
    return f"已删除记录 #{entry_id}（删除已记入审计）。"


def leave_saved(start: date, end: date, planned_visits: Sequence[str] = ()) -> str:
    """The reply to a leave request (merged with any leave it touches), with the visits
    still scheduled in it."""
    text = f"已登记请假：{md(start)}至{md(end)}。期间不会向您发送服务提醒，祝一切顺利。"
    if planned_visits:
        text += (
            "\n注意：请假期间您还有驻村安排：" + "；".join(planned_visits) + "。请与村委会改期。"
        )
    return text


def leave_cancelled(start: date, end: date) -> str:
    """The reply to 「取消请假」."""
    return f"已取消请假：{md(start)}至{md(end)}。服务提醒照常发送。"


STATUS_LABELS = {
    "met": "已达标",
    "missed": "未达标",
    "pending": "待定（弹性半年未满）",
    "in_progress": "进行中",
    "in_progress_met": "进行中（本月要求已满足）",
}


def village_progress(
    *,
    village: str,
    status: str,
    credited: int,
    required: int,
    onsite: int,
    offsite_credited: int,
    cap: int,
    visits: int,
    shortfall: int,
    flexible: bool,
    halfyear_onsite: int,
    halfyear_required: int,
    not_counted: str = "",
) -> str:
    """One village's line of the month's progress."""
    line = (
        f"{village}：已计 {credited}/{required} 分钟（现场 {onsite}，非现场计入 "
        f"{offsite_credited}/{cap}），现场服务 {visits} 次"
    )
    if shortfall:
        line += f"，还差 {shortfall} 分钟"
    if flexible:
        line += f"；弹性村，本半年现场 {halfyear_onsite}/{halfyear_required} 分钟"
    return f"{line} · {STATUS_LABELS.get(status, status)}{not_counted}"


def uncounted(*, over_cap: int, over_lectures: int) -> str:
    """What was logged but does not count (rule 2, rule 3), or nothing."""
    parts = [f"非现场超出 50% 上限 {over_cap} 分钟"] if over_cap else []
    parts += [f"超出年度视频讲座次数 {over_lectures} 分钟"] if over_lectures else []
    return "；未计入：" + "；".join(parts) if parts else ""


def month_progress(month: str, lines: list[str], *, this_month: bool = True) -> str:
    """The reply to 「本月进度」 or 「上月进度」."""
    if not lines:
        return "本月您没有派驻的村。" if this_month else f"{month} 您没有派驻的村。"
    return f"【{month} 服务进度】\n" + "\n".join(lines)


def entry_undone(entry_id: int, what: str) -> str:
    """The reply to 「撤销」."""
    return f"已撤销记录 #{entry_id}：{what}（已记入审计）。"


def visit_scheduled(*, visit_id: int, village: str, when: str, place: str) -> str:
    """The reply to 「排班」."""
    return (
        f"已排班 #{visit_id}：{when} {village}{(' ' + place) if place else ''}。"
        "前一天和当天早上会提醒您和村民群；取消：取消排班 #" + str(visit_id)
    )


def my_visits(lines: Sequence[str]) -> str:
    """The reply to 「我的排班」."""
    return "【我的驻村排班】\n" + "\n".join(lines) if lines else NO_VISITS


def visit_cancelled(*, visit_id: int, village: str, when: str) -> str:
    """The reply to 「取消排班 #3」."""
    return f"已取消驻村安排 #{visit_id}（{when} {village}）。如已通知村民，请在群里说明。"


def arrived(*, village: str, at: str) -> str:
    """The reply to 「到村」."""
    return f"已签到：{at} 到达{village}。离开时发「离村」，现场服务时长会自动记录。"


def departed(*, entry_id: int, village: str, minutes: int, progress: str) -> str:
    """The reply to 「离村」: the visit logged as on-site service."""
    return f"已离村，记录 #{entry_id}：{village} 驻村 {minutes} 分钟。\n{progress}"


def answer_confirmed(*, closed: Sequence[str], still_open: Sequence[str], minutes: int) -> str:
    """To the counsel, privately, after their answer in the group closed tickets."""
    lines = ["已结案：" + "、".join(closed) + "。"]
    if still_open:
        lines.append(
            "仍未答复：" + "、".join(still_open) + "；答复后在群里写编号（如 #12 #13）结案。"
        )
    lines.append(f"回复 1 记录 {minutes} 分钟微信解答服务（可写「1 20分钟」改时长）。")
    return "\n".join(lines)


def evidence_logged(lines: Sequence[str]) -> str:
    """The reply to 「1」: the answers logged as off-site service."""
    return "已记录为微信解答服务：\n" + "\n".join(lines)
