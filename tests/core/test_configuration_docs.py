"""docs/configuration.md names every setting, so operators never meet an undocumented one."""

from __future__ import annotations

from pathlib import Path

from signaling.config import SignalingSettings
from telehealth.config import Settings

DOC = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text(
    encoding="utf-8"
)


def test_every_platform_and_signaling_setting_is_documented() -> None:
    names = set(Settings.model_fields) | set(SignalingSettings.model_fields)
    missing = sorted(name for name in names if f"`{name}`" not in DOC)
    assert missing == []
