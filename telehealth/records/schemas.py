"""Bodies of the records API: the minutes and summary forms, documents, delivery, verification."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from telehealth.models import Disposition, DocumentKind

ParticipantRole = Literal["chair", "consultant", "invitee", "requester", "member"]


class Participant(BaseModel):
    """Someone who took part (thành phần tham dự): prefilled, the author may add others."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=160)
    role: ParticipantRole = "member"
    facility: str = Field(default="", max_length=200)
    # Set for people we know (users of the platform); free-text additions have none.
    user_id: uuid.UUID | None = None


class Answer(BaseModel):
    """The conclusion for one question the requester asked (kết luận cho từng câu hỏi)."""

    model_config = ConfigDict(extra="forbid")

    question_id: uuid.UUID
    conclusion: str = Field(default="", max_length=4000)


class _Common(BaseModel):
    model_config = ConfigDict(extra="forbid")

    started_at: datetime | None = None
    ended_at: datetime | None = None
    diagnosis_codes: list[str] = Field(default_factory=list, max_length=20)
    disposition: Disposition | None = None
    disposition_note: str = Field(default="", max_length=2000)
    follow_up_on: date | None = None
    # Chat lines of the live session the author chose to quote.
    chat_excerpt_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _period_in_order(self) -> _Common:
        if self.started_at and self.ended_at and self.ended_at < self.started_at:
            raise ValueError("the end of the session is before its start")
        return self


class MinutesContent(_Common):
    """Biên bản hội chẩn (Circular 49/2017/TT-BYT): a draft may be incomplete; signing is not."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "participants": [{"name": "BSCKII Trần Thị Bình", "role": "chair",
                              "facility": "Trung tâm Y tế khu vực Yên Sơn"}],
            "started_at": "2026-11-23T01:00:00Z", "ended_at": "2026-11-23T01:30:00Z",
            "case_summary": "Nam 58 tuổi, đau ngực trái 2 giờ, THA 10 năm.",
            "answers": [{"question_id": "0193a1b2-0000-7000-8000-0000000000b1",
                         "conclusion": "Chuyển tuyến ngay có bác sĩ đi kèm."}],
            "diagnosis_codes": ["I21.1"],
            "conclusion": "Nhồi máu cơ tim cấp thành dưới.",
            "recommendations": "Aspirin 300 mg nhai, theo dõi monitor.",
            "disposition": "transfer",
        }]},
    )

    participants: list[Participant] = Field(default_factory=list, max_length=40)
    case_summary: str = Field(default="", max_length=8000)
    answers: list[Answer] = Field(default_factory=list, max_length=50)
    conclusion: str = Field(default="", max_length=8000)
    recommendations: str = Field(default="", max_length=8000)


class SummaryContent(_Common):
    """Tóm tắt khám bệnh từ xa: what the doctor of a video visit found and advised."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "started_at": "2026-11-23T01:00:00Z", "ended_at": "2026-11-23T01:20:00Z",
            "findings": "Huyết áp 150/95 mmHg, không phù.",
            "diagnosis_codes": ["I10"],
            "advice": "Tiếp tục amlodipin 5 mg, giảm muối.",
            "disposition": "follow_up", "follow_up_on": "2026-12-21",
        }]},
    )

    findings: str = Field(default="", max_length=8000)
    advice: str = Field(default="", max_length=8000)


class OpinionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=3, max_length=4000)


class DiagnosisView(BaseModel):
    code: str
    title: str


class RemoteCareNotice(BaseModel):
    """Diagnoses of a video visit not found in the Circular 30/2023 list we hold."""

    codes: list[DiagnosisView]
    list_version: str
    list_complete: bool


class DraftPublic(BaseModel):
    id: uuid.UUID
    kind: DocumentKind
    subject: str
    author_user_id: uuid.UUID
    replaces_id: uuid.UUID | None
    content: dict[str, Any]
    updated_at: datetime
    # What signing would refuse now (empty when the draft is ready to sign).
    missing: list[str]
    remote_care: RemoteCareNotice | None = None


class DeliveryState(BaseModel):
    """Where the write-back to the health record platform stands."""

    status: Literal["pending", "failed", "delivered", "dead"]
    attempts: int
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    message_id: uuid.UUID


class UndeliveredDocument(BaseModel):
    """A signed version whose write-back failed (it will be tried again) or is dead."""

    id: uuid.UUID
    kind: DocumentKind
    subject: str
    version: int
    signed_at: datetime
    facility_id: uuid.UUID
    author_user_id: uuid.UUID
    delivery: DeliveryState


class DocumentSummary(BaseModel):
    id: uuid.UUID
    kind: DocumentKind
    subject: str
    version: int
    replaces_id: uuid.UUID | None
    title: str
    signed_at: datetime
    author_user_id: uuid.UUID
    key_id: str
    pdf_sha256: str
    is_latest: bool


class DocumentPublic(DocumentSummary):
    document: dict[str, Any]
    signature: dict[str, Any]
    delivery: DeliveryState | None = Field(
        default=None, description="Shown to the author and the facility administrator only"
    )
    history: list[DocumentSummary]


class VerifyBody(BaseModel):
    """A document and its signature record, as exported (the public key is optional: when
    it is left out, the key is looked up by the signature's key id)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "document": {"schema": "vtelehealth.records/consultation-minutes/1", "version": 1},
        "signature": {"key_id": "ed25519-3q2-7wEi", "algorithm": "Ed25519",
                      "value": "base64…", "signed_at": "2026-11-23T01:40:00.000000Z",
                      "digest": "sha256:…"},
    }]})

    document: dict[str, Any]
    signature: dict[str, Any]
    public_key: str | None = Field(default=None, description="base64 of the raw 32 bytes")


class Verification(BaseModel):
    valid: bool
    key_id: str | None
    signed_at: datetime | None
    digest: str | None
    signer: str | None = Field(default=None, description="The key owner's name, when known")
    key_revoked: bool | None = None
    document_id: uuid.UUID | None = None
