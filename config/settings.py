"""One typed settings object, read from a TOML file plus ``VCBOT_*`` environment variables.

Every rule number of the programme (docs/rules.md) is a setting whose default is the Guangdong
value; other provinces run the same programme with other numbers.
"""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PLACEHOLDER_SECRETS = frozenset(
    {
        "changethis",
        "change-me",
        "changeme",
        "change me",
        "secret",
        "placeholder",
        "password",
        "passw0rd",
        "xxx",
        "todo",
        "replace me",
        "replace with a long random string",  # vcbot.example.toml's own value
        "your-secret-key",
        "your secret key",
    }
)
MIN_SECRET_LENGTH = 32
DEFAULT_CONFIG_FILE = Path("vcbot.toml")


class QuotaSettings(BaseModel):
    """Service-time rules of one deployment (docs/rules.md "Quota arithmetic", Q1 Q2 Q4 Q5 Q6)."""

    monthly_required_minutes: int = Field(480, ge=1)  # Q2: 8 hours
    offsite_cap_percent: int = Field(50, ge=0, le=100)  # Q2: at most 50 % off-site
    min_visits_per_month: int = Field(1, ge=0)  # Q1: one on-site visit a month
    flexible_halfyear_onsite_minutes: int = Field(3000, ge=1)  # Q5: 50 hours
    flexible_waives_visits: bool = False  # rule 6: the visit part still applies by default
    video_lectures_per_year: int = Field(2, ge=0)  # Q4
    max_villages_per_counsel: int = Field(8, ge=1)  # Q6
    month_close_day: int = Field(5, ge=1, le=28)  # issue 4: grace period before a month locks

    @property
    def offsite_cap_minutes(self) -> int:
        """Off-site minutes that may count in one month (rule 3)."""
        return self.monthly_required_minutes * self.offsite_cap_percent // 100


class ReminderSettings(BaseModel):
    """When and how the bot reminds counsel and bureaus (issue 4, G6)."""

    first_response_hours: int = Field(24, ge=1)
    days_before_month_end: int = Field(5, ge=1, le=27)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    morning_time: time = time(8, 30)  # daily checks and the group's visit-day notice
    eve_time: time = time(18, 0)  # the counsel's reminder the day before a visit
    question_check_minutes: int = Field(15, ge=1)  # how often waiting questions are checked
    misfire_grace_seconds: int = Field(3600, ge=1)  # later than this a run counts as missed
    max_leave_days: int = Field(60, ge=1, le=366)  # a longer 请假 is refused (issue 10)


class LimitSettings(BaseModel):
    """Bounds on what people type and import (issue 8): anything outside is refused."""

    date_window_years: int = Field(10, ge=1, le=100)  # dates this far from today at most


class ConversationSettings(BaseModel):
    """How the bot holds a conversation in a busy group (issue 10)."""

    merge_window_seconds: int = Field(90, ge=0, le=3600)  # one person's lines: one question
    rating_window_hours: int = Field(72, ge=1, le=720)  # a rating is taken this long after
    rating_quiet_days: int = Field(30, ge=0, le=366)  # no new prompt after a recent rating
    evidence_minutes: int = Field(15, ge=1, le=1440)  # proposed off-site minutes per answer
    evidence_window_hours: int = Field(24, ge=1, le=168)  # 「1」 confirms answers this recent
    max_visit_hours: int = Field(12, ge=1, le=24)  # a longer 到村…离村 is refused
    default_visit_place: str = "村委会"
    # the longest message each channel kind takes; a longer one is split, numbered (1/3)
    message_chars: dict[str, int] = {"wechat": 1500, "simulator": 2000, "console": 2000}

    def chars_for(self, channel: str) -> int:
        """The limit of a channel instance (``wechat:acct`` -> ``wechat``), default 1500."""
        return self.message_chars.get(channel.split(":", 1)[0], 1500)


class WebSettings(BaseModel):
    """The bureaus' console and API (issue 11): logins, sessions and pages."""

    login_max_failures: int = Field(5, ge=1, le=100)  # failed logins per name or address ...
    login_lockout_seconds: int = Field(900, ge=1, le=86400)  # ... within this long: wait
    session_hours: int = Field(8, ge=1, le=720)  # a login lasts this long
    # send the session cookie over HTTPS only; unset: on in production, off otherwise
    cookie_secure: bool | None = None
    page_size: int = Field(100, ge=10, le=1000)  # rows per page of the service log
    # the public page's directory (counties, towns, villages) is re-checked this often
    public_cache_seconds: float = Field(5.0, ge=0, le=3600)


