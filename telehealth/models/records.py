"""Clinical documents: consultation minutes (biên bản hội chẩn) and encounter summaries.

A document is written as a draft (`record_draft`, editable by its author) and becomes a
`clinical_document` when signed. Signed rows are never changed: the table refuses UPDATE
and DELETE (database triggers, telehealth.records.ddl), and a correction is a new row with
the next version that names the row it replaces. Co-consultants' opinions
(`consultation_opinion`) are copied into the minutes at signing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from telehealth.models.base import enum_str, fk, id_field, utc
from telehealth.records.ddl import attach_immutable


class DocumentKind(StrEnum):
    consultation_minutes = "consultation_minutes"  # biên bản hội chẩn (Circular 49/2017)
    encounter_summary = "encounter_summary"  # tóm tắt khám bệnh từ xa (video visit)


class Disposition(StrEnum):
    """What happens to the patient next (hướng xử trí)."""

    manage_at_station = "manage_at_station"  # tiếp tục điều trị tại tuyến dưới
    transfer = "transfer"  # chuyển tuyến
    follow_up = "follow_up"  # hẹn tái khám / hội chẩn lại


def subject_key(kind: DocumentKind, subject_id: uuid.UUID) -> str:
    """One name per thing a document is about, so versions line up in one sequence."""
    prefix = "consultation" if kind == DocumentKind.consultation_minutes else "appointment"
    return f"{prefix}:{subject_id}"


class RecordDraft(SQLModel, table=True):
    """The document being written: one per subject at a time, its author's working copy."""

    __tablename__ = "record_draft"

    id: uuid.UUID = id_field()
    kind: DocumentKind = enum_str(length=24)
    subject: str = Field(max_length=80, unique=True)  # subject_key(): one open draft each
    consultation_id: uuid.UUID | None = fk(
        "consultation_request.id", nullable=True, index=False, ondelete="CASCADE"
    )
    appointment_id: uuid.UUID | None = fk(
        "appointment.id", nullable=True, index=False, ondelete="CASCADE"
    )
    author_user_id: uuid.UUID = fk("user.id", index=False)
    # A correction: the signed document this draft will replace when signed.
    replaces_id: uuid.UUID | None = fk("clinical_document.id", nullable=True, index=False)
    # The structured form (telehealth.records.schemas.MinutesContent / SummaryContent).
    content: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = utc()
    updated_at: datetime = utc()


class ClinicalDocument(SQLModel, table=True):
    """A signed document version. Insert-only: the triggers refuse any change or deletion."""

    __tablename__ = "clinical_document"
    __table_args__ = (
        UniqueConstraint("subject", "version", name="uq_clinical_document_version"),
        # A version is replaced at most once, so the history is a chain, never a tree.
        UniqueConstraint("replaces_id", name="uq_clinical_document_replaces"),
        Index("ix_clinical_document_author", "author_user_id", "signed_at"),
        Index("ix_clinical_document_facility", "facility_id", "signed_at"),
    )

    id: uuid.UUID = id_field()
    kind: DocumentKind = enum_str(length=24)
    subject: str = Field(max_length=80)
    version: int = Field(ge=1)
    replaces_id: uuid.UUID | None = fk("clinical_document.id", nullable=True, index=False)
    consultation_id: uuid.UUID | None = fk("consultation_request.id", nullable=True)
    appointment_id: uuid.UUID | None = fk("appointment.id", nullable=True)
    patient_id: uuid.UUID = fk("patient.id")
    # The author's facility (the consulting one for minutes); its admin sees deliveries.
    facility_id: uuid.UUID = fk("facility.id", index=False)
    author_user_id: uuid.UUID = fk("user.id", index=False)
    author_practitioner_id: uuid.UUID = fk("practitioner.id", index=False)
    title: str = Field(max_length=200)
    # Exactly what was signed (a JSON object); its RFC 8785 form is what the digest covers.
    document: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # telehealth.signatures.signing.Signature.to_dict()
    signature: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    key_id: str = Field(max_length=64)
    signed_at: datetime = utc()
    # The PDF rendered from the signed document (deterministic for a version), kept as
    # produced so a later library upgrade cannot change what was handed out.
    pdf: bytes = Field(sa_type=LargeBinary())
    pdf_sha256: str = Field(max_length=64)
    # The write-back to the health record platform, enqueued in the signing transaction.
    outbox_message_id: uuid.UUID = fk("outbox_message.id", index=False)


class ConsultationOpinion(SQLModel, table=True):
    """A co-consultant's opinion in a case conference (ý kiến thành viên hội chẩn)."""

    __tablename__ = "consultation_opinion"
    __table_args__ = (UniqueConstraint("consultation_id", "author_user_id"),)

    id: uuid.UUID = id_field()
    consultation_id: uuid.UUID = fk("consultation_request.id", ondelete="CASCADE")
    author_user_id: uuid.UUID = fk("user.id", index=False)
    text: str = Field(max_length=4000)
    created_at: datetime = utc()
    updated_at: datetime = utc()


attach_immutable(ClinicalDocument.__table__)  # type: ignore[attr-defined]
