"""Typed settings and the default data files. Imports nothing of ours."""

from config.settings import (
    ContactSettings,
    LimitSettings,
    QuotaSettings,
    ReminderSettings,
    Settings,
    WechatSettings,
    is_placeholder,
    load_settings,
)

__all__ = [
    "ContactSettings",
    "LimitSettings",
    "QuotaSettings",
    "ReminderSettings",
    "Settings",
    "WechatSettings",
    "is_placeholder",
    "load_settings",
]
