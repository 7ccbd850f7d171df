"""Request and response bodies of the booking API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from telehealth.models import AppointmentStatus, SlotMode, VisitMode


class BookingRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "slot_id": "01937a4e-8a1c-7000-9d6b-2f2c1d0e5a11",
                    "mode": "video",
                    "reason": "Tái khám tăng huyết áp, xin đơn thuốc",
                }
            ]
        },
    )
    slot_id: uuid.UUID
    mode: VisitMode = Field(description="`in_person` at the facility or `video`")
    reason: str = Field(default="", max_length=500, description="Lý do khám, shown to the doctor")
    specialty_id: uuid.UUID | None = Field(
        default=None, description="The specialty chosen when searching, if any"
    )


class RescheduleRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"slot_id": "01937a4e-8a1c-7000-9d6b-2f2c1d0e5a12"}]},
    )
    slot_id: uuid.UUID
    mode: VisitMode | None = Field(default=None, description="Keep the current mode when absent")


class CancelRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Bận việc gia đình"}]}
    )
    reason: str = Field(default="", max_length=300)


class SlotPublic(BaseModel):
    id: uuid.UUID
    practitioner_id: uuid.UUID
    practitioner_name: str
    practitioner_title: str
    facility_id: uuid.UUID
    start_at: datetime
    end_at: datetime
    mode: SlotMode


class AppointmentPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "01937a4e-9000-7000-8000-000000000001",
                    "slot_id": "01937a4e-8a1c-7000-9d6b-2f2c1d0e5a11",
                    "patient_id": "01937a4e-9000-7000-8000-0000000000aa",
                    "patient_name": "Nguyễn Thị Lan",
                    "practitioner_id": "01937a4e-9000-7000-8000-0000000000bb",
                    "practitioner_name": "Trần Văn Minh",
                    "practitioner_title": "BSCKII",
                    "facility_id": "01937a4e-9000-7000-8000-0000000000cc",
                    "facility_name": "Bệnh viện Đa khoa tỉnh Tuyên Quang",
                    "facility_address": "Đường 17/8, Tuyên Quang",
                    "specialty_id": None,
                    "mode": "video",
                    "status": "booked",
                    "start_at": "2026-11-24T02:00:00Z",
                    "end_at": "2026-11-24T02:20:00Z",
                    "reason": "Tái khám",
                    "created_at": "2026-11-23T01:00:00Z",
                    "cancelled_at": None,
                    "cancel_reason": None,
                    "rescheduled_from_id": None,
                    "cancel_deadline": "2026-11-24T00:00:00Z",
                    "can_cancel": True,
                }
            ]
        }
    )
    id: uuid.UUID
    slot_id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    practitioner_id: uuid.UUID
    practitioner_name: str
    practitioner_title: str
    facility_id: uuid.UUID
    facility_name: str
    facility_address: str
    specialty_id: uuid.UUID | None
    mode: VisitMode
    status: AppointmentStatus
    start_at: datetime
    end_at: datetime
    reason: str
    created_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None
    rescheduled_from_id: uuid.UUID | None
    cancel_deadline: datetime = Field(
        description="Cancelling or rescheduling is possible until then"
    )
    can_cancel: bool
