"""Opening a request, reading it, and the lists: the requesting facility's and the queue."""

from __future__ import annotations

import uuid
from typing import Literal

from telehealth.consultations import access, actions, intake, repository
from telehealth.consultations.access import Viewer
from telehealth.consultations.context import ServiceContext
from telehealth.consultations.schemas import (
    AttachmentPublic,
    ColleagueOption,
    ConsultationCreate,
    ConsultationDetail,
    ConsultationSummary,
    DiagnosisPublic,
    FacilityOption,
    ParticipantPublic,
    QuestionPublic,
    TimelineEntry,
)
from telehealth.consultations.sla import is_overdue
from telehealth.consultations.states import (
    ACTIVE,
    AWAITING_ACCEPTANCE,
    Action,
    Party,
    available_actions,
)
from telehealth.consultations.timeline import add_event
from telehealth.errors import Forbidden, NotFound
from telehealth.models import (
    ConsultationQuestion,
    ConsultationRequest,
    ConsultationStatus,
    Role,
    Specialty,
)
from telehealth.patients.validation import FieldCollector
from telehealth.terminology import lookup


def requesting_facility(ctx: ServiceContext) -> uuid.UUID:
    if ctx.actor.facility_id is None:
        raise Forbidden("consultations.errors.no_facility")
    return ctx.actor.facility_id


async def referral_options(ctx: ServiceContext) -> list[FacilityOption]:
    """The facilities the caller's facility may ask, rank 1 (the default) first."""
    targets = await repository.referral_targets(ctx.session, requesting_facility(ctx))
    return [
        FacilityOption(id=f.id, code=f.code, name=f.name, level=f.level, rank=rank)
        for f, rank in targets
    ]


def _canonical_codes(codes: list[str], errors: FieldCollector) -> list[str]:
    out: list[str] = []
    for raw in codes:
        found = lookup(raw)
        if found is None:
            errors.add("diagnosis_codes", "consultations.errors.unknown_icd10")
        elif found.code not in out:
            out.append(found.code)
    return out


