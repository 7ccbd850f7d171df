"""Request and response bodies of the facility administration API."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field


class BookingRules(BaseModel):
    """How far ahead and how late patients may book or cancel at this facility."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "booking_horizon_days": 28,
                    "booking_min_notice_minutes": 60,
                    "cancel_min_notice_minutes": 120,
                }
            ]
        },
    )
    booking_horizon_days: int = Field(ge=1, le=365, description="Days ahead a visit may be booked")
    booking_min_notice_minutes: int = Field(
        ge=0, le=10080, description="A visit must be booked at least this long before it starts"
    )
    cancel_min_notice_minutes: int = Field(
        ge=0, le=10080, description="Patients may cancel online until this long before the start"
    )


class FacilityAdminView(BookingRules):
    id: uuid.UUID
    code: str
    name: str
    name_en: str | None
    level: str
    province_code: str
    address: str
    phone: str | None


class SpecialtyOffer(BaseModel):
    id: uuid.UUID
    code: str
    name_vi: str
    name_en: str
    offered: bool = Field(description="Whether this facility offers the specialty")
    practitioners: int = Field(description="Active practitioners of this facility in it")
