"""Call quality (chất lượng cuộc gọi): per-session rollups kept with the record, and ratings.

Raw samples (`session_quality_record`) are purged after `quality_raw_retention_days`; the
rollups below are what remains of a session's quality for as long as the consultation
record is kept (10 years, Circular 49/2017/TT-BYT), so they carry everything the session
page and the dashboards show, including a downsampled series for the charts.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from telehealth.models.base import enum_str, fk, id_field, utc


class QualityFigures(SQLModel):
    """Summary figures shared by the session rollup and each participant's rollup."""

    samples: int = 0
    rtt_mean_ms: float | None = None
    rtt_p95_ms: float | None = None
    jitter_mean_ms: float | None = None
    jitter_p95_ms: float | None = None
    loss_mean_percent: float | None = None
    loss_p95_percent: float | None = None
    bitrate_in_mean_kbps: float | None = None
    bitrate_out_mean_kbps: float | None = None
    fps_mean: float | None = None
    # ITU-T G.107 E-model estimate for the audio path (see telehealth/quality/emodel.py).
    r_factor: float | None = None
    mos: float | None = None
    freeze_count: int = 0
    freeze_seconds: float = 0.0
    reconnects: int = 0
    audio_only_seconds: float = 0.0
    grade: str | None = Field(default=None, max_length=8)  # good | fair | poor


class SessionQualityRollup(QualityFigures, table=True):
    """One live session's quality, computed when it ends (or by the catch-up job)."""

    __tablename__ = "session_quality_rollup"
    __table_args__ = (Index("ix_quality_rollup_facility_started", "facility_id", "started_at"),)

    id: uuid.UUID = id_field()
    room: str = Field(max_length=80, unique=True)
    kind: str = enum_str(length=20)  # appointment | consultation
    resource_id: uuid.UUID = Field(index=True)
    # The hosting facility (appointment's facility, consulting facility) and, for a
    # consultation, the requesting one: both facilities' dashboards count the session.
    facility_id: uuid.UUID | None = fk("facility.id", nullable=True, index=False)
    other_facility_id: uuid.UUID | None = fk("facility.id", nullable=True)
    started_at: datetime = utc()
    ended_at: datetime | None = utc(nullable=True)
    participants: int = 0
    computed_at: datetime = utc()


class ParticipantQualityRollup(QualityFigures, table=True):
    """One participant's view of a session, with the chart series (downsampled)."""

    __tablename__ = "participant_quality_rollup"
    __table_args__ = (UniqueConstraint("room", "user_id", name="uq_participant_quality_user"),)

    id: uuid.UUID = id_field()
    room: str = Field(max_length=80, index=True)
    user_id: uuid.UUID = fk("user.id", index=False)
    display_name: str = Field(default="", max_length=160)
    role: str = Field(default="", max_length=12)
    # {"bucket_seconds": n, "points": [{"t": seconds from start, "rtt_ms": …, …}, …]}
    series: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class VisitRating(SQLModel, table=True):
    """A patient's rating of a video visit (đánh giá cuộc khám): once, editable for a day."""

    __tablename__ = "visit_rating"
    __table_args__ = (UniqueConstraint("appointment_id", name="uq_visit_rating_appointment"),)

    id: uuid.UUID = id_field()
    appointment_id: uuid.UUID = fk("appointment.id", ondelete="CASCADE", index=False)
    patient_id: uuid.UUID = fk("patient.id", index=False)
    user_id: uuid.UUID = fk("user.id", index=False)
    facility_id: uuid.UUID = fk("facility.id")
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=1000)
    created_at: datetime = utc(index=True)
    updated_at: datetime = utc()
