"""Practitioners' signing keys (Ed25519): public key in clear, private key encrypted at rest."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel

from telehealth.models.base import fk, id_field, utc


class PractitionerKey(SQLModel, table=True):
    __tablename__ = "practitioner_key"

    id: uuid.UUID = id_field()
    # Public: printed with every signature so a verifier can find the key.
    key_id: str = Field(max_length=64, unique=True, index=True)
    practitioner_id: uuid.UUID = fk("practitioner.id", ondelete="CASCADE")
    algorithm: str = Field(default="Ed25519", max_length=16)
    public_key: bytes = Field(sa_type=LargeBinary(32))  # raw 32 bytes (RFC 8032)
    # AES-256-GCM of the raw private key under a key derived from settings.secret_key:
    # 12-byte nonce followed by ciphertext and tag; the key id is the associated data.
    private_key_encrypted: bytes = Field(sa_type=LargeBinary(128))
    encryption_version: int = 1
    created_at: datetime = utc()
    revoked_at: datetime | None = utc(nullable=True)
