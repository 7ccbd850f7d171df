"""Files attached to a consultation request (photos, PDFs, ECGs, X-rays): metadata only,
the bytes live in the attachment storage under a random key."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from telehealth.models.base import enum_str, fk, id_field, utc


class AttachmentKind(StrEnum):
    photo = "photo"  # ảnh lâm sàng
    document = "document"  # giấy tờ, kết quả xét nghiệm (PDF)
    ecg = "ecg"  # điện tâm đồ
    xray = "xray"  # phim X-quang / chẩn đoán hình ảnh
    other = "other"


class Attachment(SQLModel, table=True):
    id: uuid.UUID = id_field()
    consultation_id: uuid.UUID = fk("consultation_request.id", ondelete="CASCADE")
    kind: AttachmentKind = enum_str(length=12)
    # Random, never derived from the file name: the storage key cannot be guessed.
    storage_key: str = Field(max_length=80, unique=True)
    file_name: str = Field(max_length=120)  # sanitised, for Content-Disposition only
    content_type: str = Field(max_length=40)  # sniffed from the bytes, not the client's claim
    size_bytes: int = Field(ge=1)
    sha256: str = Field(max_length=64)
    uploaded_by_user_id: uuid.UUID = fk("user.id", index=False)
    created_at: datetime = utc()
