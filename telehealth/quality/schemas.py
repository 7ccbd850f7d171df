"""Request and response bodies of the quality API."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from telehealth.quality.kpis import Kpis
from telehealth.quality.service import SessionView
from telehealth.quality.summary import Figures


class FiguresOut(BaseModel):
    samples: int
    rtt_mean_ms: float | None
    rtt_p95_ms: float | None
    jitter_mean_ms: float | None
    jitter_p95_ms: float | None
    loss_mean_percent: float | None
    loss_p95_percent: float | None
    bitrate_in_mean_kbps: float | None
    bitrate_out_mean_kbps: float | None
    fps_mean: float | None
    r_factor: float | None = Field(description="ITU-T G.107 E-model rating of the audio path")
    mos: float | None = Field(description="MOS estimated from R (G.107 Annex B)")
    freeze_count: int
    freeze_seconds: float
    reconnects: int
    audio_only_seconds: float
    grade: str | None = Field(description="good | fair | poor", examples=["good"])

    @classmethod
    def of(cls, f: Figures) -> FiguresOut:
        return cls(**f.columns())


class ParticipantOut(BaseModel):
    user_id: uuid.UUID
    display_name: str
    role: str
    figures: FiguresOut
    series: dict[str, Any] = Field(
        description="{bucket_seconds, points: [{t, rtt_ms, jitter_ms, loss_percent, "
        "bitrate_in_kbps, bitrate_out_kbps, fps, mos, freezes, audio_only}]}"
    )


class SessionQualityOut(BaseModel):
    room: str
    kind: str
    resource_id: uuid.UUID
    started_at: datetime
    ended_at: datetime | None
    stored: bool = Field(description="false: computed now from raw samples (not rolled up yet)")
    figures: FiguresOut
    participants: list[ParticipantOut]

    @classmethod
    def of(cls, v: SessionView) -> SessionQualityOut:
        return cls(
            room=v.room, kind=v.kind, resource_id=v.resource_id, started_at=v.started_at,
            ended_at=v.ended_at, stored=v.stored, figures=FiguresOut.of(v.figures),
            participants=[
                ParticipantOut(user_id=p.user_id, display_name=p.display_name, role=p.role,
                               figures=FiguresOut.of(p.figures), series=p.series)
                for p in v.participants
            ],
        )


class SessionListItem(BaseModel):
    room: str
    kind: str
    resource_id: uuid.UUID
    started_at: datetime
    ended_at: datetime | None
    grade: str | None
    mos: float | None


class KpisOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"description": "Service KPIs of a period"})

    since: datetime
    until: datetime
    facility_ids: list[uuid.UUID] | None = Field(description="null: every facility")
    data: dict[str, Any]
    completion_rate: float | None
    outcome_rate: float | None
    visit_completion_rate: float | None
    poor_share: float | None

    @classmethod
    def of(cls, k: Kpis, facility_ids: list[uuid.UUID] | None) -> KpisOut:
        return cls(
            since=k.since, until=k.until, facility_ids=facility_ids, data=asdict(k),
            completion_rate=k.completion_rate, outcome_rate=k.outcome_rate,
            visit_completion_rate=k.visit_completion_rate, poor_share=k.poor_share,
        )


class RatingIn(BaseModel):
    score: int = Field(ge=1, le=5, strict=True, examples=[5])
    comment: str = Field(default="", max_length=1000, examples=["Bác sĩ nghe rõ, hình ảnh tốt."])


class RatingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    appointment_id: uuid.UUID
    score: int
    comment: str
    created_at: datetime
    updated_at: datetime
    editable_until: datetime


class IngestStatus(BaseModel):
    accepted: int
    written: int
    pending: int
    pending_peers: int
    dropped_full: int
    dropped_peer_cap: int
    refused_by_database: int
    invalid_total: int
    invalid: dict[str, int]
    batches: int
    write_seconds: float
    write_method: str
    backpressure_waits: int = Field(
        0, description="Times signaling's hand-over waited for the writer (buffer past half full)"
    )
