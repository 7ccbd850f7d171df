"""Request and response bodies of the patients API (registration, profile, consents)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from telehealth.models import ConsentKind, Sex


class PatientRegister(BaseModel):
    """Self-registration. Identifiers are checked by the service (CCCD against DOB and sex)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "full_name": "Nguyễn Thị Lan",
                    "national_id": "008190012345",
                    "health_insurance_number": "GD4080123456789",
                    "date_of_birth": "1990-05-17",
                    "sex": "female",
                    "phone": "0912345678",
                    "email": "lan.nguyen@example.vn",
                    "address": "Tổ 5, phường Minh Xuân, Tuyên Quang",
                    "password": "mat-khau-du-dai",
                    "consent_telemedicine": True,
                    "consent_data_processing": True,
                }
            ]
        },
    )

    full_name: str = Field(min_length=2, max_length=120, description="Họ và tên, as on the CCCD")
    national_id: str = Field(max_length=20, description="CCCD, 12 digits")
    health_insurance_number: str | None = Field(
        default=None,
        max_length=20,
        description="BHYT: the legacy 15-character card, the 10-digit code, or the CCCD",
    )
    date_of_birth: date
    sex: Sex
    phone: str = Field(max_length=20, description="Becomes the login name")
    email: EmailStr | None = Field(default=None, max_length=254)
    address: str = Field(default="", max_length=300)
    password: str = Field(min_length=8, max_length=256)
    consent_telemedicine: bool = Field(
        default=False, description="Agree to remote care (needed to book video visits)"
    )
    consent_data_processing: bool = Field(
        default=False, description="Agree to processing of personal data (required)"
    )


class PatientUpdate(BaseModel):
    """What a patient may change themself. Name, CCCD, birth date and sex are identity facts
    that a facility corrects after checking papers, so they are not editable here."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"email": "lan@example.vn", "address": "Số 2, Hà Nội"}]},
    )

    phone: str | None = Field(default=None, max_length=20)
    email: EmailStr | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=300)
    health_insurance_number: str | None = Field(default=None, max_length=20)
    locale: str | None = Field(default=None, pattern="^(vi|en)$")


class PatientProfile(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    full_name: str
    national_id: str | None
    health_insurance_number: str | None
    date_of_birth: date
    sex: Sex
    phone: str | None
    email: str | None
    address: str


class RegistrationResult(BaseModel):
    user_id: uuid.UUID
    patient: PatientProfile
    consents: list[ConsentKind]


class ConsentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: ConsentKind
    terms_version: str
    method: str
    granted_at: datetime
    withdrawn_at: datetime | None


class ConsentStatus(BaseModel):
    kind: ConsentKind
    title: str
    text: str
    current_version: str
    active: bool
    active_version: str | None
    needs_review: bool = Field(description="Active, but given for an older version of the terms")


class ConsentOverview(BaseModel):
    statuses: list[ConsentStatus]
    history: list[ConsentPublic]


class ConsentGrant(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"kind": "telemedicine"}]}
    )

    kind: ConsentKind
