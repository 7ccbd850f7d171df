"""User accounts, their sessions and login attempts."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from telehealth.models.base import enum_str, fk, id_field, utc


class Role(StrEnum):
    patient = "patient"
    clinician = "clinician"  # doctors, nurses and station staff (nhân viên y tế)
    facility_admin = "facility_admin"
    regulator = "regulator"  # Sở Y tế (one province) or Bộ Y tế (national)
    system_admin = "system_admin"


class User(SQLModel, table=True):
    id: uuid.UUID = id_field()
    # Login name: lower-case; patients usually use their phone number.
    username: str = Field(max_length=64, unique=True, index=True)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=20)
    full_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    role: Role = enum_str(index=True)
    facility_id: uuid.UUID | None = fk("facility.id", nullable=True)
    # Regulators: the province they oversee; None means national (Bộ Y tế).
    jurisdiction_province_code: str | None = fk("province.code", nullable=True, index=False)
    locale: str = Field(default="vi", max_length=5)
    is_active: bool = True
    created_at: datetime = utc()
    last_login_at: datetime | None = utc(nullable=True)


class AuthSession(SQLModel, table=True):
    """A web session (cookie) or an API bearer token; only a hash of the secret is stored."""

    __tablename__ = "auth_session"

    id: uuid.UUID = id_field()
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: uuid.UUID = fk("user.id", ondelete="CASCADE")
    kind: str = enum_str(length=8)  # "web" | "api"
    csrf_token: str | None = Field(default=None, max_length=64)
    created_at: datetime = utc()
    expires_at: datetime = utc()
    revoked_at: datetime | None = utc(nullable=True)
    client_ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=255)


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempt"

    id: uuid.UUID = id_field()
    username: str = Field(max_length=64, index=True)
    client_ip: str | None = Field(default=None, max_length=64)
    succeeded: bool
    at: datetime = utc(index=True)
