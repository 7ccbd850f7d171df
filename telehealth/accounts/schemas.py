"""Request and response bodies of the accounts API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from telehealth.models import Role


class TokenRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"username": "0912345678", "password": "benhnhan123"}]}
    )
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    username: str
    full_name: str
    role: Role
    email: str | None
    phone: str | None
    facility_id: uuid.UUID | None
    jurisdiction_province_code: str | None
    locale: str


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserPublic
