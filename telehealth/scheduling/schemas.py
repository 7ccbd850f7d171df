"""Request and response bodies for schedule rules, exceptions, conflicts and the agenda."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from telehealth.models import SlotMode

ExceptionKind = Literal["leave", "holiday", "other"]


class RuleIn(BaseModel):
    """A weekly availability window, in Vietnam local time."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "weekday": 1,
                    "start_time": "07:30",
                    "end_time": "11:30",
                    "slot_minutes": 20,
                    "mode": "both",
                    "valid_from": "2026-12-01",
                    "valid_until": None,
                }
            ]
        }
    )
    weekday: int = Field(ge=0, le=6, description="Monday = 0 … Sunday = 6")
    start_time: time = Field(description="Local start, HH:MM")
    end_time: time = Field(description="Local end, HH:MM; after the start")
    slot_minutes: int = Field(ge=5, le=240, description="Must divide the window exactly")
    mode: SlotMode = Field(description="in_person, video or both")
    valid_from: date
    valid_until: date | None = Field(default=None, description="Last day included; none = open")


class RulePublic(RuleIn):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    practitioner_id: uuid.UUID


class ExceptionIn(BaseModel):
    """Time without slots. `practitioner_id` empty means the whole facility (a holiday)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "leave",
                    "practitioner_id": "0190f3c2-8c1e-7a55-9a7e-3f6b1f6d2c11",
                    "start_at": "2026-12-07T00:00:00+07:00",
                    "end_at": "2026-12-12T00:00:00+07:00",
                    "reason": "Nghỉ phép năm",
                },
                {
                    "kind": "holiday",
                    "practitioner_id": None,
                    "start_at": "2027-01-01T00:00:00+07:00",
                    "end_at": "2027-01-02T00:00:00+07:00",
                    "reason": "Tết Dương lịch",
                },
            ]
        }
    )
    kind: ExceptionKind
    practitioner_id: uuid.UUID | None = None
    start_at: datetime = Field(description="With an offset; a naive time is read as Vietnam time")
    end_at: datetime
    reason: str = Field(default="", max_length=200)


class ExceptionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    facility_id: uuid.UUID
    practitioner_id: uuid.UUID | None
    kind: str
    start_at: datetime
    end_at: datetime
    reason: str


class ConflictPublic(BaseModel):
    """A booked visit the current schedule no longer covers: call the patient to move it."""

    appointment_id: uuid.UUID
    practitioner_id: uuid.UUID
    practitioner_name: str = ""
    patient_id: uuid.UUID
    start_at: datetime
    end_at: datetime
    mode: str
    reason: Literal["not_offered", "mode_changed", "practitioner_inactive"]


class SyncReport(BaseModel):
    created: int = Field(description="Slots created")
    deleted: int = Field(description="Free slots withdrawn")
    conflicts: list[ConflictPublic] = Field(description="Booked visits left uncovered")


class RuleChange(BaseModel):
    rule: RulePublic | None
    sync: SyncReport


class ExceptionChange(BaseModel):
    exception: ExceptionPublic | None
    sync: SyncReport


class AgendaPatient(BaseModel):
    id: uuid.UUID
    full_name: str


class AgendaAppointment(BaseModel):
    id: uuid.UUID
    status: str
    mode: str
    reason: str
    patient: AgendaPatient


class AgendaEntry(BaseModel):
    slot_id: uuid.UUID
    start_at: datetime
    end_at: datetime
    slot_mode: str
    appointment: AgendaAppointment | None


class Agenda(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "practitioner_id": "0190f3c2-8c1e-7a55-9a7e-3f6b1f6d2c11",
                    "from": "2026-11-23",
                    "to": "2026-11-29",
                    "entries": [
                        {
                            "slot_id": "0190f3c2-9a00-7b00-8000-000000000001",
                            "start_at": "2026-11-24T01:00:00Z",
                            "end_at": "2026-11-24T01:20:00Z",
                            "slot_mode": "both",
                            "appointment": {
                                "id": "0190f3c2-9a00-7b00-8000-000000000002",
                                "status": "booked",
                                "mode": "video",
                                "reason": "Tái khám tăng huyết áp",
                                "patient": {
                                    "id": "0190f3c2-9a00-7b00-8000-000000000003",
                                    "full_name": "Nguyễn Thị Hoa",
                                },
                            },
                        }
                    ],
                }
            ]
        },
        populate_by_name=True,
    )
    practitioner_id: uuid.UUID
    from_date: date = Field(alias="from")
    to_date: date = Field(alias="to")
    entries: list[AgendaEntry]
