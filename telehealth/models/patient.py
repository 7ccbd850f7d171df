"""Patients and their consents (đồng ý), versioned and withdrawable."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from telehealth.models.base import enum_str, fk, id_field, utc


class Sex(StrEnum):
    male = "male"
    female = "female"
    other = "other"


class Patient(SQLModel, table=True):
    id: uuid.UUID = id_field()
    # A patient registered by a station may have no account of their own.
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user.id", unique=True)
    national_id: str | None = Field(default=None, max_length=12, unique=True, index=True)  # CCCD
    health_insurance_number: str | None = Field(default=None, max_length=15, index=True)  # BHYT
    full_name: str = Field(max_length=120)
    date_of_birth: date
    sex: Sex = enum_str(length=8)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    address: str = Field(default="", max_length=300)
    province_code: str | None = fk("province.code", nullable=True, index=False)
    registered_by_facility_id: uuid.UUID | None = fk("facility.id", nullable=True)
    created_at: datetime = utc()


class ConsentKind(StrEnum):
    telemedicine = "telemedicine"  # khám chữa bệnh từ xa
    data_processing = "data_processing"  # xử lý dữ liệu cá nhân nhạy cảm (NĐ 13/2023)


class Consent(SQLModel, table=True):
    id: uuid.UUID = id_field()
    patient_id: uuid.UUID = fk("patient.id", ondelete="CASCADE")
    kind: ConsentKind = enum_str(length=24)
    terms_version: str = Field(max_length=20)
    method: str = enum_str(length=12)  # "online" | "in_person"
    recorded_by_user_id: uuid.UUID | None = fk("user.id", nullable=True, index=False)
    granted_at: datetime = utc()
    withdrawn_at: datetime | None = utc(nullable=True)
