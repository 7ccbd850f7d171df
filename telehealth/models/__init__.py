"""All tables, imported in one place so the metadata is complete for migrations and tests."""

from telehealth.models.account import AuthSession, LoginAttempt, Role, User
from telehealth.models.appointment import Appointment, AppointmentStatus, VisitMode
from telehealth.models.attachment import Attachment, AttachmentKind
from telehealth.models.audit import AuditChainHead, AuditCheckpoint, AuditEvent
from telehealth.models.connectivity import ConnectionCheck, ConnectionFailure, ConnectionVerdict
from telehealth.models.consultation import (
    ConsultationActivity,
    ConsultationEvent,
    ConsultationParticipant,
    ConsultationQuestion,
    ConsultationRequest,
    ConsultationStatus,
    ConsultationUrgency,
)
from telehealth.models.facility import (
    Facility,
    FacilityLevel,
    FacilitySpecialty,
    Province,
    ReferralLink,
    Specialty,
)
from telehealth.models.notification import Notification
from telehealth.models.outbox import OutboxMessage, OutboxStatus
from telehealth.models.patient import Consent, ConsentKind, Patient, Sex
from telehealth.models.practitioner import Practitioner, PractitionerSpecialty
from telehealth.models.practitioner_key import PractitionerKey
from telehealth.models.quality import (
    ParticipantQualityRollup,
    QualityFigures,
    SessionQualityRollup,
    VisitRating,
)
from telehealth.models.records import (
    ClinicalDocument,
    ConsultationOpinion,
    Disposition,
    DocumentKind,
    RecordDraft,
)
from telehealth.models.schedule import ScheduleException, ScheduleRule, Slot, SlotMode
from telehealth.models.session import (
    LiveSession,
    SessionChatMessage,
    SessionParticipation,
    SessionQualityRecord,
)

__all__ = [
    "Appointment",
    "AppointmentStatus",
    "Attachment",
    "AttachmentKind",
    "AuditChainHead",
    "AuditCheckpoint",
    "AuditEvent",
    "AuthSession",
    "ClinicalDocument",
    "ConnectionCheck",
    "ConnectionFailure",
    "ConnectionVerdict",
    "Consent",
    "ConsentKind",
    "ConsultationActivity",
    "ConsultationEvent",
    "ConsultationOpinion",
    "ConsultationParticipant",
    "ConsultationQuestion",
    "ConsultationRequest",
    "ConsultationStatus",
    "ConsultationUrgency",
    "Disposition",
    "DocumentKind",
    "Facility",
    "FacilityLevel",
    "FacilitySpecialty",
    "LiveSession",
    "LoginAttempt",
    "Notification",
    "OutboxMessage",
    "OutboxStatus",
    "ParticipantQualityRollup",
    "Patient",
    "Practitioner",
    "PractitionerKey",
    "PractitionerSpecialty",
    "Province",
    "QualityFigures",
    "RecordDraft",
    "ReferralLink",
    "Role",
    "ScheduleException",
    "ScheduleRule",
    "SessionChatMessage",
    "SessionParticipation",
    "SessionQualityRecord",
    "SessionQualityRollup",
    "Sex",
    "Slot",
    "SlotMode",
    "Specialty",
    "User",
    "VisitMode",
    "VisitRating",
]
