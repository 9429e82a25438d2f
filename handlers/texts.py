"""User-facing texts (Chinese). Kept together so wording is reviewed in one place."""

from __future__ import annotations

from collections.abc import Sequence

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
