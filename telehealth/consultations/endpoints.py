"""Consultations API: open a request, follow it, and act on it from either side."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from telehealth.consultations import access, actions, intake, service
from telehealth.consultations.context import ServiceContext, StaffContext
from telehealth.consultations.schemas import (
    AcceptBody,
    CloseBody,
    ColleagueOption,
    ConsultationCreate,
    ConsultationDetail,
    ConsultationSummary,
    FacilityOption,
    ForwardBody,
    InviteBody,
    PatientLookup,
    PatientMatch,
    ReasonBody,
    ScheduleBody,
    TimelineEntry,
)
from telehealth.errors import NotFound
from telehealth.models import ConsultationRequest, ConsultationStatus

router = APIRouter(prefix="/consultations", tags=["consultations"])

_ILLEGAL: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "Not possible in the request's current state; the message names it",
        "content": {"application/json": {"example": {"error": {
            "code": "illegal_transition",
            "message": "Không thể chấp nhận: yêu cầu đang ở trạng thái “Đã huỷ” (cancelled).",
            "details": {"status": "cancelled", "action": "accept"},
            "request_id": "8c1f0e6b3a5d4e2f",
        }}}},
    },
    403: {"description": "The caller's side may not take this action"},
    404: {"description": "No such request, or the caller has no relation to it"},
    422: {"description": "Bad input (field errors in `details`)"},
}


async def _detail(ctx: ServiceContext, viewer: access.Viewer, request: ConsultationRequest
                  ) -> ConsultationDetail:
    return await service.detail(ctx, await access.refreshed(ctx.session, viewer, request))


@router.get(
    "",
    response_model=list[ConsultationSummary],
    summary="My facility's requests",
    description="Requests opened by the caller's facility, newest first; filter by status.",
)
async def list_requested(
    ctx: StaffContext,
    status_filter: Annotated[list[ConsultationStatus] | None, Query(alias="status")] = None,
) -> list[ConsultationSummary]:
    return await service.requested(ctx, status_filter)


@router.post(
    "",
    response_model=ConsultationDetail,
    status_code=status.HTTP_201_CREATED,
    summary="Open a consultation request",
    description="Create a draft (or submit at once with `submit: true`) for a patient found by "
    "CCCD (`patient_id`) or registered on the spot (`new_patient`). The patient's consents to "
    "remote care and data processing must be on file or given in person now "
    "(`consent_obtained`). The consulting facility defaults to the rank-1 upper level of the "
    "referral network. Diagnosis codes are ICD-10 (see `GET /terminology/icd10`).",
    responses={409: {"description": "A patient with this CCCD already exists"},
               422: _ILLEGAL[422]},
)
async def create_request(ctx: StaffContext, body: ConsultationCreate) -> ConsultationDetail:
    request = await service.create(ctx, body)
    viewer = await service.load(ctx, request.id)
    return await service.detail(ctx, viewer)


@router.get(
    "/queue",
    response_model=list[ConsultationSummary],
    summary="The specialists' live queue",
    description="Requests waiting for or being handled by the caller's facility in the "
    "caller's specialties (and those they were invited to): emergencies first, then the "
    "longest waiting. `overdue` is true once the SLA deadline `due_at` has passed. Changes "
    "are announced on the bus channel `facility:<id>:consultations`.",
    responses={403: {"description": "Only clinicians with a practitioner profile"}},
)
async def read_queue(ctx: StaffContext) -> list[ConsultationSummary]:
    return await service.queue(ctx)


@router.get(
    "/referral-targets",
    response_model=list[FacilityOption],
    summary="Facilities my facility may ask",
    description="The upper levels of the caller's facility in the referral network; rank 1 "
    "is the default.",
)
async def referral_targets(ctx: StaffContext) -> list[FacilityOption]:
    return await service.referral_options(ctx)


@router.post(
    "/patient-lookup",
    response_model=PatientMatch,
    summary="Find a patient by CCCD",
    description="Exact match on the 12-digit CCCD, sent in the body so it never appears in "
    "a URL or access log. The look-up is audited.",
    responses={404: {"description": "No patient with this CCCD: register them on the spot"}},
)
async def lookup_patient(ctx: StaffContext, body: PatientLookup) -> PatientMatch:
    patient = await intake.find_by_national_id(ctx, body.national_id)
    if patient is None:
        raise NotFound("consultations.errors.patient_not_found")
    return PatientMatch(
        id=patient.id, full_name=patient.full_name, date_of_birth=patient.date_of_birth,
        sex=patient.sex, has_consents=not await intake.missing_consents(ctx, patient),
    )


@router.get(
    "/{consultation_id}",
    response_model=ConsultationDetail,
    summary="A request in full",
    description="Clinical content, questions and answers, attachments, invited colleagues, and "
    "`actions`: what the caller may do now.",
    responses={404: _ILLEGAL[404]},
)
async def read_request(ctx: StaffContext, consultation_id: uuid.UUID) -> ConsultationDetail:
    return await service.detail(ctx, await service.load(ctx, consultation_id))


@router.get(
    "/{consultation_id}/timeline",
    response_model=list[TimelineEntry],
    summary="Who did what, when and why",
    responses={404: _ILLEGAL[404]},
)
async def read_timeline(ctx: StaffContext, consultation_id: uuid.UUID) -> list[TimelineEntry]:
    return await service.timeline(ctx, await service.load(ctx, consultation_id))


@router.get(
    "/{consultation_id}/forward-targets",
    response_model=list[FacilityOption],
    summary="Where a consultant may forward the request",
    description="The consulting facility's referral network, or any higher level, with a "
    "specialist of the request's specialty. Empty when the caller may not forward now.",
)
async def read_forward_targets(
    ctx: StaffContext, consultation_id: uuid.UUID
) -> list[FacilityOption]:
    return await service.forward_options(ctx, await service.load(ctx, consultation_id))


@router.get(
    "/{consultation_id}/colleagues",
    response_model=list[ColleagueOption],
    summary="Colleagues who may be invited to the case conference",
)
async def read_colleagues(
    ctx: StaffContext,
    consultation_id: uuid.UUID,
    q: Annotated[str, Query(max_length=60, description="Part of the name")] = "",
) -> list[ColleagueOption]:
    return await service.colleague_options(ctx, await service.load(ctx, consultation_id), q)


def _action_route(path: str, summary: str, description: str) -> Any:
    return router.post(
        f"/{{consultation_id}}/{path}",
        response_model=ConsultationDetail,
        summary=summary,
        description=description,
        responses=_ILLEGAL,
    )


@_action_route("submit", "Submit a draft (requester)",
               "draft → submitted. The SLA clock of the consulting facility starts.")
async def submit(ctx: StaffContext, consultation_id: uuid.UUID) -> ConsultationDetail:
    viewer = await service.load(ctx, consultation_id)
    return await _detail(ctx, viewer, await actions.submit(ctx, viewer))


@_action_route("cancel", "Cancel (requester)",
               "draft, submitted, forwarded, accepted or scheduled → cancelled, with a reason.")
async def cancel(ctx: StaffContext, consultation_id: uuid.UUID, body: ReasonBody
                 ) -> ConsultationDetail:
    viewer = await service.load(ctx, consultation_id)
    return await _detail(ctx, viewer, await actions.cancel(ctx, viewer, body.reason))


@_action_route("accept", "Accept now (consultant)", "submitted or forwarded → accepted.")
async def accept(ctx: StaffContext, consultation_id: uuid.UUID, body: AcceptBody | None = None
                 ) -> ConsultationDetail:
    viewer = await service.load(ctx, consultation_id)
    note = body.note if body else None
    return await _detail(ctx, viewer, await actions.accept(ctx, viewer, note))


@_action_route("schedule", "Accept at a proposed time, or move it (consultant)",
               "submitted, forwarded, accepted or scheduled → scheduled.")
async def schedule(ctx: StaffContext, consultation_id: uuid.UUID, body: ScheduleBody
                   ) -> ConsultationDetail:
    viewer = await service.load(ctx, consultation_id)
    request = await actions.schedule(ctx, viewer, body.scheduled_for, body.note)
    return await _detail(ctx, viewer, request)


@_action_route("decline", "Decline with a reason (consultant)",
               "submitted or forwarded → declined.")
async def decline(ctx: StaffContext, consultation_id: uuid.UUID, body: ReasonBody
                  ) -> ConsultationDetail:
    viewer = await service.load(ctx, consultation_id)
    return await _detail(ctx, viewer, await actions.decline(ctx, viewer, body.reason))


@_action_route("forward", "Forward to another facility (consultant)",
               "submitted or forwarded → forwarded: the receiving facility's queue gets it and "
               "its SLA clock starts. See `forward-targets` for the allowed facilities.")
async def forward(ctx: StaffContext, consultation_id: uuid.UUID, body: ForwardBody
                  ) -> ConsultationDetail:
    viewer = await service.load(ctx, consultation_id)
    return await _detail(ctx, viewer, await actions.forward(ctx, viewer, body))


@_action_route("invite", "Invite colleagues to a case conference (consultant)",
               "No state change. Invited practitioners (this or another facility) gain access.")
async def invite(ctx: StaffContext, consultation_id: uuid.UUID, body: InviteBody
                 ) -> ConsultationDetail:
    viewer = await service.load(ctx, consultation_id)
    return await _detail(ctx, viewer, await actions.invite(ctx, viewer, body))


@_action_route("start-session", "Start the live session (consultant or invitee)",
               "accepted or scheduled → in_session. The room is `consultation:<id>`.")
async def start_session(ctx: StaffContext, consultation_id: uuid.UUID) -> ConsultationDetail:
    viewer = await service.load(ctx, consultation_id)
    return await _detail(ctx, viewer, await actions.start_session(ctx, viewer))


# There is no `conclude` route: a request is concluded by signing its minutes
# (POST /records/drafts/{id}/sign, telehealth.records.signing), so "concluded" and "signed
# minutes exist" are one fact. `conclude` still appears in `actions` for those who may.


@_action_route("close", "Report back and close (requester)",
               "concluded → closed: how the advice was applied and how the patient fared.")
async def close(ctx: StaffContext, consultation_id: uuid.UUID, body: CloseBody
                ) -> ConsultationDetail:
    viewer = await service.load(ctx, consultation_id)
    request = await actions.close(ctx, viewer, body.advice_applied, body.patient_outcome)
    return await _detail(ctx, viewer, request)