async def create(ctx: ServiceContext, data: ConsultationCreate) -> ConsultationRequest:
    """Open a draft (or submit at once): patient, consents, clinical facts and questions."""
    facility_id = requesting_facility(ctx)
    errors = FieldCollector()
    codes = _canonical_codes(data.diagnosis_codes, errors)
    if await ctx.session.get(Specialty, data.specialty_id) is None:
        errors.add("specialty_id", "consultations.errors.unknown_specialty")
    targets = await repository.referral_targets(ctx.session, facility_id)
    if data.consulting_facility_id is None:
        target = targets[0][0] if targets else None
    else:
        target = next((f for f, _ in targets if f.id == data.consulting_facility_id), None)
    if target is None:
        errors.add("consulting_facility_id", "consultations.errors.not_in_network")
    elif "specialty_id" not in errors.errors and not await repository.specialist_user_ids(
        ctx.session, target.id, data.specialty_id
    ):
        errors.add("specialty_id", "consultations.errors.no_specialist")
    errors.raise_if_any(ctx.lang)
    assert target is not None

    if data.new_patient is not None:
        patient = await intake.register(ctx, data.new_patient)
    else:
        patient = await intake.get_patient(ctx, data.patient_id)
    await intake.ensure_consents(ctx, patient, obtained=data.consent_obtained)

    request = ConsultationRequest(
        patient_id=patient.id,
        requesting_facility_id=facility_id,
        requested_by_user_id=ctx.actor.user_id,
        consulting_facility_id=target.id,
        specialty_id=data.specialty_id,
        activity=data.activity,
        urgency=data.urgency,
        status=ConsultationStatus.draft,
        reason=data.reason.strip(),
        history=data.history.strip(),
        vitals=data.vitals.model_dump(exclude_none=True),
        diagnosis_codes=codes,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(request)
    # No ORM relationships: flush the parent first so the questions' foreign key holds.
    await ctx.session.flush()
    for position, text in enumerate(data.questions, start=1):
        ctx.session.add(
            ConsultationQuestion(consultation_id=request.id, position=position, text=text)
        )
    await ctx.session.flush()
    add_event(ctx.session, request, "create", actor=ctx.actor, at=ctx.now, clock=ctx.clock,
              from_status=None, to_status=ConsultationStatus.draft,
              detail={"consulting_facility_id": str(target.id)})
    if data.submit:
        viewer = Viewer(ctx.actor, request, frozenset({Party.requester}), None)
        request = await actions.submit(ctx, viewer)
    return request


async def load(ctx: ServiceContext, consultation_id: uuid.UUID) -> Viewer:
    return await access.load(ctx.session, ctx.actor, consultation_id, clock=ctx.clock)


def _summary(ctx: ServiceContext, row: repository.SummaryRow) -> ConsultationSummary:
    request, patient_name, requesting_name, consulting_name, specialty = row
    return ConsultationSummary(
        id=request.id,
        status=request.status,
        activity=request.activity,
        urgency=request.urgency,
        patient_name=patient_name,
        requesting_facility_name=requesting_name,
        consulting_facility_name=consulting_name,
        specialty_name=specialty.name_en if ctx.lang == "en" else specialty.name_vi,
        created_at=request.created_at,
        queued_at=request.queued_at,
        due_at=request.due_at,
        overdue=is_overdue(request.due_at, ctx.now,
                           awaiting=request.status in AWAITING_ACCEPTANCE),
        scheduled_for=request.scheduled_for,
    )


def attachment_url(consultation_id: uuid.UUID, attachment_id: uuid.UUID) -> str:
    return f"/api/v1/consultations/{consultation_id}/attachments/{attachment_id}"


async def detail(ctx: ServiceContext, viewer: Viewer) -> ConsultationDetail:
    request = viewer.request
    row = await repository.summary(ctx.session, request.id)
    if row is None:
        raise NotFound("consultations.errors.not_found")
    summary = _summary(ctx, row)
    lang: Literal["vi", "en"] = "en" if ctx.lang == "en" else "vi"
    diagnoses = []
    for code in request.diagnosis_codes:
        found = lookup(code)
        diagnoses.append(DiagnosisPublic(code=code, title=found.title(lang) if found else code))
    files = await repository.attachments(ctx.session, request.id)
    people = await repository.participants(ctx.session, request.id)
    return ConsultationDetail(
        **summary.model_dump(),
        patient_id=request.patient_id,
        requesting_facility_id=request.requesting_facility_id,
        consulting_facility_id=request.consulting_facility_id,
        specialty_id=request.specialty_id,
        reason=request.reason,
        history=request.history,
        vitals=request.vitals,
        diagnoses=diagnoses,
        questions=[QuestionPublic.model_validate(q)
                   for q in await repository.questions(ctx.session, request.id)],
        attachments=[
            AttachmentPublic(id=a.id, kind=a.kind, file_name=a.file_name,
                             content_type=a.content_type, size_bytes=a.size_bytes,
                             created_at=a.created_at, url=attachment_url(request.id, a.id))
            for a in files
        ],
        participants=[
            ParticipantPublic(practitioner_id=p.practitioner_id, full_name=u.full_name,
                              facility_name=f.name, invited_at=p.invited_at)
            for p, u, f in people
        ],
        conclusion_summary=request.conclusion_summary,
        recommendations=request.recommendations,
        advice_applied=request.advice_applied,
        patient_outcome=request.patient_outcome,
        actions=available_actions(request.status, viewer.parties),
        parties=sorted(p.value for p in viewer.parties),
    )


async def timeline(ctx: ServiceContext, viewer: Viewer) -> list[TimelineEntry]:
    return [
        TimelineEntry(at=e.at, action=e.action, actor_name=name, from_status=e.from_status,
                      to_status=e.to_status, reason=e.reason, detail=e.detail)
        for e, name in await repository.timeline(ctx.session, viewer.request.id)
    ]


async def requested(
    ctx: ServiceContext, statuses: list[ConsultationStatus] | None = None
) -> list[ConsultationSummary]:
    """The caller's facility's own requests, newest first."""
    rows = await repository.requested_by_facility(
        ctx.session, requesting_facility(ctx), statuses
    )
    return [_summary(ctx, row) for row in rows]


async def queue(ctx: ServiceContext) -> list[ConsultationSummary]:
    """The specialists' live queue: requests awaiting acceptance or in progress at the
    caller's facility, for the caller's specialties, plus those they were invited to."""
    if ctx.actor.role != Role.clinician:
        raise Forbidden("consultations.errors.specialists_only")
    practitioner = await repository.practitioner_for_user(ctx.session, ctx.actor.user_id)
    if practitioner is None:
        raise Forbidden("consultations.errors.specialists_only")
    specialties = await repository.specialty_ids_of(ctx.session, practitioner.id)
    rows = await repository.queue(
        ctx.session, practitioner.facility_id, specialties, practitioner.id,
        [*AWAITING_ACCEPTANCE, *ACTIVE],
    )
    return [_summary(ctx, row) for row in rows]


async def forward_options(ctx: ServiceContext, viewer: Viewer) -> list[FacilityOption]:
    if Action.forward not in available_actions(viewer.request.status, viewer.parties):
        return []
    return await actions.forward_targets(ctx, viewer.request)


async def colleague_options(
    ctx: ServiceContext, viewer: Viewer, name_query: str
) -> list[ColleagueOption]:
    if Action.invite not in available_actions(viewer.request.status, viewer.parties):
        return []
    rows = await repository.colleagues(
        ctx.session,
        facility_id=viewer.request.consulting_facility_id,
        specialty_id=viewer.request.specialty_id,
        name_query=name_query.strip()[:60],
        exclude_user_id=ctx.actor.user_id,
    )
    return [
        ColleagueOption(practitioner_id=p.id, full_name=u.full_name, title=p.title,
                        facility_id=f.id, facility_name=f.name)
        for p, u, f in rows
    ]
