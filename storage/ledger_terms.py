"""The ledger's vocabulary: kinds, channels, sources and campaign activities (Q3, Q13).

Codes are stored; the Chinese labels are what people read and type.
"""

from __future__ import annotations

from typing import Final

ONSITE: Final = "onsite"
OFFSITE: Final = "offsite"
KINDS: Final = (ONSITE, OFFSITE)
KIND_LABELS: Final = {ONSITE: "现场", OFFSITE: "非现场"}

VIDEO_LECTURE: Final = "video_lecture"

# channel -> the kinds it may be logged as. On-site work happens in the village (Q1, Q16);
# off-site channels are those of Q3 and Q4; "other" is either.
CHANNEL_KINDS: Final[dict[str, frozenset[str]]] = {
    "visit": frozenset({ONSITE}),
    "night_school": frozenset({ONSITE}),
    "phone": frozenset({OFFSITE}),
    "wechat": frozenset({OFFSITE}),
    "email": frozenset({OFFSITE}),
    "qq": frozenset({OFFSITE}),
    "workstation": frozenset({OFFSITE}),
    VIDEO_LECTURE: frozenset({OFFSITE}),
    "other": frozenset({ONSITE, OFFSITE}),
}
CHANNEL_LABELS: Final = {
    "visit": "驻村",
    "night_school": "法律夜校",
    "phone": "电话",
    "wechat": "微信",
    "email": "邮件",
    "qq": "QQ",
    "workstation": "工作站值班",
    VIDEO_LECTURE: "视频讲座",
    "other": "其他",
}

SOURCES: Final = ("chat", "group", "web", "import")

# Q13 "乡村振兴 法治同行": each counsel does at least one of each during the campaign.
ACTIVITIES: Final = ("legal_aid_case", "law_class", "dispute_screening", "consultation_event")
ACTIVITY_LABELS: Final = {
    "legal_aid_case": "涉农法律援助案件",
    "law_class": "乡村振兴法治课堂",
    "dispute_screening": "矛盾纠纷排查化解",
    "consultation_event": "涉农法律咨询活动",
}

MIN_MINUTES: Final = 1
MAX_MINUTES: Final = 1440


def default_kind(channel: str) -> str:
    """The kind a channel implies (``other`` defaults to off-site)."""
    kinds = CHANNEL_KINDS[channel]
    return ONSITE if kinds == {ONSITE} else OFFSITE
