"""Replies to villagers in a group: questions, urgent risks (G3), complaints (Q10)."""

from __future__ import annotations

from collections.abc import Sequence

from config import ContactSettings
from handlers.texts.common import DISCLAIMER, legal_aid_line, mention, no_counsel

UNBOUND_GROUP = "本群还没有绑定到村，暂时无法登记问题。请村干部联系县司法局完成绑定。"


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
    next_visit: str = "",
    first_today: bool = True,
) -> str:
    """The immediate answer to a villager's question: at most five short lines, for a
    phone screen; the legal-aid line and the disclaimer once a day per person (or when
    legal aid is what they asked about)."""
    lines = [f"{mention(asker)} 问题已登记（#{ticket}，{category_name}）。"]
    if channels:
        lines.append("解决途径：" + " → ".join(channels) + "。")
    if tip:
        lines.append(tip)
    if counsel_names:
        who = " ".join(mention(n) for n in counsel_names)
        visit = f"；下次驻村 {next_visit}" if next_visit else ""
        lines.append(f"本村法律顾问 {who} 会尽快答复{visit}。")
    else:
        lines.append(no_counsel("本村", contacts))
    if wants_legal_aid:
        lines.append(
            "【法律援助】" + legal_aid_line(contacts) + (DISCLAIMER if first_today else "")
        )
    elif first_today:
        lines.append(f"经济困难可申请免费法律援助（{contacts.legal_aid_hotline}）。{DISCLAIMER}")
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
    """The private answer to a complaint about the service (Q10)."""
    return (
        f"{asker}，您的意见已记录（投诉编号 C{number}），县司法局会核实处理。\n"
        f"您也可以直接投诉：电话 {contacts.bureau_phone}，邮箱 {contacts.bureau_email}，"
        f"省司法厅投诉邮箱 {contacts.complaint_email}。"
    )


def mentioned_help(bot_name: str) -> str:
    """A short self-introduction when @-mentioned without a question."""
    return (
        f"我是{bot_name}。在群里直接说出您遇到的法律问题（例如「宅基地被占了怎么办」），"
        "我会登记并请本村法律顾问答复；发「我的律师」可查看法律顾问的联系方式和服务时间。"
    )


def rating_prompt(*, name: str, ticket: int, hours: int) -> str:
    """To the asker, privately, once their ticket is answered (Q12)."""
    return (
        f"{name}，您的问题 #{ticket} 法律顾问已答复。请为这次服务打分：\n"
        f"回复 1 满意、2 基本满意、3 不满意（{hours} 小时内有效）。"
    )


RATING_LABELS = {5: "满意", 3: "基本满意", 1: "不满意"}


def rating_thanks(score: int) -> str:
    """The answer to a rating."""
    return f"谢谢您的评价（{RATING_LABELS.get(score, score)}）。"


def rating_unhappy(contacts: ContactSettings) -> str:
    """The answer to 「不满意」: where to complain (Q10)."""
    return (
        "谢谢您的评价，我们会改进。对服务不满意可以投诉：直接发「投诉 + 情况」，"
        f"或打县司法局电话 {contacts.bureau_phone}、发邮件到 {contacts.bureau_email}，"
        f"省司法厅投诉邮箱 {contacts.complaint_email}。"
    )


def welcome(*, village: str, names: Sequence[str], bot_name: str) -> str:
    """Two lines for the newcomers of a group (at most once a day per group)."""
    who = "、".join(names)
    return (
        f"欢迎 {who} 加入{village}群！本村有免费法律顾问，遇到法律问题直接在群里说。\n"
        f"发「我的律师」查看法律顾问的电话和驻村时间（{bot_name}）。"
    )


def nothing_to_close(*, names: Sequence[str], tickets: Sequence[int]) -> str:
    """To the counsel, privately: their @ or #编号 in the group matched no open question."""
    what = "、".join([*(f"#{t}" for t in tickets), *(mention(n) for n in names)]) or "所 @ 的人"
    return (
        f"没有找到可以结案的问题：{what}。只能结本群、您负责的村里尚未答复的问题；"
        "编号见机器人登记时的回复。"
    )


def self_harm_reply(*, name: str, contacts: ContactSettings) -> str:
    """To the person, privately, when a message speaks of ending their life (G3)."""
    return "\n".join(
        [
            f"{name}，看到您说的话，我们很担心您。您不是一个人，先照顾好自己：",
            f"· 心理援助热线 {contacts.crisis_hotline}（24 小时，可以只是说说话）",
            "· 有生命危险，请马上拨打 120 或 110",
            "本村法律顾问会私下联系您，您遇到的事，我们一起想办法。",
        ]
    )


def self_harm_alert(
    *, village: str, asker: str, contact: str, ticket: int | None, text: str
) -> str:
    """To the counsel and the bureau: who, how to reach them, what they said (G3)."""
    where = f"，问题 #{ticket}" if ticket else "，私聊机器人"
    return (
        f"【紧急·自伤风险】{village} {asker}（联系：{contact}{where}）说：{text}\n"
        "请立即私下联系本人，必要时报警（110）或叫救护车（120）。请勿在群里公开此事。"
    )


def fraud_first(contacts: ContactSettings) -> str:
    """The first line of the answer to someone just cheated: stop the loss first."""
    return (
        f"【先防损失】刚被骗请立即拨打 110 报警，并拨打反诈专线 {contacts.anti_fraud_hotline}；"
        "不要再转账，保存好转账记录和聊天记录。"
    )


def complaint_notice(
    *, number: int, village: str, complainant: str, contact: str, counsel: str, text: str
) -> str:
    """To the county bureau contact, at once: a complaint about the service (Q10)."""
    return (
        f"【投诉 C{number}】{village} {complainant}（{contact}）投诉"
        f"{('法律顾问 ' + counsel) if counsel else '本村法律服务'}：{text}\n"
        f"请核实处理，处理后用 vcbot complaints close {number} 记录结果。"
    )
