"""Typed settings and the default data files. Imports nothing of ours."""

from config.settings import (
    ContactSettings,
    QuotaSettings,
    ReminderSettings,
    Settings,
    load_settings,
)

__all__ = [
    "ContactSettings",
    "QuotaSettings",
    "ReminderSettings",
    "Settings",
    "load_settings",
]
