"""Who may read, write and manage the documents of a consultation or a video visit.

Existence is private: someone with no relation to the subject gets 404, as for a subject
that does not exist. Minutes follow the consultation's own parties (requesting staff,
consultants, invitees, the consulting facility's administrators); an encounter summary is
the visit's doctor's, its patient's, and the facility administrators'.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col

from telehealth.audit.service import record
from telehealth.consultations import access as consultation_access
from telehealth.consultations.context import ServiceContext
from telehealth.consultations.states import ACTIVE, Party
from telehealth.errors import NotFound
from telehealth.models import (
    Appointment,
    ClinicalDocument,
    ConsultationRequest,
    DocumentKind,
    Patient,
    Practitioner,
    Role,
    VisitMode,
)
from telehealth.models.records import RecordDraft, subject_key

NOT_FOUND = "records.errors.not_found"


@dataclass(frozen=True)
class Subject:
    """What a document is about, as the caller may see it."""

    kind: DocumentKind
    key: str
    patient_id: uuid.UUID
    # The author's side: the consulting facility of a consultation, the visit's facility.
    facility_id: uuid.UUID
    requesting_facility_id: uuid.UUID | None
    consultation: ConsultationRequest | None
    appointment: Appointment | None
    may_write: bool  # write a draft, sign, correct
    may_opine: bool  # add a co-consultant's opinion
    is_admin: bool  # the author side's facility administrator: sees and retries deliveries
    parties: frozenset[Party] = frozenset()

    @property
    def subject_id(self) -> uuid.UUID:
        if self.consultation is not None:
            return self.consultation.id
        assert self.appointment is not None
        return self.appointment.id

    @property
    def room(self) -> str:
        prefix = "consultation" if self.kind == DocumentKind.consultation_minutes else "appointment"
        return f"{prefix}:{self.subject_id}"


async def consultation_subject(ctx: ServiceContext, consultation_id: uuid.UUID) -> Subject:
    viewer = await consultation_access.load(
        ctx.session, ctx.actor, consultation_id, clock=ctx.clock, audit_action=None
    )
    request = viewer.request
    writers = viewer.parties & {Party.consultant, Party.invitee}
    return Subject(
        kind=DocumentKind.consultation_minutes,
        key=subject_key(DocumentKind.consultation_minutes, request.id),
        patient_id=request.patient_id,
        facility_id=request.consulting_facility_id,
        requesting_facility_id=request.requesting_facility_id,
        consultation=request,
        appointment=None,
        may_write=bool(writers),
        may_opine=bool(writers) and request.status in ACTIVE,
        is_admin=Party.observer in viewer.parties,
        parties=viewer.parties,
    )


async def _practitioner_of(ctx: ServiceContext) -> Practitioner | None:
    found = await ctx.session.execute(
        select(Practitioner).where(col(Practitioner.user_id) == ctx.actor.user_id)
    )
    return found.scalar_one_or_none()


async def appointment_subject(ctx: ServiceContext, appointment_id: uuid.UUID) -> Subject:
    appointment = await ctx.session.get(Appointment, appointment_id)
    if appointment is None or appointment.mode != VisitMode.video:
        raise NotFound(NOT_FOUND)
    actor = ctx.actor
    is_doctor = is_patient = is_admin = False
    if actor.role == Role.clinician:
        practitioner = await _practitioner_of(ctx)
        is_doctor = practitioner is not None and practitioner.id == appointment.practitioner_id
    elif actor.role == Role.patient:
        patient = await ctx.session.get(Patient, appointment.patient_id)
        is_patient = patient is not None and patient.user_id == actor.user_id
    elif actor.role == Role.facility_admin:
        is_admin = actor.facility_id == appointment.facility_id
    if not (is_doctor or is_patient or is_admin):
        raise NotFound(NOT_FOUND)
    return Subject(
        kind=DocumentKind.encounter_summary,
        key=subject_key(DocumentKind.encounter_summary, appointment.id),
        patient_id=appointment.patient_id,
        facility_id=appointment.facility_id,
        requesting_facility_id=None,
        consultation=None,
        appointment=appointment,
        may_write=is_doctor and appointment.status != "cancelled",
        may_opine=False,
        is_admin=is_admin,
    )


async def subject_for(ctx: ServiceContext, kind: DocumentKind, subject_id: uuid.UUID) -> Subject:
    if kind == DocumentKind.consultation_minutes:
        return await consultation_subject(ctx, subject_id)
    return await appointment_subject(ctx, subject_id)


def _subject_id(item: ClinicalDocument | RecordDraft) -> uuid.UUID:
    found = item.consultation_id or item.appointment_id
    assert found is not None
    return found


async def document_subject(ctx: ServiceContext, document: ClinicalDocument) -> Subject:
    try:
        return await subject_for(ctx, DocumentKind(document.kind), _subject_id(document))
    except NotFound:
        raise NotFound(NOT_FOUND) from None


async def draft_subject(ctx: ServiceContext, draft: RecordDraft) -> Subject:
    return await subject_for(ctx, DocumentKind(draft.kind), _subject_id(draft))


def may_manage_delivery(ctx: ServiceContext, subject: Subject, document: ClinicalDocument) -> bool:
    """The author and the administrators of the author's facility see and retry deliveries."""
    return document.author_user_id == ctx.actor.user_id or (
        subject.is_admin and ctx.actor.facility_id == document.facility_id
    )


def audit_read(
    ctx: ServiceContext, document: ClinicalDocument, action: str = "record.read"
) -> None:
    record(
        ctx.session,
        ctx.actor,
        action,
        resource_type="ClinicalDocument",
        resource_id=document.id,
        patient_id=document.patient_id,
        purpose="treatment",
        detail={"kind": str(document.kind), "version": document.version},
        clock=ctx.clock,
    )
