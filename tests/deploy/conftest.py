"""The app with a metrics token, for the /metrics tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from telehealth.config import Settings

METRICS_TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        data_dir=tmp_path / "data",
        run_background_tasks=False,
        redis_url=None,
        metrics_token=METRICS_TOKEN,
    )
