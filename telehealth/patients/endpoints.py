"""Patients API: self-registration, the patient's own profile, and consents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status

from telehealth.accounts.deps import PatientActor
from telehealth.db import SessionDep
from telehealth.deps import ClockDep, client_ip, request_id
from telehealth.error_handlers import request_language
from telehealth.models import ConsentKind
from telehealth.patients import service
from telehealth.patients.schemas import (
    ConsentGrant,
    ConsentOverview,
    ConsentPublic,
    ConsentStatus,
    PatientProfile,
    PatientRegister,
    PatientUpdate,
    RegistrationResult,
)

router = APIRouter(prefix="/patients", tags=["patients"])

Lang = Annotated[str, Depends(request_language)]

_FIELD_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"description": "A field is malformed (CCCD, BHYT, phone, dates); nothing stored"}
}


@router.post(
    "/register",
    response_model=RegistrationResult,
    status_code=status.HTTP_201_CREATED,
    summary="Register as a patient",
    description="Public: creates the login (the phone number is the username), the patient "
    "record and the consents ticked. The CCCD must agree with the date of birth and sex. "
    "`consent_data_processing` is required; without `consent_telemedicine` only in-person "
    "visits can be booked. Log in afterwards with POST /api/v1/auth/token.",
    responses={**_FIELD_ERRORS, 409: {"description": "The phone or CCCD is already registered"}},
)
async def register(
    body: PatientRegister, request: Request, session: SessionDep, clock: ClockDep, lang: Lang
) -> RegistrationResult:
    # Public by design: a visitor has no account yet. Duplicates answer 409, never a record.
    done = await service.register(
        session,
        body,
        now=clock.now(),
        lang=lang,
        client_ip=client_ip(request),
        request_id=request_id(request),
    )
    return RegistrationResult(
        user_id=done.user.id,
        patient=PatientProfile.model_validate(done.patient),
        consents=done.consents,
    )


@router.get("/me", response_model=PatientProfile, summary="My patient profile")
async def read_me(actor: PatientActor, session: SessionDep) -> PatientProfile:
    return PatientProfile.model_validate(await service.read_profile(session, actor))


@router.patch(
    "/me",
    response_model=PatientProfile,
    summary="Update my contact details",
    description="Phone (also the login name), email, address, BHYT number and language. "
    "Identity facts (name, CCCD, birth date, sex) are corrected by a facility.",
    responses={**_FIELD_ERRORS, 409: {"description": "The new phone is already registered"}},
)
async def update_me(
    body: PatientUpdate, actor: PatientActor, session: SessionDep, lang: Lang
) -> PatientProfile:
    patient = await service.update_profile(session, actor, body, lang=lang)
    return PatientProfile.model_validate(patient)


@router.get(
    "/me/consents",
    response_model=ConsentOverview,
    summary="My consents",
    description="Each kind of consent with its current terms text and whether it is active, "
    "and the full history of grants and withdrawals.",
)
async def list_consents(actor: PatientActor, session: SessionDep) -> ConsentOverview:
    _, history = await service.consent_history(session, actor)
    return ConsentOverview(
        statuses=[
            ConsentStatus.model_validate(s) for s in service.consent_statuses(history, actor.lang)
        ],
        history=[ConsentPublic.model_validate(c) for c in history],
    )


@router.post(
    "/me/consents",
    response_model=ConsentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Give consent to the current terms",
)
async def grant_consent(
    body: ConsentGrant, actor: PatientActor, session: SessionDep, clock: ClockDep
) -> ConsentPublic:
    consent = await service.grant_consent(session, actor, body.kind, now=clock.now())
    return ConsentPublic.model_validate(consent)


@router.post(
    "/me/consents/{kind}/withdraw",
    response_model=list[ConsentPublic],
    summary="Withdraw a consent",
    description="Withdrawing `telemedicine` stops new video bookings; visits already booked "
    "stay until cancelled.",
    responses={409: {"description": "No active consent of that kind"}},
)
async def withdraw_consent(
    kind: ConsentKind, actor: PatientActor, session: SessionDep, clock: ClockDep
) -> list[ConsentPublic]:
    withdrawn = await service.withdraw_consent(session, actor, kind, now=clock.now())
    return [ConsentPublic.model_validate(c) for c in withdrawn]
