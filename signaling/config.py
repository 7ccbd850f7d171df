"""Settings of the signaling service (env prefix TELEHEALTH_, working defaults)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SignalingSettings(BaseSettings):
    """Everything the signaling service reads from the environment.

    The defaults run a single in-process worker (MemoryBus, MemoryRoomStore) with
    a development secret; production sets at least TELEHEALTH_SECRET_KEY and
    TELEHEALTH_REDIS_URL.
    """

    model_config = SettingsConfigDict(env_prefix="TELEHEALTH_", extra="ignore")

    secret_key: str = "dev-insecure-secret-change-me"
    # None: in-process bus and room store (one worker only).
    redis_url: str | None = None
    # The deployment's Redis prefix (TELEHEALTH_REDIS_PREFIX, shared with the platform), so
    # parallel deployments and test runs never collide. Embedded and standalone signaling
    # derive the same bus and room-store prefixes from it and can serve one room together.
    redis_prefix: str = "vt"

    stun_urls: list[str] = Field(default_factory=lambda: ["stun:stun.l.google.com:19302"])
    turn_urls: list[str] = Field(default_factory=list)
    turn_secret: str | None = None
    turn_ttl_seconds: int = 3600

    handshake_timeout: float = 10.0
    liveness_timeout: float = 30.0
    resume_grace: float = 30.0
    max_message_bytes: int = 65536
    # Token bucket: `rate_limit_per_second` sustained, `rate_limit_burst` messages of credit.
    # Past the credit, messages are refused with error rate_limited; past a further
    # `rate_limit_per_second` refused messages the socket is closed with 4429.
    rate_limit_per_second: float = 50.0
    rate_limit_burst: int = 100
    max_peers_per_room: int = 6
    # Outbound frames queued for one slow socket before it is closed (1013).
    max_outbound_queue: int = 1024
    # Quality records (stats, events) waiting for the platform, on this worker; past it
    # they are dropped and counted, and stats/event frames without an id are not parsed.
    quality_queue_size: int = 10_000

    # Standalone mode only: where HttpPlatform reaches the platform. None: MemoryPlatform.
    platform_url: str | None = None
    platform_timeout: float = 5.0

    @property
    def bus_prefix(self) -> str:
        return f"{self.redis_prefix}:"

    @property
    def store_prefix(self) -> str:
        return f"{self.redis_prefix}:sig:"
