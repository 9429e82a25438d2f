"""Wording shared by several topics: mentions, dates, the disclaimer, legal aid, errors."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from config import ContactSettings

DISCLAIMER = "（以上为一般性法律信息，不构成律师的正式法律意见。）"
INTERNAL_ERROR = "抱歉，处理您的消息时出错了，请稍后再试。"


def mention(name: str) -> str:
    """The visible @-mention of a name."""
    return f"@{name}"


def md(day: date) -> str:
    """A date as 「11月3日」."""
    return f"{day.month}月{day.day}日"


def md_hm(moment: datetime, tz: ZoneInfo) -> str:
    """An instant as 「11月3日 09:30」 in the deployment's zone."""
    local = moment.astimezone(tz)
    return f"{md(local.date())} {local:%H:%M}"


def hm_span(start: datetime, end: datetime | None, tz: ZoneInfo) -> str:
    """「09:00-12:00」 (or 「09:00」 without an end) in the deployment's zone."""
    first = f"{start.astimezone(tz):%H:%M}"
    return f"{first}-{end.astimezone(tz):%H:%M}" if end else first


def legal_aid_line(contacts: ContactSettings) -> str:
    """Where to apply for legal aid (G2)."""
    return (
        f"如经济困难需要法律援助，可拨打 {contacts.legal_aid_hotline} 公共法律服务热线，"
        f"或到{contacts.legal_aid_centre}申请。"
    )


def no_counsel(village: str, contacts: ContactSettings) -> str:
    """A village with no counsel assigned: whom to call instead."""
    return f"{village}暂未配置法律顾问，请联系县司法局 {contacts.bureau_phone}。"
