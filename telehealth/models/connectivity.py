"""Connection checks (kiểm tra đường truyền): what a station's network could carry, and when."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from telehealth.models.base import enum_str, fk, id_field, utc


class ConnectionVerdict(StrEnum):
    video_ok = "video_ok"  # đủ cho gọi video
    audio_only = "audio_only"  # chỉ đủ cho gọi thoại
    not_usable = "not_usable"  # không dùng được


class ConnectionFailure(StrEnum):
    """Why a check ended without figures, as the client saw it."""

    ice_failed = "ice_failed"  # no network path to the server (firewall, no TURN)
    channel_failed = "channel_failed"  # connected, but the data channels never opened
    timeout = "timeout"  # the check ran out of time before it finished


class ConnectionCheck(SQLModel, table=True):
    """One run of the pre-session connection check.

    The row is written when the server answers the offer and completed by the result,
    so a check that never reports back still shows up (verdict None) per station.
    """

    __tablename__ = "connection_check"
    # The quality views list a facility's checks newest first.
    __table_args__ = (Index("ix_connection_check_facility_started", "facility_id", "started_at"),)

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = fk("user.id", ondelete="CASCADE")
    # The user's facility when the check ran (the station); None for patients at home.
    facility_id: uuid.UUID | None = fk("facility.id", nullable=True, index=False)
    started_at: datetime = utc(index=True)
    finished_at: datetime | None = utc(nullable=True)
    user_agent: str | None = Field(default=None, max_length=255)
    # Which of the browser's tracks took part; a data-only check has neither.
    with_audio: bool = False
    with_video: bool = False
    # The figures the verdict is computed from.
    rtt_ms: float | None = None
    loss_percent: float | None = None
    upload_kbps: float | None = None
    download_kbps: float | None = None
    bitrate_kbps: float | None = None
    verdict: ConnectionVerdict | None = enum_str(None, length=12, index=True)
    failure: ConnectionFailure | None = enum_str(None, length=16)
    # Everything else measured, for support staff: the client's and the server's own view.
    client_figures: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    server_figures: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
