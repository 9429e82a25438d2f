"""Settings: programme defaults, environment overrides, refusal of placeholder secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from config import Settings, load_settings


def test_defaults_are_the_guangdong_rules(settings: Settings) -> None:
    q = settings.quota
    assert (q.monthly_required_minutes, q.offsite_cap_percent, q.offsite_cap_minutes) == (
        480,
        50,
        240,
    )
    assert (q.min_visits_per_month, q.flexible_halfyear_onsite_minutes) == (1, 3000)
    assert (q.video_lectures_per_year, q.max_villages_per_counsel) == (2, 8)
    assert settings.timezone == "Asia/Shanghai"
    assert settings.reminders.first_response_hours == 24


def test_environment_overrides_nested_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VCBOT_QUOTA__MONTHLY_REQUIRED_MINUTES", "600")
    monkeypatch.setenv("VCBOT_DATABASE_URL", "sqlite:///x.db")
    s = load_settings()
    assert s.quota.monthly_required_minutes == 600
    assert s.quota.offsite_cap_minutes == 300
    assert s.database_url == "sqlite:///x.db"


def test_toml_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "vcbot.toml"
    cfg.write_text(
        'timezone = "Asia/Urumqi"\n[quota]\noffsite_cap_percent = 40\n', encoding="utf-8"
    )
    monkeypatch.setenv("VCBOT_CONFIG", str(cfg))
    s = load_settings()
    assert s.timezone == "Asia/Urumqi"
    assert s.quota.offsite_cap_minutes == 192


def test_placeholder_secret_refused_outside_demo() -> None:
    with pytest.raises(ValidationError, match="占位值"):
        Settings(mode="production", secret_key="changethis")


def test_placeholder_secret_allowed_in_demo() -> None:
    assert Settings(mode="demo", secret_key="changethis").secret_key == "changethis"


def test_unknown_timezone_refused() -> None:
    with pytest.raises(ValidationError, match="未知时区"):
        Settings(timezone="Mars/Olympus")


def test_unknown_setting_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(monthly_hours=8)  # type: ignore[call-arg]
