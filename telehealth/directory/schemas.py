"""Public views of facilities, specialties and practitioners: nothing here is personal data
beyond a practitioner's professional name and title."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from telehealth.models import FacilityLevel


class SpecialtyPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "0193...",
                    "code": "tim-mach",
                    "name_vi": "Tim mạch",
                    "name_en": "Cardiology",
                }
            ]
        },
    )
    id: uuid.UUID
    code: str
    name_vi: str
    name_en: str


class FacilitySummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    code: str = Field(description="Mã cơ sở KCB (5 digits)")
    name: str
    name_en: str | None
    level: FacilityLevel
    province_code: str
    province_name: str = ""
    address: str
    phone: str | None


class BookingRules(BaseModel):
    horizon_days: int = Field(description="How many days ahead a slot may be booked")
    min_notice_minutes: int = Field(description="The latest a slot may be booked before it starts")
    cancel_min_notice_minutes: int = Field(description="The latest a visit may be cancelled")


class FacilityDetail(FacilitySummary):
    specialties: list[SpecialtyPublic]
    booking_rules: BookingRules


class FacilityRef(BaseModel):
    id: uuid.UUID
    name: str
    name_en: str | None
    province_code: str
    address: str


class PractitionerPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0193...",
                    "full_name": "Trần Văn Minh",
                    "title": "BSCKII",
                    "specialties": [],
                    "facility": {
                        "id": "0193...",
                        "name": "Bệnh viện Đa khoa tỉnh Tuyên Quang",
                        "name_en": None,
                        "province_code": "08",
                        "address": "",
                    },
                }
            ]
        }
    )
    id: uuid.UUID
    full_name: str
    title: str
    specialties: list[SpecialtyPublic]
    facility: FacilityRef
