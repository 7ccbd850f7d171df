"""Response bodies of the regulator API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    occurred_at: datetime
    actor_user_id: uuid.UUID | None
    actor_name: str | None = None
    actor_role: str | None
    actor_facility_id: uuid.UUID | None
    facility_name: str | None = None
    action: str
    resource_type: str | None
    resource_id: str | None
    patient_id: uuid.UUID | None
    outcome: str
    client_ip: str | None
    request_id: str | None
    purpose: str | None
    detail: dict[str, Any]
    shard: int
    seq: int
    hash: str


class AuditPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AuditEventOut]


class RegisterRow(BaseModel):
    id: uuid.UUID
    submitted_at: datetime | None
    requesting_facility: str
    consulting_facility: str
    requested_by: str
    consultant: str | None
    invitees: list[str]
    activity: str
    urgency: str
    status: str
    accepted_at: datetime | None
    concluded_at: datetime | None
    closed_at: datetime | None
    ended_at: datetime | None
    delivery: str = Field(description="delivered | pending | failed | dead | not_sent")


class RegisterPage(BaseModel):
    start: date
    end: date
    total: int
    limit: int
    offset: int
    items: list[RegisterRow]


class TimelineItem(BaseModel):
    at: datetime
    action: str
    actor: str | None
    from_status: str | None
    to_status: str | None
    reason: str | None


class AccessItem(BaseModel):
    at: datetime
    action: str
    actor: str | None
    role: str | None
    facility: str | None
    outcome: str


class RegisterEntry(BaseModel):
    row: RegisterRow
    timeline: list[TimelineItem]
    accesses: list[AccessItem]


class FiguresOut(BaseModel):
    requested: int
    received: int
    by_activity: dict[str, int]
    by_urgency: dict[str, int]
    sla_met: int
    sla_due: int
    sla_rate: float | None
    concluded: int
    outcome_reported: int
    outcome_rate: float | None
    delivered: int
    delivery_rate: float | None
    quality_sessions: int | None
    mean_mos: float | None
    quality_good: int | None


class ReportRowOut(BaseModel):
    key: str
    name: str
    province_code: str
    figures: FiguresOut


class ReportOut(BaseModel):
    start: date
    end: date
    period: str | None
    province_code: str | None
    has_quality: bool
    total: FiguresOut
    facilities: list[ReportRowOut]
    provinces: list[ReportRowOut]
    generated_at: datetime


class ProblemOut(BaseModel):
    kind: str
    shard: int
    seq: int | None
    entry_id: str | None
    occurred_at: str | None


class IntegrityOut(BaseModel):
    intact: bool
    entries: int
    chains: int
    checkpoints: int
    problem_count: int
    first_problem: ProblemOut | None
    problems: list[ProblemOut]
    seconds: float
    checkpoint_key_id: str
    checkpoint_public_key: str = Field(description="Ed25519, raw 32 bytes, base64url")


class AccessLogItem(BaseModel):
    at: datetime
    who: str | None
    role: str | None
    facility: str | None
    action: str
    purpose: str | None
    outcome: str
