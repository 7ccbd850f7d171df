"""Facilities (cơ sở khám bệnh, chữa bệnh), provinces, specialties and the referral network."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from telehealth.models.base import enum_str, fk, id_field, utc


class FacilityLevel(StrEnum):
    central = "central"  # tuyến trung ương
    provincial = "provincial"  # tuyến tỉnh
    district = "district"  # tuyến huyện / trung tâm y tế khu vực
    commune = "commune"  # trạm y tế xã
    private_clinic = "private_clinic"  # phòng khám tư nhân

    @property
    def rank(self) -> int:
        """Higher means more specialised; requests go from lower to higher ranks."""
        return {"central": 4, "provincial": 3, "district": 2, "commune": 1, "private_clinic": 1}[
            self.value
        ]


class Province(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=3)
    name: str = Field(max_length=100)
    name_en: str = Field(max_length=100)


class Facility(SQLModel, table=True):
    id: uuid.UUID = id_field()
    # Mã cơ sở KCB: 5 digits, the first two the (pre-2025) province code.
    code: str = Field(max_length=5, unique=True, index=True)
    name: str = Field(max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    level: FacilityLevel = enum_str(index=True)
    province_code: str = fk("province.code")
    address: str = Field(default="", max_length=300)
    phone: str | None = Field(default=None, max_length=20)
    is_active: bool = True
    # Booking rules: how far ahead and how late patients may book or cancel.
    booking_horizon_days: int = Field(default=28, ge=1, le=365)
    booking_min_notice_minutes: int = Field(default=60, ge=0, le=10080)
    cancel_min_notice_minutes: int = Field(default=120, ge=0, le=10080)
    # Consultation SLA: minutes to accept a request, by urgency.
    sla_emergency_minutes: int = Field(default=15, ge=1)
    sla_urgent_minutes: int = Field(default=120, ge=1)
    sla_routine_minutes: int = Field(default=1440, ge=1)
    created_at: datetime = utc()


class Specialty(SQLModel, table=True):
    id: uuid.UUID = id_field()
    code: str = Field(max_length=40, unique=True, index=True)
    name_vi: str = Field(max_length=120)
    name_en: str = Field(max_length=120)


class FacilitySpecialty(SQLModel, table=True):
    __tablename__ = "facility_specialty"
    facility_id: uuid.UUID = Field(foreign_key="facility.id", primary_key=True, ondelete="CASCADE")
    specialty_id: uuid.UUID = Field(foreign_key="specialty.id", primary_key=True)


class ReferralLink(SQLModel, table=True):
    """An upper-level facility that serves a lower-level one (tuyến chuyên môn)."""

    __tablename__ = "referral_link"
    __table_args__ = (UniqueConstraint("from_facility_id", "to_facility_id"),)

    id: uuid.UUID = id_field()
    from_facility_id: uuid.UUID = fk("facility.id", ondelete="CASCADE")
    to_facility_id: uuid.UUID = fk("facility.id", ondelete="CASCADE")
    # 1 is the default (nearest) upper level; larger ranks are the alternatives.
    rank: int = Field(default=1, ge=1, le=99)
