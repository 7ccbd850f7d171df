"""Request and response bodies of the practitioner administration API."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from telehealth.accounts.security import MIN_PASSWORD_LENGTH


class SpecialtyRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    code: str
    name_vi: str
    name_en: str


class PractitionerProfile(BaseModel):
    """What a facility admin may change on a practitioner after creating them."""

    full_name: str = Field(min_length=2, max_length=120)
    title: str = Field(default="", max_length=40, description="e.g. BSCKII, ThS.BS, ĐD")
    practice_scope: str = Field(default="", max_length=300, description="Phạm vi hành nghề")
    specialty_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=20)
    accepts_online_booking: bool = True


class PractitionerCreate(PractitionerProfile):
    """A new clinician account and its practitioner profile, in one step."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "bs.hoang.minh",
                    "password": "doi-mat-khau-ngay",
                    "full_name": "Hoàng Văn Minh",
                    "title": "BSCKI",
                    "practice_certificate_number": "001234/TQ-CCHN",
                    "practice_scope": "Khám bệnh, chữa bệnh chuyên khoa Nội",
                    "specialty_ids": ["0190f3c2-8c1e-7a55-9a7e-3f6b1f6d2c11"],
                    "phone": "0912345678",
                    "accepts_online_booking": True,
                }
            ]
        }
    )
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)
    practice_certificate_number: str = Field(min_length=3, max_length=40)


class PractitionerPublic(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    username: str
    full_name: str
    title: str
    practice_certificate_number: str
    practice_scope: str
    email: str | None
    phone: str | None
    accepts_online_booking: bool
    is_active: bool
    specialties: list[SpecialtyRef]
