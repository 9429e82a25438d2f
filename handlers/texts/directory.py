"""The counsel's contact card and service times (Q8, Q9)."""

from __future__ import annotations

from collections.abc import Sequence

SERVICE_CONTENT = "法律咨询、矛盾纠纷调解、法治宣传、协助村务依法管理"
NAME_THE_VILLAGE = "请写上村名，例如「我的律师 南岗村」。"
NO_VISITS_PLANNED = "近期驻村时间：暂未排期，可先电话或微信联系律师。"


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


def upcoming_visits(when: Sequence[str]) -> str:
    """The next scheduled visits, already formatted as 「11月3日 09:30」."""
    return "近期驻村时间：" + "；".join(when) if when else NO_VISITS_PLANNED