class WechatSettings(BaseModel):
    """The WeChat channel through a Wechaty puppet service (issue 9); the token is
    ``puppet_token``. WECHATY_PUPPET_SERVICE_ENDPOINT / _TOKEN are read when these are unset."""

    endpoint: str | None = None  # host:port of the puppet service
    messages_per_minute: int = Field(20, ge=1, le=120)  # per account: WeChat bans fast senders
    jitter_seconds: float = Field(1.0, ge=0, le=30)  # added at random to each pause
    ignore_older_than_seconds: int = Field(300, ge=0)  # older messages at start-up are skipped
    watchdog_seconds: int = Field(30, ge=3)  # no event for this long: reconnect


class ContactSettings(BaseModel):
    """Published channels (Q8, Q10, G2). Defaults are fictional and must be set per deployment."""

    complaint_email: str = "tousu@sft.example"
    bureau_phone: str = "0000-0000000"
    bureau_email: str = "sfj@county.example"
    legal_aid_hotline: str = "12348"
    crisis_hotline: str = "12356"  # the national psychological assistance hotline (2025)
    anti_fraud_hotline: str = "96110"
    legal_aid_centre: str = "县法律援助中心"


class Settings(BaseSettings):
    """The whole configuration of one deployment."""

    model_config = SettingsConfigDict(
        env_prefix="VCBOT_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    mode: Literal["production", "development", "demo"] = "development"
    database_url: str = "sqlite:///var/vcbot.db"
    timezone: str = "Asia/Shanghai"
    bot_name: str = "法律顾问助手"
    secret_key: str | None = None
    puppet_token: str | None = None
    quota: QuotaSettings = QuotaSettings()
    reminders: ReminderSettings = ReminderSettings()
    contacts: ContactSettings = ContactSettings()
    limits: LimitSettings = LimitSettings()
    wechat: WechatSettings = WechatSettings()
    conversation: ConversationSettings = ConversationSettings()
    web: WebSettings = WebSettings()
    data_dir: Path | None = None  # overrides config/data (lexicon, guidance texts)
    default_channel: str = "wechat"  # outbox channel of proactive messages (reminders)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"未知时区 {value!r}，例如 Asia/Shanghai") from exc
        return value

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.mode == "demo":
            return self
        for name in ("secret_key", "puppet_token"):
            value = getattr(self, name)
            if value is not None and is_placeholder(value):
                raise ValueError(
                    f"{name} 仍是占位值 {value!r}：请在 VCBOT_{name.upper()} 或配置文件里设置真实密钥"
                )
        if self.mode == "production":
            _require_strong_secret(self.secret_key)
        return self

    @property
    def tz(self) -> ZoneInfo:
        """The deployment's zone, which decides months and half-years."""
        return ZoneInfo(self.timezone)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Init arguments win, then the environment, then the TOML file."""
        toml_path = Path(os.environ.get("VCBOT_CONFIG", DEFAULT_CONFIG_FILE))
        toml = TomlConfigSettingsSource(settings_cls, toml_file=toml_path)
        return (init_settings, env_settings, toml)


def is_placeholder(value: str) -> bool:
    """An example or filler value: one of the known ones, or one character repeated."""
    plain = value.strip().lower()
    return bool(plain) and (plain in PLACEHOLDER_SECRETS or len(set(plain)) == 1)


def _require_strong_secret(value: str | None) -> None:
    """Production signs sessions with ``secret_key``: it must be set and long."""
    if value is None or not value.strip():
        raise ValueError(
            f"secret_key 未设置：生产模式需要至少 {MIN_SECRET_LENGTH} 个字符的随机密钥"
            "（VCBOT_SECRET_KEY 或配置文件的 secret_key；可用 python -c "
            "'import secrets; print(secrets.token_urlsafe(48))' 生成）"
        )
    if len(value.strip()) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"secret_key 太短（{len(value.strip())} 个字符）：生产模式至少需要 {MIN_SECRET_LENGTH} 个字符"
        )


def load_settings(**overrides: object) -> Settings:
    """Read the settings (file ``$VCBOT_CONFIG`` or ``./vcbot.toml``, then ``VCBOT_*``)."""
    return Settings(**overrides)  # type: ignore[arg-type]
