"""User-facing texts (Chinese). Kept together so wording is reviewed in one place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from config import ContactSettings

DISCLAIMER = "（以上为一般性法律信息，不构成律师的正式法律意见。）"
INTERNAL_ERROR = "抱歉，处理您的消息时出错了，请稍后再试。"
UNBOUND_GROUP = "本群还没有绑定到村，暂时无法登记问题。请村干部联系县司法局完成绑定。"


def mention(name: str) -> str:
    """The visible @-mention of a name."""
    return f"@{name}"


def legal_aid_line(contacts: ContactSettings) -> str:
    """Where to apply for legal aid (G2)."""
    return (
        f"如经济困难需要法律援助，可拨打 {contacts.legal_aid_hotline} 公共法律服务热线，"
        f"或到{contacts.legal_aid_centre}申请。"
    )


def question_reply(
    *,
    asker: str,
    ticket: int,
    category_name: str,
    channels: Sequence[str],
    tip: str,
    counsel_names: Sequence[str],
    contacts: ContactSettings,
    wants_legal_aid: bool,
) -> str:
    """The immediate answer to a villager's question."""
    lines = [f"{mention(asker)} 您的问题已登记（编号 #{ticket}），属于「{category_name}」。"]
    if channels:
        lines.append("一般可以按这个顺序依法解决：" + " → ".join(channels) + "。")
    if tip:
        lines.append(tip)
    if counsel_names:
        who = " ".join(mention(n) for n in counsel_names)
        lines.append(f"本村法律顾问 {who} 会尽快答复您。")
    else:
        lines.append(f"本村暂未配置法律顾问，请联系县司法局 {contacts.bureau_phone}。")
    aid = legal_aid_line(contacts)
    lines.append(aid if not wants_legal_aid else "【法律援助】" + aid)
    lines.append(DISCLAIMER)
    return "\n".join(lines)


def urgent_reply(*, asker: str, counsel_names: Sequence[str], contacts: ContactSettings) -> str:
    """The answer to a message that signals a group incident or a danger to life (G3)."""
    who = " ".join(mention(n) for n in counsel_names) or "县司法局"
    return "\n".join(
        [
            f"{mention(asker)} 请先冷静，人身安全第一！如有危险请立即拨打 110 或 120。",
            f"已同时通知 {who}，会尽快联系您。",
            "有诉求请通过调解、仲裁、复议、诉讼等合法途径反映，不要采取过激行为。",
            f"县司法局电话：{contacts.bureau_phone}。",
        ]
    )


def urgent_alert(*, village: str, asker: str, ticket: int, text: str) -> str:
    """The private alert to the counsel and the bureau about an urgent message (G3)."""
    return f"【紧急】{village}群里出现可能的群体性或人身安全风险（问题 #{ticket}，{asker}）：{text}\n请立即跟进并按规定报告。"


def complaint_reply(*, asker: str, number: int, contacts: ContactSettings) -> str:
    """The answer to a complaint about the service (Q10)."""
    return (
        f"{mention(asker)} 您的意见已记录（投诉编号 C{number}），县司法局会核实处理。\n"
        f"您也可以直接投诉：电话 {contacts.bureau_phone}，邮箱 {contacts.bureau_email}，"
        f"省司法厅投诉邮箱 {contacts.complaint_email}。"
    )


def mentioned_help(bot_name: str) -> str:
    """A short self-introduction when @-mentioned without a question."""
    return (
        f"我是{bot_name}。在群里直接说出您遇到的法律问题（例如「宅基地被占了怎么办」），"
        "我会登记并请本村法律顾问答复；发「我的律师」可查看法律顾问的联系方式和服务时间。"
    )


def private_help(bot_name: str) -> str:
    """The menu shown in a private chat."""
    return (
        f"您好，我是{bot_name}。\n"
        "· 村民：请在本村群里提问，或发「我的律师 村名」查看法律顾问联系卡。\n"
        "· 法律顾问：在群里 @提问人 答复即可结案。"
    )


def contact_card(
    *, village: str, name: str, firm: str, phone: str, email: str, wechat: str, service: str
) -> str:
    """The contact card of a village's counsel (Q9)."""
    lines = [f"【{village}法律顾问联系卡】", f"律师：{name}"]
    lines += [f"执业机构：{firm}"] if firm else []
    lines += [f"电话：{phone}"] if phone else []
    lines += [f"邮箱：{email}"] if email else []
    lines += [f"微信：{wechat}"] if wechat else []
    lines.append(f"服务内容：{service}")
    return "\n".join(lines)


SERVICE_CONTENT = "法律咨询、矛盾纠纷调解、法治宣传、协助村务依法管理"


# --- service ledger, progress, leave and reminders (issue 4) ------------------------------

COUNSEL_HELP = (
    "法律顾问可私聊我：\n"
    "· 记录服务：记录 南岗村 电话 30分钟 解答宅基地纠纷\n"
    "  （渠道：电话 微信 邮件 QQ 值班 视频讲座 驻村 夜校 其他；可加日期「昨天」「11月3日」，"
    "可加活动标签 #法律援助 #法治课堂 #纠纷排查 #法律咨询）\n"
    "· 查看进度：本月进度\n"
    "· 删除记录：删除记录 #编号（仅限未关账月份）\n"
    "· 请假暂停提醒：请假 12月1日-12月7日"
)
RECORD_FORM = "格式：记录 村名 渠道 时长 摘要，例如「记录 南岗村 电话 30分钟 解答宅基地纠纷」"
LEAVE_FORM = "格式：请假 12月1日-12月7日（或 请假 2026-12-01至2026-12-07）"
COUNSEL_ONLY = "这是法律顾问专用的命令。村民有法律问题，请在本村群里直接提问。"


def md(day: date) -> str:
    """A date as 「11月3日」."""
    return f"{day.month}月{day.day}日"


def record_saved(
    *, entry_id: int, village: str, channel: str, minutes: int, day: date, progress: str
) -> str:
    """The reply to a logged service entry, with the village's month so far."""
    return f"已记录 #{entry_id}：{md(day)} {village} {channel} {minutes} 分钟。\n{progress}"


def record_deleted(entry_id: int) -> str:
    """The reply to a deleted entry."""
    return f"已删除记录 #{entry_id}（删除已记入审计）。"


def leave_saved(start: date, end: date) -> str:
    """The reply to a leave request."""
    return f"已登记请假：{md(start)}至{md(end)}。期间不会向您发送服务提醒，祝一切顺利。"


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
    return f"{line} · {STATUS_LABELS.get(status, status)}"


def month_progress(month: str, lines: list[str]) -> str:
    """The reply to 「本月进度」."""
    if not lines:
        return "本月您没有派驻的村。"
    return f"【{month} 服务进度】\n" + "\n".join(lines)


def visit_eve_reminder(*, village: str, when: str) -> str:
    """To the counsel, the day before a scheduled visit."""
    return f"【驻村提醒】您明天（{when}）安排到{village}现场服务。如需改期，请提前告知村委会。"


def visit_morning_notice(*, counsel: str, when: str) -> str:
    """To the village group, the morning of a visit."""
    return (
        f"【今日驻村】法律顾问{counsel}律师今天 {when} 到村服务，"
        "有法律问题的村民可前往村委会当面咨询。"
    )


def no_visit_reminder(*, month: str, villages: list[str]) -> str:
    """To the counsel when the month is half over with no on-site visit (Q1)."""
    return (
        f"【现场服务提醒】{month} 已过半，您在{'、'.join(villages)}还没有现场服务记录。"
        "按规定每月至少到每个服务村现场服务一次。"
    )


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
