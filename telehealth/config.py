"""Settings: one class, working embedded defaults, production values from the environment."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "dev-insecure-secret-change-me"


class Settings(BaseSettings):
    """Everything configurable, read from `TELEHEALTH_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="TELEHEALTH_", env_file=None, extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    secret_key: str = DEFAULT_SECRET
    database_url: str = "sqlite+aiosqlite:///var/telehealth.sqlite3"
    redis_url: str | None = None
    redis_prefix: str = "vt"
    base_url: str = "http://127.0.0.1:8000"
    # Where browsers open the signaling socket: this app's own path, or the absolute
    # wss:// URL of a standalone `python -m signaling` service.
    signaling_ws_url: str = "/ws/signaling/v1"
    timezone: str = "Asia/Ho_Chi_Minh"
    default_language: Literal["vi", "en"] = "vi"
    data_dir: Path = Path("var")

    # Web sessions and API tokens.
    session_cookie_name: str = "vt_session"
    session_ttl_hours: int = 12
    api_token_ttl_hours: int = 12
    cookie_secure: bool | None = None  # None: secure unless development/test over http
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)

    # Email (SMTP is optional; the in-app inbox always works).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_sender: str = "VTelehealth <no-reply@vtelehealth.local>"

    # Background work run inside `serve` (embedded) or by `telehealth worker`.
    run_background_tasks: bool = True
    reminder_hours_before: int = 24
    slot_horizon_days: int = 56

    # Consultation requests: files attached to them, and when an unanswered one expires.
    attachment_max_bytes: int = 25 * 1024 * 1024
    consultation_expire_after_hours: int = Field(default=72, ge=1)

    # Call quality: raw stats samples are kept this long (rollups stay with the record), and
    # a session nobody ended is rolled up once it has been silent this long.
    quality_raw_retention_days: int = Field(default=90, ge=1)
    quality_rollup_idle_minutes: int = Field(default=30, ge=1)

    # ICE servers, read from the same variables as the signaling service (TELEHEALTH_STUN_URLS,
    # TELEHEALTH_TURN_URLS, TELEHEALTH_TURN_SECRET) so one deployment sets them once.
    stun_urls: list[str] = Field(default_factory=lambda: ["stun:stun.l.google.com:19302"])
    turn_urls: list[str] = Field(default_factory=list)
    turn_secret: str | None = None
    turn_ttl_seconds: int = Field(default=3600, ge=60)

    # Connection check: each one is a server-side aiortc peer, and one Python process carries
    # about one two-way video call, so only a few run at once; the rest get a 429.
    connection_check_max_concurrent: int = Field(default=2, ge=1)
    connection_check_timeout_seconds: float = Field(default=30.0, gt=0)
    connection_check_echo_video: bool = True

    # Pool sizes matter on PostgreSQL; SQLite uses one writer anyway. The pool keeps
    # `db_pool_size` connections open: size it for a worker's usual concurrency, since
    # overflow connections are opened and closed per request (a new PostgreSQL backend each).
    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    # A ping before each checkout costs three round trips (BEGIN, ping, ROLLBACK on asyncpg);
    # without it, a PostgreSQL restart fails one request per worker, which invalidates the
    # whole pool. Turn it on behind proxies that drop idle connections silently.
    db_pool_pre_ping: bool = False
    db_pool_recycle_seconds: int = Field(default=1800, ge=-1)
    db_echo: bool = False

    # Operations: `/metrics` needs `Authorization: Bearer <metrics_token>` (open without a
    # token only in development); `json` logs one JSON object a line (see docs/deploy.md).
    metrics_token: str | None = None
    log_format: Literal["text", "json"] = "text"

    # Write-back to the health record platform (VHR, FHIR R4) through the outbox. No base
    # URL (the demo): deliveries wait, visibly pending, and no attempt is counted.
    vhr_base_url: str | None = None
    vhr_token_url: str | None = None  # OAuth2 client-credentials (SMART Backend Services)
    vhr_client_id: str | None = None
    vhr_client_secret: str | None = None
    vhr_scope: str | None = "system/*.write"
    vhr_timeout_seconds: float = Field(default=15.0, gt=0)
    # Base of the identifier systems (CCCD, BHYT, facility code, CCHN); see docs/fhir.md.
    fhir_identifier_base: str = "http://fhir.hl7.org.vn/core/sid"
    outbox_max_attempts: int = Field(default=12, ge=1)
    outbox_base_delay_seconds: float = Field(default=30.0, gt=0)
    outbox_max_delay_seconds: float = Field(default=3600.0, gt=0)
    # A claimed message is another worker's again once this passes (a crashed worker).
    outbox_lease_seconds: float = Field(default=300.0, gt=0)

    @model_validator(mode="after")
    def _refuse_placeholder_secret_in_production(self) -> Settings:
        if self.environment == "production":
            if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
                raise ValueError(
                    "TELEHEALTH_SECRET_KEY must be set to a random value of at least 32 "
                    "characters in production (e.g. `python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))'`)."
                )
            if self.database_url.startswith("sqlite"):
                raise ValueError("production needs PostgreSQL: set TELEHEALTH_DATABASE_URL")
        return self

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment == "production"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"
